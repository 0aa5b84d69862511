/**
 * wait: false. The action returns once CodeDeploy has accepted the deployment (or UpdateService
 * has started the ECS service deployment): its id, status and console link are the whole result,
 * and the post step must not stop it on a later cancel, since this run no longer owns it.
 */
import { GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { DescribeServiceDeploymentsCommand, type Service } from '@aws-sdk/client-ecs';
import { awsCall } from '../../../lib/aws.js';
import { deploymentConsoleUrl } from './codedeploy/shared.js';
import { STATE, type DeployDeps, type DeploymentRecord } from './deps.js';
import { serviceDeploymentsConsoleUrl, type EcsPlan } from './ecs-native/plan.js';

export async function leaveUnwatched(deps: DeployDeps, record: DeploymentRecord): Promise<DeploymentRecord> {
  deps.saveState(STATE.finished, 'true');
  record.notWatched = true;
  // One read for the status CodeDeploy gives it now (Created, Queued or InProgress).
  const answer = await awsCall(`deployment ${record.id}`, () =>
    deps.codedeploy.send(new GetDeploymentCommand({ deploymentId: record.id })),
  );
  record.status = answer.deploymentInfo?.status ?? 'Created';
  deps.logger.info(
    `wait is false: deployment ${record.id} is ${record.status} and goes on without this action; nobody watches it to the end or rolls it back on cancel. Follow it at ${deploymentConsoleUrl(deps.region, record.id)}`,
  );
  return record;
}

/**
 * The ECS controller: UpdateService's answer names the service deployment it started
 * (Service.currentServiceDeployment); one DescribeServiceDeployments gives its status (PENDING or
 * IN_PROGRESS at first). An answer without it (an older API) falls back to the PRIMARY
 * deployment's id and rolloutState.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html
 */
export async function leaveEcsUnwatched(
  deps: DeployDeps,
  plan: Pick<EcsPlan, 'cluster' | 'service'>,
  record: DeploymentRecord,
  service: Service | undefined,
): Promise<DeploymentRecord> {
  deps.saveState(STATE.finished, 'true');
  record.notWatched = true;
  const arn = service?.currentServiceDeployment;
  if (arn) {
    record.id = arn;
    const answer = await awsCall(`service deployment ${arn}`, () =>
      deps.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] })),
    );
    record.status = answer.serviceDeployments?.[0]?.status ?? 'PENDING';
  } else {
    const primary = service?.deployments?.find((d) => d.status === 'PRIMARY');
    record.id = primary?.id ?? '';
    record.status = primary?.rolloutState ?? 'IN_PROGRESS';
  }
  deps.logger.info(
    `wait is false: service deployment ${record.id} of ${plan.cluster}/${plan.service} is ${record.status} and goes on without this action; nobody watches it to the end or rolls it back on cancel. Follow it at ${serviceDeploymentsConsoleUrl(deps.region, plan)}`,
  );
  return record;
}
