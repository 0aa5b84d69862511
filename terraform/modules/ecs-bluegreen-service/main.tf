resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = var.tags
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]
}

# The tasks accept traffic on the container port from the load balancer's group only.
resource "aws_security_group" "tasks" {
  name        = "${var.name}-tasks"
  description = "The service's tasks: the container port from the load balancer only"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_alb" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "Container port from the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = var.alb_security_group_id
}

# Out to ECR, CloudWatch Logs and whatever the application calls (through NAT or VPC endpoints).
resource "aws_vpc_security_group_egress_rule" "tasks_out" {
  security_group_id = aws_security_group.tasks.id
  description       = "All outbound"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_ecs_service" "this" {
  name                              = var.name
  cluster                           = aws_ecs_cluster.this.id
  task_definition                   = var.task_definition_arn
  desired_count                     = var.min_task_count
  launch_type                       = "FARGATE"
  platform_version                  = "LATEST"
  health_check_grace_period_seconds = var.health_check_grace_period_seconds
  propagate_tags                    = "SERVICE"
  enable_ecs_managed_tags           = true

  deployment_controller {
    type = "CODE_DEPLOY"
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = var.blue_target_group_arn
    container_name   = var.container_name
    container_port   = var.container_port
  }

  # After the first blue/green deployment CodeDeploy owns the task definition and the target
  # group in use, and the autoscaler owns the count: a later apply (init run again) must not
  # drag them back to their creation values.
  lifecycle {
    ignore_changes = [task_definition, load_balancer, desired_count]
  }

  tags = var.tags
}

# ---- CodeDeploy ------------------------------------------------------------------------------

locals {
  # Partition, region and account from the topic ARN (arn:PARTITION:sns:REGION:ACCOUNT:NAME): no
  # data source, which the stack's depends_on would defer to apply time.
  topic_arn_parts = split(":", var.alarm_topic_arn)
  partition       = local.topic_arn_parts[1]
  region          = local.topic_arn_parts[3]
  account         = local.topic_arn_parts[4]
}

