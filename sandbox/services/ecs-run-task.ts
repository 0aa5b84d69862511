/**
 * ECS RunTask: standalone tasks (no service), each a real process from the image's files like a
 * service task, with the container command override applied, their output served as the
 * container's awslogs stream.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html
 */
import { AwsError, type ServiceHandlers } from '../contracts.js';
import { list, num, obj, requireStr, str, strList } from '../protocol.js';
import type { Cluster, EcsTask } from './ecs-model.js';
import type { Scheduler } from './ecs-scheduler.js';
import type { ContainerDefinition, TaskDefinition } from './ecs-taskdefs.js';
import type { LogsService } from './logs.js';

export interface RunTaskHost {
  getCluster(ref: string | undefined): Cluster;
  requireTaskDefinition(ref: string): TaskDefinition;
  scheduler: Scheduler;
  describeTask(task: EcsTask): unknown;
  logs?: Pick<LogsService, 'attach'>;
}

/** RunTask's count: 1 to 10 tasks per call (API_RunTask: count). */
const MAX_COUNT = 10;
/** startedBy: up to 128 letters, digits, hyphens, forward slashes and underscores (API model, RunTaskRequest.startedBy). */
const STARTED_BY = /^[A-Za-z0-9/_-]{1,128}$/;

const invalid = (message: string) => new AwsError('InvalidParameterException', message);

export function runTaskHandlers(host: RunTaskHost): ServiceHandlers {
  return {
    RunTask(input) {
      const cluster = host.getCluster(str(input, 'cluster'));
      const definition = host.requireTaskDefinition(requireStr(input, 'taskDefinition'));
      const count = num(input, 'count') ?? 1;
      if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
        throw invalid(`count must be between 1 and ${MAX_COUNT}.`);
      }
      const startedBy = str(input, 'startedBy');
      if (startedBy !== undefined && !STARTED_BY.test(startedBy)) {
        throw invalid(
          'startedBy may contain up to 128 letters (uppercase and lowercase), numbers, hyphens, forward slashes and underscores.',
        );
      }
      const strategy = list(input, 'capacityProviderStrategy');
      if (str(input, 'launchType') && strategy && strategy.length > 0) {
        throw invalid('Specifying both a launch type and capacity provider strategy is not supported.');
      }
      // awsvpc tasks (every Fargate task) need subnets: the service's network configuration.
      // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-networking-awsvpc.html
      const network = obj(input, 'networkConfiguration');
      const subnets = strList(obj(network ?? {}, 'awsvpcConfiguration') ?? {}, 'subnets') ?? [];
      if (definition.body.networkMode === 'awsvpc' && subnets.length === 0) {
        throw invalid("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
      }
      const containerOverrides = list(obj(input, 'overrides') ?? {}, 'containerOverrides') ?? [];
      const containers = withOverrides(definition, containerOverrides);
      const essential = containers.find((c) => c.essential !== false) ?? containers[0];
      if (!essential) throw invalid('The task definition has no container.');

      const tasks = [];
      for (let i = 0; i < count; i++) {
        const task = host.scheduler.newTask(
          cluster,
          definition,
          essential,
          startedBy ?? '',
          str(input, 'group') ?? `family:${definition.family}`,
        );
        task.standalone = true;
        // DescribeTasks shows a RunTask task's overrides as they were given (Task.overrides).
        // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Task.html
        task.containerOverrides = containerOverrides;
        attachLogs(host, task);
        host.scheduler.run(task);
        tasks.push(host.describeTask(task));
      }
      return { tasks, failures: [] };
    },
  };
}

/** The container definitions with RunTask's container overrides (command, environment) applied. */
function withOverrides(definition: TaskDefinition, overrides: Record<string, unknown>[]): ContainerDefinition[] {
  const containers = definition.body.containerDefinitions.map((c) => ({ ...c }));
  for (const override of overrides) {
    const name = str(override, 'name');
    const container = containers.find((c) => c.name === name);
    if (!container) {
      throw invalid(`Override for container named ${String(name)} is not a container in the TaskDefinition.`);
    }
    const command = strList(override, 'command');
    if (command) container.command = command;
    const environment = list(override, 'environment');
    if (environment) {
      const merged = new Map(
        ((container.environment as { name: string; value: string }[] | undefined) ?? []).map((e) => [e.name, e.value]),
      );
      for (const e of environment) merged.set(String(e.name), String(e.value ?? ''));
      container.environment = [...merged].map(([n, value]) => ({ name: n, value }));
    }
  }
  return containers;
}

/**
 * The awslogs driver's stream for this task, `prefix/container/task-id`, served from the process's
 * output. A group named by the task definition is taken to exist (Terraform creates it).
 */
function attachLogs(host: RunTaskHost, task: EcsTask): void {
  const log = task.container.logConfiguration as { logDriver?: string; options?: Record<string, string> } | undefined;
  const group = log?.options?.['awslogs-group'];
  const prefix = log?.options?.['awslogs-stream-prefix'];
  if (!host.logs || log?.logDriver !== 'awslogs' || !group || !prefix) return;
  const created = task.createdAt.getTime();
  host.logs.attach(group, `${prefix}/${task.container.name}/${task.id}`, () =>
    (task.running?.logTail ?? []).map((message) => ({ timestamp: created, message })),
  );
}
