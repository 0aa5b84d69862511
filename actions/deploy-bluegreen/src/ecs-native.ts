/**
 * Services with the ECS deployment controller. BLUE_GREEN, LINEAR and CANARY: UpdateService, then
 * watch the service deployment through its lifecycle stages and traffic steps; at a pause hook run
 * the test-traffic gate and continue or roll back; stop with ROLLBACK on timeout or cancel.
 * ROLLING: UpdateService, wait until the service is stable, fail when the deployment circuit
 * breaker rolled it back.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-linear.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/canary-deployment.html
 * The watches, the pause hook and the calls live in ecs-native/; this starts the deployment.
 */
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { awsCall } from '../../../lib/aws.js';
import type { DeployDeps, DeploymentRecord } from './deps.js';
import { leaveEcsUnwatched } from './unwatched.js';
import { watchServiceDeployment } from './ecs-native/bluegreen.js';
import { rememberServiceDeployment, type EcsPlan } from './ecs-native/plan.js';
import { watchRolling } from './ecs-native/rolling.js';

export { stagePosition } from './ecs-native-status.js';
export { stopServiceDeployment } from './ecs-native/calls.js';
export { serviceDeploymentsConsoleUrl, type EcsPlan } from './ecs-native/plan.js';

export async function deployWithEcs(
  deps: DeployDeps,
  plan: EcsPlan,
  onRecord?: (record: DeploymentRecord) => void,
): Promise<DeploymentRecord> {
  const started = deps.clock.now();
  const updated = await awsCall(`service ${plan.service} in cluster ${plan.cluster}`, () =>
    deps.ecs.send(
      new UpdateServiceCommand({
        cluster: plan.cluster,
        service: plan.service,
        taskDefinition: plan.taskDefinitionArn,
        ...(plan.desiredCount !== undefined ? { desiredCount: plan.desiredCount } : {}),
        ...(plan.forceNewDeployment ? { forceNewDeployment: true } : {}),
        ...(plan.enableEcsManagedTags !== undefined ? { enableECSManagedTags: plan.enableEcsManagedTags } : {}),
        ...(plan.propagateTags !== undefined ? { propagateTags: plan.propagateTags } : {}),
      }),
    ),
  );
  deps.logger.info(`Updated service ${plan.cluster}/${plan.service} to ${plan.taskDefinitionArn} (${plan.strategy}).`);
  const record: DeploymentRecord = {
    kind: 'ecs',
    id: '',
    strategy: plan.strategy,
    lifecycle: [],
    traffic: [],
    startTime: new Date(started),
  };
  // UpdateService names the service deployment it started: remember it at once, so a cancel or
  // timeout from here on can still stop it (here, or in the post step).
  // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html (currentServiceDeployment)
  if (plan.wait === false) {
    onRecord?.(record);
    return leaveEcsUnwatched(deps, plan, record, updated.service);
  }
  const current = plan.strategy === 'ROLLING' ? undefined : updated.service?.currentServiceDeployment;
  if (current) rememberServiceDeployment(deps, plan, record, current);
  onRecord?.(record);
  try {
    if (plan.strategy === 'ROLLING') await watchRolling(deps, plan, record);
    else await watchServiceDeployment(deps, plan, record, started);
  } finally {
    record.endTime = new Date(deps.clock.now());
  }
  return record;
}
