/**
 * The post step's work (runs with `post-if: always()`): a deployment the main step started and did
 * not see finish (killed on cancel, or its own StopDeployment failed on timeout) is stopped now with
 * rollback. When the saved state says it finished, the post step makes no call and logs nothing.
 */
import { GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { DescribeServiceDeploymentsCommand } from '@aws-sdk/client-ecs';
import { awsCall } from '../../../lib/aws.js';
import { poll, systemClock, withTimeout, type Clock } from '../../../lib/cancel.js';
import type { Logger } from '../../../lib/log.js';
import { STOP_ON_CANCEL } from './bounded.js';
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
  clock: Clock = systemClock,
): Promise<string> {
  if (!state.id || state.finished === 'true') return NOTHING_TO_DO;
  if (state.rollbackOnCancel === 'false' && state.stopFailed !== 'true') {
    return `Deployment ${state.id} may still be running; rollback-on-cancel is false, so it is left alone.`;
  }
  if (state.kind === 'ecs') {
    const answer = await awsCall(`service deployment ${state.id}`, () =>
      clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [state.id!] }), {
        abortSignal: withTimeout(undefined, LOOK_CALL_MS, clock),
      }),
    );
    const status = answer.serviceDeployments?.[0]?.status ?? 'UNKNOWN';
    if (!ECS_ACTIVE.includes(status)) return `Service deployment ${state.id} is ${status}: nothing to stop.`;
    logger.info(`Service deployment ${state.id} is still ${status}: stopping it with ROLLBACK.`);
    await stopServiceDeployment({ ...clients, clock }, state.id, STOP_ON_CANCEL);
    return `Stopped service deployment ${state.id} with ROLLBACK (the main step did not see it finish).`;
  }
  const answer = await awsCall(`deployment ${state.id}`, () =>
    clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: state.id }), {
      abortSignal: withTimeout(undefined, LOOK_CALL_MS, clock),
    }),
  );
  const status = answer.deploymentInfo?.status ?? 'Unknown';
  if (!(ACTIVE_STATUSES as readonly string[]).includes(status)) {
    return `Deployment ${state.id} is ${status}: nothing to stop.`;
  }
  logger.info(`Deployment ${state.id} is still ${status}: stopping it with rollback.`);
  await stopDeployment({ ...clients, clock }, state.id, STOP_ON_CANCEL);
  return `Stopped deployment ${state.id} with rollback (the main step did not see it finish).`;
}

/** Where the rollback got: `done` when the previous version serves again. */
export interface FollowedRollback {
  done: boolean;
  phrase: string;
}

/** How long the post step follows the rollback it started before it reports what it saw. */
const FOLLOW_ROLLBACK_MS = 8_000;
const FOLLOW_INTERVAL_MS = 500;

/**
 * After a stop: where the rollback got within FOLLOW_ROLLBACK_MS, in one phrase. CodeDeploy names
 * the rollback in the stopped deployment's rollbackInfo (API model: RollbackInfo); an ECS service
 * deployment stopped with ROLLBACK ends ROLLBACK_SUCCESSFUL or ROLLBACK_FAILED (API model:
 * ServiceDeploymentStatus).
 */
export async function followRollback(
  state: SavedState,
  clients: { ecs: EcsApi; codedeploy: CodeDeployApi },
  clock: Clock,
  budgetMs = FOLLOW_ROLLBACK_MS,
): Promise<FollowedRollback> {
  const following = { clock, timeoutMs: budgetMs, intervalMs: FOLLOW_INTERVAL_MS, perCallMs: LOOK_CALL_MS };
  try {
    if (state.kind === 'ecs') {
      let status = 'UNKNOWN';
      return await poll<FollowedRollback, FollowedRollback>({
        ...following,
        check: async (signal) => {
          const answer = await awsCall(`service deployment ${state.id}`, () =>
            clients.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [state.id!] }), {
              abortSignal: signal,
            }),
          );
          status = answer.serviceDeployments?.[0]?.status ?? 'UNKNOWN';
          if (status === 'ROLLBACK_SUCCESSFUL') {
            return { done: true, value: { done: true, phrase: 'rolled back, the previous revision serves' } };
          }
          if (status === 'ROLLBACK_FAILED') {
            return { done: true, value: { done: false, phrase: 'the rollback FAILED — check the service now' } };
          }
          return { done: false };
        },
        onDeadline: () => ({ done: false, phrase: `still ${status} — follow the rollback in the console` }),
      });
    }
    let rollbackId: string | undefined;
    let status = 'Unknown';
    return await poll<FollowedRollback, FollowedRollback>({
      ...following,
      check: async (signal) => {
        const id = rollbackId ?? state.id!;
        const info = (
          await awsCall(`deployment ${id}`, () =>
            clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }), { abortSignal: signal }),
          )
        ).deploymentInfo;
        if (!rollbackId) {
          rollbackId = info?.rollbackInfo?.rollbackDeploymentId;
          if (!rollbackId && info?.status && !(ACTIVE_STATUSES as readonly string[]).includes(info.status)) {
            const phrase = `it ended ${info.status} with no rollback deployment — check the service`;
            return { done: true, value: { done: false, phrase } };
          }
          return { done: false };
        }
        status = info?.status ?? 'Unknown';
        if (status === 'Succeeded') {
          return {
            done: true,
            value: { done: true, phrase: `rolled back (rollback deployment ${rollbackId} Succeeded)` },
          };
        }
        if (!(ACTIVE_STATUSES as readonly string[]).includes(status)) {
          const phrase = `rollback deployment ${rollbackId} ended ${status} — check the service now`;
          return { done: true, value: { done: false, phrase } };
        }
        return { done: false };
      },
      onDeadline: () => ({
        done: false,
        phrase: rollbackId
          ? `rollback deployment ${rollbackId} still ${status} — follow it in the console`
          : 'no rollback deployment yet — follow the deployment in the console',
      }),
    });
  } catch (error) {
    return { done: false, phrase: `could not follow the rollback (${(error as Error).message})` };
  }
}
