/**
 * The release timeline: how long each phase of a blue/green deployment should take, from the
 * settings that decide it (the traffic shift, the termination wait or bake time, the target
 * group's health checks and deregistration delay) and AWS's documented timings, set beside what
 * each phase took. Pure: the reads that feed it are in expected-timeline.ts and discovery.ts.
 *
 * Phases are named as the actual rows are (DeploymentRecord.lifecycle): CodeDeploy's ECS lifecycle
 * events, or ECS's service deployment lifecycle stages, so each expected figure finds its actual one.
 */
import type { DeploymentRecord, LifecycleRow } from './deps.js';

/**
 * The figures AWS documents, with their sources, and our assumptions where it documents none
 * (said so). The same reasoning as the suite's benchmark timeline.
 */
export const AWS_TIMINGS = {
  /**
   * A Fargate task from CreateTaskSet to RUNNING: capacity, network interface, the whole image
   * pulled (Fargate caches no layers), the container started: "30-45 seconds or longer".
   * https://repost.aws/questions/QUjZAzJd27SZWxXM7MgyxOZw
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-pull-behavior.html
   */
  fargateTaskStartSeconds: 40,
  /**
   * After the deregistration delay ECS sends SIGTERM, then SIGKILL after stopTimeout (30 s on
   * Fargate by default); an idle app exits within a second: our assumption.
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-connection-draining.html
   */
  taskStopSeconds: 1,
  /** Moving a listener to the other target group: our assumption (AWS documents no figure). */
  listenerSwitchSeconds: 5,
  /** The controller's own bookkeeping for a phase with no hook: our assumption. */
  stepSeconds: 2,
} as const;

/** A target group's settings that time a release (ELBv2 DescribeTargetGroups and its attributes). */
export interface TargetGroupTiming {
  /** A new target serves after one passing check; the first comes within an interval (assumed). */
  healthCheckIntervalSeconds: number;
  /** How long a deregistered target keeps its connections: undefined when it could not be read. */
  deregistrationDelaySeconds?: number;
}

/** How production traffic moves to green. */
export type TrafficShift =
  | { kind: 'all-at-once' }
  /** `percent` more every `minutes` until 100%. */
  | { kind: 'linear'; percent: number; minutes: number }
  /** `percent` at once, the rest after `minutes`. */
  | { kind: 'canary'; percent: number; minutes: number };

export interface TimelineSettings {
  controller: 'CODE_DEPLOY' | 'ECS';
  /** Undefined: not known (a custom deployment config the action did not read). */
  shift?: TrafficShift;
  /** CodeDeploy: minutes the blue task set lives on after the switch; undefined when not known. */
  terminationWaitMinutes?: number;
  /** ECS: minutes both revisions run after production moved (bakeTimeInMinutes). */
  bakeTimeMinutes?: number;
  /** Undefined: the target group could not be read. */
  targetGroup?: TargetGroupTiming;
  /** Why a figure is unknown, one line per read that failed (the warning's text). */
  unknownBecause?: string[];
}

export interface ExpectedPhase {
  name: string;
  /** AWS seconds; undefined when a setting it depends on is unknown. */
  seconds?: number;
  /** What sets it, e.g. `40 s start + one check within 5 s`. */
  basis: string;
}

/** The phase after AfterAllowTraffic: CodeDeploy keeps blue for the wait, then drains and stops it. */
export const TERMINATION_PHASE = 'Termination wait';

const T = AWS_TIMINGS;
const step = (name: string): ExpectedPhase => ({ name, seconds: T.stepSeconds, basis: 'assumed' });

/**
 * Task start plus the health check a new target must pass before it serves: one, whatever the
 * healthy threshold (which counts only for a target coming back from unhealthy). When the first
 * check is sent is not documented: one interval is our assumption.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-healthcheck.html
 */
function healthy(name: string, group: TargetGroupTiming | undefined): ExpectedPhase {
  if (!group) return { name, basis: 'target group not read' };
  const interval = group.healthCheckIntervalSeconds;
  return {
    name,
    seconds: T.fargateTaskStartSeconds + interval,
    basis: `${T.fargateTaskStartSeconds} s start + one check within ${interval} s`,
  };
}

/**
 * Production traffic moving: at once, or N% then the rest after M minutes (canary), or N% more
 * every M minutes (linear: ceil(100/N) shifts, M minutes apart).
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html#deployment-configuration-ecs
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-linear.html
 */
