/**
 * The ECS service scheduler: keeps each fleet (task set or deployment) at its desired count,
 * starts tasks through the runtime, registers them in their target group once healthy,
 * deregisters (drains) before stopping, replaces tasks that stop, and writes service events in
 * ECS's wording.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_services.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-event-messages-list.html
 */
import {
  AwsError,
  type FaultSource,
  type LoadBalancer,
  type SandboxClock,
  type TaskRunner,
  type TaskSpec,
} from '../contracts.js';
import type { ImageResolution } from './ecr.js';
import { eventId, taskId, type Cluster, type EcsTask, type Fleet, type Service } from './ecs-model.js';
import type { ContainerDefinition, TaskDefinition } from './ecs-taskdefs.js';
import type { SecretStore } from './secrets.js';

export interface SchedulerDeps {
  account: string;
  region: string;
  clock: SandboxClock;
  tasks: TaskRunner;
  lb: LoadBalancer;
  faults: FaultSource;
  resolveImage(image: string): ImageResolution;
  log(message: string): void;
  /** Values for the containers' `secrets`; absent: a task with secrets cannot start. */
  secrets?: Pick<SecretStore, 'resolve'>;
}

/** How many stopped tasks per cluster DescribeTasks still knows (AWS keeps them about an hour). */
const STOPPED_TASKS_KEPT = 200;

