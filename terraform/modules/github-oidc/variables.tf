variable "github_repository" {
  type        = string
  description = "The repository allowed to assume the roles, as owner/name."
  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name, e.g. octo-org/fargate-service (no wildcards)."
  }
}

variable "create_oidc_provider" {
  type        = bool
  description = "Create the account's token.actions.githubusercontent.com provider (an account has one; false reuses it)."
  default     = true
}

variable "deploy_role_name" {
  type        = string
  description = "Name of the role the deploy workflow assumes."
  default     = "github-deploy"
}

variable "ecr_repository_arns" {
  type        = list(string)
  description = "ECR repositories the deploy role may push to and read."
}

variable "ecs_cluster_name" {
  type        = string
  description = "The cluster whose services the deploy role may describe and update."
}

variable "pass_role_arns" {
  type        = list(string)
  description = "The task and execution role ARNs the deploy role may pass to ECS in a task definition."
}

variable "codedeploy_application" {
  type        = string
  description = "The CodeDeploy application the deploy role may deploy."
}

variable "state_bucket" {
  type        = string
  description = "The S3 bucket holding the Terraform state."
}

variable "state_key_prefix" {
  type        = string
  description = "The key prefix of this environment's state objects (and their .tflock files) in state_bucket."
  default     = ""
}

variable "provision_role_policy_arns" {
  type        = list(string)
  description = "Managed policies for an optional second role, assumed by the init and destroy workflows to apply the stacks (branch main only). Empty: no such role."
  default     = []
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
