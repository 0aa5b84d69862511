variable "name" {
  type        = string
  description = "Name of the HTTP API and prefix of the VPC link and its security group."
}

variable "vpc_id" {
  type        = string
  description = "The VPC of the load balancer."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets for the VPC link's network interfaces (at least two AZs)."
  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "Give subnets in at least two availability zones."
  }
}

variable "listener_arn" {
  type        = string
  description = "The load balancer listener the API forwards to (the production listener)."
}

variable "alb_security_group_id" {
  type        = string
  description = "The load balancer's security group; it is opened to the VPC link on listener_port."
}

variable "listener_port" {
  type        = number
  description = "The listener's port."
  default     = 80
}

variable "throttling_burst_limit" {
  type        = number
  description = "Requests the API accepts in a burst before throttling."
  default     = 500
}

variable "throttling_rate_limit" {
  type        = number
  description = "Steady requests per second the API accepts."
  default     = 1000
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
