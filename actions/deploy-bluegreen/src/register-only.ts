/** register-only: compare with the family's latest revision (no service needed), register when different. */
import type { RegisterOnlyConfig } from './config.js';
import type { DeployReport, DeployResult } from './deploy.js';
import type { RenderDesired } from './desired-definition.js';
import type { DeployDeps } from './deps.js';
import { describeService, findTaskDefinition, registerTaskDefinition } from './discovery.js';
import { runTaskBeforeDeployment } from './run-task.js';
import { diffTaskDefinitions, imageOf, sameTaskDefinition, type TaskDefinitionDoc } from './taskdef.js';

export async function registerOnly(
  config: RegisterOnlyConfig,
  deps: DeployDeps,
  report: DeployReport,
  render: RenderDesired,
): Promise<DeployResult> {
  const desired = render(config.template.definition, `task-definition (${config.template.path})`);
  report.image = imageOf(desired, config.containerName);
  const latest = await findTaskDefinition(deps.ecs, String(desired.family));
  report.runningTaskDefinitionArn = latest?.arn;
  report.diff = diffTaskDefinitions(latest?.definition, desired);
  if (latest && sameTaskDefinition(latest.definition, desired)) {
    deps.logger.info(`The family's latest revision ${latest.arn} equals the desired definition: nothing to register.`);
    report.taskDefinitionArn = latest.arn;
    await runTaskWithoutDeploying(config, deps, report, latest.arn, desired);
    return { kind: 'unchanged', taskDefinitionArn: latest.arn };
  }
  const arn = await registerTaskDefinition(deps.ecs, desired, deps.logger);
  Object.assign(report, { taskDefinitionArn: arn, registered: true, reused: false });
  await runTaskWithoutDeploying(config, deps, report, arn, desired);
  return { kind: 'registered', taskDefinitionArn: arn };
}

/** With run-task-command, the task runs in the named service's network configuration. */
async function runTaskWithoutDeploying(
  config: RegisterOnlyConfig,
  deps: DeployDeps,
  report: DeployReport,
  arn: string,
  definition: TaskDefinitionDoc,
): Promise<void> {
  // parseConfig requires the service whenever run-task-command is set with register-only.
  if (!config.runTaskCommand || !config.service) return;
  const service = await describeService(deps.ecs, config.cluster, config.service);
  await runTaskBeforeDeployment(config, deps, report, service.raw, arn, definition);
}
