/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read API answers as loose JSON */
/**
 * End to end: the whole sandbox in-process (startSandbox), real AWS SDK v3 clients over real
 * HTTP, a fixture image built through POST /_sandbox/build, a service stack from
 * POST /_sandbox/stack, and real HTTP traffic through the production listener. Proves for
 * CodeDeploy:
 *
 * - full blue/green with ECSAllAtOnce and ECSLinear10PercentEvery1Minutes (SANDBOX_TIME_SCALE 60):
 *   lifecycle events in AWS order, weights stepping as the config says, and the share of real
 *   responses from green following those weights (tolerance: 12 percentage points per step);
 * - a steady stream of at least 1,000 requests during a full blue/green with zero failures;
 * - StopDeployment with rollback returns all production traffic to blue;
 * - a failing lifecycle event (fault) and crashing green tasks (fault) end Failed with
 *   errorInformation and the tasks' stoppedReason;
 * - a second CreateDeployment while one is active raises DeploymentLimitExceededException;
 * - throttling faults raise ThrottlingException, which the SDK retries;
 * - after the suite nothing is left running: no task processes, no open ports.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import {
  CodeDeployClient,
  ContinueDeploymentCommand,
  CreateDeploymentCommand,
  DeploymentDoesNotExistException,
  DeploymentLimitExceededException,
  InvalidRevisionException,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  StopDeploymentCommand,
  ThrottlingException,
  type DeploymentInfo,
  type ECSTarget,
} from '@aws-sdk/client-codedeploy';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeTasksCommand, ECSClient, ListTasksCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { startSandbox } from './index.js';
import type { Sandbox } from './contracts.js';

const TIME_SCALE = 60;
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const REPOSITORY = 'e2e-web';
const CLUSTER = 'e2e';
const SERVICE = 'web';
const APP = 'e2e-app';
const GROUP = 'e2e-dg';
const CONTAINER = 'web';
const PORT = 8080;
/** Every fixture process carries this in its command line, so the suite can prove none is left. */
const MARKER = `e2e-codedeploy-${randomUUID()}`;
const ORDER = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
];
const SHARE_TOLERANCE = 12; // percentage points

const SERVER_SOURCE = `
import http from 'node:http';
const version = process.env.APP_VERSION ?? 'unknown';
const server = http.createServer((req, res) => {
  if (req.url === '/health') { res.writeHead(200); res.end('ok'); return; }
  const body = JSON.stringify({ version, hostname: process.env.HOSTNAME, port: Number(process.env.PORT) });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 2000;
server.listen(Number(process.env.PORT ?? ${PORT}), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
});
`;

const DOCKERFILE = `FROM node:20-alpine
WORKDIR /app
COPY server.mjs ./
EXPOSE ${PORT}
CMD ["node", "server.mjs", "${MARKER}"]
`;

let sandbox: Sandbox;
let codedeploy: CodeDeployClient;
let ecs: ECSClient;
let productionUrl: string;
let testUrl: string;
const taskDefinitions: string[] = [];
/** The version the production listener serves now (the last successful deployment's). */
let serving = 'v1';
let lastDeploymentId: string | undefined;
let sandboxStopped = false;
const portsSeen = new Set<number>();
const extraPorts: number[] = [];

const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox-secret' };

async function control(path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${sandbox.endpoint}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : {};
}

