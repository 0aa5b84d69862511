/**
 * What every ECS handler module shares: the typed stores (clusters, service revisions, task
 * definitions), the scheduler and the deployment engine, as one context; the lookups that turn
 * a request's names and ARNs into those records, with ECS's errors; and the state snapshot the
 * sandbox shows.
 */
import { AwsError, type LoadBalancer } from '../contracts.js';
import type { ServiceDeploymentEngine } from './ecs-deployments.js';
import type { Cluster, Fleet, Service } from './ecs-model.js';
import { clusterNotFound, type Scheduler } from './ecs-scheduler.js';
import type { TaskDefinition, TaskDefinitionRegistry } from './ecs-taskdefs.js';

export interface EcsContext {
  account: string;
  region: string;
  lb: LoadBalancer;
  clusters: Map<string, Cluster>;
  /** Service revisions (ECS controller) by ARN, kept after their fleet is gone. */
  revisions: Map<string, Fleet>;
  taskDefinitions: TaskDefinitionRegistry;
  scheduler: Scheduler;
  engine: ServiceDeploymentEngine;
}

export const serviceNotFound = () => new AwsError('ServiceNotFoundException', 'Service not found.');

export function clusterName(ref: string | undefined): string {
  const value = ref ?? 'default';
  const arn = /^arn:aws[a-z-]*:ecs:[^:]+:\d+:cluster\/(.+)$/.exec(value);
  return arn ? arn[1]! : value;
}

export function getCluster(ctx: EcsContext, ref: string | undefined): Cluster {
  const cluster = ctx.clusters.get(clusterName(ref));
  if (!cluster || cluster.status !== 'ACTIVE') throw clusterNotFound();
  return cluster;
}

export function serviceName(ref: string): string {
  const arn = /^arn:aws[a-z-]*:ecs:[^:]+:\d+:service\/(?:[^/]+\/)?([^/]+)$/.exec(ref);
  return arn ? arn[1]! : ref;
}

export function findService(cluster: Cluster, ref: string): Service | undefined {
  return cluster.services.get(serviceName(ref));
}

export function activeService(ctx: EcsContext, clusterRef: string | undefined, ref: string): Service {
  const cluster = getCluster(ctx, clusterRef);
  const service = findService(cluster, ref);
  if (!service || service.status === 'INACTIVE') throw serviceNotFound();
  return service;
}

/** ListServiceDeployments still answers for services that were deleted. */
export function activeServiceAny(ctx: EcsContext, clusterRef: string | undefined, ref: string): Service {
  const cluster = getCluster(ctx, clusterRef);
  const service = findService(cluster, ref);
  if (!service) throw serviceNotFound();
  return service;
}

export function requireTaskDefinition(ctx: EcsContext, ref: string): TaskDefinition {
  const definition = ctx.taskDefinitions.find(ref);
  if (!definition) throw new AwsError('ClientException', 'TaskDefinition not found.');
  if (definition.status !== 'ACTIVE') throw new AwsError('ClientException', `TaskDefinition is inactive`);
  return definition;
}

export function primary(service: Service): Fleet | undefined {
  return service.fleets.find((f) => f.status === 'PRIMARY');
}

export function findTaskSet(service: Service, ref: string): Fleet {
  const fleet = service.fleets.find((f) => f.kind === 'taskSet' && (f.id === ref || f.arn === ref));
  if (!fleet) throw new AwsError('TaskSetNotFoundException', `The specified task set does not exist.`);
  return fleet;
}

/** The sandbox's view of ECS: clusters, their services, fleets and tasks, and task definitions. */
export function stateSnapshot(ctx: EcsContext) {
  const { scheduler } = ctx;
  return {
    clusters: [...ctx.clusters.values()].map((cluster) => ({
      name: cluster.name,
      status: cluster.status,
      services: [...cluster.services.values()].map((service) => ({
        name: service.name,
        status: service.status,
        controller: service.controller,
        strategy: service.deploymentConfiguration.strategy,
        desiredCount: service.desiredCount,
        steady: service.steady,
        fleets: service.fleets.map((fleet) => ({
          id: fleet.id,
          kind: fleet.kind,
          status: fleet.status,
          taskDefinition: fleet.taskDefinition.taskDefinitionArn,
          targetGroupArn: fleet.targetGroupArn,
          ...scheduler.counts(fleet),
        })),
        serviceDeployments: service.serviceDeployments.map((d) => ({
          arn: d.arn,
          status: d.status,
          lifecycleStage: d.lifecycleStage,
        })),
      })),
      tasks: cluster.tasks.map((t) => ({
        id: t.id,
        lastStatus: t.lastStatus,
        healthStatus: t.healthStatus,
        image: t.image,
        url: t.running && t.lastStatus === 'RUNNING' ? `http://${t.running.host}:${t.running.port}` : undefined,
        stoppedReason: t.stoppedReason,
      })),
    })),
    taskDefinitions: ctx.taskDefinitions.all().map((d) => ({ arn: d.taskDefinitionArn, status: d.status })),
  };
}
