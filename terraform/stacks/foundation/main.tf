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

# An environment of a promotion pipeline pulls from the shared repository (stacks/registry)
# instead of owning one: destroying this stack then leaves the images every environment runs.
module "ecr" {
  count          = local.shared_repository ? 0 : 1
  source         = "../../modules/ecr-repository"
  name           = local.repository_name
  images_to_keep = var.images_to_keep
}

# The repository was module.ecr before it could be shared: keep it, do not recreate it.
moved {
  from = module.ecr
  to   = module.ecr[0]
}

locals {
  shared_repository = var.shared_repository_arn != ""
  # arn:<partition>:ecr:<region>:<account>:repository/<name>
  shared_parts = split(":", var.shared_repository_arn)
  shared_name  = local.shared_repository ? trimprefix(element(local.shared_parts, 5), "repository/") : ""
  repository = local.shared_repository ? {
    name = local.shared_name
    arn  = var.shared_repository_arn
    url  = "${element(local.shared_parts, 4)}.dkr.ecr.${element(local.shared_parts, 3)}.${data.aws_partition.current.dns_suffix}/${local.shared_name}"
    } : {
    name = module.ecr[0].repository_name
    arn  = module.ecr[0].repository_arn
    url  = module.ecr[0].repository_url
  }
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days
}

module "task_iam" {
  source         = "../../modules/task-iam"
  name           = var.name
  repository_arn = local.repository.arn
  log_group_arn  = aws_cloudwatch_log_group.app.arn

  secret_arns         = var.secret_arns
  parameter_arns      = var.parameter_arns
  secret_kms_key_arns = var.secret_kms_key_arns
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  # The service stack names its alarms <name>-...: only those may publish.
  alarm_arns  = "arn:${local.partition}:cloudwatch:${var.aws_region}:${local.account}:alarm:${var.name}-*"
  encrypt_kms = var.alerts_topic_encryption == "kms"
}

# A customer-managed key: the AWS-managed alias/aws/sns key's policy cannot be changed, so
# CloudWatch could never use it and alarm notifications to such a topic are dropped.
# https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
resource "aws_kms_key" "alerts" {
  count               = local.encrypt_kms ? 1 : 0
  description         = "Encrypts the ${var.name}-alerts SNS topic"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.alerts_key.json
}

resource "aws_kms_alias" "alerts" {
  count         = local.encrypt_kms ? 1 : 0
  name          = "alias/${var.name}-alerts"
  target_key_id = aws_kms_key.alerts[0].key_id
}

data "aws_iam_policy_document" "alerts_key" {
  # The account's IAM policies decide who else may use the key (the default key policy). The
  # CodeDeploy service role publishes deployment notifications with it that way: CodeDeploy
  # triggers publish as the deployment group's service role.
  # https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
  # https://docs.aws.amazon.com/codedeploy/latest/userguide/monitoring-sns-event-notifications-permisssions.html
  statement {
    sid       = "AccountIamPolicies"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account}:root"]
    }
  }
  # CloudWatch publishes alarm notifications as its service principal: only for this account's
  # alarms of this application (confused deputy guard).
  statement {
    sid       = "CloudWatchAlarms"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.alarm_arns]
    }
  }
}

resource "aws_sns_topic" "alerts" {
  name              = "${var.name}-alerts"
  kms_master_key_id = local.encrypt_kms ? aws_kms_key.alerts[0].arn : null
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
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.alarm_arns]
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
