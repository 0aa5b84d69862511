/**
 * What each value ECS reports while a service deployment runs means to the watch: done, still
 * going, failed, or unknown (a value newer than this code: keep watching and say so). Pure, so a
 * table test can feed it every value of the ECS API model.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html
 */
import type { DeploymentLifecycleHookDetail, ServiceDeployment } from '@aws-sdk/client-ecs';

export type Verdict = 'done' | 'going' | 'failed' | 'unknown';

/** ServiceDeploymentStatus. */
const DEPLOYMENT_STATUS: Record<string, Verdict> = {
  PENDING: 'going',
  IN_PROGRESS: 'going',
  // A stop or rollback was asked for: it is still running until it ends in one of the failed states.
  STOP_REQUESTED: 'going',
  ROLLBACK_REQUESTED: 'going',
  ROLLBACK_IN_PROGRESS: 'going',
  SUCCESSFUL: 'done',
  STOPPED: 'failed',
  ROLLBACK_SUCCESSFUL: 'failed',
  ROLLBACK_FAILED: 'failed',
};

export function classifyDeploymentStatus(status: string | undefined): Verdict {
  return DEPLOYMENT_STATUS[status ?? ''] ?? 'unknown';
}

/** The deployment is over (whatever the outcome) and nothing more will change. */
export function deploymentEnded(status: string | undefined): boolean {
  const verdict = classifyDeploymentStatus(status);
  return verdict === 'done' || verdict === 'failed';
}

/** DeploymentRolloutState (DescribeServices deployments[].rolloutState, ROLLING). */
const ROLLOUT_STATE: Record<string, Verdict> = { IN_PROGRESS: 'going', COMPLETED: 'done', FAILED: 'failed' };

export function classifyRolloutState(state: string | undefined): Verdict {
  // ECS leaves it out when the circuit breaker is off: the counts decide then.
  if (state === undefined) return 'going';
  return ROLLOUT_STATE[state] ?? 'unknown';
}

/**
 * ServiceDeploymentLifecycleStage in the order AWS documents; stages can pass between two polls,
 * so the watch compares positions. A stage never ends a deployment by itself (the status does),
 * so every known stage is 'going'.
 */
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

export function stagePosition(stage: string | undefined): number {
  return stage ? LIFECYCLE_STAGES.indexOf(stage as (typeof LIFECYCLE_STAGES)[number]) : -1;
}

export function classifyLifecycleStage(stage: string | undefined): Verdict {
  return stage === undefined || stagePosition(stage) >= 0 ? 'going' : 'unknown';
}

/**
 * The test listener reaches green from TEST_TRAFFIC_SHIFT on ("The green service revision is
 * migrating from 0% to 100% of test traffic"): before that, checks of the test URL see blue.
 */
export function testTrafficReachesGreen(stage: string | undefined): boolean {
  return stagePosition(stage) >= stagePosition('TEST_TRAFFIC_SHIFT');
}

/**
 * A pause hook waiting for ContinueServiceDeployment, if the deployment is held by one.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/pause-lifecycle-hooks.html
 */
export function awaitingPauseHook(deployment: ServiceDeployment): DeploymentLifecycleHookDetail | undefined {
  return (deployment.lifecycleHookDetails ?? []).find(
    (hook) => hook.targetType === 'PAUSE' && hook.status === 'AWAITING_ACTION' && hook.hookId,
  );
}

/** A traffic weight as ECS gives it (a Double, e.g. 2.5) without float noise. */
export function percent(weight: number): string {
  return `${Math.round(weight * 10) / 10}%`;
}
