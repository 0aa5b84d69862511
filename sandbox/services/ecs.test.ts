/**
 * ECS services whose tasks really run: stacks made through POST /_sandbox/stack serve real HTTP
 * on their listeners, tasks are replaced when they stop, missing images stop tasks as ECS does,
 * and the ECS controller's BLUE_GREEN and ROLLING deployments shift and roll back.
 */
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteServiceCommand,
  DeleteTaskSetCommand,
  DescribeTaskDefinitionCommand,
  DescribeTaskSetsCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListServiceDeploymentsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  StopServiceDeploymentCommand,
  StopTaskCommand,
  UpdateServiceCommand,
  UpdateServicePrimaryTaskSetCommand,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { fixtureBuildRequest, startSandbox, type RunningSandbox, type StackResult } from '../index.js';

let sandbox: RunningSandbox;
let ecs: ECSClient;
let ecr: ECRClient;

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 60 });
  const config = {
    endpoint: sandbox.endpoint,
    region: sandbox.region,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  };
  ecs = new ECSClient(config);
  ecr = new ECRClient(config);
});

afterAll(async () => {
  ecs?.destroy();
  ecr?.destroy();
  await sandbox?.stop();
});

beforeEach(async () => {
  await sandbox.reset();
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
});

/** Builds the fixture image as `app:<version>` and registers a task definition running it. */
async function release(version: string, imageTag = version): Promise<string> {
  const ref = `${sandbox.registry}/app:${imageTag}`;
  if (imageTag === version) await sandbox.build(fixtureBuildRequest([ref], { version }));
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'web',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'app',
          image: ref,
          portMappings: [{ containerPort: 8080 }],
          environment: [{ name: 'RELEASE', value: version }],
        },
      ],
    }),
  );
  return registered.taskDefinition!.taskDefinitionArn!;
}

async function stack(body: Record<string, unknown>): Promise<StackResult> {
  const response = await fetch(`${sandbox.endpoint}/_sandbox/stack`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      cluster: 'main',
      service: 'web',
      containerName: 'app',
      containerPort: 8080,
      desiredCount: 2,
      ...body,
    }),
  });
  const answer = (await response.json()) as StackResult & { message?: string };
  if (response.status !== 200) throw new Error(`stack failed: ${response.status} ${answer.message}`);
  return answer;
}

async function get(url: string): Promise<{ version: string; hostname: string }> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as { version: string; hostname: string };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function runningTasks(): Promise<string[]> {
  return (await ecs.send(new ListTasksCommand({ cluster: 'main', serviceName: 'web' }))).taskArns ?? [];
}

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
