output "deploy_role_arn" {
  description = "AWS_ROLE_ARN: the deploy role (empty with role_per_environment: see deploy_role_arns)."
  value       = module.github_oidc.deploy_role_arn
}

output "deploy_role_arns" {
  description = "Deploy environment -> its deploy role (an environment variable AWS_ROLE_ARN each, with role_per_environment)."
  value       = module.github_oidc.deploy_role_arns
}

output "provision_role_arn" {
  description = "AWS_PROVISION_ROLE_ARN: the role of the init and destroy jobs (empty with role_per_environment: see provision_role_arns)."
  value       = module.github_oidc.provision_role_arn
}

output "provision_role_arns" {
  description = "Deploy environment -> its provision role."
  value       = module.github_oidc.provision_role_arns
}

output "plan_role_arn" {
  description = "AWS_PLAN_ROLE_ARN: the pull request plan role (empty when none)."
  value       = module.github_oidc.plan_role_arn
}

output "oidc_provider_arn" {
  description = "The GitHub OIDC provider."
  value       = module.github_oidc.oidc_provider_arn
}

output "trusted_subjects" {
  description = "Role name -> the exact token subjects it trusts."
  value       = module.github_oidc.trusted_subjects
}

output "state_bucket" {
  description = "TF_STATE_BUCKET: the Terraform state bucket."
  value       = module.github_oidc.state_bucket
}
