output "deploy_role_arn" {
  description = "role-to-assume for the deploy workflow."
  value       = module.github_oidc.deploy_role_arn
}

output "provision_role_arn" {
  description = "role-to-assume for the init and destroy workflows (empty when not created)."
  value       = module.github_oidc.provision_role_arn
}

output "oidc_provider_arn" {
  description = "The GitHub OIDC provider."
  value       = module.github_oidc.oidc_provider_arn
}
