/**
 * CodeDeploy deployments: CreateDeployment, GetDeployment, BatchGetDeployments, ListDeployments,
 * StopDeployment, ContinueDeployment. The engine (engine.ts) runs them once created.
 */
import { AwsError, type ServiceHandlers } from '../../contracts.js';
import { DEPLOYMENT_BATCH_LIMIT, deploymentInfo, lastInfo, page } from './answers.js';
import { appSpecText, ECS_LIFECYCLE_EVENTS, parseEcsAppSpec } from './appspec.js';
import type { WaitType } from './engine.js';
import { validateRollback } from './group-validation.js';
import {
  ACTIVE_STATUSES,
  isActive,
  newDeploymentId,
  type AutoRollbackConfiguration,
  type Deployment,
  type DeploymentStatus,
} from './model.js';
import type { CodeDeployParts, CodeDeployStore } from './store.js';

/** CodeDeploy quota: a deployment description holds at most 100 characters. */
const MAX_DESCRIPTION_LENGTH = 100;
const ALL_STATUSES: readonly DeploymentStatus[] = [...ACTIVE_STATUSES, 'Succeeded', 'Failed', 'Stopped'];

export function deploymentHandlers({ deps, store, engine }: CodeDeployParts): ServiceHandlers {
  const { deployments } = store;
  return {
    /** https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html */
    CreateDeployment(input) {
      const app = store.requireApp(input);
      const group = store.requireGroup(app, input.deploymentGroupName);
      if (app.computePlatform !== 'ECS') {
        throw new AwsError(
          'InvalidDeploymentGroupNameException',
          'The sandbox runs deployments for the ECS compute platform only.',
        );
      }
      if (input.revision === undefined || input.revision === null) {
        throw new AwsError('RevisionRequiredException', 'RevisionLocation must be specified');
      }
      // A deployment's description holds at most 100 characters.
      // https://docs.aws.amazon.com/codedeploy/latest/userguide/limits.html
      if (typeof input.description === 'string' && input.description.length > MAX_DESCRIPTION_LENGTH) {
        throw new AwsError('DescriptionTooLongException', 'The description is too long.');
      }
      const active = activeIn(store, app.applicationName, group.deploymentGroupName);
      if (active) {
        // AWS's wording, e.g. https://github.com/CircleCI-Public/aws-ecs-orb/issues/181
        throw new AwsError(
          'DeploymentLimitExceededException',
          `The Deployment Group '${group.deploymentGroupName}' already has an active Deployment '${active.deploymentId}'`,
        );
      }
      const configName =
        typeof input.deploymentConfigName === 'string' && input.deploymentConfigName !== ''
          ? input.deploymentConfigName
          : group.deploymentConfigName;
      const config = store.requireConfig(configName, 'ECS');
      const rollbackConfig =
        (input.autoRollbackConfiguration as AutoRollbackConfiguration | undefined) ?? group.autoRollbackConfiguration;
      validateRollback(rollbackConfig);
      const content = appSpecText(input.revision);
      const appSpec = parseEcsAppSpec(content);
      const { clusterName, serviceName } = group.ecsServices[0]!;
      let targetArn = `arn:aws:ecs:${deps.region}:${deps.account}:service/${clusterName}/${serviceName}`;
      try {
        targetArn = deps.ecs.service(clusterName, serviceName).serviceArn;
      } catch {
        // The deployment then fails at Install with INVALID_ECS_SERVICE, as AWS reports it.
      }
      const now = deps.clock.now();
      const deployment: Deployment = {
        deploymentId: newDeploymentId(),
        applicationName: app.applicationName,
        deploymentGroupName: group.deploymentGroupName,
        deploymentConfigName: config.deploymentConfigName,
        trafficRoutingConfig: config.trafficRoutingConfig,
        revision: input.revision,
        previousRevision: group.targetRevision,
        status: 'Created',
        createTime: now,
        description: typeof input.description === 'string' ? input.description : undefined,
        creator: 'user',
        autoRollbackConfiguration: rollbackConfig,
        deploymentStyle: group.deploymentStyle,
        blueGreenDeploymentConfiguration: structuredClone(group.blueGreenDeploymentConfiguration),
        loadBalancerInfo: structuredClone(group.loadBalancerInfo),
        instanceTerminationWaitTimeStarted: false,
        deploymentStatusMessages: [],
        appSpec,
        target: {
          cluster: clusterName,
          service: serviceName,
          targetId: `${clusterName}:${serviceName}`,
          targetArn,
          status: 'Pending',
          lastUpdatedAt: now,
          lifecycleEvents: ECS_LIFECYCLE_EVENTS.map((name) => ({
            lifecycleEventName: name,
            status: 'Pending' as const,
          })),
        },
      };
      deployments.set(deployment.deploymentId, deployment);
      group.lastAttemptedDeployment = lastInfo(deployment);
      deps.log?.(
        `codedeploy ${deployment.deploymentId}: Created for ${app.applicationName}/${group.deploymentGroupName}`,
      );
      engine.start(deployment);
      return { deploymentId: deployment.deploymentId };
    },

    GetDeployment(input) {
      return { deploymentInfo: deploymentInfo(store.requireDeployment(input.deploymentId)) };
    },

    BatchGetDeployments(input) {
      const ids = (input.deploymentIds as string[] | undefined) ?? [];
      if (ids.length > DEPLOYMENT_BATCH_LIMIT) {
        throw new AwsError(
          'BatchLimitExceededException',
          'The maximum number of names or IDs allowed for this request (25) was exceeded.',
        );
      }
      return {
        deploymentsInfo: ids.flatMap((id) => (deployments.has(id) ? [deploymentInfo(deployments.get(id)!)] : [])),
      };
    },

    /** https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_ListDeployments.html */
    ListDeployments(input) {
      const appName = input.applicationName as string | undefined;
      const groupName = input.deploymentGroupName as string | undefined;
      if (groupName && !appName) {
        throw new AwsError(
          'ApplicationNameRequiredException',
          'If deploymentGroupName is specified, applicationName must be specified too.',
        );
      }
      if (appName) {
        const app = store.requireApp(input);
        if (!groupName) {
          throw new AwsError(
            'DeploymentGroupNameRequiredException',
            'If applicationName is specified, deploymentGroupName must be specified too.',
          );
        }
        store.requireGroup(app, groupName);
      }
      const statuses = (input.includeOnlyStatuses as string[] | undefined) ?? [];
      for (const status of statuses) {
        if (!ALL_STATUSES.includes(status as DeploymentStatus)) {
          throw new AwsError('InvalidDeploymentStatusException', `The deployment status ${status} is not valid.`);
        }
      }
      const range = input.createTimeRange as { start?: number; end?: number } | undefined;
      const start = range?.start !== undefined ? range.start * 1000 : -Infinity;
      const end = range?.end !== undefined ? range.end * 1000 : Infinity;
      if (start > end)
        throw new AwsError('InvalidTimeRangeException', 'The specified time range was specified in an invalid format.');
      const externalId = input.externalId as string | undefined;
      const matching = [...deployments.values()]
        .filter(
          (d) =>
            (!appName || d.applicationName === appName) &&
            (!groupName || d.deploymentGroupName === groupName) &&
            (statuses.length === 0 || statuses.includes(d.status)) &&
            d.createTime.getTime() >= start &&
            d.createTime.getTime() <= end &&
            (!externalId || d.externalId === externalId),
        )
        .sort((a, b) => b.createTime.getTime() - a.createTime.getTime())
        .map((d) => d.deploymentId);
      return page(matching, input.nextToken, 'deployments');
    },

    /** https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_StopDeployment.html */
    async StopDeployment(input) {
      const d = store.requireDeployment(input.deploymentId);
      if (!isActive(d))
        throw new AwsError(
          'DeploymentAlreadyCompletedException',
          `The deployment ${d.deploymentId} has already completed.`,
        );
      // Without an explicit choice, the deployment's own rollback settings decide.
      const rollback =
        typeof input.autoRollbackEnabled === 'boolean'
          ? input.autoRollbackEnabled
          : Boolean(
              d.autoRollbackConfiguration?.enabled &&
              d.autoRollbackConfiguration.events?.includes('DEPLOYMENT_STOP_ON_REQUEST'),
            );
      await engine.stop(d.deploymentId, rollback);
      return {
        status: 'Succeeded',
        statusMessage: d.rollbackInfo?.rollbackDeploymentId
          ? `Deployment ${d.deploymentId} stopped; rollback deployment ${d.rollbackInfo.rollbackDeploymentId} started.`
          : `Deployment ${d.deploymentId} stopped.`,
      };
    },

    /** https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_ContinueDeployment.html */
    ContinueDeployment(input) {
      const d = store.requireDeployment(input.deploymentId);
      const waitType = (input.deploymentWaitType ?? 'READY_WAIT') as WaitType;
      if (waitType !== 'READY_WAIT' && waitType !== 'TERMINATION_WAIT') {
        throw new AwsError(
          'InvalidDeploymentWaitTypeException',
          `The wait type ${String(waitType)} is not valid: READY_WAIT or TERMINATION_WAIT.`,
        );
      }
      if (!isActive(d))
        throw new AwsError(
          'DeploymentAlreadyCompletedException',
          `The deployment ${d.deploymentId} has already completed.`,
        );
      if (!engine.continue(d.deploymentId, waitType)) {
        throw new AwsError(
          'DeploymentIsNotInReadyStateException',
          waitType === 'READY_WAIT'
            ? "The deployment does not have a status of Ready and can't continue yet."
            : 'The deployment is not waiting to terminate the original task set.',
        );
      }
      return {};
    },
  };
}

/** The deployment that still holds the group, if any: a group runs one deployment at a time. */
function activeIn(store: CodeDeployStore, app: string, group: string): Deployment | undefined {
  for (const d of store.deployments.values()) {
    if (d.applicationName === app && d.deploymentGroupName === group && isActive(d)) return d;
  }
  return undefined;
}
