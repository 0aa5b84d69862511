/**
 * The benchmarks that need the sandbox: a no-op push of the deploy workflow's actions beside the
 * naive strategy, and pushes that do deploy (all at once, and linear under load), for how fast
 * the end of a deployment is noticed, how many calls watching it costs, and whether any request
 * fails while traffic moves.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { CodeDeployClient, CreateDeploymentConfigCommand, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import type { CallRecord } from '../sandbox/contracts.js';
import { naiveDeploy, type NaiveResult } from './naive.js';
import { countBy, formatCounts, isRead, median, ms, ratio, seconds, type Row } from './measure.js';
import {
  CLUSTER,
  CODEDEPLOY_APPLICATION,
  commitWorkspace,
  CONTAINER,
  CONTAINER_PORT,
  DEPLOYMENT_GROUP,
  runDeployPush,
  SERVICE,
  startRehearsal,
  type Rehearsal,
} from './rehearsal.js';

/** deploy-bluegreen's default poll-interval-seconds (its action.yml); the workflow keeps it. */
const DEFAULT_POLL_SECONDS = 5;

interface CallSummary {
  reads: number;
  writes: number;
  byOperation: Map<string, number>;
  registrations: number;
  deployments: number;
}

function summarise(calls: CallRecord[]): CallSummary {
  const succeeded = calls.filter((c) => !c.errorCode);
  return {
    reads: calls.filter((c) => isRead(c.operation)).length,
    writes: calls.filter((c) => !isRead(c.operation)).length,
    byOperation: countBy(calls, (c) => c.operation),
    registrations: succeeded.filter((c) => c.operation === 'RegisterTaskDefinition').length,
    deployments: succeeded.filter((c) => c.operation === 'CreateDeployment').length,
  };
}

function codedeployClient(rehearsal: Rehearsal): CodeDeployClient {
  return new CodeDeployClient({
    endpoint: rehearsal.env.AWS_ENDPOINT_URL,
    region: rehearsal.sandbox.region,
    credentials: {
      accessKeyId: rehearsal.env.AWS_ACCESS_KEY_ID!,
      secretAccessKey: rehearsal.env.AWS_SECRET_ACCESS_KEY!,
    },
  });
}

/** createTime and completeTime of a deployment, as CodeDeploy (the sandbox) reports them. */
async function deploymentTimes(
  rehearsal: Rehearsal,
  deploymentId: string,
): Promise<{ created: number; completed: number }> {
  const client = codedeployClient(rehearsal);
  try {
    const info = (await client.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo;
    if (info?.status !== 'Succeeded' || !info.createTime || !info.completeTime) {
      throw new Error(`deployment ${deploymentId} is ${info?.status ?? 'unknown'}, not Succeeded`);
    }
    return { created: info.createTime.getTime(), completed: info.completeTime.getTime() };
  } finally {
    client.destroy();
  }
}

/** Calls per minute from the first CreateDeployment call to `until` (epoch ms). */
function watchingRate(calls: CallRecord[], until: number): { perMinute: number; count: number; spanMs: number } {
  const create = calls.find((c) => c.operation === 'CreateDeployment' && !c.errorCode);
  if (!create) return { perMinute: NaN, count: 0, spanMs: 0 };
  const from = Date.parse(create.time);
  const watching = calls.filter((c) => Date.parse(c.time) > from && Date.parse(c.time) <= until);
  const spanMs = until - from;
  return { perMinute: (watching.length / spanMs) * 60_000, count: watching.length, spanMs };
}

/** `2.5x faster` when the suite took less than the naive way, `1.3x slower` otherwise. */
function compare(naive: number, suite: number, better: string, worse: string): string {
  return naive >= suite ? `${ratio(naive, suite)} ${better}` : `${ratio(suite, naive)} ${worse}`;
}

/** Clients hammering the production listener until stopped: requests sent and failed. */
function startLoad(
  url: string,
  clients: number,
): { stop(): Promise<{ sent: number; failed: number; failures: string[] }> } {
  let running = true;
  let sent = 0;
  let failed = 0;
  const failures: string[] = [];
  const loop = async () => {
    while (running) {
      sent++;
      try {
        const response = await fetch(`${url}/host`, { signal: AbortSignal.timeout(10_000) });
        await response.arrayBuffer();
        if (response.status !== 200) {
          failed++;
          if (failures.length < 5) failures.push(`HTTP ${response.status}`);
        }
      } catch (error) {
        failed++;
        if (failures.length < 5) failures.push(String((error as Error).cause ?? error));
      }
    }
  };
  const loops = Array.from({ length: clients }, loop);
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { sent, failed, failures };
    },
  };
}

