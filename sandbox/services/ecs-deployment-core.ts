/**
 * What every ECS service deployment strategy shares: the engine's dependencies, the statuses a
 * deployment ends in, how it ends, and the error that aborts one under way.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html
 */
import type { FaultSource, LoadBalancer, SandboxClock } from '../contracts.js';
import type { Cluster, ServiceDeployment } from './ecs-model.js';
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

export const FINISHED = new Set(['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED']);

/** Why a blue/green run stopped waiting: superseded, its service deleted, or a stop request. */
export class Aborted extends Error {}

export function finishDeployment(deployment: ServiceDeployment, status: ServiceDeployment['status']): void {
  deployment.status = status;
  deployment.finishedAt = new Date();
  deployment.updatedAt = deployment.finishedAt;
  if (status === 'STOPPED') deployment.stoppedAt = deployment.finishedAt;
}

export function findServiceDeployment(arn: string, clusters: Cluster[]): ServiceDeployment | undefined {
  for (const cluster of clusters) {
    for (const service of cluster.services.values()) {
      const found = service.serviceDeployments.find((d) => d.arn === arn);
      if (found) return found;
    }
  }
  return undefined;
}
