output "deploy_role_arn" {
  description = "The role for aws-actions/configure-aws-credentials' role-to-assume in the deploy workflow."
  value       = aws_iam_role.deploy.arn
}

output "provision_role_arn" {
  description = "The role for the init and destroy workflows (empty when not created)."
  value       = length(aws_iam_role.provision) > 0 ? aws_iam_role.provision[0].arn : ""
}

output "oidc_provider_arn" {
  description = "The account's GitHub OIDC provider."
  value       = local.provider_arn
}

output "allowed_subjects" {
  description = "The token subjects the roles trust."
  value       = local.allowed_subjects
}
