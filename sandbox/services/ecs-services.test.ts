/**
 * ECS services, task sets, task definitions and tasks that really run: stacks made through
 * POST /_sandbox/stack serve real HTTP on their listeners, services scale and drain, EXTERNAL task
 * sets run, tasks are replaced when they stop or fail their health checks.
 */
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteServiceCommand,
  DeleteTaskSetCommand,
  DescribeTaskDefinitionCommand,
  DescribeTaskSetsCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  InvalidParameterException,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  StopTaskCommand,
  UpdateServiceCommand,
  UpdateServicePrimaryTaskSetCommand,
} from '@aws-sdk/client-ecs';
import { describe, expect, it } from '@jest/globals';
import { fixtureBuildRequest } from '../index.js';
import { ecs, get, release, runningTasks, sandbox, stack, until, useEcsSandbox } from './ecs.test-helpers.js';

useEcsSandbox();

describe('CODE_DEPLOY stack', () => {
  it('serves the image on the production and test URLs once the initial tasks are healthy', async () => {
    const taskDefinition = await release('v1');
    const result = await stack({
      taskDefinition,
      controller: 'CODE_DEPLOY',
      codedeployApplication: 'app',
      deploymentGroup: 'web-dg',
      deploymentConfig: 'CodeDeployDefault.ECSAllAtOnce',
      readyWait: 'CONTINUE',
    });
    expect(result.productionUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const hosts = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const answer = await get(`${result.productionUrl}/host`);
      expect(answer.version).toBe('v1');
      hosts.add(answer.hostname);
    }
    expect(hosts.size).toBe(2);
    expect((await get(`${result.testUrl}/host`)).version).toBe('v1');

    const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'main', services: ['web'] }))).services![0]!;
    expect(service.deploymentController?.type).toBe('CODE_DEPLOY');
    expect(service.taskDefinition).toBe(taskDefinition);
    expect(service.taskSets).toHaveLength(1);
    expect(service.taskSets![0]).toMatchObject({
      status: 'PRIMARY',
      runningCount: 2,
      stabilityStatus: 'STEADY_STATE',
      taskDefinition,
    });
    const messages = service.events!.map((e) => e.message);
    expect(messages[0]).toBe('(service web) has reached a steady state.');
    expect(messages).toContain(`(service web) registered 1 targets in (target-group ${result.targetGroups.blue.arn})`);
    expect(
      messages.some((m) =>
        /^\(service web\) has started 2 tasks: \(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\)\.$/.test(m!),
      ),
    ).toBe(true);

    // The deployment group CodeDeploy got names the listeners and target groups.
    const groups = (sandbox.state() as { codedeploy: unknown }).codedeploy;
    expect(JSON.stringify(groups)).toContain('web-dg');

    // Only CodeDeploy may change the task definition of a CODE_DEPLOY service.
    const v2 = await release('v2');
    await expect(
      ecs.send(new UpdateServiceCommand({ cluster: 'main', service: 'web', taskDefinition: v2 })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('replaces tasks that stop, with ECS stoppedReason, stopCode and exit code', async () => {
    const taskDefinition = await release('v1');
    const result = await stack({
      taskDefinition,
      controller: 'CODE_DEPLOY',
      codedeployApplication: 'app',
      deploymentGroup: 'dg',
      desiredCount: 1,
    });
    const [first] = await runningTasks();
    await ecs.send(new StopTaskCommand({ cluster: 'main', task: first, reason: 'testing replacement' }));
    const replacement = await until('a replacement task', async () => {
      const arns = await runningTasks();
      return arns.length === 1 && arns[0] !== first ? arns[0] : undefined;
    });
    const stopped = (await ecs.send(new DescribeTasksCommand({ cluster: 'main', tasks: [first!] }))).tasks![0]!;
    await until('the stopped task to be STOPPED', async () => {
      const t = (await ecs.send(new DescribeTasksCommand({ cluster: 'main', tasks: [first!] }))).tasks![0]!;
      return t.lastStatus === 'STOPPED' ? t : undefined;
    });
    expect(stopped).toMatchObject({
      desiredStatus: 'STOPPED',
      stoppedReason: 'testing replacement',
      stopCode: 'UserInitiated',
    });

    // New tasks crash: each one stops with the container's exit code and is replaced again.
    sandbox.faults({ crashNewTasks: { afterMs: 0 } });
    await ecs.send(new StopTaskCommand({ cluster: 'main', task: replacement }));
    const crashed = await until('a crashed task', async () => {
      const arns =
        (await ecs.send(new ListTasksCommand({ cluster: 'main', serviceName: 'web', desiredStatus: 'STOPPED' })))
          .taskArns ?? [];
      const tasks = arns.length
        ? ((await ecs.send(new DescribeTasksCommand({ cluster: 'main', tasks: arns }))).tasks ?? [])
        : [];
      return tasks.find((t) => t.stopCode === 'EssentialContainerExited' || t.stopCode === 'TaskFailedToStart');
    });
    expect(crashed.stoppedReason).toMatch(/Essential container in task exited|exit/i);
    expect(crashed.containers?.[0]?.exitCode).toBe(1);
    sandbox.faults({});
    await until('the service to recover', async () => ((await runningTasks()).length === 1 ? true : undefined));
    await until(
      'traffic to be served again',
      async () => (await get(`${result.productionUrl}/`).catch(() => undefined))?.version,
    );
  });
});

