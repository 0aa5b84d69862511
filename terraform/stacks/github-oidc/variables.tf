variable "aws_region" {
  type        = string
  description = "The region of the deployed stacks (scopes ECS and CodeDeploy ARNs)."
}

variable "github_repository" {
  type        = string
  description = "owner/name of the repository whose workflows may assume the roles."
}

variable "create_oidc_provider" {
  type        = bool
  description = "Create the account's GitHub OIDC provider (false when the account already has one)."
  default     = true
}

variable "deploy_role_name" {
  type        = string
  description = "Name of the deploy role."
  default     = "github-deploy"
}

variable "ecr_repository_arns" {
  type        = list(string)
  description = "foundation's repository_arn output (and any other repositories to push to)."
}

variable "ecs_cluster_name" {
  type        = string
  description = "service's cluster_name output."
}

variable "pass_role_arns" {
  type        = list(string)
  description = "foundation's execution_role_arn and task_role_arn outputs."
}

variable "codedeploy_application" {
  type        = string
  description = "service's codedeploy_application output."
}

variable "state_bucket" {
  type        = string
  description = "The S3 bucket of the Terraform state."
}

variable "state_key_prefix" {
  type        = string
  description = "Key prefix of this environment's state objects, e.g. prod/."
  default     = ""
}

variable "provision_role_policy_arns" {
  type        = list(string)
  description = "Managed policies of an optional role for the init and destroy workflows; empty for none."
  default     = []
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
