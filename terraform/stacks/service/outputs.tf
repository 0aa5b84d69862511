output "cluster_name" {
  description = "The ECS cluster (deploy-bluegreen's cluster)."
  value       = module.service.cluster_name
}

output "service_name" {
  description = "The ECS service (deploy-bluegreen's service)."
  value       = module.service.service_name
}

output "codedeploy_application" {
  description = "The CodeDeploy application."
  value       = module.service.codedeploy_application
}

output "codedeploy_deployment_group" {
  description = "The CodeDeploy deployment group."
  value       = module.service.codedeploy_deployment_group
}

output "production_url" {
  description = "The production listener's URL (smoke-test's url)."
  value       = module.alb.production_url
}

output "test_url" {
  description = "The test listener's URL (deploy-bluegreen's test-url)."
  value       = module.alb.test_url
}

output "production_listener_arn" {
  description = "The production listener (ingress stack's listener_arn)."
  value       = module.alb.production_listener_arn
}

output "alb_security_group_id" {
  description = "The load balancer's security group (ingress stack)."
  value       = module.alb.security_group_id
}

output "production_port" {
  description = "The production listener's port, https_port with a certificate (ingress stack's listener_port)."
  value       = module.alb.production_listener_port
}

output "alarm_names" {
  description = "The alarms that notify the SNS topic."
  value       = module.service.alarm_names
}
