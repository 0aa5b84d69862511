/**
 * Creating a CodeDeploy blue/green deployment of an ECS service: what to do about one already
 * running in the group, the inline AppSpec and the description, then the watch.
 */
import { createHash } from 'node:crypto';
import { CreateDeploymentCommand, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { awsCall, AwsCallError } from '../../../../lib/aws.js';
import { poll } from '../../../../lib/cancel.js';
import { ActionFailure } from '../../../../lib/errors.js';
import { formatDuration } from '../../../../lib/inputs.js';
import { untilTimeout } from '../bounded.js';
import { STATE, type DeployDeps, type DeploymentRecord } from '../deps.js';
import type { DeploymentGroup } from '../discovery.js';
import { ACTIVE_STATUSES } from '../codedeploy-states.js';
import { appSpecHooks } from '../hooks.js';
import { leaveUnwatched } from '../unwatched.js';
import { getDeployment, read } from './reads.js';
import type { CodeDeployPlan } from './shared.js';
import { stopDeployment } from './stop.js';
import { watch } from './watch.js';

/**
 * The AppSpec for an ECS blue/green deployment, as JSON (AppSpec accepts YAML or JSON).
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html#reference-appspec-file-structure-resources-ecs
 */
export function appSpec(
  plan: Pick<CodeDeployPlan, 'taskDefinitionArn' | 'containerName' | 'containerPort' | 'platformVersion' | 'hooks'>,
): {
  content: string;
  sha256: string;
} {
  const properties: Record<string, unknown> = {
    TaskDefinition: plan.taskDefinitionArn,
    LoadBalancerInfo: { ContainerName: plan.containerName, ContainerPort: plan.containerPort },
  };
  if (plan.platformVersion) properties.PlatformVersion = plan.platformVersion;
  const content = JSON.stringify({
    version: 0.0,
    Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: properties } }],
    ...(plan.hooks?.length ? { Hooks: appSpecHooks(plan.hooks) } : {}),
  });
  return { content, sha256: createHash('sha256').update(content).digest('hex') };
}

/** CodeDeploy refuses a longer description (DescriptionTooLongException). https://docs.aws.amazon.com/codedeploy/latest/userguide/limits.html */
export const MAX_DESCRIPTION_LENGTH = 100;

/**
 * `deploy-bluegreen web:42 app@sha256:0123456789ab`: the revision in full, the image shortened to
 * its last path segment and a 12-character digest, the whole cut to CodeDeploy's 100 characters.
 */
export function deploymentDescription(taskDefinitionArn: string, image?: string): string {
  const revision = taskDefinitionArn.replace(/^arn:[^/]*task-definition\//, '');
  let shortImage = '';
  if (image) {
    const [name = '', digest] = image.split('@');
    const lastSegment = name.slice(name.lastIndexOf('/') + 1);
    const digestMatch = digest ? /^(sha256:[0-9a-f]{12})/.exec(digest) : null;
    shortImage = digest ? `${lastSegment}@${digestMatch ? digestMatch[1] : digest}` : lastSegment;
  }
  const text = `deploy-bluegreen ${revision}${shortImage ? ` ${shortImage}` : ''}`;
  return text.length <= MAX_DESCRIPTION_LENGTH ? text : `${text.slice(0, MAX_DESCRIPTION_LENGTH - 3)}...`;
}

/** Runs the whole deployment; resolves with the record when it Succeeded, throws ActionFailure otherwise. */
export async function deployWithCodeDeploy(
  deps: DeployDeps,
  plan: CodeDeployPlan,
  onRecord?: (record: DeploymentRecord) => void,
): Promise<DeploymentRecord> {
  const { logger } = deps;
  const readyOption = plan.group.info.blueGreenDeploymentConfiguration?.deploymentReadyOption;
  if (plan.testUrl && readyOption?.actionOnTimeout !== 'STOP_DEPLOYMENT') {
    logger.warning(
      `test-url is set, but deployment group ${plan.group.name} shifts traffic without waiting (deploymentReadyOption ${readyOption?.actionOnTimeout ?? 'CONTINUE_DEPLOYMENT'}): the test-traffic checks cannot gate this deployment. Set the group's deploymentReadyOption.actionOnTimeout to STOP_DEPLOYMENT to use them.`,
    );
  }

  let id: string | undefined;
  for (let attempt = 1; id === undefined; attempt++) {
    await settleActiveDeployments(deps, plan);
    try {
      id = await createDeployment(deps, plan);
    } catch (error) {
      // Another deployment started between our look and our create: deal with it as the input says.
      if (error instanceof AwsCallError && error.code === 'DeploymentLimitExceededException' && attempt < 3) continue;
      throw error;
    }
  }
  deps.saveState(STATE.kind, 'codedeploy');
  deps.saveState(STATE.id, id);
  deps.saveState(STATE.finished, 'false');

  const record: DeploymentRecord = {
    kind: 'codedeploy',
    id,
    application: plan.group.application,
    deploymentGroup: plan.group.name,
    strategy: plan.deploymentConfig ?? plan.group.info.deploymentConfigName,
    lifecycle: [],
    traffic: [],
    startTime: new Date(deps.clock.now()),
  };
  onRecord?.(record);
  logger.info(`Created deployment ${id} (${plan.group.application}/${plan.group.name}).`);
  if (plan.wait === false) return leaveUnwatched(deps, record);

  try {
    await watch(deps, plan, record);
  } finally {
    record.endTime = new Date(deps.clock.now());
  }
  return record;
}

async function createDeployment(deps: DeployDeps, plan: CodeDeployPlan): Promise<string> {
  const spec = appSpec(plan);
  const answer = await awsCall(`deployment group ${plan.group.application}/${plan.group.name}`, () =>
    deps.codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: plan.group.application,
        deploymentGroupName: plan.group.name,
        deploymentConfigName: plan.deploymentConfig,
        description: plan.description,
        revision: { revisionType: 'AppSpecContent', appSpecContent: spec },
        autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
      }),
    ),
  );
  if (!answer.deploymentId) throw new ActionFailure('CreateDeployment returned no deployment id');
  return answer.deploymentId;
}

