/**
 * Stopping a CodeDeploy deployment with rollback (on timeout, cancellation or failed checks), and
 * waiting, bounded, for the rollback to end.
 */
import { type DeploymentInfo, GetDeploymentCommand, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { awsCall, AwsCallError } from '../../../../lib/aws.js';
import { cancelledFrom, withTimeout, type Clock } from '../../../../lib/cancel.js';
import { ActionFailure, CancelledError } from '../../../../lib/errors.js';
import { formatDuration } from '../../../../lib/inputs.js';
import {
  callWithin,
  CANCEL_BUDGET_MS,
  followStatus,
  ROLLBACK_WAIT_MS,
  STOP_ON_CANCEL,
  type CallBound,
} from '../bounded.js';
import { STATE, type DeployDeps, type DeploymentRecord } from '../deps.js';
import { deploymentConsoleUrl, ended, type CodeDeployPlan } from './shared.js';

/**
 * StopDeployment with auto-rollback. With a `bound` (the cancel path: STOP_ON_CANCEL) each attempt
 * is aborted after that long and tried again, so the stop fits in the runner's kill window.
 */
export async function stopDeployment(
  deps: Pick<DeployDeps, 'codedeploy'> & { clock?: Clock },
  id: string,
  bound?: CallBound,
): Promise<void> {
  const alreadyOver = (error: unknown) =>
    error instanceof AwsCallError && error.code === 'DeploymentAlreadyCompletedException';
  try {
    await callWithin(
      (options) =>
        awsCall(`deployment ${id}`, () =>
          deps.codedeploy.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }), options),
        ),
      { bound, clock: deps.clock, final: alreadyOver },
    );
  } catch (error) {
    // It ended by itself in the meantime: nothing to stop.
    if (alreadyOver(error)) return;
    throw error;
  }
}

/** Timeout or failed checks: stop with rollback, wait for the rollback (bounded), fail saying what happened. */
export async function stopAndFail(
  deps: DeployDeps,
  plan: CodeDeployPlan,
  record: DeploymentRecord,
  why: string,
): Promise<never> {
  record.stoppedBecause = why;
  // Logged, not annotated: the ActionFailure thrown below is this failure's one annotation.
  deps.logger.info(why);
  deps.logger.info(`Stopping deployment ${record.id} with rollback.`);
  try {
    await stopDeployment(deps, record.id);
  } catch (error) {
    // The state still says "not finished", so the post step (post-if: always()) tries the stop again,
    // whatever rollback-on-cancel says: this stop was not about a cancellation.
    deps.saveState(STATE.stopFailed, 'true');
    throw new ActionFailure(
      `${why}. StopDeployment failed (${(error as Error).message}): deployment ${record.id} is still running and was not rolled back; the post step tries to stop it again. Follow it, or stop it by hand: ${deploymentConsoleUrl(deps.region, record.id)}`,
    );
  }
  // Stopped: CodeDeploy rolls back on its own, nothing is left for the post step.
  deps.saveState(STATE.finished, 'true');
  const outcome = await rollbackOutcome(
    deps,
    record,
    ROLLBACK_WAIT_MS,
    deps.signal,
    Math.min(plan.pollIntervalMs, 2000),
  );
  throw new ActionFailure(`${why}. Stopped deployment ${record.id} with rollback: ${outcome}.`);
}

