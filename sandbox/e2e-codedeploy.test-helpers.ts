/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read API answers as loose JSON */
/**
 * Shared by the CodeDeploy end-to-end tests (e2e-codedeploy-*.test.ts): the whole sandbox
 * in-process (startSandbox) at SANDBOX_TIME_SCALE 60, real AWS SDK v3 clients over real HTTP, a
 * fixture image built through POST /_sandbox/build and a service stack from POST /_sandbox/stack;
 * steps to deploy a version and follow the deployment, a steady stream of real requests through
 * the production listener, and a poller of the deployment target's weights.
 */
import { expect } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  type DeploymentInfo,
  type ECSTarget,
} from '@aws-sdk/client-codedeploy';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { startSandbox } from './index.js';
import type { Sandbox } from './contracts.js';

const TIME_SCALE = 60;
const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
const REPOSITORY = 'e2e-web';
export const CLUSTER = 'e2e';
export const SERVICE = 'web';
export const APP = 'e2e-app';
export const GROUP = 'e2e-dg';
export const CONTAINER = 'web';
export const PORT = 8080;
/** Every fixture process carries this in its command line, so the suite can prove none is left. */
export const MARKER = `e2e-codedeploy-${randomUUID()}`;
export const ORDER = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
];

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

export // Live bindings: the test files read them once startE2eSandbox has set them.
let sandbox: Sandbox;
export let codedeploy: CodeDeployClient;
export let ecs: ECSClient;
export let productionUrl: string;
export let testUrl: string;
export const taskDefinitions: string[] = [];
export let lastDeploymentId: string | undefined;
export const portsSeen = new Set<number>();
export const extraPorts: number[] = [];

export const credentials = { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox-secret' };

export async function control(path: string, body?: unknown): Promise<any> {
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

export async function createDeployment(
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

export async function getDeployment(id: string): Promise<DeploymentInfo> {
  return (await codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo!;
}

export async function getTarget(id: string, targetId = `${CLUSTER}:${SERVICE}`): Promise<ECSTarget> {
  const out = await codedeploy.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId }));
  return out.deploymentTarget!.ecsTarget!;
}

export async function untilDone(
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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Traffic: a steady stream of requests and a poller of the deployment target's weights

interface Sample {
  start: number;
  end: number;
  ok: boolean;
  version?: string;
  detail?: string;
}

export async function requestOnce(url: string): Promise<Sample> {
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

export function startLoad(url: string, concurrency = 4): { samples: Sample[]; stop(): Promise<Sample[]> } {
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

export function pollWeights(id: string): { samples: WeightSample[]; stop(): Promise<WeightSample[]> } {
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

export async function productionVersions(count: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const sample = await requestOnce(productionUrl);
    expect(sample.detail ?? '').toBe('');
    out.push(sample.version!);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The sandbox of one test file

/** Starts the sandbox, builds the fixture image and makes the stack serving v1 (as `beforeAll`). */
export async function startE2eSandbox(): Promise<void> {
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
}

/**
 * Closes the clients and stops the sandbox unless a test already did (as `afterAll`); fails when a
 * fixture process outlives it, so a file without its own leak test still proves none is left.
 */
export async function stopE2eSandbox(alreadyStopped = false): Promise<void> {
  codedeploy?.destroy();
  ecs?.destroy();
  if (sandbox && !alreadyStopped) await sandbox.stop();
  const left = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(MARKER) && !line.includes('ps -eo'));
  if (left.length > 0) throw new Error(`fixture processes left running after the sandbox stopped:\n${left.join('\n')}`);
}
