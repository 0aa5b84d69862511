/**
 * ECS service deployments for the ECS deployment controller: ROLLING (replace tasks within
 * minimumHealthyPercent/maximumPercent, circuit breaker with rollback; ecs-deployment-rolling.ts)
 * and BLUE_GREEN, LINEAR and CANARY (ECS's native blue/green, 2025: green revision scaled up
 * behind the alternate target group, test then production listener shifted, all at once or in
 * steps, lifecycle hooks at the stages they name, bake time, blue removed;
 * ecs-deployment-bluegreen.ts). The engine starts them, supersedes, continues and stops them.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
 */
import { randomBytes } from 'node:crypto';
import { AwsError } from '../contracts.js';
import { runBlueGreen } from './ecs-deployment-bluegreen.js';
import { Aborted, FINISHED, findServiceDeployment, finishDeployment, type EngineDeps } from './ecs-deployment-core.js';
import { advanceRolling, rollBackRolling } from './ecs-deployment-rolling.js';
import { decideHookRun, type HookAction } from './ecs-hooks.js';
import { LIFECYCLE_STAGES, type Cluster, type Fleet, type Service, type ServiceDeployment } from './ecs-model.js';

export type { EngineDeps };

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
      if (!predecessor) finishDeployment(previous, 'STOPPED');
    }
    for (const fleet of service.fleets) if (fleet.status === 'PRIMARY') fleet.status = 'ACTIVE';
    service.fleets.unshift(target);
    const sources = service.fleets.filter((f) => f !== target);
    const deployment = this.newDeployment(service, target, sources);
    if (strategy !== 'ROLLING') {
      const work = (async () => {
        if (predecessor) await predecessor.catch(() => undefined);
        deployment.sources = service.fleets.filter((f) => f !== target);
        await runBlueGreen(this.deps, deployment);
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
      if (!this.running.has(deployment)) finishDeployment(deployment, 'STOPPED');
    }
  }

  abortEverything(clusters: Cluster[]): void {
    for (const cluster of clusters) for (const service of cluster.services.values()) this.abortAll(service);
  }

  /** Each scheduler round: ROLLING deployments advance; blue/green ones run on their own. */
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
    advanceRolling(this.deps.scheduler, service, deployment);
  }

  /** https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContinueServiceDeployment.html */
  continueDeployment(arn: string, hookId: string, action: HookAction, clusters: Cluster[]) {
    const deployment = findServiceDeployment(arn, clusters);
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

  /** https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopServiceDeployment.html */
  stopDeployment(arn: string, stopType: 'ROLLBACK' | 'ABORT', clusters: Cluster[]) {
    const deployment = findServiceDeployment(arn, clusters);
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
      rollBackRolling(deployment, olds);
    } else {
      deployment.statusReason = 'Service deployment stopped by request.';
      finishDeployment(deployment, 'STOPPED');
    }
    return { serviceDeploymentArn: deployment.arn };
  }
}

export { LIFECYCLE_STAGES };
