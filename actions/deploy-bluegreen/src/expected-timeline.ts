/**
 * The expected release timeline before a deployment starts: the settings the action already read
 * (the CodeDeploy group and its deployment config, or the ECS service) plus two cheap ELBv2 reads
 * of the target groups: DescribeTargetGroups (health-check interval, healthy threshold) and
 * DescribeTargetGroupAttributes (deregistration delay). A read that fails never fails the
 * deployment: the phases it times say unknown, and one warning names the missing permission.
 */
import type { DeploymentGroupInfo } from '@aws-sdk/client-codedeploy';
import type { Service } from '@aws-sdk/client-ecs';
import {
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsCall, AwsCallError } from '../../../lib/aws.js';
import type { Logger } from '../../../lib/log.js';
import { spokenSeconds } from './report.js';
import {
  codedeployShift,
  ecsShift,
  expectedPhases,
  expectedTotal,
  type ExpectedPhase,
  type TargetGroupTiming,
  type TimelineSettings,
} from './timeline.js';

export type Elbv2Api = Pick<ElasticLoadBalancingV2Client, 'send'>;

/** Which target groups to read: by name (CodeDeploy groups name them) or by ARN (ECS services). */
export interface TargetGroupRef {
  names?: string[];
  arns?: string[];
  /** The group whose targets drain after the switch (blue's), for the deregistration delay. */
  drainingArn?: string;
}

/** One line for a read that failed: the permission to grant when AWS refused it, else AWS's words. */
function unreadable(action: string, error: unknown): string {
  const code = error instanceof AwsCallError ? error.code : undefined;
  if (code === 'AccessDeniedException' || code === 'AccessDenied') {
    return `Expected phase times unknown: the role may not call elasticloadbalancing:${action}; grant it to see them.`;
  }
  return `Expected phase times unknown: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * The health-check interval of the slower of the groups (new targets register in either, by turn)
 * and the deregistration delay of the draining one. Undefined when the groups could not be read.
 */
export async function readTargetGroupTiming(
  elbv2: Elbv2Api,
  ref: TargetGroupRef,
  warn: (line: string) => void,
): Promise<TargetGroupTiming | undefined> {
  const label = `target groups ${(ref.names ?? ref.arns ?? []).join(', ')}`;
  let groups;
  try {
    const answer = await awsCall(label, () =>
      elbv2.send(
        new DescribeTargetGroupsCommand(ref.names?.length ? { Names: ref.names } : { TargetGroupArns: ref.arns }),
      ),
    );
    groups = answer.TargetGroups ?? [];
  } catch (error) {
    warn(unreadable('DescribeTargetGroups', error));
    return undefined;
  }
  if (groups.length === 0) return undefined;
  // ALB's default interval when a group leaves it out: 30 s.
  // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html
  const timing: TargetGroupTiming = {
    healthCheckIntervalSeconds: Math.max(...groups.map((g) => g.HealthCheckIntervalSeconds ?? 30)),
  };
  const draining =
    groups.find((g) => g.TargetGroupArn === ref.drainingArn)?.TargetGroupArn ?? groups[0]?.TargetGroupArn;
  if (!draining) return timing;
  try {
    const answer = await awsCall(`target group ${draining}`, () =>
      elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: draining })),
    );
    const delay = answer.Attributes?.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value;
    // 300 s unless set: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html#deregistration-delay
    timing.deregistrationDelaySeconds = delay !== undefined && delay !== '' ? Number(delay) : 300;
  } catch (error) {
    warn(unreadable('DescribeTargetGroupAttributes', error));
  }
  return timing;
}

/** What a CodeDeploy deployment's timeline needs, all of it already read but the target groups. */
export interface CodeDeployTimelineSource {
  controller: 'CODE_DEPLOY';
  group: DeploymentGroupInfo;
  /** The deployment-config input, which overrides the group's. */
  deploymentConfig?: string;
  /** The input's config as GetDeploymentConfig answered it (custom configs need it). */
  routing?: Parameters<typeof codedeployShift>[1];
  /** The target group the PRIMARY task set (blue) serves from. */
  blueTargetGroupArn?: string;
}

export interface EcsTimelineSource {
  controller: 'ECS';
  service: Service;
}

/** The settings and the target groups to read, from what was already read. Pure. */
export function timelineSettings(source: CodeDeployTimelineSource | EcsTimelineSource): {
  settings: TimelineSettings;
  targetGroups: TargetGroupRef;
} {
  if (source.controller === 'CODE_DEPLOY') {
    const info = source.group;
    // A group without a config deploys with CodeDeployDefault.ECSAllAtOnce.
    // https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeploymentGroup.html
    const name = source.deploymentConfig ?? info.deploymentConfigName ?? 'CodeDeployDefault.ECSAllAtOnce';
    const termination = info.blueGreenDeploymentConfiguration?.terminateBlueInstancesOnDeploymentSuccess;
    const names = (info.loadBalancerInfo?.targetGroupPairInfoList ?? [])
      .flatMap((pair) => pair.targetGroups ?? [])
      .map((g) => g.name)
      .filter((n): n is string => Boolean(n));
    return {
      settings: {
        controller: 'CODE_DEPLOY',
        shift: codedeployShift(name, source.deploymentConfig === name ? source.routing : undefined),
        // KEEP_ALIVE keeps blue: no termination at all.
        terminationWaitMinutes:
          termination?.action === 'KEEP_ALIVE' ? 0 : (termination?.terminationWaitTimeInMinutes ?? undefined),
      },
      targetGroups: { names, drainingArn: source.blueTargetGroupArn },
    };
  }
  const service = source.service;
  const arns = (service.loadBalancers ?? []).flatMap((lb) =>
    [lb.targetGroupArn, lb.advancedConfiguration?.alternateTargetGroupArn].filter((a): a is string => Boolean(a)),
  );
  return {
    settings: {
      controller: 'ECS',
      shift: ecsShift(service.deploymentConfiguration),
      bakeTimeMinutes: service.deploymentConfiguration?.bakeTimeInMinutes ?? 0,
    },
    targetGroups: { arns: [...new Set(arns)], drainingArn: service.loadBalancers?.[0]?.targetGroupArn },
  };
}

/**
 * Reads the target groups, logs the expected phases as a folded group, and returns them.
 * Without an ELBv2 client the phases they time stay unknown.
 */
export async function planTimeline(
  deps: { elbv2?: Elbv2Api; logger: Logger },
  source: CodeDeployTimelineSource | EcsTimelineSource,
): Promise<ExpectedPhase[]> {
  const { settings, targetGroups } = timelineSettings(source);
  const warnings: string[] = [];
  const named = (targetGroups.names?.length ?? 0) + (targetGroups.arns?.length ?? 0) > 0;
  if (deps.elbv2 && named) {
    settings.targetGroup = await readTargetGroupTiming(deps.elbv2, targetGroups, (line) => warnings.push(line));
  }
  for (const line of new Set(warnings)) deps.logger.warning(line);
  const phases = expectedPhases(settings);
  await deps.logger.group('Expected timeline (AWS time)', async () => {
    for (const phase of phases) deps.logger.info(`${phase.name}: ${spokenSeconds(phase.seconds)} (${phase.basis})`);
    deps.logger.info(`Total: ${spokenSeconds(expectedTotal(phases))}`);
  });
  return phases;
}
