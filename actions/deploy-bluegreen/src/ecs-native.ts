/**
 * Services with the ECS deployment controller. BLUE_GREEN (and LINEAR / CANARY): UpdateService,
 * then watch the service deployment through its lifecycle stages; stop with ROLLBACK on timeout
 * or cancel. ROLLING: UpdateService, wait until the service is stable, fail when the deployment
 * circuit breaker rolled it back.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html
 */
import {
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
import { STATE, type DeployDeps, type DeploymentRecord } from './deps.js';
import { explainStoppedTasks } from './diagnostics.js';

/** The order AWS documents; stages can pass between two polls, so compare positions. */
export const LIFECYCLE_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP',
] as const;

const ACTIVE = ['PENDING', 'IN_PROGRESS', 'STOP_REQUESTED', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS'];
const ENDED = new Set(['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED']);

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
  desiredCount?: number;
  forceNewDeployment?: boolean;
}

export function stagePosition(stage: string | undefined): number {
  return stage ? LIFECYCLE_STAGES.indexOf(stage as (typeof LIFECYCLE_STAGES)[number]) : -1;
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
      }),
    ),
  );
  deps.logger.info(`Updated service ${plan.cluster}/${plan.service} to ${plan.taskDefinitionArn} (${plan.strategy}).`);
  const record: DeploymentRecord = {
    kind: 'ecs',
    id: '',
    lifecycle: [],
    traffic: [],
    startTime: new Date(started),
  };
  // UpdateService names the service deployment it started: remember it at once, so a cancel or
  // timeout from here on can still stop it (here, or in the post step).
  // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html (currentServiceDeployment)
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
  const seen = { status: '', stage: -1, traffic: '' };
  let last: ServiceDeployment | undefined;
  try {
    // Older APIs (or answers) may not name it in UpdateService: find it by time then.
    if (!record.id) rememberServiceDeployment(deps, plan, record, await findServiceDeployment(deps, plan, started));
    const arn = record.id;
    for (;;) {
      last = await describeServiceDeployment(deps, arn, deps.signal);
      observe(deps, last, seen, record);
      if (ENDED.has(last.status ?? '')) break;
      const left = plan.deadline - deps.clock.now();
      if (left <= 0) throw new TimeoutError(`timeout-minutes (${formatDuration(plan.timeoutMs)}) reached`);
      await deps.clock.sleep(Math.min(plan.pollIntervalMs, left), deps.signal);
    }
  } catch (error) {
    if (!(error instanceof CancelledError || error instanceof TimeoutError) || !record.id) throw error;
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
      if (!cancelled) throw stopError;
      throw new ActionFailure(
        `${why}. StopServiceDeployment did not go through (${(stopError as Error).message}); the post step tries again.`,
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
      `${why}. Stopped it with ROLLBACK: ${ENDED.has(outcome) ? `it ended ${outcome}` : `it was still ${outcome} after ${formatDuration(budget)}; follow it in the console`}.`,
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
  lines.push(...(await explainStoppedTasks(deps, plan.cluster, plan.service, plan.taskDefinitionArn)));
  throw new ActionFailure(lines.join('\n'));
}

function rememberServiceDeployment(deps: DeployDeps, plan: EcsPlan, record: DeploymentRecord, arn: string) {
  record.id = arn;
  deps.saveState(STATE.kind, 'ecs');
  deps.saveState(STATE.id, arn);
  deps.saveState(STATE.finished, 'false');
  deps.logger.info(`Service deployment ${arn}`);
}

function observe(
  deps: DeployDeps,
  deployment: ServiceDeployment,
  seen: { status: string; stage: number; traffic: string },
  record: DeploymentRecord,
) {
  const status = deployment.status ?? 'UNKNOWN';
  record.status = status;
  if (status !== seen.status) {
    deps.logger.info(`Service deployment: ${status}${deployment.statusReason ? ` (${deployment.statusReason})` : ''}`);
    seen.status = status;
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
  if (ENDED.has(status)) {
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
    const line = `Traffic: blue ${Math.round(blue)}% | green ${Math.round(green)}%`;
    if (line !== seen.traffic) {
      seen.traffic = line;
      record.traffic.push({ time: new Date(deps.clock.now()), blue: Math.round(blue), green: Math.round(green) });
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
      .filter((d) => (d.createdAt?.getTime() ?? 0) >= started - 120_000 || ACTIVE.includes(d.status ?? ''))
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
      if (ENDED.has(status) || left <= 0) return status;
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
  const seen = { line: '' };
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
      if (primary && primary.taskDefinition !== plan.taskDefinitionArn) {
        // The circuit breaker rolled back: the primary deployment runs an older revision again.
        throw new ActionFailure(
          [
            `The deployment circuit breaker rolled ${plan.cluster}/${plan.service} back to ${primary.taskDefinition}${primary.rolloutStateReason ? `: ${primary.rolloutStateReason}` : ''}.`,
            ...(await explainStoppedTasks(deps, plan.cluster, plan.service, plan.taskDefinitionArn)),
          ].join('\n'),
        );
      }
      if (primary?.rolloutState === 'FAILED') {
        throw new ActionFailure(
          [
            `Deployment ${primary.id} of ${plan.cluster}/${plan.service} FAILED: ${primary.rolloutStateReason ?? 'no reason given'}.`,
            ...(await explainStoppedTasks(deps, plan.cluster, plan.service, plan.taskDefinitionArn)),
          ].join('\n'),
        );
      }
      const stable =
        primary !== undefined &&
        deployments.length === 1 &&
        primary.runningCount === primary.desiredCount &&
        (primary.rolloutState === undefined || primary.rolloutState === 'COMPLETED');
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
