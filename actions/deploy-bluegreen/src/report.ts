/**
 * The job summary of a deploy: the verdict first (what serves now, or what failed, whether the
 * rollback worked and what serves instead), then the details a reader needs only on a bad day,
 * folded: outputs, lifecycle, traffic, diff, and the links (logs of the stopped tasks included).
 */
import { formatDuration } from '../../../lib/inputs.js';
import { link, markdownTable, type Outcome, type Summary } from '../../../lib/summary.js';
import type { DeployReport } from './deploy.js';
import type { DeploymentRecord } from './deps.js';
import { runTaskOutputs } from './run-task-outputs.js';
import type { TaskDefinitionDoc } from './taskdef.js';
import { expectedTotal, timelineRows, type ExpectedPhase, type TimelineRow } from './timeline.js';

const BAR_WIDTH = 20;

/** `▰▰▰▰▰▱▱▱▱▱…` for a green share. */
export function trafficBar(green: number): string {
  const filled = Math.round((Math.max(0, Math.min(100, green)) / 100) * BAR_WIDTH);
  return `${'▰'.repeat(filled)}${'▱'.repeat(BAR_WIDTH - filled)}`;
}

/** Where a container's awslogs driver writes (the task definition's logConfiguration.options). */
export interface AwsLogs {
  group: string;
  region?: string;
  streamPrefix?: string;
  container: string;
}

export function awslogsOf(definition: TaskDefinitionDoc, containerName: string): AwsLogs | undefined {
  const containers = (definition.containerDefinitions ?? []) as {
    name?: string;
    logConfiguration?: { logDriver?: string; options?: Record<string, string> };
  }[];
  const logging = containers.find((c) => c.name === containerName)?.logConfiguration;
  const group = logging?.options?.['awslogs-group'];
  if (logging?.logDriver !== 'awslogs' || !group) return undefined;
  return {
    group,
    region: logging.options?.['awslogs-region'],
    streamPrefix: logging.options?.['awslogs-stream-prefix'],
    container: containerName,
  };
}

/**
 * The console page of one task's log stream. The stream is `prefix/container/task-id`
 * (AWS docs, "Send Amazon ECS logs to CloudWatch": awslogs-stream-prefix); without a prefix
 * ECS names no stream we can predict, so the link goes to the group. The console's fragment
 * escapes `%` as `$25`; that is the console's own URL scheme (our observation, not documented).
 */
export function logStreamUrl(region: string, logs: AwsLogs, taskId?: string): string {
  const consoleEscape = (text: string) => encodeURIComponent(encodeURIComponent(text)).replace(/%/g, '$');
  const logRegion = encodeURIComponent(logs.region ?? region);
  const base = `https://${logRegion}.console.aws.amazon.com/cloudwatch/home?region=${logRegion}#logsV2:log-groups/log-group/${consoleEscape(logs.group)}`;
  if (!taskId || !logs.streamPrefix) return base;
  return `${base}/log-events/${consoleEscape(`${logs.streamPrefix}/${logs.container}/${taskId}`)}`;
}

