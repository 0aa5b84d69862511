/**
 * The bundled action (dist/index.js, dist/post/index.js) run as a process, as the runner runs it,
 * against the local AWS sandbox: real SDK calls over HTTP, tasks as real processes behind real
 * listeners. Each test proves one promise of the README from the outside.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
} from '@aws-sdk/client-codedeploy';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { fixtureBuildRequest, startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import { runAction, type ActionRun, type RunActionOptions } from '../../../testing/run-action.js';
import { versionsServed } from '../../../testing/sample-app.js';
import { expectGoldenSummary } from '../../../testing/golden-summary.js';
import type { CallRecord } from '../../../sandbox/contracts.js';

const TIME_SCALE = 60;
const REGION = 'eu-west-1';
const CONTAINER = 'app';
const PORT = 8080;
const MUTATING = /^(Register|Create|Update|Stop|Continue|Delete|Deregister|Put)/;

let sandbox: RunningSandbox;
let ecs: ECSClient;
let codedeploy: CodeDeployClient;
const images: Record<string, string> = {};
let workdir: string;
let serviceCount = 0;

function image(version: string): string {
  return images[version]!;
}

async function registerFamily(family: string, version: string): Promise<string> {
  const out = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        { name: CONTAINER, image: image(version), essential: true, portMappings: [{ containerPort: PORT }] },
      ],
    }),
  );
  return out.taskDefinition!.taskDefinitionArn!;
}

interface Stack {
  service: string;
  cluster: string;
  productionUrl: string;
  testUrl: string;
  app?: string;
  group?: string;
}

/** A fresh service (own family, target groups and listeners) running `version`. */
async function newStack(
  options: {
    controller?: 'CODE_DEPLOY' | 'ECS';
    strategy?: 'ROLLING' | 'BLUE_GREEN';
    deploymentConfig?: string;
    readyWait?: 'CONTINUE' | 'STOP';
  } = {},
): Promise<Stack> {
  serviceCount++;
  const service = `web${serviceCount}`;
  const cluster = 'main';
  const taskDefinition = await registerFamily(service, 'v1');
  const controller = options.controller ?? 'CODE_DEPLOY';
  const result = await sandbox.stack({
    cluster,
    service,
    taskDefinition,
    containerName: CONTAINER,
    containerPort: PORT,
    desiredCount: 1,
    controller,
    strategy: controller === 'ECS' ? (options.strategy ?? 'BLUE_GREEN') : undefined,
    codedeployApplication: controller === 'CODE_DEPLOY' ? `${service}-app` : undefined,
    deploymentGroup: controller === 'CODE_DEPLOY' ? `${service}-dg` : undefined,
    deploymentConfig: options.deploymentConfig,
    readyWait: options.readyWait,
    terminationWaitMinutes: 0,
    // ECS blue/green: a bake time long enough to cancel in (3 s at time scale 60).
    bakeTimeInMinutes: controller === 'ECS' ? 3 : undefined,
  });
  return {
    service,
    cluster,
    productionUrl: result.productionUrl,
    testUrl: result.testUrl,
    app: result.codedeployApplication,
    group: result.deploymentGroup,
  };
}

function deployAction(inputs: Record<string, string>, options: Partial<RunActionOptions> = {}): Promise<ActionRun> {
  return runAction('deploy-bluegreen', {
    inputs: { 'container-name': CONTAINER, 'poll-interval-seconds': '0.2', ...inputs },
    env: { ...sandbox.clientEnv(), ...options.env },
    killAfterMs: 90_000,
    cwd: workdir,
    ...options,
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

const callsSince = (n: number): CallRecord[] => sandbox.calls(n);
/** Stable names for a stack's run-specific ones in golden summaries. */
const stableNames = (stack: Stack): Record<string, string> => ({
  [stack.service]: 'web',
  ...(stack.app ? { [stack.app]: 'web-app' } : {}),
  ...(stack.group ? { [stack.group]: 'web-dg' } : {}),
  [sandbox.registry]: 'registry',
});
/** The summary starts with the action's title and its verdict line. */
const verdictOf = (run: ActionRun) => run.summary.split('\n\n').slice(0, 2).join('\n\n');
const explain = (run: ActionRun) => `exit ${run.code}\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`;

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: TIME_SCALE, region: REGION });
  const env = sandbox.clientEnv();
  const config = {
    region: REGION,
    endpoint: env.AWS_ENDPOINT_URL,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  };
  ecs = new ECSClient(config);
  codedeploy = new CodeDeployClient(config);
  await new ECRClient(config).send(new CreateRepositoryCommand({ repositoryName: 'web' }));
  for (const version of ['v1', 'v2', 'v3', 'v4', 'crash']) {
    const { digest } = await sandbox.build(fixtureBuildRequest([`${sandbox.registry}/web:${version}`], { version }));
    images[version] = `${sandbox.registry}/web@${digest}`;
  }
  workdir = mkdtempSync(join(tmpdir(), 'deploy-bluegreen-'));
}, 60_000);

