variable "name" {
  type        = string
  description = "Prefix of the role names, e.g. sample-app-prod."
}

variable "repository_arn" {
  type        = string
  description = "The ECR repository the execution role may pull from."
}

variable "log_group_arn" {
  type        = string
  description = "The CloudWatch Logs group the containers write to."
}

variable "task_policy_json" {
  type        = string
  description = "An optional IAM policy document for what the application itself calls (empty: the task role has no permissions)."
  default     = ""
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