export async function onCancel(
  deps: DeployDeps,
  plan: CodeDeployPlan,
  record: DeploymentRecord,
  error: CancelledError,
): Promise<never> {
  const why = `${error.message} while deployment ${record.id} was ${record.status ?? 'starting'}`;
  record.stoppedBecause = why;
  if (!plan.rollbackOnCancel) {
    deps.saveState(STATE.finished, 'true');
    throw new ActionFailure(`${why}. rollback-on-cancel is false: the deployment goes on without this action.`);
  }
  deps.logger.info(`${why}: stopping it with rollback.`);
  const cancelledAt = deps.clock.now();
  try {
    await stopDeployment(deps, record.id, STOP_ON_CANCEL);
  } catch (error) {
    // The post step (post-if: always()) tries again: the state still says "not finished".
    throw new ActionFailure(
      `${why}. StopDeployment did not go through (${(error as Error).message}); the post step tries again. Check deployment ${record.id}: ${deploymentConsoleUrl(deps.region, record.id)}`,
    );
  }
  deps.saveState(STATE.finished, 'true');
  // No signal here: it has already fired; each poll is bounded by what is left of the budget,
  // which keeps us inside the runner's kill deadline.
  const left = Math.max(0, CANCEL_BUDGET_MS - (deps.clock.now() - cancelledAt));
  const outcome = await rollbackOutcome(deps, record, left, undefined, 500);
  throw new ActionFailure(`${why}. Stopped deployment ${record.id} with rollback: ${outcome}.`);
}

/** Waits (bounded) for the stopped deployment and its rollback; one phrase saying where they got. */
async function rollbackOutcome(
  deps: DeployDeps,
  record: DeploymentRecord,
  budgetMs: number,
  signal: AbortSignal | undefined,
  intervalMs: number,
): Promise<string> {
  const deadline = deps.clock.now() + budgetMs;
  try {
    const status = await waitForEnd(deps, record.id, budgetMs, signal, intervalMs);
    record.status = status;
    if (!ended(status)) return `it was still ${status} after ${formatDuration(budgetMs)}; follow it in the console`;
    const callSignal = withTimeout(signal, Math.max(1, deadline - deps.clock.now()), deps.clock);
    const info = await getDeploymentWithin(deps, record.id, signal, callSignal);
    const rollbackId = info?.rollbackInfo?.rollbackDeploymentId;
    if (!rollbackId) return `it ended ${status}`;
    record.rollbackId = rollbackId;
    const rollbackStatus = await waitForEnd(
      deps,
      rollbackId,
      Math.max(0, deadline - deps.clock.now()),
      signal,
      intervalMs,
    );
    record.rollbackStatus = rollbackStatus;
    return ended(rollbackStatus)
      ? `it ended ${status}, and rollback deployment ${rollbackId} ${rollbackStatus}${rollbackStatus === 'Succeeded' ? ' (the previous version serves all traffic)' : ''}`
      : `it ended ${status}; rollback deployment ${rollbackId} was still ${rollbackStatus} after ${formatDuration(budgetMs)}`;
  } catch (error) {
    if (error instanceof CancelledError) return 'cancelled while waiting for the rollback; follow it in the console';
    return `could not follow the rollback (${(error as Error).message})`;
  }
}

/** Polls a deployment until it ends or `budgetMs` passes; returns its last status. */
export async function waitForEnd(
  deps: DeployDeps,
  id: string,
  budgetMs: number,
  signal: AbortSignal | undefined,
  intervalMs: number,
): Promise<string> {
  return followStatus({
    clock: deps.clock,
    signal,
    budgetMs,
    intervalMs,
    status: 'Unknown',
    read: async (callSignal) => {
      const info = await getDeploymentWithin(deps, id, signal, callSignal);
      return info && (info.status ?? 'Unknown');
    },
    ended,
  });
}

/**
 * GetDeployment under `callSignal` (`signal` with a time bound): undefined when the bound ran out,
 * CancelledError when `signal` fired.
 */
async function getDeploymentWithin(
  deps: Pick<DeployDeps, 'codedeploy'>,
  id: string,
  signal: AbortSignal | undefined,
  callSignal: AbortSignal | undefined,
): Promise<DeploymentInfo | undefined> {
  try {
    const answer = await awsCall(`deployment ${id}`, () =>
      deps.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }), { abortSignal: callSignal }),
    );
    return answer.deploymentInfo;
  } catch (error) {
    if (signal?.aborted) throw cancelledFrom(signal);
    if (callSignal?.aborted) return undefined;
    throw error;
  }
}
