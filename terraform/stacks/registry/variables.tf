variable "aws_region" {
  type        = string
  description = "The region of the repository, e.g. eu-west-1 (the environments' region: ECS pulls from it)."
}

variable "repository_name" {
  type        = string
  description = "The shared ECR repository's name, e.g. sample-app."
  validation {
    condition     = can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", var.repository_name))
    error_message = "repository_name must be a valid ECR repository name: lowercase letters, digits, and . _ - / between them, e.g. sample-app."
  }
}

variable "puller_role_arns" {
  type        = list(string)
  description = "Each environment's task execution role (the foundation stack's execution_role_arn, arn:aws:iam::<account>:role/<name>-execution): the only principals that may pull. The roles need not exist yet."
  validation {
    condition     = length(var.puller_role_arns) >= 1 && alltrue([for arn in var.puller_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,64}$", arn))])
    error_message = "puller_role_arns must list at least one IAM role ARN without wildcards, e.g. [\"arn:aws:iam::123456789012:role/sample-app-staging-execution\"]."
  }
}

variable "images_to_keep" {
  type        = number
  description = "Fingerprint-tagged images kept, newest first: enough for every environment's serving and rollback revisions."
  default     = 30
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource (besides Application and Stack)."
  default     = {}
}
