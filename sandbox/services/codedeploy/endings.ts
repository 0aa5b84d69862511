/**
 * How a deployment that did not succeed is recorded: Failed (with errorInformation and the failing
 * event's diagnostics) or Stopped, and the rollback its settings then ask for.
 */
import { DeploymentFailure, errorText, type StopKind } from './failures.js';
import type { Diagnostics } from './model.js';
import { startRollback } from './rollback.js';
import type { Run } from './run.js';
import { discardReplacement } from './termination.js';

/** Marks the event in progress with `currentStatus` and every event not reached as Skipped. */
function endEvents(run: Run, currentStatus: 'Failed', diagnostics?: Diagnostics): void {
  const now = run.deps.clock.now();
  const current = run.currentEvent;
  if (current) {
    current.status = currentStatus;
    current.endTime = now;
    if (diagnostics) current.diagnostics = diagnostics;
  }
  for (const event of run.d.target.lifecycleEvents) {
    if (event.status === 'Pending' || event.status === 'InProgress') event.status = 'Skipped';
  }
  run.currentEvent = undefined;
}

export async function recordFailure(run: Run, error: unknown): Promise<void> {
  const { d } = run;
  const failure =
    error instanceof DeploymentFailure
      ? error
      : new DeploymentFailure(
          'INTERNAL_ERROR',
          `The deployment failed because of an internal error: ${errorText(error)}`,
        );
  const eventName = run.currentEvent?.lifecycleEventName;
  endEvents(run, 'Failed', {
    errorCode: failure.diagnostics?.errorCode ?? 'UnknownError',
    scriptName: failure.diagnostics?.scriptName ?? '',
    message: failure.diagnostics?.message ?? failure.message,
    logTail: failure.diagnostics?.logTail ?? '',
  });
  d.status = 'Failed';
  d.errorInformation = { code: failure.code, message: failure.message };
  d.deploymentStatusMessages.push(eventName ? `${eventName} failed: ${failure.message}` : failure.message);
  d.completeTime = run.deps.clock.now();
  d.target.status = 'Failed';
  run.freezeTaskSets();
  run.touch();
  run.log(`Failed: ${failure.code}: ${failure.message}`);
  run.host.finished(d);
  const config = d.autoRollbackConfiguration;
  if (config?.enabled && config.events?.includes('DEPLOYMENT_FAILURE')) startRollback(run, 'failed');
}

export async function recordStop(run: Run, kind: StopKind, rollback: boolean): Promise<void> {
  const { d } = run;
  endEvents(run, 'Failed', {
    errorCode: 'UnknownError',
    scriptName: '',
    message:
      kind === 'readyTimeout'
        ? 'Traffic was not rerouted within the ready wait time.'
        : 'The deployment was stopped while this lifecycle event was in progress.',
    logTail: '',
  });
  d.status = 'Stopped';
  d.errorInformation =
    kind === 'readyTimeout'
      ? {
          code: 'TIMEOUT',
          message: `The deployment was stopped because traffic was not rerouted to the replacement task set within ${d.blueGreenDeploymentConfiguration.deploymentReadyOption?.waitTimeInMinutes ?? 2880} minutes.`,
        }
      : { code: 'MANUAL_STOP', message: 'The deployment was stopped by a StopDeployment request.' };
  d.deploymentStatusMessages.push(d.errorInformation.message);
  d.completeTime = run.deps.clock.now();
  // A stopped deployment counts its target as Failed in deploymentOverview, as AWS answers:
  // https://github.com/CircleCI-Archived/circleci-orbs/issues/167
  d.target.status = 'Failed';
  run.freezeTaskSets();
  run.touch();
  run.log(`Stopped (${kind}${rollback ? ', rolling back' : ''})`);
  if (kind === 'readyTimeout') await discardReplacement(run);
  run.host.finished(d);
  if (rollback && d.creator !== 'codeDeployRollback') startRollback(run, 'stopped');
}
