# Offline checks of the repository policy (the AWS provider is mocked), run by terraform test.
mock_provider "aws" {}

variables {
  aws_region      = "eu-west-1"
  repository_name = "sample-app"
  puller_role_arns = [
    "arn:aws:iam::111111111111:role/sample-app-staging-execution",
    "arn:aws:iam::222222222222:role/sample-app-prod-execution",
  ]
}

run "each_execution_role_may_pull_and_nothing_else" {
  command = plan

  assert {
    condition = jsonencode(jsondecode(aws_ecr_repository_policy.pull.policy).Statement) == jsonencode([
      {
        Sid       = "EnvironmentsPull"
        Effect    = "Allow"
        Principal = { AWS = ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"] }
        Action    = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
        Condition = { ArnEquals = { "aws:PrincipalArn" = var.puller_role_arns } }
      },
    ])
    error_message = "The policy must let exactly the listed execution roles pull (by aws:PrincipalArn, their accounts as principals), and grant nothing else."
  }
  assert {
    condition     = !strcontains(aws_ecr_repository_policy.pull.policy, "\"*\"")
    error_message = "No wildcard principal or action."
  }
}

run "two_roles_of_one_account_name_the_account_once" {
  command = plan

  variables {
    puller_role_arns = [
      "arn:aws:iam::111111111111:role/sample-app-staging-execution",
      "arn:aws:iam::111111111111:role/sample-app-prod-execution",
    ]
  }

  assert {
    condition     = jsonencode(jsondecode(aws_ecr_repository_policy.pull.policy).Statement[0].Principal.AWS) == jsonencode(["arn:aws:iam::111111111111:root"])
    error_message = "One account principal per account."
  }
}

run "a_wildcard_role_is_refused" {
  command = plan

  variables {
    puller_role_arns = ["arn:aws:iam::111111111111:role/*"]
  }

  expect_failures = [var.puller_role_arns]
}
