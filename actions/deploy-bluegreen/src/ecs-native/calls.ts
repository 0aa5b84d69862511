/** The ECS service deployment calls: find, describe, continue, stop with ROLLBACK, wait for the end. */
import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  ListServiceDeploymentsCommand,
  StopServiceDeploymentCommand,
} from '@aws-sdk/client-ecs';
import { awsCall, AwsCallError } from '../../../../lib/aws.js';
import { cancelledFrom, poll, type Clock } from '../../../../lib/cancel.js';
import { ActionFailure, CancelledError } from '../../../../lib/errors.js';
import { callWithin, followStatus, type CallBound } from '../bounded.js';
import type { DeployDeps } from '../deps.js';
import { classifyDeploymentStatus, deploymentEnded } from '../ecs-native-status.js';
import type { EcsPlan } from './plan.js';

/** ContinueServiceDeployment CONTINUE; a hook already answered (by a person, or its timeout) is not an error. */
export async function continueServiceDeployment(deps: DeployDeps, arn: string, hookId: string): Promise<void> {
  try {
    await awsCall(`service deployment ${arn}`, () =>
      deps.ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId, action: 'CONTINUE' }), {
        abortSignal: deps.signal,
      }),
    );
  } catch (error) {
    if (deps.signal.aborted) throw cancelledFrom(deps.signal);
    if (!(error instanceof AwsCallError) || error.code !== 'InvalidParameterException') throw error;
    deps.logger.info(`Pause hook ${hookId} no longer awaits action (${error.message}); still watching.`);
  }
}

/** The service deployment UpdateService started: the newest one created since (allowing for clock skew). */
export async function findServiceDeployment(deps: DeployDeps, plan: EcsPlan, started: number): Promise<string> {
  return poll({
    clock: deps.clock,
    signal: deps.signal,
    deadline: Math.min(plan.deadline, deps.clock.now() + 60_000),
    intervalMs: Math.min(plan.pollIntervalMs, 2000),
    check: async () => {
      const answer = await awsCall(`service ${plan.service} in cluster ${plan.cluster}`, () =>
        deps.ecs.send(new ListServiceDeploymentsCommand({ cluster: plan.cluster, service: plan.service }), {
          abortSignal: deps.signal,
        }),
      ).catch((error: unknown) => {
        if (deps.signal.aborted) throw cancelledFrom(deps.signal);
        throw error;
      });
      const candidates = (answer.serviceDeployments ?? [])
        .filter(
          (d) => (d.createdAt?.getTime() ?? 0) >= started - 120_000 || classifyDeploymentStatus(d.status) === 'going',
        )
        .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
      const newest = candidates[0]?.serviceDeploymentArn;
      return newest ? { done: true, value: newest } : { done: false };
    },
    onDeadline: () => {
      throw new ActionFailure(
        `UpdateService did not start a service deployment in ${plan.cluster}/${plan.service} (ListServiceDeployments lists none).`,
      );
    },
  });
}

export async function describeServiceDeployment(deps: DeployDeps, arn: string, signal: AbortSignal | undefined) {
  const answer = await awsCall(`service deployment ${arn}`, () =>
    deps.ecs.send(
      new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }),
      signal ? { abortSignal: signal } : {},
    ),
  ).catch((error: unknown) => {
    if (signal?.aborted) throw cancelledFrom(signal);
    throw error;
  });
  const deployment = answer.serviceDeployments?.[0];
  if (!deployment) {
    throw new ActionFailure(`DescribeServiceDeployments found no ${arn}: ${answer.failures?.[0]?.reason ?? 'MISSING'}`);
  }
  return deployment;
}

/** StopServiceDeployment ROLLBACK; with a `bound` (STOP_ON_CANCEL), each attempt is aborted after that long and tried again. */
export async function stopServiceDeployment(
  deps: Pick<DeployDeps, 'ecs'> & { clock?: Clock },
  arn: string,
  bound?: CallBound,
): Promise<void> {
  // Already over (ECS answers ConflictException / InvalidParameterException): nothing to stop.
  const alreadyOver = (error: unknown) =>
    error instanceof AwsCallError && ['ConflictException', 'InvalidParameterException'].includes(error.code ?? '');
  try {
    await callWithin(
      (options) =>
        awsCall(`service deployment ${arn}`, () =>
          deps.ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }), options),
        ),
      { bound, clock: deps.clock, final: alreadyOver },
    );
  } catch (error) {
    if (alreadyOver(error)) return;
    throw error;
  }
}

export async function waitForServiceDeploymentEnd(
  deps: DeployDeps,
  arn: string,
  budgetMs: number,
  signal: AbortSignal | undefined,
  intervalMs: number,
): Promise<string> {
  try {
    return await followStatus({
      clock: deps.clock,
      signal,
      budgetMs,
      intervalMs,
      status: 'UNKNOWN',
      read: async (callSignal) => (await describeServiceDeployment(deps, arn, callSignal)).status ?? 'UNKNOWN',
      ended: deploymentEnded,
    });
  } catch (error) {
    if (error instanceof CancelledError) return 'still rolling back when the action was cancelled';
    throw error;
  }
}