// ---------------------------------------------------------------------------------------------
// A deployment already running in the group

async function activeDeploymentIds(deps: DeployDeps, group: DeploymentGroup): Promise<string[]> {
  const answer = await read(deps, `deployment group ${group.application}/${group.name}`, (options) =>
    deps.codedeploy.send(
      new ListDeploymentsCommand({
        applicationName: group.application,
        deploymentGroupName: group.name,
        includeOnlyStatuses: [...ACTIVE_STATUSES],
      }),
      options,
    ),
  );
  return answer.deployments ?? [];
}

/**
 * Returns once no deployment is active in the group, acting on on-active-deployment; true when
 * there was one (the service may then run something else than before).
 */
export async function settleActiveDeployments(deps: DeployDeps, plan: CodeDeployPlan): Promise<boolean> {
  const stopped = new Set<string>();
  const announced = new Set<string>();
  // Rollback deployments: stopping one would abandon the rollback and leave the service half-way.
  const rollbacks = new Set<string>();
  let first = '';
  return poll({
    ...untilTimeout(deps, plan),
    check: async () => {
      const active = await activeDeploymentIds(deps, plan.group);
      if (active.length === 0) return { done: true, value: announced.size > 0 };
      first = active[0]!;
      if (plan.onActiveDeployment === 'fail') {
        throw new ActionFailure(
          `Deployment ${first} is already active in deployment group ${plan.group.application}/${plan.group.name}, and on-active-deployment is 'fail'. Wait for it to finish, stop it, or set on-active-deployment to 'wait' or 'stop'.`,
        );
      }
      for (const id of active) {
        if (plan.onActiveDeployment === 'stop' && !stopped.has(id) && !rollbacks.has(id)) {
          // StopDeployment with auto-rollback starts a rollback deployment (creator codeDeployRollback)
          // in the same group: it must finish, not be stopped in turn.
          // https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentInfo.html
          const info = await getDeployment(deps, id);
          if (info.creator === 'codeDeployRollback') {
            rollbacks.add(id);
          } else {
            deps.logger.info(`Stopping active deployment ${id} with rollback (on-active-deployment: stop).`);
            await stopDeployment(deps, id);
            stopped.add(id);
            announced.add(id);
            continue;
          }
        }
        if (announced.has(id)) continue;
        if (rollbacks.has(id)) {
          deps.logger.info(`Waiting for rollback deployment ${id} to finish (a rollback is never stopped).`);
        } else {
          deps.logger.info(
            `Waiting for active deployment ${id} to finish (on-active-deployment: ${plan.onActiveDeployment}).`,
          );
        }
        announced.add(id);
      }
      return { done: false };
    },
    onDeadline: () => {
      throw new ActionFailure(
        `Deployment ${first} was still active after ${formatDuration(plan.timeoutMs)} (timeout-minutes); no new deployment was created.`,
      );
    },
  });
}
