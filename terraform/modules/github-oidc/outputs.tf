output "deploy_role_arn" {
  description = "The deploy role (AWS_ROLE_ARN); empty with role_per_environment (see deploy_role_arns)."
  value       = var.role_per_environment ? "" : aws_iam_role.deploy["shared"].arn
}

output "deploy_role_arns" {
  description = "Deploy environment -> the deploy role its deploy job assumes."
  value       = { for e in var.deploy_environments : e => aws_iam_role.deploy[var.role_per_environment ? e : "shared"].arn }
}

output "provision_role_arn" {
  description = "The provision role for init and destroy (AWS_PROVISION_ROLE_ARN); empty with role_per_environment (see provision_role_arns)."
  value       = var.role_per_environment ? "" : aws_iam_role.provision["shared"].arn
}

output "provision_role_arns" {
  description = "Deploy environment -> the provision role its init and destroy jobs assume."
  value       = { for e in var.deploy_environments : e => aws_iam_role.provision[var.role_per_environment ? e : "shared"].arn }
}

output "plan_role_arn" {
  description = "The pull request plan role (AWS_PLAN_ROLE_ARN); empty when there is none (plan_environment empty, or subject_includes_job_workflow_ref)."
  value       = length(aws_iam_role.plan) > 0 ? aws_iam_role.plan[var.plan_role_name].arn : ""
}

output "oidc_provider_arn" {
  description = "The account's GitHub OIDC provider."
  value       = local.provider_arn
}

output "trusted_subjects" {
  description = "Role name -> the exact token subjects its trust policy accepts."
  value       = merge(local.trusted_subjects.deploy, local.trusted_subjects.provision, local.trusted_subjects.plan)
}

output "state_bucket" {
  description = "The Terraform state bucket (TF_STATE_BUCKET)."
  value       = var.state_bucket
}
