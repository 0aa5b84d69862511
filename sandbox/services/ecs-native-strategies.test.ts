/**
 * ECS native LINEAR and CANARY deployments and lifecycle hooks: production traffic moves in the
 * strategy's steps on the sandbox clock, pause hooks hold a deployment until
 * ContinueServiceDeployment, Lambda hooks answer what the fault set says, and StopServiceDeployment
 * ROLLBACK brings blue back in every strategy.
 */
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  ECSClient,
  InvalidParameterException,
  ListServiceDeploymentsCommand,
  RegisterTaskDefinitionCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
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

async function release(version: string): Promise<string> {
  const ref = `${sandbox.registry}/app:${version}`;
  await sandbox.build(fixtureBuildRequest([ref], { version }));
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'web',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: ref, portMappings: [{ containerPort: 8080 }] }],
    }),
  );
  return registered.taskDefinition!.taskDefinitionArn!;
}

async function stack(body: Record<string, unknown>): Promise<StackResult> {
  return sandbox.stack({
    cluster: 'main',
    service: 'web',
    containerName: 'app',
    containerPort: 8080,
    desiredCount: 2,
    controller: 'ECS',
    taskDefinition: await release('v1'),
    ...body,
  } as Parameters<RunningSandbox['stack']>[0]);
}

async function get(url: string): Promise<string> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
  return ((await response.json()) as { version: string }).version;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Deploys v2 and answers its service deployment ARN. */
async function deployV2(): Promise<string> {
  const v2 = await release('v2');
  const updated = await ecs.send(new UpdateServiceCommand({ cluster: 'main', service: 'web', taskDefinition: v2 }));
  return updated.service!.currentServiceDeployment!;
}

async function describe1(arn: string): Promise<ServiceDeployment> {
  return (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] })))
    .serviceDeployments![0]!;
}

/** Polls until the deployment ends, noting each green production weight (listener and API) as it changes. */
async function follow(result: StackResult, arn: string) {
  const listener = sandbox.lb.listener(result.listeners.production)!;
  const steps: { green: number; at: number }[] = [];
  const reported: number[] = [];
  const ended = await until(
    'the deployment to end',
    async () => {
      const green = listener.weights().find((w) => w.targetGroupArn === result.targetGroups.green.arn)!.weight;
      if (steps[steps.length - 1]?.green !== green) steps.push({ green, at: Date.now() });
      const d = await describe1(arn);
      const weight = d.targetServiceRevision?.requestedProductionTrafficWeight;
      if (weight !== undefined && reported[reported.length - 1] !== weight) reported.push(weight);
      return ['SUCCESSFUL', 'ROLLBACK_SUCCESSFUL', 'STOPPED', 'ROLLBACK_FAILED'].includes(d.status!) ? d : undefined;
    },
    60_000,
  );
  return { ended, steps, reported };
}

describe('LINEAR', () => {
  it('shifts production traffic in equal steps, one step bake time apart, and ends on green', async () => {
    const result = await stack({
      strategy: 'LINEAR',
      linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 1 },
    });
    const { ended, steps, reported } = await follow(result, await deployV2());
    expect(ended.status).toBe('SUCCESSFUL');
    expect(steps.map((s) => s.green)).toEqual([0, 25, 50, 75, 100]);
    expect(reported).toEqual([0, 25, 50, 75, 100]);
    // One AWS minute between steps is one real second at time scale 60 (allow for polling).
    for (let i = 2; i < steps.length; i++) expect(steps[i]!.at - steps[i - 1]!.at).toBeGreaterThanOrEqual(900);
    expect(ended.deploymentConfiguration?.strategy).toBe('LINEAR');
    expect(await get(result.productionUrl)).toBe('v2');
  });

  it('rolls back on StopServiceDeployment ROLLBACK in the middle of the steps', async () => {
    const result = await stack({
      strategy: 'LINEAR',
      linearConfiguration: { stepPercent: 20, stepBakeTimeInMinutes: 10 },
    });
    const arn = await deployV2();
    await until('the first step', async () =>
      (await describe1(arn)).targetServiceRevision?.requestedProductionTrafficWeight === 20 ? true : undefined,
    );
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }));
    const { ended } = await follow(result, arn);
    expect(ended.status).toBe('ROLLBACK_SUCCESSFUL');
    expect(sandbox.lb.listener(result.listeners.production)!.weights()).toEqual([
      { targetGroupArn: result.targetGroups.blue.arn, weight: 100 },
      { targetGroupArn: result.targetGroups.green.arn, weight: 0 },
    ]);
    for (let i = 0; i < 10; i++) expect(await get(result.productionUrl)).toBe('v1');
  });
});

