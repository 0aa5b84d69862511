import { describe, expect, it } from '@jest/globals';
import { MemoryLogger } from '../../../lib/log.js';
import { planTimeline, readTargetGroupTiming, timelineSettings, type Elbv2Api } from './expected-timeline.js';
import { awsError, FakeAws } from './fakes.test-helpers.js';

const BLUE = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-blue/0123456789abcdef';
const GREEN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-green/fedcba9876543210';

/** ELBv2 answering two groups: green checks slower than blue; blue drains in 45 s. */
function elbv2(overrides: Record<string, (input: Record<string, unknown>) => unknown> = {}) {
  return new FakeAws({
    DescribeTargetGroups: () => ({
      TargetGroups: [
        { TargetGroupArn: BLUE, TargetGroupName: 'web-blue', HealthCheckIntervalSeconds: 5, HealthyThresholdCount: 2 },
        {
          TargetGroupArn: GREEN,
          TargetGroupName: 'web-green',
          HealthCheckIntervalSeconds: 10,
          HealthyThresholdCount: 3,
        },
      ],
    }),
    DescribeTargetGroupAttributes: (input) => ({
      Attributes: [
        { Key: 'stickiness.enabled', Value: 'false' },
        { Key: 'deregistration_delay.timeout_seconds', Value: input.TargetGroupArn === BLUE ? '45' : '300' },
      ],
    }),
    ...overrides,
  });
}

const group = {
  deploymentConfigName: 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
  blueGreenDeploymentConfiguration: {
    terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE' as const, terminationWaitTimeInMinutes: 5 },
  },
  loadBalancerInfo: { targetGroupPairInfoList: [{ targetGroups: [{ name: 'web-blue' }, { name: 'web-green' }] }] },
};

describe('readTargetGroupTiming', () => {
  it('takes the slower health-check interval and the draining group’s deregistration delay, in two reads', async () => {
    const fake = elbv2();
    const warnings: string[] = [];
    const timing = await readTargetGroupTiming(
      fake.client as unknown as Elbv2Api,
      { names: ['web-blue', 'web-green'], drainingArn: BLUE },
      (line) => warnings.push(line),
    );
    expect(timing).toEqual({ healthCheckIntervalSeconds: 10, deregistrationDelaySeconds: 45 });
    expect(fake.ops()).toEqual(['DescribeTargetGroups', 'DescribeTargetGroupAttributes']);
    expect(fake.inputsOf('DescribeTargetGroups')).toEqual([{ Names: ['web-blue', 'web-green'] }]);
    expect(warnings).toEqual([]);
  });

  it('answers unknown with one line naming the permission when AWS refuses the read', async () => {
    const fake = elbv2({
      DescribeTargetGroups: () => {
        throw awsError(
          'AccessDeniedException',
          'User is not authorized to perform: elasticloadbalancing:DescribeTargetGroups',
        );
      },
    });
    const warnings: string[] = [];
    const timing = await readTargetGroupTiming(fake.client as unknown as Elbv2Api, { arns: [BLUE] }, (line) =>
      warnings.push(line),
    );
    expect(timing).toBeUndefined();
    expect(warnings).toEqual([
      'Expected phase times unknown: the role may not call elasticloadbalancing:DescribeTargetGroups; grant it to see them.',
    ]);
  });

  it('keeps the health checks when only the attributes are refused', async () => {
    const fake = elbv2({
      DescribeTargetGroupAttributes: () => {
        throw awsError('AccessDeniedException', 'denied');
      },
    });
    const warnings: string[] = [];
    const timing = await readTargetGroupTiming(fake.client as unknown as Elbv2Api, { arns: [BLUE, GREEN] }, (line) =>
      warnings.push(line),
    );
    expect(timing).toEqual({ healthCheckIntervalSeconds: 10 });
    expect(warnings[0]).toContain('elasticloadbalancing:DescribeTargetGroupAttributes');
  });
});

describe('timelineSettings', () => {
  it('takes a CodeDeploy group’s config, termination wait and target group names', () => {
    const { settings, targetGroups } = timelineSettings({ controller: 'CODE_DEPLOY', group, blueTargetGroupArn: BLUE });
    expect(settings).toEqual({
      controller: 'CODE_DEPLOY',
      shift: { kind: 'linear', percent: 10, minutes: 1 },
      terminationWaitMinutes: 5,
    });
    expect(targetGroups).toEqual({ names: ['web-blue', 'web-green'], drainingArn: BLUE });
  });

  it('lets the deployment-config input win, and reads a custom one only from its routing', () => {
    const custom = timelineSettings({
      controller: 'CODE_DEPLOY',
      group,
      deploymentConfig: 'half-then-all',
      routing: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 50, canaryInterval: 2 } },
    });
    expect(custom.settings.shift).toEqual({ kind: 'canary', percent: 50, minutes: 2 });
    const unread = timelineSettings({ controller: 'CODE_DEPLOY', group: { ...group, deploymentConfigName: 'mine' } });
    expect(unread.settings.shift).toBeUndefined();
  });

  it('takes an ECS service’s strategy, bake time and both target groups', () => {
    const { settings, targetGroups } = timelineSettings({
      controller: 'ECS',
      service: {
        deploymentConfiguration: { strategy: 'CANARY', bakeTimeInMinutes: 3 },
        loadBalancers: [{ targetGroupArn: BLUE, advancedConfiguration: { alternateTargetGroupArn: GREEN } }],
      },
    });
    expect(settings).toEqual({
      controller: 'ECS',
      shift: { kind: 'canary', percent: 5, minutes: 10 },
      bakeTimeMinutes: 3,
    });
    expect(targetGroups).toEqual({ arns: [BLUE, GREEN], drainingArn: BLUE });
  });
});

describe('planTimeline', () => {
  it('logs the expected phases as a group before the deployment', async () => {
    const logger = new MemoryLogger();
    const phases = await planTimeline(
      { elbv2: elbv2().client as unknown as Elbv2Api, logger },
      { controller: 'CODE_DEPLOY', group, blueTargetGroupArn: BLUE },
    );
    expect(phases.find((p) => p.name === 'Install')?.seconds).toBe(40 + 10);
    expect(logger.lines).toContain('[group] Expected timeline (AWS time)');
    expect(logger.lines).toContain('Install: 50 s (40 s start + one check within 10 s)');
    expect(logger.lines).toContain('Termination wait: 5 min 46 s (5 min + 45 s deregistration delay)');
  });

  it('says unknown, warns once and goes on when ELBv2 refuses', async () => {
    const logger = new MemoryLogger();
    const denied = elbv2({
      DescribeTargetGroups: () => {
        throw awsError('AccessDeniedException', 'denied');
      },
    });
    const phases = await planTimeline(
      { elbv2: denied.client as unknown as Elbv2Api, logger },
      { controller: 'CODE_DEPLOY', group },
    );
    expect(phases.find((p) => p.name === 'Install')?.seconds).toBeUndefined();
    expect(logger.lines.filter((l) => l.startsWith('warning:'))).toHaveLength(1);
    expect(logger.lines).toContain('Install: unknown (target group not read)');
    expect(logger.lines).toContain('Total: unknown');
  });
});
