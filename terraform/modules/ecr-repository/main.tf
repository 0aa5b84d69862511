# Tags are immutable: build-image derives the tag from the build context's fingerprint, so a tag
# names exactly one image and a deployed image can never be overwritten underneath a service.
resource "aws_ecr_repository" "this" {
  name                 = var.name
  image_tag_mutability = "IMMUTABLE"
  force_delete         = var.force_delete

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "AES256"
  }

  tags = var.tags
}

# Task definitions name images by digest, so an expired image is one a revision (the serving
# one, or the rollback target) can no longer start. Only two kinds of image ever expire:
# - untagged ones (a failed push's leftovers; build-image pushes single-platform images with
#   --provenance=false, so no image index has untagged children), after untagged_expiry_days;
# - fingerprint-tagged ones (build-image's tag_prefix + fingerprint) beyond the newest
#   images_to_keep, enough for the serving and the previous revisions;
# - build cache manifests (build-image's cache_tag_prefix + fingerprint tag) beyond the newest
#   cache_images_to_keep: the next build starts from the newest one, older ones are never read.
#   No task definition names a cache manifest, so expiring them cannot break a deployment.
# Images carrying only other tags are never expired.
# https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_examples.html
resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Expire untagged images after ${var.untagged_expiry_days} days"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = var.untagged_expiry_days
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the newest ${var.images_to_keep} ${var.tag_prefix} images"
        selection = {
          tagStatus     = "tagged"
          tagPrefixList = [var.tag_prefix]
          countType     = "imageCountMoreThan"
          countNumber   = var.images_to_keep
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 3
        description  = "Keep the newest ${var.cache_images_to_keep} ${var.cache_tag_prefix} build caches"
        selection = {
          tagStatus     = "tagged"
          tagPrefixList = [var.cache_tag_prefix]
          countType     = "imageCountMoreThan"
          countNumber   = var.cache_images_to_keep
        }
        action = { type = "expire" }
      },
    ]
  })
}
