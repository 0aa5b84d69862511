/**
 * How the store's records become CodeDeploy answers: the API's shapes, paging and batch limits.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentInfo.html
 */
import { AwsError, type CodeDeployDeps } from '../../contracts.js';
import type { Application, Deployment, DeploymentGroup, LastDeploymentInfo } from './model.js';
import type { CodeDeployStore } from './store.js';
import { taskSetsInfo } from './traffic.js';

export const BATCH_LIMIT = 100;
export const DEPLOYMENT_BATCH_LIMIT = 25;
const PAGE_SIZE = 100;

export function deploymentInfo(d: Deployment): Record<string, unknown> {
  const overview = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 };
  const key = d.target.status as keyof typeof overview;
  if (key in overview) overview[key] += 1;
  return dropUndefined({
    applicationName: d.applicationName,
    deploymentGroupName: d.deploymentGroupName,
    deploymentConfigName: d.deploymentConfigName,
    deploymentId: d.deploymentId,
    previousRevision: d.previousRevision,
    revision: d.revision,
    status: d.status,
    errorInformation: d.errorInformation,
    createTime: d.createTime,
    startTime: d.startTime,
    completeTime: d.completeTime,
    deploymentOverview: overview,
    description: d.description,
    creator: d.creator,
    ignoreApplicationStopFailures: false,
    autoRollbackConfiguration: d.autoRollbackConfiguration,
    updateOutdatedInstancesOnly: false,
    rollbackInfo: d.rollbackInfo,
    deploymentStyle: d.deploymentStyle,
    instanceTerminationWaitTimeStarted: d.instanceTerminationWaitTimeStarted,
    blueGreenDeploymentConfiguration: d.blueGreenDeploymentConfiguration,
    loadBalancerInfo: d.loadBalancerInfo,
    fileExistsBehavior: 'DISALLOW',
    deploymentStatusMessages: [...d.deploymentStatusMessages],
    computePlatform: 'ECS',
    externalId: d.externalId,
  });
}

/** https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentTarget.html */
export function deploymentTarget(deps: CodeDeployDeps, store: CodeDeployStore, d: Deployment): Record<string, unknown> {
  const group = store.findGroup(d.applicationName, d.deploymentGroupName);
  return {
    deploymentTargetType: 'ECSTarget',
    ecsTarget: {
      deploymentId: d.deploymentId,
      targetId: d.target.targetId,
      targetArn: d.target.targetArn,
      lastUpdatedAt: d.target.lastUpdatedAt,
      lifecycleEvents: d.target.lifecycleEvents.map((e) => dropUndefined({ ...e })),
      status: d.target.status,
      taskSetsInfo: taskSetsInfo(deps, d, group),
    },
  };
}

export function groupInfo(g: DeploymentGroup): Record<string, unknown> {
  const { tags: _tags, ...rest } = g;
  return dropUndefined({ ...rest, ec2TagFilters: [], onPremisesInstanceTagFilters: [], autoScalingGroups: [] });
}

export function appInfo(a: Application): Record<string, unknown> {
  const { tags: _tags, ...rest } = a;
  return rest;
}

/** A deployment group's lastAttemptedDeployment / lastSuccessfulDeployment. */
export function lastInfo(d: Deployment): LastDeploymentInfo {
  return dropUndefined({
    deploymentId: d.deploymentId,
    status: d.status,
    createTime: d.createTime,
    endTime: d.completeTime,
  }) as LastDeploymentInfo;
}

/** One page of `items` under `field`; the next token is the offset of the next page. */
export function page(items: string[], nextToken: unknown, field: string): Record<string, unknown> {
  let offset = 0;
  if (nextToken !== undefined && nextToken !== null && nextToken !== '') {
    offset = Number(nextToken);
    if (!Number.isInteger(offset) || offset < 0 || offset > items.length) {
      throw new AwsError('InvalidNextTokenException', 'The next token was specified in an invalid format.');
    }
  }
  const slice = items.slice(offset, offset + PAGE_SIZE);
  return dropUndefined({
    [field]: slice,
    nextToken: offset + PAGE_SIZE < items.length ? String(offset + PAGE_SIZE) : undefined,
  });
}

/** AWS leaves unset members out of an answer. */
export function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}
