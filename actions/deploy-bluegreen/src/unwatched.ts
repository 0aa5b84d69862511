/**
 * wait: false. The action returns once CodeDeploy has accepted the deployment: its id, status and
 * console link are the whole result, and the post step must not stop it on a later cancel, since
 * this run no longer owns it.
 */
import { GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { awsCall } from '../../../lib/aws.js';
import { deploymentConsoleUrl } from './codedeploy.js';
import { STATE, type DeployDeps, type DeploymentRecord } from './deps.js';

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