describe('service lifecycle', () => {
  it('scales with UpdateService, refuses to delete a scaled service, then drains it to INACTIVE', async () => {
    const taskDefinition = await release('v1');
    const result = await stack({
      taskDefinition,
      controller: 'CODE_DEPLOY',
      codedeployApplication: 'app',
      deploymentGroup: 'dg',
      desiredCount: 1,
    });
    await ecs.send(new UpdateServiceCommand({ cluster: 'main', service: 'web', desiredCount: 3 }));
    await until('three running tasks', async () => ((await runningTasks()).length === 3 ? true : undefined));
    await until('three healthy targets', async () => {
      const state = sandbox.state() as { stacks: { targetGroups: { targets?: { state: string }[] }[] }[] };
      return state.stacks[0]!.targetGroups[0]!.targets?.filter((t) => t.state === 'healthy').length === 3
        ? true
        : undefined;
    });
    const hosts = new Set<string>();
    for (let i = 0; i < 30; i++) hosts.add((await get(result.productionUrl)).hostname);
    expect(hosts.size).toBe(3);
    const stats = sandbox.lb.listener(result.listeners.production)!.stats();
    expect(stats[result.targetGroups.blue.arn]?.served).toBeGreaterThanOrEqual(30);

    await expect(ecs.send(new DeleteServiceCommand({ cluster: 'main', service: 'web' }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    const deleting = (await ecs.send(new DeleteServiceCommand({ cluster: 'main', service: 'web', force: true })))
      .service!;
    expect(deleting.status).toBe('DRAINING');
    await until('the service to be INACTIVE', async () => {
      const s = (await ecs.send(new DescribeServicesCommand({ cluster: 'main', services: ['web'] }))).services![0];
      return s?.status === 'INACTIVE' ? s : undefined;
    });
    expect(await runningTasks()).toEqual([]);
    const messages = (
      await ecs.send(new DescribeServicesCommand({ cluster: 'main', services: ['web'] }))
    ).services![0]!.events!.map((e) => e.message);
    expect(messages).toContain('(service web) has begun draining connections on 1 tasks.');
  }, 60_000);
});

describe('EXTERNAL controller task sets', () => {
  it('runs task sets created through the API, and refuses them on CODE_DEPLOY services', async () => {
    const taskDefinition = await release('v1');
    await ecs.send(new CreateClusterCommand({ clusterName: 'main' }));
    const group = sandbox.lb.createTargetGroup({
      name: 'ext-blue',
      healthCheckPath: '/health',
      healthCheckIntervalMs: 5000,
      healthyThreshold: 2,
    });
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'main',
        serviceName: 'ext',
        desiredCount: 2,
        deploymentController: { type: 'EXTERNAL' },
      }),
    );
    const created = await ecs.send(
      new CreateTaskSetCommand({
        cluster: 'main',
        service: 'ext',
        taskDefinition,
        externalId: 'release-1',
        scale: { value: 50, unit: 'PERCENT' },
        loadBalancers: [{ targetGroupArn: group.arn, containerName: 'app', containerPort: 8080 }],
      }),
    );
    expect(created.taskSet).toMatchObject({
      externalId: 'release-1',
      computedDesiredCount: 1,
      status: 'PRIMARY',
      scale: { value: 50, unit: 'PERCENT' },
    });
    await ecs.send(
      new UpdateServicePrimaryTaskSetCommand({ cluster: 'main', service: 'ext', primaryTaskSet: created.taskSet!.id! }),
    );
    const steady = await until('the task set to be steady', async () => {
      const sets = (await ecs.send(new DescribeTaskSetsCommand({ cluster: 'main', service: 'ext' }))).taskSets ?? [];
      return sets[0]?.stabilityStatus === 'STEADY_STATE' ? sets[0] : undefined;
    });
    expect(steady.runningCount).toBe(1);
    expect(group.targetHealth().map((h) => h.state)).toEqual(['healthy']);
    await ecs.send(
      new DeleteTaskSetCommand({ cluster: 'main', service: 'ext', taskSet: created.taskSet!.id!, force: true }),
    );
    await until('the task set to be gone', async () => {
      const sets = (await ecs.send(new DescribeTaskSetsCommand({ cluster: 'main', service: 'ext' }))).taskSets ?? [];
      return sets.length === 0 ? true : undefined;
    });

    await stack({
      taskDefinition,
      controller: 'CODE_DEPLOY',
      codedeployApplication: 'app',
      deploymentGroup: 'dg',
      desiredCount: 1,
    });
    await expect(
      ecs.send(new CreateTaskSetCommand({ cluster: 'main', service: 'web', taskDefinition })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  }, 60_000);
});

describe('task definitions as DescribeTaskDefinition answers them', () => {
  it('answers enableFaultInjection false and fills a health check with its defaults (no startPeriod)', async () => {
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'described',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'app', image: 'app:1', healthCheck: { command: ['CMD-SHELL', 'exit 0'] } }],
      }),
    );
    const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'described' }))).taskDefinition!;
    expect(td.taskDefinitionArn).toBe(registered.taskDefinition?.taskDefinitionArn);
    expect(td.enableFaultInjection).toBe(false);
    expect(td.containerDefinitions?.[0]?.healthCheck).toEqual({
      command: ['CMD-SHELL', 'exit 0'],
      interval: 30,
      timeout: 5,
      retries: 3,
    });
  });
  it('keeps no environment entry whose value is empty or missing, as ECS does', async () => {
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'empty-env',
        containerDefinitions: [
          {
            name: 'app',
            image: 'app:1',
            memory: 128,
            environment: [{ name: 'BASE_PATH', value: '' }, { name: 'UNSET' }, { name: 'LOG_LEVEL', value: 'info' }],
          },
        ],
      }),
    );
    const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'empty-env' }))).taskDefinition!;
    expect(td.containerDefinitions?.[0]?.environment).toEqual([{ name: 'LOG_LEVEL', value: 'info' }]);
  });

  it('answers tags only when asked with include TAGS', async () => {
    const tags = [{ key: 'team', value: 'web' }];
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'tagged',
        containerDefinitions: [{ name: 'app', image: 'app:1', memory: 128 }],
        tags,
      }),
    );
    const plain = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'tagged' }));
    expect(plain.tags).toBeUndefined();
    const withTags = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'tagged', include: ['TAGS'] }));
    expect(withTags.tags).toEqual(tags);
  });
});