afterAll(async () => {
  ecs?.destroy();
  codedeploy?.destroy();
  await sandbox?.stop();
}, 30_000);

/** A deployment of v3 started by someone else (not this action), straight through CodeDeploy. */
async function startDeploymentElsewhere(stack: Stack, deploymentConfigName: string): Promise<string> {
  const taskDefinition = await registerFamily(stack.service, 'v3');
  const content = JSON.stringify({
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
  const out = await codedeploy.send(
    new CreateDeploymentCommand({
      applicationName: stack.app,
      deploymentGroupName: stack.group,
      deploymentConfigName,
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content } },
    }),
  );
  return out.deploymentId!;
}

describe('deploy-bluegreen bundle against the sandbox', () => {
  test('first run deploys and production serves the new image; a second identical run changes nothing in at most 4 calls', async () => {
    const stack = await newStack();
    expect(await versionsServed(stack.productionUrl, 3)).toEqual(['v1', 'v1', 'v1']);
    const inputs = { cluster: stack.cluster, service: stack.service, image: image('v2') };

    const first = await deployAction(inputs);
    expect(first.code).toBe(0);
    expect(first.outputs).toMatchObject({ 'task-definition-changed': 'true', deployed: 'true', status: 'Succeeded' });
    expect(first.outputs['task-definition-arn']).toMatch(new RegExp(`task-definition/${stack.service}:2$`));
    expect(await versionsServed(stack.productionUrl, 10)).toEqual(Array(10).fill('v2'));

    const before = sandbox.calls().length;
    const second = await deployAction(inputs);
    expect(second.code).toBe(0);
    const calls = callsSince(before).map((c) => c.operation);
    expect(second.outputs).toMatchObject({
      'task-definition-changed': 'false',
      deployed: 'false',
      status: 'unchanged',
    });
    expect(calls).not.toContain('RegisterTaskDefinition');
    expect(calls).not.toContain('CreateDeployment');
    console.log(`unchanged run: ${calls.length} AWS calls (${calls.join(', ')}) in ${second.durationMs} ms`);
    expect(calls.length).toBeLessThanOrEqual(4);
    expect(verdictOf(second)).toBe(
      `### deploy-bluegreen: main/${stack.service}\n\n➖ unchanged: ${stack.service}:2 already serves`,
    );
    expectGoldenSummary('deploy-bluegreen/unchanged', second.summary, stableNames(stack));
  }, 120_000);

  test('a linear deployment logs its traffic steps, and the summary has the lifecycle table', async () => {
    const stack = await newStack({ deploymentConfig: 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes' });
    const run = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      image: image('v2'),
      environment: 'DB_PASSWORD=hunter2-secret\nLOG_LEVEL=debug',
    });
    expect(run.code).toBe(0);
    // A secret-looking value is masked for the runner, and the diff never shows environment values.
    expect(run.stdout).toContain('::add-mask::hunter2-secret');
    expect(run.stdout).not.toContain('::add-mask::debug');
    expect(run.stdout).toContain('containerDefinitions[app].environment[DB_PASSWORD].value: (set)');
    expect(run.stdout.replace('::add-mask::hunter2-secret', '')).not.toContain('hunter2-secret');
    expect(run.summary).not.toContain('hunter2-secret');
    const steps = run.stdout.split('\n').filter((l) => l.startsWith('Traffic: '));
    // Ten steps of 10% at 1 s each (time scale 60) are polled every 0.2 s: most steps are seen.
    expect(steps.length).toBeGreaterThanOrEqual(6);
    expect(steps[steps.length - 1]).toBe('Traffic: blue 0% | green 100%');
    expect(steps.some((l) => /green (10|20|30)%/.test(l))).toBe(true);
    expect(new Set(steps).size).toBe(steps.length);
    expect(run.summary).toContain('| Event | Status | Start | End | Duration |');
    expect(run.summary).toMatch(/\| AllowTraffic \| Succeeded \|/);
    expect(run.summary).toContain('<summary>Traffic (');
    expect(verdictOf(run)).toMatch(
      new RegExp(
        `^### deploy-bluegreen: main/${stack.service}\\n\\n✅ ${stack.service}:2 serves 100% \\(linear, \\d+ s\\)$`,
      ),
    );
    expectGoldenSummary('deploy-bluegreen/success', run.summary, stableNames(stack));
  }, 120_000);

  test('crashing green tasks: fails in bounded time naming the failed event and stoppedReason; blue still serves', async () => {
    const stack = await newStack();
    sandbox.faults({ crashNewTasks: { afterMs: 0, imageContains: image('crash').split('@')[1]! } });
    try {
      const run = await deployAction({
        cluster: stack.cluster,
        service: stack.service,
        image: image('crash'),
        'timeout-minutes': '2',
        'log-group': '/ecs/web',
      });
      expect(run.code).toBe(1);
      const error = run.errors.join('\n');
      expect(error).toMatch(/Deployment d-\w+ Failed in lifecycle event \w+/);
      expect(error).toMatch(/Stopped tasks:[\s\S]*task \S+ \(web\d+:2\): \S.*/);
      expect(run.durationMs).toBeLessThan(60_000);
      expect(verdictOf(run)).toMatch(
        new RegExp(
          `❌ failed at \\w+: \\d tasks? stopped: Essential container in task exited — rolled back, ${stack.service}:1 still serves$`,
        ),
      );
      // A link to each stopped task's log stream, from the task definition's awslogs options.
      expect(run.summary).toMatch(
        /\[Logs of stopped task [0-9a-f]+\]\(https:\/\/eu-west-1\.console\.aws\.amazon\.com\/cloudwatch\//,
      );
      expectGoldenSummary('deploy-bluegreen/failure-rolled-back', run.summary, stableNames(stack), {
        tasksVary: true,
      });
    } finally {
      sandbox.faults({});
    }
    expect(await versionsServed(stack.productionUrl, 10)).toEqual(Array(10).fill('v1'));
  }, 120_000);

  test('timeout: StopDeployment with rollback, exit 1 saying so, blue serves', async () => {
    const stack = await newStack({ deploymentConfig: 'CodeDeployDefault.ECSLinear10PercentEvery3Minutes' });
    const before = sandbox.calls().length;
    const run = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      image: image('v2'),
      'timeout-minutes': '0.1',
    });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(
      /Timed out: timeout-minutes \(6s\) reached .*Stopped deployment d-\w+ with rollback/,
    );
    expect(callsSince(before).map((c) => c.operation)).toContain('StopDeployment');
    // One annotation for one failure.
    expect(run.errors).toHaveLength(1);
    expect(verdictOf(run)).toMatch(/⏱️ timed out after 6s deploying web\d+:2 — /);
    expectGoldenSummary('deploy-bluegreen/timeout', run.summary, stableNames(stack), { progressVaries: true });
    expect(
      await waitFor(async () => (await versionsServed(stack.productionUrl, 5)).every((v) => v === 'v1'), 20_000),
    ).toBe(true);
  }, 120_000);

  test('SIGTERM: StopDeployment within 2 s, exit 1 within 7 s, blue serves', async () => {
    const stack = await newStack({ deploymentConfig: 'CodeDeployDefault.ECSLinear10PercentEvery3Minutes' });
    const before = sandbox.calls().length;
    let child: ChildProcess | undefined;
    let signalledAt = 0;
    const run = await deployAction(
      { cluster: stack.cluster, service: stack.service, image: image('v2') },
      {
        onStart: (c) => (child = c),
        onStdout: (text) => {
          if (!signalledAt && /Traffic: blue 90% \| green 10%/.test(text)) {
            signalledAt = Date.now();
            child!.kill('SIGTERM');
          }
        },
      },
    );
    expect(signalledAt).toBeGreaterThan(0);
    const exitedAfter = Date.now() - signalledAt;
    expect(run.code).toBe(1);
    expect(exitedAfter).toBeLessThan(7000);
    const stop = callsSince(before).find((c) => c.operation === 'StopDeployment');
    expect(stop).toBeDefined();
    const stopAfter = new Date(stop!.time).getTime() - signalledAt;
    console.log(`SIGTERM -> StopDeployment after ${stopAfter} ms; process exited 1 after ${exitedAfter} ms`);
    expect(stopAfter).toBeLessThan(2000);
    expect(run.errors.join('\n')).toMatch(
      /Cancelled: received SIGTERM while deployment d-\w+ was InProgress\. Stopped deployment d-\w+ with rollback/,
    );
    expect(verdictOf(run)).toMatch(/⏹️ cancelled while deploying web\d+:2 — /);
    expectGoldenSummary('deploy-bluegreen/cancelled', run.summary, stableNames(stack), { progressVaries: true });
    expect(
      await waitFor(async () => (await versionsServed(stack.productionUrl, 5)).every((v) => v === 'v1'), 20_000),
    ).toBe(true);
  }, 120_000);

  describe('on-active-deployment', () => {
    const startOther = (stack: Stack) =>
      startDeploymentElsewhere(stack, 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes');

    test('fail: names the active deployment; nothing registered or created', async () => {
      const stack = await newStack();
      const other = await startOther(stack);
      const before = sandbox.calls().length;
      const run = await deployAction({
        cluster: stack.cluster,
        service: stack.service,
        image: image('v2'),
        'on-active-deployment': 'fail',
      });
      expect(run.code).toBe(1);
      expect(run.errors.join('\n')).toContain(`Deployment ${other} is already active`);
      expect(callsSince(before).filter((c) => MUTATING.test(c.operation))).toEqual([]);
    }, 120_000);

    test('wait: waits for the active deployment to end, then deploys', async () => {
      const stack = await newStack();
      const other = await startOther(stack);
      const run = await deployAction({
        cluster: stack.cluster,
        service: stack.service,
        image: image('v2'),
        'on-active-deployment': 'wait',
      });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Waiting for active deployment ${other} to finish`);
      const info = await codedeploy.send(new GetDeploymentCommand({ deploymentId: other }));
      expect(info.deploymentInfo?.status).toBe('Succeeded');
      expect(await versionsServed(stack.productionUrl, 5)).toEqual(Array(5).fill('v2'));
    }, 120_000);

    test('stop: stops the active deployment with rollback, then deploys', async () => {
      const stack = await newStack();
      const other = await startOther(stack);
      // Let it shift some traffic, so its rollback has real work (reroute, drain the replacement) and stays active a while.
      const shifting = await waitFor(async () => {
        const target = await codedeploy.send(
          new GetDeploymentTargetCommand({ deploymentId: other, targetId: `${stack.cluster}:${stack.service}` }),
        );
        const events = target.deploymentTarget?.ecsTarget?.lifecycleEvents ?? [];
        return events.some((e) => e.lifecycleEventName === 'AllowTraffic' && e.status === 'InProgress');
      }, 20_000);
      expect(shifting).toBe(true);
      const run = await deployAction({
        cluster: stack.cluster,
        service: stack.service,
        image: image('v2'),
        'on-active-deployment': 'stop',
      });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Stopping active deployment ${other} with rollback`);
      const info = await codedeploy.send(new GetDeploymentCommand({ deploymentId: other }));
      expect(info.deploymentInfo?.status).toBe('Stopped');
      // The rollback the stop started (if there was anything to roll back) is waited for, never stopped.
      expect(run.stdout.match(/Stopping active deployment /g)).toHaveLength(1);
      const rollbackId = info.deploymentInfo?.rollbackInfo?.rollbackDeploymentId;
      if (rollbackId) {
        const rollback = await codedeploy.send(new GetDeploymentCommand({ deploymentId: rollbackId }));
        expect(rollback.deploymentInfo?.status).toBe('Succeeded');
      }
      expect(await versionsServed(stack.productionUrl, 5)).toEqual(Array(5).fill('v2'));
    }, 120_000);
  });

  describe('test-traffic gate (deployment group waits for a reroute)', () => {
    test('checks of the test listener pass: ContinueDeployment, production then serves the new image', async () => {
      const stack = await newStack({ readyWait: 'STOP' });
      const before = sandbox.calls().length;
      const run = await deployAction({
        cluster: stack.cluster,
        service: stack.service,
        image: image('v2'),
        'test-url': stack.testUrl,
        'test-expect-json': 'version=v2',
        'test-requests': '5',
      });
      expect({ code: run.code, out: run.code === 0 ? '' : explain(run) }).toEqual({ code: 0, out: '' });
      expect(run.stdout).toContain('Test traffic gate passed');
      expect(callsSince(before).map((c) => c.operation)).toContain('ContinueDeployment');
      expect(await versionsServed(stack.productionUrl, 5)).toEqual(Array(5).fill('v2'));
    }, 120_000);

    test('checks fail: StopDeployment with rollback, the error shows the check, blue serves', async () => {
      const stack = await newStack({ readyWait: 'STOP' });
      const before = sandbox.calls().length;
      const run = await deployAction({
        cluster: stack.cluster,
        service: stack.service,
        image: image('v2'),
        'test-url': stack.testUrl,
        'test-expect-json': 'version=v9',
        'test-timeout-seconds': '2',
      });
      expect(run.code).toBe(1);
      expect(run.errors.join('\n')).toMatch(
        /Test traffic checks against .* failed: .*version: expected "v9", got "v2"/s,
      );
      const ops = callsSince(before).map((c) => c.operation);
      expect(ops).toContain('StopDeployment');
      expect(ops).not.toContain('ContinueDeployment');
      expect(
        await waitFor(async () => (await versionsServed(stack.productionUrl, 5)).every((v) => v === 'v1'), 20_000),
      ).toBe(true);
    }, 120_000);
  });

  test('post step: stops a deployment the killed main step left active, with rollback', async () => {
    const stack = await newStack();
    const deploymentId = await startDeploymentElsewhere(stack, 'CodeDeployDefault.ECSLinear10PercentEvery3Minutes');
    const before = sandbox.calls().length;
    // What the main step saved with core.saveState before it was killed; the runner passes it as STATE_*.
    const run = await runAction('deploy-bluegreen', {
      entry: 'post',
      env: {
        ...sandbox.clientEnv(),
        'STATE_deployment-kind': 'codedeploy',
        'STATE_deployment-id': deploymentId,
        'STATE_deployment-finished': 'false',
        'STATE_rollback-on-cancel': 'true',
      },
      killAfterMs: 30_000,
    });
    expect({ code: run.code, out: run.code === 0 ? '' : explain(run) }).toEqual({ code: 0, out: '' });
    expect(run.stdout).toContain(`Stopped deployment ${deploymentId} with rollback`);
    expect(run.stdout).toMatch(new RegExp(`::warning::Stopped deployment ${deploymentId} with rollback.*Rollback: `));
    expect(verdictOf(run)).toMatch(
      new RegExp(
        `^### deploy-bluegreen \\(post step\\)\\n\\n⚠️ stopped deployment ${deploymentId}, which the main step left running — rolled back`,
      ),
    );
    expectGoldenSummary('deploy-bluegreen/post-step-stop', run.summary, stableNames(stack));
    expect(callsSince(before).map((c) => c.operation)).toContain('StopDeployment');
    expect(
      await waitFor(async () => (await versionsServed(stack.productionUrl, 5)).every((v) => v === 'v1'), 20_000),
    ).toBe(true);
  }, 120_000);

  test('with 30% of calls throttled the deployment still succeeds', async () => {
    const stack = await newStack();
    const before = sandbox.calls().length;
    sandbox.faults({ throttle: { '*': 0.3 } });
    let run: ActionRun;
    try {
      run = await deployAction({ cluster: stack.cluster, service: stack.service, image: image('v2') });
    } finally {
      sandbox.faults({});
    }
    expect(run.code).toBe(0);
    const throttled = callsSince(before).filter((c) => c.errorCode === 'ThrottlingException').length;
    expect(throttled).toBeGreaterThan(0);
    expect(await versionsServed(stack.productionUrl, 5)).toEqual(Array(5).fill('v2'));
  }, 120_000);

  test('bad inputs: each fails naming the input, with no mutating call', async () => {
    const stack = await newStack();
    const file = (name: string, text: string) => {
      writeFileSync(join(workdir, name), text);
      return name;
    };
    const good = { cluster: stack.cluster, service: stack.service, image: image('v2') };
    const cases: [string, Record<string, string>][] = [
      ['container-name', { ...good, 'container-name': '' }],
      ['container-name', { ...good, 'container-name': 'web' }],
      ['service', { ...good, service: 'no-such-service' }],
      ['cluster', { ...good, cluster: 'no-such-cluster' }],
      ['environment', { ...good, environment: 'JUST_A_NAME' }],
      ['task-definition', { ...good, 'task-definition': file('bad.json', '{ "family": ') }],
      ['task-definition', { ...good, 'task-definition': file('shape.json', '{ "family": "x" }') }],
      ['task-definition', { ...good, 'task-definition': 'missing.json' }],
      ['timeout-minutes', { ...good, 'timeout-minutes': '-5' }],
      ['on-active-deployment', { ...good, 'on-active-deployment': 'maybe' }],
      ['register-only', { ...good, 'register-only': 'yes' }],
      ['image', { ...good, image: 'Not An Image!' }],
      ['execution-role-arn', { ...good, 'execution-role-arn': 'my-role' }],
      ['test-url', { ...good, 'test-url': 'ftp://example.com' }],
      ['container-port', { ...good, 'container-port': '9999' }],
      [
        'codedeploy-deployment-group',
        { ...good, 'codedeploy-application': stack.app!, 'codedeploy-deployment-group': 'nope' },
      ],
      ['poll-interval-seconds', { ...good, 'poll-interval-seconds': '0' }],
      ['log-group', { ...good, 'log-group': 'bad group!' }],
      ['rollback-on-cancel', { ...good, 'rollback-on-cancel': 'sometimes' }],
      ['deployment-config', { ...good, 'deployment-config': 'not a config' }],
      ['deployment-config', { ...good, 'deployment-config': 'CodeDeployDefault.ECSNoSuchConfig' }],
      ['service', { ...good, service: '' }],
    ];
    const before = sandbox.calls().length;
    const results: { input: string; run: ActionRun }[] = [];
    // Four at a time: each is a node process.
    for (let i = 0; i < cases.length; i += 4) {
      const batch = cases.slice(i, i + 4);
      results.push(
        ...(await Promise.all(batch.map(async ([input, inputs]) => ({ input, run: await deployAction(inputs) })))),
      );
    }
    for (const { input, run } of results) {
      expect({ input, code: run.code }).toEqual({ input, code: 1 });
      expect({ input, error: run.errors.join('\n') }).toEqual({
        input,
        error: expect.stringContaining(`Input '${input}'`),
      });
    }
    expect(new Set(results.map((r) => r.input)).size).toBeGreaterThanOrEqual(15);
    // Every bad input writes a summary whose verdict names the input (the frame's failure block).
    for (const { input, run } of results) {
      expect({ input, verdict: verdictOf(run) }).toEqual({ input, verdict: expect.stringContaining(input) });
    }
    expectGoldenSummary(
      'deploy-bluegreen/bad-input',
      results.find((r) => r.input === 'timeout-minutes')!.run.summary,
      stableNames(stack),
    );
    expect(callsSince(before).filter((c) => MUTATING.test(c.operation))).toEqual([]);
  }, 120_000);

  test('register-only registers once and reuses on the second run, without a service', async () => {
    const template = {
      family: 'init-only',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '0.25 vCPU',
      memory: '0.5 GB',
      // ECS describes this health check with its defaults, and enableFaultInjection false: neither is a change.
      containerDefinitions: [
        {
          name: CONTAINER,
          image: 'placeholder',
          portMappings: [{ containerPort: PORT }],
          healthCheck: { command: ['CMD-SHELL', 'exit 0'] },
        },
      ],
    };
    writeFileSync(join(workdir, 'init.json'), JSON.stringify(template));
    const inputs = {
      'register-only': 'true',
      'task-definition': 'init.json',
      image: image('v1'),
      'execution-role-arn': 'arn:aws:iam::123456789012:role/exec',
      'log-group': '/ecs/init-only',
    };
    const first = await deployAction(inputs);
    expect(first.code).toBe(0);
    expect(first.outputs).toMatchObject({ 'task-definition-changed': 'true', deployed: 'false', status: 'registered' });
    const before = sandbox.calls().length;
    const second = await deployAction(inputs);
    expect(second.code).toBe(0);
    expect(second.outputs).toMatchObject({
      'task-definition-arn': first.outputs['task-definition-arn'],
      status: 'unchanged',
    });
    expect(callsSince(before).map((c) => c.operation)).toEqual(['DescribeTaskDefinition']);
  }, 60_000);

  test('ECS native blue/green deploys, and rolls back on cancel', async () => {
    const stack = await newStack({ controller: 'ECS' });
    const first = await deployAction({ cluster: stack.cluster, service: stack.service, image: image('v2') });
    expect({ code: first.code, out: first.code === 0 ? '' : explain(first) }).toEqual({ code: 0, out: '' });
    expect(first.outputs).toMatchObject({ deployed: 'true', status: 'Succeeded' });
    expect(await versionsServed(stack.productionUrl, 5)).toEqual(Array(5).fill('v2'));

    const before = sandbox.calls().length;
    let child: ChildProcess | undefined;
    let signalled = false;
    const second = await deployAction(
      { cluster: stack.cluster, service: stack.service, image: image('v4') },
      {
        onStart: (c) => (child = c),
        onStdout: (text) => {
          if (!signalled && /Service deployment arn:/.test(text)) {
            signalled = true;
            child!.kill('SIGINT');
          }
        },
      },
    );
    expect(signalled).toBe(true);
    expect(second.code).toBe(1);
    expect(second.errors.join('\n')).toMatch(
      /Cancelled: received SIGINT while service deployment .* Stopped it with ROLLBACK/,
    );
    const stop = callsSince(before).find((c) => c.operation === 'StopServiceDeployment');
    expect(stop).toBeDefined();
    expect(
      await waitFor(async () => (await versionsServed(stack.productionUrl, 5)).every((v) => v === 'v2'), 20_000),
    ).toBe(true);
  }, 120_000);

  test('ECS rolling: waits for stability; crashing tasks fail when the circuit breaker rolls back', async () => {
    const stack = await newStack({ controller: 'ECS', strategy: 'ROLLING' });
    const first = await deployAction({ cluster: stack.cluster, service: stack.service, image: image('v2') });
    expect({ code: first.code, out: first.code === 0 ? '' : explain(first) }).toEqual({ code: 0, out: '' });
    expect(first.stdout).toMatch(/is stable on .*:2\./);
    expect(await versionsServed(stack.productionUrl, 5)).toEqual(Array(5).fill('v2'));

    sandbox.faults({ crashNewTasks: { afterMs: 0, imageContains: image('crash').split('@')[1]! } });
    try {
      const second = await deployAction({
        cluster: stack.cluster,
        service: stack.service,
        image: image('crash'),
        'timeout-minutes': '1',
      });
      expect(second.code).toBe(1);
      expect(second.errors.join('\n')).toMatch(/circuit breaker|FAILED/);
      expect(second.errors.join('\n')).toMatch(/Stopped tasks:/);
    } finally {
      sandbox.faults({});
    }
    expect(await versionsServed(stack.productionUrl, 5)).toEqual(Array(5).fill('v2'));
  }, 120_000);
});
