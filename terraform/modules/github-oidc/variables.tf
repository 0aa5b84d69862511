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

variable "deploy_environments" {
  type        = list(string)
  description = "The GitHub environments the deploy workflow deploys to (its deploy job's `environment:`), e.g. [\"production\"]. Each gets exactly one trusted subject and its own state keys."
  validation {
    condition     = length(var.deploy_environments) >= 1 && alltrue([for e in var.deploy_environments : can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$", e))])
    error_message = "deploy_environments must list at least one environment name of 1-63 letters, digits, '-' or '_' (the workflows' alphabet; no wildcards), e.g. [\"production\"]."
  }
}

variable "provision_environments" {
  type = map(object({
    infra   = string
    destroy = string
  }))
  description = "Per deploy environment E, the GitHub environments of its init job (infra) and destroy job (destroy), when the workflows' infra-environment / destroy-environment inputs rename them. An environment missing here uses E-infra and E-destroy."
  default     = {}
  validation {
    condition     = alltrue([for e, names in var.provision_environments : contains(var.deploy_environments, e) && can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$", names.infra)) && can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$", names.destroy))])
    error_message = "provision_environments must be keyed by names in deploy_environments, with infra and destroy names of 1-63 letters, digits, '-' or '_', e.g. { production = { infra = \"production-infra\", destroy = \"production-destroy\" } }."
  }
}

variable "plan_environment" {
  type        = string
  description = "The GitHub environment of the pull request plan job; the plan role trusts only it. Empty: no plan role."
  default     = "plan"
  validation {
    condition     = var.plan_environment == "" || can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$", var.plan_environment))
    error_message = "plan_environment must be empty or 1-63 letters, digits, '-' or '_', e.g. plan."
  }
}

variable "subject_includes_job_workflow_ref" {
  type        = bool
  description = "Set true after customising the repository's OIDC subject claim to include_claim_keys [\"repo\", \"context\", \"job_workflow_ref\"]: the deploy and provision roles then trust only their reusable workflow file on refs/heads/main, and no plan role is made (a pull request's subject carries its own ref)."
  default     = false
}

variable "role_per_environment" {
  type        = bool
  description = "One deploy role and one provision role per deploy environment (each trusting and reading only that environment) instead of one of each for all of them."
  default     = false
}

variable "deploy_role_name" {
  type        = string
  description = "Name of the deploy role; the provision role is <name>-provision. With role_per_environment, -<environment> is appended to each."
  default     = "github-deploy"
}

variable "plan_role_name" {
  type        = string
  description = "Name of the pull request plan role."
  default     = "github-plan"
  validation {
    condition     = var.plan_role_name != var.deploy_role_name && !startswith(var.plan_role_name, "${var.deploy_role_name}-")
    error_message = "plan_role_name must differ from deploy_role_name and not start with \"<deploy_role_name>-\" (the names of the deploy and provision roles), e.g. github-plan."
  }
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

variable "run_task_families" {
  type        = list(string)
  description = "Task definition families deploy-bluegreen's run-task-command may run as one-off tasks (RunTask in ecs_cluster_name, StopTask there). Empty: no RunTask."
  default     = []
  validation {
    condition     = alltrue([for f in var.run_task_families : can(regex("^[A-Za-z0-9_-]{1,255}$", f))])
    error_message = "run_task_families must list task definition family names (letters, digits, '-' or '_'; no wildcards, no revision), e.g. [\"sample-app\"]."
  }
}

variable "log_group_names" {
  type        = list(string)
  description = "CloudWatch Logs groups whose streams the deploy role may read (GetLogEvents: a failed one-off task's last lines). Empty: none."
  default     = []
  validation {
    condition     = alltrue([for g in var.log_group_names : can(regex("^[A-Za-z0-9_./#-]{1,512}$", g))])
    error_message = "log_group_names must list log group names (letters, digits, '_', '-', '/', '.', '#'; no wildcards), e.g. [\"/ecs/sample-app\"]."
  }
}

variable "codedeploy_application" {
  type        = string
  description = "The CodeDeploy application the deploy role may deploy."
}

variable "state_bucket" {
  type        = string
  description = "The S3 bucket holding the Terraform state."
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket))
    error_message = "state_bucket must be an S3 bucket name: 3-63 lowercase letters, digits, '.' or '-', e.g. acme-tf-state."
  }
}

variable "create_state_bucket" {
  type        = bool
  description = "Create state_bucket here (versioned, encrypted, public access blocked, TLS only). False: the bucket exists and you keep it to the same rules."
  default     = true
}

variable "state_stacks" {
  type        = list(string)
  description = "The stacks whose state each environment keeps at <environment>/<stack>.tfstate (the keys the workflows pass to provision)."
  default     = ["foundation", "service", "ingress"]
  validation {
    condition     = alltrue([for s in var.state_stacks : can(regex("^[a-z0-9-]+$", s))])
    error_message = "state_stacks must be stack folder names (lowercase letters, digits, '-'), e.g. [\"foundation\", \"service\", \"ingress\"]."
  }
}

variable "bootstrap_state_key" {
  type        = string
  description = "The state key of this (github-oidc) stack, which the plan role may read to plan it."
  default     = "github-oidc.tfstate"
}

variable "provision_role_policy_arns" {
  type        = list(string)
  description = "Managed policies attached to the provision role(s), which apply and destroy the stacks (e.g. AdministratorAccess, or narrower)."
  default     = []
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
