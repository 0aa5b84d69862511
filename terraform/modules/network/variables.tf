variable "name" {
  type        = string
  description = "Prefix for every resource name and Name tag, e.g. sample-app-prod."
}

variable "cidr_block" {
  type        = string
  description = "The VPC's IPv4 range; split into one public and one private subnet per AZ."
  default     = "10.40.0.0/16"
  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && tonumber(split("/", var.cidr_block)[1]) <= 20
    error_message = "cidr_block must be an IPv4 CIDR of /20 or larger, e.g. 10.40.0.0/16."
  }
}

variable "az_count" {
  type        = number
  description = "How many availability zones to spread subnets over (an ALB needs two)."
  default     = 2
  validation {
    condition     = var.az_count >= 2 && var.az_count <= 6 && floor(var.az_count) == var.az_count
    error_message = "az_count must be a whole number from 2 to 6."
  }
}

variable "egress" {
  type        = string
  description = "How private subnets reach AWS and the internet: \"nat\" (NAT gateways) or \"endpoints\" (VPC endpoints for ECR, S3 and CloudWatch Logs only; cheaper, no internet)."
  default     = "nat"
  validation {
    condition     = contains(["nat", "endpoints"], var.egress)
    error_message = "egress must be \"nat\" or \"endpoints\"."
  }
}

variable "single_nat_gateway" {
  type        = bool
  description = "With egress = \"nat\": one NAT gateway for all AZs (cheaper) instead of one per AZ (survives an AZ outage)."
  default     = true
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
