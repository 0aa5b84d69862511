/**
 * Fleets: what a task set (CODE_DEPLOY, EXTERNAL) or a deployment (ECS controller) runs. How one
 * is made from a task definition and a load balancer entry, checked against the definition's
 * containers, and drained away.
 */
import { AwsError, type LoadBalancer } from '../contracts.js';
import { list, num, obj, str } from '../protocol.js';
import { ecsId, type Fleet, type LoadBalancerEntry, type Service } from './ecs-model.js';
import type { Scheduler } from './ecs-scheduler.js';
import type { EcsContext } from './ecs-state.js';
import type { ContainerDefinition, TaskDefinition } from './ecs-taskdefs.js';

/** The container a fleet runs: the load balanced one, else the first essential one. */
function fleetContainer(definition: TaskDefinition, name?: string): ContainerDefinition {
  const containers = definition.body.containerDefinitions;
  const found = name
    ? containers.find((c) => c.name === name)
    : (containers.find((c) => c.essential !== false) ?? containers[0]);
  if (!found)
    throw new AwsError('InvalidParameterException', `The container ${name} does not exist in the task definition.`);
  return found;
}

export function checkLoadBalancer(definition: TaskDefinition, entry: LoadBalancerEntry): void {
  const container = definition.body.containerDefinitions.find((c) => c.name === entry.containerName);
  if (!container)
    throw new AwsError(
      'InvalidParameterException',
      `The container ${entry.containerName} does not exist in the task definition.`,
    );
  const ports = ((container.portMappings as { containerPort?: number }[] | undefined) ?? []).map(
    (m) => m.containerPort,
  );
  if (!ports.includes(entry.containerPort)) {
    throw new AwsError(
      'InvalidParameterException',
      `The container ${entry.containerName} did not have a container port ${entry.containerPort} defined.`,
    );
  }
}

export function newFleet(
  ctx: EcsContext,
  service: Service,
  kind: Fleet['kind'],
  definition: TaskDefinition,
  fields: Partial<
    Pick<
      Fleet,
      | 'targetGroupArn'
      | 'containerName'
      | 'containerPort'
      | 'scalePercent'
      | 'desiredCount'
      | 'externalId'
      | 'startedBy'
      | 'status'
    >
  >,
): Fleet {
  const { account, region } = ctx;
  const id = ecsId();
  const now = new Date();
  const fleet: Fleet = {
    kind,
    id,
    arn: `arn:aws:ecs:${region}:${account}:task-set/${service.cluster.name}/${service.name}/${id}`,
    service,
    status: fields.status ?? 'ACTIVE',
    taskDefinition: definition,
    container: fleetContainer(definition, fields.containerName),
    targetGroupArn: fields.targetGroupArn,
    containerName: fields.containerName,
    containerPort: fields.containerPort,
    scalePercent: fields.scalePercent ?? 100,
    desiredCount: fields.desiredCount ?? 0,
    externalId: fields.externalId,
    startedBy: fields.startedBy ?? id,
    tasks: [],
    createdAt: now,
    updatedAt: now,
    failedTasks: 0,
    consecutiveFailures: 0,
    nextLaunchAt: 0,
    stabilityStatusAt: now,
    revisionArn: `arn:aws:ecs:${region}:${account}:service-revision/${service.cluster.name}/${service.name}/${id.slice('ecs-svc/'.length)}`,
  };
  if (kind === 'deployment') ctx.revisions.set(fleet.revisionArn!, fleet);
  return fleet;
}

/** How a fleet's tasks run, as task sets and deployments report it. */
export function fleetPlatform(service: Service) {
  return {
    launchType: service.launchType,
    platformVersion: '1.4.0',
    platformFamily: 'Linux',
    ...(service.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
  };
}

export function fleetLoadBalancers(fleet: Fleet) {
  return fleet.targetGroupArn
    ? [
        {
          targetGroupArn: fleet.targetGroupArn,
          containerName: fleet.containerName ?? fleet.container.name,
          containerPort: fleet.containerPort,
        },
      ]
    : [];
}

function requireTargetGroup(lb: LoadBalancer, targetGroupArn: string): void {
  if (!lb.targetGroup(targetGroupArn)) {
    throw new AwsError(
      'InvalidParameterException',
      `The target group with targetGroupArn ${targetGroupArn} does not have an associated load balancer.`,
    );
  }
}

/** The `loadBalancers` of a CreateService or CreateTaskSet request, each target group known. */
export function parseLoadBalancers(lb: LoadBalancer, input: Record<string, unknown>): LoadBalancerEntry[] {
  return (list(input, 'loadBalancers') ?? []).map((entry) => {
    const targetGroupArn = str(entry, 'targetGroupArn');
    const containerName = str(entry, 'containerName');
    const containerPort = num(entry, 'containerPort');
    if (!targetGroupArn || !containerName || containerPort === undefined) {
      throw new AwsError(
        'InvalidParameterException',
        'loadBalancers require targetGroupArn, containerName and containerPort.',
      );
    }
    requireTargetGroup(lb, targetGroupArn);
    const advanced = obj(entry, 'advancedConfiguration');
    const result: LoadBalancerEntry = { targetGroupArn, containerName, containerPort };
    if (advanced) {
      const alternate = str(advanced, 'alternateTargetGroupArn');
      const rule = str(advanced, 'productionListenerRule');
      if (!alternate || !rule) {
        throw new AwsError(
          'InvalidParameterException',
          'advancedConfiguration requires alternateTargetGroupArn and productionListenerRule.',
        );
      }
      requireTargetGroup(lb, alternate);
      result.advancedConfiguration = {
        alternateTargetGroupArn: alternate,
        productionListenerRule: rule,
        ...(str(advanced, 'testListenerRule') ? { testListenerRule: str(advanced, 'testListenerRule') } : {}),
        ...(str(advanced, 'roleArn') ? { roleArn: str(advanced, 'roleArn') } : {}),
      };
    }
    return result;
  });
}

/** Scales a fleet to zero (tasks drained, then stopped, as a scale-in) and removes it. */
export async function drainFleet(scheduler: Scheduler, fleet: Fleet): Promise<void> {
  const reason = `Scaling activity initiated by (deployment ${fleet.id})`;
  fleet.status = 'DRAINING';
  fleet.scalePercent = 0;
  fleet.desiredCount = 0;
  fleet.updatedAt = new Date();
  await Promise.all(
    fleet.tasks
      .filter((t) => t.lastStatus !== 'STOPPED')
      .map((t) => scheduler.stopTask(t, reason, 'ServiceSchedulerInitiated')),
  );
  fleet.service.fleets = fleet.service.fleets.filter((f) => f !== fleet);
  fleet.status = 'INACTIVE';
}
