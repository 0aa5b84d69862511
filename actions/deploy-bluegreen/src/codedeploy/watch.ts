/**
 * Watching a CodeDeploy deployment to its end: lifecycle events and traffic weights in the log and
 * the record, the test-traffic gate at Ready, and what a timeout, cancel or failure leads to.
 */
import { ContinueDeploymentCommand, type DeploymentInfo, type ECSTarget } from '@aws-sdk/client-codedeploy';
import { awsCall } from '../../../../lib/aws.js';
import { poll } from '../../../../lib/cancel.js';
import { ActionFailure, CancelledError, TimeoutError } from '../../../../lib/errors.js';
import { formatDuration } from '../../../../lib/inputs.js';
import { ROLLBACK_WAIT_MS, untilTimeout } from '../bounded.js';
import { STATE, type DeployDeps, type DeploymentRecord, type LifecycleRow } from '../deps.js';
import { deploymentProgress, lifecycleEventProgress, targetProgress, type Progress } from '../codedeploy-states.js';
import { hookNote, type Hook } from '../hooks.js';
import { explainFailure } from './explain.js';
import { getDeployment, getTarget, listTargets } from './reads.js';
import { deploymentConsoleUrl, ended, type CodeDeployPlan, type Observed } from './shared.js';
import { onCancel, stopAndFail, waitForEnd } from './stop.js';

