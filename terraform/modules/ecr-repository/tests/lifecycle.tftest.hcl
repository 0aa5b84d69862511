# Offline checks of the lifecycle policy (the AWS provider is mocked), run by terraform test.
mock_provider "aws" {}

variables {
  name = "shop"
}

run "only_untagged_and_old_fingerprint_images_expire" {
  command = plan

  assert {
    condition = jsondecode(aws_ecr_lifecycle_policy.this.policy).rules == [
      {
        rulePriority = 1
        description  = "Expire untagged images after 1 days"
        selection    = { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = 1 }
        action       = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the newest 30 fp- images"
        selection    = { tagStatus = "tagged", tagPrefixList = ["fp-"], countType = "imageCountMoreThan", countNumber = 30 }
        action       = { type = "expire" }
      },
    ]
    error_message = "The policy must expire untagged images after a day and fp- images beyond the newest 30, nothing else."
  }
  assert {
    condition     = !strcontains(aws_ecr_lifecycle_policy.this.policy, "\"any\"")
    error_message = "No rule may select every image (tagStatus any): it would count the serving image too."
  }
}

run "keeping_fewer_than_a_rollback_needs_is_refused" {
  command = plan
  variables {
    images_to_keep = 1
  }
  expect_failures = [var.images_to_keep]
}
