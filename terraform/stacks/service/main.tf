provider "aws" {
  region = var.aws_region
  default_tags {
    tags = merge(var.tags, { Application = var.name, Stack = "service", ManagedBy = "terraform" })
  }
}

module "alb" {
  source              = "../../modules/alb"
  name                = var.name
  vpc_id              = var.vpc_id
  subnet_ids          = var.internal_alb ? var.private_subnet_ids : var.public_subnet_ids
  internal            = var.internal_alb
  ingress_cidrs       = var.alb_ingress_cidrs
  test_listener_cidrs = var.test_listener_cidrs
  certificate_arn     = var.certificate_arn
  https_port          = var.https_port
  ssl_policy          = var.ssl_policy
  production_port     = var.production_port
  test_port           = var.test_port
  container_port      = var.container_port
}

module "service" {
  source                        = "../../modules/ecs-bluegreen-service"
  name                          = var.name
  vpc_id                        = var.vpc_id
  private_subnet_ids            = var.private_subnet_ids
  task_definition_arn           = var.task_definition_arn
  container_name                = var.container_name
  container_port                = var.container_port
  min_task_count                = var.min_task_count
  max_scaled_task_count         = var.max_scaled_task_count
  cpu_scale_up_threshold        = var.cpu_scale_up_threshold
  cpu_scale_down_threshold      = var.cpu_scale_down_threshold
  alarm_topic_arn               = var.alarm_topic_arn
  alb_security_group_id         = module.alb.security_group_id
  alb_arn_suffix                = module.alb.alb_arn_suffix
  blue_target_group_arn         = module.alb.blue_target_group_arn
  target_group_names            = { blue = module.alb.blue_target_group_name, green = module.alb.green_target_group_name }
  target_group_arn_suffixes     = { blue = module.alb.target_group_arn_suffixes["blue"], green = module.alb.target_group_arn_suffixes["green"] }
  production_listener_arn       = module.alb.production_listener_arn
  test_listener_arn             = module.alb.test_listener_arn
  deployment_config_name        = var.deployment_config_name
  blue_termination_wait_minutes = var.blue_termination_wait_minutes
  hook_function_arns            = var.hook_function_arns

  # A target group must belong to a load balancer (through a listener) before a service uses it.
  depends_on = [module.alb]
}
