output "alb_arn" {
  description = "The load balancer's ARN."
  value       = aws_lb.this.arn
}

output "alb_arn_suffix" {
  description = "The load balancer's ARN suffix (the CloudWatch LoadBalancer dimension)."
  value       = aws_lb.this.arn_suffix
}

output "dns_name" {
  description = "The load balancer's DNS name."
  value       = aws_lb.this.dns_name
}

output "security_group_id" {
  description = "The load balancer's security group; the tasks accept traffic from it only."
  value       = aws_security_group.alb.id
}

output "production_listener_arn" {
  description = "ARN of the production listener."
  value       = aws_lb_listener.production.arn
}

output "test_listener_arn" {
  description = "ARN of the test listener."
  value       = aws_lb_listener.test.arn
}

output "production_listener_port" {
  description = "Port of the production listener (https_port with a certificate, else production_port)."
  value       = local.production_listener_port
}

output "production_url" {
  description = "URL of the production listener."
  value = local.https ? (
    "https://${aws_lb.this.dns_name}${var.https_port == 443 ? "" : ":${var.https_port}"}"
    ) : (
    "http://${aws_lb.this.dns_name}${var.production_port == 80 ? "" : ":${var.production_port}"}"
  )
}

output "test_url" {
  description = "URL of the test listener (the new version before the switch)."
  value       = "http://${aws_lb.this.dns_name}:${var.test_port}"
}

output "blue_target_group_name" {
  description = "Name of the blue target group."
  value       = aws_lb_target_group.this["blue"].name
}

output "green_target_group_name" {
  description = "Name of the green target group."
  value       = aws_lb_target_group.this["green"].name
}

output "blue_target_group_arn" {
  description = "ARN of the blue target group (the service starts registered with it)."
  value       = aws_lb_target_group.this["blue"].arn
}

output "target_group_arn_suffixes" {
  description = "Colour -> ARN suffix of each target group (the CloudWatch TargetGroup dimension)."
  value       = { for colour, tg in aws_lb_target_group.this : colour => tg.arn_suffix }
}
