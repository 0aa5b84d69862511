/**
 * Watching an ECS-controller service deployment (BLUE_GREEN, LINEAR, CANARY) through its lifecycle
 * stages and traffic steps, and stopping it with ROLLBACK on timeout or cancel.
 */
import type { ServiceDeployment } from '@aws-sdk/client-ecs';
import { poll, type PollResult } from '../../../../lib/cancel.js';
import { ActionFailure, CancelledError, TimeoutError } from '../../../../lib/errors.js';
import { formatDuration } from '../../../../lib/inputs.js';
import { CANCEL_BUDGET_MS, ROLLBACK_WAIT_MS, STOP_ON_CANCEL, untilTimeout } from '../bounded.js';
import { STATE, type DeployDeps, type DeploymentRecord } from '../deps.js';
import { explainStoppedTasks } from '../diagnostics.js';
import {
  awaitingPauseHook,
  classifyDeploymentStatus,
  classifyLifecycleStage,
  deploymentEnded,
  percent,
  stagePosition,
} from '../ecs-native-status.js';
import {
  describeServiceDeployment,
  findServiceDeployment,
  stopServiceDeployment,
  waitForServiceDeploymentEnd,
} from './calls.js';
import { passPauseHook } from './hooks.js';
import { rememberServiceDeployment, serviceDeploymentsConsoleUrl, type EcsPlan } from './plan.js';

export async function watchServiceDeployment(
  deps: DeployDeps,
  plan: EcsPlan,
  record: DeploymentRecord,
  started: number,
) {
  const seen: Seen = { status: '', stage: -1, traffic: '', unknown: new Set(), hooks: new Set() };
  let last: ServiceDeployment | undefined;
  try {
    // Older APIs (or answers) may not name it in UpdateService: find it by time then.
    if (!record.id) rememberServiceDeployment(deps, plan, record, await findServiceDeployment(deps, plan, started));
    const arn = record.id;
    const look = async (): Promise<PollResult<ServiceDeployment>> => {
      last = await describeServiceDeployment(deps, arn, deps.signal);
      observe(deps, last, seen, record);
      if (deploymentEnded(last.status)) return { done: true, value: last };
      const paused = awaitingPauseHook(last);
      if (paused && !seen.hooks.has(paused.hookId!)) {
        seen.hooks.add(paused.hookId!);
        await passPauseHook(deps, plan, record, last, paused);
        // The hook was answered: look again at once, not an interval later.
        return look();
      }
      return { done: false };
    };
    last = await poll({
      ...untilTimeout(deps, plan),
      check: look,
      onDeadline: () => {
        throw new TimeoutError(`timeout-minutes (${formatDuration(plan.timeoutMs)}) reached`);
      },
    });
  } catch (error) {
    if (!(error instanceof CancelledError || error instanceof TimeoutError) || !record.id) {
      // The watch broke (not a cancel or timeout): the deployment goes on by itself, and the post
      // step must not roll it back.
      if (record.id && !(error instanceof ActionFailure)) {
        deps.saveState(STATE.finished, 'true');
        throw new ActionFailure(
          `Watching service deployment ${record.id} failed (${(error as Error).message}); the deployment goes on without this action. Follow it in the console: ${serviceDeploymentsConsoleUrl(deps.region, plan)}`,
        );
      }
      throw error;
    }
    const where = `${last?.status ?? 'PENDING'}${last?.lifecycleStage ? ` in ${last.lifecycleStage}` : ''}`;
    const cancelled = error instanceof CancelledError;
    const why = cancelled
      ? `${error.message} while service deployment ${record.id} was ${where}`
      : `Timed out: ${error.message} while service deployment ${record.id} was ${where}`;
    record.stoppedBecause = why;
    if (cancelled && !plan.rollbackOnCancel) {
      deps.saveState(STATE.finished, 'true');
      throw new ActionFailure(`${why}. rollback-on-cancel is false: the deployment goes on without this action.`);
    }
    deps.logger.info(`${why}: stopping it with ROLLBACK.`);
    const stoppingAt = deps.clock.now();
    try {
      // On cancel each attempt is bounded (and tried once more) to fit the runner's kill window.
      await stopServiceDeployment(deps, record.id, cancelled ? STOP_ON_CANCEL : undefined);
    } catch (stopError) {
      // The state still says "not finished": the post step (post-if: always()) tries the stop again,
      // whatever rollback-on-cancel says when this stop was a timeout's.
      if (!cancelled) deps.saveState(STATE.stopFailed, 'true');
      throw new ActionFailure(
        `${why}. StopServiceDeployment failed (${(stopError as Error).message}): service deployment ${record.id} is still running and was not rolled back; the post step tries to stop it again. Follow it, or stop it by hand: ${serviceDeploymentsConsoleUrl(deps.region, plan)}`,
      );
    }
    deps.saveState(STATE.finished, 'true');
    const budget = cancelled ? Math.max(0, CANCEL_BUDGET_MS - (deps.clock.now() - stoppingAt)) : ROLLBACK_WAIT_MS;
    const outcome = await waitForServiceDeploymentEnd(
      deps,
      record.id,
      budget,
      cancelled ? undefined : deps.signal,
      Math.min(plan.pollIntervalMs, cancelled ? 500 : 2000),
    );
    record.status = outcome;
    throw new ActionFailure(
      `${why}. Stopped it with ROLLBACK: ${deploymentEnded(outcome) ? `it ended ${outcome}` : `it was still ${outcome} after ${formatDuration(budget)}; follow it in the console`}.`,
    );
  }
  deps.saveState(STATE.finished, 'true');
  if (last.status === 'SUCCESSFUL') {
    deps.logger.info(`Service deployment succeeded: ${plan.taskDefinitionArn} serves production traffic.`);
    return;
  }
  const lines = [
    `Service deployment ${record.id} ended ${last.status}${last.lifecycleStage ? ` in lifecycle stage ${last.lifecycleStage}` : ''}${last.statusReason ? `: ${last.statusReason}` : ''}.`,
  ];
  if (last.rollback) lines.push(`Rollback: ${last.rollback.reason ?? 'no reason given'}.`);
  lines.push(...(await explainStoppedTasks(deps, plan.cluster, plan.service, plan.taskDefinitionArn, record)));
  throw new ActionFailure(lines.join('\n'));
}

