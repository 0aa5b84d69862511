# The one image repository every environment pulls from, so an image is built once and the
# digest staging tested is the digest production runs. It lives in a stack of its own, with a
# state key of its own (shared/registry.tfstate), so destroying an environment never touches it.
provider "aws" {
  region = var.aws_region
  default_tags {
    tags = merge(var.tags, { Application = var.repository_name, Stack = "registry", ManagedBy = "terraform" })
  }
}

module "ecr" {
  source         = "../../modules/ecr-repository"
  name           = var.repository_name
  images_to_keep = var.images_to_keep
  # The images every environment serves and rolls back to: refuse to delete them with the repository.
  force_delete = false
}

locals {
  # Each role's account, for the Principal: an account principal plus aws:PrincipalArn names the
  # role without requiring that it exist yet, and still matches only that role (a role ARN as the
  # Principal is resolved to the role's id when the policy is saved, so the role would have to
  # exist first, and a recreated role would silently lose access).
  # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles
  # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
  puller_accounts = distinct([for arn in var.puller_role_arns : "arn:${split(":", arn)[1]}:iam::${split(":", arn)[4]}:root"])
}

# Pull, and only pull, for each environment's task execution role (ECS pulls the image with it),
# across accounts when the environments live in other accounts. The role also needs pull and
# ecr:GetAuthorizationToken in its own IAM policy (modules/task-iam gives both). Pushing stays
# with the identity policies of the account that owns the repository (the first environment's
# deploy role): this policy grants no one a push.
# https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policy-examples.html
resource "aws_ecr_repository_policy" "pull" {
  repository = module.ecr.repository_name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "EnvironmentsPull"
        Effect    = "Allow"
        Principal = { AWS = local.puller_accounts }
        Action    = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
        Condition = { ArnEquals = { "aws:PrincipalArn" = var.puller_role_arns } }
      },
    ]
  })
}
