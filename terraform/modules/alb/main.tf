locals {
  # CodeDeploy swaps these two: blue serves production, green receives the new task set.
  target_group_colours = toset(["blue", "green"])
}

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "The load balancer: its listener ports only"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

locals {
  https = var.certificate_arn != ""
  # With a certificate, production is HTTPS on https_port and production_port only redirects.
  production_listener_port = local.https ? var.https_port : var.production_port
  public_ports             = distinct([var.production_port, local.production_listener_port])
  production_rules = {
    for pair in setproduct(var.ingress_cidrs, local.public_ports) : "${pair[0]} ${pair[1]}" => { cidr = pair[0], port = pair[1] }
  }
  # The test listener serves the new version before the switch: the VPC only, plus what the
  # user names explicitly (e.g. the address ranges of the runners that run the test gate).
  test_listener_sources = merge({ vpc = data.aws_vpc.this.cidr_block }, { for cidr in var.test_listener_cidrs : cidr => cidr })
}

# Open on the listener ports only, nothing else.
resource "aws_vpc_security_group_ingress_rule" "production_listener" {
  for_each          = local.production_rules
  security_group_id = aws_security_group.alb.id
  description       = local.https && each.value.port == var.production_port ? "HTTP, redirected to HTTPS" : "Production listener"
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = each.value.cidr
}

resource "aws_vpc_security_group_ingress_rule" "test_listener" {
  for_each          = local.test_listener_sources
  security_group_id = aws_security_group.alb.id
  description       = "Test listener (${each.key == "vpc" ? "the VPC" : "test_listener_cidrs"})"
  ip_protocol       = "tcp"
  from_port         = var.test_port
  to_port           = var.test_port
  cidr_ipv4         = each.value
}

# Out to the tasks only (the tasks' group allows the container port from this group).
resource "aws_vpc_security_group_egress_rule" "to_targets" {
  security_group_id = aws_security_group.alb.id
  description       = "To the targets in the VPC"
  ip_protocol       = "tcp"
  from_port         = var.container_port
  to_port           = var.container_port
  cidr_ipv4         = data.aws_vpc.this.cidr_block
}

data "aws_vpc" "this" {
  id = var.vpc_id
}

resource "aws_lb" "this" {
  name                       = var.name
  load_balancer_type         = "application"
  internal                   = var.internal
  subnets                    = var.subnet_ids
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  tags                       = var.tags
}

resource "aws_lb_target_group" "this" {
  for_each             = local.target_group_colours
  name                 = "${var.name}-${each.key}"
  vpc_id               = var.vpc_id
  port                 = var.container_port
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = var.deregistration_delay_seconds

  # A new task serves after healthy_threshold passing checks (interval apart), a broken one is
  # taken out after unhealthy_threshold failing ones: the variables' descriptions say the trade-off.
  # https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-healthcheck.html
  health_check {
    path                = var.health_check_path
    matcher             = "200"
    interval            = var.health_check_interval_seconds
    timeout             = var.health_check_timeout_seconds
    healthy_threshold   = var.healthy_threshold
    unhealthy_threshold = var.unhealthy_threshold
  }

  tags = merge(var.tags, { Colour = each.key })
}

# Both listeners start on blue; CodeDeploy moves them during a deployment, so Terraform must not
# move them back: the default action is ignored after creation.
resource "aws_lb_listener" "production" {
  load_balancer_arn = aws_lb.this.arn
  port              = local.production_listener_port
  protocol          = local.https ? "HTTPS" : "HTTP"
  certificate_arn   = local.https ? var.certificate_arn : null
  ssl_policy        = local.https ? var.ssl_policy : null

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this["blue"].arn
  }

  lifecycle {
    ignore_changes = [default_action]
  }

  tags = var.tags
}

# With a certificate, plain HTTP on production_port answers a permanent redirect to HTTPS.
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-action-types.html#redirect-actions
resource "aws_lb_listener" "http_redirect" {
  count             = local.https ? 1 : 0
  load_balancer_arn = aws_lb.this.arn
  port              = var.production_port
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      protocol    = "HTTPS"
      port        = tostring(var.https_port)
      status_code = "HTTP_301"
    }
  }

  tags = var.tags
}

resource "aws_lb_listener" "test" {
  load_balancer_arn = aws_lb.this.arn
  port              = var.test_port
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this["blue"].arn
  }

  lifecycle {
    ignore_changes = [default_action]
  }

  tags = var.tags
}
