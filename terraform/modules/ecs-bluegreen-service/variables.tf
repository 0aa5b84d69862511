variable "name" {
  type        = string
  description = "Name of the cluster, the service, the CodeDeploy application and group, and prefix of the alarms."
}

variable "vpc_id" {
  type        = string
  description = "The VPC of the tasks."
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "Private subnets the tasks run in (no public IPs)."
  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "Give private subnets in at least two availability zones."
  }
}

variable "task_definition_arn" {
  type        = string
  description = "The first task definition (registered by deploy-bluegreen with register-only). Later deployments change it through CodeDeploy; Terraform ignores it after creation."
}

variable "container_name" {
  type        = string
  description = "The container the load balancer sends traffic to."
}

variable "container_port" {
  type        = number
  description = "The port that container listens on."
  validation {
    condition     = var.container_port >= 1 && var.container_port <= 65535
    error_message = "container_port must be from 1 to 65535."
  }
}

variable "min_task_count" {
  type        = number
  description = "Tasks at creation and the least the autoscaler keeps."
  default     = 2
  validation {
    condition     = var.min_task_count >= 1 && floor(var.min_task_count) == var.min_task_count
    error_message = "min_task_count must be a whole number of at least 1."
  }
}

variable "max_scaled_task_count" {
  type        = number
  description = "The most tasks CPU step scaling may run; at least min_task_count."
  default     = 6
  validation {
    condition     = var.max_scaled_task_count >= var.min_task_count && floor(var.max_scaled_task_count) == var.max_scaled_task_count
    error_message = "max_scaled_task_count must be a whole number no smaller than min_task_count."
  }
}

variable "cpu_scale_up_threshold" {
  type        = number
  description = "Average CPU (percent) at or above which one task is added."
  default     = 70
  validation {
    condition     = var.cpu_scale_up_threshold >= 1 && var.cpu_scale_up_threshold <= 100 && var.cpu_scale_up_threshold > var.cpu_scale_down_threshold
    error_message = "cpu_scale_up_threshold must be from 1 to 100 and above cpu_scale_down_threshold."
  }
}

variable "cpu_scale_down_threshold" {
  type        = number
  description = "Average CPU (percent) at or below which one task is removed."
  default     = 20
  validation {
    condition     = var.cpu_scale_down_threshold >= 0 && var.cpu_scale_down_threshold < 100
    error_message = "cpu_scale_down_threshold must be from 0 to 99."
  }
}

variable "cpu_peak_alarm_threshold" {
  type        = number
  description = "Maximum CPU (percent) that raises the CPU peak alarm to the SNS topic."
  default     = 90
  validation {
    condition     = var.cpu_peak_alarm_threshold >= 1 && var.cpu_peak_alarm_threshold <= 100
    error_message = "cpu_peak_alarm_threshold must be from 1 to 100."
  }
}

variable "http_5xx_alarm_threshold" {
  type        = number
  description = "5xx responses from the targets per minute that raise the 5xx alarm (and stop a deployment)."
  default     = 10
  validation {
    condition     = var.http_5xx_alarm_threshold >= 1
    error_message = "http_5xx_alarm_threshold must be at least 1."
  }
}

variable "alarm_topic_arn" {
  type        = string
  description = "SNS topic the CPU peak, 5xx and unhealthy-host alarms and CodeDeploy's failed, stopped and rolled-back deployments notify."
  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+$", var.alarm_topic_arn))
    error_message = "alarm_topic_arn must be an SNS topic ARN, e.g. arn:aws:sns:eu-west-1:123456789012:sample-app-alerts (foundation's alerts_topic_arn)."
  }
}

variable "alb_security_group_id" {
  type        = string
  description = "The load balancer's security group: the only source the tasks accept traffic from."
}

variable "alb_arn_suffix" {
  type        = string
  description = "The load balancer's ARN suffix (CloudWatch LoadBalancer dimension)."
}

variable "blue_target_group_arn" {
  type        = string
  description = "The target group the service is created with."
}

variable "target_group_names" {
  type = object({
    blue  = string
    green = string
  })
  description = "Names of the blue and green target groups that CodeDeploy swaps."
}

variable "target_group_arn_suffixes" {
  type = object({
    blue  = string
    green = string
  })
  description = "ARN suffixes of the blue and green target groups (CloudWatch TargetGroup dimension)."
}

variable "production_listener_arn" {
  type        = string
  description = "The listener that carries production traffic."
}

variable "test_listener_arn" {
  type        = string
  description = "The listener that carries test traffic to the new tasks before the switch."
}

variable "deployment_config_name" {
  type        = string
  description = "How CodeDeploy shifts traffic, e.g. CodeDeployDefault.ECSAllAtOnce or CodeDeployDefault.ECSLinear10PercentEvery1Minutes."
  default     = "CodeDeployDefault.ECSAllAtOnce"
}

variable "blue_termination_wait_minutes" {
  type        = number
  description = "Minutes the old (blue) tasks are kept after a successful switch, for a fast rollback."
  default     = 5
  validation {
    condition     = var.blue_termination_wait_minutes >= 0 && var.blue_termination_wait_minutes <= 2880
    error_message = "blue_termination_wait_minutes must be from 0 to 2880."
  }
}

variable "health_check_grace_period_seconds" {
  type        = number
  description = "Seconds ECS ignores failing load balancer health checks of a new task. It never delays a healthy task (that serves after 2 checks, 5 s apart); it only keeps a slow starter from being replaced before it can answer. The app answers /health within a second of starting; 30 s leaves room for a cold Fargate start."
  default     = 30
  validation {
    condition     = var.health_check_grace_period_seconds >= 0 && var.health_check_grace_period_seconds <= 2147483647
    error_message = "health_check_grace_period_seconds must be 0 or more."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}

variable "hook_function_arns" {
  type        = list(string)
  description = "Lambda functions the deployments' AppSpec hooks name: the CodeDeploy role may lambda:InvokeFunction them (a hook invoked by a qualified ARN, :alias or :version, needs that ARN listed). Empty: no grant of its own."
  default     = []
  validation {
    condition     = alltrue([for a in var.hook_function_arns : can(regex("^arn:[a-z-]+:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$", a))])
    error_message = "hook_function_arns must list Lambda function ARNs without wildcards, e.g. [\"arn:aws:lambda:eu-west-1:123456789012:function:CodeDeployHook_smoke\"]."
  }
}
