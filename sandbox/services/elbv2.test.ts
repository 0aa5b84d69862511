/**
 * ELBv2 over the query protocol, with AWS's own client: the target groups the sandbox's load
 * balancer holds, their health-check settings and deregistration delay, and AWS's errors.
 */
import {
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../index.js';

let sandbox: RunningSandbox;
let elbv2: ElasticLoadBalancingV2Client;

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 60 });
  elbv2 = new ElasticLoadBalancingV2Client({
    endpoint: sandbox.endpoint,
    region: sandbox.region,
    credentials: { accessKeyId: 'AKIASANDBOX', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  elbv2?.destroy();
  await sandbox?.stop();
});

beforeEach(async () => {
  await sandbox.reset();
});

/** Two groups as the service stack makes them, with settings apart from AWS's defaults. */
function pair() {
  const options = {
    healthCheckPath: '/health',
    healthCheckIntervalMs: 10_000,
    healthyThreshold: 3,
    unhealthyThreshold: 2,
    deregistrationDelayMs: 45_000,
  };
  return {
    blue: sandbox.lb.createTargetGroup({ name: 'web-blue', ...options }),
    green: sandbox.lb.createTargetGroup({ name: 'web-green', ...options }),
  };
}

describe('DescribeTargetGroups', () => {
  it('answers the named groups with their health-check settings', async () => {
    const { blue, green } = pair();
    const answer = await elbv2.send(new DescribeTargetGroupsCommand({ Names: ['web-green', 'web-blue'] }));
    expect(answer.TargetGroups?.map((g) => g.TargetGroupArn)).toEqual([green.arn, blue.arn]);
    expect(answer.TargetGroups?.[0]).toMatchObject({
      TargetGroupName: 'web-green',
      HealthCheckIntervalSeconds: 10,
      HealthyThresholdCount: 3,
      UnhealthyThresholdCount: 2,
      HealthCheckPath: '/health',
      HealthCheckEnabled: true,
      TargetType: 'ip',
    });
    expect(sandbox.calls().map((c) => `${c.service}.${c.operation}`)).toEqual(['elbv2.DescribeTargetGroups']);
  });

  it('answers groups by ARN, and every group when none is named', async () => {
    const { blue, green } = pair();
    const byArn = await elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [blue.arn] }));
    expect(byArn.TargetGroups?.map((g) => g.TargetGroupName)).toEqual(['web-blue']);
    const all = await elbv2.send(new DescribeTargetGroupsCommand({}));
    expect(all.TargetGroups?.map((g) => g.TargetGroupArn)).toEqual([blue.arn, green.arn]);
  });

  it('answers TargetGroupNotFound when one named group does not exist', async () => {
    pair();
    const error = await elbv2
      .send(new DescribeTargetGroupsCommand({ Names: ['web-blue', 'web-purple'] }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetGroupNotFoundException);
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 400 } });
    expect(String((error as Error).message)).toContain('web-purple');
  });

  it('refuses a request that breaks the model with ValidationError', async () => {
    const error = await elbv2.send(new DescribeTargetGroupsCommand({ PageSize: 0 })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
    expect(String((error as Error).message)).toContain('PageSize');
    expect(sandbox.modelViolations(true).map((v) => `${v.service}.${v.operation} ${v.direction}`)).toEqual([
      'elbv2.DescribeTargetGroups request',
    ]);
  });

  it('answers the errors fault, e.g. AccessDeniedException for a role without the permission', async () => {
    pair();
    sandbox.faults({ errors: { DescribeTargetGroups: 'AccessDeniedException' } });
    const error = await elbv2.send(new DescribeTargetGroupsCommand({ Names: ['web-blue'] })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    expect(sandbox.calls().map((c) => c.errorCode)).toEqual(['AccessDeniedException']);
  });

  it('throttles with ThrottlingException "Rate exceeded", HTTP 400', async () => {
    sandbox.faults({ throttle: { DescribeTargetGroups: 1 } });
    const error = await elbv2.send(new DescribeTargetGroupsCommand({})).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ThrottlingException',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('DescribeTargetGroupAttributes', () => {
  it('answers the deregistration delay in seconds', async () => {
    const { blue } = pair();
    const answer = await elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: blue.arn }));
    const attributes = Object.fromEntries((answer.Attributes ?? []).map((a) => [a.Key, a.Value]));
    expect(attributes['deregistration_delay.timeout_seconds']).toBe('45');
  });

  it('answers TargetGroupNotFound for an unknown ARN', async () => {
    const error = await elbv2
      .send(
        new DescribeTargetGroupAttributesCommand({
          TargetGroupArn: `arn:aws:elasticloadbalancing:${sandbox.region}:${sandbox.account}:targetgroup/gone/0123456789abcdef`,
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetGroupNotFoundException);
  });
});
