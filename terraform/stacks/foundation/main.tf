provider "aws" {
  region = var.aws_region
  default_tags {
    tags = merge(var.tags, { Application = var.name, Stack = "foundation", ManagedBy = "terraform" })
  }
}

locals {
  repository_name = var.repository_name == "" ? var.name : var.repository_name
  task_family     = var.task_family == "" ? var.name : var.task_family
}

module "network" {
  source             = "../../modules/network"
  name               = var.name
  cidr_block         = var.vpc_cidr
  az_count           = var.az_count
  egress             = var.egress
  single_nat_gateway = var.single_nat_gateway
}

module "ecr" {
  source         = "../../modules/ecr-repository"
  name           = local.repository_name
  images_to_keep = var.images_to_keep
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days
}

module "task_iam" {
  source         = "../../modules/task-iam"
  name           = var.name
  repository_arn = module.ecr.repository_arn
  log_group_arn  = aws_cloudwatch_log_group.app.arn
}

resource "aws_sns_topic" "alerts" {
  name = "${var.name}-alerts"
  # AWS-managed key: encrypted at rest, and CloudWatch alarms may still publish.
  kms_master_key_id = "alias/aws/sns"
}

data "aws_iam_policy_document" "alerts" {
  statement {
    sid       = "CloudWatchAlarms"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alerts.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
  }
}

resource "aws_sns_topic_policy" "alerts" {
  arn    = aws_sns_topic.alerts.arn
  policy = data.aws_iam_policy_document.alerts.json
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alert_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = var.alert_email
}
