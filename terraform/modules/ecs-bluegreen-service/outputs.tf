output "cluster_name" {
  description = "The ECS cluster's name."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "The ECS cluster's ARN."
  value       = aws_ecs_cluster.this.arn
}

output "service_name" {
  description = "The ECS service's name."
  value       = aws_ecs_service.this.name
}

output "service_arn" {
  description = "The ECS service's ARN."
  value       = aws_ecs_service.this.id
}

output "codedeploy_application" {
  description = "The CodeDeploy application's name."
  value       = aws_codedeploy_app.this.name
}

output "codedeploy_deployment_group" {
  description = "The CodeDeploy deployment group's name."
  value       = aws_codedeploy_deployment_group.this.deployment_group_name
}

output "codedeploy_deployment_group_arn" {
  description = "The CodeDeploy deployment group's ARN."
  value       = aws_codedeploy_deployment_group.this.arn
}

output "tasks_security_group_id" {
  description = "The tasks' security group."
  value       = aws_security_group.tasks.id
}

output "alarm_names" {
  description = "The alarms that stop a deployment and notify the SNS topic, and the CPU peak alarm."
  value = concat(
    [aws_cloudwatch_metric_alarm.cpu_peak.alarm_name, aws_cloudwatch_metric_alarm.http_5xx.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.unhealthy_hosts : a.alarm_name],
  )
}
