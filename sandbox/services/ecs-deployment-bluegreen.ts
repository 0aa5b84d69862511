/**
 * BLUE_GREEN, LINEAR and CANARY service deployments (ECS's native blue/green, 2025): green
 * revision scaled up behind the alternate target group, test then production listener shifted,
 * all at once or in steps, lifecycle hooks at the stages they name, bake time, blue removed; on
 * failure or a stop request, traffic back to blue and green removed.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html
 */
import type { Listener } from '../contracts.js';
import { Aborted, finishDeployment, type EngineDeps } from './ecs-deployment-core.js';
import {
  lambdaAnswer,
  listenerWeights,
  parseLifecycleHooks,
  productionSteps,
  settleHookRuns,
  startHookRuns,
  type HookStage,
} from './ecs-hooks.js';
import type { LifecycleStage, ServiceDeployment } from './ecs-model.js';

function listener(deps: EngineDeps, ref: string | undefined): Listener | undefined {
  if (!ref) return undefined;
  // Listener rule ARNs (…:listener-rule/app/<lb>/<id>/<listener>/<rule>) resolve to their listener.
  return (
    deps.lb.listener(ref) ?? deps.lb.listener(ref.replace(':listener-rule/', ':listener/').replace(/\/[^/]+$/, ''))
  );
}

