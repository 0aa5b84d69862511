/**
 * A CodeDeploy blue/green deployment of an ECS service, from creation to its end: what to do
 * about one already running, the inline AppSpec, watching lifecycle events and traffic weights,
 * the test-traffic gate, and stopping with rollback on timeout, cancellation or failed checks.
 */
import { createHash } from 'node:crypto';
import {
  ContinueDeploymentCommand,
  CreateDeploymentCommand,
  type DeploymentInfo,
  type ECSTarget,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { awsCall, AwsCallError } from '../../../lib/aws.js';
import { cancelledFrom, throwIfCancelled, withTimeout } from '../../../lib/cancel.js';
import { ActionFailure, CancelledError, TimeoutError } from '../../../lib/errors.js';
import { formatDuration } from '../../../lib/inputs.js';
import type { OnActiveDeployment } from './config.js';
import { STATE, type DeployDeps, type DeploymentRecord, type LifecycleRow } from './deps.js';
import type { DeploymentGroup } from './discovery.js';
import { callWithin, STOP_CALL_MS } from './bounded.js';
import { explainStoppedTasks } from './diagnostics.js';
import {
  ACTIVE_STATUSES,
  deploymentProgress,
  lifecycleEventProgress,
  targetProgress,
  type Progress,
} from './codedeploy-states.js';
import { appSpecHooks, hookNote, type Hook } from './hooks.js';
import { leaveUnwatched } from './unwatched.js';

export { ACTIVE_STATUSES };

/** Succeeded, Failed or Stopped: the deployment is over, one way or the other. */
const ended = (status: string | undefined) => ['done', 'failed'].includes(deploymentProgress(status));

/** On cancel the runner kills the process 10 s after SIGINT: keep the rollback wait well inside that. */
export const CANCEL_BUDGET_MS = 5_000;
/** After a timeout or failure, how long to wait for the rollback deployment before reporting. */
export const ROLLBACK_WAIT_MS = 5 * 60_000;

export interface CodeDeployPlan {
  cluster: string;
  service: string;
  group: DeploymentGroup;
  taskDefinitionArn: string;
  containerName: string;
  containerPort: number;
  platformVersion?: string;
  deploymentConfig?: string;
  onActiveDeployment: OnActiveDeployment;
  /** Absolute clock time after which the deployment is stopped and rolled back. */
  deadline: number;
  timeoutMs: number;
  pollIntervalMs: number;
  rollbackOnCancel: boolean;
  testUrl?: string;
  description?: string;
  /** AppSpec lifecycle hooks. */
  hooks?: Hook[];
  /** false: return once the deployment is created (default true). */
  wait?: boolean;
}

/**
 * The AppSpec for an ECS blue/green deployment, as JSON (AppSpec accepts YAML or JSON).
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html#reference-appspec-file-structure-resources-ecs
 */
export function appSpec(
  plan: Pick<CodeDeployPlan, 'taskDefinitionArn' | 'containerName' | 'containerPort' | 'platformVersion' | 'hooks'>,
): {
  content: string;
  sha256: string;
} {
  const properties: Record<string, unknown> = {
    TaskDefinition: plan.taskDefinitionArn,
    LoadBalancerInfo: { ContainerName: plan.containerName, ContainerPort: plan.containerPort },
  };
  if (plan.platformVersion) properties.PlatformVersion = plan.platformVersion;
  const content = JSON.stringify({
    version: 0.0,
    Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: properties } }],
    ...(plan.hooks?.length ? { Hooks: appSpecHooks(plan.hooks) } : {}),
  });
  return { content, sha256: createHash('sha256').update(content).digest('hex') };
}

/** CodeDeploy refuses a longer description (DescriptionTooLongException). https://docs.aws.amazon.com/codedeploy/latest/userguide/limits.html */
export const MAX_DESCRIPTION_LENGTH = 100;

/**
 * `deploy-bluegreen web:42 app@sha256:0123456789ab`: the revision in full, the image shortened to
 * its last path segment and a 12-character digest, the whole cut to CodeDeploy's 100 characters.
 */
