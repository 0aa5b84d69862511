/**
 * The Install event: checks the service and the AppSpec's task definition as ECS does, creates the
 * replacement task set on the free target group of the pair and waits until it is healthy.
 */
import type { TaskSetInfo } from '../../contracts.js';
import { MINUTE_MS } from './configs.js';
import { DeploymentFailure, errorText } from './failures.js';
import type { DeploymentGroup } from './model.js';
import type { Run } from './run.js';
import { routeAll, weightOf } from './traffic.js';

/**
 * How long Install waits for the replacement task set to be healthy. AWS fails the deployment
 * with "The deployment timed out while waiting for the replacement task set to become healthy.
 * This time out period is 60 minutes."
 */
const INSTALL_TIMEOUT_MS = 60 * MINUTE_MS;

/** Install: create the replacement task set on the other target group of the pair and wait until it is healthy. */
export async function install(
  run: Run,
  group: DeploymentGroup,
  prodListenerArn?: string,
  testListenerArn?: string,
): Promise<void> {
  const { d, deps } = run;
  const appSpec = d.appSpec!;
  const { cluster, service } = d.target;
  let svc;
  try {
    svc = deps.ecs.service(cluster, service);
  } catch (error) {
    throw new DeploymentFailure(
      'INVALID_ECS_SERVICE',
      `The ECS service ${service} in cluster ${cluster} cannot be deployed: ${errorText(error)}`,
    );
  }
  if (svc.status !== 'ACTIVE') {
    throw new DeploymentFailure('INVALID_ECS_SERVICE', `The ECS service ${service} is ${svc.status}, not ACTIVE.`);
  }
  // ECS checks these when CodeDeploy creates the task set; its messages come back as ECS_UPDATE_ERROR.
  const taskDefinition = deps.ecs.taskDefinition(appSpec.taskDefinition);
  if (!taskDefinition) {
    throw new DeploymentFailure(
      'ECS_UPDATE_ERROR',
      `Unable to find the task definition ${appSpec.taskDefinition} given in the AppSpec file.`,
    );
  }
  if (taskDefinition.status !== 'ACTIVE') {
    throw new DeploymentFailure('ECS_UPDATE_ERROR', `TaskDefinition ${taskDefinition.taskDefinitionArn} is inactive.`);
  }
  const container = taskDefinition.containerDefinitions.find((c) => c.name === appSpec.containerName);
  if (!container) {
    throw new DeploymentFailure(
      'ECS_UPDATE_ERROR',
      `The container ${appSpec.containerName} does not exist in the task definition ${taskDefinition.taskDefinitionArn}.`,
    );
  }
  if (!(container.portMappings ?? []).some((p) => p.containerPort === appSpec.containerPort)) {
    throw new DeploymentFailure(
      'ECS_UPDATE_ERROR',
      `The container ${appSpec.containerName} did not have a container port ${appSpec.containerPort} defined.`,
    );
  }

  // CodeDeploy gives the replacement the target group the PRIMARY task set does not use.
  // https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-steps-ecs.html#deployment-steps-prerequisites-ecs
  const names = (group.loadBalancerInfo.targetGroupPairInfoList?.[0]?.targetGroups ?? []).map((tg) => tg.name ?? '');
  const pair = names.map((name) => deps.lb.targetGroupByName(name));
  if (pair.length !== 2 || pair.some((tg) => !tg)) {
    throw new DeploymentFailure(
      'ELASTIC_LOAD_BALANCING_INVALID',
      `The deployment group's target groups ${names.join(', ')} could not all be found.`,
    );
  }
  const [first, second] = pair as [NonNullable<(typeof pair)[0]>, NonNullable<(typeof pair)[0]>];
  const primary = svc.taskSets.find((ts) => ts.status === 'PRIMARY');
  let blueArn = primary?.targetGroupArn ?? svc.loadBalancer?.targetGroupArn;
  if (blueArn !== first.arn && blueArn !== second.arn) {
    // No task set serves yet: treat the target group production now favours as blue.
    blueArn =
      weightOf(deps.lb, prodListenerArn, second.arn) > weightOf(deps.lb, prodListenerArn, first.arn)
        ? second.arn
        : first.arn;
  }
  const blueTg = blueArn === first.arn ? first : second;
  const greenTg = blueTg === first ? second : first;
  d.target.blue = { taskSetId: primary?.id, targetGroupArn: blueTg.arn, targetGroupName: blueTg.name };
  d.target.green = { targetGroupArn: greenTg.arn, targetGroupName: greenTg.name };

  // A stopped deployment without rollback leaves its task set behind; clear it away from traffic first.
  for (const leftover of svc.taskSets.filter((ts) => ts.status === 'ACTIVE')) {
    routeAll(deps.lb, prodListenerArn, blueTg.arn, greenTg.arn, 0);
    routeAll(deps.lb, testListenerArn, blueTg.arn, greenTg.arn, 0);
    run.log(`removing task set ${leftover.id} left by an earlier deployment`);
    await run.untilStopped(deps.ecs.deleteTaskSet(cluster, service, leftover.id));
  }

  let created: TaskSetInfo;
  try {
    created = deps.ecs.createTaskSet(cluster, service, {
      taskDefinition: taskDefinition.taskDefinitionArn,
      targetGroupArn: greenTg.arn,
      containerName: appSpec.containerName,
      containerPort: appSpec.containerPort,
      externalId: d.deploymentId,
      scalePercent: 100,
    });
  } catch (error) {
    throw new DeploymentFailure('ECS_UPDATE_ERROR', `The ECS service cannot be updated: ${errorText(error)}`);
  }
  d.target.green.taskSetId = created.id;
  run.touch();
  run.log(`replacement task set ${created.id} created on ${greenTg.name}`);
  await waitHealthy(run, created.id);
}

