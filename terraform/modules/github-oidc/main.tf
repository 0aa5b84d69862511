data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name
  issuer    = "token.actions.githubusercontent.com"
  # Only this repository: its main branch and its deployment environments (where approvals apply).
  allowed_subjects = [
    "repo:${var.github_repository}:ref:refs/heads/main",
    "repo:${var.github_repository}:environment:*",
  ]
  provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : "arn:${local.partition}:iam::${local.account}:oidc-provider/${local.issuer}"
  state_prefix = var.state_key_prefix == "" ? "" : "${trimsuffix(var.state_key_prefix, "/")}/"
}

# https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
resource "aws_iam_openid_connect_provider" "github" {
  count           = var.create_oidc_provider ? 1 : 0
  url             = "https://${local.issuer}"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
  tags            = var.tags
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "${local.issuer}:sub"
      values   = local.allowed_subjects
    }
  }
}

resource "aws_iam_role" "deploy" {
  name               = var.deploy_role_name
  description        = "Assumed by ${var.github_repository}'s deploy workflow through GitHub OIDC"
  assume_role_policy = data.aws_iam_policy_document.trust.json
  # The deploy workflow's job runs up to 120 minutes (deploy timeout, blue termination wait,
  # build, smoke test) and asks for a session that long (role-duration-seconds: 7200).
  max_session_duration = 7200
  tags                 = var.tags
}

# What build-image, deploy-bluegreen and provision's reads need, and nothing more.
data "aws_iam_policy_document" "deploy" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    sid = "EcrPushAndRead"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImages",
      "ecr:DescribeRepositories",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = var.ecr_repository_arns
  }
  # Task definition calls take no resource-level permissions.
  # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html
  statement {
    sid       = "TaskDefinitions"
    actions   = ["ecs:DescribeTaskDefinition", "ecs:ListTaskDefinitions", "ecs:RegisterTaskDefinition"]
    resources = ["*"]
  }
  statement {
    sid       = "Services"
    actions   = ["ecs:DescribeServices", "ecs:UpdateService", "ecs:ListTasks", "ecs:DescribeTasks", "ecs:DescribeTaskSets", "ecs:ListServiceDeployments", "ecs:DescribeServiceDeployments", "ecs:StopServiceDeployment"]
    resources = ["*"]
    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = ["arn:${local.partition}:ecs:${local.region}:${local.account}:cluster/${var.ecs_cluster_name}"]
    }
  }
  statement {
    sid = "CodeDeploy"
    actions = [
      "codedeploy:BatchGetApplications",
      "codedeploy:BatchGetDeploymentGroups",
      "codedeploy:BatchGetDeploymentTargets",
      "codedeploy:ContinueDeployment",
      "codedeploy:CreateDeployment",
      "codedeploy:GetApplication",
      "codedeploy:GetDeployment",
      "codedeploy:GetDeploymentGroup",
      "codedeploy:GetDeploymentTarget",
      "codedeploy:ListDeploymentGroups",
      "codedeploy:ListDeploymentTargets",
      "codedeploy:ListDeployments",
      # CreateDeployment with an inline AppSpec also registers it as an application revision.
      "codedeploy:RegisterApplicationRevision",
      "codedeploy:StopDeployment",
    ]
    resources = [
      "arn:${local.partition}:codedeploy:${local.region}:${local.account}:application:${var.codedeploy_application}",
      "arn:${local.partition}:codedeploy:${local.region}:${local.account}:deploymentgroup:${var.codedeploy_application}/*",
    ]
  }
  statement {
    sid       = "CodeDeployConfigs"
    actions   = ["codedeploy:GetDeploymentConfig", "codedeploy:ListApplications"]
    resources = ["*"]
  }
  statement {
    sid       = "PassTaskRoles"
    actions   = ["iam:PassRole"]
    resources = var.pass_role_arns
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
  statement {
    sid       = "StateList"
    actions   = ["s3:ListBucket"]
    resources = ["arn:${local.partition}:s3:::${var.state_bucket}"]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.state_prefix}*"]
    }
  }
  # The S3 backend's native lock is a <key>.tflock object written and deleted next to the state.
  # https://developer.hashicorp.com/terraform/language/backend/s3#s3-bucket-permissions
  statement {
    sid       = "StateObjectsAndLocks"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["arn:${local.partition}:s3:::${var.state_bucket}/${local.state_prefix}*"]
  }
}

resource "aws_iam_role_policy" "deploy" {
  name   = "deploy"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.deploy.json
}

# Optional: the role init and destroy apply the stacks with. Broad by nature, so the main branch only.
data "aws_iam_policy_document" "provision_trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "${local.issuer}:sub"
      values   = local.allowed_subjects
    }
  }
}

resource "aws_iam_role" "provision" {
  count              = length(var.provision_role_policy_arns) > 0 ? 1 : 0
  name               = "${var.deploy_role_name}-provision"
  description        = "Assumed by ${var.github_repository}'s init and destroy workflows to apply the Terraform stacks"
  assume_role_policy = data.aws_iam_policy_document.provision_trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "provision" {
  for_each   = length(var.provision_role_policy_arns) > 0 ? toset(var.provision_role_policy_arns) : toset([])
  role       = aws_iam_role.provision[0].name
  policy_arn = each.value
}
