/** CodeDeploy reads that wake on cancellation, and tolerate a deployment that has not started yet. */
import {
  type DeploymentInfo,
  type ECSTarget,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
} from '@aws-sdk/client-codedeploy';
import { awsCall, AwsCallError } from '../../../../lib/aws.js';
import { cancelledFrom, throwIfCancelled } from '../../../../lib/cancel.js';
import { ActionFailure } from '../../../../lib/errors.js';
import type { DeployDeps } from '../deps.js';

type SendOptions = { abortSignal?: AbortSignal };

export async function read<T>(
  deps: DeployDeps,
  resource: string,
  call: (options: SendOptions) => Promise<T>,
): Promise<T> {
  throwIfCancelled(deps.signal);
  try {
    return await awsCall(resource, () => call({ abortSignal: deps.signal }));
  } catch (error) {
    if (deps.signal.aborted) throw cancelledFrom(deps.signal);
    throw error;
  }
}

export async function getDeployment(deps: DeployDeps, id: string): Promise<DeploymentInfo> {
  const answer = await read(deps, `deployment ${id}`, (options) =>
    deps.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }), options),
  );
  if (!answer.deploymentInfo) throw new ActionFailure(`GetDeployment returned nothing for ${id}`);
  return answer.deploymentInfo;
}

/** Errors that only mean "not there yet" while a deployment starts. */
const NOT_YET = ['DeploymentTargetDoesNotExistException', 'DeploymentNotStartedException'];

export async function listTargets(deps: DeployDeps, id: string): Promise<string[]> {
  try {
    const answer = await read(deps, `deployment ${id}`, (options) =>
      deps.codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId: id }), options),
    );
    return answer.targetIds ?? [];
  } catch (error) {
    if (error instanceof AwsCallError && NOT_YET.includes(error.code ?? '')) return [];
    throw error;
  }
}

export async function getTarget(deps: DeployDeps, id: string, targetId: string): Promise<ECSTarget | undefined> {
  try {
    const answer = await read(deps, `deployment target ${targetId} of ${id}`, (options) =>
      deps.codedeploy.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId }), options),
    );
    return answer.deploymentTarget?.ecsTarget;
  } catch (error) {
    // The target appears a moment after the deployment is created.
    if (error instanceof AwsCallError && NOT_YET.includes(error.code ?? '')) return undefined;
    throw error;
  }
}
