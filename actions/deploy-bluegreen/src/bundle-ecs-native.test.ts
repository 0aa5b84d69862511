/**
 * The bundled action (dist/index.js) run as a process against the local AWS sandbox, on services
 * with the ECS deployment controller: LINEAR and CANARY deployments watched step by step to the
 * end, and pause lifecycle hooks passed by the test-traffic gate, rolled back when it fails, or
 * left to a person at once when test-url is not set.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import type { RunningSandbox, StackRequest } from '../../../sandbox/index.js';
import { runAction, type ActionRun } from '../../../testing/run-action.js';
import { versionsServed } from '../../../testing/sample-app.js';
import {
  CONTAINER,
  deployBundle,
  explain,
  newBundleStack,
  startBundleSandbox,
  type BundleSandbox,
} from './bundle-sandbox.test-helpers.js';

let fixture: BundleSandbox;
let sandbox: RunningSandbox;
let ecs: ECSClient;
let images: Record<string, string>;
let workdir: string;
let serviceCount = 0;

beforeAll(async () => {
  fixture = await startBundleSandbox(['v1', 'v2'], 'deploy-bluegreen-ecs-');
  ({ sandbox, ecs, images, workdir } = fixture);
}, 60_000);

afterAll(async () => {
  await fixture?.stop();
});

/** A fresh ECS-controller service running v1 with the given strategy settings. */
async function newStack(options: Partial<StackRequest>) {
  serviceCount++;
  return newBundleStack(fixture, `web${serviceCount}`, options);
}

const deployAction = (inputs: Record<string, string>): Promise<ActionRun> => deployBundle(fixture, inputs);

const succeeded = (run: ActionRun) =>
  expect({ code: run.code, out: run.code === 0 ? '' : explain(run) }).toEqual({ code: 0, out: '' });
const pauseAt = (stage: string) => [{ targetType: 'PAUSE', lifecycleStages: [stage] }];

describe('ECS native strategies, with the bundle', () => {
  test('LINEAR: every production step is logged, the deployment is watched to the end', async () => {
    const stack = await newStack({
      strategy: 'LINEAR',
      linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 1 },
    });
    const run = await deployAction({ cluster: stack.cluster, service: stack.service });
    succeeded(run);
    const traffic = run.stdout.split('\n').filter((l) => l.startsWith('Traffic:'));
    expect(traffic).toEqual([
      'Traffic: blue 100% | green 0%',
      'Traffic: blue 50% | green 50%',
      'Traffic: blue 0% | green 100%',
    ]);
    expect(run.stdout).toMatch(/Service deployment: SUCCESSFUL/);
    expect(run.outputs).toMatchObject({ deployed: 'true', status: 'Succeeded' });
    expect(await versionsServed(stack.productionUrl)).toEqual(Array(5).fill('v2'));
  }, 120_000);

  test('CANARY: the canary step, then the rest', async () => {
    const stack = await newStack({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 1 },
    });
    const run = await deployAction({ cluster: stack.cluster, service: stack.service });
    succeeded(run);
    expect(run.stdout).toContain('Traffic: blue 90% | green 10%');
    expect(run.stdout).toContain('Traffic: blue 0% | green 100%');
    expect(await versionsServed(stack.productionUrl)).toEqual(Array(5).fill('v2'));
  }, 120_000);

  test('a pause hook with test-url: the gate checks green on the test listener, then continues', async () => {
    const stack = await newStack({
      strategy: 'LINEAR',
      linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 0 },
      lifecycleHooks: pauseAt('POST_TEST_TRAFFIC_SHIFT'),
    });
    const before = sandbox.calls().length;
    const run = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      'test-url': stack.testUrl,
      'test-expect-json': 'version=v2',
      'test-requests': '5',
    });
    succeeded(run);
    expect(run.stdout).toMatch(/paused at pause hook ecs-pause-\S+ at lifecycle stage POST_TEST_TRAFFIC_SHIFT/);
    expect(run.stdout).toContain('Test traffic checks passed');
    expect(sandbox.calls(before).filter((c) => c.operation === 'ContinueServiceDeployment')).toHaveLength(1);
    expect(await versionsServed(stack.productionUrl)).toEqual(Array(5).fill('v2'));
  }, 120_000);

  test('a pause hook whose gate fails: StopServiceDeployment ROLLBACK with the check, blue serves', async () => {
    const stack = await newStack({ strategy: 'CANARY', lifecycleHooks: pauseAt('POST_TEST_TRAFFIC_SHIFT') });
    const before = sandbox.calls().length;
    const run = await deployAction({
      cluster: stack.cluster,
      service: stack.service,
      'test-url': stack.testUrl,
      'test-expect-json': 'version=v9',
      'test-timeout-seconds': '2',
    });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(
      /Test traffic checks against .* failed at pause hook ecs-pause-\S+ at lifecycle stage POST_TEST_TRAFFIC_SHIFT: .*version: expected "v9", got "v2".*Stopped service deployment .* with ROLLBACK: it ended ROLLBACK_SUCCESSFUL/s,
    );
    const ops = sandbox.calls(before).map((c) => c.operation);
    expect(ops).toContain('StopServiceDeployment');
    expect(ops).not.toContain('ContinueServiceDeployment');
    expect(await versionsServed(stack.productionUrl)).toEqual(Array(5).fill('v1'));
  }, 120_000);

  test('a pause hook without test-url fails at the first poll and leaves the deployment paused for a person', async () => {
    const stack = await newStack({ strategy: 'BLUE_GREEN', lifecycleHooks: pauseAt('PRE_SCALE_UP') });
    const before = sandbox.calls().length;
    // A poll interval far longer than the test: waiting one more poll would show.
    const run = await runAction('deploy-bluegreen', {
      inputs: {
        'container-name': CONTAINER,
        image: images.v2!,
        cluster: stack.cluster,
        service: stack.service,
        'poll-interval-seconds': '60',
      },
      env: sandbox.clientEnv(),
      killAfterMs: 50_000,
      cwd: workdir,
    });
    expect(run.code).toBe(1);
    expect(run.durationMs).toBeLessThan(30_000);
    const calls = sandbox.calls(before).map((c) => c.operation);
    expect(calls.filter((op) => op === 'DescribeServiceDeployments')).toHaveLength(1);
    expect(calls).not.toContain('StopServiceDeployment');
    const message = run.errors.join('\n');
    expect(message).toMatch(/paused at pause hook ecs-pause-\S+ at lifecycle stage PRE_SCALE_UP/);
    const command =
      /aws ecs continue-service-deployment --region eu-west-1 --service-deployment-arn (\S+) --hook-id (\S+) --action CONTINUE/.exec(
        message,
      );
    expect(command).not.toBeNull();

    // Still paused; the command it prints is what a person runs to go on.
    const [, arn, hookId] = command!;
    const paused = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn!] })))
      .serviceDeployments![0]!;
    expect(paused.status).toBe('IN_PROGRESS');
    expect(paused.lifecycleHookDetails?.[0]).toMatchObject({ hookId, status: 'AWAITING_ACTION' });
    await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId, action: 'CONTINUE' }));
    const deadline = Date.now() + 30_000;
    let status = paused.status;
    while (status !== 'SUCCESSFUL' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      status = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn!] })))
        .serviceDeployments![0]!.status;
    }
    expect(status).toBe('SUCCESSFUL');
    expect(await versionsServed(stack.productionUrl)).toEqual(Array(5).fill('v2'));
  }, 120_000);
});
