variable "name" {
  type        = string
  description = "Prefix of the load balancer, target group and security group names (at most 26 characters: target group names are limited to 32)."
  validation {
    condition     = length(var.name) >= 1 && length(var.name) <= 26
    error_message = "name must be 1 to 26 characters long."
  }
}

variable "vpc_id" {
  type        = string
  description = "The VPC of the load balancer and its targets."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Subnets in at least two AZs: public ones for an internet-facing ALB, private ones for an internal ALB."
  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "An ALB needs subnets in at least two availability zones."
  }
}

variable "internal" {
  type        = bool
  description = "An internal ALB (reached through the ingress stack's VPC link) instead of an internet-facing one."
  default     = false
}

variable "ingress_cidrs" {
  type        = list(string)
  description = "IPv4 ranges allowed to reach the listener ports (and only those ports)."
  default     = ["0.0.0.0/0"]
}

variable "production_port" {
  type        = number
  description = "Port of the production listener."
  default     = 80
  validation {
    condition     = var.production_port >= 1 && var.production_port <= 65535
    error_message = "production_port must be from 1 to 65535."
  }
}

variable "test_port" {
  type        = number
  description = "Port of the test listener, where CodeDeploy sends test traffic to the new (green) tasks before the switch."
  default     = 8080
  validation {
    condition     = var.test_port >= 1 && var.test_port <= 65535 && var.test_port != var.production_port
    error_message = "test_port must be from 1 to 65535 and differ from production_port."
  }
}

variable "container_port" {
  type        = number
  description = "The port the containers listen on (the target groups' port)."
}

variable "health_check_path" {
  type        = string
  description = "Path the target groups check; a target is healthy when it answers 200."
  default     = "/health"
}

variable "deregistration_delay_seconds" {
  type        = number
  description = "How long a target keeps its in-flight requests when it is removed."
  default     = 30
  validation {
    condition     = var.deregistration_delay_seconds >= 0 && var.deregistration_delay_seconds <= 3600
    error_message = "deregistration_delay_seconds must be from 0 to 3600."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
