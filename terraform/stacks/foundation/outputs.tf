output "aws_region" {
  description = "The region of the stacks."
  value       = var.aws_region
}

output "vpc_id" {
  description = "The VPC (service and ingress stacks)."
  value       = module.network.vpc_id
}

output "public_subnet_ids" {
  description = "Public subnets (service stack: the load balancer)."
  value       = module.network.public_subnet_ids
}

output "private_subnet_ids" {
  description = "Private subnets (service stack: the tasks; ingress stack: the VPC link)."
  value       = module.network.private_subnet_ids
}

output "repository_name" {
  description = "The ECR repository (build-image's repository input): its own, or the shared one."
  value       = local.repository.name
}

output "repository_url" {
  description = "The ECR repository URL."
  value       = local.repository.url
}

output "repository_arn" {
  description = "The ECR repository ARN (github-oidc stack)."
  value       = local.repository.arn
}

output "execution_role_arn" {
  description = "The task execution role (deploy-bluegreen's execution-role-arn)."
  value       = module.task_iam.execution_role_arn
}

output "task_role_arn" {
  description = "The task role (deploy-bluegreen's task-role-arn)."
  value       = module.task_iam.task_role_arn
}

output "log_group_name" {
  description = "The containers' log group (deploy-bluegreen's log-group)."
  value       = aws_cloudwatch_log_group.app.name
}

output "alerts_topic_arn" {
  description = "The SNS topic alarms notify (service stack's alarm_topic_arn)."
  value       = aws_sns_topic.alerts.arn
}

output "alerts_topic_kms_key_arn" {
  description = "The alerts topic's customer-managed KMS key (empty when the topic is unencrypted)."
  value       = local.encrypt_kms ? aws_kms_key.alerts[0].arn : ""
}

output "container_name" {
  description = "The application's container name."
  value       = var.container_name
}

output "container_port" {
  description = "The application's port."
  value       = var.container_port
}

output "task_family" {
  description = "The task definition family."
  value       = local.task_family
}

output "first_task_definition" {
  description = "Everything the first task definition needs besides the image (deploy-bluegreen with register-only)."
  value = {
    family             = local.task_family
    container_name     = var.container_name
    container_port     = var.container_port
    execution_role_arn = module.task_iam.execution_role_arn
    task_role_arn      = module.task_iam.task_role_arn
    log_group          = aws_cloudwatch_log_group.app.name
    region             = var.aws_region
  }
}
