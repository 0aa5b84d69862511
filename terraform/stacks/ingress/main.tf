provider "aws" {
  region = var.aws_region
  default_tags {
    tags = merge(var.tags, { Application = var.name, Stack = "ingress", ManagedBy = "terraform" })
  }
}

module "ingress" {
  source                = "../../modules/http-ingress"
  name                  = var.name
  vpc_id                = var.vpc_id
  subnet_ids            = var.private_subnet_ids
  listener_arn          = var.listener_arn
  alb_security_group_id = var.alb_security_group_id
  listener_port         = var.listener_port
}
