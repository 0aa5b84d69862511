# The pull request plan role: `terraform plan -lock=false` of the stacks, nothing more. A pull
# request controls the Terraform it plans (an `external` data source runs any program during
# plan), so whatever this role can read, such code can read: the describe/list/get calls that
# refreshing the stacks' resource types makes, and the stacks' state objects. No write of any
# kind, no lock files, no S3 object outside the state keys, no KMS decrypt, no secrets.

locals {
  plan_role = length(local.trusted_subjects.plan) > 0 ? { (var.plan_role_name) = local.role_state_keys.plan[var.plan_role_name] } : {}

  # The calls the AWS provider makes to read each resource type the stacks manage (refresh), by
  # service. Listed one by one: a wildcard such as ec2:Describe* would grow with AWS.
  plan_read_actions = {
    Network = [
      "ec2:DescribeAddresses",
      "ec2:DescribeAddressesAttribute",
      "ec2:DescribeAvailabilityZones",
      "ec2:DescribeInternetGateways",
      "ec2:DescribeNatGateways",
      "ec2:DescribeNetworkAcls",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribePrefixLists",
      "ec2:DescribeRouteTables",
      "ec2:DescribeSecurityGroupRules",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeSubnets",
      "ec2:DescribeTags",
      "ec2:DescribeVpcAttribute",
      "ec2:DescribeVpcEndpoints",
      "ec2:DescribeVpcs",
    ]
    Containers = [
      "ecr:DescribeRepositories",
      "ecr:GetLifecyclePolicy",
      "ecr:ListTagsForResource",
      "ecs:DescribeClusters",
      "ecs:DescribeServices",
      "ecs:ListTagsForResource",
    ]
    LoadBalancing = [
      "elasticloadbalancing:DescribeListenerAttributes",
      "elasticloadbalancing:DescribeListenerCertificates",
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:DescribeLoadBalancerAttributes",
      "elasticloadbalancing:DescribeLoadBalancers",
      "elasticloadbalancing:DescribeRules",
      "elasticloadbalancing:DescribeTags",
      "elasticloadbalancing:DescribeTargetGroupAttributes",
      "elasticloadbalancing:DescribeTargetGroups",
    ]
    DeploymentAndScaling = [
      "application-autoscaling:DescribeScalableTargets",
      "application-autoscaling:DescribeScalingPolicies",
      "application-autoscaling:ListTagsForResource",
      "cloudwatch:DescribeAlarms",
      "cloudwatch:ListTagsForResource",
      "codedeploy:GetApplication",
      "codedeploy:GetDeploymentGroup",
      "codedeploy:ListTagsForResource",
      "logs:DescribeLogGroups",
      "logs:ListTagsForResource",
    ]
    Notifications = [
      "kms:DescribeKey",
      "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus",
      "kms:ListAliases",
      "kms:ListResourceTags",
      "sns:GetSubscriptionAttributes",
      "sns:GetTopicAttributes",
      "sns:ListSubscriptionsByTopic",
      "sns:ListTagsForResource",
    ]
  }
}

resource "aws_iam_role" "plan" {
  for_each           = local.plan_role
  name               = each.key
  description        = "Assumed by ${var.github_repository}'s pull request plan job (environment ${var.plan_environment}) to run terraform plan -lock=false"
  assume_role_policy = data.aws_iam_policy_document.trust[each.key].json
  # The plan job's 30 minutes.
  max_session_duration = 3600
  tags                 = var.tags
}

data "aws_iam_policy_document" "plan" {
  for_each = local.plan_role
  dynamic "statement" {
    for_each = local.plan_read_actions
    content {
      sid       = statement.key
      actions   = statement.value
      resources = ["*"]
    }
  }
  # IAM reads are scoped to roles and the GitHub OIDC provider (the stacks manage no other IAM).
  statement {
    sid       = "Roles"
    actions   = ["iam:GetOpenIDConnectProvider", "iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies"]
    resources = ["arn:${local.partition}:iam::${local.account}:role/*", "arn:${local.partition}:iam::${local.account}:oidc-provider/${local.issuer}"]
  }
  # API Gateway authorizes reads as apigateway:GET on the resource path.
  # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vpc-links.html
  statement {
    sid     = "HttpApis"
    actions = ["apigateway:GET"]
    resources = [
      "arn:${local.partition}:apigateway:${local.region}::/apis",
      "arn:${local.partition}:apigateway:${local.region}::/apis/*",
      "arn:${local.partition}:apigateway:${local.region}::/vpclinks",
      "arn:${local.partition}:apigateway:${local.region}::/vpclinks/*",
      "arn:${local.partition}:apigateway:${local.region}::/tags/*",
    ]
  }
  # The state bucket's configuration (this stack manages it), not its objects.
  statement {
    sid = "StateBucketConfiguration"
    actions = [
      "s3:GetAccelerateConfiguration",
      "s3:GetBucketAcl",
      "s3:GetBucketCORS",
      "s3:GetBucketLogging",
      "s3:GetBucketObjectLockConfiguration",
      "s3:GetBucketOwnershipControls",
      "s3:GetBucketPolicy",
      "s3:GetBucketPublicAccessBlock",
      "s3:GetBucketRequestPayment",
      "s3:GetBucketTagging",
      "s3:GetBucketVersioning",
      "s3:GetBucketWebsite",
      "s3:GetEncryptionConfiguration",
      "s3:GetLifecycleConfiguration",
      "s3:GetReplicationConfiguration",
    ]
    resources = [local.bucket_arn]
  }
  # The stacks' state: read, listed by exact key; no lock file (plans run with -lock=false).
  statement {
    sid       = "StateList"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringEquals"
      variable = "s3:prefix"
      values   = concat(each.value, [local.workspace_list_prefix])
    }
  }
  statement {
    sid       = "StateRead"
    actions   = ["s3:GetObject"]
    resources = [for key in each.value : "${local.bucket_arn}/${key}"]
  }
}

resource "aws_iam_role_policy" "plan" {
  for_each = local.plan_role
  name     = "terraform-plan"
  role     = aws_iam_role.plan[each.key].id
  policy   = data.aws_iam_policy_document.plan[each.key].json
}
