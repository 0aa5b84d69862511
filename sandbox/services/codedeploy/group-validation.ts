/**
 * Deployment groups: the validation CreateDeploymentGroup and UpdateDeploymentGroup share, and
 * the rollback settings CreateDeployment checks too.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeploymentGroup.html
 */
import { AwsError } from '../../contracts.js';
import type { AutoRollbackConfiguration, DeploymentGroup } from './model.js';
import type { CodeDeployParts } from './store.js';

/** An ECS group: blue/green with traffic control, one CODE_DEPLOY service of its own, one target group pair. */
export function validateEcsGroup(
  { deps, store }: Pick<CodeDeployParts, 'deps' | 'store'>,
  group: DeploymentGroup,
  otherGroups: DeploymentGroup[],
): void {
  const style = group.deploymentStyle;
  if (style.deploymentType !== 'BLUE_GREEN' || style.deploymentOption !== 'WITH_TRAFFIC_CONTROL') {
    throw new AwsError(
      'InvalidDeploymentStyleException',
      'An ECS deployment group must use deploymentType BLUE_GREEN with deploymentOption WITH_TRAFFIC_CONTROL.',
    );
  }
  if (group.ecsServices.length !== 1) {
    throw new AwsError(
      'InvalidECSServiceException',
      'An ECS deployment group must name exactly one ECS service (ecsServices).',
    );
  }
  const { clusterName, serviceName } = group.ecsServices[0]!;
  let service;
  try {
    service = deps.ecs.service(clusterName, serviceName);
  } catch (error) {
    const reason = error instanceof AwsError ? `${error.code}: ${error.message}` : String(error);
    throw new AwsError(
      'InvalidECSServiceException',
      `The ECS service ${serviceName} in cluster ${clusterName} is not valid: ${reason}`,
    );
  }
  if (service.deploymentController !== 'CODE_DEPLOY') {
    throw new AwsError(
      'InvalidECSServiceException',
      "Deployment group's ECS service must be configured for a CODE_DEPLOY deployment controller.",
    );
  }
  const taken = otherGroups.find((g) =>
    g.ecsServices.some((s) => s.clusterName === clusterName && s.serviceName === serviceName),
  );
  if (taken) {
    throw new AwsError(
      'ECSServiceMappingLimitExceededException',
      `The Amazon ECS service is associated with more than one deployment groups. An Amazon ECS service can be associated with only one deployment group. (${taken.applicationName}/${taken.deploymentGroupName})`,
    );
  }
  const pairs = group.loadBalancerInfo.targetGroupPairInfoList ?? [];
  if (pairs.length !== 1) {
    throw new AwsError(
      'InvalidLoadBalancerInfoException',
      'An ECS deployment group needs loadBalancerInfo.targetGroupPairInfoList with one target group pair.',
    );
  }
  const pair = pairs[0]!;
  const names = (pair.targetGroups ?? []).map((tg) => tg.name);
  if (names.length !== 2 || names.some((name) => !name) || names[0] === names[1]) {
    throw new AwsError('InvalidTargetGroupPairException', 'A target group pair must name two different target groups.');
  }
  for (const name of names) {
    if (!deps.lb.targetGroupByName(name!))
      throw new AwsError('InvalidTargetGroupPairException', `Target group ${name} was not found.`);
  }
  const prod = pair.prodTrafficRoute?.listenerArns ?? [];
  const test = pair.testTrafficRoute?.listenerArns ?? [];
  if (prod.length !== 1) {
    throw new AwsError(
      'InvalidTargetGroupPairException',
      'A target group pair needs exactly one production listener (prodTrafficRoute.listenerArns).',
    );
  }
  if (test.length > 1) {
    throw new AwsError(
      'InvalidTargetGroupPairException',
      'A target group pair can have at most one test listener (testTrafficRoute.listenerArns).',
    );
  }
  for (const arn of [...prod, ...test]) {
    if (!deps.lb.listener(arn))
      throw new AwsError('InvalidLoadBalancerInfoException', `Listener ${arn} was not found.`);
  }
  const bg = group.blueGreenDeploymentConfiguration;
  const termination = bg.terminateBlueInstancesOnDeploymentSuccess;
  const ready = bg.deploymentReadyOption;
  if (
    (termination?.action && !['TERMINATE', 'KEEP_ALIVE'].includes(termination.action)) ||
    (termination?.terminationWaitTimeInMinutes !== undefined &&
      (termination.terminationWaitTimeInMinutes < 0 || termination.terminationWaitTimeInMinutes > 2880)) ||
    (ready?.actionOnTimeout && !['CONTINUE_DEPLOYMENT', 'STOP_DEPLOYMENT'].includes(ready.actionOnTimeout)) ||
    (ready?.waitTimeInMinutes !== undefined && ready.waitTimeInMinutes < 0)
  ) {
    throw new AwsError(
      'InvalidBlueGreenDeploymentConfigurationException',
      'The blueGreenDeploymentConfiguration is not valid: termination action TERMINATE or KEEP_ALIVE with a wait of 0-2880 minutes; actionOnTimeout CONTINUE_DEPLOYMENT or STOP_DEPLOYMENT.',
    );
  }
  store.requireConfig(group.deploymentConfigName, 'ECS');
}

export function validateRollback(config: AutoRollbackConfiguration | undefined): void {
  if (!config) return;
  const allowed = ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'];
  if ((config.events ?? []).some((e) => !allowed.includes(e))) {
    throw new AwsError(
      'InvalidAutoRollbackConfigException',
      `Auto rollback events must be among ${allowed.join(', ')}.`,
    );
  }
  if (config.enabled && (config.events ?? []).length === 0) {
    throw new AwsError('InvalidAutoRollbackConfigException', 'Auto rollback is enabled but no events are specified.');
  }
}
