/**
 * ECS service deployments for the ECS deployment controller: ROLLING (replace tasks within
 * minimumHealthyPercent/maximumPercent, circuit breaker with rollback) and BLUE_GREEN, LINEAR and
 * CANARY (ECS's native blue/green, 2025: green revision scaled up behind the alternate target
 * group, test then production listener shifted, all at once or in steps, lifecycle hooks at the
 * stages they name, bake time, blue removed).
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
 */
import { randomBytes } from 'node:crypto';
import { AwsError, type FaultSource, type LoadBalancer, type Listener, type SandboxClock } from '../contracts.js';
import { paginate } from '../protocol.js';
import {
  LIFECYCLE_STAGES,
  type Cluster,
  type Fleet,
  type LifecycleStage,
  type Service,
  type ServiceDeployment,
} from './ecs-model.js';
import {
  decideHookRun,
  describeHookRun,
  lambdaAnswer,
  listenerWeights,
  parseLifecycleHooks,
  productionSteps,
  settleHookRuns,
  startHookRuns,
  type HookAction,
  type HookStage,
} from './ecs-hooks.js';
import type { Scheduler } from './ecs-scheduler.js';

export interface EngineDeps {
  account: string;
  region: string;
  clock: SandboxClock;
  lb: LoadBalancer;
  scheduler: Scheduler;
  faults: FaultSource;
  log(message: string): void;
}

const FINISHED = new Set(['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED']);

class Aborted extends Error {}

export class ServiceDeploymentEngine {
  private readonly running = new Map<ServiceDeployment, Promise<void>>();

  constructor(private readonly deps: EngineDeps) {}

  private newDeployment(service: Service, target: Fleet, sources: Fleet[]): ServiceDeployment {
    const id = randomBytes(11).toString('base64url').replace(/[-_]/g, 'x');
    const breakerConfig = service.deploymentConfiguration.deploymentCircuitBreaker;
    const now = new Date();
    const deployment: ServiceDeployment = {
      arn: `arn:aws:ecs:${this.deps.region}:${this.deps.account}:service-deployment/${service.cluster.name}/${service.name}/${id}`,
      service,
      status: 'PENDING',
      createdAt: now,
      updatedAt: now,
      target,
      sources,
      hookRuns: [],
      productionWeights: new Map(),
      testWeights: new Map(),
      deploymentConfiguration: structuredClone(service.deploymentConfiguration),
      circuitBreaker: {
        status: breakerConfig.enable ? 'MONITORING' : 'DISABLED',
        failureCount: 0,
        // Threshold: half the desired count, at least 3 and at most 200.
        threshold: Math.max(3, Math.min(200, Math.ceil(service.desiredCount * 0.5))),
      },
      abort: new AbortController(),
    };
    service.serviceDeployments.unshift(deployment);
    return deployment;
  }

  private current(service: Service): ServiceDeployment | undefined {
    return service.serviceDeployments.find((d) => !FINISHED.has(d.status));
  }

  inProgress(service: Service): boolean {
    return this.current(service) !== undefined;
  }

  /** The service's first deployment (CreateService): done once its tasks are steady. */
  initial(service: Service, fleet: Fleet): void {
    const deployment = this.newDeployment(service, fleet, []);
    deployment.status = 'IN_PROGRESS';
    deployment.startedAt = new Date();
    fleet.desiredCount = service.desiredCount;
    if (service.loadBalancers[0]) {
      deployment.productionWeights.set(fleet.id, 100);
      deployment.testWeights.set(fleet.id, 100);
    }
  }

  /** UpdateService made a new PRIMARY fleet. */
  start(service: Service, target: Fleet): void {
    const previous = this.current(service);
    const strategy = service.deploymentConfiguration.strategy ?? 'ROLLING';
    const predecessor = previous ? this.running.get(previous) : undefined;
    if (previous) {
      previous.stopRequest = 'ABORT';
      previous.statusReason = 'The service deployment was superseded by a newer one.';
      previous.abort.abort(new Aborted('superseded'));
      if (!predecessor) this.finish(previous, 'STOPPED');
    }
    for (const fleet of service.fleets) if (fleet.status === 'PRIMARY') fleet.status = 'ACTIVE';
    service.fleets.unshift(target);
    const sources = service.fleets.filter((f) => f !== target);
    const deployment = this.newDeployment(service, target, sources);
    if (strategy !== 'ROLLING') {
      const work = (async () => {
        if (predecessor) await predecessor.catch(() => undefined);
        deployment.sources = service.fleets.filter((f) => f !== target);
        await this.blueGreen(deployment);
      })();
      this.running.set(deployment, work);
      void work.finally(() => this.running.delete(deployment)).catch(() => undefined);
      void this.deps.scheduler.track(work.catch(() => undefined));
    } else {
      deployment.status = 'IN_PROGRESS';
      deployment.startedAt = new Date();
    }
  }

