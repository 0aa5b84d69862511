variable "aws_region" {
  type        = string
  description = "The region (foundation's aws_region output)."
}

variable "name" {
  type        = string
  description = "Name of the cluster, service, CodeDeploy application and group; prefix of the load balancer (at most 20 characters)."
  default     = "sample-app"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.name))
    error_message = "name must be 1 to 20 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "vpc_id" {
  type        = string
  description = "foundation's vpc_id output."
}

variable "public_subnet_ids" {
  type        = list(string)
  description = "foundation's public_subnet_ids output (the internet-facing load balancer)."
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "foundation's private_subnet_ids output (the tasks; and the load balancer when internal_alb)."
}

variable "alarm_topic_arn" {
  type        = string
  description = "foundation's alerts_topic_arn output."
}

variable "task_definition_arn" {
  type        = string
  description = "The first task definition, registered by deploy-bluegreen with register-only. Ignored after creation."
  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:task-definition/[A-Za-z0-9_-]+:[0-9]+$", var.task_definition_arn))
    error_message = "task_definition_arn must be a task definition ARN with its revision, e.g. arn:aws:ecs:eu-west-1:123456789012:task-definition/sample-app:1."
  }
}

variable "container_name" {
  type        = string
  description = "foundation's container_name output."
  default     = "app"
}

variable "container_port" {
  type        = number
  description = "foundation's container_port output."
  default     = 3000
}

variable "internal_alb" {
  type        = bool
  description = "Put the load balancer in the private subnets, reachable only through the ingress stack."
  default     = false
}

variable "alb_ingress_cidrs" {
  type        = list(string)
  description = "Who may reach the production listener (and its HTTP redirect)."
  default     = ["0.0.0.0/0"]
}

variable "test_listener_cidrs" {
  type        = list(string)
  description = "Ranges besides the VPC's that may reach the test listener (default none: the deploy test gate then needs a runner inside the VPC, or its ranges listed here)."
  default     = []
}

variable "certificate_arn" {
  type        = string
  description = "ACM certificate for an HTTPS production listener (HTTP then redirects to it); empty for HTTP only."
  default     = ""
}

variable "https_port" {
  type        = number
  description = "HTTPS production listener port (with certificate_arn)."
  default     = 443
}

variable "ssl_policy" {
  type        = string
  description = "The HTTPS listener's TLS security policy."
  default     = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
}

variable "production_port" {
  type        = number
  description = "Production listener port."
  default     = 80
}

variable "test_port" {
  type        = number
  description = "Test listener port (the new version, before the switch)."
  default     = 8080
}

variable "min_task_count" {
  type        = number
  description = "Tasks at creation and the least the autoscaler keeps."
  default     = 2
  validation {
    condition     = var.min_task_count >= 1
    error_message = "min_task_count must be at least 1."
  }
}

variable "max_scaled_task_count" {
  type        = number
  description = "The most tasks CPU scaling may run; at least min_task_count."
  default     = 6
  validation {
    condition     = var.max_scaled_task_count >= var.min_task_count
    error_message = "max_scaled_task_count must be at least min_task_count."
  }
}

variable "cpu_scale_up_threshold" {
  type        = number
  description = "Average CPU percent at or above which a task is added (1-100, above cpu_scale_down_threshold)."
  default     = 70
  validation {
    condition     = var.cpu_scale_up_threshold >= 1 && var.cpu_scale_up_threshold <= 100 && var.cpu_scale_up_threshold > var.cpu_scale_down_threshold
    error_message = "cpu_scale_up_threshold must be from 1 to 100 and above cpu_scale_down_threshold."
  }
}

variable "cpu_scale_down_threshold" {
  type        = number
  description = "Average CPU percent at or below which a task is removed."
  default     = 20
  validation {
    condition     = var.cpu_scale_down_threshold >= 0 && var.cpu_scale_down_threshold < 100
    error_message = "cpu_scale_down_threshold must be from 0 to 99."
  }
}

variable "deployment_config_name" {
  type        = string
  description = "CodeDeploy's traffic shifting, e.g. CodeDeployDefault.ECSAllAtOnce."
  default     = "CodeDeployDefault.ECSAllAtOnce"
}

variable "blue_termination_wait_minutes" {
  type        = number
  description = "Minutes the old tasks are kept after a successful switch."
  default     = 5
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}

variable "hook_function_arns" {
  type        = list(string)
  description = "Lambda functions deploy-bluegreen's hooks name (ARNs): CodeDeploy's role may invoke them."
  default     = []
}