/** A source change, committed: the next push builds a new image and deploys it. */
function changeApp(rehearsal: Rehearsal, label: string): void {
  appendFileSync(join(rehearsal.workspace, 'app', 'src', 'server.js'), `// bench change: ${label}\n`);
  commitWorkspace(rehearsal.workspace, `bench change: ${label}`);
}

interface NaiveRun {
  result: NaiveResult;
  calls: CallRecord[];
  /** Real ms from CodeDeploy's completeTime to the script's return. */
  delay: number;
  watch: ReturnType<typeof watchingRate>;
}

/** The naive strategy once, with the deployment group's config unless one is given. */
async function runNaive(rehearsal: Rehearsal, deploymentConfigName?: string): Promise<NaiveRun> {
  const before = rehearsal.sandbox.calls().length;
  const result = await naiveDeploy({
    env: rehearsal.env,
    workspace: rehearsal.workspace,
    repositoryUrl: String(rehearsal.foundationOutputs.repository_url),
    tag: `naive-${Date.now()}`,
    cluster: CLUSTER,
    service: SERVICE,
    codedeployApplication: CODEDEPLOY_APPLICATION,
    deploymentGroup: DEPLOYMENT_GROUP,
    deploymentConfigName,
    containerName: CONTAINER,
    containerPort: CONTAINER_PORT,
    executionRoleArn: String(rehearsal.foundationOutputs.execution_role_arn),
    taskRoleArn: String(rehearsal.foundationOutputs.task_role_arn),
  });
  const exitedAt = Date.now();
  const calls = rehearsal.sandbox.calls(before);
  const times = await deploymentTimes(rehearsal, result.deploymentId);
  return { result, calls, delay: exitedAt - times.completed, watch: watchingRate(calls, exitedAt) };
}

export interface DeployBenchOptions {
  timeScale: number;
  noOpRuns: number;
  /** The watched linear deployment's step interval in AWS minutes (10 steps). */
  linearIntervalMinutes: number;
  log: (line: string) => void;
}

