variable "name" {
  type        = string
  description = "The repository name, e.g. sample-app."
  validation {
    condition     = can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", var.name))
    error_message = "name must be a valid ECR repository name: lowercase letters, digits, and . _ - / between them."
  }
}

variable "tag_prefix" {
  type        = string
  description = "The prefix of build-image's fingerprint tags (fp-): only images tagged so are counted and expired."
  default     = "fp-"
  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]*$", var.tag_prefix))
    error_message = "tag_prefix must be the start of an image tag (letters, digits, '_', '.', '-'), e.g. fp-."
  }
}

variable "images_to_keep" {
  type        = number
  description = "How many fingerprint-tagged images to keep, newest first; older ones expire (the serving and the rollback revisions need theirs)."
  default     = 30
  validation {
    condition     = var.images_to_keep >= 2 && var.images_to_keep <= 1000
    error_message = "images_to_keep must be from 2 to 1000."
  }
}

variable "cache_tag_prefix" {
  type        = string
  description = "The prefix of build-image's build cache tags (cache-): only the newest cache_images_to_keep of them are kept."
  default     = "cache-"
  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]*$", var.cache_tag_prefix)) && !startswith(var.cache_tag_prefix, var.tag_prefix) && !startswith(var.tag_prefix, var.cache_tag_prefix)
    error_message = "cache_tag_prefix must be the start of an image tag (letters, digits, '_', '.', '-') that neither starts nor is the start of tag_prefix, e.g. cache-."
  }
}

variable "cache_images_to_keep" {
  type        = number
  description = "How many build caches to keep, newest first (the next build starts from the newest one)."
  default     = 2
  validation {
    condition     = var.cache_images_to_keep >= 1 && var.cache_images_to_keep <= 100
    error_message = "cache_images_to_keep must be from 1 to 100: the next build starts from the newest cache."
  }
}

variable "untagged_expiry_days" {
  type        = number
  description = "Days after which untagged images (leftovers of interrupted pushes) expire."
  default     = 1
  validation {
    condition     = var.untagged_expiry_days >= 1
    error_message = "untagged_expiry_days must be at least 1."
  }
}

variable "force_delete" {
  type        = bool
  description = "Let `destroy` delete the repository even when it still holds images."
  default     = true
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
