/**
 * What each status CodeDeploy reports means to the watch: done, still going, failed, or unknown
 * (a value this code does not know yet: keep watching and say so). One table per enum of the
 * CodeDeploy API model; a test checks each lists every value of testing/aws-models/codedeploy.json.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentInfo.html
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_LifecycleEvent.html
 */
import type { DeploymentStatus, LifecycleEventStatus, TargetStatus } from '@aws-sdk/client-codedeploy';

export type Progress = 'done' | 'going' | 'failed' | 'unknown';

/** A deployment: Stopped counts as failed (someone, or an alarm, stopped it and CodeDeploy rolled back). */
export const DEPLOYMENT_STATUS: Record<DeploymentStatus, Progress> = {
  Created: 'going',
  Queued: 'going',
  InProgress: 'going',
  Baking: 'going',
  Ready: 'going',
  Succeeded: 'done',
  Failed: 'failed',
  Stopped: 'failed',
};

/** A lifecycle event: Skipped ("the deployment lifecycle event has been skipped") is over, as Succeeded is. */
export const LIFECYCLE_EVENT_STATUS: Record<LifecycleEventStatus, Progress> = {
  Pending: 'going',
  InProgress: 'going',
  Succeeded: 'done',
  Skipped: 'done',
  Failed: 'failed',
  Unknown: 'unknown',
};

/** The deployment target (the ECS service): Ready waits for a reroute, so it is still going. */
export const TARGET_STATUS: Record<TargetStatus, Progress> = {
  Pending: 'going',
  InProgress: 'going',
  Ready: 'going',
  Succeeded: 'done',
  Skipped: 'done',
  Failed: 'failed',
  Unknown: 'unknown',
};

const classify =
  (table: Record<string, Progress>) =>
  (status: string | undefined): Progress =>
    status !== undefined && Object.prototype.hasOwnProperty.call(table, status) ? table[status]! : 'unknown';

export const deploymentProgress = classify(DEPLOYMENT_STATUS);
export const lifecycleEventProgress = classify(LIFECYCLE_EVENT_STATUS);
export const targetProgress = classify(TARGET_STATUS);

/** Statuses of a deployment that has not ended (ListDeployments includeOnlyStatuses, the post step). */
export const ACTIVE_STATUSES = (Object.keys(DEPLOYMENT_STATUS) as DeploymentStatus[]).filter(
  (status) => DEPLOYMENT_STATUS[status] === 'going',
);
