/**
 * The push-to-serving timeline of a release, in AWS time: a one-line source change from the push
 * to production serving 100% of the new version and to the end of the deployment, and a failed
 * release from the push to production back on 100% of the old one. Twice, side by side: with the
 * Terraform stacks' own defaults (read from their variables.tf with @cdktf/hcl2json, so the
 * figures follow the code) and with AWS's defaults (30 s x 5 health checks, 300 s deregistration
 * delay, 5-minute termination wait, a cold build).
 *
 * The phases' durations are sandbox/runtime/aws-timings.ts's: documented AWS figures with their
 * sources, and our assumptions where AWS documents none. The deployment part is also run in the
 * sandbox with the same settings and recorded (bench/timeline-sandbox.ts), so the model and the
 * sandbox are held to each other. CodeDeploy's ECS lifecycle:
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-ecs
 *
 *   npx tsx bench/timeline.ts
 */
import { parse } from '@cdktf/hcl2json';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AWS_TIMINGS as T } from '../sandbox/runtime/aws-timings.js';
import { repoRoot } from '../testing/run-action.js';
import { markdownTable, type Row } from './measure.js';
import { recordRelease, RECORDING_TIME_SCALE, type RecordedRelease } from './timeline-sandbox.js';

export interface ReleaseSettings {
  label: string;
  healthCheckIntervalSeconds: number;
  healthyThreshold: number;
  deregistrationDelaySeconds: number;
  terminationWaitMinutes: number;
  deploymentConfig: string;
  /** A warm layer cache (build-image's registry cache) or a cold build. */
  warmCache: boolean;
  /** The 5xx alarm that stops a bad release: its period and evaluation periods. */
  alarmPeriodSeconds: number;
  alarmEvaluationPeriods: number;
}

export interface TimelineEvent {
  event: string;
  /** What sets its duration, e.g. `2 checks x 5 s`. */
  detail?: string;
  /** AWS seconds since the push. */
  at: number;
}

export interface Timeline {
  settings: ReleaseSettings;
  events: TimelineEvent[];
  buildDone: number;
  allNew: number;
  end: number;
}

