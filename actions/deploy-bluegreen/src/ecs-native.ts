/**
 * Services with the ECS deployment controller. BLUE_GREEN, LINEAR and CANARY: UpdateService, then
 * watch the service deployment through its lifecycle stages and traffic steps; at a pause hook run
 * the test-traffic gate and continue or roll back; stop with ROLLBACK on timeout or cancel.
 * ROLLING: UpdateService, wait until the service is stable, fail when the deployment circuit
 * breaker rolled it back.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-linear.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/canary-deployment.html
 */
import {
  ContinueServiceDeploymentCommand,
  type DeploymentLifecycleHookDetail,
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  ListServiceDeploymentsCommand,
  type ServiceDeployment,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { awsCall, AwsCallError } from '../../../lib/aws.js';
import { cancelledFrom, throwIfCancelled, withTimeout } from '../../../lib/cancel.js';
import { ActionFailure, CancelledError, TimeoutError } from '../../../lib/errors.js';
import { formatDuration } from '../../../lib/inputs.js';
import { callWithin, STOP_CALL_MS } from './bounded.js';
import { CANCEL_BUDGET_MS, ROLLBACK_WAIT_MS } from './codedeploy.js';
import type { PropagateTags } from './config.js';
import { STATE, type DeployDeps, type DeploymentRecord } from './deps.js';
import { explainStoppedTasks } from './diagnostics.js';
import { leaveEcsUnwatched } from './unwatched.js';
import {
  awaitingPauseHook,
  classifyDeploymentStatus,
  classifyLifecycleStage,
  classifyRolloutState,
  deploymentEnded,
  percent,
  stagePosition,
  testTrafficReachesGreen,
} from './ecs-native-status.js';

export { stagePosition };

export interface EcsPlan {
  cluster: string;
  service: string;
  strategy: string;
  taskDefinitionArn: string;
  previousTaskDefinitionArn?: string;
  deadline: number;
  timeoutMs: number;
  pollIntervalMs: number;
  rollbackOnCancel: boolean;
  /** The test listener's URL: with it, a pause hook runs the test-traffic gate and continues. */
  testUrl?: string;
  desiredCount?: number;
  forceNewDeployment?: boolean;
  enableEcsManagedTags?: boolean;
  propagateTags?: PropagateTags;
  /** false: return once UpdateService has started the deployment (default true). */
  wait?: boolean;
}

export async function deployWithEcs(
  deps: DeployDeps,
  plan: EcsPlan,
  onRecord?: (record: DeploymentRecord) => void,
): Promise<DeploymentRecord> {
  const started = deps.clock.now();
  const updated = await awsCall(`service ${plan.service} in cluster ${plan.cluster}`, () =>
    deps.ecs.send(
      new UpdateServiceCommand({
        cluster: plan.cluster,
        service: plan.service,
        taskDefinition: plan.taskDefinitionArn,
        ...(plan.desiredCount !== undefined ? { desiredCount: plan.desiredCount } : {}),
        ...(plan.forceNewDeployment ? { forceNewDeployment: true } : {}),
        ...(plan.enableEcsManagedTags !== undefined ? { enableECSManagedTags: plan.enableEcsManagedTags } : {}),
        ...(plan.propagateTags !== undefined ? { propagateTags: plan.propagateTags } : {}),
      }),
    ),
  );
  deps.logger.info(`Updated service ${plan.cluster}/${plan.service} to ${plan.taskDefinitionArn} (${plan.strategy}).`);
  const record: DeploymentRecord = {
    kind: 'ecs',
    id: '',
    strategy: plan.strategy,
    lifecycle: [],
    traffic: [],
    startTime: new Date(started),
  };
  // UpdateService names the service deployment it started: remember it at once, so a cancel or
  // timeout from here on can still stop it (here, or in the post step).
  // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html (currentServiceDeployment)
  if (plan.wait === false) {
    onRecord?.(record);
    return leaveEcsUnwatched(deps, plan, record, updated.service);
  }
  const current = plan.strategy === 'ROLLING' ? undefined : updated.service?.currentServiceDeployment;
  if (current) rememberServiceDeployment(deps, plan, record, current);
  onRecord?.(record);
  try {
    if (plan.strategy === 'ROLLING') await watchRolling(deps, plan, record);
    else await watchServiceDeployment(deps, plan, record, started);
  } finally {
    record.endTime = new Date(deps.clock.now());
  }
  return record;
}

// ---------------------------------------------------------------------------------------------
// Native blue/green

async function watchServiceDeployment(deps: DeployDeps, plan: EcsPlan, record: DeploymentRecord, started: number) {
  const seen: Seen = { status: '', stage: -1, traffic: '', unknown: new Set(), hooks: new Set() };
  let last: ServiceDeployment | undefined;
  try {
    // Older APIs (or answers) may not name it in UpdateService: find it by time then.
    if (!record.id) rememberServiceDeployment(deps, plan, record, await findServiceDeployment(deps, plan, started));
    const arn = record.id;
    for (;;) {
      last = await describeServiceDeployment(deps, arn, deps.signal);
      observe(deps, last, seen, record);
      if (deploymentEnded(last.status)) break;
      const paused = awaitingPauseHook(last);
      if (paused && !seen.hooks.has(paused.hookId!)) {
        seen.hooks.add(paused.hookId!);
        await passPauseHook(deps, plan, record, last, paused);
        continue;
      }
      const left = plan.deadline - deps.clock.now();
      if (left <= 0) throw new TimeoutError(`timeout-minutes (${formatDuration(plan.timeoutMs)}) reached`);
      await deps.clock.sleep(Math.min(plan.pollIntervalMs, left), deps.signal);
    }
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
      await stopServiceDeployment(deps, record.id, cancelled ? STOP_CALL_MS : undefined);
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

/**
 * A pause hook holds the deployment until ContinueServiceDeployment (or its timeout). With
 * test-url the test-traffic gate decides: CONTINUE when the checks pass, StopServiceDeployment
 * ROLLBACK with their message when they fail. Without it nothing here can decide, and waiting
 * would only run out the timeout: fail at once, saying how to continue by hand.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/pause-lifecycle-hooks.html
 */
async function passPauseHook(
  deps: DeployDeps,
  plan: EcsPlan,
  record: DeploymentRecord,
  deployment: ServiceDeployment,
  hook: DeploymentLifecycleHookDetail,
) {
  const stage = deployment.lifecycleStage ?? 'an unnamed stage';
  const where = `pause hook ${hook.hookId} at lifecycle stage ${stage}`;
  const expiry = hook.expiresAt
    ? ` until ${hook.expiresAt.toISOString()}, then ECS takes its timeout action ${hook.timeoutAction ?? 'ROLLBACK'}`
    : '';
  deps.logger.info(`Service deployment ${record.id} is paused at ${where}${expiry}.`);
  if (!plan.testUrl || !deps.checkTestTraffic) {
    // Left to a person: the post step must not stop it.
    deps.saveState(STATE.finished, 'true');
    record.status = 'AWAITING_ACTION';
    throw new ActionFailure(continueByHand(deps.region, plan, record.id, where, hook.hookId!, expiry));
  }
  if (!testTrafficReachesGreen(deployment.lifecycleStage)) {
    deps.logger.warning(
      `At ${stage} the test listener still sends every request to the running revision: the checks of ${plan.testUrl} do not reach the new one. A pause hook at POST_TEST_TRAFFIC_SHIFT tests the new revision.`,
    );
  }
  deps.logger.info(`Test traffic gate: checking ${plan.testUrl} at ${where}.`);
  const result = await deps.checkTestTraffic(plan.testUrl, deps.signal);
  if (result.passed) {
    deps.logger.info(`Test traffic checks passed (${result.message}): continuing the service deployment.`);
    await continueServiceDeployment(deps, record.id, hook.hookId!);
    return;
  }
  const why = `Test traffic checks against ${plan.testUrl} failed at ${where}: ${result.message}`;
  record.stoppedBecause = why;
  deps.logger.info(`${why}. Stopping service deployment ${record.id} with ROLLBACK.`);
  await stopServiceDeployment(deps, record.id);
  deps.saveState(STATE.finished, 'true');
  const outcome = await waitForServiceDeploymentEnd(
    deps,
    record.id,
    ROLLBACK_WAIT_MS,
    deps.signal,
    Math.min(plan.pollIntervalMs, 2000),
  );
  record.status = outcome;
  throw new ActionFailure(
    `${why}. Stopped service deployment ${record.id} with ROLLBACK: ${deploymentEnded(outcome) ? `it ended ${outcome}` : `it was still ${outcome} after ${formatDuration(ROLLBACK_WAIT_MS)}; follow it in the console`}.`,
  );
}

/** The service's deployments in the ECS console. */
export function serviceDeploymentsConsoleUrl(region: string, plan: Pick<EcsPlan, 'cluster' | 'service'>): string {
  const r = encodeURIComponent(region);
  return `https://${r}.console.aws.amazon.com/ecs/v2/clusters/${encodeURIComponent(plan.cluster)}/services/${encodeURIComponent(plan.service)}/deployments?region=${r}`;
}

function continueByHand(region: string, plan: EcsPlan, arn: string, where: string, hookId: string, expiry: string) {
  const console = serviceDeploymentsConsoleUrl(region, plan);
  return [
    `Service deployment ${arn} is paused at ${where}${expiry}.`,
    'This action continues a pause hook only after its test-traffic checks pass, and test-url is not set.',
    'Continue (or roll back) by hand:',
    `  aws ecs continue-service-deployment --region ${region} --service-deployment-arn ${arn} --hook-id ${hookId} --action CONTINUE`,
    `  or in the console: ${console} (Deployments, Take action, Continue or Roll back).`,
    'Or set test-url to the test listener URL so this action checks the new revision and continues by itself.',
  ].join('\n');
}

/** ContinueServiceDeployment CONTINUE; a hook already answered (by a person, or its timeout) is not an error. */
async function continueServiceDeployment(deps: DeployDeps, arn: string, hookId: string): Promise<void> {
  try {
    await awsCall(`service deployment ${arn}`, () =>
      deps.ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId, action: 'CONTINUE' }), {
        abortSignal: deps.signal,
      }),
    );
  } catch (error) {
    if (deps.signal.aborted) throw cancelledFrom(deps.signal);
    if (!(error instanceof AwsCallError) || error.code !== 'InvalidParameterException') throw error;
    deps.logger.info(`Pause hook ${hookId} no longer awaits action (${error.message}); still watching.`);
  }
}

