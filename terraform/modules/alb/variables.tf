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
  description = "IPv4 ranges allowed to reach the production listener (and the HTTP redirect), and only those ports."
  default     = ["0.0.0.0/0"]
}

variable "test_listener_cidrs" {
  type        = list(string)
  description = "IPv4 ranges allowed to reach the test listener besides the VPC's own range (default none: the test gate must then run inside the VPC, e.g. on a self-hosted runner there)."
  default     = []
  validation {
    condition     = alltrue([for c in var.test_listener_cidrs : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "test_listener_cidrs must be IPv4 CIDR ranges other than 0.0.0.0/0 (the test listener serves the unreleased version), e.g. [\"203.0.113.0/24\"]."
  }
}

variable "certificate_arn" {
  type        = string
  description = "An ACM certificate for an HTTPS production listener on https_port; production_port then redirects HTTP to it. Empty: HTTP only."
  default     = ""
  validation {
    condition     = var.certificate_arn == "" || can(regex("^arn:aws[a-z-]*:(acm|iam):", var.certificate_arn))
    error_message = "certificate_arn must be empty or an ACM (or IAM server) certificate ARN, e.g. arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-...."
  }
}

variable "https_port" {
  type        = number
  description = "Port of the HTTPS production listener (with certificate_arn)."
  default     = 443
  validation {
    condition     = var.https_port >= 1 && var.https_port <= 65535
    error_message = "https_port must be from 1 to 65535."
  }
}

# AWS recommends this post-quantum TLS 1.3/1.2 policy (the console default) for HTTPS listeners.
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
variable "ssl_policy" {
  type        = string
  description = "The HTTPS listener's security policy."
  default     = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
  validation {
    condition     = startswith(var.ssl_policy, "ELBSecurityPolicy-TLS13-")
    error_message = "ssl_policy must be one of Elastic Load Balancing's TLS 1.3 policies (ELBSecurityPolicy-TLS13-...), e.g. ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09."
  }
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
    condition     = var.test_port >= 1 && var.test_port <= 65535 && var.test_port != var.production_port && var.test_port != var.https_port
    error_message = "test_port must be from 1 to 65535 and differ from production_port and https_port."
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

variable "health_check_interval_seconds" {
  type        = number
  description = "Seconds between two health checks of a target (AWS's default: 30). Shorter: a new task serves and a broken one is taken out sooner, for one small GET per target per interval."
  default     = 5
  validation {
    condition     = var.health_check_interval_seconds >= 5 && var.health_check_interval_seconds <= 300
    error_message = "health_check_interval_seconds must be from 5 to 300 (the target group's limits)."
  }
}

variable "health_check_timeout_seconds" {
  type        = number
  description = "Seconds a health check may take before it counts as failed (AWS's default for HTTP: 5); less than the interval."
  default     = 4
  validation {
    condition     = var.health_check_timeout_seconds >= 2 && var.health_check_timeout_seconds <= 120 && var.health_check_timeout_seconds < var.health_check_interval_seconds
    error_message = "health_check_timeout_seconds must be from 2 to 120 and less than health_check_interval_seconds."
  }
}

variable "healthy_threshold" {
  type        = number
  description = "Passing checks in a row before an unhealthy target is healthy again (AWS's default: 5); a newly registered target needs one. 2 is the least the target group accepts: one lucky answer is not enough."
  default     = 2
  validation {
    condition     = var.healthy_threshold >= 2 && var.healthy_threshold <= 10
    error_message = "healthy_threshold must be from 2 to 10."
  }
}

variable "unhealthy_threshold" {
  type        = number
  description = "Failing checks in a row before a target is unhealthy (AWS's default: 2). With the 5 s interval a dead task is out within about 10 s; one slow answer alone does not take a task out."
  default     = 2
  validation {
    condition     = var.unhealthy_threshold >= 2 && var.unhealthy_threshold <= 10
    error_message = "unhealthy_threshold must be from 2 to 10."
  }
}

variable "deregistration_delay_seconds" {
  type        = number
  description = "How long a removed target keeps its in-flight requests before ECS stops it (AWS's default: 300). The app answers in well under a second and, on ECS's SIGTERM after this delay, still drains what is left for up to 25 s (SHUTDOWN_TIMEOUT_MS), so 10 s loses no request while not holding every release for 5 minutes."
  default     = 10
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
