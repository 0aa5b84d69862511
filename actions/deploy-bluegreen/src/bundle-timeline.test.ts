/**
 * The release timeline, from the outside: the bundled action run as a process against the sandbox
 * logs the expected phases before the deployment starts and writes Phase | Expected | Actual to the
 * job summary; with the target group read refused it says unknown, warns once and still deploys.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { fixtureBuildRequest, startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import { runAction, type ActionRun } from '../../../testing/run-action.js';
import { versionsServed } from '../../../testing/sample-app.js';

const TIME_SCALE = 60;
const REGION = 'eu-west-1';
const CONTAINER = 'app';
const PORT = 8080;

let sandbox: RunningSandbox;
let ecs: ECSClient;
const images: Record<string, string> = {};
let workdir: string;
let serviceCount = 0;

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: TIME_SCALE, region: REGION });
  const env = sandbox.clientEnv();
  const config = {
    region: REGION,
    endpoint: env.AWS_ENDPOINT_URL,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  };
  ecs = new ECSClient(config);
  await new ECRClient(config).send(new CreateRepositoryCommand({ repositoryName: 'web' }));
  for (const version of ['v1', 'v2']) {
    const { digest } = await sandbox.build(fixtureBuildRequest([`${sandbox.registry}/web:${version}`], { version }));
    images[version] = `${sandbox.registry}/web@${digest}`;
  }
  workdir = mkdtempSync(join(tmpdir(), 'deploy-bluegreen-timeline-'));
}, 60_000);

afterAll(async () => {
  ecs?.destroy();
  await sandbox?.stop();
}, 30_000);

/**
 * A service running v1 behind target groups checked every 5 s, healthy after 2 checks, drained
 * in 30 s (the service stack's settings), with a 1-minute termination wait or a 1-minute bake.
 */
async function newStack(controller: 'CODE_DEPLOY' | 'ECS') {
  serviceCount++;
  const service = `tl${serviceCount}`;
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: service,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        { name: CONTAINER, image: images.v1, essential: true, portMappings: [{ containerPort: PORT }] },
      ],
    }),
  );
  const stack = await sandbox.stack({
    cluster: 'main',
    service,
    taskDefinition: registered.taskDefinition!.taskDefinitionArn!,
    containerName: CONTAINER,
    containerPort: PORT,
    desiredCount: 1,
    controller,
    strategy: controller === 'ECS' ? 'BLUE_GREEN' : undefined,
    codedeployApplication: controller === 'CODE_DEPLOY' ? `${service}-app` : undefined,
    deploymentGroup: controller === 'CODE_DEPLOY' ? `${service}-dg` : undefined,
    deploymentConfig: controller === 'CODE_DEPLOY' ? 'CodeDeployDefault.ECSAllAtOnce' : undefined,
    terminationWaitMinutes: 1,
    bakeTimeInMinutes: controller === 'ECS' ? 1 : undefined,
    healthCheckIntervalSeconds: 5,
    healthyThreshold: 2,
    deregistrationDelaySeconds: 30,
  });
  return { service, productionUrl: stack.productionUrl };
}

function deploy(service: string): Promise<ActionRun> {
  return runAction('deploy-bluegreen', {
    inputs: {
      'container-name': CONTAINER,
      'poll-interval-seconds': '0.2',
      cluster: 'main',
      service,
      image: images.v2!,
    },
    env: sandbox.clientEnv(),
    killAfterMs: 90_000,
    cwd: workdir,
  });
}

const explain = (run: ActionRun) => `exit ${run.code}\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`;
/** The summary's timeline table, row by row: phase -> [expected, actual]. */
function timeline(summary: string): Map<string, [string, string]> {
  const table =
    /<summary>Timeline: expected and actual<\/summary>\n\n\| Phase \| Expected \| Actual \|\n[^\n]*\n((?:\|[^\n]*\n)+)/.exec(
      summary,
    );
  const rows = new Map<string, [string, string]>();
  for (const line of table?.[1]?.trimEnd().split('\n') ?? []) {
    const [phase, expected, actual] = line
      .split('|')
      .slice(1, 4)
      .map((cell) => cell.trim());
    rows.set(phase!, [expected!, actual!]);
  }
  return rows;
}
const seconds = /^\*{0,2}(\d+ min )?\d+(\.\d)? s\*{0,2}$/;