function rememberServiceDeployment(deps: DeployDeps, plan: EcsPlan, record: DeploymentRecord, arn: string) {
  record.id = arn;
  deps.saveState(STATE.kind, 'ecs');
  deps.saveState(STATE.id, arn);
  deps.saveState(STATE.finished, 'false');
  deps.logger.info(`Service deployment ${arn}`);
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

/** The service deployment UpdateService started: the newest one created since (allowing for clock skew). */
async function findServiceDeployment(deps: DeployDeps, plan: EcsPlan, started: number): Promise<string> {
  const findDeadline = Math.min(plan.deadline, deps.clock.now() + 60_000);
  for (;;) {
    throwIfCancelled(deps.signal);
    const answer = await awsCall(`service ${plan.service} in cluster ${plan.cluster}`, () =>
      deps.ecs.send(new ListServiceDeploymentsCommand({ cluster: plan.cluster, service: plan.service }), {
        abortSignal: deps.signal,
      }),
    ).catch((error: unknown) => {
      if (deps.signal.aborted) throw cancelledFrom(deps.signal);
      throw error;
    });
    const candidates = (answer.serviceDeployments ?? [])
      .filter(
        (d) => (d.createdAt?.getTime() ?? 0) >= started - 120_000 || classifyDeploymentStatus(d.status) === 'going',
      )
      .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
    const newest = candidates[0]?.serviceDeploymentArn;
    if (newest) return newest;
    if (deps.clock.now() >= findDeadline) {
      throw new ActionFailure(
        `UpdateService did not start a service deployment in ${plan.cluster}/${plan.service} (ListServiceDeployments lists none).`,
      );
    }
    await deps.clock.sleep(Math.min(plan.pollIntervalMs, 2000), deps.signal);
  }
}

async function describeServiceDeployment(deps: DeployDeps, arn: string, signal: AbortSignal | undefined) {
  const answer = await awsCall(`service deployment ${arn}`, () =>
    deps.ecs.send(
      new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }),
      signal ? { abortSignal: signal } : {},
    ),
  ).catch((error: unknown) => {
    if (signal?.aborted) throw cancelledFrom(signal);
    throw error;
  });
  const deployment = answer.serviceDeployments?.[0];
  if (!deployment) {
    throw new ActionFailure(`DescribeServiceDeployments found no ${arn}: ${answer.failures?.[0]?.reason ?? 'MISSING'}`);
  }
  return deployment;
}