function production(name: string, shift: TrafficShift | undefined): ExpectedPhase {
  const every = T.listenerSwitchSeconds;
  if (!shift) return { name, basis: 'deployment config not read' };
  if (shift.kind === 'all-at-once') return { name, seconds: every, basis: 'all at once' };
  if (shift.kind === 'canary') {
    return {
      name,
      seconds: shift.minutes * 60 + 2 * every,
      basis: `canary ${shift.percent}%, then ${shift.minutes} min`,
    };
  }
  const shifts = Math.ceil(100 / shift.percent);
  return {
    name,
    seconds: (shifts - 1) * shift.minutes * 60 + shifts * every,
    basis: `${shifts} steps of ${shift.percent}%, ${shift.minutes} min apart`,
  };
}

/** Blue's targets drained (the deregistration delay) and its tasks stopped. */
function drainSeconds(group: TargetGroupTiming | undefined): number | undefined {
  const delay = group?.deregistrationDelaySeconds;
  return delay === undefined ? undefined : delay + T.taskStopSeconds;
}

/**
 * CodeDeploy's ECS lifecycle, in order.
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-ecs
 */
function codedeployPhases(settings: TimelineSettings): ExpectedPhase[] {
  const wait = settings.terminationWaitMinutes;
  const drain = drainSeconds(settings.targetGroup);
  const termination: ExpectedPhase =
    wait === undefined || drain === undefined
      ? {
          name: TERMINATION_PHASE,
          basis: wait === undefined ? 'termination wait not known' : `${wait} min + deregistration delay not read`,
        }
      : {
          name: TERMINATION_PHASE,
          seconds: wait * 60 + drain,
          basis: `${wait} min + ${settings.targetGroup!.deregistrationDelaySeconds} s deregistration delay`,
        };
  return [
    step('BeforeInstall'),
    healthy('Install', settings.targetGroup),
    step('AfterInstall'),
    { name: 'AllowTestTraffic', seconds: T.listenerSwitchSeconds, basis: 'test listener switch' },
    step('AfterAllowTestTraffic'),
    step('BeforeAllowTraffic'),
    production('AllowTraffic', settings.shift),
    step('AfterAllowTraffic'),
    termination,
  ];
}

/**
 * ECS's own blue/green, linear and canary deployments, by lifecycle stage.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-deployment-how-it-works.html
 */
function ecsPhases(settings: TimelineSettings): ExpectedPhase[] {
  const bake = settings.bakeTimeMinutes;
  const drain = drainSeconds(settings.targetGroup);
  return [
    step('RECONCILE_SERVICE'),
    step('PRE_SCALE_UP'),
    healthy('SCALE_UP', settings.targetGroup),
    step('POST_SCALE_UP'),
    { name: 'TEST_TRAFFIC_SHIFT', seconds: T.listenerSwitchSeconds, basis: 'test listener switch' },
    step('POST_TEST_TRAFFIC_SHIFT'),
    production('PRODUCTION_TRAFFIC_SHIFT', settings.shift),
    step('POST_PRODUCTION_TRAFFIC_SHIFT'),
    bake === undefined
      ? { name: 'BAKE_TIME', basis: 'bake time not known' }
      : { name: 'BAKE_TIME', seconds: bake * 60, basis: `${bake} min bake time` },
    drain === undefined
      ? { name: 'CLEAN_UP', basis: 'deregistration delay not read' }
      : {
          name: 'CLEAN_UP',
          seconds: drain,
          basis: `${settings.targetGroup!.deregistrationDelaySeconds} s deregistration delay`,
        },
  ];
}

export function expectedPhases(settings: TimelineSettings): ExpectedPhase[] {
  return settings.controller === 'CODE_DEPLOY' ? codedeployPhases(settings) : ecsPhases(settings);
}

/**
 * A deployment config's traffic shift: the predefined CodeDeployDefault.ECS* ones by name (AWS
 * documents them), a custom one from its trafficRoutingConfig when it was read.
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html#deployment-configuration-ecs
 */
export function codedeployShift(
  name: string,
  routing?: {
    type?: string;
    timeBasedLinear?: { linearPercentage?: number; linearInterval?: number };
    timeBasedCanary?: { canaryPercentage?: number; canaryInterval?: number };
  },
): TrafficShift | undefined {
  const predefined =
    /^CodeDeployDefault\.ECS(?:AllAtOnce|Linear(\d+)PercentEvery(\d+)Minutes?|Canary(\d+)Percent(\d+)Minutes?)$/.exec(
      name,
    );
  if (predefined) {
    const [, lp, lm, cp, cm] = predefined;
    if (lp && lm) return { kind: 'linear', percent: Number(lp), minutes: Number(lm) };
    if (cp && cm) return { kind: 'canary', percent: Number(cp), minutes: Number(cm) };
    return { kind: 'all-at-once' };
  }
  if (routing?.type === 'AllAtOnce') return { kind: 'all-at-once' };
  const linear = routing?.timeBasedLinear;
  if (routing?.type === 'TimeBasedLinear' && linear?.linearPercentage && linear.linearInterval !== undefined) {
    return { kind: 'linear', percent: linear.linearPercentage, minutes: linear.linearInterval };
  }
  const canary = routing?.timeBasedCanary;
  if (routing?.type === 'TimeBasedCanary' && canary?.canaryPercentage && canary.canaryInterval !== undefined) {
    return { kind: 'canary', percent: canary.canaryPercentage, minutes: canary.canaryInterval };
  }
  return undefined;
}