export async function watch(deps: DeployDeps, plan: CodeDeployPlan, record: DeploymentRecord): Promise<void> {
  const { logger } = deps;
  const seen = {
    status: '',
    events: new Map<string, string>(),
    traffic: '',
    gate: false,
    manualWait: false,
    terminationWait: false,
    unknown: new Set<string>(),
  };
  let targetId = `${plan.cluster}:${plan.service}`;
  let listedTargets = false;
  let last: Observed | undefined;
  const id = record.id;

  try {
    const outcome = await poll<'ended', 'finishing'>({
      ...untilTimeout(deps, plan),
      check: async () => {
        const info = await getDeployment(deps, id);
        record.status = info.status ?? 'Unknown';
        if (!listedTargets) {
          const ids = await listTargets(deps, id);
          if (ids.length > 0) {
            targetId = ids.find((t) => t === targetId) ?? ids[0]!;
            listedTargets = true;
          }
        }
        const target = await getTarget(deps, id, targetId);
        last = { info, target };
        const status = info.status ?? 'Unknown';
        record.status = status;
        if (status !== seen.status) {
          logger.info(`Deployment ${id}: ${status}`);
          seen.status = status;
        }
        logLifecycle(deps, target, seen.events, record, plan.hooks);
        logTraffic(deps, target, seen, record);
        sayUnknown(deps, id, info, target, seen.unknown);

        if (ended(status)) {
          // Nothing left for the post step to stop.
          deps.saveState(STATE.finished, 'true');
          return { done: true, value: 'ended' };
        }

        const events = target?.lifecycleEvents ?? [];
        // Every event over (Succeeded, or Skipped when it had nothing to run): only the blue termination wait is left.
        if (!seen.terminationWait && events.length > 0 && events.every((e) => isOver(e.status))) {
          seen.terminationWait = true;
          const minutes =
            plan.group.info.blueGreenDeploymentConfiguration?.terminateBlueInstancesOnDeploymentSuccess
              ?.terminationWaitTimeInMinutes;
          logger.info(
            `Production traffic is on green; CodeDeploy ends the deployment once the blue task set is terminated${minutes !== undefined ? ` (the group's termination wait: ${minutes} min)` : ''}. If timeout-minutes runs out during this wait, the action succeeds without stopping it.`,
          );
        }

        if (status === 'Ready' && !seen.gate) {
          seen.gate = true;
          await readyGate(deps, plan, record, seen);
        }
        return { done: false };
      },
      onDeadline: () => {
        // Past AfterAllowTraffic, production already runs green: what is left is CodeDeploy's blue
        // termination wait. A rollback now would move production back for no fault, so the timeout
        // ends the watch with success instead and leaves CodeDeploy to finish (README: timeout-minutes).
        if (trafficShifted(last?.target)) {
          record.finishingTermination = true;
          deps.saveState(STATE.finished, 'true');
          logger.info(
            `timeout-minutes (${formatDuration(plan.timeoutMs)}) reached during the blue termination wait: ${plan.taskDefinitionArn} already serves all production traffic, so the deployment is not stopped. CodeDeploy ends deployment ${id} once the blue task set is terminated.`,
          );
          return 'finishing';
        }
        throw new TimeoutError(`timeout-minutes (${formatDuration(plan.timeoutMs)}) reached`);
      },
    });
    if (outcome === 'finishing') return;
  } catch (error) {
    if (error instanceof CancelledError) return onCancel(deps, plan, record, error);
    if (error instanceof TimeoutError) {
      return stopAndFail(
        deps,
        plan,
        record,
        `Timed out: ${error.message} while the deployment was ${describeWhere(last)}`,
      );
    }
    if (error instanceof ActionFailure) throw error;
    // Watching failed (e.g. AccessDenied on GetDeploymentTarget, retries exhausted), not the deployment:
    // say plainly that it goes on, and where to follow it. It is left running on purpose, so the post
    // step must not stop it either.
    deps.saveState(STATE.finished, 'true');
    throw new ActionFailure(
      `Deployment ${id} is still ${record.status ?? 'starting'} and continues without this action: ${deploymentConsoleUrl(deps.region, id)}\nThe action stopped watching it because: ${(error as Error).message}`,
    );
  }

  if (deploymentProgress(record.status) === 'done') {
    logger.info(`Deployment ${id} succeeded: ${plan.taskDefinitionArn} serves production traffic.`);
    return;
  }
  // Failed or Stopped (by someone else, or by an alarm): explain, after the rollback ran.
  const rollbackId = last?.info.rollbackInfo?.rollbackDeploymentId;
  if (rollbackId) {
    record.rollbackId = rollbackId;
    record.rollbackStatus = await waitForEnd(
      deps,
      rollbackId,
      Math.min(ROLLBACK_WAIT_MS, Math.max(plan.pollIntervalMs, plan.deadline - deps.clock.now())),
      deps.signal,
      Math.min(plan.pollIntervalMs, 2000),
    );
  }
  throw new ActionFailure(await explainFailure(deps, plan, record, last!));
}

async function readyGate(
  deps: DeployDeps,
  plan: CodeDeployPlan,
  record: DeploymentRecord,
  seen: { manualWait: boolean },
): Promise<void> {
  const ready = plan.group.info.blueGreenDeploymentConfiguration?.deploymentReadyOption;
  if (ready?.actionOnTimeout !== 'STOP_DEPLOYMENT') return;
  if (!plan.testUrl || !deps.checkTestTraffic) {
    if (!seen.manualWait) {
      deps.logger.info(
        `Deployment ${record.id} is Ready and waits up to ${ready.waitTimeInMinutes ?? 0} minutes for ContinueDeployment (the group's deploymentReadyOption is STOP_DEPLOYMENT; set test-url to let this action check the test listener and continue).`,
      );
      seen.manualWait = true;
    }
    return;
  }
  deps.logger.info(`Test traffic gate: checking ${plan.testUrl} before production traffic moves.`);
  const result = await deps.checkTestTraffic(plan.testUrl, deps.signal);
  if (!result.passed) {
    await stopAndFail(deps, plan, record, `Test traffic checks against ${plan.testUrl} failed: ${result.message}`);
    return;
  }
  deps.logger.info(`Test traffic gate passed (${result.message}); continuing the deployment.`);
  await awsCall(`deployment ${record.id}`, () =>
    deps.codedeploy.send(new ContinueDeploymentCommand({ deploymentId: record.id, deploymentWaitType: 'READY_WAIT' })),
  );
}

function logLifecycle(
  deps: DeployDeps,
  target: ECSTarget | undefined,
  seen: Map<string, string>,
  record: DeploymentRecord,
  hooks?: readonly Hook[],
) {
  for (const event of target?.lifecycleEvents ?? []) {
    const name = event.lifecycleEventName ?? '?';
    const status = event.status ?? 'Pending';
    const row: LifecycleRow = { name, status, startTime: event.startTime, endTime: event.endTime };
    const index = record.lifecycle.findIndex((r) => r.name === name);
    if (index >= 0) record.lifecycle[index] = row;
    else record.lifecycle.push(row);
    if (seen.get(name) === status) continue;
    if (seen.get(name) === undefined && status === 'Pending') {
      seen.set(name, status);
      continue;
    }
    seen.set(name, status);
    const took =
      event.startTime && event.endTime
        ? ` (${formatDuration(event.endTime.getTime() - event.startTime.getTime())})`
        : '';
    const why =
      lifecycleEventProgress(status) === 'failed' && event.diagnostics?.message ? `: ${event.diagnostics.message}` : '';
    deps.logger.info(`  ${name}${hookNote(hooks, name)}: ${status}${took}${why}`);
  }
}

function logTraffic(
  deps: DeployDeps,
  target: ECSTarget | undefined,
  seen: { traffic: string },
  record: DeploymentRecord,
) {
  const sets = target?.taskSetsInfo ?? [];
  if (sets.length === 0) return;
  // The TargetLabel enum's wire values are `Blue` and `Green` (the API prose writes BLUE / GREEN).
  // https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_ECSTaskSet.html
  const weight = (label: string) =>
    sets.filter((s) => s.taskSetLabel?.toUpperCase() === label).reduce((sum, s) => sum + (s.trafficWeight ?? 0), 0);
  const blue = Math.round(weight('BLUE'));
  const green = Math.round(weight('GREEN'));
  const line = `Traffic: blue ${blue}% | green ${green}%`;
  if (line === seen.traffic) return;
  seen.traffic = line;
  record.traffic.push({ time: new Date(deps.clock.now()), blue, green });
  deps.logger.info(line);
}

/** An event that is over without failing: Succeeded, or Skipped. */
function isOver(status: string | undefined): boolean {
  return lifecycleEventProgress(status) === 'done';
}

/** AfterAllowTraffic is over: production traffic is on green; only the blue termination wait remains. */
function trafficShifted(target: ECSTarget | undefined): boolean {
  return (target?.lifecycleEvents ?? []).some((e) => e.lifecycleEventName === 'AfterAllowTraffic' && isOver(e.status));
}

/**
 * A status this code does not know (a value AWS added after it was written): the watch goes on,
 * led by the deployment's status, and says once what it saw.
 */
function sayUnknown(
  deps: DeployDeps,
  id: string,
  info: DeploymentInfo,
  target: ECSTarget | undefined,
  said: Set<string>,
): void {
  const seen: [string, string | undefined, Progress][] = [
    ['deployment status', info.status, deploymentProgress(info.status)],
    ['target status', target?.status, targetProgress(target?.status)],
    ...(target?.lifecycleEvents ?? []).map((e): [string, string | undefined, Progress] => [
      `${e.lifecycleEventName ?? '?'} status`,
      e.status,
      lifecycleEventProgress(e.status),
    ]),
  ];
  for (const [what, value, progress] of seen) {
    if (progress !== 'unknown' || value === undefined) continue;
    const key = `${what}=${value}`;
    if (said.has(key)) continue;
    said.add(key);
    deps.logger.warning(
      `Deployment ${id}: unknown ${what} '${value}'; this action keeps watching until the deployment ends.`,
    );
  }
}

function describeWhere(last: Observed | undefined): string {
  if (!last) return 'being created';
  const events = last.target?.lifecycleEvents ?? [];
  const current = events.find((e) => e.status === 'InProgress') ?? [...events].reverse().find((e) => isOver(e.status));
  return `${last.info.status ?? 'Unknown'}${current ? ` (${current.lifecycleEventName} ${current.status})` : ''}`;
}
