/**
 * The ECS lifecycle events: each one run in turn with its AppSpec hooks and the sandbox's faults,
 * and the forward deployment that runs them all in AWS's order.
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-steps-ecs.html#deployment-steps-what-happens
 */
import { ECS_HOOKABLE_EVENTS, ECS_LIFECYCLE_EVENTS, type EcsLifecycleEvent } from './appspec.js';
import { DeploymentFailure } from './failures.js';
import { answerHook } from './hooks.js';
import { install } from './install.js';
import type { Run } from './run.js';
import { terminateOriginal } from './termination.js';
import { readyWait, routeTestTraffic, shiftProductionTraffic } from './traffic.js';

/** The forward deployment: every event in order, the ready wait if asked for, then the original goes. */
export async function runDeployment(run: Run): Promise<void> {
  const group = run.requireGroup();
  const pair = group.loadBalancerInfo.targetGroupPairInfoList?.[0] ?? {};
  const prodListenerArn = pair.prodTrafficRoute?.listenerArns?.[0];
  const testListenerArn = pair.testTrafficRoute?.listenerArns?.[0];
  const readyOption = run.d.blueGreenDeploymentConfiguration.deploymentReadyOption;

  for (const event of ECS_LIFECYCLE_EVENTS) {
    await runEvent(run, event, async () => {
      if (event === 'Install') await install(run, group, prodListenerArn, testListenerArn);
      else if (event === 'AllowTestTraffic') routeTestTraffic(run, testListenerArn, 'green');
      else if (event === 'AllowTraffic') await shiftProductionTraffic(run, prodListenerArn);
    });
    if (event === 'AfterAllowTestTraffic' && readyOption?.actionOnTimeout === 'STOP_DEPLOYMENT') {
      await readyWait(run, readyOption.waitTimeInMinutes);
    }
  }
  await terminateOriginal(run);
  run.recordSuccess();
}

/** Runs one lifecycle event: hooks succeed at once (no Lambda here), the fault can fail any event. */
export async function runEvent(run: Run, name: EcsLifecycleEvent, action?: () => Promise<void> | void): Promise<void> {
  const { d, deps } = run;
  run.throwIfStopped();
  const event = d.target.lifecycleEvents.find((e) => e.lifecycleEventName === name)!;
  event.status = 'InProgress';
  event.startTime = deps.clock.now();
  run.currentEvent = event;
  run.touch();
  const isHook = ECS_HOOKABLE_EVENTS.includes(name);
  const fault = deps.faults.current().failLifecycleEvent;
  // Rollbacks are exempt, so a fault aimed at a deployment still lets it roll back.
  if (fault === name && d.creator !== 'codeDeployRollback') {
    throw new DeploymentFailure(
      isHook ? 'HOOK_EXECUTION_FAILURE' : 'ECS_UPDATE_ERROR',
      `The deployment failed because the ${name} lifecycle event failed (sandbox fault failLifecycleEvent=${name}).`,
      { errorCode: 'ScriptFailed', message: `${name} failed: injected by the sandbox fault failLifecycleEvent` },
    );
  }
  const hookFunctions = isHook ? d.appSpec?.hooks[name] : undefined;
  if (hookFunctions?.length) {
    const answer = answerHook(name, hookFunctions, deps.faults.current());
    if (answer.status === 'Failed' && d.creator !== 'codeDeployRollback') {
      throw new DeploymentFailure('HOOK_EXECUTION_FAILURE', answer.diagnostics.message, answer.diagnostics);
    }
    event.diagnostics = answer.diagnostics;
  }
  await action?.();
  // LifecycleEventStatus includes Skipped ("the deployment lifecycle event has been skipped");
  // https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_LifecycleEvent.html
  // Which events AWS reports that way is not documented: that a hook event with no hook may be
  // Skipped is our assumption, so the sandbox does it only when asked (fault skipHooklessLifecycleEvents).
  const skipped = isHook && !hookFunctions?.length && deps.faults.current().skipHooklessLifecycleEvents === true;
  event.status = skipped ? 'Skipped' : 'Succeeded';
  event.endTime = deps.clock.now();
  run.currentEvent = undefined;
  run.touch();
  run.log(`${name} ${event.status}`);
}