  abortAll(service: Service): void {
    for (const deployment of service.serviceDeployments) {
      if (FINISHED.has(deployment.status)) continue;
      deployment.statusReason = 'The service was deleted.';
      deployment.stopRequest = 'ABORT';
      deployment.abort.abort(new Aborted('service deleted'));
      if (!this.running.has(deployment)) this.finish(deployment, 'STOPPED');
    }
  }

  abortEverything(clusters: Cluster[]): void {
    for (const cluster of clusters) for (const service of cluster.services.values()) this.abortAll(service);
  }

  private finish(deployment: ServiceDeployment, status: ServiceDeployment['status']): void {
    deployment.status = status;
    deployment.finishedAt = new Date();
    deployment.updatedAt = deployment.finishedAt;
    if (status === 'STOPPED') deployment.stoppedAt = deployment.finishedAt;
  }

  // -------------------------------------------------------------------------------------------
  // ROLLING, driven from each scheduler round

  observe(service: Service): void {
    const deployment = this.current(service);
    if (!deployment) {
      // No deployment under way: the PRIMARY deployment follows the service's desired count.
      const lead = service.fleets.find((f) => f.status === 'PRIMARY');
      if (lead && lead.kind === 'deployment') lead.desiredCount = service.desiredCount;
      return;
    }
    if (this.running.has(deployment)) return;
    if (deployment.status !== 'IN_PROGRESS' && deployment.status !== 'ROLLBACK_IN_PROGRESS') return;
    const scheduler = this.deps.scheduler;
    const target = deployment.target;
    const config = deployment.deploymentConfiguration;
    const desired = service.desiredCount;
    const olds = service.fleets.filter((f) => f !== target);

    if (deployment.rollback) {
      // Rolling back: the restored fleet is the target now; wait for it and the failed one to settle.
      if (scheduler.fleetStable(target) && olds.every((f) => f.tasks.every((t) => t.lastStatus === 'STOPPED'))) {
        service.fleets = service.fleets.filter((f) => f === target);
        target.rolloutState = 'COMPLETED';
        this.finish(deployment, 'ROLLBACK_SUCCESSFUL');
        scheduler.event(service, `(service ${service.name}) rolling back to deployment ${target.id} completed.`);
      }
      return;
    }

    deployment.circuitBreaker.failureCount = target.failedTasks;
    if (
      deployment.circuitBreaker.status === 'MONITORING' &&
      target.failedTasks >= deployment.circuitBreaker.threshold &&
      !scheduler.fleetStable(target)
    ) {
      this.tripCircuitBreaker(deployment, olds);
      return;
    }

    // Keep minimumHealthyPercent of the desired count healthy; never exceed maximumPercent.
    const healthyNew = scheduler.counts(target).healthy;
    const minHealthy = Math.ceil((desired * config.minimumHealthyPercent) / 100);
    const maxTotal = Math.max(desired, Math.floor((desired * config.maximumPercent) / 100));
    let oldAllowance = Math.max(0, minHealthy - healthyNew);
    for (const fleet of olds) {
      const keep = Math.min(scheduler.desired(fleet), oldAllowance);
      fleet.desiredCount = keep;
      oldAllowance -= keep;
    }
    const oldRunning = olds.reduce((n, f) => n + f.tasks.filter((t) => t.desiredStatus === 'RUNNING').length, 0);
    target.desiredCount = Math.max(0, Math.min(desired, maxTotal - oldRunning));

    const oldGone = olds.every((f) => f.tasks.every((t) => t.lastStatus === 'STOPPED'));
    if (target.desiredCount === desired && scheduler.fleetStable(target) && oldGone) {
      for (const fleet of olds) fleet.status = 'INACTIVE';
      service.fleets = [target];
      target.rolloutState = 'COMPLETED';
      target.rolloutStateReason = `ECS deployment ${target.id} completed.`;
      this.finish(deployment, 'SUCCESSFUL');
      scheduler.event(service, `(service ${service.name}) (deployment ${target.id}) deployment completed.`);
    }
  }

