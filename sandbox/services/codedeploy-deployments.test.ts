/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read API answers as loose JSON */
/**
 * CodeDeploy deployments against fakes of ECS, the load balancer and a fast clock: lifecycle order,
 * the one-active-deployment rule, AppSpec and hook checks, failing events and crashing replacement
 * tasks, and stopping the service.
 */
import { describe, expect, it } from '@jest/globals';
import { AwsError } from '../contracts.js';
import { appSpec, deploy, info, ORDER, setup, target, TD2, untilStatus } from './codedeploy.test-helpers.js';

describe('CodeDeploy deployments (fake ECS and load balancer)', () => {
  it('refuses a description over 100 characters with DescriptionTooLongException, as CodeDeploy does', async () => {
    const h = await setup();
    await expect(deploy(h, { description: 'x'.repeat(101) })).rejects.toMatchObject({
      code: 'DescriptionTooLongException',
    });
    const id = await deploy(h, { description: 'x'.repeat(100) });
    expect((await info(h, id)).description).toBe('x'.repeat(100));
  });

  it('runs the ECS lifecycle in AWS order and ends with the replacement serving and the original gone', async () => {
    const h = await setup();
    const id = await deploy(h);
    expect((await info(h, id)).status).toBe('Created');
    const done = await untilStatus(h, id, 'Succeeded', 'Failed', 'Stopped');
    expect(done.status).toBe('Succeeded');
    expect(done.completeTime).toBeInstanceOf(Date);
    expect(done.deploymentOverview).toMatchObject({ Succeeded: 1, Failed: 0 });
    expect(done.instanceTerminationWaitTimeStarted).toBe(true);

    const t = await target(h, id);
    expect(t.targetId).toBe('demo:web');
    expect(t.status).toBe('Succeeded');
    expect(t.lifecycleEvents.map((e: any) => e.lifecycleEventName)).toEqual(ORDER);
    expect(t.lifecycleEvents.every((e: any) => e.status === 'Succeeded')).toBe(true);
    const starts = t.lifecycleEvents.map((e: any) => e.startTime.getTime());
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);

    expect(h.ecs.calls).toEqual([
      'createTaskSet arn:tg/green',
      expect.stringMatching(/^setPrimary ecs-svc\/green-/),
      'deleteTaskSet ecs-svc/blue',
    ]);
    expect(h.lb.prod.greenShare()).toBe(100);
    expect(h.lb.test.greenShare()).toBe(100);
    expect(h.ecs.primary()?.targetGroupArn).toBe('arn:tg/green');
    const labels = t.taskSetsInfo.map((ts: any) => [ts.taskSetLabel, ts.trafficWeight, ts.targetGroup.name]);
    expect(labels).toEqual([
      ['Blue', 0, 'blue'],
      ['Green', 100, 'green'],
    ]);
    expect(t.taskSetsInfo[0]).toHaveProperty('identifer', 'ecs-svc/blue');

    // The next deployment swaps roles: the replacement goes onto the blue target group.
    const second = await deploy(h);
    expect((await untilStatus(h, second, 'Succeeded', 'Failed')).status).toBe('Succeeded');
    expect(h.ecs.primary()?.targetGroupArn).toBe('arn:tg/blue');
    expect(h.lb.prod.greenShare()).toBe(0);
    const group = (await h.call('GetDeploymentGroup', { applicationName: 'app', deploymentGroupName: 'dg' }))
      .deploymentGroupInfo as any;
    expect(group.lastSuccessfulDeployment.deploymentId).toBe(second);
  });

  it('allows one active deployment per group: DeploymentLimitExceededException names the active one', async () => {
    const h = await setup();
    const id = await deploy(h, { deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent15Minutes' });
    const error = await deploy(h).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({
      code: 'DeploymentLimitExceededException',
      message: `The Deployment Group 'dg' already has an active Deployment '${id}'`,
    });
    await untilStatus(h, id, 'InProgress');
    await expect(deploy(h)).rejects.toMatchObject({ code: 'DeploymentLimitExceededException' });
    const listed = await h.call('ListDeployments', {
      applicationName: 'app',
      deploymentGroupName: 'dg',
      includeOnlyStatuses: ['InProgress'],
    });
    expect(listed.deployments).toEqual([id]);
    expect((await h.call('ListDeployments', { includeOnlyStatuses: ['Succeeded'] })).deployments).toEqual([]);
    expect(
      (await h.call('ListDeployments', { createTimeRange: { start: Date.now() / 1000 + 3600 } })).deployments,
    ).toEqual([]);
  });

  it('fails the event named by the failLifecycleEvent fault and rolls back', async () => {
    const h = await setup();
    h.faults.failLifecycleEvent = 'AfterAllowTestTraffic';
    const id = await deploy(h);
    const d = await untilStatus(h, id, 'Failed', 'Succeeded');
    expect(d.status).toBe('Failed');
    expect(d.errorInformation.code).toBe('HOOK_EXECUTION_FAILURE');
    expect(d.errorInformation.message).toContain('AfterAllowTestTraffic');
    const t = await target(h, id);
    const events = Object.fromEntries(t.lifecycleEvents.map((e: any) => [e.lifecycleEventName, e]));
    expect(events.AllowTestTraffic.status).toBe('Succeeded');
    expect(events.AfterAllowTestTraffic.status).toBe('Failed');
    expect(events.AfterAllowTestTraffic.diagnostics.errorCode).toBe('ScriptFailed');
    expect(events.AllowTraffic.status).toBe('Skipped');
    const rollback = await untilStatus(h, d.rollbackInfo.rollbackDeploymentId, 'Succeeded', 'Failed');
    expect(rollback.status).toBe('Succeeded');
    expect(h.lb.test.greenShare()).toBe(0);
    expect([...h.ecs.taskSets.keys()]).toEqual(['ecs-svc/blue']);
  });

  it('fails Install with ECS_UPDATE_ERROR and the tasks stoppedReason when replacement tasks crash', async () => {
    const h = await setup({ autoRollbackConfiguration: { enabled: false } });
    h.ecs.nextBehaviour = { kind: 'crash', reason: 'Essential container in task exited' };
    const id = await deploy(h);
    const d = await untilStatus(h, id, 'Failed', 'Succeeded');
    expect(d.errorInformation.code).toBe('ECS_UPDATE_ERROR');
    expect(d.errorInformation.message).toContain('Essential container in task exited');
    const t = await target(h, id);
    expect(t.lifecycleEvents[1]).toMatchObject({ lifecycleEventName: 'Install', status: 'Failed' });
    expect(t.lifecycleEvents[1].diagnostics.logTail).toContain('Essential container in task exited');
    expect(d.rollbackInfo).toBeUndefined();
    expect(h.lb.prod.greenShare()).toBe(0);
  });

  it('fails Install after 60 AWS minutes when the replacement never becomes healthy', async () => {
    const h = await setup({ autoRollbackConfiguration: { enabled: false } });
    h.ecs.nextBehaviour = { kind: 'healthy', afterPolls: Number.MAX_SAFE_INTEGER };
    const id = await deploy(h);
    const d = await untilStatus(h, id, 'Failed', 'Succeeded');
    expect(d.errorInformation).toEqual({
      code: 'ECS_UPDATE_ERROR',
      message:
        'The deployment timed out while waiting for the replacement task set to become healthy. This time out period is 60 minutes.',
    });
    // 60 AWS minutes at scale 10,000 is 360 real ms: the wait went through the clock.
    expect(d.completeTime.getTime() - d.startTime.getTime()).toBeGreaterThanOrEqual(300);
  });

  it('validates the AppSpec and reports task definition problems at Install', async () => {
    const h = await setup();
    await expect(
      deploy(h, {
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec().replace('0.0', '1') } },
      }),
    ).rejects.toMatchObject({ code: 'InvalidRevisionException' });
    await expect(deploy(h, { revision: undefined })).rejects.toMatchObject({ code: 'RevisionRequiredException' });
    const json = JSON.stringify({
      version: 0.0,
      Resources: [
        {
          TargetService: {
            Type: 'AWS::ECS::Service',
            Properties: { TaskDefinition: TD2, LoadBalancerInfo: { ContainerName: 'nope', ContainerPort: 8080 } },
          },
        },
      ],
    });
    const id = await deploy(h, { revision: { revisionType: 'AppSpecContent', appSpecContent: { content: json } } });
    const d = await untilStatus(h, id, 'Failed');
    expect(d.errorInformation).toEqual({
      code: 'ECS_UPDATE_ERROR',
      message: `The container nope does not exist in the task definition ${TD2}.`,
    });
  });

  it('succeeds hooks that name Lambda functions with a diagnostic saying they cannot run here', async () => {
    const h = await setup();
    const content = appSpec(
      TD2,
      'Hooks:\n  - AfterAllowTestTraffic: "arn:aws:lambda:eu-west-1:123456789012:function:check"',
    );
    const id = await deploy(h, { revision: { revisionType: 'AppSpecContent', appSpecContent: { content } } });
    await untilStatus(h, id, 'Succeeded');
    const t = await target(h, id);
    expect(t.lifecycleEvents[4].diagnostics.message).toMatch(/cannot run in the sandbox/);
  });

  it('reports hook events with no hook as Skipped when the skipHooklessLifecycleEvents fault asks, and still succeeds', async () => {
    const h = await setup();
    h.faults.skipHooklessLifecycleEvents = true;
    const content = appSpec(
      TD2,
      'Hooks:\n  - AfterAllowTestTraffic: "arn:aws:lambda:eu-west-1:123456789012:function:check"',
    );
    const id = await deploy(h, { revision: { revisionType: 'AppSpecContent', appSpecContent: { content } } });
    expect((await untilStatus(h, id, 'Succeeded')).status).toBe('Succeeded');
    const t = await target(h, id);
    expect(Object.fromEntries(t.lifecycleEvents.map((e: any) => [e.lifecycleEventName, e.status]))).toEqual({
      BeforeInstall: 'Skipped',
      Install: 'Succeeded',
      AfterInstall: 'Skipped',
      AllowTestTraffic: 'Succeeded',
      AfterAllowTestTraffic: 'Succeeded',
      BeforeAllowTraffic: 'Skipped',
      AllowTraffic: 'Succeeded',
      AfterAllowTraffic: 'Skipped',
    });
  });

  it('stop() ends every engine, including one waiting in Ready', async () => {
    const h = await setup({
      blueGreenDeploymentConfiguration: {
        deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 2880 },
      },
    });
    const id = await deploy(h);
    await untilStatus(h, id, 'Ready');
    const began = Date.now();
    await h.service.stop();
    expect(Date.now() - began).toBeLessThan(1000);
    expect((await info(h, id)).status).toBe('Ready');
  });
});