/** `containerHealthCheck`: a container health check (a cheap command), which the unhealthy-task fault makes fail. */
async function registerVersion(version: string, containerHealthCheck = false): Promise<string> {
  const out = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'e2e-web',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: CONTAINER,
          image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${REPOSITORY}:fixture`,
          essential: true,
          portMappings: [{ containerPort: PORT, protocol: 'tcp' }],
          environment: [{ name: 'APP_VERSION', value: version }],
          ...(containerHealthCheck
            ? { healthCheck: { command: ['CMD-SHELL', 'exit 0'], interval: 5, timeout: 2, retries: 2, startPeriod: 0 } }
            : {}),
        },
      ],
    }),
  );
  return out.taskDefinition!.taskDefinitionArn!;
}

function appSpec(taskDefinition: string): string {
  return JSON.stringify({
    version: 0.0,
    Resources: [
      {
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: {
            TaskDefinition: taskDefinition,
            LoadBalancerInfo: { ContainerName: CONTAINER, ContainerPort: PORT },
          },
        },
      },
    ],
  });
}

async function createDeployment(
  version: string,
  deploymentConfigName: string,
  containerHealthCheck = false,
  group = { applicationName: APP, deploymentGroupName: GROUP },
): Promise<string> {
  const taskDefinition = await registerVersion(version, containerHealthCheck);
  taskDefinitions.push(taskDefinition);
  const out = await codedeploy.send(
    new CreateDeploymentCommand({
      ...group,
      deploymentConfigName,
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec(taskDefinition) } },
    }),
  );
  lastDeploymentId = out.deploymentId!;
  return out.deploymentId!;
}

async function getDeployment(id: string): Promise<DeploymentInfo> {
  return (await codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo!;
}

async function getTarget(id: string, targetId = `${CLUSTER}:${SERVICE}`): Promise<ECSTarget> {
  const out = await codedeploy.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId }));
  return out.deploymentTarget!.ecsTarget!;
}

async function untilDone(
  id: string,
  timeoutMs = 30_000,
  statuses = ['Succeeded', 'Failed', 'Stopped'],
): Promise<DeploymentInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await getDeployment(id);
    if (statuses.includes(info.status!)) return info;
    if (Date.now() > deadline) throw new Error(`deployment ${id} still ${info.status} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Traffic: a steady stream of requests and a poller of the deployment target's weights

interface Sample {
  start: number;
  end: number;
  ok: boolean;
  version?: string;
  detail?: string;
}

async function requestOnce(url: string): Promise<Sample> {
  const start = Date.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    if (response.status !== 200)
      return { start, end: Date.now(), ok: false, detail: `HTTP ${response.status}: ${text.slice(0, 200)}` };
    const body = JSON.parse(text) as { version: string; port: number };
    portsSeen.add(body.port);
    return { start, end: Date.now(), ok: true, version: body.version };
  } catch (error) {
    return { start, end: Date.now(), ok: false, detail: String(error) };
  }
}

function startLoad(url: string, concurrency = 4): { samples: Sample[]; stop(): Promise<Sample[]> } {
  const samples: Sample[] = [];
  let running = true;
  const workers = Array.from({ length: concurrency }, async () => {
    while (running) samples.push(await requestOnce(url));
  });
  return {
    samples,
    async stop() {
      running = false;
      await Promise.all(workers);
      return samples;
    },
  };
}

interface WeightSample {
  time: number;
  green: number;
  events: Record<string, string>;
}

function pollWeights(id: string): { samples: WeightSample[]; stop(): Promise<WeightSample[]> } {
  const samples: WeightSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const target = await getTarget(id).catch(() => undefined);
      if (target) {
        const green = target.taskSetsInfo?.find((ts) => ts.taskSetLabel === 'Green')?.trafficWeight ?? 0;
        const events = Object.fromEntries(
          (target.lifecycleEvents ?? []).map((e) => [e.lifecycleEventName!, e.status!]),
        );
        samples.push({ time: Date.now(), green, events });
      }
      await sleep(40);
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

async function productionVersions(count: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const sample = await requestOnce(productionUrl);
    expect(sample.detail ?? '').toBe('');
    out.push(sample.version!);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: TIME_SCALE, account: ACCOUNT, region: REGION });
  const clientConfig = { endpoint: sandbox.endpoint, region: REGION, credentials };
  codedeploy = new CodeDeployClient(clientConfig);
  ecs = new ECSClient(clientConfig);
  await new ECRClient(clientConfig).send(new CreateRepositoryCommand({ repositoryName: REPOSITORY }));
  await control('/_sandbox/build', {
    tags: [`${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${REPOSITORY}:fixture`],
    dockerfile: DOCKERFILE,
    buildArgs: {},
    platform: 'linux/amd64',
    files: [
      { path: 'server.mjs', kind: 'file', mode: 0o644, contentBase64: Buffer.from(SERVER_SOURCE).toString('base64') },
    ],
  });
  const first = await registerVersion('v1');
  taskDefinitions.push(first);
  const stack = await control('/_sandbox/stack', {
    cluster: CLUSTER,
    service: SERVICE,
    taskDefinition: first,
    containerName: CONTAINER,
    containerPort: PORT,
    desiredCount: 2,
    controller: 'CODE_DEPLOY',
    codedeployApplication: APP,
    deploymentGroup: GROUP,
    deploymentConfig: 'CodeDeployDefault.ECSAllAtOnce',
    readyWait: 'CONTINUE',
    terminationWaitMinutes: 0,
    healthCheckPath: '/health',
    healthCheckIntervalSeconds: 5,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
    deregistrationDelaySeconds: 10,
  });
  productionUrl = stack.productionUrl;
  testUrl = stack.testUrl;
  expect(await productionVersions(5)).toEqual(['v1', 'v1', 'v1', 'v1', 'v1']);
}, 60_000);