describe('container health checks', () => {
  it('registers targets only once the task definition health check passes; unhealthy tasks are replaced', async () => {
    const ref = `${sandbox.registry}/app:v1`;
    await sandbox.build(fixtureBuildRequest([ref], { version: 'v1' }));
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'checked',
        networkMode: 'awsvpc',
        containerDefinitions: [
          {
            name: 'app',
            image: ref,
            portMappings: [{ containerPort: 8080 }],
            healthCheck: {
              command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'],
              interval: 5,
              timeout: 2,
              retries: 2,
            },
          },
        ],
      }),
    );
    const result = await stack({
      taskDefinition: registered.taskDefinition!.taskDefinitionArn,
      controller: 'ECS',
      desiredCount: 1,
    });
    const [arn] = await runningTasks();
    const task = (await ecs.send(new DescribeTasksCommand({ cluster: 'main', tasks: [arn!] }))).tasks![0]!;
    expect(task.healthStatus).toBe('HEALTHY');
    expect((await get(result.productionUrl)).version).toBe('v1');

    // New tasks that fail their checks are stopped as ECS does, and replaced.
    sandbox.faults({ unhealthyNewTasks: {} });
    await ecs.send(new StopTaskCommand({ cluster: 'main', task: arn }));
    const unhealthy = await until('an unhealthy task', async () => {
      const arns = (await ecs.send(new ListTasksCommand({ cluster: 'main', desiredStatus: 'STOPPED' }))).taskArns ?? [];
      const tasks = arns.length
        ? ((await ecs.send(new DescribeTasksCommand({ cluster: 'main', tasks: arns }))).tasks ?? [])
        : [];
      return tasks.find((t) => t.stoppedReason === 'Task failed container health checks');
    });
    expect(unhealthy.healthStatus).toBe('UNHEALTHY');
    sandbox.faults({});
    await until('a healthy replacement', async () => {
      const arns = await runningTasks();
      const tasks = arns.length
        ? ((await ecs.send(new DescribeTasksCommand({ cluster: 'main', tasks: arns }))).tasks ?? [])
        : [];
      return tasks.some((t) => t.healthStatus === 'HEALTHY') ? true : undefined;
    });
  }, 60_000);
});