export function consoleLinks(report: DeployReport): string[] {
  const region = encodeURIComponent(report.region);
  const base = `https://${region}.console.aws.amazon.com`;
  const links: string[] = [];
  const record = report.record;
  if (record?.kind === 'codedeploy' && record.id) {
    links.push(
      link(
        `CodeDeploy deployment ${record.id}`,
        `${base}/codesuite/codedeploy/deployments/${encodeURIComponent(record.id)}?region=${region}`,
      ),
    );
    if (record.rollbackId) {
      links.push(
        link(
          `Rollback deployment ${record.rollbackId}`,
          `${base}/codesuite/codedeploy/deployments/${encodeURIComponent(record.rollbackId)}?region=${region}`,
        ),
      );
    }
  }
  if (report.service) {
    const service = `${base}/ecs/v2/clusters/${encodeURIComponent(report.cluster)}/services/${encodeURIComponent(report.service)}`;
    links.push(
      link(`ECS service ${report.cluster}/${report.service}: deployments`, `${service}/deployments?region=${region}`),
    );
    links.push(link('Service events', `${service}/events?region=${region}`));
  }
  if (report.taskDefinitionArn) {
    const [family, revision] = report.taskDefinitionArn.split('/').pop()!.split(':');
    links.push(
      link(
        `Task definition ${family}:${revision}`,
        `${base}/ecs/v2/task-definitions/${encodeURIComponent(family ?? '')}/${encodeURIComponent(revision ?? '')}/containers?region=${region}`,
      ),
    );
  }
  if (report.logs) {
    for (const task of record?.stoppedTasks ?? []) {
      links.push(link(`Logs of stopped task ${task.id}`, logStreamUrl(report.region, report.logs, task.id)));
    }
    if (!record?.stoppedTasks?.length)
      links.push(link(`Log group ${report.logs.group}`, logStreamUrl(report.region, report.logs)));
  }
  return links;
}

const time = (d: Date | undefined) => (d ? d.toISOString().slice(11, 19) : '');
const short = (arn: string | undefined) => arn?.split('/').pop();

/** A spoken duration for the verdict: `10 min 12 s`, `42 s`. */
export function spokenDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}

/** `2 min 5 s`, `45 s` of AWS time, or `unknown`. */
export function spokenSeconds(seconds: number | undefined): string {
  return seconds === undefined ? 'unknown' : spokenDuration(seconds * 1000);
}

/** A measured time: a tenth of a second counts in a short phase (`0.4 s`), not in a long one. */
function measured(seconds: number): string {
  return seconds < 10 ? `${seconds.toFixed(1)} s` : spokenSeconds(seconds);
}

/** What a phase took, or what became of it: `12 s`, `12 s, Failed`, `skipped`, `not reached`. */
function actualCell(row: TimelineRow): string {
  if (row.status === 'Skipped') return 'skipped (no hook)';
  if (row.actual === undefined) return row.status ?? '';
  return row.status ? `${measured(row.actual)}, ${row.status}` : measured(row.actual);
}

/**
 * Phase | Expected | Actual, with the totals: the expected figure in AWS time with what sets it,
 * beside what the deployment took (the run's own time, which the sandbox scales down).
 */
export function timelineTable(expected: ExpectedPhase[], record: DeploymentRecord | undefined): string {
  const rows = timelineRows(expected, record).map((row) => [
    row.phase,
    `${spokenSeconds(row.expected)} (${row.basis})`,
    actualCell(row),
  ]);
  const took = record?.endTime ? (record.endTime.getTime() - record.startTime.getTime()) / 1000 : undefined;
  rows.push([
    '**Total**',
    `**${spokenSeconds(expectedTotal(expected))}**`,
    took === undefined ? '' : `**${measured(took)}**`,
  ]);
  return markdownTable(['Phase', 'Expected', 'Actual'], rows);
}

/** `linear`, `canary`, `all at once`, `rolling`, … from a CodeDeploy config name or an ECS strategy. */
export function strategyName(strategy: string | undefined): string | undefined {
  if (!strategy) return undefined;
  const match = /^CodeDeployDefault\.ECS(Linear|Canary|AllAtOnce)/.exec(strategy);
  if (match) return match[1] === 'AllAtOnce' ? 'all at once' : match[1]!.toLowerCase();
  if (/^[A-Z_]+$/.test(strategy)) return strategy.toLowerCase().replace(/_/g, ' ');
  return strategy;
}

/** Whether the rollback is known to have finished with the previous revision serving. */
function rolledBack(record: DeploymentRecord | undefined): boolean {
  if (!record) return false;
  if (record.kind === 'codedeploy') return record.rollbackStatus === 'Succeeded';
  return record.status === 'ROLLBACK_SUCCESSFUL';
}

