/**
 * Removing the task set a deployment is done with: the original after a success (once the
 * termination wait is over), or the replacement when a ready wait timed out.
 */
import { MINUTE_MS } from './configs.js';
import type { Run } from './run.js';
import { routeTestTraffic } from './traffic.js';

/**
 * After AllowTraffic the deployment stays InProgress through the termination wait and reports
 * Succeeded once the original task set is gone (CI tools that wait for success wait it out:
 * https://github.com/aws-actions/amazon-ecs-deploy-task-definition/issues/345).
 * ContinueDeployment(TERMINATION_WAIT) ends the wait early.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_BlueInstanceTerminationOption.html
 */
export async function terminateOriginal(run: Run): Promise<void> {
  const { d, deps } = run;
  const option = d.blueGreenDeploymentConfiguration.terminateBlueInstancesOnDeploymentSuccess;
  const { blue, cluster, service } = d.target;
  if (option?.action === 'KEEP_ALIVE' || !blue?.taskSetId) return;
  d.instanceTerminationWaitTimeStarted = true;
  run.touch();
  const minutes = option?.terminationWaitTimeInMinutes ?? 0;
  if (minutes > 0) {
    run.log(`waiting ${minutes} min before terminating the original task set`);
    await run.waitOrContinue('TERMINATION_WAIT', minutes * MINUTE_MS);
  }
  run.freezeTaskSets();
  run.log(`terminating the original task set ${blue.taskSetId}`);
  await run.untilStopped(deps.ecs.deleteTaskSet(cluster, service, blue.taskSetId));
}

/** A ready wait that timed out never moved production traffic: the original keeps serving, the replacement goes. */
export async function discardReplacement(run: Run): Promise<void> {
  const { d, deps } = run;
  const { blue, green, cluster, service } = d.target;
  const group = run.host.group(d.applicationName, d.deploymentGroupName);
  const testListenerArn = group?.loadBalancerInfo.targetGroupPairInfoList?.[0]?.testTrafficRoute?.listenerArns?.[0];
  routeTestTraffic(run, testListenerArn, 'blue');
  if (!green?.taskSetId || !blue) return;
  await deps.ecs.deleteTaskSet(cluster, service, green.taskSetId).catch(() => undefined);
}