/**
 * An ECS service's traffic shift. LINEAR defaults to 10% every 6 minutes, CANARY to 5% then 10
 * minutes, when the service leaves them out.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_LinearConfiguration.html
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CanaryConfiguration.html
 */
export function ecsShift(configuration?: {
  strategy?: string;
  linearConfiguration?: { stepPercent?: number; stepBakeTimeInMinutes?: number };
  canaryConfiguration?: { canaryPercent?: number; canaryBakeTimeInMinutes?: number };
}): TrafficShift {
  if (configuration?.strategy === 'LINEAR') {
    const linear = configuration.linearConfiguration;
    return { kind: 'linear', percent: linear?.stepPercent ?? 10, minutes: linear?.stepBakeTimeInMinutes ?? 6 };
  }
  if (configuration?.strategy === 'CANARY') {
    const canary = configuration.canaryConfiguration;
    return { kind: 'canary', percent: canary?.canaryPercent ?? 5, minutes: canary?.canaryBakeTimeInMinutes ?? 10 };
  }
  return { kind: 'all-at-once' };
}

// ---------------------------------------------------------------------------------------------
// Expected beside actual

export interface TimelineRow {
  phase: string;
  expected?: number;
  basis: string;
  /** Seconds it took, when it ran to its end. */
  actual?: number;
  /** What happened instead when it did not end: `Skipped`, `Failed`, `InProgress`, `not reached`. */
  status?: string;
}

const seconds = (start?: Date, end?: Date) =>
  start && end ? Math.max(0, (end.getTime() - start.getTime()) / 1000) : undefined;

/** When the termination wait ran: from AfterAllowTraffic's end to the deployment's. */
function terminationRow(
  record: DeploymentRecord,
  last: LifecycleRow | undefined,
): Pick<TimelineRow, 'actual' | 'status'> {
  if (record.finishingTermination) return { status: 'not watched to its end' };
  if (last?.status !== 'Succeeded' || !record.endTime) return { status: 'not reached' };
  return { actual: seconds(last.endTime, record.endTime) };
}

/** Each expected phase with what the deployment recorded for it, in the expected order. */
export function timelineRows(expected: ExpectedPhase[], record: DeploymentRecord | undefined): TimelineRow[] {
  const found = expected.map((phase) => record?.lifecycle.find((r) => r.name === phase.name));
  // ECS reports one stage per poll, so a short stage can pass unseen: one seen later shows it ran.
  const lastSeen = found.reduce((last, row, i) => (row ? i : last), -1);
  return expected.map((phase, i) => {
    const row: TimelineRow = { phase: phase.name, expected: phase.seconds, basis: phase.basis };
    if (!record) return { ...row, status: 'not reached' };
    if (phase.name === TERMINATION_PHASE) {
      const last = record.lifecycle.find((r) => r.name === 'AfterAllowTraffic');
      return { ...row, ...terminationRow(record, last) };
    }
    const seen = found[i];
    if (!seen)
      return { ...row, status: record.kind === 'ecs' && i < lastSeen ? 'passed between two polls' : 'not reached' };
    if (seen.status === 'Pending' || !seen.startTime) return { ...row, status: 'not reached' };
    const took = seconds(seen.startTime, seen.endTime);
    if (seen.status === 'Succeeded' && took !== undefined) return { ...row, actual: took };
    // Still running when the action let go: stopped by it (timeout, cancel), or left to run.
    if (seen.status === 'InProgress' && took === undefined) {
      return { ...row, status: record.stoppedBecause ? 'stopped while running' : 'still running' };
    }
    return { ...row, actual: took, status: seen.status };
  });
}

/** The sum of the expected phases; undefined when any is unknown. */
export function expectedTotal(expected: ExpectedPhase[]): number | undefined {
  let total = 0;
  for (const phase of expected) {
    if (phase.seconds === undefined) return undefined;
    total += phase.seconds;
  }
  return total;
}