/** StopServiceDeployment ROLLBACK; with `perCallMs`, each attempt is aborted after that long and tried once more. */
export async function stopServiceDeployment(
  deps: Pick<DeployDeps, 'ecs'>,
  arn: string,
  perCallMs?: number,
): Promise<void> {
  // Already over (ECS answers ConflictException / InvalidParameterException): nothing to stop.
  const alreadyOver = (error: unknown) =>
    error instanceof AwsCallError && ['ConflictException', 'InvalidParameterException'].includes(error.code ?? '');
  try {
    await callWithin(
      perCallMs ?? 0,
      perCallMs === undefined ? 1 : 2,
      (signal) =>
        awsCall(`service deployment ${arn}`, () =>
          deps.ecs.send(
            new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }),
            perCallMs === undefined ? {} : { abortSignal: signal },
          ),
        ),
      alreadyOver,
    );
  } catch (error) {
    if (alreadyOver(error)) return;
    throw error;
  }
}

async function waitForServiceDeploymentEnd(
  deps: DeployDeps,
  arn: string,
  budgetMs: number,
  signal: AbortSignal | undefined,
  intervalMs: number,
): Promise<string> {
  const deadline = deps.clock.now() + budgetMs;
  let status = 'UNKNOWN';
  try {
    for (;;) {
      // Each poll is bounded by what is left of the budget.
      const callSignal = withTimeout(signal, Math.max(1, deadline - deps.clock.now()));
      try {
        status = (await describeServiceDeployment(deps, arn, callSignal)).status ?? 'UNKNOWN';
      } catch (error) {
        if (!signal?.aborted && callSignal.aborted) return status;
        throw error;
      }
      const left = deadline - deps.clock.now();
      if (deploymentEnded(status) || left <= 0) return status;
      await deps.clock.sleep(Math.min(intervalMs, left), signal);
    }
  } catch (error) {
    if (error instanceof CancelledError) return 'still rolling back when the action was cancelled';
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Rolling

async function watchRolling(deps: DeployDeps, plan: EcsPlan, record: DeploymentRecord) {
  const seen = { line: '', unknown: new Set<string>() };
  try {
    for (;;) {
      throwIfCancelled(deps.signal);
      const answer = await awsCall(`service ${plan.service} in cluster ${plan.cluster}`, () =>
        deps.ecs.send(new DescribeServicesCommand({ cluster: plan.cluster, services: [plan.service] }), {
          abortSignal: deps.signal,
        }),
      ).catch((error: unknown) => {
        if (deps.signal.aborted) throw cancelledFrom(deps.signal);
        throw error;
      });
      const service = answer.services?.[0];
      const deployments = service?.deployments ?? [];
      const primary = deployments.find((d) => d.status === 'PRIMARY');
      record.id = primary?.id ?? record.id;
      const line = `Rolling: ${primary?.runningCount ?? 0}/${primary?.desiredCount ?? 0} new tasks running, ${deployments.length - 1} older deployment(s) draining${primary?.rolloutState ? `, ${primary.rolloutState}` : ''}`;
      if (line !== seen.line) {
        deps.logger.info(line);
        seen.line = line;
      }
      record.status = primary?.rolloutState ?? 'IN_PROGRESS';
      const rollout = classifyRolloutState(primary?.rolloutState);
      if (rollout === 'unknown' && !seen.unknown.has(primary!.rolloutState!)) {
        seen.unknown.add(primary!.rolloutState!);
        deps.logger.warning(
          `Rollout state ${primary!.rolloutState} is unknown to this action: still watching until the service is stable or timeout-minutes runs out.`,
        );
      }
      if (primary && primary.taskDefinition !== plan.taskDefinitionArn) {
        // The circuit breaker rolled back: the primary deployment runs an older revision again.
        throw new ActionFailure(
          [
            `The deployment circuit breaker rolled ${plan.cluster}/${plan.service} back to ${primary.taskDefinition}${primary.rolloutStateReason ? `: ${primary.rolloutStateReason}` : ''}.`,
            ...(await explainStoppedTasks(deps, plan.cluster, plan.service, plan.taskDefinitionArn, record)),
          ].join('\n'),
        );
      }
      if (primary && rollout === 'failed') {
        throw new ActionFailure(
          [
            `Deployment ${primary.id} of ${plan.cluster}/${plan.service} FAILED: ${primary.rolloutStateReason ?? 'no reason given'}.`,
            ...(await explainStoppedTasks(deps, plan.cluster, plan.service, plan.taskDefinitionArn, record)),
          ].join('\n'),
        );
      }
      const stable =
        primary !== undefined &&
        deployments.length === 1 &&
        primary.runningCount === primary.desiredCount &&
        (primary.rolloutState === undefined || rollout === 'done');
      if (stable) {
        record.status = 'COMPLETED';
        deps.logger.info(`Service ${plan.cluster}/${plan.service} is stable on ${plan.taskDefinitionArn}.`);
        return;
      }
      const left = plan.deadline - deps.clock.now();
      if (left <= 0) throw new TimeoutError(`timeout-minutes (${formatDuration(plan.timeoutMs)}) reached`);
      await deps.clock.sleep(Math.min(plan.pollIntervalMs, left), deps.signal);
    }
  } catch (error) {
    if (!(error instanceof CancelledError || error instanceof TimeoutError)) throw error;
    const cancelled = error instanceof CancelledError;
    const why = `${cancelled ? error.message : `Timed out: ${error.message}`} while ${plan.cluster}/${plan.service} was rolling out`;
    record.stoppedBecause = why;
    if ((cancelled && !plan.rollbackOnCancel) || !plan.previousTaskDefinitionArn) {
      throw new ActionFailure(`${why}. The rolling deployment goes on without this action.`);
    }
    await awsCall(`service ${plan.service} in cluster ${plan.cluster}`, () =>
      deps.ecs.send(
        new UpdateServiceCommand({
          cluster: plan.cluster,
          service: plan.service,
          taskDefinition: plan.previousTaskDefinitionArn,
        }),
      ),
    );
    throw new ActionFailure(`${why}. Rolled the service back to ${plan.previousTaskDefinitionArn} (UpdateService).`);
  }
}
