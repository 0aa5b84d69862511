/**
 * What the parts of a CodeDeploy deployment share: the plan, when a deployment is over, what the
 * watch last saw, and where to follow a deployment in the console.
 */
import type { DeploymentInfo, ECSTarget } from '@aws-sdk/client-codedeploy';
import type { OnActiveDeployment } from '../config.js';
import type { DeploymentGroup } from '../discovery.js';
import { deploymentProgress } from '../codedeploy-states.js';
import type { Hook } from '../hooks.js';

/** Succeeded, Failed or Stopped: the deployment is over, one way or the other. */
export const ended = (status: string | undefined) => ['done', 'failed'].includes(deploymentProgress(status));

export interface CodeDeployPlan {
  cluster: string;
  service: string;
  group: DeploymentGroup;
  taskDefinitionArn: string;
  containerName: string;
  containerPort: number;
  platformVersion?: string;
  deploymentConfig?: string;
  onActiveDeployment: OnActiveDeployment;
  /** Absolute clock time after which the deployment is stopped and rolled back. */
  deadline: number;
  timeoutMs: number;
  pollIntervalMs: number;
  rollbackOnCancel: boolean;
  testUrl?: string;
  description?: string;
  /** AppSpec lifecycle hooks. */
  hooks?: Hook[];
  /** false: return once the deployment is created (default true). */
  wait?: boolean;
}

export interface Observed {
  info: DeploymentInfo;
  target?: ECSTarget;
}

export function deploymentConsoleUrl(region: string, id: string): string {
  const r = encodeURIComponent(region);
  return `https://${r}.console.aws.amazon.com/codesuite/codedeploy/deployments/${encodeURIComponent(id)}?region=${r}`;
}
