/**
 * Elastic Load Balancing v2, read only: DescribeTargetGroups and DescribeTargetGroupAttributes,
 * answered from the sandbox load balancer's target groups (made by the control API's stack, as
 * the service stack's ALB module makes them on AWS). Query protocol, dispatched by server.ts.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeTargetGroups.html
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeTargetGroupAttributes.html
 */
import { AwsError } from '../contracts.js';
import type { SandboxLoadBalancer, SandboxTargetGroup } from '../runtime/loadbalancer.js';

export interface Elbv2Service {
  /** Answers a query-protocol action with the fields of its `<Action>Result>` element. */
  handle(action: string, input: Record<string, unknown>): Record<string, unknown>;
}

/** "One or more target groups not found", the model's TargetGroupNotFoundException. */
function notFound(which: string): AwsError {
  return new AwsError('TargetGroupNotFound', `One or more target groups not found: ${which}`);
}

const names = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

export function createElbv2Service(lb: Pick<SandboxLoadBalancer, 'targetGroups'>): Elbv2Service {
  const byArn = (arn: string) => lb.targetGroups().find((group) => group.arn === arn);

  const describeTargetGroups = (input: Record<string, unknown>) => {
    const arns = names(input.TargetGroupArns);
    const wanted = names(input.Names);
    // "You can specify one of the following to filter the results" (the API reference); the
    // error for more than one is our assumption.
    if ([arns.length > 0, wanted.length > 0, input.LoadBalancerArn !== undefined].filter(Boolean).length > 1) {
      throw new AwsError(
        'ValidationError',
        'Target group names, target group ARNs and a load balancer ARN cannot be used together',
      );
    }
    // The sandbox has no load balancer resource to name; every group sits behind its one proxy.
    if (input.LoadBalancerArn !== undefined) {
      throw new AwsError('LoadBalancerNotFound', `Load balancer '${String(input.LoadBalancerArn)}' not found`);
    }
    let groups: SandboxTargetGroup[];
    if (arns.length > 0) {
      const missing = arns.filter((arn) => !byArn(arn));
      if (missing.length > 0) throw notFound(missing.join(', '));
      groups = arns.map((arn) => byArn(arn)!);
    } else if (wanted.length > 0) {
      const missing = wanted.filter((name) => !lb.targetGroups().some((group) => group.name === name));
      if (missing.length > 0) throw notFound(`'${missing.join("', '")}'`);
      groups = wanted.map((name) => lb.targetGroups().find((group) => group.name === name)!);
    } else groups = lb.targetGroups();
    return { TargetGroups: groups.map(describeGroup) };
  };

  const describeAttributes = (input: Record<string, unknown>) => {
    const arn = String(input.TargetGroupArn);
    const group = byArn(arn);
    if (!group) throw notFound(`'${arn}'`);
    const settings = group.settings();
    // The attributes an HTTP target group of an ALB has; those the sandbox does not model are
    // answered with AWS's defaults.
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html
    const attributes: Record<string, string> = {
      'deregistration_delay.timeout_seconds': String(Math.round(settings.deregistrationDelayMs / 1000)),
      'stickiness.enabled': 'false',
      'stickiness.type': 'lb_cookie',
      'load_balancing.algorithm.type': 'round_robin',
      'slow_start.duration_seconds': '0',
    };
    return { Attributes: Object.entries(attributes).map(([Key, Value]) => ({ Key, Value })) };
  };

  return {
    handle(action, input) {
      if (action === 'DescribeTargetGroups') return describeTargetGroups(input);
      if (action === 'DescribeTargetGroupAttributes') return describeAttributes(input);
      // The query protocol's answer to an action the service lacks (the common errors table).
      throw new AwsError('InvalidAction', `Could not find operation ${action} for version 2015-12-01`);
    },
  };
}

/**
 * A target group as DescribeTargetGroups answers it. Health checks run over HTTP on the traffic
 * port with a 5 s timeout (the sandbox's), matching 200; targets are IP addresses, as for Fargate
 * tasks (awsvpc). https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroup.html
 */
function describeGroup(group: SandboxTargetGroup): Record<string, unknown> {
  const settings = group.settings();
  return {
    TargetGroupArn: group.arn,
    TargetGroupName: group.name,
    Protocol: 'HTTP',
    Port: 80,
    VpcId: 'vpc-0sandbox',
    HealthCheckProtocol: 'HTTP',
    HealthCheckPort: 'traffic-port',
    HealthCheckEnabled: true,
    HealthCheckIntervalSeconds: Math.round(settings.healthCheckIntervalMs / 1000),
    HealthCheckTimeoutSeconds: 5,
    HealthyThresholdCount: settings.healthyThreshold,
    UnhealthyThresholdCount: settings.unhealthyThreshold,
    HealthCheckPath: settings.healthCheckPath,
    Matcher: { HttpCode: '200' },
    LoadBalancerArns: [],
    TargetType: 'ip',
    ProtocolVersion: 'HTTP1',
    IpAddressType: 'ipv4',
  };
}
