/** The job summary of a deploy: outcome, outputs, lifecycle table, traffic progress, diff, links. */
import { formatDuration } from '../../../lib/inputs.js';
import { link, type Summary } from '../../../lib/summary.js';
import type { DeployReport } from './deploy.js';
import { runTaskOutputs } from './run-task-outputs.js';

const BAR_WIDTH = 20;

/** `▰▰▰▰▰▱▱▱▱▱…` for a green share. */
export function trafficBar(green: number): string {
  const filled = Math.round((Math.max(0, Math.min(100, green)) / 100) * BAR_WIDTH);
  return `${'▰'.repeat(filled)}${'▱'.repeat(BAR_WIDTH - filled)}`;
}

export function consoleLinks(report: DeployReport): string[] {
  const region = encodeURIComponent(report.region);
  const base = `https://${region}.console.aws.amazon.com`;
  const links: string[] = [];
  if (report.service) {
    links.push(
      link(
        `ECS service ${report.cluster}/${report.service}`,
        `${base}/ecs/v2/clusters/${encodeURIComponent(report.cluster)}/services/${encodeURIComponent(report.service)}/deployments?region=${region}`,
      ),
    );
  }
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
  if (report.taskDefinitionArn) {
    const [family, revision] = report.taskDefinitionArn.split('/').pop()!.split(':');
    links.push(
      link(
        `Task definition ${family}:${revision}`,
        `${base}/ecs/v2/task-definitions/${encodeURIComponent(family ?? '')}/${encodeURIComponent(revision ?? '')}/containers?region=${region}`,
      ),
    );
  }
  return links;
}

const time = (d: Date | undefined) => (d ? d.toISOString().slice(11, 19) : '');

export function writeReport(summary: Summary, report: DeployReport, failure?: string): void {
  const target = report.service
    ? `${report.cluster}/${report.service}`
    : (report.taskDefinitionArn ?? 'task definition');
  summary.heading(`Deploy blue/green: ${target}`, 2);
  const outputs = report.outputs;
  if (failure) summary.text(`❌ **Failed.** ${failure.split('\n')[0]}`);
  else if (outputs?.status === 'unchanged')
    summary.text(
      `✅ **Unchanged.** The service already runs the desired task definition; nothing was registered or deployed.`,
    );
  else if (outputs?.deployed) summary.text(`✅ **Deployed** ${report.image ? `\`${report.image}\`` : ''}`.trim());
  else if (outputs) summary.text(`✅ **${outputs.status}**: ${outputs['task-definition-arn']}`);

  if (failure && failure.includes('\n')) summary.details('Failure details', failure);

  const rows: [string, string | undefined][] = [
    ['task-definition-arn', outputs?.['task-definition-arn'] ?? report.taskDefinitionArn],
    ['task-definition-changed', outputs ? String(outputs['task-definition-changed']) : undefined],
    ['deployed', outputs ? String(outputs.deployed) : 'false'],
    ['deployment-id', outputs?.['deployment-id'] ?? report.record?.id],
    ['status', outputs?.status ?? report.record?.status],
  ];
  for (const [name, value] of Object.entries(runTaskOutputs(report))) rows.push([name, String(value)]);
  summary.heading('Outputs', 3).table(
    ['Output', 'Value'],
    rows.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => [k, v]),
  );
  if (report.registered !== undefined) {
    summary.text(
      report.registered
        ? `Registered a new revision: \`${report.taskDefinitionArn}\`.`
        : report.reused
          ? `Reused the family's latest revision \`${report.taskDefinitionArn}\` (already equal to the desired definition).`
          : '',
    );
  }

  const record = report.record;
  if (record) {
    if (record.lifecycle.length > 0) {
      summary.heading('Lifecycle', 3).table(
        ['Event', 'Status', 'Start', 'End', 'Duration'],
        record.lifecycle.map((row) => [
          row.name,
          row.status,
          time(row.startTime),
          time(row.endTime),
          row.startTime && row.endTime ? formatDuration(row.endTime.getTime() - row.startTime.getTime()) : '',
        ]),
      );
    }
    if (record.traffic.length > 0) {
      summary.heading('Traffic', 3).table(
        ['Time', 'Blue', 'Green', 'Progress'],
        record.traffic.map((step) => [time(step.time), `${step.blue}%`, `${step.green}%`, trafficBar(step.green)]),
      );
    }
    if (record.finishingTermination) {
      summary.text(
        '⏳ timeout-minutes ran out during the blue termination wait: the new version serves all production traffic; CodeDeploy ends the deployment once blue is terminated.',
      );
    }
    if (record.notWatched) {
      summary.text(
        `👀 **Not watched** (wait: false): deployment \`${record.id}\` was ${record.status ?? 'created'} when the action returned. Nobody is watching it: it is not rolled back on cancel, and its outcome is not in this run. Follow it with the link below.`,
      );
    }
    if (record.stoppedBecause) summary.text(`⏹️ Stopped by the action: ${record.stoppedBecause}`);
    if (record.rollbackId) {
      summary.text(`↩️ Rollback deployment \`${record.rollbackId}\`: ${record.rollbackStatus ?? 'unknown'}.`);
    }
  }

  if (report.diff && report.diff.length > 0) {
    summary.details(
      `Task definition changes (${report.diff.length}) from ${report.runningTaskDefinitionArn?.split('/').pop() ?? 'nothing'}`,
      report.diff.join('\n'),
      'diff',
    );
  }
  const links = consoleLinks(report);
  if (links.length > 0) summary.heading('Links', 3).list(links);
}
