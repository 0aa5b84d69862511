/**
 * Traffic between the original (blue) and replacement (green) task sets: the listeners' forward
 * weights, the production shift step by step per the deployment config, the ready wait before it,
 * and taskSetsInfo, which reports each task set's share of production traffic.
 */
import type { CodeDeployDeps, LoadBalancer, TaskSetInfo } from '../../contracts.js';
import { MINUTE_MS, trafficSteps } from './configs.js';
import { DeploymentFailure, StopSignal } from './failures.js';
import type { Deployment, DeploymentGroup, TaskSetRef } from './model.js';
import type { Run } from './run.js';

export function routeTestTraffic(run: Run, testListenerArn: string | undefined, to: 'green' | 'blue'): void {
  const { blue, green } = run.d.target;
  if (!testListenerArn || !blue || !green) return;
  routeAll(run.deps.lb, testListenerArn, blue.targetGroupArn, green.targetGroupArn, to === 'green' ? 100 : 0);
}

/** AllowTraffic: production weights step per the deployment config, then the replacement becomes PRIMARY. */
export async function shiftProductionTraffic(run: Run, prodListenerArn: string | undefined): Promise<void> {
  const { d, deps } = run;
  const { blue, green, cluster, service } = d.target;
  if (!blue || !green?.taskSetId)
    throw new DeploymentFailure('INTERNAL_ERROR', 'AllowTraffic ran without a replacement task set.');
  if (!prodListenerArn || !deps.lb.listener(prodListenerArn)) {
    throw new DeploymentFailure(
      'ELASTIC_LOAD_BALANCING_INVALID',
      `The production listener ${prodListenerArn ?? '(none)'} was not found.`,
    );
  }
  for (const step of trafficSteps(d.trafficRoutingConfig)) {
    if (step.waitBeforeMs > 0) await deps.clock.sleep(step.waitBeforeMs, run.signal);
    routeAll(deps.lb, prodListenerArn, blue.targetGroupArn, green.targetGroupArn, step.greenPercent);
    run.touch();
    run.log(`production traffic: ${step.greenPercent}% to the replacement task set`);
  }
  deps.ecs.setPrimaryTaskSet(cluster, service, green.taskSetId);
}

/** Sets a listener's forward weights between the two target groups (green gets `greenPercent`). */
export function routeAll(
  lb: LoadBalancer,
  listenerArn: string | undefined,
  blueArn: string,
  greenArn: string,
  greenPercent: number,
): void {
  if (!listenerArn) return;
  const listener = lb.listener(listenerArn);
  if (!listener) return;
  listener.setWeights([
    { targetGroupArn: blueArn, weight: 100 - greenPercent },
    { targetGroupArn: greenArn, weight: greenPercent },
  ]);
}

/** A target group's share (percent) of a listener's forward weights. */
export function weightOf(lb: LoadBalancer, listenerArn: string | undefined, targetGroupArn: string): number {
  const listener = listenerArn ? lb.listener(listenerArn) : undefined;
  if (!listener) return 0;
  const weights = listener.weights();
  const total = weights.reduce((sum, w) => sum + w.weight, 0);
  const own = weights.find((w) => w.targetGroupArn === targetGroupArn)?.weight ?? 0;
  return total > 0 ? (own * 100) / total : 0;
}

/**
 * deploymentReadyOption STOP_DEPLOYMENT: the deployment is Ready, test traffic reaches the
 * replacement, and production waits for ContinueDeployment(READY_WAIT); if none comes within
 * waitTimeInMinutes the deployment is Stopped.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentReadyOption.html
 */
export async function readyWait(run: Run, waitTimeInMinutes: number | undefined): Promise<void> {
  const { d } = run;
  d.status = 'Ready';
  d.target.status = 'Ready';
  run.touch();
  d.deploymentStatusMessages.push(
    'The replacement task set is ready; waiting for traffic to be rerouted (ContinueDeployment READY_WAIT).',
  );
  run.log('Ready: waiting for ContinueDeployment');
  // Unset, AWS's upper bound (2 days) applies.
  const continued = await run.waitOrContinue('READY_WAIT', (waitTimeInMinutes ?? 2880) * MINUTE_MS);
  if (!continued) {
    run.stopRequest = { kind: 'readyTimeout', rollback: false };
    throw new StopSignal('readyTimeout');
  }
  d.status = 'InProgress';
  d.target.status = 'InProgress';
  run.touch();
  run.log('rerouting traffic (ContinueDeployment)');
}

/**
 * The ECS target's taskSetsInfo: each task set with its production traffic weight.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_ECSTaskSet.html
 * taskSetLabel is the TargetLabel enum, whose wire values are `Blue` and `Green` (the SDK's
 * TargetLabel.BLUE === 'Blue'), although the prose writes BLUE and GREEN.
 */
export function taskSetsInfo(
  deps: CodeDeployDeps,
  d: Deployment,
  group: DeploymentGroup | undefined,
): Record<string, unknown>[] {
  if (d.target.finalTaskSets && d.status !== 'InProgress' && d.status !== 'Ready' && d.status !== 'Created') {
    return d.target.finalTaskSets;
  }
  const prodListenerArn = group?.loadBalancerInfo.targetGroupPairInfoList?.[0]?.prodTrafficRoute?.listenerArns?.[0];
  const listener = prodListenerArn ? deps.lb.listener(prodListenerArn) : undefined;
  const weights = listener?.weights() ?? [];
  const total = weights.reduce((sum, w) => sum + w.weight, 0);
  const out: Record<string, unknown>[] = [];
  for (const [label, ref] of [
    ['Blue', d.target.blue],
    ['Green', d.target.green],
  ] as [string, TaskSetRef | undefined][]) {
    if (!ref?.taskSetId) continue;
    let ts: TaskSetInfo;
    try {
      ts = deps.ecs.taskSet(d.target.cluster, d.target.service, ref.taskSetId);
    } catch {
      continue; // deleted
    }
    const own = weights.find((w) => w.targetGroupArn === ref.targetGroupArn)?.weight ?? 0;
    out.push({
      identifer: ts.id,
      desiredCount: ts.desiredCount,
      pendingCount: ts.pendingCount,
      runningCount: ts.runningCount,
      status: ts.status,
      trafficWeight: total > 0 ? (own * 100) / total : 0,
      targetGroup: { name: ref.targetGroupName },
      taskSetLabel: label,
    });
  }
  return out;
}
