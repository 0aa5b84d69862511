/**
 * End to end in the local AWS sandbox: the sample app (app/) is built into sandbox ECR from its
 * own Dockerfile and build context, deployed blue/green from app/task-definition.json with the
 * deploy-bluegreen bundle, and the smoke-test bundle then proves on the production listener that
 * the deployed image answers, from every running task.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeTasksCommand, ECSClient, ListTasksCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import { contextFiles } from '../../../sandbox/runtime/images.js';
import { repoRoot, runAction, type ActionRun } from '../../../testing/run-action.js';

const REGION = 'eu-west-1';
const CLUSTER = 'main';
const SERVICE = 'sample-app';
const APP_DIR = join(repoRoot, 'app');

let sandbox: RunningSandbox;
let ecs: ECSClient;
let scratch: string;
const images: Record<'v1' | 'v2', string> = { v1: '', v2: '' };

/** Builds a build context into sandbox ECR, as the docker shim does for build-image; returns the digest reference. */
async function buildApp(contextDir: string, tag: string): Promise<string> {
  const { digest } = await sandbox.build({
    tags: [`${sandbox.registry}/${SERVICE}:${tag}`],
    dockerfile: readFileSync(join(contextDir, 'Dockerfile'), 'utf8'),
    buildArgs: {},
    platform: 'linux/amd64',
    files: contextFiles(contextDir),
  });
  return `${sandbox.registry}/${SERVICE}@${digest}`;
}

/** The hostnames of the service's running tasks, from DescribeTasks (ECS's own view). */
async function runningTaskHostnames(): Promise<string[]> {
  const { taskArns } = await ecs.send(
    new ListTasksCommand({ cluster: CLUSTER, serviceName: SERVICE, desiredStatus: 'RUNNING' }),
  );
  if (!taskArns?.length) return [];
  const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: taskArns }));
  return (tasks ?? [])
    .filter((t) => t.lastStatus === 'RUNNING')
    .map((t) => t.containers?.[0]?.networkInterfaces?.[0]?.privateIpv4Address)
    .map((ip) => `ip-${ip!.replace(/\./g, '-')}.${REGION}.compute.internal`)
    .sort();
}

const explain = (run: ActionRun) => `exit ${run.code}\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`;

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 60, region: REGION });
  const env = sandbox.clientEnv();
  const config = {
    region: REGION,
    endpoint: env.AWS_ENDPOINT_URL,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  };
  ecs = new ECSClient(config);
  await new ECRClient(config).send(new CreateRepositoryCommand({ repositoryName: SERVICE }));
  images.v1 = await buildApp(APP_DIR, 'v1');
  // v2: the same app with another version number, so its content (and digest) differ.
  scratch = mkdtempSync(join(tmpdir(), 'smoke-e2e-'));
  const v2Dir = join(scratch, 'app');
  cpSync(APP_DIR, v2Dir, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(v2Dir, 'package.json'), 'utf8')) as { version: string };
  writeFileSync(join(v2Dir, 'package.json'), JSON.stringify({ ...pkg, version: '2.0.0' }, null, 2));
  images.v2 = await buildApp(v2Dir, 'v2');
}, 60_000);

afterAll(async () => {
  ecs?.destroy();
  await sandbox?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 30_000);

test('after a blue/green deploy of the app, smoke-test on production sees the deployed image from every running task', async () => {
  expect(images.v2).not.toBe(images.v1);

  // The first revision, from the template as the init workflow registers it, serving v1.
  const template = JSON.parse(readFileSync(join(APP_DIR, 'task-definition.json'), 'utf8')) as {
    containerDefinitions: { image: string; environment: { name: string; value: string }[] }[];
  };
  template.containerDefinitions[0]!.image = images.v1;
  template.containerDefinitions[0]!.environment.push({ name: 'IMAGE_URI', value: images.v1 });
  const first = await ecs.send(new RegisterTaskDefinitionCommand(template as never));
  const stack = await sandbox.stack({
    cluster: CLUSTER,
    service: SERVICE,
    taskDefinition: first.taskDefinition!.taskDefinitionArn!,
    containerName: 'app',
    containerPort: 3000,
    desiredCount: 2,
    controller: 'CODE_DEPLOY',
    codedeployApplication: SERVICE,
    deploymentGroup: `${SERVICE}-dg`,
    deploymentConfig: 'CodeDeployDefault.ECSAllAtOnce',
    terminationWaitMinutes: 0,
  });
  const smoke = (inputs: Record<string, string>) =>
    runAction('smoke-test', {
      inputs: { url: stack.productionUrl, 'expect-json': `imageUri=${images.v2}`, ...inputs },
      killAfterMs: 90_000,
    });

  // Before the deploy the old image answers: the check fails and names both images.
  const before = await smoke({ 'timeout-seconds': '1' });
  expect(before.code).toBe(1);
  expect(before.errors[0]).toContain(`imageUri: expected "${images.v2}", got "${images.v1}"`);

  // Started alongside the deploy, smoke-test keeps trying while v1 answers and passes once v2 does.
  const during = smoke({ 'timeout-seconds': '60', requests: '10' });
  const deploy = await runAction('deploy-bluegreen', {
    inputs: {
      cluster: CLUSTER,
      service: SERVICE,
      'container-name': 'app',
      image: images.v2,
      'task-definition': 'app/task-definition.json',
      environment: `IMAGE_URI=${images.v2}`,
      'poll-interval-seconds': '0.2',
    },
    env: sandbox.clientEnv(),
    killAfterMs: 90_000,
  });
  expect(deploy.code).toBe(0);
  expect(deploy.outputs).toMatchObject({ deployed: 'true', status: 'Succeeded' });
  const duringRun = await during;
  // The switch cost no request an error: old tasks drained and shut down gracefully.
  const stats = Object.values(sandbox.lb.listener(stack.listeners.production)!.stats());
  expect(stats.reduce((n, s) => n + s.served, 0)).toBeGreaterThan(0);
  expect(stats.reduce((n, s) => n + s.failed, 0)).toBe(0);
  expect(duringRun.outputs.passed).toBe('true');
  expect(Number(duringRun.outputs.attempts)).toBeGreaterThan(1);
  expect(duringRun.stdout).toContain(`got "${images.v1}"; retrying in`);

  // After it: every request answers with v2, and every running task answered some of them.
  const hostnames = await runningTaskHostnames();
  expect(hostnames).toHaveLength(2);
  const after = await smoke({ requests: '40', concurrency: '4', 'timeout-seconds': '10' });
  if (after.code !== 0) throw new Error(explain(after));
  expect(after.outputs.passed).toBe('true');
  for (const host of JSON.parse(duringRun.outputs.hosts!) as string[]) expect(hostnames).toContain(host);
  expect(after.outputs.attempts).toBe('1');
  expect(JSON.parse(after.outputs.hosts!)).toEqual(hostnames);
  // The table shows the differing part of long values; the full values are folded below it.
  expect(after.summary).toMatch(/\| imageUri \| ✅ \|/);
  expect(after.summary).toContain(`- expected: \`${images.v2}\`\n  - observed: \`${images.v2}\``);
  console.log(
    `smoke-test on the sandbox production listener: 40 requests at concurrency 4, p50 ${after.outputs['p50-ms']} ms, ` +
      `p95 ${after.outputs['p95-ms']} ms, hosts ${after.outputs.hosts}; during the deploy it took ${duringRun.outputs.attempts} attempts`,
  );
}, 180_000);
