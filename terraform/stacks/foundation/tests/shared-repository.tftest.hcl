# Offline checks of the shared repository (the AWS provider is mocked), run by terraform test:
# an environment that pulls from the registry stack's repository owns none, so destroying it
# leaves the images every environment runs.
mock_provider "aws" {
  # Generated policy documents and availability zones must look like AWS's to plan at all.
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_data "aws_availability_zones" {
    defaults = { names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"] }
  }
  override_data {
    target = data.aws_partition.current
    values = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
}

variables {
  aws_region = "eu-west-1"
  name       = "sample-app-prod"
}

run "a_shared_repository_is_used_not_created" {
  command = plan

  variables {
    shared_repository_arn = "arn:aws:ecr:eu-west-1:111111111111:repository/sample-app"
  }

  assert {
    condition     = length(module.ecr) == 0
    error_message = "With shared_repository_arn the stack must create no repository (its destroy would delete the shared images)."
  }
  assert {
    condition     = output.repository_name == "sample-app" && output.repository_arn == "arn:aws:ecr:eu-west-1:111111111111:repository/sample-app"
    error_message = "The outputs must name the shared repository."
  }
  assert {
    condition     = output.repository_url == "111111111111.dkr.ecr.eu-west-1.amazonaws.com/sample-app"
    error_message = "The repository URL must be the shared repository's registry and name (build-image's image references start with it)."
  }
}

run "without_one_the_environment_has_its_own" {
  command = plan

  assert {
    condition     = length(module.ecr) == 1
    error_message = "Without shared_repository_arn the stack keeps its own repository, as before."
  }
}

run "a_shared_repository_arn_must_be_an_ecr_repository" {
  command = plan

  variables {
    shared_repository_arn = "arn:aws:s3:::sample-app"
  }

  expect_failures = [var.shared_repository_arn]
}