interface Seen {
  status: string;
  stage: number;
  traffic: string;
  /** Values this code does not know, already reported once. */
  unknown: Set<string>;
  /** Hooks already reported (Lambda) or dealt with (pause). */
  hooks: Set<string>;
}

function observe(deps: DeployDeps, deployment: ServiceDeployment, seen: Seen, record: DeploymentRecord) {
  const status = deployment.status ?? 'UNKNOWN';
  record.status = status;
  if (status !== seen.status) {
    deps.logger.info(`Service deployment: ${status}${deployment.statusReason ? ` (${deployment.statusReason})` : ''}`);
    seen.status = status;
  }
  // A value newer than this code: say so once, and keep watching until a known end or the timeout.
  for (const [what, value, verdict] of [
    ['status', status, classifyDeploymentStatus(status)],
    ['lifecycle stage', deployment.lifecycleStage, classifyLifecycleStage(deployment.lifecycleStage)],
  ] as const) {
    if (verdict === 'unknown' && value && !seen.unknown.has(value)) {
      seen.unknown.add(value);
      deps.logger.warning(
        `Service deployment ${what} ${value} is unknown to this action: still watching until it ends or timeout-minutes runs out.`,
      );
    }
  }
  for (const hook of deployment.lifecycleHookDetails ?? []) {
    // Lambda hooks answer ECS themselves: report them, the deployment moves on when they do.
    if (hook.targetType === 'PAUSE' || !hook.hookId || seen.hooks.has(`${hook.hookId}:${hook.status}`)) continue;
    seen.hooks.add(`${hook.hookId}:${hook.status}`);
    deps.logger.info(
      `  Lifecycle hook ${hook.targetArn ?? hook.hookId} (${hook.targetType ?? 'AWS_LAMBDA'}) at ${deployment.lifecycleStage ?? 'this stage'}: ${hook.status}`,
    );
  }
  const position = stagePosition(deployment.lifecycleStage);
  // A rollback walks the stages again: log it as a new stage even though its position is lower.
  const rollingBack = status.startsWith('ROLLBACK');
  if (position > seen.stage || (rollingBack && position !== seen.stage && position >= 0)) {
    const now = new Date(deps.clock.now());
    const previous = record.lifecycle[record.lifecycle.length - 1];
    if (previous && !previous.endTime) {
      previous.endTime = now;
      previous.status = 'Succeeded';
    }
    const name = `${rollingBack ? 'Rollback: ' : ''}${deployment.lifecycleStage}`;
    record.lifecycle.push({ name, status: 'InProgress', startTime: now });
    deps.logger.info(`  ${name}`);
    seen.stage = position;
  }
  if (deploymentEnded(status)) {
    const current = record.lifecycle[record.lifecycle.length - 1];
    if (current && !current.endTime) {
      current.endTime = new Date(deps.clock.now());
      current.status = status === 'SUCCESSFUL' ? 'Succeeded' : status;
    }
  }
  const green = deployment.targetServiceRevision?.requestedProductionTrafficWeight;
  if (green !== undefined) {
    const blue = (deployment.sourceServiceRevisions ?? []).reduce(
      (s, r) => s + (r.requestedProductionTrafficWeight ?? 0),
      0,
    );
    const line = `Traffic: blue ${percent(blue)} | green ${percent(green)}`;
    if (line !== seen.traffic) {
      seen.traffic = line;
      const tenth = (n: number) => Math.round(n * 10) / 10;
      record.traffic.push({ time: new Date(deps.clock.now()), blue: tenth(blue), green: tenth(green) });
      deps.logger.info(line);
    }
  }
}
