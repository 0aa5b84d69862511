/**
 * Why a deployment failed, as ECS sees it: the stopped tasks' stoppedReason and the service's
 * latest events. Best effort: a failure to read them never hides the deployment's own error.
 */
import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { awsCall } from '../../../lib/aws.js';
import type { DeployDeps, DeploymentRecord } from './deps.js';

const MAX_TASKS = 5;
const MAX_EVENTS = 5;
const MAX_PAGES = 3;
const DESCRIBE_BATCH = 100;

export async function explainStoppedTasks(
  deps: Pick<DeployDeps, 'ecs'>,
  cluster: string,
  service: string,
  taskDefinitionArn?: string,
  record?: DeploymentRecord,
): Promise<string[]> {
  const lines: string[] = [];
  try {
    const arns = await stoppedTaskArns(deps, cluster, service);
    const tasks = [];
    // DescribeTasks takes up to 100 tasks.
    for (let i = 0; i < arns.length; i += DESCRIBE_BATCH) {
      const batch = arns.slice(i, i + DESCRIBE_BATCH);
      const described = await awsCall(`stopped tasks of ${cluster}/${service}`, () =>
        deps.ecs.send(new DescribeTasksCommand({ cluster, tasks: batch })),
      );
      tasks.push(...(described.tasks ?? []));
    }
    // Only the new revision's tasks explain its failure; drained blue tasks stop too, for no fault.
    const shown = (taskDefinitionArn ? tasks.filter((t) => t.taskDefinitionArn === taskDefinitionArn) : tasks)
      .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))
      .slice(0, MAX_TASKS);
    if (record) {
      record.stoppedTasks = shown.map((task) => ({
        id: task.taskArn?.split('/').pop() ?? '?',
        reason: task.stoppedReason ?? 'no stoppedReason',
        exitCode: task.containers?.find((c) => c.exitCode !== undefined)?.exitCode,
      }));
    }
    if (shown.length > 0) {
      lines.push('Stopped tasks:');
      for (const task of shown) {
        const id = task.taskArn?.split('/').pop() ?? '?';
        const exit = task.containers?.find((c) => c.exitCode !== undefined)?.exitCode;
        lines.push(
          `  - task ${id} (${shortTaskDefinition(task.taskDefinitionArn)}): ${task.stoppedReason ?? 'no stoppedReason'}${exit !== undefined ? ` (exit code ${exit})` : ''}`,
        );
      }
    } else if (taskDefinitionArn) {
      lines.push(
        `No task of ${shortTaskDefinition(taskDefinitionArn)} has stopped${tasks.length > 0 ? ` (the ${tasks.length} stopped task(s) of other revisions are not shown)` : ''}.`,
      );
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

/** Up to MAX_PAGES pages of ListTasks (ECS keeps stopped tasks for about an hour). */
async function stoppedTaskArns(deps: Pick<DeployDeps, 'ecs'>, cluster: string, service: string): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const listed = await awsCall(`stopped tasks of ${cluster}/${service}`, () =>
      deps.ecs.send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'STOPPED', nextToken })),
    );
    arns.push(...(listed.taskArns ?? []));
    nextToken = listed.nextToken;
    if (!nextToken) break;
  }
  return arns;
}

function shortTaskDefinition(arn: string | undefined): string {
  return arn?.split('/').pop() ?? 'unknown task definition';
}
