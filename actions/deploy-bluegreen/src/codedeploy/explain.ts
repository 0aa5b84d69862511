/** Why a CodeDeploy deployment failed: the failed event, CodeDeploy's error, stopped tasks, the rollback. */
import type { DeployDeps, DeploymentRecord } from '../deps.js';
import { explainStoppedTasks } from '../diagnostics.js';
import { lifecycleEventProgress } from '../codedeploy-states.js';
import { hookNote } from '../hooks.js';
import type { CodeDeployPlan, Observed } from './shared.js';

export async function explainFailure(
  deps: DeployDeps,
  plan: CodeDeployPlan,
  record: DeploymentRecord,
  last: Observed,
): Promise<string> {
  const info = last.info;
  const lines: string[] = [];
  const failed = (last.target?.lifecycleEvents ?? []).find((e) => lifecycleEventProgress(e.status) === 'failed');
  lines.push(
    `Deployment ${record.id} ${info.status}${failed ? ` in lifecycle event ${failed.lifecycleEventName}` : ''}.`,
  );
  if (failed?.diagnostics?.message) {
    lines.push(
      `${failed.lifecycleEventName}${hookNote(plan.hooks, failed.lifecycleEventName ?? '')}: ${failed.diagnostics.errorCode ?? 'error'}: ${failed.diagnostics.message}`,
    );
    if (failed.diagnostics.logTail?.trim()) lines.push(`Log tail:\n${failed.diagnostics.logTail.trim()}`);
  }
  if (info.errorInformation) {
    lines.push(`CodeDeploy: ${info.errorInformation.code ?? 'error'}: ${info.errorInformation.message ?? ''}`.trim());
  }
  lines.push(...(await explainStoppedTasks(deps, plan.cluster, plan.service, plan.taskDefinitionArn, record)));
  if (record.rollbackId) {
    lines.push(
      `Rollback deployment ${record.rollbackId}: ${record.rollbackStatus ?? 'unknown'}${record.rollbackStatus === 'Succeeded' ? ' (the previous version serves all traffic)' : ''}.`,
    );
  }
  return lines.join('\n');
}
