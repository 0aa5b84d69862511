provider "aws" {
  region = var.aws_region
  default_tags {
    tags = merge(var.tags, { Stack = "github-oidc", ManagedBy = "terraform" })
  }
}

module "github_oidc" {
  source                            = "../../modules/github-oidc"
  github_repository                 = var.github_repository
  create_oidc_provider              = var.create_oidc_provider
  deploy_environments               = var.deploy_environments
  provision_environments            = var.provision_environments
  plan_environment                  = var.plan_environment
  subject_includes_job_workflow_ref = var.subject_includes_job_workflow_ref
  role_per_environment              = var.role_per_environment
  deploy_role_name                  = var.deploy_role_name
  plan_role_name                    = var.plan_role_name
  ecr_repository_arns               = var.ecr_repository_arns
  ecs_cluster_name                  = var.ecs_cluster_name
  pass_role_arns                    = var.pass_role_arns
  codedeploy_application            = var.codedeploy_application
  run_task_families                 = var.run_task_families
  log_group_names                   = var.log_group_names
  state_bucket                      = var.state_bucket
  create_state_bucket               = var.create_state_bucket
  provision_role_policy_arns        = var.provision_role_policy_arns
}