export class Scheduler {
  private timer?: NodeJS.Timeout;
  private readonly pending = new Set<Promise<unknown>>();
  /** Hooks the deployment engine uses to observe each reconcile round. */
  afterReconcile: ((service: Service) => void)[] = [];

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly clusters: () => Iterable<Cluster>,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.reconcileAll(), 100);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.pending]);
  }

  /** Waits for the background work (drains, stops) started so far. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise)).catch(() => undefined);
    return promise;
  }

  event(service: Service, message: string): void {
    service.events.unshift({ id: eventId(), createdAt: new Date(), message });
    if (service.events.length > 100) service.events.length = 100;
    this.deps.log(message);
  }

  desired(fleet: Fleet): number {
    if (fleet.kind === 'taskSet') return Math.ceil((fleet.service.desiredCount * fleet.scalePercent) / 100);
    return fleet.desiredCount;
  }

  reconcileAll(): void {
    for (const cluster of this.clusters()) {
      for (const service of cluster.services.values()) {
        if (service.status === 'INACTIVE') continue;
        try {
          this.reconcile(service);
        } catch (error) {
          this.deps.log(`scheduler error on ${service.name}: ${String(error)}`);
        }
      }
    }
  }

  reconcile(service: Service): void {
    const now = Date.now();
    for (const fleet of service.fleets) {
      this.checkHealth(service, fleet);
      const active = fleet.tasks.filter((t) => t.desiredStatus === 'RUNNING');
      const want = service.status === 'DRAINING' ? 0 : this.desired(fleet);
      if (active.length < want && now >= fleet.nextLaunchAt && fleet.rolloutState !== 'FAILED') {
        const started = [];
        for (let i = active.length; i < want; i++) started.push(this.launch(service.cluster, fleet));
        service.steady = false;
        this.event(
          service,
          `(service ${service.name}) has started ${started.length} tasks: ${started.map((t) => `(task ${t.id})`).join(' ')}.`,
        );
      } else if (active.length > want) {
        // Scale in: unhealthy and not yet registered tasks go first, then the newest.
        const victims = [...active]
          .sort((a, b) => Number(a.registered) - Number(b.registered) || b.createdAt.getTime() - a.createdAt.getTime())
          .slice(0, active.length - want);
        service.steady = false;
        for (const task of victims) {
          void this.stopTask(
            task,
            `Scaling activity initiated by (deployment ${fleet.id})`,
            'ServiceSchedulerInitiated',
          );
        }
        this.event(
          service,
          `(service ${service.name}) has stopped ${victims.length} running tasks: ${victims.map((t) => `(task ${t.id})`).join(' ')}.`,
        );
      }
      for (const task of active) this.registerIfReady(service, task);
    }
    for (const hook of this.afterReconcile) hook(service);
    if (!service.steady && this.isSteady(service)) {
      service.steady = true;
      for (const fleet of service.fleets) fleet.stabilityStatusAt = new Date();
      this.event(service, `(service ${service.name}) has reached a steady state.`);
    }
  }

  /** Every fleet at its desired count with every task running and healthy in its target group. */
  isSteady(service: Service): boolean {
    return service.fleets.every((fleet) => this.fleetStable(fleet));
  }

  fleetStable(fleet: Fleet): boolean {
    const active = fleet.tasks.filter((t) => t.desiredStatus === 'RUNNING');
    const stopping = fleet.tasks.some((t) => t.desiredStatus === 'STOPPED' && t.lastStatus !== 'STOPPED');
    const want = fleet.service.status === 'DRAINING' ? 0 : this.desired(fleet);
    return !stopping && active.length === want && active.every((t) => this.taskHealthy(t));
  }

  /** RUNNING, container healthy (or no health check), and healthy in its target group. */
  taskHealthy(task: EcsTask): boolean {
    if (task.lastStatus !== 'RUNNING') return false;
    if (task.hasHealthCheck && task.healthStatus !== 'HEALTHY') return false;
    if (!task.targetGroupArn) return true;
    return this.targetState(task) === 'healthy';
  }

  targetState(task: EcsTask): string | undefined {
    if (!task.targetGroupArn || !task.registered) return undefined;
    const group = this.deps.lb.targetGroup(task.targetGroupArn);
    return group?.targetHealth().find((h) => h.target.id === task.id)?.state;
  }

  counts(fleet: Fleet) {
    const active = fleet.tasks.filter((t) => t.desiredStatus === 'RUNNING');
    return {
      desired: this.desired(fleet),
      running: active.filter((t) => t.lastStatus === 'RUNNING').length,
      pending: active.filter((t) => t.lastStatus !== 'RUNNING').length,
      healthy: active.filter((t) => this.taskHealthy(t)).length,
    };
  }

  private checkHealth(service: Service, fleet: Fleet): void {
    const graceMs = this.deps.clock.toRealMs((service.healthCheckGracePeriodSeconds ?? 0) * 1000);
    for (const task of fleet.tasks) {
      if (task.desiredStatus !== 'RUNNING' || task.lastStatus !== 'RUNNING') continue;
      if (task.hasHealthCheck && task.healthStatus === 'UNHEALTHY') {
        this.event(service, `(service ${service.name}) (task ${task.id}) failed container health checks.`);
        this.recordFailure(fleet);
        void this.stopTask(task, 'Task failed container health checks', 'ServiceSchedulerInitiated');
        continue;
      }
      const startedMs = task.startedAt?.getTime() ?? Date.now();
      if (this.targetState(task) === 'unhealthy' && Date.now() - startedMs >= graceMs) {
        this.event(
          service,
          `(service ${service.name}) (port ${task.containerPort}) is unhealthy in (target-group ${task.targetGroupArn}) due to (reason Health checks failed).`,
        );
        this.recordFailure(fleet);
        void this.stopTask(
          task,
          `Task failed ELB health checks in (target-group ${task.targetGroupArn})`,
          'ServiceSchedulerInitiated',
        );
      }
    }
  }

  /** Consecutive failures back launches off: 2 s, 4 s, ... up to 60 s of AWS time. */
  private recordFailure(fleet: Fleet): void {
    fleet.failedTasks++;
    fleet.consecutiveFailures++;
    const backoffAwsMs = Math.min(60_000, 2000 * 2 ** (fleet.consecutiveFailures - 1));
    fleet.nextLaunchAt = Date.now() + this.deps.clock.toRealMs(backoffAwsMs);
  }

  private registerIfReady(service: Service, task: EcsTask): void {
    if (task.registered || !task.targetGroupArn || task.lastStatus !== 'RUNNING' || !task.running) return;
    if (task.hasHealthCheck && task.healthStatus !== 'HEALTHY') return;
    const group = this.deps.lb.targetGroup(task.targetGroupArn);
    if (!group) return;
    group.register({ id: task.id, host: task.running.host, port: task.running.port });
    task.registered = true;
    this.event(service, `(service ${service.name}) registered 1 targets in (target-group ${task.targetGroupArn})`);
  }

  /** Starts one task of a fleet through the runtime. */
  launch(cluster: Cluster, fleet: Fleet): EcsTask {
    const service = fleet.service;
    const task = this.newTask(
      cluster,
      fleet.taskDefinition,
      fleet.container,
      fleet.startedBy,
      `service:${service.name}`,
    );
    task.service = service;
    task.fleet = fleet;
    task.targetGroupArn = fleet.targetGroupArn;
    if (fleet.containerPort) task.containerPort = fleet.containerPort;
    fleet.tasks.push(task);
    this.run(task);
    return task;
  }

  newTask(
    cluster: Cluster,
    definition: TaskDefinition,
    container: ContainerDefinition,
    startedBy: string,
    group: string,
  ): EcsTask {
    const id = taskId();
    const octet = () => 1 + Math.floor(Math.random() * 250);
    const privateIp = `10.0.${octet()}.${octet()}`;
    const mappings = (container.portMappings as { containerPort?: number }[] | undefined) ?? [];
    const task: EcsTask = {
      id,
      arn: `arn:aws:ecs:${this.deps.region}:${this.deps.account}:task/${cluster.name}/${id}`,
      cluster,
      taskDefinition: definition,
      container,
      containerPort: mappings[0]?.containerPort ?? 80,
      image: container.image,
      startedBy,
      group,
      desiredStatus: 'RUNNING',
      lastStatus: 'PROVISIONING',
      healthStatus: 'UNKNOWN',
      hasHealthCheck: Boolean(container.healthCheck),
      createdAt: new Date(),
      registered: false,
      hostname: `ip-${privateIp.replace(/\./g, '-')}.${this.deps.region}.compute.internal`,
      privateIp,
      availabilityZone: `${this.deps.region}${'ab'[Math.floor(Math.random() * 2)]}`,
      stopping: false,
    };
    cluster.tasks.push(task);
    const stopped = cluster.tasks.filter((t) => t.lastStatus === 'STOPPED');
    if (stopped.length > STOPPED_TASKS_KEPT) {
      const drop = new Set(stopped.slice(0, stopped.length - STOPPED_TASKS_KEPT));
      cluster.tasks = cluster.tasks.filter((t) => !drop.has(t));
      for (const svc of cluster.services.values()) {
        for (const fleet of svc.fleets) fleet.tasks = fleet.tasks.filter((t) => !drop.has(t));
      }
    }
    return task;
  }

  /** Resolves the image in sandbox ECR and starts the process; a missing image stops the task as ECS does. */
  run(task: EcsTask): void {
    const resolution = this.deps.resolveImage(task.image);
    if (!resolution.ok) {
      // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html
      this.finish(
        task,
        `CannotPullContainerError: pull image manifest has been retried 7 time(s): ${resolution.reason}`,
        'TaskFailedToStart',
      );
      if (task.fleet) this.recordFailure(task.fleet);
      return;
    }
    task.imageDigest = resolution.digest;
    // Secrets are fetched with the execution role before the container starts; one that cannot be
    // fetched stops the task (TaskFailedToStart) with ResourceInitializationError.
    const secrets = injectSecrets(this.deps, task.container);
    if (!secrets.ok) {
      this.finish(task, secrets.reason, 'TaskFailedToStart');
      if (task.fleet) this.recordFailure(task.fleet);
      return;
    }
    task.lastStatus = 'PENDING';
    const faults = this.deps.faults.current();
    const matches = (needle?: string) =>
      !needle ||
      task.image.includes(needle) ||
      task.taskDefinition.taskDefinitionArn.includes(needle) ||
      resolution.digest.includes(needle);
    const container = task.container;
    const hc = container.healthCheck as
      { command?: string[]; interval?: number; timeout?: number; retries?: number; startPeriod?: number } | undefined;
    const spec: TaskSpec = {
      taskArn: task.arn,
      image: resolution.image,
      containerName: container.name,
      ...(Array.isArray(container.command) ? { command: container.command as string[] } : {}),
      ...(Array.isArray(container.entryPoint) ? { entryPoint: container.entryPoint as string[] } : {}),
      environment: {
        ...Object.fromEntries(
          ((container.environment as { name?: string; value?: string }[] | undefined) ?? [])
            .filter((e) => e.name)
            .map((e) => [e.name!, e.value ?? '']),
        ),
        ...secrets.environment,
      },
      containerPort: task.containerPort,
      hostname: task.hostname,
      ...(hc?.command
        ? {
            healthCheck: {
              command: hc.command,
              intervalMs: (hc.interval ?? 30) * 1000,
              timeoutMs: (hc.timeout ?? 5) * 1000,
              retries: hc.retries ?? 3,
              startPeriodMs: (hc.startPeriod ?? 0) * 1000,
            },
          }
        : {}),
      stopTimeoutMs: ((container.stopTimeout as number | undefined) ?? 30) * 1000,
      ...(faults.crashNewTasks && matches(faults.crashNewTasks.imageContains)
        ? { crashAfterMs: faults.crashNewTasks.afterMs }
        : {}),
      ...(faults.unhealthyNewTasks && matches(faults.unhealthyNewTasks.imageContains) ? { unhealthy: true } : {}),
      ...(task.standalone ? { runningOnStart: true } : {}),
    };
    // ECS watches only the task definition's health check, not a HEALTHCHECK baked into the image.
    // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html
    task.hasHealthCheck = Boolean(spec.healthCheck);
    let running;
    try {
      running = this.deps.tasks.start(spec);
    } catch (error) {
      this.finish(task, `CannotStartContainerError: ${(error as Error).message}`, 'TaskFailedToStart');
      if (task.fleet) this.recordFailure(task.fleet);
      return;
    }
    task.running = running;
    const update = () => {
      if (task.lastStatus === 'STOPPED') return;
      if (running.health !== 'UNKNOWN') task.healthStatus = running.health;
      if (running.lastStatus === 'RUNNING' && !task.stopping) {
        task.lastStatus = 'RUNNING';
        task.startedAt ??= running.startedAt ?? new Date();
        if (task.fleet && (!task.hasHealthCheck || task.healthStatus === 'HEALTHY')) task.fleet.consecutiveFailures = 0;
      }
      if (running.lastStatus === 'STOPPED' && !task.stopping) this.crashed(task);
    };
    running.onChange(update);
    update();
  }

  /** A task stopped without the scheduler asking: record why, drop its target, let reconcile replace it. */
  private crashed(task: EcsTask): void {
    const running = task.running;
    task.exitCode = running?.exitCode;
    const reason = running?.stoppedReason ?? 'Essential container in task exited';
    if (task.registered && task.targetGroupArn) {
      const group = this.deps.lb.targetGroup(task.targetGroupArn);
      if (group) void this.track(group.deregister(task.id).catch(() => undefined));
      task.registered = false;
    }
    this.finish(
      task,
      reason,
      running?.lastStatus === 'STOPPED' && task.startedAt ? 'EssentialContainerExited' : 'TaskFailedToStart',
    );
    if (task.fleet) this.recordFailure(task.fleet);
    if (task.service) task.service.steady = false;
  }

  private finish(task: EcsTask, reason: string, stopCode: string): void {
    task.desiredStatus = 'STOPPED';
    task.lastStatus = 'STOPPED';
    task.stoppedReason ??= reason;
    task.stopCode ??= stopCode;
    task.stoppingAt ??= new Date();
    task.stoppedAt = new Date();
    this.deps.log(`task ${task.id} stopped: ${task.stoppedReason}`);
  }

  /** Scheduler- or user-initiated stop: deregister (draining), then SIGTERM/SIGKILL. */
  stopTask(task: EcsTask, reason: string, stopCode: string): Promise<void> {
    if (task.stopping || task.lastStatus === 'STOPPED') return Promise.resolve();
    task.stopping = true;
    task.desiredStatus = 'STOPPED';
    task.stoppingAt = new Date();
    task.stoppedReason = reason;
    task.stopCode = stopCode;
    if (task.service) task.service.steady = false;
    const work = (async () => {
      task.lastStatus = 'DEACTIVATING';
      if (task.registered && task.targetGroupArn) {
        const group = this.deps.lb.targetGroup(task.targetGroupArn);
        if (group) {
          if (task.service)
            this.event(task.service, `(service ${task.service.name}) has begun draining connections on 1 tasks.`);
          try {
            await group.deregister(task.id);
          } catch {
            // a target group removed meanwhile has nothing left to drain
          }
          if (task.service) {
            this.event(
              task.service,
              `(service ${task.service.name}) deregistered 1 targets in (target-group ${task.targetGroupArn})`,
            );
          }
        }
        task.registered = false;
      }
      task.lastStatus = 'STOPPING';
      if (task.running) {
        await task.running.stop(reason);
        task.exitCode = task.running.exitCode;
      }
      task.lastStatus = 'DEPROVISIONING';
      this.finish(task, reason, stopCode);
    })();
    return this.track(work);
  }
}

function injectSecrets(
  deps: SchedulerDeps,
  container: ContainerDefinition,
): { ok: true; environment: Record<string, string> } | { ok: false; reason: string } {
  const secrets = container.secrets as { name?: string; valueFrom?: string }[] | undefined;
  if (!secrets?.length) return { ok: true, environment: {} };
  if (!deps.secrets) return { ok: false, reason: 'ResourceInitializationError: the sandbox holds no secrets' };
  return deps.secrets.resolve(secrets, { region: deps.region, account: deps.account });
}

export function clusterNotFound(): AwsError {
  return new AwsError('ClusterNotFoundException', 'Cluster not found.');
}
