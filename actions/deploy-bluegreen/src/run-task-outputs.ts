/** The run-task outputs, apart from run-task.ts so that writing them loads no AWS client. */
import type { DeployReport } from './deploy.js';

/** The step outputs of the one-off task, when one ran. */
export function runTaskOutputs(report: DeployReport): Record<string, string | number> {
  const task = report.runTask;
  if (!task) return {};
  return {
    'run-task-arn': task.taskArn,
    ...(task.exitCode !== undefined ? { 'run-task-exit-code': task.exitCode } : {}),
  };
}
