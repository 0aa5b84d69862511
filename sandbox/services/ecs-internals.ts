/**
 * What CodeDeploy uses of ECS (EcsInternals): task definitions and services as it reads them, and
 * the task sets it creates, scales, makes PRIMARY and deletes for CODE_DEPLOY services.
 */
import { AwsError, type EcsInternals, type ServiceForDeployment, type TaskSetInfo } from '../contracts.js';
import type { Fleet, Service } from './ecs-model.js';
import { checkLoadBalancer, drainFleet, newFleet } from './ecs-fleets.js';
import type { Scheduler } from './ecs-scheduler.js';
import { activeService, activeServiceAny, findTaskSet, type EcsContext } from './ecs-state.js';
import { setPrimaryTaskSet } from './ecs-task-sets-api.js';

function serviceSummary(scheduler: Scheduler, service: Service): ServiceForDeployment {
  const lb0 = service.loadBalancers[0];
  return {
    serviceArn: service.arn,
    clusterName: service.cluster.name,
    serviceName: service.name,
    status: service.status,
    deploymentController: service.controller,
    desiredCount: service.desiredCount,
    ...(lb0
      ? {
          loadBalancer: {
            targetGroupArn: lb0.targetGroupArn,
            containerName: lb0.containerName,
            containerPort: lb0.containerPort,
          },
        }
      : {}),
    taskSets: service.fleets.filter((f) => f.kind === 'taskSet').map((f) => taskSetInfo(scheduler, f)),
  };
}

function taskSetInfo(scheduler: Scheduler, fleet: Fleet): TaskSetInfo {
  const counts = scheduler.counts(fleet);
  return {
    id: fleet.id,
    taskSetArn: fleet.arn,
    status: fleet.status === 'INACTIVE' ? 'DRAINING' : fleet.status,
    taskDefinition: fleet.taskDefinition.taskDefinitionArn,
    ...(fleet.targetGroupArn ? { targetGroupArn: fleet.targetGroupArn } : {}),
    desiredCount: counts.desired,
    pendingCount: counts.pending,
    runningCount: counts.running,
    healthyCount: counts.healthy,
    stabilityStatus: scheduler.fleetStable(fleet) ? 'STEADY_STATE' : 'STABILIZING',
    stoppedReasons: fleet.tasks
      .filter((t) => t.lastStatus === 'STOPPED' && t.stoppedReason)
      .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))
      .map((t) => t.stoppedReason!),
  };
}

export function createEcsInternals(ctx: EcsContext): EcsInternals {
  const { scheduler, taskDefinitions } = ctx;
  return {
    taskDefinition(ref) {
      const definition = taskDefinitions.find(ref);
      return definition ? taskDefinitions.summary(definition) : undefined;
    },
    service(clusterRef, serviceRef) {
      return serviceSummary(scheduler, activeServiceAny(ctx, clusterRef, serviceRef));
    },
    createTaskSet(clusterRef, serviceRef, opts) {
      const service = activeService(ctx, clusterRef, serviceRef);
      const definition = taskDefinitions.find(opts.taskDefinition);
      if (!definition) throw new AwsError('ClientException', 'TaskDefinition not found.');
      checkLoadBalancer(definition, {
        targetGroupArn: opts.targetGroupArn,
        containerName: opts.containerName,
        containerPort: opts.containerPort,
      });
      const fleet = newFleet(ctx, service, 'taskSet', definition, {
        targetGroupArn: opts.targetGroupArn,
        containerName: opts.containerName,
        containerPort: opts.containerPort,
        scalePercent: opts.scalePercent ?? 100,
        externalId: opts.externalId,
        startedBy: 'CODE_DEPLOY',
        status: service.fleets.length === 0 ? 'PRIMARY' : 'ACTIVE',
      });
      service.fleets.push(fleet);
      service.steady = false;
      scheduler.reconcile(service);
      return taskSetInfo(scheduler, fleet);
    },
    taskSet(clusterRef, serviceRef, id) {
      return taskSetInfo(scheduler, findTaskSet(activeServiceAny(ctx, clusterRef, serviceRef), id));
    },
    updateTaskSetScale(clusterRef, serviceRef, id, scalePercent) {
      const service = activeService(ctx, clusterRef, serviceRef);
      const fleet = findTaskSet(service, id);
      const before = scheduler.desired(fleet);
      fleet.scalePercent = Math.max(0, Math.min(100, scalePercent));
      fleet.updatedAt = new Date();
      const after = scheduler.desired(fleet);
      if (after !== before) {
        scheduler.event(
          service,
          `(service ${service.name}) updated computedDesiredCount for taskSet ${fleet.id} to ${after}.`,
        );
      }
      service.steady = false;
      scheduler.reconcile(service);
    },
    setPrimaryTaskSet(clusterRef, serviceRef, id) {
      const service = activeService(ctx, clusterRef, serviceRef);
      setPrimaryTaskSet(service, findTaskSet(service, id));
    },
    async deleteTaskSet(clusterRef, serviceRef, id) {
      const service = activeServiceAny(ctx, clusterRef, serviceRef);
      const fleet = findTaskSet(service, id);
      await scheduler.track(drainFleet(scheduler, fleet));
    },
    addServiceEvent(clusterRef, serviceRef, message) {
      scheduler.event(activeServiceAny(ctx, clusterRef, serviceRef), message);
    },
  };
}
