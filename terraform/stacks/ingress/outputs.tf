output "ingress_url" {
  description = "The public URL of the service through API Gateway (smoke-test's url when the ALB is internal)."
  value       = module.ingress.url
}

output "api_id" {
  description = "The HTTP API's id."
  value       = module.ingress.api_id
}
