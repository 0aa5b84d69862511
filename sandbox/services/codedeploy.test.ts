/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read API answers as loose JSON */
/**
 * CodeDeploy service and deployment engine against fakes of ECS, the load balancer and a fast
 * clock: lifecycle order, traffic steps, stop with and without rollback, ready wait, the
 * one-active-deployment rule, failing events and crashing replacement tasks.
 */
import { describe, expect, it, afterEach } from '@jest/globals';
import {
  AwsError,
  type CallContext,
  type CodeDeployService,
  type EcsInternals,
  type FaultSet,
  type Listener,
  type LoadBalancer,
  type SandboxClock,
  type ServiceForDeployment,
  type TargetGroup,
  type TaskDefinitionSummary,
  type TaskSetInfo,
} from '../contracts.js';
import { createCodeDeployService } from './codedeploy.js';
import { trafficSteps } from './codedeploy/configs.js';

// ---------------------------------------------------------------------------------------------
// Fakes

/** AWS time runs `scale` times faster than real time. */
function fastClock(scale = 10_000): SandboxClock {
  return {
    scale,
    now: () => new Date(),
    toRealMs: (awsMs) => awsMs / scale,
    sleep(awsMs, signal) {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, awsMs / scale);
        const onAbort = () => {
          clearTimeout(timer);
          reject(signal!.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

type Behaviour = { kind: 'healthy'; afterPolls: number } | { kind: 'crash'; reason: string };

class FakeEcs implements EcsInternals {
  readonly calls: string[] = [];
  readonly taskSets = new Map<string, TaskSetInfo>();
  nextBehaviour: Behaviour = { kind: 'healthy', afterPolls: 2 };
  private readonly polls = new Map<string, number>();
  private readonly behaviours = new Map<string, Behaviour>();
  private counter = 0;
  readonly definitions = new Map<string, TaskDefinitionSummary>();
  readonly serviceInfo: Omit<ServiceForDeployment, 'taskSets'> = {
    serviceArn: 'arn:aws:ecs:eu-west-1:123456789012:service/demo/web',
    clusterName: 'demo',
    serviceName: 'web',
    status: 'ACTIVE',
    deploymentController: 'CODE_DEPLOY',
    desiredCount: 2,
    loadBalancer: { targetGroupArn: 'arn:tg/blue', containerName: 'app', containerPort: 8080 },
  };

  constructor() {
    for (const revision of [1, 2]) {
      const arn = `arn:aws:ecs:eu-west-1:123456789012:task-definition/web:${revision}`;
      this.definitions.set(arn, {
        taskDefinitionArn: arn,
        family: 'web',
        revision,
        status: 'ACTIVE',
        containerDefinitions: [{ name: 'app', image: `app:${revision}`, portMappings: [{ containerPort: 8080 }] }],
      });
    }
    this.taskSets.set(
      'ecs-svc/blue',
      this.newSet('ecs-svc/blue', 'PRIMARY', 'arn:tg/blue', `${[...this.definitions.keys()][0]}`, 2),
    );
  }

  private newSet(id: string, status: TaskSetInfo['status'], tg: string, td: string, running: number): TaskSetInfo {
    return {
      id,
      taskSetArn: `arn:aws:ecs:eu-west-1:123456789012:task-set/demo/web/${id}`,
      status,
      taskDefinition: td,
      targetGroupArn: tg,
      desiredCount: 2,
      pendingCount: 2 - running,
      runningCount: running,
      healthyCount: running,
      stabilityStatus: running === 2 ? 'STEADY_STATE' : 'STABILIZING',
      stoppedReasons: [],
    };
  }

  taskDefinition(arn: string) {
    return this.definitions.get(arn);
  }
  service(cluster: string, service: string): ServiceForDeployment {
    if (cluster !== 'demo') throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
    if (service !== 'web') throw new AwsError('ServiceNotFoundException', 'Service not found.');
    return { ...this.serviceInfo, taskSets: [...this.taskSets.values()].map((ts) => ({ ...ts })) };
  }
  createTaskSet(
    _cluster: string,
    _service: string,
    opts: { taskDefinition: string; targetGroupArn: string },
  ): TaskSetInfo {
    const id = `ecs-svc/green-${++this.counter}`;
    this.calls.push(`createTaskSet ${opts.targetGroupArn}`);
    this.taskSets.set(id, this.newSet(id, 'ACTIVE', opts.targetGroupArn, opts.taskDefinition, 0));
    this.behaviours.set(id, this.nextBehaviour);
    this.polls.set(id, 0);
    return { ...this.taskSets.get(id)! };
  }
  taskSet(_cluster: string, _service: string, id: string): TaskSetInfo {
    const ts = this.taskSets.get(id);
    if (!ts) throw new AwsError('TaskSetNotFoundException', `The specified task set ${id} does not exist.`);
    const behaviour = this.behaviours.get(id);
    if (behaviour) {
      const polls = (this.polls.get(id) ?? 0) + 1;
      this.polls.set(id, polls);
      if (behaviour.kind === 'healthy' && polls >= behaviour.afterPolls) {
        Object.assign(ts, { runningCount: 2, pendingCount: 0, healthyCount: 2 });
      } else if (behaviour.kind === 'crash') {
        ts.stoppedReasons.unshift(behaviour.reason);
      }
    }
    return { ...ts, stoppedReasons: [...ts.stoppedReasons] };
  }
  updateTaskSetScale() {}
  setPrimaryTaskSet(_cluster: string, _service: string, id: string) {
    this.calls.push(`setPrimary ${id}`);
    for (const ts of this.taskSets.values()) ts.status = ts.id === id ? 'PRIMARY' : 'ACTIVE';
  }
  async deleteTaskSet(_cluster: string, _service: string, id: string) {
    this.calls.push(`deleteTaskSet ${id}`);
    this.taskSets.delete(id);
  }
  addServiceEvent() {}
  primary(): TaskSetInfo | undefined {
    return [...this.taskSets.values()].find((ts) => ts.status === 'PRIMARY');
  }
}

class FakeListener implements Listener {
  readonly history: { targetGroupArn: string; weight: number }[][] = [];
  constructor(
    readonly arn: string,
    private current: { targetGroupArn: string; weight: number }[],
  ) {}
  readonly url = 'http://127.0.0.1:1';
  setWeights(weights: { targetGroupArn: string; weight: number }[]) {
    this.current = weights.map((w) => ({ ...w }));
    this.history.push(this.current);
  }
  weights() {
    return this.current.map((w) => ({ ...w }));
  }
  stats() {
    return {};
  }
  greenShare(): number {
    return this.current.find((w) => w.targetGroupArn === 'arn:tg/green')?.weight ?? 0;
  }
}

function fakeLb(): LoadBalancer & { prod: FakeListener; test: FakeListener } {
  const tg = (name: string): TargetGroup => ({
    arn: `arn:tg/${name}`,
    name,
    register() {},
    deregister: async () => {},
    targetHealth: () => [],
  });
  const groups = [tg('blue'), tg('green')];
  const prod = new FakeListener('arn:listener/prod', [{ targetGroupArn: 'arn:tg/blue', weight: 100 }]);
  const test = new FakeListener('arn:listener/test', [{ targetGroupArn: 'arn:tg/blue', weight: 100 }]);
  const listeners = [prod, test];
  return {
    prod,
    test,
    createTargetGroup: () => {
      throw new Error('not used');
    },
    targetGroup: (arn) => groups.find((g) => g.arn === arn),
    targetGroupByName: (name) => groups.find((g) => g.name === name),
    createListener: () => {
      throw new Error('not used');
    },
    listener: (arn) => listeners.find((l) => l.arn === arn),
    close: async () => {},
  };
}

// ---------------------------------------------------------------------------------------------
// Harness

const ctx: CallContext = {
  service: 'codedeploy',
  operation: '',
  requestId: 'r',
  account: '123456789012',
  region: 'eu-west-1',
};
const TD2 = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:2';

interface Harness {
  service: CodeDeployService;
  ecs: FakeEcs;
  lb: ReturnType<typeof fakeLb>;
  faults: FaultSet;
  call(op: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
}

const started: CodeDeployService[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

async function setup(group: Record<string, unknown> = {}): Promise<Harness> {
  const ecs = new FakeEcs();
  const lb = fakeLb();
  const faults: FaultSet = {};
  const service = createCodeDeployService({
    ecs,
    lb,
    clock: fastClock(),
    faults: { current: () => faults },
    account: '123456789012',
    region: 'eu-west-1',
  });
  started.push(service);
  const call = async (op: string, input: Record<string, unknown>) => {
    const handler = service.handlers[op];
    if (!handler) throw new Error(`no handler ${op}`);
    return (await handler(input, { ...ctx, operation: op })) as Record<string, unknown>;
  };
  await call('CreateApplication', { applicationName: 'app', computePlatform: 'ECS' });
  await call('CreateDeploymentGroup', {
    applicationName: 'app',
    deploymentGroupName: 'dg',
    serviceRoleArn: 'arn:aws:iam::123456789012:role/codedeploy',
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    blueGreenDeploymentConfiguration: {
      deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
      terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
    },
    ecsServices: [{ clusterName: 'demo', serviceName: 'web' }],
    loadBalancerInfo: {
      targetGroupPairInfoList: [
        {
          targetGroups: [{ name: 'blue' }, { name: 'green' }],
          prodTrafficRoute: { listenerArns: ['arn:listener/prod'] },
          testTrafficRoute: { listenerArns: ['arn:listener/test'] },
        },
      ],
    },
    autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
    ...group,
  });
  return { service, ecs, lb, faults, call };
}

function appSpec(taskDefinition = TD2, extra = ''): string {
  return [
    'version: 0.0',
    'Resources:',
    '  - TargetService:',
    '      Type: AWS::ECS::Service',
    '      Properties:',
    `        TaskDefinition: "${taskDefinition}"`,
    '        LoadBalancerInfo:',
    '          ContainerName: "app"',
    '          ContainerPort: 8080',
    extra,
  ].join('\n');
}

async function deploy(h: Harness, input: Record<string, unknown> = {}): Promise<string> {
  const out = await h.call('CreateDeployment', {
    applicationName: 'app',
    deploymentGroupName: 'dg',
    revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec() } },
    ...input,
  });
  return out.deploymentId as string;
}

async function info(h: Harness, id: string) {
  return (await h.call('GetDeployment', { deploymentId: id })).deploymentInfo as Record<string, any>;
}

async function target(h: Harness, id: string) {
  const out = await h.call('GetDeploymentTarget', { deploymentId: id, targetId: 'demo:web' });
  return (out.deploymentTarget as Record<string, any>).ecsTarget as Record<string, any>;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const untilStatus = (h: Harness, id: string, ...statuses: string[]) =>
  waitFor(`deployment ${id} in ${statuses.join('|')}`, async () => {
    const d = await info(h, id);
    return statuses.includes(d.status) ? d : undefined;
  });

const ORDER = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
];

// ---------------------------------------------------------------------------------------------

describe('traffic steps', () => {
  it('follows AllAtOnce, Linear and Canary configs', () => {
    expect(trafficSteps({ type: 'AllAtOnce' })).toEqual([{ waitBeforeMs: 0, greenPercent: 100 }]);
    const linear = trafficSteps({
      type: 'TimeBasedLinear',
      timeBasedLinear: { linearPercentage: 10, linearInterval: 1 },
    });
    expect(linear.map((s) => s.greenPercent)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(linear.map((s) => s.waitBeforeMs)).toEqual([0, ...Array(9).fill(60_000)]);
    const uneven = trafficSteps({
      type: 'TimeBasedLinear',
      timeBasedLinear: { linearPercentage: 30, linearInterval: 3 },
    });
    expect(uneven.map((s) => s.greenPercent)).toEqual([30, 60, 90, 100]);
    expect(
      trafficSteps({ type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 5 } }),
    ).toEqual([
      { waitBeforeMs: 0, greenPercent: 10 },
      { waitBeforeMs: 300_000, greenPercent: 100 },
    ]);
  });
});

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

  it('lists the predefined ECS configs', async () => {
    const h = await setup();
    const list = (await h.call('ListDeploymentConfigs', {})).deploymentConfigsList as string[];
    expect(list).toEqual(
      expect.arrayContaining([
        'CodeDeployDefault.ECSAllAtOnce',
        'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
        'CodeDeployDefault.ECSLinear10PercentEvery3Minutes',
        'CodeDeployDefault.ECSCanary10Percent5Minutes',
        'CodeDeployDefault.ECSCanary10Percent15Minutes',
      ]),
    );
    const linear3 = (
      await h.call('GetDeploymentConfig', { deploymentConfigName: 'CodeDeployDefault.ECSLinear10PercentEvery3Minutes' })
    ).deploymentConfigInfo as any;
    expect(linear3.trafficRoutingConfig).toEqual({
      type: 'TimeBasedLinear',
      timeBasedLinear: { linearPercentage: 10, linearInterval: 3 },
    });
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

  it('rejects ECS groups that do not fit: wrong controller, unknown target group, second group for a service', async () => {
    const h = await setup();
    const base = {
      applicationName: 'app',
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      ecsServices: [{ clusterName: 'demo', serviceName: 'web' }],
      loadBalancerInfo: {
        targetGroupPairInfoList: [
          {
            targetGroups: [{ name: 'blue' }, { name: 'green' }],
            prodTrafficRoute: { listenerArns: ['arn:listener/prod'] },
          },
        ],
      },
    };
    await expect(h.call('CreateDeploymentGroup', { ...base, deploymentGroupName: 'dg2' })).rejects.toMatchObject({
      code: 'ECSServiceMappingLimitExceededException',
    });
    await expect(h.call('CreateDeploymentGroup', { ...base, deploymentGroupName: 'dg' })).rejects.toMatchObject({
      code: 'DeploymentGroupAlreadyExistsException',
    });
    await h.call('DeleteDeploymentGroup', { applicationName: 'app', deploymentGroupName: 'dg' });
    h.ecs.serviceInfo.deploymentController = 'ECS';
    await expect(h.call('CreateDeploymentGroup', { ...base, deploymentGroupName: 'dg2' })).rejects.toMatchObject({
      code: 'InvalidECSServiceException',
    });
    h.ecs.serviceInfo.deploymentController = 'CODE_DEPLOY';
    const badPair = {
      targetGroupPairInfoList: [
        {
          targetGroups: [{ name: 'blue' }, { name: 'nope' }],
          prodTrafficRoute: { listenerArns: ['arn:listener/prod'] },
        },
      ],
    };
    await expect(
      h.call('CreateDeploymentGroup', { ...base, deploymentGroupName: 'dg2', loadBalancerInfo: badPair }),
    ).rejects.toMatchObject({
      code: 'InvalidTargetGroupPairException',
    });
    await expect(
      h.call('GetDeploymentGroup', { applicationName: 'app', deploymentGroupName: 'dg' }),
    ).rejects.toMatchObject({
      code: 'DeploymentGroupDoesNotExistException',
      message: 'No Deployment Group found for name: dg',
    });
    await expect(h.call('GetApplication', { applicationName: 'missing' })).rejects.toMatchObject({
      code: 'ApplicationDoesNotExistException',
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
