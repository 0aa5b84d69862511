/** What the parts of an ECS-controller deployment share: the plan, and where to follow it. */
import type { PropagateTags } from '../config.js';
import { STATE, type DeployDeps, type DeploymentRecord } from '../deps.js';

export interface EcsPlan {
  cluster: string;
  service: string;
  strategy: string;
  taskDefinitionArn: string;
  previousTaskDefinitionArn?: string;
  deadline: number;
  timeoutMs: number;
  pollIntervalMs: number;
  rollbackOnCancel: boolean;
  /** The test listener's URL: with it, a pause hook runs the test-traffic gate and continues. */
  testUrl?: string;
  desiredCount?: number;
  forceNewDeployment?: boolean;
  enableEcsManagedTags?: boolean;
  propagateTags?: PropagateTags;
  /** false: return once UpdateService has started the deployment (default true). */
  wait?: boolean;
}

/** The service's deployments in the ECS console. */
export function serviceDeploymentsConsoleUrl(region: string, plan: Pick<EcsPlan, 'cluster' | 'service'>): string {
  const r = encodeURIComponent(region);
  return `https://${r}.console.aws.amazon.com/ecs/v2/clusters/${encodeURIComponent(plan.cluster)}/services/${encodeURIComponent(plan.service)}/deployments?region=${r}`;
}

export function rememberServiceDeployment(deps: DeployDeps, plan: EcsPlan, record: DeploymentRecord, arn: string) {
  record.id = arn;
  deps.saveState(STATE.kind, 'ecs');
  deps.saveState(STATE.id, arn);
  deps.saveState(STATE.finished, 'false');
  deps.logger.info(`Service deployment ${arn}`);
}
