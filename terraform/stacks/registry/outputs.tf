output "repository_name" {
  description = "The shared ECR repository (build-image's repository input)."
  value       = module.ecr.repository_name
}

output "repository_url" {
  description = "<registry>/<name>: what every environment's image references start with."
  value       = module.ecr.repository_url
}

output "repository_arn" {
  description = "The repository ARN: each environment's foundation shared_repository_arn, and the github-oidc stack's ecr_repository_arns."
  value       = module.ecr.repository_arn
}

output "puller_role_arns" {
  description = "The roles the repository policy lets pull."
  value       = var.puller_role_arns
}