/**
 * Waits (bounded) until every replacement task is healthy. Tasks that keep stopping fail the
 * deployment as soon as as many have stopped as the task set wants, instead of after AWS's full
 * 60 minutes, so a crashing image fails in seconds; the message carries their stoppedReason.
 */
async function waitHealthy(run: Run, taskSetId: string): Promise<void> {
  const { cluster, service } = run.d.target;
  const pollMs = pollPeriodMs(run);
  let waited = 0;
  for (;;) {
    const ts = run.deps.ecs.taskSet(cluster, service, taskSetId);
    if (ts.healthyCount >= ts.desiredCount && ts.runningCount >= ts.desiredCount) return;
    if (ts.stoppedReasons.length >= Math.max(1, ts.desiredCount)) throw unhealthyFailure(ts);
    if (waited >= INSTALL_TIMEOUT_MS) {
      throw new DeploymentFailure(
        'ECS_UPDATE_ERROR',
        'The deployment timed out while waiting for the replacement task set to become healthy. This time out period is 60 minutes.' +
          stoppedReasonsText(ts),
        { errorCode: 'ScriptTimedOut', logTail: ts.stoppedReasons.join('\n') },
      );
    }
    await run.deps.clock.sleep(pollMs, run.signal);
    waited += pollMs;
  }
}

/** Poll period in AWS ms: one AWS second, but never more often than every 25 real ms. */
function pollPeriodMs(run: Run): number {
  return Math.max(1000, 25 * run.deps.clock.scale);
}

function unhealthyFailure(ts: TaskSetInfo): DeploymentFailure {
  return new DeploymentFailure(
    'ECS_UPDATE_ERROR',
    `The deployment failed because the replacement task set ${ts.id} did not become healthy: ` +
      `${ts.stoppedReasons.length} of its tasks stopped (desired ${ts.desiredCount}, healthy ${ts.healthyCount}).` +
      stoppedReasonsText(ts),
    {
      errorCode: 'ScriptFailed',
      message: `Replacement tasks stopped.${stoppedReasonsText(ts)}`,
      logTail: ts.stoppedReasons.join('\n'),
    },
  );
}

function stoppedReasonsText(ts: TaskSetInfo): string {
  if (ts.stoppedReasons.length === 0) return '';
  const distinct = [...new Set(ts.stoppedReasons)].slice(0, 3);
  return ` Stopped reason: ${distinct.join(' | ')}`;
}