describe('CANARY', () => {
  it('sends the canary percent first, bakes, then the rest at once', async () => {
    const result = await stack({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 2 },
    });
    const { ended, steps } = await follow(result, await deployV2());
    expect(ended.status).toBe('SUCCESSFUL');
    expect(steps.map((s) => s.green)).toEqual([0, 10, 100]);
    expect(steps[2]!.at - steps[1]!.at).toBeGreaterThanOrEqual(1900);
  });

  it('writes a canary percent with a tenth as listener weights in tenths', async () => {
    const result = await stack({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 2.5, canaryBakeTimeInMinutes: 10 },
    });
    const arn = await deployV2();
    await until('the canary step', async () =>
      (await describe1(arn)).targetServiceRevision?.requestedProductionTrafficWeight === 2.5 ? true : undefined,
    );
    expect(sandbox.lb.listener(result.listeners.production)!.weights()).toEqual([
      { targetGroupArn: result.targetGroups.blue.arn, weight: 975 },
      { targetGroupArn: result.targetGroups.green.arn, weight: 25 },
    ]);
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }));
    expect((await follow(result, arn)).ended.status).toBe('ROLLBACK_SUCCESSFUL');
  });
});

describe('pause hooks', () => {
  const pauseAfterTest = [{ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }];

  async function paused(arn: string): Promise<ServiceDeployment> {
    return until('the pause hook', async () => {
      const d = await describe1(arn);
      return d.lifecycleHookDetails?.some((h) => h.status === 'AWAITING_ACTION') ? d : undefined;
    });
  }

  it('hold the deployment at their stage until ContinueServiceDeployment CONTINUE', async () => {
    const result = await stack({ strategy: 'BLUE_GREEN', lifecycleHooks: pauseAfterTest });
    const arn = await deployV2();
    const held = await paused(arn);
    expect(held.status).toBe('IN_PROGRESS');
    expect(held.lifecycleStage).toBe('POST_TEST_TRAFFIC_SHIFT');
    const hook = held.lifecycleHookDetails![0]!;
    expect(hook).toMatchObject({ targetType: 'PAUSE', status: 'AWAITING_ACTION', timeoutAction: 'ROLLBACK' });
    expect(hook.hookId).toMatch(/^ecs-pause-/);
    expect(hook.targetArn).toBeUndefined();
    // The default timeout is 1440 minutes.
    expect(hook.expiresAt!.getTime() - Date.now()).toBeGreaterThan(1439 * 60_000);
    // Two AWS minutes later it still waits: green takes the test listener, blue all of production.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await describe1(arn)).lifecycleStage).toBe('POST_TEST_TRAFFIC_SHIFT');
    expect(await get(result.testUrl)).toBe('v2');
    expect(await get(result.productionUrl)).toBe('v1');

    await expect(
      ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: 'ecs-pause-nope' })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook.hookId! }));
    const { ended } = await follow(result, arn);
    expect(ended.status).toBe('SUCCESSFUL');
    expect(await get(result.productionUrl)).toBe('v2');
    // The hook ran once: a second CONTINUE has nothing to act on.
    await expect(
      ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook.hookId! })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('roll back on ContinueServiceDeployment ROLLBACK, and on StopServiceDeployment while paused', async () => {
    const result = await stack({ strategy: 'LINEAR', lifecycleHooks: pauseAfterTest });
    const arn = await deployV2();
    const hook = (await paused(arn)).lifecycleHookDetails![0]!;
    await ecs.send(
      new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook.hookId!, action: 'ROLLBACK' }),
    );
    const { ended } = await follow(result, arn);
    expect(ended.status).toBe('ROLLBACK_SUCCESSFUL');
    expect(ended.rollback?.reason).toContain(hook.hookId!);
    expect(await get(result.testUrl)).toBe('v1');

    const again = await deployV2();
    await paused(again);
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: again, stopType: 'ROLLBACK' }));
    const stopped = (await follow(result, again)).ended;
    expect(stopped.status).toBe('ROLLBACK_SUCCESSFUL');
    expect(stopped.lifecycleHookDetails ?? []).toEqual([]);
    expect(await get(result.productionUrl)).toBe('v1');
  });

  it('take their timeout action when nobody answers', async () => {
    const result = await stack({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 50, canaryBakeTimeInMinutes: 0 },
      lifecycleHooks: [
        {
          targetType: 'PAUSE',
          lifecycleStages: ['PRE_SCALE_UP'],
          timeoutConfiguration: { timeoutInMinutes: 1, action: 'CONTINUE' },
        },
      ],
    });
    const arn = await deployV2();
    const held = await paused(arn);
    expect(held.lifecycleStage).toBe('PRE_SCALE_UP');
    const { ended } = await follow(result, arn);
    expect(ended.status).toBe('SUCCESSFUL');
  });

  it('run at each production traffic step of a LINEAR deployment', async () => {
    const result = await stack({
      strategy: 'LINEAR',
      linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 0 },
      lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['PRODUCTION_TRAFFIC_SHIFT'] }],
    });
    const arn = await deployV2();
    const weightsAtPauses: number[] = [];
    for (let step = 0; step < 2; step++) {
      const held = await paused(arn);
      expect(held.lifecycleStage).toBe('PRODUCTION_TRAFFIC_SHIFT');
      weightsAtPauses.push(held.targetServiceRevision!.requestedProductionTrafficWeight!);
      const hookId = held.lifecycleHookDetails![0]!.hookId!;
      await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId }));
      await until('the hook to be answered', async () =>
        (await describe1(arn)).lifecycleHookDetails?.some((h) => h.hookId === hookId && h.status === 'AWAITING_ACTION')
          ? undefined
          : true,
      );
    }
    expect(weightsAtPauses).toEqual([50, 100]);
    expect((await follow(result, arn)).ended.status).toBe('SUCCESSFUL');
  });
});