  /** Circuit breaker: the deployment FAILED; with rollback, the last completed fleet comes back. */
  private tripCircuitBreaker(deployment: ServiceDeployment, olds: Fleet[]): void {
    const service = deployment.service;
    const target = deployment.target;
    const scheduler = this.deps.scheduler;
    deployment.circuitBreaker.status = 'TRIGGERED';
    target.rolloutState = 'FAILED';
    target.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
    scheduler.event(
      service,
      `(service ${service.name}) (deployment ${target.id}) deployment failed: tasks failed to start.`,
    );
    const restore = olds.find((f) => f.rolloutState === 'COMPLETED') ?? olds[0];
    if (!service.deploymentConfiguration.deploymentCircuitBreaker.rollback || !restore) {
      deployment.statusReason = 'ECS deployment circuit breaker: tasks failed to start.';
      this.finish(deployment, 'STOPPED');
      return;
    }
    deployment.status = 'ROLLBACK_IN_PROGRESS';
    deployment.statusReason =
      'ECS deployment circuit breaker: tasks failed to start. Rolling back to the last completed deployment.';
    deployment.rollback = {
      reason: deployment.statusReason,
      startedAt: new Date(),
      serviceRevisionArn: restore.revisionArn ?? '',
    };
    target.status = 'ACTIVE';
    target.desiredCount = 0;
    restore.status = 'PRIMARY';
    restore.desiredCount = service.desiredCount;
    service.fleets = [restore, ...service.fleets.filter((f) => f !== restore)];
    deployment.sources = [target];
    deployment.target = restore;
    scheduler.event(
      service,
      `(service ${service.name}) (deployment ${target.id}) rolling back to deployment ${restore.id}.`,
    );
  }

  // -------------------------------------------------------------------------------------------
  // BLUE_GREEN

  private listener(ref: string | undefined): Listener | undefined {
    if (!ref) return undefined;
    // Listener rule ARNs (…:listener-rule/app/<lb>/<id>/<listener>/<rule>) resolve to their listener.
    return (
      this.deps.lb.listener(ref) ??
      this.deps.lb.listener(ref.replace(':listener-rule/', ':listener/').replace(/\/[^/]+$/, ''))
    );
  }

