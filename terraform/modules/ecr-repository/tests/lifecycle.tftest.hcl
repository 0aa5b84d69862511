# Offline checks of the lifecycle policy (the AWS provider is mocked), run by terraform test.
mock_provider "aws" {}

variables {
  name = "shop"
}

run "only_untagged_old_fingerprint_images_and_old_build_caches_expire" {
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
      {
        rulePriority = 3
        description  = "Keep the newest 2 cache- build caches"
        selection    = { tagStatus = "tagged", tagPrefixList = ["cache-"], countType = "imageCountMoreThan", countNumber = 2 }
        action       = { type = "expire" }
      },
    ]
    error_message = "The policy must expire untagged images after a day, fp- images beyond the newest 30 and cache- images beyond the newest 2, nothing else."
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

run "a_build_cache_prefix_that_overlaps_the_fingerprint_prefix_is_refused" {
  command = plan
  variables {
    cache_tag_prefix = "fp-cache-"
  }
  expect_failures = [var.cache_tag_prefix]
}

run "keeping_no_build_cache_is_refused" {
  command = plan
  variables {
    cache_images_to_keep = 0
  }
  expect_failures = [var.cache_images_to_keep]
}
