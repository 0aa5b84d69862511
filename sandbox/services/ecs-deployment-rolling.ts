/**
 * ROLLING service deployments, advanced from each scheduler round: old tasks replaced within
 * minimumHealthyPercent and maximumPercent, the circuit breaker, and rolling back to the last
 * completed revision.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
 */
import { finishDeployment } from './ecs-deployment-core.js';
import type { Fleet, Service, ServiceDeployment } from './ecs-model.js';
import type { Scheduler } from './ecs-scheduler.js';

/** One scheduler round of a ROLLING deployment (or of its rollback) that is under way. */
export function advanceRolling(scheduler: Scheduler, service: Service, deployment: ServiceDeployment): void {
  const target = deployment.target;
  const config = deployment.deploymentConfiguration;
  const desired = service.desiredCount;
  const olds = service.fleets.filter((f) => f !== target);

  if (deployment.rollback) {
    // Rolling back: the restored fleet is the target now; wait for it and the failed one to settle.
    if (scheduler.fleetStable(target) && olds.every((f) => f.tasks.every((t) => t.lastStatus === 'STOPPED'))) {
      service.fleets = service.fleets.filter((f) => f === target);
      target.rolloutState = 'COMPLETED';
      finishDeployment(deployment, 'ROLLBACK_SUCCESSFUL');
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
    tripCircuitBreaker(scheduler, deployment, olds);
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
    finishDeployment(deployment, 'SUCCESSFUL');
    scheduler.event(service, `(service ${service.name}) (deployment ${target.id}) deployment completed.`);
  }
}

/** Circuit breaker: the deployment FAILED; with rollback, the last completed fleet comes back. */
function tripCircuitBreaker(scheduler: Scheduler, deployment: ServiceDeployment, olds: Fleet[]): void {
  const service = deployment.service;
  const target = deployment.target;
  deployment.circuitBreaker.status = 'TRIGGERED';
  target.rolloutState = 'FAILED';
  target.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
  scheduler.event(
    service,
    `(service ${service.name}) (deployment ${target.id}) deployment failed: tasks failed to start.`,
  );
  const restore = lastCompleted(olds);
  if (!service.deploymentConfiguration.deploymentCircuitBreaker.rollback || !restore) {
    deployment.statusReason = 'ECS deployment circuit breaker: tasks failed to start.';
    finishDeployment(deployment, 'STOPPED');
    return;
  }
  rollBackTo(
    deployment,
    restore,
    'ECS deployment circuit breaker: tasks failed to start. Rolling back to the last completed deployment.',
  );
  scheduler.event(
    service,
    `(service ${service.name}) (deployment ${target.id}) rolling back to deployment ${restore.id}.`,
  );
}

/** StopServiceDeployment ROLLBACK of a ROLLING deployment: the last completed fleet comes back. */
export function rollBackRolling(deployment: ServiceDeployment, olds: Fleet[]): void {
  const restore = lastCompleted(olds)!;
  deployment.target.rolloutState = 'FAILED';
  rollBackTo(deployment, restore, 'Service deployment rolled back because of a stop request.');
}

/** The fleet a rollback restores: the last one that completed, else the first of the old ones. */
function lastCompleted(olds: Fleet[]): Fleet | undefined {
  return olds.find((f) => f.rolloutState === 'COMPLETED') ?? olds[0];
}

/** The failed target scales to zero; the restored fleet is PRIMARY at the desired count, and the target now. */
function rollBackTo(deployment: ServiceDeployment, restore: Fleet, reason: string): void {
  const { service, target } = deployment;
  deployment.status = 'ROLLBACK_IN_PROGRESS';
  deployment.statusReason = reason;
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
}