afterAll(async () => {
  codedeploy?.destroy();
  ecs?.destroy();
  if (sandbox && !sandboxStopped) await sandbox.stop();
});

describe('CodeDeploy blue/green end to end (real SDK, real HTTP)', () => {
  it('ECSAllAtOnce: lifecycle in AWS order, all traffic moves at AllowTraffic, no failed request', async () => {
    const load = startLoad(productionUrl);
    // Some traffic on blue first, however slowly a loaded machine serves it.
    while (load.samples.length < 20) await sleep(20);
    const id = await createDeployment('v2', 'CodeDeployDefault.ECSAllAtOnce');
    const weights = pollWeights(id);
    const done = await untilDone(id);
    const polled = await weights.stop();
    await sleep(300);
    const samples = await load.stop();

    expect(done.status).toBe('Succeeded');
    expect(done.completeTime).toBeInstanceOf(Date);
    const target = await getTarget(id);
    expect(target.lifecycleEvents!.map((e) => e.lifecycleEventName)).toEqual(ORDER);
    expect(target.lifecycleEvents!.every((e) => e.status === 'Succeeded')).toBe(true);
    const starts = target.lifecycleEvents!.map((e) => e.startTime!.getTime());
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    // Weights seen while it ran: only 0 and 100 for ECSAllAtOnce.
    expect(polled.every((s) => s.green === 0 || s.green === 100)).toBe(true);
    // The last poll may precede the switch by a few ms; the finished deployment's target may not.
    expect(target.taskSetsInfo!.find((ts) => ts.taskSetLabel === 'Green')?.trafficWeight).toBe(100);

    const failed = samples.filter((s) => !s.ok);
    expect(failed).toEqual([]);
    const allowTraffic = target.lifecycleEvents!.find((e) => e.lifecycleEventName === 'AllowTraffic')!;
    const before = samples.filter((s) => s.end < allowTraffic.startTime!.getTime());
    const after = samples.filter((s) => s.start > done.completeTime!.getTime());
    expect(before.length).toBeGreaterThan(10);
    expect(before.every((s) => s.version === 'v1')).toBe(true);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((s) => s.version === 'v2')).toBe(true);
    // The test listener reached green before production did.
    expect((await requestOnce(testUrl)).version).toBe('v2');
    serving = 'v2';
  }, 40_000);

  it('ECSLinear10PercentEvery1Minutes: weights step by 10, green share of 1,000+ real requests follows them, zero failures', async () => {
    const load = startLoad(productionUrl);
    const id = await createDeployment('v3', 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes');
    const weights = pollWeights(id);
    const done = await untilDone(id, 40_000);
    const polled = await weights.stop();
    await sleep(300);
    const samples = await load.stop();

    expect(done.status).toBe('Succeeded');
    const target = await getTarget(id);
    expect(target.lifecycleEvents!.map((e) => e.lifecycleEventName)).toEqual(ORDER);

    // Every weight GetDeploymentTarget reported is a step of the config, in increasing order.
    const distinct = [...new Set(polled.map((s) => s.green))];
    for (const w of distinct) expect(w % 10).toBe(0);
    expect(distinct).toEqual([...distinct].sort((a, b) => a - b));
    expect(distinct.filter((w) => w > 0 && w < 100).length).toBeGreaterThanOrEqual(7);

    // Share of green responses per step: count a request toward weight w when the polls just
    // before it started and just after it ended both said w.
    const byWeight = new Map<number, { green: number; total: number }>();
    for (const s of samples) {
      const before = [...polled].reverse().find((p) => p.time <= s.start);
      const after = polled.find((p) => p.time >= s.end);
      if (!before || !after || before.green !== after.green || !s.ok) continue;
      if (before.events.AllowTraffic !== 'InProgress') continue;
      const bucket = byWeight.get(before.green) ?? { green: 0, total: 0 };
      bucket.total += 1;
      if (s.version === 'v3') bucket.green += 1;
      byWeight.set(before.green, bucket);
    }
    const checked = [...byWeight.entries()].filter(([, b]) => b.total >= 40);
    expect(checked.length).toBeGreaterThanOrEqual(6);
    const shares = checked.map(([weight, b]) => ({
      weight,
      share: Math.round((b.green * 100) / b.total),
      requests: b.total,
    }));
    if (process.env.SANDBOX_E2E_REPORT) {
      process.stderr.write(
        `linear shift: ${samples.length} requests, ${samples.filter((s) => !s.ok).length} failed; ` +
          `green share per weight: ${JSON.stringify(shares)}\n`,
      );
    }
    const outside = shares.filter((s) => Math.abs(s.share - s.weight) > SHARE_TOLERANCE);
    expect(outside).toEqual([]);

    expect(samples.length).toBeGreaterThanOrEqual(1000);
    expect(samples.filter((s) => !s.ok)).toEqual([]);
    serving = 'v3';
  }, 60_000);

  it('StopDeployment with rollback returns all production traffic to blue; a second CreateDeployment meanwhile is refused', async () => {
    const id = await createDeployment('v4', 'CodeDeployDefault.ECSLinear10PercentEvery3Minutes');
    const deadline = Date.now() + 20_000;
    for (;;) {
      const green = (await getTarget(id)).taskSetsInfo?.find((ts) => ts.taskSetLabel === 'Green')?.trafficWeight ?? 0;
      if (green >= 10) break;
      if (Date.now() > deadline) throw new Error('the linear shift never started');
      await sleep(50);
    }
    expect((await productionVersions(60)).filter((v) => v === 'v4').length).toBeGreaterThan(0);

    const second = await createDeployment('v5', 'CodeDeployDefault.ECSAllAtOnce').catch((e: unknown) => e);
    expect(second).toBeInstanceOf(DeploymentLimitExceededException);
    expect((second as Error).message).toBe(`The Deployment Group '${GROUP}' already has an active Deployment '${id}'`);

    await codedeploy.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }));
    const stopped = await getDeployment(id);
    expect(stopped.status).toBe('Stopped');
    const rollbackId = stopped.rollbackInfo?.rollbackDeploymentId;
    expect(rollbackId).toMatch(/^d-[A-Z0-9]{9}$/);
    const rollback = await untilDone(rollbackId!);
    expect(rollback.status).toBe('Succeeded');
    expect(rollback.rollbackInfo?.rollbackTriggeringDeploymentId).toBe(id);
    expect(new Set(await productionVersions(50))).toEqual(new Set([serving]));
    const restored = (await getTarget(rollbackId!)).taskSetsInfo!.find((ts) => ts.trafficWeight === 100);
    expect(restored).toBeDefined();
  }, 40_000);

  it('a failing lifecycle event (fault) ends the deployment Failed with errorInformation; production stays on blue', async () => {
    await control('/_sandbox/faults', { failLifecycleEvent: 'AfterAllowTestTraffic' });
    try {
      const id = await createDeployment('v6', 'CodeDeployDefault.ECSAllAtOnce');
      const failed = await untilDone(id);
      expect(failed.status).toBe('Failed');
      expect(failed.errorInformation?.code).toBeTruthy();
      expect(failed.errorInformation?.message).toContain('AfterAllowTestTraffic');
      const events = (await getTarget(id)).lifecycleEvents!;
      const failedEvent = events.find((e) => e.status === 'Failed');
      expect(failedEvent?.lifecycleEventName).toBe('AfterAllowTestTraffic');
      expect(failedEvent?.diagnostics?.message).toBeTruthy();
      expect(events.find((e) => e.lifecycleEventName === 'AllowTraffic')?.status).toBe('Skipped');
      if (failed.rollbackInfo?.rollbackDeploymentId) await untilDone(failed.rollbackInfo.rollbackDeploymentId);
      expect(new Set(await productionVersions(30))).toEqual(new Set([serving]));
    } finally {
      await control('/_sandbox/faults', {});
    }
  }, 40_000);

  it('crashing green tasks (fault) fail Install with ECS_UPDATE_ERROR and the tasks stoppedReason', async () => {
    await control('/_sandbox/faults', { crashNewTasks: { afterMs: 0 } });
    let id: string;
    try {
      id = await createDeployment('v7', 'CodeDeployDefault.ECSAllAtOnce');
      const failed = await untilDone(id);
      expect(failed.status).toBe('Failed');
      expect(failed.errorInformation?.code).toBe('ECS_UPDATE_ERROR');
      const install = (await getTarget(id)).lifecycleEvents!.find((e) => e.lifecycleEventName === 'Install')!;
      expect(install.status).toBe('Failed');
      // The message carries the stoppedReason ECS reports for the crashed tasks.
      const stoppedArns =
        (await ecs.send(new ListTasksCommand({ cluster: CLUSTER, desiredStatus: 'STOPPED' }))).taskArns ?? [];
      const stopped = stoppedArns.length
        ? ((await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: stoppedArns }))).tasks ?? [])
        : [];
      const reasons = new Set(stopped.map((t) => t.stoppedReason).filter((r): r is string => Boolean(r)));
      expect(reasons.size).toBeGreaterThan(0);
      expect([...reasons].some((reason) => failed.errorInformation!.message!.includes(reason))).toBe(true);
      if (failed.rollbackInfo?.rollbackDeploymentId) await untilDone(failed.rollbackInfo.rollbackDeploymentId);
    } finally {
      await control('/_sandbox/faults', {});
    }
    expect(new Set(await productionVersions(20))).toEqual(new Set([serving]));
  }, 40_000);

  it('green tasks failing their health checks (fault) fail Install with their stoppedReason', async () => {
    await control('/_sandbox/faults', { unhealthyNewTasks: {} });
    try {
      const id = await createDeployment('v8', 'CodeDeployDefault.ECSAllAtOnce', true);
      const failed = await untilDone(id);
      expect(failed.status).toBe('Failed');
      expect(failed.errorInformation?.code).toBe('ECS_UPDATE_ERROR');
      expect(failed.errorInformation?.message).toContain('Task failed container health checks');
      if (failed.rollbackInfo?.rollbackDeploymentId) await untilDone(failed.rollbackInfo.rollbackDeploymentId);
    } finally {
      await control('/_sandbox/faults', {});
    }
    expect(new Set(await productionVersions(20))).toEqual(new Set([serving]));
  }, 40_000);

  it('throttling faults raise ThrottlingException, which the SDK retries', async () => {
    await control('/_sandbox/faults', { throttle: { ListDeploymentTargets: 0.5 } });
    const before = (await control('/_sandbox/calls')).length as number;
    try {
      const id = lastDeploymentId!;
      for (let i = 0; i < 6; i++) {
        const out = await codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId: id }));
        expect(out.targetIds).toEqual([`${CLUSTER}:${SERVICE}`]);
      }
      const calls = ((await control('/_sandbox/calls')) as any[]).slice(before);
      const throttled = calls.filter(
        (c) => c.operation === 'ListDeploymentTargets' && c.errorCode === 'ThrottlingException',
      );
      expect(throttled.length).toBeGreaterThanOrEqual(3);

      const noRetry = new CodeDeployClient({ endpoint: sandbox.endpoint, region: REGION, credentials, maxAttempts: 1 });
      const errors: unknown[] = [];
      for (let i = 0; i < 2; i++) {
        await noRetry
          .send(new ListDeploymentTargetsCommand({ deploymentId: id }))
          .catch((e: unknown) => errors.push(e));
      }
      noRetry.destroy();
      expect(errors.length).toBe(1);
      expect(errors[0]).toBeInstanceOf(ThrottlingException);
    } finally {
      await control('/_sandbox/faults', {});
    }
  });
});

