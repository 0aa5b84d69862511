/** A pause hook of an ECS-controller deployment: the test-traffic gate continues it or rolls it back. */
import type { DeploymentLifecycleHookDetail, ServiceDeployment } from '@aws-sdk/client-ecs';
import { ActionFailure } from '../../../../lib/errors.js';
import { formatDuration } from '../../../../lib/inputs.js';
import { ROLLBACK_WAIT_MS } from '../bounded.js';
import { STATE, type DeployDeps, type DeploymentRecord } from '../deps.js';
import { deploymentEnded, testTrafficReachesGreen } from '../ecs-native-status.js';
import { continueServiceDeployment, stopServiceDeployment, waitForServiceDeploymentEnd } from './calls.js';
import { serviceDeploymentsConsoleUrl, type EcsPlan } from './plan.js';

/**
 * A pause hook holds the deployment until ContinueServiceDeployment (or its timeout). With
 * test-url the test-traffic gate decides: CONTINUE when the checks pass, StopServiceDeployment
 * ROLLBACK with their message when they fail. Without it nothing here can decide, and waiting
 * would only run out the timeout: fail at once, saying how to continue by hand.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/pause-lifecycle-hooks.html
 */
export async function passPauseHook(
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
