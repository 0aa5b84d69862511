/**
 * A one-off task before the deployment (a database migration, say): the revision about to be
 * deployed runs once with a command override, in the service's own network, and the deployment
 * goes on only when its essential container exits 0. A failure says why: exit code, stop reason
 * and the container's last log lines.
 */
import { GetLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type RunTaskCommandInput,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import { awsCall } from '../../../lib/aws.js';
import { cancelledFrom, poll, throwIfCancelled, type Clock } from '../../../lib/cancel.js';
import { ActionFailure, CancelledError } from '../../../lib/errors.js';
import { formatDuration } from '../../../lib/inputs.js';
import type { Logger } from '../../../lib/log.js';
import { callWithin, STOP_ON_CANCEL, type CallBound } from './bounded.js';
import type { DeployConfig } from './config.js';
import type { DeployReport } from './deploy.js';
import type { DeployDeps } from './deps.js';
import type { EcsApi } from './discovery.js';
import type { TaskDefinitionDoc } from './taskdef.js';

export type LogsApi = Pick<CloudWatchLogsClient, 'send'>;

/** How many of the task's last log lines a failure shows. */
export const LOG_LINES_SHOWN = 20;

export interface RunTaskPlan {
  cluster: string;
  taskDefinitionArn: string;
  /** The definition registered as taskDefinitionArn: where its awslogs configuration is read. */
  definition: TaskDefinitionDoc;
  containerName: string;
  command: string[];
  /** Where and how the service runs its tasks (DescribeServices). */
  service: Service;
  startedBy: string;
  timeoutMs: number;
  pollIntervalMs: number;
}

export interface RunTaskDeps {
  ecs: EcsApi;
  logs?: LogsApi;
  clock: Clock;
  logger: Logger;
  signal: AbortSignal;
}

export interface RunTaskResult {
  taskArn: string;
  exitCode?: number;
  stoppedReason?: string;
}

/**
 * `startedBy` names the suite and the commit so the task is found with ListTasks --started-by.
 * ECS accepts up to 128 letters, digits, hyphens, slashes and underscores (API model,
 * RunTaskRequest.startedBy); a 12-character commit keeps it short enough for every ECS field
 * that shows it.
 */
export function startedByFor(sha: string | undefined): string {
  const commit = (sha ?? '').replace(/[^A-Za-z0-9]/g, '').slice(0, 12);
  return commit ? `deploy-bluegreen/${commit}` : 'deploy-bluegreen';
}

/**
 * The RunTask request: the service's network configuration, its capacity provider strategy or
 * launch type (RunTask refuses both together) and platform version. For a CODE_DEPLOY service the
 * PRIMARY task set carries what the last deployment set, so it wins over the service's own fields.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html
 */
export function runTaskInput(plan: RunTaskPlan): RunTaskCommandInput {
  const primary = plan.service.taskSets?.find((s) => s.status === 'PRIMARY');
  const networkConfiguration = primary?.networkConfiguration ?? plan.service.networkConfiguration;
  const strategy = primary?.capacityProviderStrategy ?? plan.service.capacityProviderStrategy;
  const launchType = primary?.launchType ?? plan.service.launchType;
  const platformVersion = primary?.platformVersion ?? plan.service.platformVersion;
  return {
    cluster: plan.cluster,
    taskDefinition: plan.taskDefinitionArn,
    count: 1,
    startedBy: plan.startedBy,
    ...(networkConfiguration ? { networkConfiguration } : {}),
    ...(strategy && strategy.length > 0 ? { capacityProviderStrategy: strategy } : launchType ? { launchType } : {}),
    ...(platformVersion ? { platformVersion } : {}),
    overrides: { containerOverrides: [{ name: plan.containerName, command: plan.command }] },
  };
}

/** Where the container's awslogs driver writes: group and `prefix/container/task-id` stream. */
export function awslogsStream(
  definition: TaskDefinitionDoc,
  containerName: string,
  taskArn: string,
): { group: string; stream: string } | undefined {
  const containers = (definition.containerDefinitions ?? []) as {
    name?: string;
    logConfiguration?: { logDriver?: string; options?: Record<string, string> };
  }[];
  const log = containers.find((c) => c.name === containerName)?.logConfiguration;
  const group = log?.options?.['awslogs-group'];
  const prefix = log?.options?.['awslogs-stream-prefix'];
  // Without a stream prefix, Fargate's stream name is not documented as predictable: nothing to read.
  // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html
  if (log?.logDriver !== 'awslogs' || !group || !prefix) return undefined;
  const taskId = taskArn.slice(taskArn.lastIndexOf('/') + 1);
  return { group, stream: `${prefix}/${containerName}/${taskId}` };
}

/** Runs the task, waits for it to stop, and resolves only when its container exited 0. */
export async function runOneOffTask(deps: RunTaskDeps, plan: RunTaskPlan, onStarted?: (arn: string) => void) {
  const { logger } = deps;
  throwIfCancelled(deps.signal);
  logger.info(
    `Running ${plan.taskDefinitionArn} once with command ${JSON.stringify(plan.command)} (run-task-command) before the deployment.`,
  );
  const answer = await awsCall(`cluster ${plan.cluster}`, () => deps.ecs.send(new RunTaskCommand(runTaskInput(plan))));
  const started = answer.tasks?.[0];
  if (!started?.taskArn) {
    // RunTask reports placement problems in `failures`, not as an error.
    const failure = answer.failures?.[0];
    throw new ActionFailure(
      `RunTask started no task for run-task-command: ${failure?.reason ?? 'no reason given'}${failure?.detail ? ` (${failure.detail})` : ''}. Nothing was deployed.`,
    );
  }
  const taskArn = started.taskArn;
  const result: RunTaskResult = { taskArn };
  onStarted?.(taskArn);
  logger.info(`Started task ${taskArn} (startedBy ${plan.startedBy}); waiting for it to stop.`);

  let task: Task | undefined = started;
  try {
    task = await poll({
      clock: deps.clock,
      signal: deps.signal,
      timeoutMs: plan.timeoutMs,
      intervalMs: plan.pollIntervalMs,
      check: async () => {
        task = await describeTask(deps, plan.cluster, taskArn);
        return task?.lastStatus === 'STOPPED' ? { done: true, value: task } : { done: false };
      },
      onDeadline: async () => {
        await stopTask(deps, plan.cluster, taskArn, 'deploy-bluegreen: run-task-timeout-minutes reached');
        throw new ActionFailure(
          `The run-task-command task ${taskArn} was still ${task?.lastStatus ?? 'starting'} after ${formatDuration(plan.timeoutMs)} (run-task-timeout-minutes): stopped it. Nothing was deployed.`,
        );
      },
    });
  } catch (error) {
    if (error instanceof CancelledError || deps.signal.aborted) {
      const cancelled = error instanceof CancelledError ? error : cancelledFrom(deps.signal);
      let stopped = 'stopped it';
      try {
        await stopTask(deps, plan.cluster, taskArn, `deploy-bluegreen: ${cancelled.message}`, STOP_ON_CANCEL);
      } catch (stopError) {
        stopped = `could not stop it (${(stopError as Error).message}); stop it in the console`;
      }
      throw new ActionFailure(
        `${cancelled.message} while the run-task-command task ${taskArn} ran: ${stopped}. Nothing was deployed.`,
      );
    }
    throw error;
  }

  const container = task?.containers?.find((c) => c.name === plan.containerName);
  result.exitCode = container?.exitCode;
  result.stoppedReason = task?.stoppedReason;
  if (result.exitCode === 0) {
    logger.info(`Task ${taskArn} exited 0: going on.`);
    return result;
  }
  const lines = [
    `The run-task-command task ${taskArn} failed${result.exitCode !== undefined ? ` with exit code ${result.exitCode}` : ' before its container exited'}. Nothing was deployed.`,
    `Stop reason: ${[task?.stopCode, task?.stoppedReason].filter(Boolean).join(': ') || 'none given'}`,
  ];
  if (container?.reason) lines.push(`Container ${plan.containerName}: ${container.reason}`);
  lines.push(...(await lastLogLines(deps, plan, taskArn)));
  throw new RunTaskFailure(lines.join('\n'), result);
}

/** A failed one-off task; carries its ARN and exit code for the step's outputs. */
export class RunTaskFailure extends ActionFailure {
  constructor(
    message: string,
    readonly result: RunTaskResult,
  ) {
    super(message);
  }
}

async function describeTask(deps: RunTaskDeps, cluster: string, taskArn: string): Promise<Task | undefined> {
  try {
    const answer = await awsCall(`task ${taskArn}`, () =>
      deps.ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }), { abortSignal: deps.signal }),
    );
    return answer.tasks?.[0];
  } catch (error) {
    if (deps.signal.aborted) throw cancelledFrom(deps.signal);
    throw error;
  }
}

