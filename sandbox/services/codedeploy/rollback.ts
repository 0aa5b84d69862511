/**
 * Rollback deployments: a new deployment that reroutes traffic to the original task set and
 * removes the replacement.
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-steps-ecs.html#deployment-rollback-ecs
 */
import { AwsError } from '../../contracts.js';
import { ECS_LIFECYCLE_EVENTS } from './appspec.js';
import { DeploymentFailure } from './failures.js';
import { runEvent } from './lifecycle.js';
import { newDeploymentId, type Deployment } from './model.js';
import type { Run } from './run.js';
import { routeAll, routeTestTraffic } from './traffic.js';

/** Starts the rollback deployment (a new deployment id) that reroutes traffic to the original task set. */
export function startRollback(run: Run, why: 'failed' | 'stopped'): void {
  const { d } = run;
  const { blue, green } = d.target;
  if (!blue?.taskSetId || !green) {
    d.rollbackInfo = {
      rollbackMessage: 'There was no original task set to roll back to; nothing was rolled back.',
    };
    return;
  }
  const rollbackId = newDeploymentId();
  const now = run.deps.clock.now();
  const rollback: Deployment = {
    ...d,
    deploymentId: rollbackId,
    revision: d.previousRevision ?? d.revision,
    previousRevision: d.revision,
    status: 'Created',
    errorInformation: undefined,
    createTime: now,
    startTime: undefined,
    completeTime: undefined,
    description: `Rollback of ${d.deploymentId}`,
    creator: 'codeDeployRollback',
    rollbackInfo: {
      rollbackTriggeringDeploymentId: d.deploymentId,
      rollbackMessage: `Rolls back deployment ${d.deploymentId}, which ${why === 'failed' ? 'failed' : 'was stopped'}.`,
    },
    trafficRoutingConfig: { type: 'AllAtOnce' },
    instanceTerminationWaitTimeStarted: false,
    deploymentStatusMessages: [],
    appSpec: undefined,
    target: {
      cluster: d.target.cluster,
      service: d.target.service,
      targetId: d.target.targetId,
      targetArn: d.target.targetArn,
      status: 'Pending',
      lastUpdatedAt: now,
      lifecycleEvents: ECS_LIFECYCLE_EVENTS.map((name) => ({ lifecycleEventName: name, status: 'Pending' as const })),
      blue: { ...green },
      green: { ...blue },
    },
  };
  d.rollbackInfo = {
    rollbackDeploymentId: rollbackId,
    rollbackMessage: `Rollback deployment ${rollbackId} reroutes traffic to the original task set and removes the replacement.`,
  };
  d.deploymentStatusMessages.push(`Rollback deployment ${rollbackId} started.`);
  run.host.register(rollback);
  run.startRollbackRun(rollback);
}

/** The rollback deployment's own run: the same events, with traffic going back instead of forward. */
export async function runRollback(run: Run): Promise<void> {
  const { d, deps } = run;
  const group = run.requireGroup();
  const pair = group.loadBalancerInfo.targetGroupPairInfoList?.[0] ?? {};
  const prodListenerArn = pair.prodTrafficRoute?.listenerArns?.[0];
  const testListenerArn = pair.testTrafficRoute?.listenerArns?.[0];
  // In a rollback, "green" is the original task set being restored and "blue" the one being removed.
  const { blue: removed, green: restored, cluster, service } = d.target;
  if (!restored?.taskSetId)
    throw new DeploymentFailure('INTERNAL_ERROR', 'There is no original task set to roll back to.');
  for (const event of ECS_LIFECYCLE_EVENTS) {
    await runEvent(run, event, () => {
      if (event === 'Install') {
        // The original task set must still be there: rolling back never starts tasks afresh.
        deps.ecs.taskSet(cluster, service, restored.taskSetId!);
      } else if (event === 'AllowTestTraffic') {
        routeTestTraffic(run, testListenerArn, 'green');
      } else if (event === 'AllowTraffic') {
        if (removed) routeAll(deps.lb, prodListenerArn, removed.targetGroupArn, restored.targetGroupArn, 100);
        deps.ecs.setPrimaryTaskSet(cluster, service, restored.taskSetId!);
      }
    });
  }
  run.freezeTaskSets();
  if (removed?.taskSetId) {
    run.log(`removing the replacement task set ${removed.taskSetId}`);
    await run.untilStopped(
      deps.ecs.deleteTaskSet(cluster, service, removed.taskSetId).catch((error: unknown) => {
        // Already gone is what a rollback wants.
        if (!(error instanceof AwsError)) throw error;
      }),
    );
  }
  run.recordSuccess();
}
