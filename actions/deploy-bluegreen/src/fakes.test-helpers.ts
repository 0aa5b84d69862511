/**
 * Small fakes for the deploy logic's unit tests: an AWS client that answers per operation and
 * records every call, a clock whose sleeps advance time at once, and a deps bundle.
 *
 * The fake client holds every request it is handed, and every answer a test gives it, to AWS's API
 * model (testing/aws-model.ts), as the sandbox does: a request or answer that breaks it throws, and
 * is remembered so the test fails even when the code under test swallowed the error. An answer AWS
 * could never give would prove nothing about the code reading it.
 */
import * as codedeploySdk from '@aws-sdk/client-codedeploy';
import * as ecsSdk from '@aws-sdk/client-ecs';
import * as elbv2Sdk from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterEach } from '@jest/globals';
import { cancelledFrom, type Clock } from '../../../lib/cancel.js';
import { describeViolation, loadModel, validateOperation, type ModelService } from '../../../testing/aws-model.js';
import { MemoryLogger } from '../../../lib/log.js';
import type { DeployDeps, TestTrafficResult } from './deps.js';
import type { TaskDefinitionDoc } from './taskdef.js';

export type Handler = (input: Record<string, unknown>) => unknown;

/** Requests and fake answers that broke AWS's API model and that no test has taken yet. */
const modelViolations: string[] = [];

/** The broken requests seen since the last call, forgotten; for tests that break one on purpose. */
export function takeModelViolations(): string[] {
  return modelViolations.splice(0);
}

afterEach(() => {
  const left = takeModelViolations();
  if (left.length > 0) throw new Error(`Requests broke AWS's API model:\n${left.join('\n')}`);
});

const SDKS: [ModelService, Record<string, unknown>][] = [
  ['ecs', ecsSdk],
  ['codedeploy', codedeploySdk],
  ['elbv2', elbv2Sdk],
];

type Command = { input: Record<string, unknown>; constructor: { name: string } };

/**
 * What AWS's model says of a request (`input`) or an answer (`output`), by the SDK module the
 * command class comes from; undefined when it holds, or for a command of no SDK we check.
 */
export function modelViolation(
  command: Command,
  direction: 'input' | 'output',
  value: unknown,
  options: FakeOptions = {},
) {
  const name = command.constructor.name;
  const service = SDKS.find(([, sdk]) => sdk[name] === command.constructor)?.[0];
  if (!service) return undefined;
  const operation = name.replace(/Command$/, '');
  const violations = validateOperation(loadModel(service), operation, direction, value, 'sdk').filter(
    (v) => !(options.answersNewerThanModel && direction === 'output' && v.kind === 'enum'),
  );
  if (violations.length === 0) return undefined;
  const what = direction === 'input' ? 'request' : 'fake answer';
  return `${service}.${operation}: ${what} breaks the AWS model: ${violations.map(describeViolation).join('; ')}`;
}

function refuse(violation: string): never {
  modelViolations.push(violation);
  throw Object.assign(new Error(violation), { name: 'AwsModelViolation' });
}

function checkedAnswer(command: Command, answer: unknown, options: FakeOptions): unknown {
  const violation = modelViolation(command, 'output', answer, options);
  return violation ? refuse(violation) : answer;
}

export interface FakeOptions {
  /**
   * Answers may carry enum values the model does not list yet, as a newer AWS API would: for the
   * tests of how the code treats a value it does not know.
   */
  answersNewerThanModel?: boolean;
}

export class FakeAws {
  readonly calls: { op: string; input: Record<string, unknown> }[] = [];
  constructor(
    public handlers: Record<string, Handler> = {},
    private readonly options: FakeOptions = {},
  ) {}

  readonly client = {
    send: async (
      command: { input: Record<string, unknown>; constructor: { name: string } },
      options?: { abortSignal?: AbortSignal },
    ) => {
      const op = command.constructor.name.replace(/Command$/, '');
      this.calls.push({ op, input: command.input });
      const violation = modelViolation(command, 'input', command.input);
      if (violation) refuse(violation);
      const handler = this.handlers[op];
      if (!handler) throw awsError('UnknownOperationException', `fake has no ${op}`);
      const signal = options?.abortSignal;
      if (signal?.aborted) throw abortError();
      const raw = handler(command.input);
      const answer =
        raw instanceof Promise
          ? raw.then((a) => checkedAnswer(command, a, this.options))
          : checkedAnswer(command, raw, this.options);
      if (!signal || !(answer instanceof Promise)) return answer;
      // As the SDK: an aborted call rejects with AbortError, even when the answer never comes.
      return Promise.race([
        answer,
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(abortError()), { once: true })),
      ]);
    },
  };

  ops(): string[] {
    return this.calls.map((c) => c.op);
  }

  inputsOf(op: string): Record<string, unknown>[] {
    return this.calls.filter((c) => c.op === op).map((c) => c.input);
  }
}