resource "aws_iam_role" "codedeploy" {
  name = "${var.name}-codedeploy"
  # Inline, not a data source: the stack makes this module wait for the load balancer
  # (depends_on), which would defer a data source to apply time and show a spurious change.
  # Only CodeDeploy acting for this account's deployment groups of this application.
  # https://docs.aws.amazon.com/codedeploy/latest/userguide/security_confused_deputy.html
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "codedeploy.amazonaws.com" }
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account }
        ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:codedeploy:${local.region}:${local.account}:deploymentgroup:${var.name}/*" }
      }
    }]
  })
  tags = var.tags
}

# https://docs.aws.amazon.com/codedeploy/latest/userguide/codedeploy-service-role.html (ECS)
resource "aws_iam_role_policy_attachment" "codedeploy" {
  role       = aws_iam_role.codedeploy.name
  policy_arn = "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS"
}

# CodeDeploy triggers publish as this role: the alerts topic only, and its KMS key only through
# SNS (the topic is the one this role may publish to).
# https://docs.aws.amazon.com/codedeploy/latest/userguide/monitoring-sns-event-notifications-permisssions.html
resource "aws_iam_role_policy" "codedeploy_notifications" {
  name = "deployment-notifications"
  role = aws_iam_role.codedeploy.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "PublishToAlerts"
        Effect   = "Allow"
        Action   = "sns:Publish"
        Resource = var.alarm_topic_arn
      },
      {
        Sid      = "EncryptedTopic"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource = "arn:${local.partition}:kms:${local.region}:${local.account}:key/*"
        Condition = {
          StringEquals = { "kms:ViaService" = "sns.${local.region}.amazonaws.com" }
        }
      },
    ]
  })
}

# AppSpec hooks (deploy-bluegreen's `hooks`): CodeDeploy invokes each function as this role.
# AWSCodeDeployRoleForECS already allows lambda:InvokeFunction on every function; this grant
# names the hooks so that the role keeps working with AWSCodeDeployRoleForECSLimited, which
# allows only functions named CodeDeployHook_*.
# https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForECS.html
# https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForECSLimited.html
resource "aws_iam_role_policy" "codedeploy_hooks" {
  count = length(var.hook_function_arns) > 0 ? 1 : 0
  name  = "lifecycle-hooks"
  role  = aws_iam_role.codedeploy.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "InvokeHooks"
      Effect   = "Allow"
      Action   = "lambda:InvokeFunction"
      Resource = var.hook_function_arns
    }]
  })
}

resource "aws_codedeploy_app" "this" {
  name             = var.name
  compute_platform = "ECS"
  tags             = var.tags
}

resource "aws_codedeploy_deployment_group" "this" {
  app_name               = aws_codedeploy_app.this.name
  deployment_group_name  = var.name
  service_role_arn       = aws_iam_role.codedeploy.arn
  deployment_config_name = var.deployment_config_name

  deployment_style {
    deployment_type   = "BLUE_GREEN"
    deployment_option = "WITH_TRAFFIC_CONTROL"
  }

  blue_green_deployment_config {
    deployment_ready_option {
      action_on_timeout = "CONTINUE_DEPLOYMENT"
    }
    terminate_blue_instances_on_deployment_success {
      action                           = "TERMINATE"
      termination_wait_time_in_minutes = var.blue_termination_wait_minutes
    }
  }

  auto_rollback_configuration {
    enabled = true
    events  = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
  }

  # A deployment stops (and rolls back) when one of these goes off.
  alarm_configuration {
    enabled = true
    alarms = [
      aws_cloudwatch_metric_alarm.http_5xx.alarm_name,
      aws_cloudwatch_metric_alarm.unhealthy_hosts["blue"].alarm_name,
      aws_cloudwatch_metric_alarm.unhealthy_hosts["green"].alarm_name,
    ]
  }

  # Failed, stopped and rolled-back deployments are announced on the alerts topic.
  # https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_TriggerConfig.html
  trigger_configuration {
    trigger_name       = "${var.name}-deployment-problems"
    trigger_events     = ["DeploymentFailure", "DeploymentStop", "DeploymentRollback"]
    trigger_target_arn = var.alarm_topic_arn
  }

  ecs_service {
    cluster_name = aws_ecs_cluster.this.name
    service_name = aws_ecs_service.this.name
  }

  load_balancer_info {
    target_group_pair_info {
      prod_traffic_route {
        listener_arns = [var.production_listener_arn]
      }
      test_traffic_route {
        listener_arns = [var.test_listener_arn]
      }
      target_group {
        name = var.target_group_names.blue
      }
      target_group {
        name = var.target_group_names.green
      }
    }
  }

  tags = var.tags
}

# ---- CPU step scaling --------------------------------------------------------------------------

resource "aws_appautoscaling_target" "this" {
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.this.name}"
  min_capacity       = var.min_task_count
  max_capacity       = var.max_scaled_task_count
}

# Step bounds are relative to the alarm's threshold: the scale-up alarm fires when CPU >= its
# threshold, so the step covers [threshold, +inf) (lower bound 0); the scale-down alarm fires when
# CPU <= its threshold, so its step covers (-inf, threshold] (upper bound 0).
# https://docs.aws.amazon.com/autoscaling/application/userguide/step-scaling-policy-overview.html
resource "aws_appautoscaling_policy" "cpu_scale_up" {
  name               = "${var.name}-cpu-scale-up"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension
  resource_id        = aws_appautoscaling_target.this.resource_id

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = 60
    metric_aggregation_type = "Average"

    step_adjustment {
      metric_interval_lower_bound = 0
      scaling_adjustment          = 1
    }
  }
}

resource "aws_appautoscaling_policy" "cpu_scale_down" {
  name               = "${var.name}-cpu-scale-down"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension
  resource_id        = aws_appautoscaling_target.this.resource_id

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = 300
    metric_aggregation_type = "Average"

    step_adjustment {
      metric_interval_upper_bound = 0
      scaling_adjustment          = -1
    }
  }
}

locals {
  service_dimensions = {
    ClusterName = aws_ecs_cluster.this.name
    ServiceName = aws_ecs_service.this.name
  }
}

resource "aws_cloudwatch_metric_alarm" "cpu_high" {
  alarm_name          = "${var.name}-cpu-high"
  alarm_description   = "Average CPU at or above ${var.cpu_scale_up_threshold}%: add a task"
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  dimensions          = local.service_dimensions
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 2
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.cpu_scale_up_threshold
  alarm_actions       = [aws_appautoscaling_policy.cpu_scale_up.arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "cpu_low" {
  alarm_name          = "${var.name}-cpu-low"
  alarm_description   = "Average CPU at or below ${var.cpu_scale_down_threshold}%: remove a task"
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  dimensions          = local.service_dimensions
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 10
  comparison_operator = "LessThanOrEqualToThreshold"
  threshold           = var.cpu_scale_down_threshold
  alarm_actions       = [aws_appautoscaling_policy.cpu_scale_down.arn]
  tags                = var.tags
}

# ---- Alarms that notify people -----------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "cpu_peak" {
  alarm_name          = "${var.name}-cpu-peak"
  alarm_description   = "A task's CPU peaked at or above ${var.cpu_peak_alarm_threshold}% for 3 minutes"
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  dimensions          = local.service_dimensions
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.cpu_peak_alarm_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "http_5xx" {
  alarm_name          = "${var.name}-http-5xx"
  alarm_description   = "The targets answered ${var.http_5xx_alarm_threshold} or more 5xx in a minute"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_Target_5XX_Count"
  dimensions          = { LoadBalancer = var.alb_arn_suffix }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.http_5xx_alarm_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  for_each            = var.target_group_arn_suffixes
  alarm_name          = "${var.name}-unhealthy-${each.key}"
  alarm_description   = "Unhealthy targets in the ${each.key} target group"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  dimensions          = { LoadBalancer = var.alb_arn_suffix, TargetGroup = each.value }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 2
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [var.alarm_topic_arn]
  ok_actions          = [var.alarm_topic_arn]
  tags                = var.tags
}
