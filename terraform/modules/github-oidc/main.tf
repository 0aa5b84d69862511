data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account      = data.aws_caller_identity.current.account_id
  partition    = data.aws_partition.current.partition
  region       = data.aws_region.current.name
  issuer       = "token.actions.githubusercontent.com"
  provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : "arn:${local.partition}:iam::${local.account}:oidc-provider/${local.issuer}"
  bucket_arn   = "arn:${local.partition}:s3:::${var.state_bucket}"
  cluster_arn  = "arn:${local.partition}:ecs:${local.region}:${local.account}:cluster/${var.ecs_cluster_name}"
  # Terraform's S3 backend lists the workspace prefix (env:/, ListObjects with
  # Prefix = workspace_key_prefix + "/") in init before it reads a state.
  # https://github.com/hashicorp/terraform/blob/main/internal/backend/remote-state/s3/backend_state.go
  workspace_list_prefix = "env:/"
}

# https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
resource "aws_iam_openid_connect_provider" "github" {
  count           = var.create_oidc_provider ? 1 : 0
  url             = "https://${local.issuer}"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
  tags            = var.tags
}

# One trust policy per role: the audience, and the exact subjects of subjects.tf (StringEquals:
# no wildcard can widen them).
data "aws_iam_policy_document" "trust" {
  for_each = merge(local.trusted_subjects.deploy, local.trusted_subjects.provision, local.trusted_subjects.plan)
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
      test     = "StringEquals"
      variable = "${local.issuer}:sub"
      values   = each.value
    }
  }
}

# ---- Deploy role(s): what build-image, deploy-bluegreen and reading the stacks' outputs need ----

resource "aws_iam_role" "deploy" {
  for_each           = local.deploy_role_names
  name               = each.value
  description        = "Assumed by ${var.github_repository}'s deploy job (environments ${join(", ", local.role_groups[each.key])}) through GitHub OIDC"
  assume_role_policy = data.aws_iam_policy_document.trust[each.value].json
  # The deploy workflow's job runs up to 120 minutes (deploy timeout, blue termination wait,
  # build, smoke test) and asks for a session that long (role-duration-seconds: 7200).
  max_session_duration = 7200
  tags                 = var.tags
}

moved {
  from = aws_iam_role.deploy
  to   = aws_iam_role.deploy["shared"]
}

data "aws_iam_policy_document" "deploy" {
  for_each = local.deploy_role_names
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
  # RegisterTaskDefinition with tags is also authorized as ecs:TagResource; the condition admits
  # that and nothing else (no tagging of existing resources).
  # https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html
  statement {
    sid       = "TagOnRegister"
    actions   = ["ecs:TagResource"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "ecs:CreateAction"
      values   = ["RegisterTaskDefinition"]
    }
  }
  statement {
    sid       = "Services"
    actions   = ["ecs:DescribeServices", "ecs:UpdateService", "ecs:ListTasks", "ecs:DescribeTasks", "ecs:DescribeTaskSets", "ecs:ListServiceDeployments", "ecs:DescribeServiceDeployments", "ecs:StopServiceDeployment"]
    resources = ["*"]
    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [local.cluster_arn]
    }
  }
  # ECS native blue/green lifecycle hooks: a paused deployment is resumed (or rolled back) with
  # ContinueServiceDeployment on the service deployment, whose ARN names the cluster.
  # https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContinueServiceDeployment.html
  statement {
    sid       = "LifecycleHooks"
    actions   = ["ecs:ContinueServiceDeployment"]
    resources = ["arn:${local.partition}:ecs:${local.region}:${local.account}:service-deployment/${var.ecs_cluster_name}/*"]
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
  # run-task-command: one-off tasks of the listed families, only in the deploy cluster. RunTask
  # authorizes on the task definition and takes ecs:cluster as a condition key; StopTask (on
  # timeout or cancel) on the cluster's tasks.
  # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html
  dynamic "statement" {
    for_each = length(var.run_task_families) > 0 ? ["RunTask"] : []
    content {
      sid       = "RunTask"
      actions   = ["ecs:RunTask"]
      resources = [for family in var.run_task_families : "arn:${local.partition}:ecs:${local.region}:${local.account}:task-definition/${family}:*"]
      condition {
        test     = "ArnEquals"
        variable = "ecs:cluster"
        values   = [local.cluster_arn]
      }
    }
  }
  dynamic "statement" {
    for_each = length(var.run_task_families) > 0 ? ["StopTask"] : []
    content {
      sid       = "StopTask"
      actions   = ["ecs:StopTask"]
      resources = ["arn:${local.partition}:ecs:${local.region}:${local.account}:task/${var.ecs_cluster_name}/*"]
      condition {
        test     = "ArnEquals"
        variable = "ecs:cluster"
        values   = [local.cluster_arn]
      }
    }
  }
  # A failed one-off task's last log lines: GetLogEvents authorizes on the log stream.
  # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html
  dynamic "statement" {
    for_each = length(var.log_group_names) > 0 ? ["TaskLogs"] : []
    content {
      sid       = "TaskLogs"
      actions   = ["logs:GetLogEvents"]
      resources = [for group in var.log_group_names : "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:${group}:log-stream:*"]
    }
  }
  statement {
    sid       = "CodeDeployConfigs"
    actions   = ["codedeploy:GetDeploymentConfig", "codedeploy:ListApplications"]
    resources = ["*"]
  }
  # deploy-bluegreen's expected timeline: the target groups' health checks and deregistration
  # delay. ELBv2's Describe actions take no resource-level permissions, so "*".
  # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html
  statement {
    sid       = "TargetGroupReads"
    actions   = ["elasticloadbalancing:DescribeTargetGroupAttributes", "elasticloadbalancing:DescribeTargetGroups"]
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
  # Reads only (deploy runs `terraform output`): its environments' state keys, no lock files.
  # The prefix condition also decides whether a missing key (an environment without the ingress
  # stack) reads as 404, which Terraform takes for an empty state, rather than 403: our
  # assumption from S3's rule that a missing key is 404 only with s3:ListBucket, observed per
  # prefix in https://github.com/kopia/kopia/pull/3072
  statement {
    sid       = "StateList"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringEquals"
      variable = "s3:prefix"
      values   = concat(local.role_state_keys.deploy[each.value], [local.workspace_list_prefix])
    }
  }
  statement {
    sid       = "StateRead"
    actions   = ["s3:GetObject"]
    resources = [for key in local.role_state_keys.deploy[each.value] : "${local.bucket_arn}/${key}"]
  }
}

