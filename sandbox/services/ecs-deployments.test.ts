/**
 * ECS controller deployments on services whose tasks really run: currentServiceDeployment, tags
 * kept without a deployment, missing images stopping tasks as ECS does, and BLUE_GREEN and ROLLING
 * deployments that shift, roll back by request or by the circuit breaker.
 */
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListServiceDeploymentsCommand,
  ListTasksCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import { describe, expect, it } from '@jest/globals';
import { ecs, get, release, runningTasks, sandbox, stack, until, useEcsSandbox } from './ecs.test-helpers.js';

useEcsSandbox();

describe('ECS controller', () => {
  it('UpdateService answers currentServiceDeployment: the service deployment it started', async () => {
    const v1 = await release('v1');
    await stack({ taskDefinition: v1, controller: 'ECS', strategy: 'ROLLING', desiredCount: 1 });
    const v2 = await release('v2');
    const updated = await ecs.send(new UpdateServiceCommand({ cluster: 'main', service: 'web', taskDefinition: v2 }));
    const listed = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'main', service: 'web' }));
    expect(updated.service?.currentServiceDeployment).toBeDefined();
    expect(updated.service?.currentServiceDeployment).toBe(listed.serviceDeployments?.[0]?.serviceDeploymentArn);
  }, 60_000);

  it('UpdateService keeps enableECSManagedTags and propagateTags (both controllers), without a new deployment', async () => {
    const v1 = await release('v1');
    await stack({ taskDefinition: v1, controller: 'ECS', strategy: 'ROLLING', desiredCount: 1 });
    const describe = async () =>
      (await ecs.send(new DescribeServicesCommand({ cluster: 'main', services: ['web'] }))).services![0]!;
    const before = await describe();
    expect([before.enableECSManagedTags, before.propagateTags]).toEqual([false, 'NONE']);
    const updated = await ecs.send(
      new UpdateServiceCommand({
        cluster: 'main',
        service: 'web',
        enableECSManagedTags: true,
        propagateTags: 'SERVICE',
      }),
    );
    expect([updated.service?.enableECSManagedTags, updated.service?.propagateTags]).toEqual([true, 'SERVICE']);
    const after = await describe();
    expect([after.enableECSManagedTags, after.propagateTags]).toEqual([true, 'SERVICE']);
    expect(after.deployments).toHaveLength(1);
    expect(after.currentServiceDeployment).toBe(before.currentServiceDeployment);
  }, 60_000);

  it('stops tasks whose image is missing with CannotPullContainerError', async () => {
    const good = await release('v1');
    await stack({ taskDefinition: good, controller: 'ECS', strategy: 'ROLLING', desiredCount: 1 });
    const missing = await release('v9', 'does-not-exist');
    await ecs.send(new UpdateServiceCommand({ cluster: 'main', service: 'web', taskDefinition: missing }));
    const failed = await until('a task that could not pull', async () => {
      const arns = (await ecs.send(new ListTasksCommand({ cluster: 'main', desiredStatus: 'STOPPED' }))).taskArns ?? [];
      const tasks = arns.length
        ? ((await ecs.send(new DescribeTasksCommand({ cluster: 'main', tasks: arns }))).tasks ?? [])
        : [];
      return tasks.find((t) => t.stopCode === 'TaskFailedToStart');
    });
    expect(failed.stoppedReason).toMatch(/^CannotPullContainerError: .*does-not-exist.*not found/);
    // The circuit breaker rolls back to the completed deployment.
    const deployments = await until('the rollback', async () => {
      const list =
        (await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'main', service: 'web' }))).serviceDeployments ??
        [];
      return list[0]?.status === 'ROLLBACK_SUCCESSFUL' ? list : undefined;
    });
    expect(deployments[0]!.targetServiceRevisionArn).toBeDefined();
    const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'main', services: ['web'] }))).services![0]!;
    expect(service.taskDefinition).toBe(good);
  }, 60_000);

  it('BLUE_GREEN deploys with zero failed requests, in lifecycle order, then rolls back on request', async () => {
    const v1 = await release('v1');
    const result = await stack({ taskDefinition: v1, controller: 'ECS', strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 });
    expect((await get(result.productionUrl)).version).toBe('v1');

    // A steady stream of requests to production during the whole deployment, and on until at least
    // MIN_REQUESTS were answered: bounded by requests sent, not by how fast a loaded machine runs.
    const MIN_REQUESTS = 50;
    let stop = false;
    let failures = 0;
    const seen: string[] = [];
    const hammer = (async () => {
      while (!stop || seen.length + failures < MIN_REQUESTS) {
        try {
          seen.push((await get(result.productionUrl)).version);
        } catch {
          failures++;
        }
      }
    })();

    const v2 = await release('v2');
    await ecs.send(new UpdateServiceCommand({ cluster: 'main', service: 'web', taskDefinition: v2 }));
    const list = (await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'main', service: 'web' })))
      .serviceDeployments!;
    const arn = list[0]!.serviceDeploymentArn!;
    const stages: string[] = [];
    const done = await until('the deployment to finish', async () => {
      const d = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] })))
        .serviceDeployments![0]!;
      if (d.lifecycleStage && stages[stages.length - 1] !== d.lifecycleStage) stages.push(d.lifecycleStage);
      return d.status === 'SUCCESSFUL' ? d : undefined;
    });
    stop = true;
    await hammer;
    expect(failures).toBe(0);
    expect(seen.length).toBeGreaterThanOrEqual(MIN_REQUESTS);
    // Requests were answered on both sides of the switch, none failed in between.
    expect(seen.filter((v) => v === 'v1').length).toBeGreaterThan(0);
    expect(seen.filter((v) => v === 'v2').length).toBeGreaterThan(0);
    expect(seen[0]).toBe('v1');
    expect(seen[seen.length - 1]).toBe('v2');
    const order = [
      'RECONCILE_SERVICE',
      'PRE_SCALE_UP',
      'SCALE_UP',
      'POST_SCALE_UP',
      'TEST_TRAFFIC_SHIFT',
      'POST_TEST_TRAFFIC_SHIFT',
      'PRODUCTION_TRAFFIC_SHIFT',
      'POST_PRODUCTION_TRAFFIC_SHIFT',
      'BAKE_TIME',
      'CLEAN_UP',
    ];
    expect(stages.map((s) => order.indexOf(s))).toEqual([...stages.map((s) => order.indexOf(s))].sort((a, b) => a - b));
    expect(stages).toContain('BAKE_TIME');
    expect(done.targetServiceRevision).toMatchObject({ requestedProductionTrafficWeight: 100, runningTaskCount: 2 });
    expect(done.sourceServiceRevisions?.[0]).toMatchObject({ requestedProductionTrafficWeight: 0 });
    expect((await get(result.productionUrl)).version).toBe('v2');
    expect(sandbox.lb.listener(result.listeners.production)!.weights()).toEqual([
      { targetGroupArn: result.targetGroups.blue.arn, weight: 0 },
      { targetGroupArn: result.targetGroups.green.arn, weight: 100 },
    ]);

    // v3 shifts traffic back to the blue group; a stop request during bake time rolls back to v2.
    const v3 = await release('v3');
    await ecs.send(new UpdateServiceCommand({ cluster: 'main', service: 'web', taskDefinition: v3 }));
    const arn3 = (await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'main', service: 'web' })))
      .serviceDeployments![0]!.serviceDeploymentArn!;
    await until('bake time', async () => {
      const d = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn3] })))
        .serviceDeployments![0]!;
      return d.lifecycleStage === 'BAKE_TIME' ? d : undefined;
    });
    expect((await get(result.productionUrl)).version).toBe('v3');
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn3, stopType: 'ROLLBACK' }));
    const rolledBack: ServiceDeployment = await until('the rollback', async () => {
      const d = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn3] })))
        .serviceDeployments![0]!;
      return d.status === 'ROLLBACK_SUCCESSFUL' ? d : undefined;
    });
    expect(rolledBack.rollback?.reason).toMatch(/stop request/);
    for (let i = 0; i < 10; i++) expect((await get(result.productionUrl)).version).toBe('v2');
    const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'main', services: ['web'] }))).services![0]!;
    expect(service.taskDefinition).toBe(v2);
    expect(service.deployments?.map((d) => d.status)).toEqual(['PRIMARY']);
  }, 90_000);

  it('BLUE_GREEN rolls back by itself when green tasks keep crashing', async () => {
    const v1 = await release('v1');
    const result = await stack({ taskDefinition: v1, controller: 'ECS', strategy: 'BLUE_GREEN', desiredCount: 1 });
    const v2 = await release('v2');
    sandbox.faults({ crashNewTasks: { afterMs: 0, imageContains: ':v2' } });
    await ecs.send(new UpdateServiceCommand({ cluster: 'main', service: 'web', taskDefinition: v2 }));
    const arn = (await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'main', service: 'web' })))
      .serviceDeployments![0]!.serviceDeploymentArn!;
    const d = await until(
      'the automatic rollback',
      async () => {
        const found = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] })))
          .serviceDeployments![0]!;
        return found.status === 'ROLLBACK_SUCCESSFUL' ? found : undefined;
      },
      60_000,
    );
    expect(d.deploymentCircuitBreaker).toMatchObject({ status: 'TRIGGERED', threshold: 3 });
    expect(d.statusReason).toMatch(/circuit breaker/);
    expect((await get(result.productionUrl)).version).toBe('v1');
  }, 90_000);

  it('ROLLING replaces every task with the new revision', async () => {
    const v1 = await release('v1');
    const result = await stack({ taskDefinition: v1, controller: 'ECS', strategy: 'ROLLING' });
    const v2 = await release('v2');
    await ecs.send(new UpdateServiceCommand({ cluster: 'main', service: 'web', taskDefinition: v2 }));
    await until('the rolling deployment', async () => {
      const s = (await ecs.send(new DescribeServicesCommand({ cluster: 'main', services: ['web'] }))).services![0]!;
      return s.deployments?.length === 1 &&
        s.deployments[0]!.rolloutState === 'COMPLETED' &&
        s.deployments[0]!.taskDefinition === v2
        ? s
        : undefined;
    });
    for (let i = 0; i < 10; i++) expect((await get(result.productionUrl)).version).toBe('v2');
    const list = (await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'main', service: 'web' })))
      .serviceDeployments!;
    expect(list.map((d) => d.status)).toEqual(['SUCCESSFUL', 'SUCCESSFUL']);
    const revisions = await ecs.send(
      new DescribeServiceRevisionsCommand({ serviceRevisionArns: [list[0]!.targetServiceRevisionArn!] }),
    );
    expect(revisions.serviceRevisions?.[0]).toMatchObject({ taskDefinition: v2, serviceArn: result.serviceArn });
    const future = await ecs.send(
      new ListServiceDeploymentsCommand({
        cluster: 'main',
        service: 'web',
        createdAt: { after: new Date(Date.now() + 60_000) },
      }),
    );
    expect(future.serviceDeployments).toEqual([]);

    // Scaling needs no new deployment: the PRIMARY one follows the desired count.
    await ecs.send(new UpdateServiceCommand({ cluster: 'main', service: 'web', desiredCount: 3 }));
    await until('three running tasks', async () => ((await runningTasks()).length === 3 ? true : undefined));
    const after = (await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'main', service: 'web' })))
      .serviceDeployments!;
    expect(after).toHaveLength(2);
  }, 60_000);
});
