terraform {
  required_version = ">= 1.10"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
  # Partial configuration: bucket, key and region come from provision's backend-config, one key
  # per stack. The lock is an S3 object next to the state (no DynamoDB table).
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}
