/**
 * The post step's work (runs with `post-if: always()`): a deployment the main step started and did
 * not see finish (killed on cancel, or its own StopDeployment failed on timeout) is stopped now with
 * rollback. When the saved state says it finished, the post step makes no call and logs nothing.
 */
import { GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { DescribeServiceDeploymentsCommand } from '@aws-sdk/client-ecs';
import { awsCall } from '../../../lib/aws.js';
import { withTimeout } from '../../../lib/cancel.js';
import type { Logger } from '../../../lib/log.js';
import { STOP_CALL_MS } from './bounded.js';
import { ACTIVE_STATUSES, stopDeployment } from './codedeploy.js';
import type { CodeDeployApi, EcsApi } from './discovery.js';
import { stopServiceDeployment } from './ecs-native.js';
import { NOTHING_TO_DO, type SavedState } from './saved-state.js';

export type { SavedState };

const ECS_ACTIVE = ['PENDING', 'IN_PROGRESS'];

/** The post step runs in a cancelled job: every call is bounded (lib/cancel.ts withTimeout), none can hang it. */
const LOOK_CALL_MS = 2_000;

/** Returns what it did, in one line. */
export async function stopLeftoverDeployment(
  state: SavedState,
  clients: { ecs: EcsApi; codedeploy: CodeDeployApi },
  logger: Logger,
): Promise<string> {
  if (!state.id || state.finished === 'true') return NOTHING_TO_DO;
  if (state.rollbackOnCancel === 'false' && state.stopFailed !== 'true') {
    return `Deployment ${state.id} may still be running; rollback-on-cancel is false, so it is left alone.`;
  }
  if (state.kind === 'ecs') {
    const answer = await awsCall(`service deployment ${state.id}`, () =>
      clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [state.id!] }), {
        abortSignal: withTimeout(undefined, LOOK_CALL_MS),
      }),
    );
    const status = answer.serviceDeployments?.[0]?.status ?? 'UNKNOWN';
    if (!ECS_ACTIVE.includes(status)) return `Service deployment ${state.id} is ${status}: nothing to stop.`;
    logger.info(`Service deployment ${state.id} is still ${status}: stopping it with ROLLBACK.`);
    await stopServiceDeployment(clients, state.id, STOP_CALL_MS);
    return `Stopped service deployment ${state.id} with ROLLBACK (the main step did not see it finish).`;
  }
  const answer = await awsCall(`deployment ${state.id}`, () =>
    clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: state.id }), {
      abortSignal: withTimeout(undefined, LOOK_CALL_MS),
    }),
  );
  const status = answer.deploymentInfo?.status ?? 'Unknown';
  if (!(ACTIVE_STATUSES as readonly string[]).includes(status)) {
    return `Deployment ${state.id} is ${status}: nothing to stop.`;
  }
  logger.info(`Deployment ${state.id} is still ${status}: stopping it with rollback.`);
  await stopDeployment(clients, state.id, STOP_CALL_MS);
  return `Stopped deployment ${state.id} with rollback (the main step did not see it finish).`;
}
