/** The step outputs, from what a run did: apart from the logic, so main.ts alone writes them. */
import type { DeployReport, DeployResult } from './deploy.js';
import { runTaskOutputs } from './run-task-outputs.js';

export interface DeployOutputs {
  'task-definition-arn': string;
  'task-definition-changed': boolean;
  deployed: boolean;
  'deployment-id': string;
  status: string;
}

export function deployOutputs(result: DeployResult): DeployOutputs {
  if (result.kind !== 'deployed') {
    return {
      'task-definition-arn': result.taskDefinitionArn,
      'task-definition-changed': result.kind === 'registered',
      deployed: false,
      'deployment-id': '',
      status: result.kind,
    };
  }
  const { deployment } = result;
  return {
    'task-definition-arn': result.taskDefinitionArn,
    'task-definition-changed': result.taskDefinitionChanged,
    // Not watched: nobody knows yet whether it succeeds.
    deployed: !deployment.notWatched,
    'deployment-id': deployment.id,
    status: deployedStatus(result),
  };
}

/**
 * CodeDeploy's own status (Succeeded, or InProgress when the timeout ran out while blue was being
 * terminated); ECS native: Succeeded once watched to the end, else where the deployment stood.
 */
function deployedStatus({ controller, deployment }: Extract<DeployResult, { kind: 'deployed' }>): string {
  if (controller === 'CODE_DEPLOY') return deployment.status ?? 'Succeeded';
  return deployment.notWatched ? (deployment.status ?? 'PENDING') : 'Succeeded';
}

/** After a failure: what is known of how far the run got. */
export function failureOutputs(report: DeployReport): Record<string, string | number | boolean> {
  return {
    ...(report.taskDefinitionArn ? { 'task-definition-arn': report.taskDefinitionArn } : {}),
    ...(report.record?.id ? { 'deployment-id': report.record.id } : {}),
    deployed: false,
    ...runTaskOutputs(report),
    ...(report.record?.status ? { status: report.record.status } : {}),
  };
}