describe('deploy-bluegreen bundle: the release timeline', () => {
  test('CodeDeploy: the expected phases are logged before the deployment, and the summary sets them beside the actual times', async () => {
    const stack = await newStack('CODE_DEPLOY');
    const before = sandbox.calls().length;
    const run = await deploy(stack.service);
    expect({ code: run.code, why: run.code === 0 ? '' : explain(run) }).toEqual({ code: 0, why: '' });

    const elbv2 = sandbox.calls(before).filter((c) => c.service === 'elbv2');
    expect(elbv2.map((c) => `${c.operation}${c.errorCode ? ` ${c.errorCode}` : ''}`)).toEqual([
      'DescribeTargetGroups',
      'DescribeTargetGroupAttributes',
    ]);
    // Logged as a group before CodeDeploy is asked for anything.
    const group = run.stdout.indexOf('::group::Expected timeline (AWS time)');
    expect(group).toBeGreaterThan(-1);
    expect(group).toBeLessThan(run.stdout.indexOf('Created deployment'));
    expect(run.stdout).toContain('Install: 50 s (40 s start + 2 × 5 s checks)');

    const rows = timeline(run.summary);
    expect([...rows.keys()]).toEqual([
      'BeforeInstall',
      'Install',
      'AfterInstall',
      'AllowTestTraffic',
      'AfterAllowTestTraffic',
      'BeforeAllowTraffic',
      'AllowTraffic',
      'AfterAllowTraffic',
      'Termination wait',
      '**Total**',
    ]);
    expect(rows.get('Install')?.[0]).toBe('50 s (40 s start + 2 × 5 s checks)');
    expect(rows.get('AllowTraffic')?.[0]).toBe('5 s (all at once)');
    expect(rows.get('Termination wait')?.[0]).toBe('1 min 31 s (1 min + 30 s deregistration delay)');
    expect(rows.get('**Total**')?.[0]).toBe('**2 min 41 s**');
    // The actual times: what the run took (the sandbox's scaled time), for every phase that ran.
    for (const phase of ['Install', 'AllowTraffic', 'Termination wait', '**Total**']) {
      expect([phase, rows.get(phase)?.[1]]).toEqual([phase, expect.stringMatching(seconds)]);
    }
    expect(await versionsServed(stack.productionUrl, 3)).toEqual(['v2', 'v2', 'v2']);
  }, 120_000);

  test('a role that may not read target groups: unknown, one warning naming the permission, and it still deploys', async () => {
    const stack = await newStack('CODE_DEPLOY');
    sandbox.faults({ errors: { DescribeTargetGroups: 'AccessDeniedException' } });
    try {
      const run = await deploy(stack.service);
      expect({ code: run.code, why: run.code === 0 ? '' : explain(run) }).toEqual({ code: 0, why: '' });
      expect(run.outputs).toMatchObject({ deployed: 'true', status: 'Succeeded' });
      const warnings = run.stdout.split('\n').filter((l) => l.startsWith('::warning') && l.includes('Expected phase'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('elasticloadbalancing:DescribeTargetGroups');
      const rows = timeline(run.summary);
      expect(rows.get('Install')?.[0]).toBe('unknown (target group not read)');
      expect(rows.get('Termination wait')?.[0]).toBe('unknown (1 min + deregistration delay not read)');
      expect(rows.get('AllowTraffic')?.[0]).toBe('5 s (all at once)');
      expect(rows.get('**Total**')?.[0]).toBe('**unknown**');
      expect(rows.get('Install')?.[1]).toMatch(seconds);
      expect(await versionsServed(stack.productionUrl, 3)).toEqual(['v2', 'v2', 'v2']);
    } finally {
      sandbox.faults({});
    }
  }, 120_000);

  test('ECS native blue/green: the lifecycle stages, with the bake time and the clean-up', async () => {
    const stack = await newStack('ECS');
    const before = sandbox.calls().length;
    const run = await deploy(stack.service);
    expect({ code: run.code, why: run.code === 0 ? '' : explain(run) }).toEqual({ code: 0, why: '' });
    expect(sandbox.calls(before).filter((c) => c.service === 'elbv2')).toHaveLength(2);
    const rows = timeline(run.summary);
    expect(rows.get('SCALE_UP')?.[0]).toBe('50 s (40 s start + 2 × 5 s checks)');
    expect(rows.get('BAKE_TIME')?.[0]).toBe('1 min 0 s (1 min bake time)');
    expect(rows.get('CLEAN_UP')?.[0]).toBe('31 s (30 s deregistration delay)');
    expect(rows.get('BAKE_TIME')?.[1]).toMatch(seconds);
  }, 120_000);
});