describe('ready wait and termination wait (second stack with readyWait STOP)', () => {
  it('waits Ready with test traffic on green until ContinueDeployment, then holds blue until TERMINATION_WAIT is skipped', async () => {
    const group = { applicationName: 'e2e-ready-app', deploymentGroupName: 'e2e-ready-dg' };
    const stack = await control('/_sandbox/stack', {
      cluster: 'e2e-ready',
      service: 'ready-web',
      taskDefinition: taskDefinitions[0],
      containerName: CONTAINER,
      containerPort: PORT,
      desiredCount: 1,
      controller: 'CODE_DEPLOY',
      codedeployApplication: group.applicationName,
      deploymentGroup: group.deploymentGroupName,
      deploymentConfig: 'CodeDeployDefault.ECSAllAtOnce',
      readyWait: 'STOP',
      readyWaitMinutes: 60,
      terminationWaitMinutes: 60,
      healthCheckPath: '/health',
      healthCheckIntervalSeconds: 5,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
      deregistrationDelaySeconds: 10,
    });
    extraPorts.push(Number(new URL(stack.productionUrl).port), Number(new URL(stack.testUrl).port));
    const versionAt = async (url: string) => (await requestOnce(url)).version;
    expect(await versionAt(stack.productionUrl)).toBe('v1');

    const id = await createDeployment('r2', 'CodeDeployDefault.ECSAllAtOnce', false, group);
    const ready = await untilDone(id, 20_000, ['Ready', 'Failed', 'Stopped', 'Succeeded']);
    expect(ready.status).toBe('Ready');
    const target = await getTarget(id, 'e2e-ready:ready-web');
    expect(target.status).toBe('Ready');
    expect(target.lifecycleEvents!.filter((e) => e.status === 'Succeeded').map((e) => e.lifecycleEventName)).toEqual(
      ORDER.slice(0, 5),
    );
    expect(await versionAt(stack.testUrl)).toBe('r2');
    expect(await versionAt(stack.productionUrl)).toBe('v1');

    await codedeploy.send(new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }));
    const deadline = Date.now() + 20_000;
    let waiting = await getDeployment(id);
    while (!waiting.instanceTerminationWaitTimeStarted && Date.now() < deadline) {
      await sleep(50);
      waiting = await getDeployment(id);
    }
    // Traffic moved, the original task set still runs: AWS reports InProgress until it is gone.
    expect(waiting.status).toBe('InProgress');
    expect(await versionAt(stack.productionUrl)).toBe('r2');
    const sets = (await getTarget(id, 'e2e-ready:ready-web')).taskSetsInfo!;
    expect(sets.map((ts) => [ts.taskSetLabel, ts.trafficWeight]).sort()).toEqual([
      ['Blue', 0],
      ['Green', 100],
    ]);

    await codedeploy.send(new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'TERMINATION_WAIT' }));
    expect((await untilDone(id, 20_000)).status).toBe('Succeeded');
    expect(await versionAt(stack.productionUrl)).toBe('r2');
  }, 40_000);
});

describe('CodeDeploy mistakes raise the SDK exception classes AWS names', () => {
  it('unknown deployment, bad AppSpec', async () => {
    await expect(codedeploy.send(new GetDeploymentCommand({ deploymentId: 'd-AAAAAAAAA' }))).rejects.toBeInstanceOf(
      DeploymentDoesNotExistException,
    );
    const badAppSpec = codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: APP,
        deploymentGroupName: GROUP,
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: 'version: 1\nResources: []' } },
      }),
    );
    await expect(badAppSpec).rejects.toBeInstanceOf(InvalidRevisionException);
  });
});

describe('after the sandbox stops', () => {
  it('leaves no task process and no open port behind', async () => {
    const ports = [
      ...portsSeen,
      new URL(productionUrl).port,
      new URL(testUrl).port,
      new URL(sandbox.endpoint).port,
      ...extraPorts,
    ].map(Number);
    expect(portsSeen.size).toBeGreaterThanOrEqual(2);
    sandboxStopped = true;
    await sandbox.stop();
    const processes = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(MARKER) && !line.includes('ps -eo'));
    expect(processes).toEqual([]);
    for (const port of ports) expect(await accepts(port)).toBe(false);
  });
});

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