export function deploymentDescription(taskDefinitionArn: string, image?: string): string {
  const revision = taskDefinitionArn.replace(/^arn:[^/]*task-definition\//, '');
  let shortImage = '';
  if (image) {
    const [name = '', digest] = image.split('@');
    const lastSegment = name.slice(name.lastIndexOf('/') + 1);
    const digestMatch = digest ? /^(sha256:[0-9a-f]{12})/.exec(digest) : null;
    shortImage = digest ? `${lastSegment}@${digestMatch ? digestMatch[1] : digest}` : lastSegment;
  }
  const text = `deploy-bluegreen ${revision}${shortImage ? ` ${shortImage}` : ''}`;
  return text.length <= MAX_DESCRIPTION_LENGTH ? text : `${text.slice(0, MAX_DESCRIPTION_LENGTH - 3)}...`;
}

/** Runs the whole deployment; resolves with the record when it Succeeded, throws ActionFailure otherwise. */
export async function deployWithCodeDeploy(
  deps: DeployDeps,
  plan: CodeDeployPlan,
  onRecord?: (record: DeploymentRecord) => void,
): Promise<DeploymentRecord> {
  const { logger } = deps;
  const readyOption = plan.group.info.blueGreenDeploymentConfiguration?.deploymentReadyOption;
  if (plan.testUrl && readyOption?.actionOnTimeout !== 'STOP_DEPLOYMENT') {
    logger.warning(
      `test-url is set, but deployment group ${plan.group.name} shifts traffic without waiting (deploymentReadyOption ${readyOption?.actionOnTimeout ?? 'CONTINUE_DEPLOYMENT'}): the test-traffic checks cannot gate this deployment. Set the group's deploymentReadyOption.actionOnTimeout to STOP_DEPLOYMENT to use them.`,
    );
  }

  let id: string | undefined;
  for (let attempt = 1; id === undefined; attempt++) {
    await settleActiveDeployments(deps, plan);
    try {
      id = await createDeployment(deps, plan);
    } catch (error) {
      // Another deployment started between our look and our create: deal with it as the input says.
      if (error instanceof AwsCallError && error.code === 'DeploymentLimitExceededException' && attempt < 3) continue;
      throw error;
    }
  }
  deps.saveState(STATE.kind, 'codedeploy');
  deps.saveState(STATE.id, id);
  deps.saveState(STATE.finished, 'false');

  const record: DeploymentRecord = {
    kind: 'codedeploy',
    id,
    application: plan.group.application,
    deploymentGroup: plan.group.name,
    strategy: plan.deploymentConfig ?? plan.group.info.deploymentConfigName,
    lifecycle: [],
    traffic: [],
    startTime: new Date(deps.clock.now()),
  };
  onRecord?.(record);
  logger.info(`Created deployment ${id} (${plan.group.application}/${plan.group.name}).`);
  if (plan.wait === false) return leaveUnwatched(deps, record);

  try {
    await watch(deps, plan, record);
  } finally {
    record.endTime = new Date(deps.clock.now());
  }
  return record;
}

async function createDeployment(deps: DeployDeps, plan: CodeDeployPlan): Promise<string> {
  const spec = appSpec(plan);
  const answer = await awsCall(`deployment group ${plan.group.application}/${plan.group.name}`, () =>
    deps.codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: plan.group.application,
        deploymentGroupName: plan.group.name,
        deploymentConfigName: plan.deploymentConfig,
        description: plan.description,
        revision: { revisionType: 'AppSpecContent', appSpecContent: spec },
        autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
      }),
    ),
  );
  if (!answer.deploymentId) throw new ActionFailure('CreateDeployment returned no deployment id');
  return answer.deploymentId;
}

// ---------------------------------------------------------------------------------------------
// A deployment already running in the group

async function activeDeploymentIds(deps: DeployDeps, group: DeploymentGroup): Promise<string[]> {
  const answer = await read(deps, `deployment group ${group.application}/${group.name}`, (options) =>
    deps.codedeploy.send(
      new ListDeploymentsCommand({
        applicationName: group.application,
        deploymentGroupName: group.name,
        includeOnlyStatuses: [...ACTIVE_STATUSES],
      }),
      options,
    ),
  );
  return answer.deployments ?? [];
}

/**
 * Returns once no deployment is active in the group, acting on on-active-deployment; true when
 * there was one (the service may then run something else than before).
 */
