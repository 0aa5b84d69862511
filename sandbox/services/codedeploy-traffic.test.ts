/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read API answers as loose JSON */
/**
 * CodeDeploy traffic shifting against fakes of ECS, the load balancer and a fast clock: linear and
 * canary steps, stop with and without rollback, the ready wait and the blue termination wait.
 */
import { describe, expect, it } from '@jest/globals';
import { deploy, info, setup, target, untilStatus, waitFor } from './codedeploy.test-helpers.js';

describe('CodeDeploy deployments (fake ECS and load balancer)', () => {
  it('shifts production traffic 10% a minute with ECSLinear10PercentEvery1Minutes, visible in taskSetsInfo', async () => {
    const h = await setup();
    const id = await deploy(h, { deploymentConfigName: 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes' });
    const seen = new Set<number>();
    await waitFor('the shift to finish', async () => {
      const t = await target(h, id);
      const green = t.taskSetsInfo.find((ts: any) => ts.taskSetLabel === 'Green');
      if (green && t.lifecycleEvents[6].status === 'InProgress') seen.add(green.trafficWeight);
      const d = await info(h, id);
      return d.status === 'Succeeded' ? d : undefined;
    });
    const greenSteps = h.lb.prod.history.map((w) => w.find((x) => x.targetGroupArn === 'arn:tg/green')?.weight);
    expect(greenSteps).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    // Polling saw intermediate weights, each one a step of the config.
    expect([...seen].length).toBeGreaterThanOrEqual(3);
    for (const weight of seen) expect(weight % 10).toBe(0);
  });

  it('shifts 10% then the rest with a canary config, and custom configs work', async () => {
    const h = await setup();
    const canary = await deploy(h, { deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes' });
    await untilStatus(h, canary, 'Succeeded');
    expect(h.lb.prod.history.map((w) => w.find((x) => x.targetGroupArn === 'arn:tg/green')?.weight)).toEqual([10, 100]);

    await h.call('CreateDeploymentConfig', {
      deploymentConfigName: 'Linear25',
      computePlatform: 'ECS',
      trafficRoutingConfig: { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 25, linearInterval: 1 } },
    });
    const config = (await h.call('GetDeploymentConfig', { deploymentConfigName: 'Linear25' }))
      .deploymentConfigInfo as any;
    expect(config).toMatchObject({ computePlatform: 'ECS', trafficRoutingConfig: { type: 'TimeBasedLinear' } });
    const before = h.lb.prod.history.length;
    const custom = await deploy(h, { deploymentConfigName: 'Linear25' });
    await untilStatus(h, custom, 'Succeeded');
    // Second deployment goes green -> blue, so read the blue target group's share.
    expect(
      h.lb.prod.history.slice(before).map((w) => w.find((x) => x.targetGroupArn === 'arn:tg/blue')?.weight),
    ).toEqual([25, 50, 75, 100]);
  });

  it('StopDeployment with rollback returns production traffic to blue and removes green via a rollback deployment', async () => {
    const h = await setup();
    const id = await deploy(h, { deploymentConfigName: 'CodeDeployDefault.ECSLinear10PercentEvery3Minutes' });
    await waitFor('30% on green', async () => h.lb.prod.greenShare() >= 30);
    const stop = await h.call('StopDeployment', { deploymentId: id, autoRollbackEnabled: true });
    expect(stop.status).toBe('Succeeded');
    const stopped = await info(h, id);
    expect(stopped.status).toBe('Stopped');
    expect(stopped.errorInformation.code).toBe('MANUAL_STOP');
    const rollbackId = stopped.rollbackInfo.rollbackDeploymentId as string;
    expect(rollbackId).toMatch(/^d-[A-Z0-9]{9}$/);
    const t = await target(h, id);
    expect(t.lifecycleEvents[6]).toMatchObject({ lifecycleEventName: 'AllowTraffic', status: 'Failed' });
    expect(t.lifecycleEvents[7].status).toBe('Skipped');

    const rollback = await untilStatus(h, rollbackId, 'Succeeded', 'Failed');
    expect(rollback.status).toBe('Succeeded');
    expect(rollback.creator).toBe('codeDeployRollback');
    expect(rollback.rollbackInfo.rollbackTriggeringDeploymentId).toBe(id);
    expect(h.lb.prod.greenShare()).toBe(0);
    expect(h.lb.test.greenShare()).toBe(0);
    expect(h.ecs.primary()?.id).toBe('ecs-svc/blue');
    expect([...h.ecs.taskSets.keys()]).toEqual(['ecs-svc/blue']);
    await expect(h.call('StopDeployment', { deploymentId: id })).rejects.toMatchObject({
      code: 'DeploymentAlreadyCompletedException',
    });
  });

  it('StopDeployment without rollback stops where it is', async () => {
    const h = await setup();
    const id = await deploy(h, { deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent15Minutes' });
    await waitFor('the canary', async () => h.lb.prod.greenShare() === 10);
    await h.call('StopDeployment', { deploymentId: id, autoRollbackEnabled: false });
    const d = await info(h, id);
    expect(d.status).toBe('Stopped');
    expect(d.rollbackInfo).toBeUndefined();
    expect(h.lb.prod.greenShare()).toBe(10);
    expect(h.ecs.taskSets.size).toBe(2);
    // The next deployment clears the leftover task set away from traffic before it starts.
    const next = await deploy(h);
    expect((await untilStatus(h, next, 'Succeeded', 'Failed')).status).toBe('Succeeded');
    expect(h.ecs.taskSets.size).toBe(1);
    expect(h.lb.prod.greenShare()).toBe(100);
  });

  it('waits in Ready with STOP_DEPLOYMENT until ContinueDeployment(READY_WAIT)', async () => {
    const h = await setup({
      blueGreenDeploymentConfiguration: {
        deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 600 },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
      },
    });
    const id = await deploy(h);
    await untilStatus(h, id, 'Ready');
    const t = await target(h, id);
    expect(t.status).toBe('Ready');
    expect(t.lifecycleEvents.slice(0, 5).every((e: any) => e.status === 'Succeeded')).toBe(true);
    expect(t.lifecycleEvents[5].status).toBe('Pending');
    expect(h.lb.test.greenShare()).toBe(100);
    expect(h.lb.prod.greenShare()).toBe(0);
    await expect(
      h.call('ContinueDeployment', { deploymentId: id, deploymentWaitType: 'TERMINATION_WAIT' }),
    ).rejects.toMatchObject({
      code: 'DeploymentIsNotInReadyStateException',
    });
    await h.call('ContinueDeployment', { deploymentId: id, deploymentWaitType: 'READY_WAIT' });
    expect((await untilStatus(h, id, 'Succeeded', 'Failed')).status).toBe('Succeeded');
    expect(h.lb.prod.greenShare()).toBe(100);
  });

  it('stops a Ready deployment whose wait runs out, keeping production on blue', async () => {
    const h = await setup({
      blueGreenDeploymentConfiguration: {
        deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 1 },
      },
    });
    const id = await deploy(h);
    const d = await untilStatus(h, id, 'Stopped', 'Succeeded');
    expect(d.status).toBe('Stopped');
    expect(d.errorInformation.code).toBe('TIMEOUT');
    expect(h.lb.prod.greenShare()).toBe(0);
    expect(h.lb.test.greenShare()).toBe(0);
    await waitFor('green removed', async () => h.ecs.taskSets.size === 1);
  });

  it('keeps the deployment InProgress through the termination wait; ContinueDeployment(TERMINATION_WAIT) ends it', async () => {
    const h = await setup({
      blueGreenDeploymentConfiguration: {
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 2880 },
      },
    });
    const id = await deploy(h);
    const waiting = await waitFor('the termination wait', async () => {
      const d = await info(h, id);
      return d.instanceTerminationWaitTimeStarted ? d : undefined;
    });
    expect(waiting.status).toBe('InProgress');
    expect(h.lb.prod.greenShare()).toBe(100);
    expect(h.ecs.taskSets.has('ecs-svc/blue')).toBe(true);
    await h.call('ContinueDeployment', { deploymentId: id, deploymentWaitType: 'TERMINATION_WAIT' });
    expect((await untilStatus(h, id, 'Succeeded')).status).toBe('Succeeded');
    expect(h.ecs.taskSets.has('ecs-svc/blue')).toBe(false);
  });
});