/** `m:ss` of AWS seconds. */
export function minutesSeconds(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A successful release of a one-line change, AllAtOnce, with a test listener. */
export function releaseTimeline(settings: ReleaseSettings): Timeline {
  if (settings.deploymentConfig !== 'CodeDeployDefault.ECSAllAtOnce') {
    throw new Error(`The timeline models CodeDeployDefault.ECSAllAtOnce only, not ${settings.deploymentConfig}`);
  }
  const events: TimelineEvent[] = [];
  let t = 0;
  const at = (event: string, seconds: number, detail?: string) => {
    t += seconds;
    events.push({ event, at: t, detail });
    return t;
  };
  at('push', 0);
  const buildDone = at(
    'image built',
    (settings.warmCache ? T.warmBuild : T.coldBuild).seconds,
    settings.warmCache ? 'warm cache' : 'cold',
  );
  at('image pushed to ECR', (settings.warmCache ? T.warmPush : T.coldPush).seconds);
  at('task definition registered, deployment created', T.registerAndCreate.seconds);
  at('BeforeInstall', T.lifecycleStep.seconds);
  at('Install: replacement tasks RUNNING', T.fargateTaskStart.seconds, 'Fargate start, image pull');
  // A new target needs one passing check, whatever the healthy threshold.
  at(
    'Install: targets healthy',
    settings.healthCheckIntervalSeconds,
    `one passing check, within ${settings.healthCheckIntervalSeconds} s`,
  );
  at('AfterInstall', T.lifecycleStep.seconds);
  at('AllowTestTraffic: test listener on green', T.listenerSwitch.seconds);
  at('AfterAllowTestTraffic: test traffic checked', T.testTrafficCheck.seconds);
  at('BeforeAllowTraffic', T.lifecycleStep.seconds);
  const allNew = at('AllowTraffic: production serves 100% new', T.listenerSwitch.seconds);
  at('AfterAllowTraffic', T.lifecycleStep.seconds);
  at('termination wait over', settings.terminationWaitMinutes * 60, `${settings.terminationWaitMinutes} min`);
  at('blue targets drained', settings.deregistrationDelaySeconds, `${settings.deregistrationDelaySeconds} s`);
  const end = at('blue tasks stopped: end of deployment', T.taskStop.seconds);
  return { settings, events, buildDone, allNew, end };
}

export interface FailedRelease {
  /** When the new version starts failing: as it takes all traffic. */
  failure: number;
  alarm: number;
  allOld: number;
  /** The blue tasks were still there to switch back to (the termination wait had not run out). */
  blueStillUp: boolean;
}

/**
 * A release whose new version fails once it takes production traffic (5xx): the 5xx alarm goes
 * off, CodeDeploy stops the deployment and moves the listener back to the blue tasks, which the
 * termination wait kept. https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html
 */
export function failedRelease(settings: ReleaseSettings): FailedRelease {
  const ok = releaseTimeline(settings);
  const failure = ok.allNew;
  const alarm = failure + T.metricLag.seconds + settings.alarmPeriodSeconds * settings.alarmEvaluationPeriods;
  const blueStillUp = alarm - failure < settings.terminationWaitMinutes * 60;
  // With the blue tasks gone, a rollback is a whole new deployment of the old revision.
  const back = blueStillUp
    ? T.listenerSwitch.seconds
    : T.registerAndCreate.seconds + T.fargateTaskStart.seconds + settings.healthCheckIntervalSeconds;
  return { failure, alarm, allOld: alarm + back, blueStillUp };
}

type Block = Record<string, unknown>;

async function terraformFile(path: string): Promise<Block> {
  return (await parse(path, readFileSync(join(repoRoot, path), 'utf8'))) as Block;
}

function variableDefault(files: Block[], name: string): unknown {
  for (const file of files) {
    const variable = (file.variable as Record<string, Block[]> | undefined)?.[name]?.[0];
    if (variable && 'default' in variable) return variable.default;
  }
  throw new Error(`No default for variable ${name} in the service stack or its modules`);
}

/** The service stack's settings as its variables.tf (then its modules') set them by default. */
export async function stackDefaults(): Promise<ReleaseSettings> {
  const stack = await terraformFile('terraform/stacks/service/variables.tf');
  const alb = await terraformFile('terraform/modules/alb/variables.tf');
  const service = await terraformFile('terraform/modules/ecs-bluegreen-service/variables.tf');
  const serviceMain = await terraformFile('terraform/modules/ecs-bluegreen-service/main.tf');
  const files = [stack, alb, service];
  const num = (name: string) => Number(variableDefault(files, name));
  const alarm = (serviceMain.resource as Record<string, Record<string, Block[]>>).aws_cloudwatch_metric_alarm!
    .http_5xx![0]!;
  return {
    label: "the stacks' defaults",
    healthCheckIntervalSeconds: num('health_check_interval_seconds'),
    healthyThreshold: num('healthy_threshold'),
    deregistrationDelaySeconds: num('deregistration_delay_seconds'),
    terminationWaitMinutes: num('blue_termination_wait_minutes'),
    deploymentConfig: String(variableDefault(files, 'deployment_config_name')),
    warmCache: true,
    alarmPeriodSeconds: Number(alarm.period),
    alarmEvaluationPeriods: Number(alarm.evaluation_periods),
  };
}

/** AWS's defaults where the stack sets its own, the rest (alarm, deployment config) as the stack's. */
export function awsDefaults(stack: ReleaseSettings): ReleaseSettings {
  return {
    ...stack,
    label: "AWS's defaults",
    healthCheckIntervalSeconds: T.healthCheckDefaults.seconds,
    healthyThreshold: 5,
    deregistrationDelaySeconds: T.deregistrationDelayDefault.seconds,
    terminationWaitMinutes: T.terminationWaitDefault.seconds / 60,
    warmCache: false,
  };
}

/** The targets a release is held to (seconds, share). */
export const TIMELINE_TARGETS = { buildToAllNew: 180, shareOfAwsDefaults: 1 / 3, failureToAllOld: 180 };

/** `record`: also run the deployment in the sandbox for both settings (about 45 s). */
export async function measureTimeline(options: { record: boolean } = { record: true }): Promise<Row[]> {
  const stack = await stackDefaults();
  const aws = awsDefaults(stack);
  const ours = releaseTimeline(stack);
  const theirs = releaseTimeline(aws);
  const cell = (e: TimelineEvent) => `${minutesSeconds(e.at)}${e.detail ? ` (${e.detail})` : ''}`;
  const rows: Row[] = ours.events.map((e, i) => ({
    area: 'release timeline',
    measure: `${e.event} (AWS m:ss after the push)`,
    suite: cell(e),
    baseline: cell(theirs.events[i]!),
  }));
  const buildToNew = ours.allNew - ours.buildDone;
  rows.push({
    area: 'release timeline',
    measure: "end of build to 100% new, the stacks' defaults (AllAtOnce, warm cache)",
    suite: minutesSeconds(buildToNew),
    baseline: `AWS's defaults: ${minutesSeconds(theirs.allNew - theirs.buildDone)}`,
    target: `<= ${minutesSeconds(TIMELINE_TARGETS.buildToAllNew)}`,
    met: buildToNew <= TIMELINE_TARGETS.buildToAllNew,
  });
  const share = ours.allNew / theirs.allNew;
  rows.push({
    area: 'release timeline',
    measure: "push to 100% new: the stacks' defaults against AWS's",
    suite: minutesSeconds(ours.allNew),
    baseline: minutesSeconds(theirs.allNew),
    ratio: `${share.toFixed(2)}x`,
    target: '<= 1/3',
    met: share <= TIMELINE_TARGETS.shareOfAwsDefaults,
    // What is left once a new target needs one passing check: no stack setting shortens it.
    note: "Fargate's task start and CodeDeploy's steps, in both columns",
  });
  rows.push({
    area: 'release timeline',
    measure: 'push to end of deployment (blue tasks stopped)',
    suite: minutesSeconds(ours.end),
    baseline: minutesSeconds(theirs.end),
    ratio: `${(ours.end / theirs.end).toFixed(2)}x`,
  });
  const failedOurs = failedRelease(stack);
  const failedTheirs = failedRelease(aws);
  const describe = (f: FailedRelease) =>
    `failure ${minutesSeconds(f.failure)}, alarm ${minutesSeconds(f.alarm)}, 100% old ${minutesSeconds(f.allOld)}${f.blueStillUp ? '' : ' (blue gone: redeployed)'}`;
  rows.push({
    area: 'release timeline',
    measure: 'failed release (5xx once it serves): push to back on 100% old',
    suite: describe(failedOurs),
    baseline: describe(failedTheirs),
  });
  rows.push({
    area: 'release timeline',
    measure: "failed release: failure to back on 100% old, the stacks' defaults",
    suite: minutesSeconds(failedOurs.allOld - failedOurs.failure),
    baseline: `AWS's defaults: ${minutesSeconds(failedTheirs.allOld - failedTheirs.failure)}`,
    target: `<= ${minutesSeconds(TIMELINE_TARGETS.failureToAllOld)}`,
    met: failedOurs.allOld - failedOurs.failure <= TIMELINE_TARGETS.failureToAllOld,
  });
  if (options.record) rows.push(...recordedRows(ours, await recordRelease(stack), theirs, await recordRelease(aws)));
  return rows;
}

/**
 * The deployment part of the model beside the same deployment run in the sandbox (its health
 * checks, draining, termination wait and Fargate's start time, on its clock), from CreateDeployment on.
 */
export function recordedRows(
  ours: Timeline,
  oursRecorded: RecordedRelease,
  theirs: Timeline,
  theirsRecorded: RecordedRelease,
): Row[] {
  const since = (t: Timeline, event: string) => {
    const created = t.events.find((e) => e.event.startsWith('task definition registered'))!.at;
    return t.events.find((e) => e.event.startsWith(event))!.at - created;
  };
  const cell = (recorded: number, modelled: number) =>
    `${minutesSeconds(recorded)} (model ${minutesSeconds(modelled)})`;
  const row = (measure: string, pick: (r: RecordedRelease) => number, event: string): Row => ({
    area: 'release timeline, recorded',
    measure: `${measure} (AWS m:ss after CreateDeployment, sandbox at scale ${RECORDING_TIME_SCALE})`,
    suite: cell(pick(oursRecorded), since(ours, event)),
    baseline: cell(pick(theirsRecorded), since(theirs, event)),
  });
  return [
    row('replacement tasks healthy (end of Install)', (r) => r.replacementHealthy, 'Install: targets healthy'),
    row('production serves 100% new (end of AllowTraffic)', (r) => r.allNew, 'AllowTraffic'),
    row('deployment Succeeded', (r) => r.end, 'blue tasks stopped'),
    {
      area: 'release timeline, recorded',
      measure: 'StopDeployment with rollback once it serves, to production back on 100% old (AWS m:ss)',
      suite: `${minutesSeconds(oursRecorded.stopToAllOld)} (model ${minutesSeconds(T.listenerSwitch.seconds)})`,
      baseline: `${minutesSeconds(theirsRecorded.stopToAllOld)} (model ${minutesSeconds(T.listenerSwitch.seconds)})`,
    },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(markdownTable(await measureTimeline()));
}