function abortError(): Error {
  return Object.assign(new Error('Request aborted'), { name: 'AbortError' });
}

export function awsError(code: string, message: string): Error {
  return Object.assign(new Error(message), { name: code, $metadata: { requestId: 'req-1' } });
}

export class FakeClock implements Clock {
  time = 1_000_000;
  readonly sleeps: number[] = [];
  /** Called at each sleep, e.g. to abort the signal at some point. */
  onSleep?: (count: number) => void;
  now(): number {
    return this.time;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    this.onSleep?.(this.sleeps.length);
    if (signal?.aborted) throw cancelledFrom(signal);
    this.time += ms;
  }
}

export interface TestDeps extends DeployDeps {
  logger: MemoryLogger;
  clock: FakeClock;
  state: Map<string, string>;
  controller: AbortController;
}

export function fakeDeps(
  ecs: FakeAws,
  codedeploy: FakeAws,
  testTraffic?: (url: string) => TestTrafficResult,
): TestDeps {
  const state = new Map<string, string>();
  const controller = new AbortController();
  return {
    ecs: ecs.client as unknown as DeployDeps['ecs'],
    codedeploy: codedeploy.client as unknown as DeployDeps['codedeploy'],
    clock: new FakeClock(),
    logger: new MemoryLogger(),
    signal: controller.signal,
    controller,
    region: 'eu-west-1',
    state,
    saveState: (name, value) => state.set(name, value),
    checkTestTraffic: testTraffic ? async (url) => testTraffic(url) : undefined,
  };
}

export const ACCOUNT = '123456789012';
export const tdArn = (family: string, revision: number) =>
  `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/${family}:${revision}`;

export const template = (image = 'repo/app:1'): TaskDefinitionDoc => ({
  family: 'app',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  containerDefinitions: [{ name: 'app', image, portMappings: [{ containerPort: 3000 }] }],
});

/**
 * The described form of a template registered as revision `revision`, as ECS answers it: no
 * environment entry with an empty or missing value, and no tags (DescribeTaskDefinition answers
 * those beside the definition, and only with include TAGS).
 */
export function described(definition: TaskDefinitionDoc, revision: number): TaskDefinitionDoc {
  const { tags: _tags, ...registered } = structuredClone(definition);
  return {
    // AWS answers it even when it was never set.
    enableFaultInjection: false,
    ...registered,
    taskDefinitionArn: tdArn(String(definition.family), revision),
    revision,
    status: 'ACTIVE',
    compatibilities: ['EC2', 'FARGATE'],
    requiresAttributes: [],
    containerDefinitions: (definition.containerDefinitions as Record<string, unknown>[]).map((c) => ({
      cpu: 0,
      essential: true,
      mountPoints: [],
      volumesFrom: [],
      ...c,
      environment: ((c.environment ?? []) as { value?: string }[]).filter((e) => e.value),
      portMappings: ((c.portMappings ?? []) as Record<string, unknown>[]).map((p) => ({
        hostPort: p.containerPort,
        protocol: 'tcp',
        ...p,
      })),
    })),
  };
}

/**
 * An ECS fake with a task definition registry (family/revision rules) and one service.
 * `running` is the revision the service runs.
 */
