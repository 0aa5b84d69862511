/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read API answers as loose JSON */
/**
 * Shared by the CodeDeploy service tests (codedeploy-*.test.ts): fakes of ECS, the load balancer
 * and a fast clock, and a harness that creates an application and an ECS deployment group, starts
 * deployments and polls them. Every service a test set up is stopped after it.
 */
import { afterEach } from '@jest/globals';
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
export const TD2 = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:2';

export interface Harness {
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

export async function setup(group: Record<string, unknown> = {}): Promise<Harness> {
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

export function appSpec(taskDefinition = TD2, extra = ''): string {
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

export async function deploy(h: Harness, input: Record<string, unknown> = {}): Promise<string> {
  const out = await h.call('CreateDeployment', {
    applicationName: 'app',
    deploymentGroupName: 'dg',
    revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec() } },
    ...input,
  });
  return out.deploymentId as string;
}

export async function info(h: Harness, id: string) {
  return (await h.call('GetDeployment', { deploymentId: id })).deploymentInfo as Record<string, any>;
}

export async function target(h: Harness, id: string) {
  const out = await h.call('GetDeploymentTarget', { deploymentId: id, targetId: 'demo:web' });
  return (out.deploymentTarget as Record<string, any>).ecsTarget as Record<string, any>;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export const untilStatus = (h: Harness, id: string, ...statuses: string[]) =>
  waitFor(`deployment ${id} in ${statuses.join('|')}`, async () => {
    const d = await info(h, id);
    return statuses.includes(d.status) ? d : undefined;
  });

export const ORDER = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
];