resource "aws_iam_role_policy" "deploy" {
  for_each = local.deploy_role_names
  name     = "deploy"
  role     = aws_iam_role.deploy[each.key].id
  policy   = data.aws_iam_policy_document.deploy[each.key].json
}

moved {
  from = aws_iam_role_policy.deploy
  to   = aws_iam_role_policy.deploy["shared"]
}

# ---- Provision role(s): init and destroy apply the stacks; the only writers of state ----------

resource "aws_iam_role" "provision" {
  for_each           = local.provision_role_names
  name               = each.value
  description        = "Assumed by ${var.github_repository}'s init and destroy jobs (environments ${join(", ", local.role_groups[each.key])}) to apply the Terraform stacks"
  assume_role_policy = data.aws_iam_policy_document.trust[each.value].json
  tags               = var.tags
}

moved {
  from = aws_iam_role.provision[0]
  to   = aws_iam_role.provision["shared"]
}

# The S3 backend with use_lockfile reads and writes the state and writes and deletes <key>.tflock.
# https://developer.hashicorp.com/terraform/language/backend/s3#s3-bucket-permissions
data "aws_iam_policy_document" "provision_state" {
  for_each = local.provision_role_names
  statement {
    sid       = "StateList"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringEquals"
      variable = "s3:prefix"
      values   = concat(local.role_state_keys.provision[each.value], [local.workspace_list_prefix])
    }
  }
  statement {
    sid       = "StateReadWrite"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = [for key in local.role_state_keys.provision[each.value] : "${local.bucket_arn}/${key}"]
  }
  statement {
    sid       = "StateLocks"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = [for key in local.role_state_keys.provision[each.value] : "${local.bucket_arn}/${key}.tflock"]
  }
}

resource "aws_iam_role_policy" "provision_state" {
  for_each = local.provision_role_names
  name     = "terraform-state"
  role     = aws_iam_role.provision[each.key].id
  policy   = data.aws_iam_policy_document.provision_state[each.key].json
}

resource "aws_iam_role_policy_attachment" "provision" {
  for_each   = { for pair in setproduct(keys(local.provision_role_names), var.provision_role_policy_arns) : "${pair[0]} ${pair[1]}" => { role = pair[0], policy = pair[1] } }
  role       = aws_iam_role.provision[each.value.role].name
  policy_arn = each.value.policy
}
