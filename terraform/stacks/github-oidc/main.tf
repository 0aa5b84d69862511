provider "aws" {
  region = var.aws_region
  default_tags {
    tags = merge(var.tags, { Stack = "github-oidc", ManagedBy = "terraform" })
  }
}

module "github_oidc" {
  source                     = "../../modules/github-oidc"
  github_repository          = var.github_repository
  create_oidc_provider       = var.create_oidc_provider
  deploy_role_name           = var.deploy_role_name
  ecr_repository_arns        = var.ecr_repository_arns
  ecs_cluster_name           = var.ecs_cluster_name
  pass_role_arns             = var.pass_role_arns
  codedeploy_application     = var.codedeploy_application
  state_bucket               = var.state_bucket
  state_key_prefix           = var.state_key_prefix
  provision_role_policy_arns = var.provision_role_policy_arns
}
