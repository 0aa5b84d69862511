/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read API answers as loose JSON */
/**
 * End to end, CodeDeploy failures and waits (the sandbox, its clients and the fixture stack in
 * e2e-codedeploy.test-helpers.ts): a failing lifecycle event (fault), crashing green tasks (fault)
 * and green tasks failing their health checks (fault) end Failed with errorInformation and the
 * tasks' stoppedReason while production stays on blue; throttling faults raise
 * ThrottlingException, which the SDK retries; the ready wait and the termination wait on a second
 * stack; mistakes raise the SDK exception classes AWS names; after the sandbox stops nothing is
 * left running: no task process, no open port.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import {
  CodeDeployClient,
  ContinueDeploymentCommand,
  CreateDeploymentCommand,
  DeploymentDoesNotExistException,
  InvalidRevisionException,
  GetDeploymentCommand,
  ListDeploymentTargetsCommand,
  ThrottlingException,
} from '@aws-sdk/client-codedeploy';
import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import {
  APP,
  CLUSTER,
  CONTAINER,
  GROUP,
  MARKER,
  ORDER,
  PORT,
  REGION,
  SERVICE,
  codedeploy,
  control,
  createDeployment,
  credentials,
  ecs,
  extraPorts,
  getDeployment,
  getTarget,
  lastDeploymentId,
  portsSeen,
  productionUrl,
  productionVersions,
  requestOnce,
  sandbox,
  sleep,
  startE2eSandbox,
  stopE2eSandbox,
  taskDefinitions,
  testUrl,
  untilDone,
} from './e2e-codedeploy.test-helpers.js';

/** The version the production listener serves: no deployment in this file succeeds on it. */
const serving = 'v1';
let sandboxStopped = false;

beforeAll(startE2eSandbox, 60_000);
afterAll(() => stopE2eSandbox(sandboxStopped));

describe('CodeDeploy blue/green end to end (real SDK, real HTTP)', () => {
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