/** `2 tasks failed: Task failed container health checks` (the most common reason). */
function stoppedTasksPhrase(record: DeploymentRecord | undefined): string | undefined {
  // A task stopped by a scale-in ("Scaling activity initiated by (deployment …)", e.g. when the
  // rollback removes the new task set) names no fault; the others say why the deployment failed.
  // That reading of the scheduler's message is our assumption.
  const all = record?.stoppedTasks ?? [];
  const faulted = all.filter((task) => !task.reason.startsWith('Scaling activity initiated by'));
  const tasks = faulted.length > 0 ? faulted : all;
  if (tasks.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const task of tasks) counts.set(task.reason, (counts.get(task.reason) ?? 0) + 1);
  const [reason, count] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  return `${count} task${count === 1 ? '' : 's'} stopped: ${reason}`;
}

/** What serves after a stop or a failure, as far as the action knows. */
function afterwards(report: DeployReport, failure: string): string {
  const previous = short(report.runningTaskDefinitionArn);
  const record = report.record;
  if (rolledBack(record)) return previous ? `rolled back, ${previous} still serves` : 'rolled back';
  const rolledTo = /Rolled the service back to (\S+?) \(/.exec(failure)?.[1];
  if (rolledTo) return `rolling back to ${short(rolledTo)}`;
  if (!record?.id) return previous ? `nothing was deployed, ${previous} still serves` : 'nothing was deployed';
  if (/goes on without this action|continues without this action/.test(failure))
    return 'the deployment goes on — follow it below';
  if (record.rollbackStatus) return `rollback ${record.rollbackStatus} — check the service`;
  return 'the rollback did not report back — check the service';
}

/** The verdict: outcome and one line. Pure, so every path can be tested without AWS. */
export function deployVerdict(report: DeployReport, failure?: string): [Outcome, string] {
  const outputs = report.outputs;
  const record = report.record;
  const target = short(report.taskDefinitionArn ?? outputs?.['task-definition-arn']);
  if (failure === undefined) {
    if (outputs?.status === 'unchanged') {
      return outputs.deployed || report.service
        ? ['unchanged', `unchanged: ${target} already serves`]
        : ['unchanged', `unchanged: ${target} is already the family's latest revision`];
    }
    if (outputs?.status === 'registered') return ['success', `registered ${target} (register-only: nothing deployed)`];
    if (record?.notWatched) {
      return ['success', `started deploying ${target} (wait: false) — nobody is watching it; follow it below`];
    }
    const how = [
      strategyName(record?.strategy),
      record?.endTime ? spokenDuration(record.endTime.getTime() - record.startTime.getTime()) : undefined,
    ].filter(Boolean);
    const finishing = record?.finishingTermination ? '; CodeDeploy is still terminating the old tasks' : '';
    return ['success', `${target} serves 100%${how.length ? ` (${how.join(', ')})` : ''}${finishing}`];
  }
  const stopped = record?.stoppedBecause;
  if (stopped?.startsWith('Cancelled')) {
    return ['cancelled', `cancelled while deploying ${target} — ${afterwards(report, failure)}`];
  }
  if (stopped?.startsWith('Timed out')) {
    const limit = /timeout-minutes \(([^)]+)\)/.exec(stopped)?.[1];
    return [
      'timeout',
      `timed out${limit ? ` after ${limit}` : ''} deploying ${target} — ${afterwards(report, failure)}`,
    ];
  }
  if (!record) return ['failure', `${failure.split('\n')[0]}`];
  const failedEvent = record.lifecycle.find((row) => row.status === 'Failed')?.name;
  const why = stoppedTasksPhrase(record) ?? (stopped ? stopped.split('. ')[0] : undefined);
  return [
    'failure',
    `failed${failedEvent ? ` at ${failedEvent}` : ''}${why ? `: ${why}` : ''} — ${afterwards(report, failure)}`,
  ];
}