export async function settleActiveDeployments(deps: DeployDeps, plan: CodeDeployPlan): Promise<boolean> {
  const stopped = new Set<string>();
  const announced = new Set<string>();
  // Rollback deployments: stopping one would abandon the rollback and leave the service half-way.
  const rollbacks = new Set<string>();
  for (;;) {
    const active = await activeDeploymentIds(deps, plan.group);
    if (active.length === 0) return announced.size > 0;
    const first = active[0]!;
    if (plan.onActiveDeployment === 'fail') {
      throw new ActionFailure(
        `Deployment ${first} is already active in deployment group ${plan.group.application}/${plan.group.name}, and on-active-deployment is 'fail'. Wait for it to finish, stop it, or set on-active-deployment to 'wait' or 'stop'.`,
      );
    }
    for (const id of active) {
      if (plan.onActiveDeployment === 'stop' && !stopped.has(id) && !rollbacks.has(id)) {
        // StopDeployment with auto-rollback starts a rollback deployment (creator codeDeployRollback)
        // in the same group: it must finish, not be stopped in turn.
        // https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentInfo.html
        const info = await getDeployment(deps, id);
        if (info.creator === 'codeDeployRollback') {
          rollbacks.add(id);
        } else {
          deps.logger.info(`Stopping active deployment ${id} with rollback (on-active-deployment: stop).`);
          await stopDeployment(deps, id);
          stopped.add(id);
          announced.add(id);
          continue;
        }
      }
      if (announced.has(id)) continue;
      if (rollbacks.has(id)) {
        deps.logger.info(`Waiting for rollback deployment ${id} to finish (a rollback is never stopped).`);
      } else {
        deps.logger.info(
          `Waiting for active deployment ${id} to finish (on-active-deployment: ${plan.onActiveDeployment}).`,
        );
      }
      announced.add(id);
    }
    if (deps.clock.now() >= plan.deadline) {
      throw new ActionFailure(
        `Deployment ${first} was still active after ${formatDuration(plan.timeoutMs)} (timeout-minutes); no new deployment was created.`,
      );
    }
    await deps.clock.sleep(Math.min(plan.pollIntervalMs, Math.max(0, plan.deadline - deps.clock.now())), deps.signal);
  }
}

/**
 * StopDeployment with auto-rollback. With `perCallMs` (the cancel path) each attempt is aborted
 * after that long and tried once more, so the stop fits in the runner's kill window.
 */