async function waitFor(
  deps: EngineDeps,
  deployment: ServiceDeployment,
  condition: () => boolean,
  checkFailure = true,
): Promise<void> {
  const signal = deployment.abort.signal;
  for (;;) {
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Aborted('aborted');
    if (deployment.lifecycleStage !== 'CLEAN_UP') {
      // Blue and green both follow the desired count (UpdateService) until blue is removed.
      for (const fleet of [deployment.target, ...deployment.sources])
        fleet.desiredCount = deployment.service.desiredCount;
    }
    deps.scheduler.reconcile(deployment.service);
    if (condition()) return;
    if (checkFailure) checkGreenFailures(deployment);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function checkGreenFailures(deployment: ServiceDeployment): void {
  deployment.circuitBreaker.failureCount = deployment.target.failedTasks;
  if (
    deployment.circuitBreaker.status === 'MONITORING' &&
    deployment.target.failedTasks >= deployment.circuitBreaker.threshold
  ) {
    deployment.circuitBreaker.status = 'TRIGGERED';
    throw new GreenFailed('ECS deployment circuit breaker: tasks failed to start.');
  }
}

function enterStage(deps: EngineDeps, deployment: ServiceDeployment, stage: LifecycleStage): void {
  deployment.lifecycleStage = stage;
  deployment.hookRuns = [];
  deployment.updatedAt = new Date();
  deps.log(`${deployment.service.name}: service deployment stage ${stage}`);
}

/** Runs a BLUE_GREEN, LINEAR or CANARY deployment through its lifecycle stages to the end. */
export async function runBlueGreen(deps: EngineDeps, deployment: ServiceDeployment): Promise<void> {
  const { service, target } = deployment;
  const scheduler = deps.scheduler;
  const lb0 = service.loadBalancers[0]!;
  const advanced = lb0.advancedConfiguration!;
  const blueGroup = service.productionTargetGroupArn ?? lb0.targetGroupArn;
  const greenGroup = blueGroup === lb0.targetGroupArn ? advanced.alternateTargetGroupArn : lb0.targetGroupArn;
  const production = listener(deps, advanced.productionListenerRule);
  const test = listener(deps, advanced.testListenerRule);
  const sources = deployment.sources;
  target.targetGroupArn = greenGroup;
  const weights = (green: number) => listenerWeights(blueGroup, greenGroup, green);
  const record = (map: Map<string, number>, green: number) => {
    map.set(target.id, green);
    for (const source of sources) map.set(source.id, 100 - green);
  };
  record(deployment.productionWeights, 0);
  record(deployment.testWeights, 0);

  deployment.status = 'IN_PROGRESS';
  deployment.startedAt = new Date();
  try {
    enterStage(deps, deployment, 'RECONCILE_SERVICE');
    // "only happens when you start a new service deployment with more than 1 service revision in an ACTIVE state"
    // (DeploymentLifecycleHook.lifecycleStages, API reference)
    if (sources.length > 1) await runHooks(deps, deployment, 'RECONCILE_SERVICE');
    enterStage(deps, deployment, 'PRE_SCALE_UP');
    await runHooks(deps, deployment, 'PRE_SCALE_UP');
    enterStage(deps, deployment, 'SCALE_UP');
    await waitFor(deps, deployment, () => scheduler.fleetStable(target));
    enterStage(deps, deployment, 'POST_SCALE_UP');
    await runHooks(deps, deployment, 'POST_SCALE_UP');
    enterStage(deps, deployment, 'TEST_TRAFFIC_SHIFT');
    test?.setWeights(weights(100));
    record(deployment.testWeights, 100);
    await runHooks(deps, deployment, 'TEST_TRAFFIC_SHIFT');
    enterStage(deps, deployment, 'POST_TEST_TRAFFIC_SHIFT');
    await runHooks(deps, deployment, 'POST_TEST_TRAFFIC_SHIFT');
    // The API model has no PRE_PRODUCTION_TRAFFIC_SHIFT lifecycle stage to report: its hooks run
    // while the deployment still reports POST_TEST_TRAFFIC_SHIFT (our assumption).
    await runHooks(deps, deployment, 'PRE_PRODUCTION_TRAFFIC_SHIFT');
    enterStage(deps, deployment, 'PRODUCTION_TRAFFIC_SHIFT');
    await shiftProduction(deps, deployment, (green) => {
      production?.setWeights(weights(green));
      record(deployment.productionWeights, green);
    });
    service.productionTargetGroupArn = greenGroup;
    enterStage(deps, deployment, 'POST_PRODUCTION_TRAFFIC_SHIFT');
    await runHooks(deps, deployment, 'POST_PRODUCTION_TRAFFIC_SHIFT');
    enterStage(deps, deployment, 'BAKE_TIME');
    const bakeMs = (deployment.deploymentConfiguration.bakeTimeInMinutes ?? 0) * 60_000;
    const bakeEnd = Date.now() + deps.clock.toRealMs(bakeMs);
    // Green tasks failing while baking still roll back.
    await waitFor(deps, deployment, () => Date.now() >= bakeEnd);
    enterStage(deps, deployment, 'CLEAN_UP');
    for (const source of sources) {
      source.desiredCount = 0;
      source.status = 'DRAINING';
    }
    await waitFor(
      deps,
      deployment,
      () => sources.every((s) => s.tasks.every((t) => t.lastStatus === 'STOPPED')),
      false,
    );
    for (const source of sources) source.status = 'INACTIVE';
    service.fleets = service.fleets.filter((f) => !sources.includes(f));
    target.rolloutState = 'COMPLETED';
    target.rolloutStateReason = `ECS deployment ${target.id} completed.`;
    finishDeployment(deployment, 'SUCCESSFUL');
    scheduler.event(service, `(service ${service.name}) (deployment ${target.id}) deployment completed.`);
  } catch (error) {
    const requested = deployment.stopRequest;
    if (requested === 'ABORT' && error instanceof Aborted && service.status !== 'ACTIVE') {
      finishDeployment(deployment, 'STOPPED');
      return;
    }
    const reason =
      error instanceof GreenFailed || error instanceof HookFailed
        ? error.message
        : requested === 'ROLLBACK'
          ? 'Service deployment rolled back because of a stop request.'
          : requested === 'ABORT'
            ? (deployment.statusReason ?? 'Service deployment stopped.')
            : `Service deployment failed: ${(error as Error).message}`;
    await rollBackBlueGreen(deps, deployment, blueGroup, greenGroup, production, test, reason);
  }
}

/**
 * Production traffic to green in the strategy's steps. Hooks for PRODUCTION_TRAFFIC_SHIFT run
 * at each step ("invoked in each production traffic shift step", linear deployments page),
 * after the step's shift (the order within a step is our assumption).
 */
async function shiftProduction(
  deps: EngineDeps,
  deployment: ServiceDeployment,
  shift: (green: number) => void,
): Promise<void> {
  const { percents, bakeMs } = productionSteps(deployment.deploymentConfiguration);
  for (const [i, green] of percents.entries()) {
    shift(green);
    deployment.updatedAt = new Date();
    deps.log(`${deployment.service.name}: production traffic ${green}% to green`);
    await runHooks(deps, deployment, 'PRODUCTION_TRAFFIC_SHIFT');
    if (i === percents.length - 1 || bakeMs === 0) continue;
    // "This bake time is not applied after reaching 100 percent traffic." (LinearConfiguration)
    const end = Date.now() + deps.clock.toRealMs(bakeMs);
    await waitFor(deps, deployment, () => Date.now() >= end);
  }
}

/** Runs the hooks configured for the stage; every one must complete before the deployment moves on. */
async function runHooks(deps: EngineDeps, deployment: ServiceDeployment, stage: HookStage): Promise<void> {
  const hooks = parseLifecycleHooks(deployment.deploymentConfiguration.lifecycleHooks);
  const toRealMs = (ms: number) => deps.clock.toRealMs(ms);
  const runs = startHookRuns(hooks, stage, Date.now(), toRealMs);
  if (runs.length === 0) return;
  deployment.hookRuns = runs;
  deployment.updatedAt = new Date();
  deps.log(`${deployment.service.name}: ${runs.length} lifecycle hook(s) at ${stage}`);
  await waitFor(deps, deployment, () => {
    const outcome = settleHookRuns(runs, Date.now(), toRealMs, (arn) => lambdaAnswer(deps.faults.current(), arn));
    if (typeof outcome === 'object') throw new HookFailed(outcome.rollback);
    return outcome === 'done';
  });
}

/** Production and test traffic back to blue, green removed. */
async function rollBackBlueGreen(
  deps: EngineDeps,
  deployment: ServiceDeployment,
  blueGroup: string,
  greenGroup: string,
  production: Listener | undefined,
  test: Listener | undefined,
  reason: string,
): Promise<void> {
  const { service, target, sources } = deployment;
  const scheduler = deps.scheduler;
  const superseded = deployment.stopRequest === 'ABORT';
  deployment.status = superseded ? 'STOP_REQUESTED' : 'ROLLBACK_IN_PROGRESS';
  deployment.statusReason = reason;
  // A hook still waiting when the deployment stops waits no more: keep only the ones that ended.
  deployment.hookRuns = deployment.hookRuns.filter((r) => r.status !== 'AWAITING_ACTION' && r.status !== 'IN_PROGRESS');
  const restore = sources[0];
  if (!superseded)
    deployment.rollback = { reason, startedAt: new Date(), serviceRevisionArn: restore?.revisionArn ?? '' };
  const back = [
    { targetGroupArn: blueGroup, weight: 100 },
    { targetGroupArn: greenGroup, weight: 0 },
  ];
  production?.setWeights(back);
  test?.setWeights(back);
  service.productionTargetGroupArn = blueGroup;
  deployment.productionWeights.set(target.id, 0);
  deployment.testWeights.set(target.id, 0);
  for (const source of sources) {
    deployment.productionWeights.set(source.id, 100);
    deployment.testWeights.set(source.id, 100);
  }
  target.rolloutState = 'FAILED';
  target.rolloutStateReason = reason;
  target.status = 'DRAINING';
  target.desiredCount = 0;
  if (restore) {
    restore.status = 'PRIMARY';
    restore.desiredCount = service.desiredCount;
    service.fleets = [restore, ...service.fleets.filter((f) => f !== restore)];
  }
  scheduler.event(
    service,
    `(service ${service.name}) (deployment ${target.id}) ${superseded ? 'stopped' : 'rolling back'}: ${reason}`,
  );
  const deadline = Date.now() + 120_000;
  while (target.tasks.some((t) => t.lastStatus !== 'STOPPED') && Date.now() < deadline) {
    scheduler.reconcile(service);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  target.status = 'INACTIVE';
  service.fleets = service.fleets.filter((f) => f !== target);
  finishDeployment(deployment, superseded ? 'STOPPED' : 'ROLLBACK_SUCCESSFUL');
}

class GreenFailed extends Error {}
/** A lifecycle hook failed, was continued with ROLLBACK, or timed out with ROLLBACK. */
class HookFailed extends Error {}