export function fakeEcs(options: {
  controller?: 'CODE_DEPLOY' | 'ECS' | 'EXTERNAL';
  strategy?: string;
  running?: TaskDefinitionDoc;
  serviceStatus?: string;
  missing?: boolean;
  stoppedTasks?: { taskArn: string; taskDefinitionArn: string; stoppedReason: string }[];
  events?: string[];
}): { ecs: FakeAws; registry: TaskDefinitionDoc[] } {
  const registry: TaskDefinitionDoc[] = [];
  const tagsOf = new Map<unknown, unknown>();
  if (options.running) {
    registry.push(described(options.running, 1));
    tagsOf.set(registry[0]!.taskDefinitionArn, options.running.tags ?? []);
  }
  const latestOf = (family: string) =>
    [...registry].reverse().find((d) => d.family === family && d.status === 'ACTIVE');
  const ecs = new FakeAws({
    DescribeServices: (input) => {
      if ((input.cluster as string) === 'nope') throw awsError('ClusterNotFoundException', 'Cluster not found.');
      if (options.missing) {
        return {
          services: [],
          failures: [{ arn: `arn:aws:ecs:::service/${String(input.cluster)}/x`, reason: 'MISSING' }],
        };
      }
      const running = registry[0]?.taskDefinitionArn as string | undefined;
      const controller = options.controller ?? 'CODE_DEPLOY';
      return {
        services: [
          {
            serviceArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/main/web`,
            serviceName: 'web',
            status: options.serviceStatus ?? 'ACTIVE',
            deploymentController: { type: controller },
            deploymentConfiguration: options.strategy ? { strategy: options.strategy } : undefined,
            taskDefinition: controller === 'CODE_DEPLOY' ? undefined : running,
            taskSets:
              controller === 'CODE_DEPLOY' && running
                ? [
                    { status: 'ACTIVE', taskDefinition: tdArn('app', 99) },
                    { status: 'PRIMARY', taskDefinition: running },
                  ]
                : [],
            events: (options.events ?? []).map((message, i) => ({
              id: String(i),
              createdAt: new Date(Date.UTC(2026, 10, 21, 23, 0, 59 - i)),
              message,
            })),
          },
        ],
        failures: [],
      };
    },
    DescribeTaskDefinition: (input) => {
      const ref = input.taskDefinition as string;
      const found = ref.includes(':') ? registry.find((d) => d.taskDefinitionArn === ref) : latestOf(ref);
      if (!found) throw awsError('ClientException', 'Unable to describe task definition.');
      const withTags = (input.include as string[] | undefined)?.includes('TAGS');
      return {
        taskDefinition: structuredClone(found),
        ...(withTags ? { tags: structuredClone(tagsOf.get(found.taskDefinitionArn)) } : {}),
      };
    },
    RegisterTaskDefinition: (input) => {
      const family = input.family as string;
      const revision = registry.filter((d) => d.family === family).length + 1;
      const registered = described(input as TaskDefinitionDoc, revision);
      registry.push(registered);
      tagsOf.set(registered.taskDefinitionArn, input.tags ?? []);
      return { taskDefinition: registered, tags: input.tags ?? [] };
    },
    ListTasks: () => ({ taskArns: (options.stoppedTasks ?? []).map((t) => t.taskArn) }),
    DescribeTasks: () => ({
      tasks: (options.stoppedTasks ?? []).map((t, i) => ({
        ...t,
        lastStatus: 'STOPPED',
        stoppedAt: new Date(Date.UTC(2026, 10, 21, 23, 0, i)),
        containers: [{ name: 'app', exitCode: 1 }],
      })),
    }),
  });
  return { ecs, registry };
}

export interface Step {
  status: string;
  events?: [string, string][];
  traffic?: [number, number];
  error?: { code: string; message: string };
  rollbackId?: string;
}

/** A CodeDeploy fake with one ECS application and group; deployments follow `script`, one step per GetDeployment. */
export function fakeCodeDeploy(options: {
  script?: Step[];
  active?: string[];
  readyOption?: 'CONTINUE_DEPLOYMENT' | 'STOP_DEPLOYMENT';
  /** How GetDeployment answers for ids other than the one created (e.g. the active or rollback ones). */
  others?: (id: string, calls: number) => string;
  /** As CodeDeploy with auto-rollback: StopDeployment of `X` starts rollback deployment `X-RB`. */
  rollbackOnStop?: boolean;
  /** The script may use statuses a newer CodeDeploy could answer (see FakeOptions). */
  answersNewerThanModel?: boolean;
}): FakeAws {
  let step = -1;
  let created: string | undefined;
  const active = [...(options.active ?? [])];
  const otherCalls = new Map<string, number>();
  const stoppedWithRollback = new Set<string>();
  const script = options.script ?? [{ status: 'Succeeded' }];
  const current = () => script[Math.min(Math.max(step, 0), script.length - 1)]!;
  const fake: FakeAws = new FakeAws(
    {
      ListApplications: () => ({ applications: ['other-app', 'web-app'] }),
      BatchGetApplications: (input) => ({
        applicationsInfo: (input.applicationNames as string[]).map((name) => ({
          applicationName: name,
          computePlatform: name === 'web-app' ? 'ECS' : 'Server',
        })),
      }),
      ListDeploymentGroups: () => ({ deploymentGroups: ['web-dg', 'other-dg'] }),
      BatchGetDeploymentGroups: (input) => ({
        deploymentGroupsInfo: (input.deploymentGroupNames as string[]).map((name) =>
          groupInfo(name, options.readyOption),
        ),
      }),
      GetDeploymentGroup: (input) => {
        if (input.applicationName !== 'web-app') throw awsError('ApplicationDoesNotExistException', 'No application');
        if (!['web-dg', 'other-dg'].includes(input.deploymentGroupName as string)) {
          throw awsError('DeploymentGroupDoesNotExistException', 'No group');
        }
        return { deploymentGroupInfo: groupInfo(input.deploymentGroupName as string, options.readyOption) };
      },
      ListDeployments: () => ({ deployments: [...active] }),
      GetDeploymentConfig: (input) => {
        const name = input.deploymentConfigName as string;
        if (!name.startsWith('CodeDeployDefault.ECS'))
          throw awsError('DeploymentConfigDoesNotExistException', 'No config');
        return { deploymentConfigInfo: { deploymentConfigName: name, computePlatform: 'ECS' } };
      },
      CreateDeployment: (input) => {
        // As CodeDeploy: https://docs.aws.amazon.com/codedeploy/latest/userguide/limits.html
        if (typeof input.description === 'string' && input.description.length > 100) {
          throw awsError('DescriptionTooLongException', 'The description is too long.');
        }
        if (active.length > 0) throw awsError('DeploymentLimitExceededException', `${active[0]} is in progress`);
        created = 'd-NEW';
        return { deploymentId: created };
      },
      GetDeployment: (input) => {
        const id = input.deploymentId as string;
        if (id !== created) {
          const n = (otherCalls.get(id) ?? 0) + 1;
          otherCalls.set(id, n);
          const status = options.others?.(id, n) ?? 'Succeeded';
          if (!['Created', 'Queued', 'InProgress', 'Baking', 'Ready'].includes(status)) {
            const index = active.indexOf(id);
            if (index >= 0) active.splice(index, 1);
          }
          const creator = id.endsWith('-RB') ? 'codeDeployRollback' : 'user';
          const rollbackInfo = stoppedWithRollback.has(id) ? { rollbackDeploymentId: `${id}-RB` } : undefined;
          return { deploymentInfo: { deploymentId: id, status, creator, rollbackInfo } };
        }
        step++;
        const s = current();
        return {
          deploymentInfo: {
            deploymentId: id,
            status: s.status,
            errorInformation: s.error,
            rollbackInfo: s.rollbackId ? { rollbackDeploymentId: s.rollbackId } : undefined,
          },
        };
      },
      ListDeploymentTargets: () => ({ targetIds: ['main:web'] }),
      GetDeploymentTarget: () => {
        const s = current();
        const t0 = Date.UTC(2026, 10, 21, 23, 0, 0);
        return {
          deploymentTarget: {
            deploymentTargetType: 'ECSTarget',
            ecsTarget: {
              targetId: 'main:web',
              lifecycleEvents: (s.events ?? []).map(([name, status], i) => ({
                lifecycleEventName: name,
                status,
                startTime: status === 'Pending' ? undefined : new Date(t0 + i * 1000),
                endTime: status === 'Succeeded' || status === 'Failed' ? new Date(t0 + i * 1000 + 500) : undefined,
                diagnostics:
                  status === 'Failed'
                    ? { errorCode: 'ScriptFailed', message: `${name} failed: tasks stopped` }
                    : undefined,
              })),
              taskSetsInfo: s.traffic
                ? [
                    { taskSetLabel: 'Blue', trafficWeight: s.traffic[0] },
                    { taskSetLabel: 'Green', trafficWeight: s.traffic[1] },
                  ]
                : [],
            },
          },
        };
      },
      StopDeployment: (input) => {
        const id = input.deploymentId as string;
        const index = active.indexOf(id);
        if (index >= 0) active.splice(index, 1);
        if (options.rollbackOnStop && input.autoRollbackEnabled === true && !id.endsWith('-RB')) {
          stoppedWithRollback.add(id);
          active.push(`${id}-RB`);
        }
        return { status: 'Pending', statusMessage: 'stopping' };
      },
      ContinueDeployment: () => ({}),
    },
    { answersNewerThanModel: options.answersNewerThanModel },
  );
  return fake;
}

function groupInfo(name: string, readyOption = 'CONTINUE_DEPLOYMENT') {
  return {
    applicationName: 'web-app',
    deploymentGroupName: name,
    ecsServices:
      name === 'web-dg' ? [{ clusterName: 'main', serviceName: 'web' }] : [{ clusterName: 'main', serviceName: 'api' }],
    blueGreenDeploymentConfiguration: {
      deploymentReadyOption: { actionOnTimeout: readyOption, waitTimeInMinutes: 10 },
    },
  };
}
