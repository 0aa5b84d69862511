# Offline checks of the listeners and their openings: the AWS provider is mocked (no network,
# no credentials), so these assert what the module plans, run by terraform test.
mock_provider "aws" {
  override_data {
    target = data.aws_vpc.this
    values = { cidr_block = "10.40.0.0/16" }
  }
  # The provider checks ARN shapes even against the mock.
  mock_resource "aws_lb" {
    defaults = {
      arn      = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shop/0123456789abcdef"
      dns_name = "shop-123.eu-west-1.elb.amazonaws.com"
    }
  }
  mock_resource "aws_lb_target_group" {
    defaults = {
      arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop/0123456789abcdef"
    }
  }
}

variables {
  name           = "shop"
  vpc_id         = "vpc-0123456789abcdef0"
  subnet_ids     = ["subnet-a", "subnet-b"]
  container_port = 3000
}

run "test_listener_reachable_from_the_vpc_only_by_default" {
  command = plan

  assert {
    condition     = [for rule in aws_vpc_security_group_ingress_rule.test_listener : rule.cidr_ipv4] == ["10.40.0.0/16"]
    error_message = "By default the test listener must accept the VPC's range only."
  }
  assert {
    condition     = alltrue([for rule in aws_vpc_security_group_ingress_rule.test_listener : rule.from_port == 8080 && rule.to_port == 8080])
    error_message = "The test listener's rules must open its port only."
  }
  assert {
    condition     = aws_lb_listener.production.protocol == "HTTP" && aws_lb_listener.production.port == 80 && length(aws_lb_listener.http_redirect) == 0
    error_message = "Without a certificate, production is plain HTTP on 80 and there is no redirect listener."
  }
}

run "extra_test_listener_ranges_are_added_explicitly" {
  command = plan
  variables {
    test_listener_cidrs = ["203.0.113.0/24"]
  }
  assert {
    condition     = toset([for rule in aws_vpc_security_group_ingress_rule.test_listener : rule.cidr_ipv4]) == toset(["10.40.0.0/16", "203.0.113.0/24"])
    error_message = "test_listener_cidrs must be added to the VPC's range, nothing else."
  }
}

run "the_whole_internet_is_refused_for_the_test_listener" {
  command = plan
  variables {
    test_listener_cidrs = ["0.0.0.0/0"]
  }
  expect_failures = [var.test_listener_cidrs]
}

run "https_with_a_certificate_and_http_redirects" {
  # Applied against the mock, so the URL (built from the mocked DNS name) is known.
  command = apply
  variables {
    certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-0000-1111-2222-333344445555"
  }
  assert {
    condition     = aws_lb_listener.production.protocol == "HTTPS" && aws_lb_listener.production.port == 443
    error_message = "With a certificate the production listener must be HTTPS on 443."
  }
  assert {
    condition     = aws_lb_listener.production.certificate_arn == var.certificate_arn && aws_lb_listener.production.ssl_policy == "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
    error_message = "The HTTPS listener must use the certificate and AWS's recommended TLS policy."
  }
  assert {
    condition = (
      length(aws_lb_listener.http_redirect) == 1 &&
      aws_lb_listener.http_redirect[0].port == 80 &&
      aws_lb_listener.http_redirect[0].default_action[0].type == "redirect" &&
      aws_lb_listener.http_redirect[0].default_action[0].redirect[0].protocol == "HTTPS" &&
      aws_lb_listener.http_redirect[0].default_action[0].redirect[0].port == "443" &&
      aws_lb_listener.http_redirect[0].default_action[0].redirect[0].status_code == "HTTP_301"
    )
    error_message = "HTTP on 80 must redirect permanently to HTTPS on 443."
  }
  assert {
    condition     = toset([for rule in aws_vpc_security_group_ingress_rule.production_listener : rule.from_port]) == toset([80, 443])
    error_message = "The public ports must be 80 (redirect) and 443 (HTTPS) only."
  }
  assert {
    condition     = startswith(output.production_url, "https://")
    error_message = "production_url must be https:// with a certificate."
  }
}