describe('Lambda hooks', () => {
  const fn = 'arn:aws:lambda:us-east-1:123456789012:function:check';

  it('answer what the lambdaHooks fault says: IN_PROGRESS holds, FAILED rolls back', async () => {
    sandbox.faults({ lambdaHooks: { [fn]: 'IN_PROGRESS' } });
    const result = await stack({
      strategy: 'BLUE_GREEN',
      lifecycleHooks: [
        { hookTargetArn: fn, roleArn: 'arn:aws:iam::123456789012:role/hooks', lifecycleStages: ['POST_SCALE_UP'] },
      ],
    });
    const arn = await deployV2();
    const held = await until('the Lambda hook', async () => {
      const d = await describe1(arn);
      return d.lifecycleHookDetails?.length ? d : undefined;
    });
    expect(held.lifecycleHookDetails![0]).toMatchObject({
      targetType: 'AWS_LAMBDA',
      targetArn: fn,
      status: 'IN_PROGRESS',
    });
    await expect(
      ecs.send(
        new ContinueServiceDeploymentCommand({
          serviceDeploymentArn: arn,
          hookId: held.lifecycleHookDetails![0]!.hookId!,
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    sandbox.faults({ lambdaHooks: { '*': 'FAILED' } });
    const { ended } = await follow(result, arn);
    expect(ended.status).toBe('ROLLBACK_SUCCESSFUL');
    expect(ended.rollback?.reason).toContain(fn);
    expect(await get(result.productionUrl)).toBe('v1');
  });

  it('let the deployment through when no fault names them', async () => {
    const result = await stack({
      strategy: 'BLUE_GREEN',
      lifecycleHooks: [{ hookTargetArn: fn, lifecycleStages: ['PRE_SCALE_UP'] }],
    });
    expect((await follow(result, await deployV2())).ended.status).toBe('SUCCESSFUL');
  });
});

describe('configuration', () => {
  it('refuses values outside the API reference ranges with InvalidParameterException', async () => {
    await stack({ strategy: 'BLUE_GREEN' });
    const bad = [
      { strategy: 'LINEAR', linearConfiguration: { stepPercent: 2 } },
      { strategy: 'LINEAR', linearConfiguration: { stepPercent: 10.05 } },
      { strategy: 'CANARY', canaryConfiguration: { canaryBakeTimeInMinutes: 1441 } },
      { strategy: 'BLUE_GREEN', lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['BAKE_TIME'] }] },
      { strategy: 'BLUE_GREEN', lifecycleHooks: [{ lifecycleStages: ['PRE_SCALE_UP'] }] },
    ];
    for (const deploymentConfiguration of bad) {
      await expect(
        ecs.send(new UpdateServiceCommand({ cluster: 'main', service: 'web', deploymentConfiguration } as never)),
      ).rejects.toBeInstanceOf(InvalidParameterException);
    }
    // A stage outside the hook stages breaks the request model itself: the model check refused it.
    expect(sandbox.modelViolations(true).map((v) => v.violations.join('; '))).toEqual([
      expect.stringContaining('lifecycleStages[0]: "BAKE_TIME" is not one of'),
    ]);
    const deployments = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'main', service: 'web' }));
    expect(deployments.serviceDeployments).toHaveLength(1);
  });

  it('needs the alternate target group for LINEAR and CANARY', async () => {
    await stack({ strategy: 'ROLLING' });
    await expect(
      ecs.send(
        new UpdateServiceCommand({ cluster: 'main', service: 'web', deploymentConfiguration: { strategy: 'CANARY' } }),
      ),
    ).rejects.toThrow(/CANARY deployment strategy requires loadBalancers\[\]\.advancedConfiguration/);
  });
});
