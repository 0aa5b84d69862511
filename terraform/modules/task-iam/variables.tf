variable "name" {
  type        = string
  description = "Prefix of the role names, e.g. sample-app-prod."
}

variable "repository_arn" {
  type        = string
  description = "The ECR repository the execution role may pull from."
}

variable "log_group_arn" {
  type        = string
  description = "The CloudWatch Logs group the containers write to."
}

variable "secret_arns" {
  type        = list(string)
  description = "Secrets Manager secrets the task definitions' `secrets` name: the execution role may GetSecretValue on them. The bare secret ARN (with its 6-character suffix), not the :json-key:: form. Empty: none."
  default     = []
  validation {
    condition     = alltrue([for a in var.secret_arns : can(regex("^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$", a))])
    error_message = "secret_arns must list whole Secrets Manager secret ARNs without a :json-key:version suffix or wildcard, e.g. [\"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-password-AbCdEf\"]."
  }
}

variable "parameter_arns" {
  type        = list(string)
  description = "SSM Parameter Store parameters the task definitions' `secrets` name: the execution role may GetParameters on them. Empty: none."
  default     = []
  validation {
    condition     = alltrue([for a in var.parameter_arns : can(regex("^arn:[a-z-]+:ssm:[a-z0-9-]+:[0-9]{12}:parameter/[A-Za-z0-9/_.-]+$", a))])
    error_message = "parameter_arns must list SSM parameter ARNs without wildcards, e.g. [\"arn:aws:ssm:eu-west-1:123456789012:parameter/app/api-key\"]."
  }
}

variable "secret_kms_key_arns" {
  type        = list(string)
  description = "Customer-managed KMS keys encrypting those secrets or SecureString parameters: the execution role may kms:Decrypt with them through Secrets Manager and SSM only. Empty (AWS-managed keys): none."
  default     = []
  validation {
    condition     = alltrue([for a in var.secret_kms_key_arns : can(regex("^arn:[a-z-]+:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", a))])
    error_message = "secret_kms_key_arns must list KMS key ARNs (key/<id>, not an alias), e.g. [\"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\"]."
  }
}

variable "task_policy_json" {
  type        = string
  description = "An optional IAM policy document for what the application itself calls (empty: the task role has no permissions)."
  default     = ""
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
