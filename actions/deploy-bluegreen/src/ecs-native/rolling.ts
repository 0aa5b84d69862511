/** ROLLING: wait until the service is stable; fail when the deployment circuit breaker rolled it back. */
import { DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { awsCall } from '../../../../lib/aws.js';
import { cancelledFrom, poll } from '../../../../lib/cancel.js';
import { ActionFailure, CancelledError, TimeoutError } from '../../../../lib/errors.js';
import { formatDuration } from '../../../../lib/inputs.js';
import { untilTimeout } from '../bounded.js';
import type { DeployDeps, DeploymentRecord } from '../deps.js';
import { explainStoppedTasks } from '../diagnostics.js';
import { classifyRolloutState } from '../ecs-native-status.js';
import type { EcsPlan } from './plan.js';

export async function watchRolling(deps: DeployDeps, plan: EcsPlan, record: DeploymentRecord) {
  const seen = { line: '', unknown: new Set<string>() };
  try {
    await poll({
      ...untilTimeout(deps, plan),
      check: async () => {
        const answer = await awsCall(`service ${plan.service} in cluster ${plan.cluster}`, () =>
          deps.ecs.send(new DescribeServicesCommand({ cluster: plan.cluster, services: [plan.service] }), {
            abortSignal: deps.signal,
          }),
        ).catch((error: unknown) => {
          if (deps.signal.aborted) throw cancelledFrom(deps.signal);
          throw error;
        });
        const service = answer.services?.[0];
        const deployments = service?.deployments ?? [];
        const primary = deployments.find((d) => d.status === 'PRIMARY');
        record.id = primary?.id ?? record.id;
        const line = `Rolling: ${primary?.runningCount ?? 0}/${primary?.desiredCount ?? 0} new tasks running, ${deployments.length - 1} older deployment(s) draining${primary?.rolloutState ? `, ${primary.rolloutState}` : ''}`;
        if (line !== seen.line) {
          deps.logger.info(line);
          seen.line = line;
        }
        record.status = primary?.rolloutState ?? 'IN_PROGRESS';
        const rollout = classifyRolloutState(primary?.rolloutState);
        if (rollout === 'unknown' && !seen.unknown.has(primary!.rolloutState!)) {
          seen.unknown.add(primary!.rolloutState!);
          deps.logger.warning(
            `Rollout state ${primary!.rolloutState} is unknown to this action: still watching until the service is stable or timeout-minutes runs out.`,
          );
        }
        if (primary && primary.taskDefinition !== plan.taskDefinitionArn) {
          // The circuit breaker rolled back: the primary deployment runs an older revision again.
          throw new ActionFailure(
            [
              `The deployment circuit breaker rolled ${plan.cluster}/${plan.service} back to ${primary.taskDefinition}${primary.rolloutStateReason ? `: ${primary.rolloutStateReason}` : ''}.`,
              ...(await explainStoppedTasks(deps, plan.cluster, plan.service, plan.taskDefinitionArn, record)),
            ].join('\n'),
          );
        }
        if (primary && rollout === 'failed') {
          throw new ActionFailure(
            [
              `Deployment ${primary.id} of ${plan.cluster}/${plan.service} FAILED: ${primary.rolloutStateReason ?? 'no reason given'}.`,
              ...(await explainStoppedTasks(deps, plan.cluster, plan.service, plan.taskDefinitionArn, record)),
            ].join('\n'),
          );
        }
        const stable =
          primary !== undefined &&
          deployments.length === 1 &&
          primary.runningCount === primary.desiredCount &&
          (primary.rolloutState === undefined || rollout === 'done');
        if (!stable) return { done: false };
        record.status = 'COMPLETED';
        deps.logger.info(`Service ${plan.cluster}/${plan.service} is stable on ${plan.taskDefinitionArn}.`);
        return { done: true, value: undefined };
      },
      onDeadline: () => {
        throw new TimeoutError(`timeout-minutes (${formatDuration(plan.timeoutMs)}) reached`);
      },
    });
  } catch (error) {
    if (!(error instanceof CancelledError || error instanceof TimeoutError)) throw error;
    const cancelled = error instanceof CancelledError;
    const why = `${cancelled ? error.message : `Timed out: ${error.message}`} while ${plan.cluster}/${plan.service} was rolling out`;
    record.stoppedBecause = why;
    if ((cancelled && !plan.rollbackOnCancel) || !plan.previousTaskDefinitionArn) {
      throw new ActionFailure(`${why}. The rolling deployment goes on without this action.`);
    }
    await awsCall(`service ${plan.service} in cluster ${plan.cluster}`, () =>
      deps.ecs.send(
        new UpdateServiceCommand({
          cluster: plan.cluster,
          service: plan.service,
          taskDefinition: plan.previousTaskDefinitionArn,
        }),
      ),
    );
    throw new ActionFailure(`${why}. Rolled the service back to ${plan.previousTaskDefinitionArn} (UpdateService).`);
  }
}
