variable "aws_region" {
  type        = string
  description = "The region of the deployed stacks (scopes ECS and CodeDeploy ARNs) and of the state bucket."
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

variable "deploy_environments" {
  type        = list(string)
  description = "The GitHub environments deploy jobs run in, e.g. [\"production\"] (each trusted by exact subject)."
}

variable "provision_environments" {
  type = map(object({
    infra   = string
    destroy = string
  }))
  description = "Per deploy environment, other names for its E-infra and E-destroy GitHub environments (the workflows' infra-environment and destroy-environment inputs)."
  default     = {}
}

variable "plan_environment" {
  type        = string
  description = "The GitHub environment of the pull request plan job (empty: no plan role)."
  default     = "plan"
}

variable "subject_includes_job_workflow_ref" {
  type        = bool
  description = "true once the repository's OIDC subject claim includes repo, context and job_workflow_ref (see the github-oidc module README)."
  default     = false
}

variable "role_per_environment" {
  type        = bool
  description = "A deploy role and a provision role per deploy environment instead of one shared pair."
  default     = false
}

variable "deploy_role_name" {
  type        = string
  description = "Name of the deploy role (the provision role is <name>-provision)."
  default     = "github-deploy"
}

variable "plan_role_name" {
  type        = string
  description = "Name of the pull request plan role."
  default     = "github-plan"
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

variable "run_task_families" {
  type        = list(string)
  description = "foundation's task_family output, when deploy-bluegreen's run-task-command runs one-off tasks of it (empty: no RunTask)."
  default     = []
}

variable "log_group_names" {
  type        = list(string)
  description = "foundation's log_group_name output: the deploy role reads a failed one-off task's last lines there (empty: no GetLogEvents)."
  default     = []
}

variable "state_bucket" {
  type        = string
  description = "The S3 bucket of the Terraform state (created here unless create_state_bucket is false)."
}

variable "create_state_bucket" {
  type        = bool
  description = "Create the state bucket in this stack (false: it exists already; see the module README)."
  default     = true
}

variable "provision_role_policy_arns" {
  type        = list(string)
  description = "Managed policies of the provision role(s), e.g. [\"arn:aws:iam::aws:policy/AdministratorAccess\"]."
  default     = []
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
