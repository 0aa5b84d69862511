variable "aws_region" {
  type        = string
  description = "The region (foundation's aws_region output)."
}

variable "name" {
  type        = string
  description = "Name of the HTTP API and its VPC link."
  default     = "sample-app"
}

variable "vpc_id" {
  type        = string
  description = "foundation's vpc_id output."
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "foundation's private_subnet_ids output (the VPC link's interfaces)."
}

variable "listener_arn" {
  type        = string
  description = "service's production_listener_arn output."
}

variable "alb_security_group_id" {
  type        = string
  description = "service's alb_security_group_id output."
}

variable "listener_port" {
  type        = number
  description = "service's production_port output."
  default     = 80
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
