output "repository_name" {
  description = "The repository's name (the build-image input `repository`)."
  value       = aws_ecr_repository.this.name
}

output "repository_url" {
  description = "<registry>/<name>, what image references start with."
  value       = aws_ecr_repository.this.repository_url
}

output "repository_arn" {
  description = "The repository's ARN (for IAM policies)."
  value       = aws_ecr_repository.this.arn
}

output "registry_id" {
  description = "The registry (account) id."
  value       = aws_ecr_repository.this.registry_id
}
