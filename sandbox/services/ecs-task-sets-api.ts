/**
 * ECS task sets through the API (EXTERNAL controller): CreateTaskSet, DescribeTaskSets,
 * UpdateTaskSet (scale), UpdateServicePrimaryTaskSet and DeleteTaskSet (drained away).
 * CodeDeploy's own task set calls are in ecs-internals.ts.
 */
import { AwsError, type ServiceHandlers } from '../contracts.js';
import { bool, num, obj, requireStr, str, strList } from '../protocol.js';
import type { Fleet, Service } from './ecs-model.js';
import {
  checkLoadBalancer,
  drainFleet,
  fleetLoadBalancers,
  fleetPlatform,
  newFleet,
  parseLoadBalancers,
} from './ecs-fleets.js';
import { activeService, findTaskSet, requireTaskDefinition, type EcsContext } from './ecs-state.js';
import type { Scheduler } from './ecs-scheduler.js';

export function describeTaskSet(scheduler: Scheduler, fleet: Fleet) {
  const counts = scheduler.counts(fleet);
  const service = fleet.service;
  return {
    id: fleet.id,
    taskSetArn: fleet.arn,
    serviceArn: service.arn,
    clusterArn: service.cluster.arn,
    startedBy: fleet.startedBy,
    ...(fleet.externalId ? { externalId: fleet.externalId } : {}),
    status: fleet.status,
    taskDefinition: fleet.taskDefinition.taskDefinitionArn,
    computedDesiredCount: counts.desired,
    pendingCount: counts.pending,
    runningCount: counts.running,
    createdAt: fleet.createdAt,
    updatedAt: fleet.updatedAt,
    ...fleetPlatform(service),
    loadBalancers: fleetLoadBalancers(fleet),
    serviceRegistries: [],
    scale: { value: fleet.scalePercent, unit: 'PERCENT' },
    stabilityStatus: scheduler.fleetStable(fleet) ? 'STEADY_STATE' : 'STABILIZING',
    stabilityStatusAt: fleet.stabilityStatusAt,
    tags: [],
  };
}

/** Makes the task set the service's PRIMARY one; the one that was PRIMARY becomes ACTIVE. */
export function setPrimaryTaskSet(service: Service, fleet: Fleet): void {
  for (const other of service.fleets) if (other.status === 'PRIMARY' && other !== fleet) other.status = 'ACTIVE';
  fleet.status = 'PRIMARY';
  fleet.updatedAt = new Date();
  // PRIMARY first, as DescribeServices lists them.
  service.fleets = [fleet, ...service.fleets.filter((f) => f !== fleet)];
}

/**
 * Task sets are managed through the API only for the EXTERNAL controller; CodeDeploy manages
 * those of CODE_DEPLOY services itself.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateTaskSet.html
 */
function requireExternal(service: Service): void {
  if (service.controller !== 'EXTERNAL') {
    throw new AwsError(
      'InvalidParameterException',
      `Task sets can only be managed through this API for services with an EXTERNAL deployment controller; service ${service.name} uses ${service.controller}.`,
    );
  }
}

export function taskSetHandlers(ctx: EcsContext): ServiceHandlers {
  const { scheduler } = ctx;
  return {
    CreateTaskSet(input) {
      const service = activeService(ctx, str(input, 'cluster'), requireStr(input, 'service'));
      requireExternal(service);
      const definition = requireTaskDefinition(ctx, requireStr(input, 'taskDefinition'));
      const lbs = parseLoadBalancers(ctx.lb, input);
      for (const entry of lbs) checkLoadBalancer(definition, entry);
      const scale = obj(input, 'scale');
      const fleet = newFleet(ctx, service, 'taskSet', definition, {
        targetGroupArn: lbs[0]?.targetGroupArn,
        containerName: lbs[0]?.containerName,
        containerPort: lbs[0]?.containerPort,
        scalePercent: scale ? (num(scale, 'value') ?? 100) : 100,
        externalId: str(input, 'externalId'),
        status: service.fleets.length === 0 ? 'PRIMARY' : 'ACTIVE',
      });
      service.fleets.push(fleet);
      scheduler.reconcile(service);
      return { taskSet: describeTaskSet(scheduler, fleet) };
    },

    DescribeTaskSets(input) {
      const service = activeService(ctx, str(input, 'cluster'), requireStr(input, 'service'));
      const refs = strList(input, 'taskSets');
      const sets = service.fleets.filter((f) => f.kind === 'taskSet');
      const found = refs ? sets.filter((f) => refs.includes(f.id) || refs.includes(f.arn)) : sets;
      const failures = (refs ?? [])
        .filter((r) => !found.some((f) => f.id === r || f.arn === r))
        .map((arn) => ({ arn, reason: 'MISSING' }));
      return { taskSets: found.map((f) => describeTaskSet(scheduler, f)), failures };
    },

    UpdateTaskSet(input) {
      const service = activeService(ctx, str(input, 'cluster'), requireStr(input, 'service'));
      requireExternal(service);
      const fleet = findTaskSet(service, requireStr(input, 'taskSet'));
      const scale = obj(input, 'scale');
      const value = scale ? num(scale, 'value') : undefined;
      if (value === undefined || value < 0 || value > 100)
        throw new AwsError('InvalidParameterException', 'scale.value must be between 0 and 100.');
      fleet.scalePercent = value;
      fleet.updatedAt = new Date();
      scheduler.reconcile(service);
      return { taskSet: describeTaskSet(scheduler, fleet) };
    },

    UpdateServicePrimaryTaskSet(input) {
      const service = activeService(ctx, str(input, 'cluster'), requireStr(input, 'service'));
      requireExternal(service);
      const fleet = findTaskSet(service, requireStr(input, 'primaryTaskSet'));
      setPrimaryTaskSet(service, fleet);
      return { taskSet: describeTaskSet(scheduler, fleet) };
    },

    DeleteTaskSet(input) {
      const service = activeService(ctx, str(input, 'cluster'), requireStr(input, 'service'));
      requireExternal(service);
      const fleet = findTaskSet(service, requireStr(input, 'taskSet'));
      if (fleet.status === 'PRIMARY' && !bool(input, 'force')) {
        throw new AwsError('InvalidParameterException', 'Cannot delete the PRIMARY task set unless force is true.');
      }
      const answer = describeTaskSet(scheduler, fleet);
      void scheduler.track(drainFleet(scheduler, fleet));
      return { taskSet: { ...answer, status: 'DRAINING' } };
    },
  };
}