export function writeReport(summary: Summary, report: DeployReport, failure?: string): void {
  const target = report.service
    ? `${report.cluster}/${report.service}`
    : (short(report.taskDefinitionArn) ?? 'task definition');
  summary.title(`deploy-bluegreen: ${target}`);
  const [outcome, line] = deployVerdict(report, failure);
  summary.verdict(outcome, line);
  const outputs = report.outputs;
  const record = report.record;

  if (failure) summary.details('What failed', failure);
  if (record?.notWatched) {
    summary.text(
      `👀 **Not watched** (wait: false): deployment \`${record.id}\` was ${record.status ?? 'created'} when the action returned. Nobody is watching it: it is not rolled back on cancel, and its outcome is not in this run. Follow it with the link below.`,
    );
  }

  if (report.registered !== undefined && (report.registered || report.reused)) {
    const previous = short(report.runningTaskDefinitionArn);
    summary.text(
      report.registered
        ? `Registered \`${short(report.taskDefinitionArn)}\`${previous ? ` (the service ran \`${previous}\`)` : ''}.`
        : `The family's latest revision \`${short(report.taskDefinitionArn)}\` already equals the desired definition, so it was reused, not registered again${previous ? `; the service moves to it from \`${previous}\`` : ''}.`,
    );
  }

  if (record) {
    const ran = record.lifecycle.filter((row) => row.status !== 'Skipped');
    const skipped = record.lifecycle.filter((row) => row.status === 'Skipped').map((row) => row.name);
    const lifecycle = [
      ran.length > 0
        ? markdownTable(
            ['Event', 'Status', 'Start', 'End', 'Duration'],
            ran.map((row) => [
              row.name,
              row.status,
              time(row.startTime),
              time(row.endTime),
              row.startTime && row.endTime ? formatDuration(row.endTime.getTime() - row.startTime.getTime()) : '',
            ]),
          )
        : '',
      skipped.length > 0 ? `Skipped (no hook to run): ${skipped.join(', ')}.` : '',
    ]
      .filter(Boolean)
      .join('\n\n');
    summary.folded('Lifecycle events', lifecycle);
    // Not watched (wait: false): nothing was measured; the expected phases are in the log.
    if (report.timeline?.length && !record.notWatched)
      summary.folded('Timeline: expected and actual', timelineTable(report.timeline, record));
    // A table of 100% blue carries nothing: shown once green got some traffic.
    if (record.traffic.some((step) => step.green > 0)) {
      summary.folded(
        `Traffic (${record.traffic.length} step${record.traffic.length === 1 ? '' : 's'})`,
        markdownTable(
          ['Time', 'Blue', 'Green', 'Progress'],
          record.traffic.map((step) => [time(step.time), `${step.blue}%`, `${step.green}%`, trafficBar(step.green)]),
        ),
      );
    }
  }

  const rows: [string, string | undefined][] = [
    ['task-definition-arn', outputs?.['task-definition-arn'] ?? report.taskDefinitionArn],
    ['task-definition-changed', outputs ? String(outputs['task-definition-changed']) : undefined],
    ['deployed', outputs ? String(outputs.deployed) : 'false'],
    ['deployment-id', outputs?.['deployment-id'] ?? record?.id],
    ['status', outputs?.status ?? record?.status],
  ];
  for (const [name, value] of Object.entries(runTaskOutputs(report))) rows.push([name, String(value)]);
  summary.folded(
    'Outputs',
    markdownTable(
      ['Output', 'Value'],
      rows.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => [k, v]),
    ),
  );

  if (report.diff && report.diff.length > 0) {
    summary.details(
      `Task definition changes (${report.diff.length}) from ${short(report.runningTaskDefinitionArn) ?? 'nothing'}`,
      report.diff.join('\n'),
      'diff',
    );
  }
  const links = consoleLinks(report);
  if (links.length > 0) summary.heading('Links').list(links);
}

/** The post step's section: what it found and did, one line. */
export function writePostReport(summary: Summary, outcome: Outcome, line: string): void {
  summary.title('deploy-bluegreen (post step)').verdict(outcome, line);
}
