/**
 * Why a deployment failed, as ECS sees it: the stopped tasks' stoppedReason and the service's
 * latest events. Best effort: a failure to read them never hides the deployment's own error.
 */
import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { awsCall } from '../../../lib/aws.js';
import type { DeployDeps } from './deps.js';

const MAX_TASKS = 5;
const MAX_EVENTS = 5;

export async function explainStoppedTasks(
  deps: Pick<DeployDeps, 'ecs'>,
  cluster: string,
  service: string,
  taskDefinitionArn?: string,
): Promise<string[]> {
  const lines: string[] = [];
  try {
    const listed = await awsCall(`stopped tasks of ${cluster}/${service}`, () =>
      deps.ecs.send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'STOPPED' })),
    );
    const arns = (listed.taskArns ?? []).slice(0, 100);
    if (arns.length > 0) {
      const described = await awsCall(`stopped tasks of ${cluster}/${service}`, () =>
        deps.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns })),
      );
      const tasks = described.tasks ?? [];
      // The new revision's tasks are the ones that matter; others only when none of them stopped.
      const ours = tasks.filter((t) => t.taskDefinitionArn === taskDefinitionArn);
      const shown = (ours.length > 0 ? ours : tasks)
        .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))
        .slice(0, MAX_TASKS);
      if (shown.length > 0) {
        lines.push('Stopped tasks:');
        for (const task of shown) {
          const id = task.taskArn?.split('/').pop() ?? '?';
          const exit = task.containers?.find((c) => c.exitCode !== undefined)?.exitCode;
          lines.push(
            `  - task ${id} (${shortTaskDefinition(task.taskDefinitionArn)}): ${task.stoppedReason ?? 'no stoppedReason'}${exit !== undefined ? ` (exit code ${exit})` : ''}`,
          );
        }
      }
    }
  } catch (error) {
    lines.push(`(could not read the stopped tasks: ${(error as Error).message})`);
  }
  try {
    const answer = await awsCall(`service ${service} in cluster ${cluster}`, () =>
      deps.ecs.send(new DescribeServicesCommand({ cluster, services: [service] })),
    );
    // ECS lists events newest first.
    const events = (answer.services?.[0]?.events ?? []).slice(0, MAX_EVENTS);
    if (events.length > 0) {
      lines.push('Latest service events:');
      for (const event of events) {
        lines.push(`  - ${event.createdAt ? event.createdAt.toISOString() : ''} ${event.message ?? ''}`.trimEnd());
      }
    }
  } catch (error) {
    lines.push(`(could not read the service events: ${(error as Error).message})`);
  }
  return lines;
}

function shortTaskDefinition(arn: string | undefined): string {
  return arn?.split('/').pop() ?? 'unknown task definition';
}
