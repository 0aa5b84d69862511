output "url" {
  description = "The public URL of the service (the API's default stage)."
  value       = aws_apigatewayv2_stage.default.invoke_url
}

output "api_id" {
  description = "The HTTP API's id."
  value       = aws_apigatewayv2_api.this.id
}

output "vpc_link_id" {
  description = "The VPC link's id."
  value       = aws_apigatewayv2_vpc_link.this.id
}
