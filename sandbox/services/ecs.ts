/**
 * Amazon ECS as this suite uses it: clusters, task definitions, services with the CODE_DEPLOY,
 * ECS (ROLLING, BLUE_GREEN) and EXTERNAL deployment controllers, task sets, tasks that really
 * run, service events, and ECS service deployments.
 * API reference: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Operations.html
 *
 * This module only assembles the service: the state and lookups every part shares are in
 * ecs-state.ts, and each resource's API is its own module (ecs-*-api.ts, ecs-run-task.ts).
 */
import type {
  EcsInternals,
  FaultSource,
  LoadBalancer,
  SandboxClock,
  ServiceHandlers,
  TaskRunner,
} from '../contracts.js';
import type { ImageResolution } from './ecr.js';
import { clusterHandlers } from './ecs-clusters-api.js';
import { ServiceDeploymentEngine } from './ecs-deployments.js';
import { serviceDeploymentHandlers } from './ecs-deployments-api.js';
import { createEcsInternals } from './ecs-internals.js';
import type { Cluster, Fleet } from './ecs-model.js';
import { runTaskHandlers } from './ecs-run-task.js';
import { Scheduler } from './ecs-scheduler.js';
import { serviceHandlers } from './ecs-services-api.js';
import { activeService, getCluster, requireTaskDefinition, stateSnapshot, type EcsContext } from './ecs-state.js';
import { taskSetHandlers } from './ecs-task-sets-api.js';
import { TaskDefinitionRegistry } from './ecs-taskdefs.js';
import { taskDefinitionHandlers } from './ecs-taskdefs-api.js';
import { describeTask, taskHandlers } from './ecs-tasks-api.js';
import type { LogsService } from './logs.js';
import type { SecretStore } from './secrets.js';

export interface EcsOptions {
  account: string;
  region: string;
  clock: SandboxClock;
  tasks: TaskRunner;
  lb: LoadBalancer;
  faults: FaultSource;
  resolveImage(image: string): ImageResolution;
  log?: (message: string) => void;
  /** Where RunTask tasks' awslogs streams are served. */
  logs?: Pick<LogsService, 'attach'>;
  /** Values of the containers' `secrets`. */
  secrets?: Pick<SecretStore, 'resolve'>;
}

export interface EcsService {
  handlers: ServiceHandlers;
  internals: EcsInternals;
  /** Resolves once every fleet of the service is at its desired count and healthy. */
  waitForSteadyState(cluster: string, service: string, timeoutMs: number): Promise<void>;
  state(): unknown;
  stop(): Promise<void>;
}

export function createEcsService(options: EcsOptions): EcsService {
  const { account, region, lb, clock } = options;
  const log = options.log ?? (() => undefined);
  const clusters = new Map<string, Cluster>();
  let shutDown = false;
  const scheduler = new Scheduler(
    {
      account,
      region,
      clock,
      tasks: options.tasks,
      lb,
      faults: options.faults,
      resolveImage: options.resolveImage,
      log,
      secrets: options.secrets,
    },
    () => clusters.values(),
  );
  const engine = new ServiceDeploymentEngine({ account, region, clock, lb, scheduler, faults: options.faults, log });
  scheduler.afterReconcile.push((service) => engine.observe(service));
  const ctx: EcsContext = {
    account,
    region,
    lb,
    clusters,
    revisions: new Map<string, Fleet>(),
    taskDefinitions: new TaskDefinitionRegistry(account, region),
    scheduler,
    engine,
  };

  const handlers: ServiceHandlers = {
    ...clusterHandlers(ctx),
    ...taskDefinitionHandlers(ctx.taskDefinitions),
    ...serviceHandlers(ctx),
    ...taskSetHandlers(ctx),
    ...taskHandlers(ctx),
    ...serviceDeploymentHandlers(ctx),

    TagResource() {
      return {};
    },

    ...runTaskHandlers({
      getCluster: (ref) => getCluster(ctx, ref),
      requireTaskDefinition: (ref) => requireTaskDefinition(ctx, ref),
      scheduler,
      describeTask: (task) => describeTask(ctx, task),
      logs: options.logs,
    }),
  };

  return {
    handlers,
    internals: createEcsInternals(ctx),
    async waitForSteadyState(clusterRef, serviceRef, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (shutDown) throw new Error('The sandbox stopped before the service reached a steady state');
        const service = activeService(ctx, clusterRef, serviceRef);
        scheduler.reconcile(service);
        if (scheduler.isSteady(service) && !engine.inProgress(service)) return;
        const stoppedTasks = service.fleets
          .flatMap((f) => f.tasks)
          .filter((t) => t.lastStatus === 'STOPPED' && t.stoppedReason);
        if (Date.now() > deadline) {
          const reasons = stoppedTasks.slice(-3).map((t) => t.stoppedReason);
          throw new Error(
            `Service ${service.name} did not reach a steady state within ${timeoutMs} ms` +
              (reasons.length ? `; stopped tasks: ${reasons.join('; ')}` : ''),
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    state() {
      return stateSnapshot(ctx);
    },
    async stop() {
      shutDown = true;
      engine.abortEverything([...clusters.values()]);
      await scheduler.stop();
    },
  };
}
