variable "aws_region" {
  type        = string
  description = "The region everything is created in, e.g. eu-west-1."
}

variable "name" {
  type        = string
  description = "Prefix of every resource name (application and environment), e.g. sample-app-prod."
  default     = "sample-app"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.name))
    error_message = "name must be 1 to 20 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "repository_name" {
  type        = string
  description = "The ECR repository name (default: name)."
  default     = ""
}

variable "shared_repository_arn" {
  type        = string
  description = "The registry stack's repository_arn, when the environments share one repository (a promotion pipeline): this stack then creates none and its execution role pulls from that one. Empty: a repository of its own."
  default     = ""
  validation {
    condition     = can(regex("^(?:arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/[a-z0-9]+(?:[._/-][a-z0-9]+)*)?$", var.shared_repository_arn))
    error_message = "shared_repository_arn must be empty or an ECR repository ARN, e.g. arn:aws:ecr:eu-west-1:123456789012:repository/sample-app."
  }
}

variable "vpc_cidr" {
  type        = string
  description = "The VPC's IPv4 range."
  default     = "10.40.0.0/16"
}

variable "az_count" {
  type        = number
  description = "Availability zones to use (2 to 6)."
  default     = 2
}

variable "egress" {
  type        = string
  description = "\"nat\" (NAT gateways) or \"endpoints\" (VPC endpoints for ECR, S3 and Logs, no internet)."
  default     = "nat"
}

variable "single_nat_gateway" {
  type        = bool
  description = "One NAT gateway shared by all AZs instead of one per AZ."
  default     = true
}

variable "log_retention_days" {
  type        = number
  description = "Days the containers' logs are kept."
  default     = 7
  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts, e.g. 7, 14 or 30."
  }
}

variable "images_to_keep" {
  type        = number
  description = "Tagged images ECR keeps."
  default     = 30
}

variable "alerts_topic_encryption" {
  type        = string
  description = "\"kms\": the alerts topic is encrypted with a customer-managed key that CloudWatch and the CodeDeploy role may use; \"none\": unencrypted (alarm texts hold no secrets)."
  default     = "kms"
  validation {
    condition     = contains(["kms", "none"], var.alerts_topic_encryption)
    error_message = "alerts_topic_encryption must be \"kms\" or \"none\"."
  }
}

variable "alert_email" {
  type        = string
  description = "An address subscribed to the alerts topic (it must confirm); empty for none."
  default     = ""
}

variable "container_name" {
  type        = string
  description = "The application's container name in the task definition."
  default     = "app"
}

variable "container_port" {
  type        = number
  description = "The port the application listens on."
  default     = 3000
}

variable "task_family" {
  type        = string
  description = "The task definition family (default: name)."
  default     = ""
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource (besides Application and Stack)."
  default     = {}
}

variable "secret_arns" {
  type        = list(string)
  description = "Secrets Manager secret ARNs the task definition's `secrets` read (whole ARN, no :json-key:: suffix): the execution role may read them."
  default     = []
}

variable "parameter_arns" {
  type        = list(string)
  description = "SSM parameter ARNs the task definition's `secrets` read: the execution role may read them."
  default     = []
}

variable "secret_kms_key_arns" {
  type        = list(string)
  description = "Customer-managed KMS keys of those secrets and parameters (empty with AWS-managed keys)."
  default     = []
}