export async function measureDeploys(options: DeployBenchOptions): Promise<Row[]> {
  const { log } = options;
  const rehearsal = await startRehearsal({ timeScale: options.timeScale, desiredCount: 2 });
  const rows: Row[] = [];
  try {
    // --- No-op push: the deploy workflow's steps with nothing changed since Init.
    const noOpWall: number[] = [];
    let noOp: CallSummary | undefined;
    let noOpSteps = '';
    for (let i = 0; i < options.noOpRuns; i++) {
      const before = rehearsal.sandbox.calls().length;
      const push = await runDeployPush(rehearsal);
      if (push.build.outputs.built !== 'false' || push.deploy.outputs.deployed !== 'false') {
        throw new Error(
          `the no-op push changed something: built=${push.build.outputs.built} deployed=${push.deploy.outputs.deployed}`,
        );
      }
      noOpWall.push(push.wallMs);
      noOp = summarise(rehearsal.sandbox.calls(before));
      noOpSteps = `build-image ${ms(push.build.durationMs)}, deploy-bluegreen ${ms(push.deploy.durationMs)}, smoke-test ${ms(push.smoke.durationMs)}`;
    }
    log(`no-op push: ${formatCounts(noOp!.byOperation)}; ${noOpSteps}`);

    // --- The naive strategy on the same no-op push, same sandbox and time scale.
    const naiveNoOp = await runNaive(rehearsal);
    const naive = naiveNoOp.result;
    const naiveCalls = naiveNoOp.calls;
    const naiveSummary = summarise(naiveCalls);
    log(`naive: ${formatCounts(naiveSummary.byOperation)}; build ${ms(naive.buildMs)}, deploy ${ms(naive.deployMs)}`);

    const suiteWall = median(noOpWall);
    const suiteCalls = noOp!.reads + noOp!.writes;
    rows.push(
      {
        area: 'no-op push',
        measure: `wall time, 3 steps (median of ${options.noOpRuns}) vs naive build + register + deploy + wait`,
        suite: ms(suiteWall),
        baseline: ms(naive.wallMs),
        ratio: compare(naive.wallMs, suiteWall, 'faster', 'slower'),
      },
      {
        area: 'no-op push',
        measure: 'AWS read calls',
        suite: `${noOp!.reads} (${formatCounts(noOp!.byOperation)})`,
        baseline: `${naiveSummary.reads} (${formatCounts(
          countBy(
            naiveCalls.filter((c) => isRead(c.operation)),
            (c) => c.operation,
          ),
        )})`,
        ratio: ratio(naiveSummary.reads, noOp!.reads),
        target: '<= 4',
        met: noOp!.reads <= 4,
        note: 'build-image / deploy-bluegreen',
      },
      {
        area: 'no-op push',
        measure: 'AWS write calls',
        suite: String(noOp!.writes),
        baseline: `${naiveSummary.writes} (${formatCounts(
          countBy(
            naiveCalls.filter((c) => !isRead(c.operation)),
            (c) => c.operation,
          ),
        )})`,
        target: '0',
        met: noOp!.writes === 0,
        note: 'deploy-bluegreen',
      },
      {
        area: 'no-op push',
        measure: 'AWS calls in all',
        suite: String(suiteCalls),
        baseline: String(naiveCalls.length),
        ratio: `${ratio(naiveCalls.length, suiteCalls)} fewer`,
      },
      {
        area: 'no-op push',
        measure: 'images built and pushed',
        suite: '0',
        baseline: `1 (docker ${ms(naive.buildMs)} with the sandbox's shim)`,
      },
      {
        area: 'no-op push',
        measure: 'task definition revisions registered',
        suite: String(noOp!.registrations),
        baseline: String(naiveSummary.registrations),
        target: '0',
        met: noOp!.registrations === 0,
        note: 'deploy-bluegreen',
      },
      {
        area: 'no-op push',
        measure: 'deployments created',
        suite: String(noOp!.deployments),
        baseline: String(naiveSummary.deployments),
        target: '0',
        met: noOp!.deployments === 0,
        note: 'deploy-bluegreen',
      },
    );

    // --- Pushes that deploy: known sandbox durations, the end noticed, calls while watching.
    // All at once is over in seconds at this time scale. Calls per minute need a deployment that
    // is watched for a real minute or more: a linear config of 10% every 7 AWS minutes (63 AWS
    // minutes of shifting, over a minute at scale 60), with clients hammering the production URL.
    // (Quick mode: every 1 minute, so the rate is taken over about 15 s.)
    const every = options.linearIntervalMinutes;
    const longLinear = `Bench.ECSLinear10PercentEvery${every}Minutes`;
    const client = codedeployClient(rehearsal);
    await client.send(
      new CreateDeploymentConfigCommand({
        deploymentConfigName: longLinear,
        computePlatform: 'ECS',
        trafficRoutingConfig: {
          type: 'TimeBasedLinear',
          timeBasedLinear: { linearPercentage: 10, linearInterval: every },
        },
      }),
    );
    client.destroy();
    const configs = [
      { name: 'CodeDeployDefault.ECSAllAtOnce', short: 'all at once', long: false },
      { name: longLinear, short: `linear 10% every ${every} min`, long: true },
    ];
    for (const config of configs) {
      changeApp(rehearsal, config.name);
      const before = rehearsal.sandbox.calls().length;
      let load: ReturnType<typeof startLoad> | undefined;
      let loadResult: Awaited<ReturnType<ReturnType<typeof startLoad>['stop']>> | undefined;
      // The load runs from before deploy-bluegreen starts until it exits.
      const push = await runDeployPush(
        rehearsal,
        { 'deployment-config': config.name },
        {
          beforeDeploy: () => {
            if (config.long) load = startLoad(rehearsal.productionUrl, 4);
          },
          afterDeploy: async () => {
            loadResult = await load?.stop();
          },
        },
      );
      const calls = rehearsal.sandbox.calls(before);
      if (push.build.outputs.built !== 'true' || push.deploy.outputs.deployed !== 'true') {
        throw new Error(`the push did not build and deploy: ${JSON.stringify(push.deploy.outputs)}`);
      }
      const times = await deploymentTimes(rehearsal, push.deploy.outputs['deployment-id']!);
      const delay = push.deployExitedAt - times.completed;
      const watch = watchingRate(calls, push.deployExitedAt);
      const duration = seconds(times.completed - times.created);
      // The naive strategy beside it: its no-op run was all at once; the long config is run again.
      const naiveRun = config.long ? await runNaive(rehearsal, config.name) : naiveNoOp;
      const naiveWatch = naiveRun.watch;
      log(
        `${config.short}: deployment ${duration}, exit ${ms(delay)} after completeTime, ` +
          `${watch.count} calls in ${seconds(watch.spanMs)} (${formatCounts(countBy(calls, (c) => c.operation))})`,
      );
      rows.push({
        area: 'push with a change',
        measure: `${config.short}: wall time, 3 steps (build, deploy and watch, smoke) vs naive`,
        suite: ms(push.wallMs),
        baseline: ms(naiveRun.result.wallMs),
        ratio: compare(naiveRun.result.wallMs, push.wallMs, 'faster', 'slower'),
      });
      rows.push({
        area: 'deployment watching',
        measure: `${config.short}: action exit after completeTime (deployment ${duration} in the sandbox; poll ${DEFAULT_POLL_SECONDS} s)`,
        suite: ms(delay),
        baseline: `naive waiter (15 s, backing off): ${ms(naiveRun.delay)}`,
        ratio: compare(naiveRun.delay, delay, 'sooner', 'later'),
        target: `<= ${DEFAULT_POLL_SECONDS + 1} s`,
        met: delay <= (DEFAULT_POLL_SECONDS + 1) * 1000,
        note: 'deploy-bluegreen',
      });
      if (config.long) {
        rows.push({
          area: 'deployment watching',
          measure: `${config.short}: AWS calls per minute while watching (${watch.count} calls in ${seconds(watch.spanMs)} after CreateDeployment)`,
          suite: watch.perMinute.toFixed(1),
          baseline: `naive waiter: ${naiveWatch.perMinute.toFixed(1)} (${naiveWatch.count} in ${seconds(naiveWatch.spanMs)})`,
          target: watch.spanMs >= 60_000 ? '<= 30' : '<= 30 (judged over >= 1 min of watching)',
          // A rate over less than a minute of watching is dominated by the first calls: not judged.
          met: watch.spanMs >= 60_000 ? watch.perMinute <= 30 : undefined,
          note: 'deploy-bluegreen',
        });
      } else {
        rows.push({
          area: 'deployment watching',
          measure: `${config.short}: AWS calls after CreateDeployment until the action exits`,
          suite: `${watch.count} in ${seconds(watch.spanMs)}`,
          baseline: `naive: ${naiveWatch.count} in ${seconds(naiveWatch.spanMs)}`,
        });
      }
      if (loadResult) {
        rows.push({
          area: 'blue/green under load',
          measure: `${config.short}: requests sent / failed while deploy-bluegreen ran (4 clients)`,
          suite: `${loadResult.sent} / ${loadResult.failed}`,
          target: '0 failed',
          met: loadResult.failed === 0,
          note: loadResult.failed
            ? `sandbox listener or deploy-bluegreen: ${loadResult.failures.join('; ')}`
            : undefined,
        });
        const stack = rehearsal.sandbox.stacks()[0];
        const listener = stack ? rehearsal.sandbox.lb.listener(stack.listeners.production) : undefined;
        if (listener) log(`production listener stats: ${JSON.stringify(listener.stats())}`);
      }
    }
  } finally {
    await rehearsal.stop();
  }
  return rows;
}