/**
 * StopTask sends SIGTERM, then SIGKILL after the container's stopTimeout; the call itself returns
 * at once. On the cancel path each attempt is bounded so it fits in the runner's kill window.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopTask.html
 */
async function stopTask(
  deps: RunTaskDeps,
  cluster: string,
  taskArn: string,
  reason: string,
  bound?: CallBound,
): Promise<void> {
  deps.logger.info(`Stopping task ${taskArn}.`);
  await callWithin(
    (options) =>
      awsCall(`task ${taskArn}`, () => deps.ecs.send(new StopTaskCommand({ cluster, task: taskArn, reason }), options)),
    { bound, clock: deps.clock },
  );
}

/**
 * The container's last log lines, newest last (GetLogEvents reads from the end unless
 * startFromHead is true). A log read that fails is said in one line: it must not hide the exit code.
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html
 */
async function lastLogLines(deps: RunTaskDeps, plan: RunTaskPlan, taskArn: string): Promise<string[]> {
  const where = awslogsStream(plan.definition, plan.containerName, taskArn);
  if (!where) {
    return [
      `No log lines: container ${plan.containerName} has no awslogs configuration with a stream prefix (set log-group to add one).`,
    ];
  }
  if (!deps.logs) return [];
  try {
    const answer = await awsCall(`log stream ${where.group}/${where.stream}`, () =>
      deps.logs!.send(
        new GetLogEventsCommand({
          logGroupName: where.group,
          logStreamName: where.stream,
          limit: LOG_LINES_SHOWN,
          startFromHead: false,
        }),
      ),
    );
    const events = answer.events ?? [];
    if (events.length === 0) return [`No log lines in ${where.group} ${where.stream}.`];
    return [
      `Last ${events.length} log lines (${where.group} ${where.stream}):`,
      ...events.map((e) => `  ${(e.message ?? '').replace(/\n$/, '')}`),
    ];
  } catch (error) {
    return [`No log lines: ${(error as Error).message}`];
  }
}

/**
 * The deploy flow's one call: runs run-task-command (when set) with the revision about to be
 * deployed and records the task in the report; throws, before anything is deployed, when it fails.
 */
export async function runTaskBeforeDeployment(
  config: Pick<DeployConfig, 'cluster' | 'containerName' | 'runTaskCommand' | 'runTaskTimeoutMs' | 'pollIntervalMs'>,
  deps: DeployDeps,
  report: DeployReport,
  service: Service,
  taskDefinitionArn: string,
  definition: TaskDefinitionDoc,
): Promise<void> {
  if (!config.runTaskCommand) return;
  try {
    report.runTask = await runOneOffTask(
      deps,
      {
        cluster: config.cluster,
        taskDefinitionArn,
        definition,
        containerName: config.containerName,
        command: config.runTaskCommand,
        service,
        startedBy: startedByFor(deps.commit),
        timeoutMs: config.runTaskTimeoutMs ?? 30 * 60_000,
        pollIntervalMs: config.pollIntervalMs,
      },
      (taskArn) => (report.runTask = { taskArn }),
    );
  } catch (error) {
    if (error instanceof RunTaskFailure) report.runTask = error.result;
    throw error;
  }
}