  private async waitFor(deployment: ServiceDeployment, condition: () => boolean, checkFailure = true): Promise<void> {
    const signal = deployment.abort.signal;
    for (;;) {
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Aborted('aborted');
      if (deployment.lifecycleStage !== 'CLEAN_UP') {
        // Blue and green both follow the desired count (UpdateService) until blue is removed.
        for (const fleet of [deployment.target, ...deployment.sources])
          fleet.desiredCount = deployment.service.desiredCount;
      }
      this.deps.scheduler.reconcile(deployment.service);
      if (condition()) return;
      if (checkFailure) this.checkGreenFailures(deployment);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private checkGreenFailures(deployment: ServiceDeployment): void {
    deployment.circuitBreaker.failureCount = deployment.target.failedTasks;
    if (
      deployment.circuitBreaker.status === 'MONITORING' &&
      deployment.target.failedTasks >= deployment.circuitBreaker.threshold
    ) {
      deployment.circuitBreaker.status = 'TRIGGERED';
      throw new GreenFailed('ECS deployment circuit breaker: tasks failed to start.');
    }
  }

  private stage(deployment: ServiceDeployment, stage: LifecycleStage): void {
    deployment.lifecycleStage = stage;
    deployment.hookRuns = [];
    deployment.updatedAt = new Date();
    this.deps.log(`${deployment.service.name}: service deployment stage ${stage}`);
  }

  private async blueGreen(deployment: ServiceDeployment): Promise<void> {
    const { service, target } = deployment;
    const scheduler = this.deps.scheduler;
    const lb0 = service.loadBalancers[0]!;
    const advanced = lb0.advancedConfiguration!;
    const blueGroup = service.productionTargetGroupArn ?? lb0.targetGroupArn;
    const greenGroup = blueGroup === lb0.targetGroupArn ? advanced.alternateTargetGroupArn : lb0.targetGroupArn;
    const production = this.listener(advanced.productionListenerRule);
    const test = this.listener(advanced.testListenerRule);
    const sources = deployment.sources;
    target.targetGroupArn = greenGroup;
    const weights = (green: number) => listenerWeights(blueGroup, greenGroup, green);
    const record = (map: Map<string, number>, green: number) => {
      map.set(target.id, green);
      for (const source of sources) map.set(source.id, 100 - green);
    };
    record(deployment.productionWeights, 0);
    record(deployment.testWeights, 0);

    deployment.status = 'IN_PROGRESS';
    deployment.startedAt = new Date();
    try {
      this.stage(deployment, 'RECONCILE_SERVICE');
      // "only happens when you start a new service deployment with more than 1 service revision in an ACTIVE state"
      // (DeploymentLifecycleHook.lifecycleStages, API reference)
      if (sources.length > 1) await this.runHooks(deployment, 'RECONCILE_SERVICE');
      this.stage(deployment, 'PRE_SCALE_UP');
      await this.runHooks(deployment, 'PRE_SCALE_UP');
      this.stage(deployment, 'SCALE_UP');
      await this.waitFor(deployment, () => scheduler.fleetStable(target));
      this.stage(deployment, 'POST_SCALE_UP');
      await this.runHooks(deployment, 'POST_SCALE_UP');
      this.stage(deployment, 'TEST_TRAFFIC_SHIFT');
      test?.setWeights(weights(100));
      record(deployment.testWeights, 100);
      await this.runHooks(deployment, 'TEST_TRAFFIC_SHIFT');
      this.stage(deployment, 'POST_TEST_TRAFFIC_SHIFT');
      await this.runHooks(deployment, 'POST_TEST_TRAFFIC_SHIFT');
      // The API model has no PRE_PRODUCTION_TRAFFIC_SHIFT lifecycle stage to report: its hooks run
      // while the deployment still reports POST_TEST_TRAFFIC_SHIFT (our assumption).
      await this.runHooks(deployment, 'PRE_PRODUCTION_TRAFFIC_SHIFT');
      this.stage(deployment, 'PRODUCTION_TRAFFIC_SHIFT');
      await this.shiftProduction(deployment, (green) => {
        production?.setWeights(weights(green));
        record(deployment.productionWeights, green);
      });
      service.productionTargetGroupArn = greenGroup;
      this.stage(deployment, 'POST_PRODUCTION_TRAFFIC_SHIFT');
      await this.runHooks(deployment, 'POST_PRODUCTION_TRAFFIC_SHIFT');
      this.stage(deployment, 'BAKE_TIME');
      const bakeMs = (deployment.deploymentConfiguration.bakeTimeInMinutes ?? 0) * 60_000;
      const bakeEnd = Date.now() + this.deps.clock.toRealMs(bakeMs);
      // Green tasks failing while baking still roll back.
      await this.waitFor(deployment, () => Date.now() >= bakeEnd);
      this.stage(deployment, 'CLEAN_UP');
      for (const source of sources) {
        source.desiredCount = 0;
        source.status = 'DRAINING';
      }
      await this.waitFor(
        deployment,
        () => sources.every((s) => s.tasks.every((t) => t.lastStatus === 'STOPPED')),
        false,
      );
      for (const source of sources) source.status = 'INACTIVE';
      service.fleets = service.fleets.filter((f) => !sources.includes(f));
      target.rolloutState = 'COMPLETED';
      target.rolloutStateReason = `ECS deployment ${target.id} completed.`;
      this.finish(deployment, 'SUCCESSFUL');
      scheduler.event(service, `(service ${service.name}) (deployment ${target.id}) deployment completed.`);
    } catch (error) {
      const requested = deployment.stopRequest;
      if (requested === 'ABORT' && error instanceof Aborted && service.status !== 'ACTIVE') {
        this.finish(deployment, 'STOPPED');
        return;
      }
      const reason =
        error instanceof GreenFailed || error instanceof HookFailed
          ? error.message
          : requested === 'ROLLBACK'
            ? 'Service deployment rolled back because of a stop request.'
            : requested === 'ABORT'
              ? (deployment.statusReason ?? 'Service deployment stopped.')
              : `Service deployment failed: ${(error as Error).message}`;
      await this.rollBackBlueGreen(deployment, blueGroup, greenGroup, production, test, reason);
    }
  }

  /**
   * Production traffic to green in the strategy's steps. Hooks for PRODUCTION_TRAFFIC_SHIFT run
   * at each step ("invoked in each production traffic shift step", linear deployments page),
   * after the step's shift (the order within a step is our assumption).
   */
  private async shiftProduction(deployment: ServiceDeployment, shift: (green: number) => void): Promise<void> {
    const { percents, bakeMs } = productionSteps(deployment.deploymentConfiguration);
    for (const [i, green] of percents.entries()) {
      shift(green);
      deployment.updatedAt = new Date();
      this.deps.log(`${deployment.service.name}: production traffic ${green}% to green`);
      await this.runHooks(deployment, 'PRODUCTION_TRAFFIC_SHIFT');
      if (i === percents.length - 1 || bakeMs === 0) continue;
      // "This bake time is not applied after reaching 100 percent traffic." (LinearConfiguration)
      const end = Date.now() + this.deps.clock.toRealMs(bakeMs);
      await this.waitFor(deployment, () => Date.now() >= end);
    }
  }

  /** Runs the hooks configured for the stage; every one must complete before the deployment moves on. */
  private async runHooks(deployment: ServiceDeployment, stage: HookStage): Promise<void> {
    const hooks = parseLifecycleHooks(deployment.deploymentConfiguration.lifecycleHooks);
    const toRealMs = (ms: number) => this.deps.clock.toRealMs(ms);
    const runs = startHookRuns(hooks, stage, Date.now(), toRealMs);
    if (runs.length === 0) return;
    deployment.hookRuns = runs;
    deployment.updatedAt = new Date();
    this.deps.log(`${deployment.service.name}: ${runs.length} lifecycle hook(s) at ${stage}`);
    await this.waitFor(deployment, () => {
      const outcome = settleHookRuns(runs, Date.now(), toRealMs, (arn) =>
        lambdaAnswer(this.deps.faults.current(), arn),
      );
      if (typeof outcome === 'object') throw new HookFailed(outcome.rollback);
      return outcome === 'done';
    });
  }

  /** https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContinueServiceDeployment.html */
  continueDeployment(arn: string, hookId: string, action: HookAction, clusters: Cluster[]) {
    const deployment = this.find(arn, clusters);
    if (!deployment)
      throw new AwsError('ServiceDeploymentNotFoundException', `The service deployment ${arn} does not exist.`);
    // "The deployment must be in the IN_PROGRESS state." (Continuing service deployments); the error code is our assumption.
    if (deployment.status !== 'IN_PROGRESS')
      throw new AwsError(
        'InvalidParameterException',
        `The service deployment is ${deployment.status}, not IN_PROGRESS.`,
      );
    decideHookRun(deployment.hookRuns, hookId, action);
    deployment.updatedAt = new Date();
    return { serviceDeploymentArn: deployment.arn };
  }

  /** Production and test traffic back to blue, green removed. */
  private async rollBackBlueGreen(
    deployment: ServiceDeployment,
    blueGroup: string,
    greenGroup: string,
    production: Listener | undefined,
    test: Listener | undefined,
    reason: string,
  ): Promise<void> {
    const { service, target, sources } = deployment;
    const scheduler = this.deps.scheduler;
    const superseded = deployment.stopRequest === 'ABORT';
    deployment.status = superseded ? 'STOP_REQUESTED' : 'ROLLBACK_IN_PROGRESS';
    deployment.statusReason = reason;
    // A hook still waiting when the deployment stops waits no more: keep only the ones that ended.
    deployment.hookRuns = deployment.hookRuns.filter(
      (r) => r.status !== 'AWAITING_ACTION' && r.status !== 'IN_PROGRESS',
    );
    const restore = sources[0];
    if (!superseded)
      deployment.rollback = { reason, startedAt: new Date(), serviceRevisionArn: restore?.revisionArn ?? '' };
    const back = [
      { targetGroupArn: blueGroup, weight: 100 },
      { targetGroupArn: greenGroup, weight: 0 },
    ];
    production?.setWeights(back);
    test?.setWeights(back);
    service.productionTargetGroupArn = blueGroup;
    deployment.productionWeights.set(target.id, 0);
    deployment.testWeights.set(target.id, 0);
    for (const source of sources) {
      deployment.productionWeights.set(source.id, 100);
      deployment.testWeights.set(source.id, 100);
    }
    target.rolloutState = 'FAILED';
    target.rolloutStateReason = reason;
    target.status = 'DRAINING';
    target.desiredCount = 0;
    if (restore) {
      restore.status = 'PRIMARY';
      restore.desiredCount = service.desiredCount;
      service.fleets = [restore, ...service.fleets.filter((f) => f !== restore)];
    }
    scheduler.event(
      service,
      `(service ${service.name}) (deployment ${target.id}) ${superseded ? 'stopped' : 'rolling back'}: ${reason}`,
    );
    const deadline = Date.now() + 120_000;
    while (target.tasks.some((t) => t.lastStatus !== 'STOPPED') && Date.now() < deadline) {
      scheduler.reconcile(service);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    target.status = 'INACTIVE';
    service.fleets = service.fleets.filter((f) => f !== target);
    this.finish(deployment, superseded ? 'STOPPED' : 'ROLLBACK_SUCCESSFUL');
  }

  // -------------------------------------------------------------------------------------------
  // API answers

  private revisionSummary(deployment: ServiceDeployment, fleet: Fleet) {
    const counts = this.deps.scheduler.counts(fleet);
    const blueGreen = (deployment.deploymentConfiguration.strategy ?? 'ROLLING') !== 'ROLLING';
    return {
      arn: fleet.revisionArn,
      requestedTaskCount: counts.desired,
      runningTaskCount: counts.running,
      pendingTaskCount: counts.pending,
      ...(blueGreen
        ? {
            requestedProductionTrafficWeight: deployment.productionWeights.get(fleet.id) ?? 0,
            requestedTestTrafficWeight: deployment.testWeights.get(fleet.id) ?? 0,
          }
        : {}),
    };
  }

  private describeOne(deployment: ServiceDeployment) {
    const service = deployment.service;
    return {
      serviceDeploymentArn: deployment.arn,
      serviceArn: service.arn,
      clusterArn: service.cluster.arn,
      createdAt: deployment.createdAt,
      ...(deployment.startedAt ? { startedAt: deployment.startedAt } : {}),
      ...(deployment.finishedAt ? { finishedAt: deployment.finishedAt } : {}),
      ...(deployment.stoppedAt ? { stoppedAt: deployment.stoppedAt } : {}),
      updatedAt: deployment.updatedAt,
      sourceServiceRevisions: deployment.sources.map((f) => this.revisionSummary(deployment, f)),
      targetServiceRevision: this.revisionSummary(deployment, deployment.target),
      status: deployment.status,
      ...(deployment.statusReason ? { statusReason: deployment.statusReason } : {}),
      ...(deployment.lifecycleStage ? { lifecycleStage: deployment.lifecycleStage } : {}),
      ...(deployment.hookRuns.length ? { lifecycleHookDetails: deployment.hookRuns.map(describeHookRun) } : {}),
      deploymentConfiguration: deployment.deploymentConfiguration,
      ...(deployment.rollback ? { rollback: deployment.rollback } : {}),
      deploymentCircuitBreaker: deployment.circuitBreaker,
    };
  }

  list(
    service: Service,
    statuses: string[] | undefined,
    nextToken: string | undefined,
    maxResults: number | undefined,
    createdAt?: { after?: number; before?: number },
  ) {
    // JSON 1.1 timestamps arrive as epoch seconds.
    const created = (d: ServiceDeployment) => d.createdAt.getTime() / 1000;
    const found = service.serviceDeployments.filter(
      (d) =>
        (!statuses || statuses.length === 0 || statuses.includes(d.status)) &&
        (createdAt?.after === undefined || created(d) >= createdAt.after) &&
        (createdAt?.before === undefined || created(d) <= createdAt.before),
    );
    const { page, nextToken: next } = paginate(found, nextToken, maxResults, 20);
    return {
      serviceDeployments: page.map((d) => ({
        serviceDeploymentArn: d.arn,
        serviceArn: service.arn,
        clusterArn: service.cluster.arn,
        ...(d.startedAt ? { startedAt: d.startedAt } : {}),
        createdAt: d.createdAt,
        ...(d.finishedAt ? { finishedAt: d.finishedAt } : {}),
        targetServiceRevisionArn: d.target.revisionArn,
        status: d.status,
        ...(d.statusReason ? { statusReason: d.statusReason } : {}),
      })),
      ...(next ? { nextToken: next } : {}),
    };
  }

  private find(arn: string, clusters: Cluster[]): ServiceDeployment | undefined {
    for (const cluster of clusters) {
      for (const service of cluster.services.values()) {
        const found = service.serviceDeployments.find((d) => d.arn === arn);
        if (found) return found;
      }
    }
    return undefined;
  }

  describe(arns: string[], clusters: Cluster[]) {
    const serviceDeployments = [];
    const failures = [];
    for (const arn of arns) {
      const deployment = this.find(arn, clusters);
      if (deployment) serviceDeployments.push(this.describeOne(deployment));
      else failures.push({ arn, reason: 'MISSING' });
    }
    return { serviceDeployments, failures };
  }

  /** https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopServiceDeployment.html */
  stopDeployment(arn: string, stopType: 'ROLLBACK' | 'ABORT', clusters: Cluster[]) {
    const deployment = this.find(arn, clusters);
    if (!deployment)
      throw new AwsError('ServiceDeploymentNotFoundException', `The service deployment ${arn} does not exist.`);
    if (FINISHED.has(deployment.status) || deployment.status.startsWith('ROLLBACK')) {
      throw new AwsError('ConflictException', `The service deployment is ${deployment.status} and cannot be stopped.`);
    }
    if (deployment.lifecycleStage === 'CLEAN_UP') {
      // Blue is already being removed: there is nothing left to roll back to.
      throw new AwsError('ConflictException', 'The service deployment is in the CLEAN_UP stage and cannot be stopped.');
    }
    deployment.stopRequest = stopType;
    if (this.running.has(deployment)) {
      deployment.status = stopType === 'ROLLBACK' ? 'ROLLBACK_REQUESTED' : 'STOP_REQUESTED';
      deployment.abort.abort(new Aborted(`stop requested (${stopType})`));
    } else if (stopType === 'ROLLBACK') {
      const olds = deployment.service.fleets.filter((f) => f !== deployment.target);
      if (olds.length === 0)
        throw new AwsError('ConflictException', 'There is no previous service revision to roll back to.');
      deployment.circuitBreaker.status = deployment.circuitBreaker.status === 'DISABLED' ? 'DISABLED' : 'TRIGGERED';
      this.rollBackRolling(deployment, olds);
    } else {
      deployment.statusReason = 'Service deployment stopped by request.';
      this.finish(deployment, 'STOPPED');
    }
    return { serviceDeploymentArn: deployment.arn };
  }

  private rollBackRolling(deployment: ServiceDeployment, olds: Fleet[]): void {
    const { service, target } = deployment;
    const restore = olds.find((f) => f.rolloutState === 'COMPLETED') ?? olds[0]!;
    deployment.status = 'ROLLBACK_IN_PROGRESS';
    deployment.statusReason = 'Service deployment rolled back because of a stop request.';
    deployment.rollback = {
      reason: deployment.statusReason,
      startedAt: new Date(),
      serviceRevisionArn: restore.revisionArn ?? '',
    };
    target.rolloutState = 'FAILED';
    target.status = 'ACTIVE';
    target.desiredCount = 0;
    restore.status = 'PRIMARY';
    restore.desiredCount = service.desiredCount;
    service.fleets = [restore, ...service.fleets.filter((f) => f !== restore)];
    deployment.sources = [target];
    deployment.target = restore;
  }
}

class GreenFailed extends Error {}
/** A lifecycle hook failed, was continued with ROLLBACK, or timed out with ROLLBACK. */
class HookFailed extends Error {}

export { LIFECYCLE_STAGES };