export async function stopDeployment(
  deps: Pick<DeployDeps, 'codedeploy'>,
  id: string,
  perCallMs?: number,
): Promise<void> {
  const alreadyOver = (error: unknown) =>
    error instanceof AwsCallError && error.code === 'DeploymentAlreadyCompletedException';
  try {
    await callWithin(
      perCallMs ?? 0,
      perCallMs === undefined ? 1 : 2,
      (signal) =>
        awsCall(`deployment ${id}`, () =>
          deps.codedeploy.send(
            new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }),
            perCallMs === undefined ? {} : { abortSignal: signal },
          ),
        ),
      alreadyOver,
    );
  } catch (error) {
    // It ended by itself in the meantime: nothing to stop.
    if (alreadyOver(error)) return;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Watching

interface Observed {
  info: DeploymentInfo;
  target?: ECSTarget;
}

async function watch(deps: DeployDeps, plan: CodeDeployPlan, record: DeploymentRecord): Promise<void> {
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
    for (;;) {
      throwIfCancelled(deps.signal);
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
        break;
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

      const left = plan.deadline - deps.clock.now();
      if (left <= 0) {
        // Past AfterAllowTraffic, production already runs green: what is left is CodeDeploy's blue
        // termination wait. A rollback now would move production back for no fault, so the timeout
        // ends the watch with success instead and leaves CodeDeploy to finish (README: timeout-minutes).
        if (trafficShifted(target)) {
          record.finishingTermination = true;
          deps.saveState(STATE.finished, 'true');
          logger.info(
            `timeout-minutes (${formatDuration(plan.timeoutMs)}) reached during the blue termination wait: ${plan.taskDefinitionArn} already serves all production traffic, so the deployment is not stopped. CodeDeploy ends deployment ${id} once the blue task set is terminated.`,
          );
          return;
        }
        throw new TimeoutError(`timeout-minutes (${formatDuration(plan.timeoutMs)}) reached`);
      }
      await deps.clock.sleep(Math.min(plan.pollIntervalMs, left), deps.signal);
    }
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

export function deploymentConsoleUrl(region: string, id: string): string {
  const r = encodeURIComponent(region);
  return `https://${r}.console.aws.amazon.com/codesuite/codedeploy/deployments/${encodeURIComponent(id)}?region=${r}`;
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

// ---------------------------------------------------------------------------------------------
// Stopping

/** Timeout or failed checks: stop with rollback, wait for the rollback (bounded), fail saying what happened. */
async function stopAndFail(
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

async function onCancel(
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
    await stopDeployment(deps, record.id, STOP_CALL_MS);
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
    const info = await getDeploymentWithin(deps, record.id, signal, Math.max(1, deadline - deps.clock.now()));
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
  const deadline = deps.clock.now() + budgetMs;
  let status = 'Unknown';
  for (;;) {
    // Each poll is bounded by what is left of the budget, so a slow or retried call cannot overrun it.
    const info = await getDeploymentWithin(deps, id, signal, Math.max(1, deadline - deps.clock.now()));
    if (!info) return status;
    status = info.status ?? 'Unknown';
    const left = deadline - deps.clock.now();
    if (ended(status) || left <= 0) return status;
    await deps.clock.sleep(Math.min(intervalMs, left), signal);
  }
}

/** GetDeployment aborted after `ms`: undefined when that time ran out, CancelledError when `signal` fired. */
async function getDeploymentWithin(
  deps: Pick<DeployDeps, 'codedeploy'>,
  id: string,
  signal: AbortSignal | undefined,
  ms: number,
): Promise<DeploymentInfo | undefined> {
  const callSignal = withTimeout(signal, ms);
  try {
    const answer = await awsCall(`deployment ${id}`, () =>
      deps.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }), { abortSignal: callSignal }),
    );
    return answer.deploymentInfo;
  } catch (error) {
    if (signal?.aborted) throw cancelledFrom(signal);
    if (callSignal.aborted) return undefined;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Explaining a failure

async function explainFailure(
  deps: DeployDeps,
  plan: CodeDeployPlan,
  record: DeploymentRecord,
  last: Observed,
): Promise<string> {
  const info = last.info;
  const lines: string[] = [];
  const failed = (last.target?.lifecycleEvents ?? []).find((e) => lifecycleEventProgress(e.status) === 'failed');
  lines.push(
    `Deployment ${record.id} ${info.status}${failed ? ` in lifecycle event ${failed.lifecycleEventName}` : ''}.`,
  );
  if (failed?.diagnostics?.message) {
    lines.push(
      `${failed.lifecycleEventName}${hookNote(plan.hooks, failed.lifecycleEventName ?? '')}: ${failed.diagnostics.errorCode ?? 'error'}: ${failed.diagnostics.message}`,
    );
    if (failed.diagnostics.logTail?.trim()) lines.push(`Log tail:\n${failed.diagnostics.logTail.trim()}`);
  }
  if (info.errorInformation) {
    lines.push(`CodeDeploy: ${info.errorInformation.code ?? 'error'}: ${info.errorInformation.message ?? ''}`.trim());
  }
  lines.push(...(await explainStoppedTasks(deps, plan.cluster, plan.service, plan.taskDefinitionArn, record)));
  if (record.rollbackId) {
    lines.push(
      `Rollback deployment ${record.rollbackId}: ${record.rollbackStatus ?? 'unknown'}${record.rollbackStatus === 'Succeeded' ? ' (the previous version serves all traffic)' : ''}.`,
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Reads that wake on cancellation

type SendOptions = { abortSignal?: AbortSignal };

async function read<T>(deps: DeployDeps, resource: string, call: (options: SendOptions) => Promise<T>): Promise<T> {
  throwIfCancelled(deps.signal);
  try {
    return await awsCall(resource, () => call({ abortSignal: deps.signal }));
  } catch (error) {
    if (deps.signal.aborted) throw cancelledFrom(deps.signal);
    throw error;
  }
}

async function getDeployment(deps: DeployDeps, id: string): Promise<DeploymentInfo> {
  const answer = await read(deps, `deployment ${id}`, (options) =>
    deps.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }), options),
  );
  if (!answer.deploymentInfo) throw new ActionFailure(`GetDeployment returned nothing for ${id}`);
  return answer.deploymentInfo;
}

/** Errors that only mean "not there yet" while a deployment starts. */
const NOT_YET = ['DeploymentTargetDoesNotExistException', 'DeploymentNotStartedException'];

async function listTargets(deps: DeployDeps, id: string): Promise<string[]> {
  try {
    const answer = await read(deps, `deployment ${id}`, (options) =>
      deps.codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId: id }), options),
    );
    return answer.targetIds ?? [];
  } catch (error) {
    if (error instanceof AwsCallError && NOT_YET.includes(error.code ?? '')) return [];
    throw error;
  }
}

async function getTarget(deps: DeployDeps, id: string, targetId: string): Promise<ECSTarget | undefined> {
  try {
    const answer = await read(deps, `deployment target ${targetId} of ${id}`, (options) =>
      deps.codedeploy.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId }), options),
    );
    return answer.deploymentTarget?.ecsTarget;
  } catch (error) {
    // The target appears a moment after the deployment is created.
    if (error instanceof AwsCallError && NOT_YET.includes(error.code ?? '')) return undefined;
    throw error;
  }
}
