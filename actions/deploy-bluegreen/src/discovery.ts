/**
 * Reading what exists: the service and the definition it runs, the family's latest revision,
 * the CodeDeploy application and deployment group that own the service. Registration happens
 * here too, and only when no existing revision equals the desired definition.
 */
import {
  BatchGetApplicationsCommand,
  BatchGetDeploymentGroupsCommand,
  type CodeDeployClient,
  type DeploymentGroupInfo,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  ListApplicationsCommand,
  ListDeploymentGroupsCommand,
  type TrafficRoutingConfig,
} from '@aws-sdk/client-codedeploy';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type Service,
} from '@aws-sdk/client-ecs';
import { ActionFailure, ConfigurationError } from '../../../lib/errors.js';
import { awsCall, AwsCallError } from '../../../lib/aws.js';
import type { Logger } from '../../../lib/log.js';
import { sameTaskDefinition, type TaskDefinitionDoc } from './taskdef.js';

export type EcsApi = Pick<ECSClient, 'send'>;
export type CodeDeployApi = Pick<CodeDeployClient, 'send'>;

export type Controller = 'CODE_DEPLOY' | 'ECS' | 'EXTERNAL';

export interface ServiceInfo {
  cluster: string;
  service: string;
  serviceArn: string;
  controller: Controller;
  /** ECS controller only: ROLLING, BLUE_GREEN, LINEAR, CANARY. */
  strategy?: string;
  /** The task definition the service runs now (for CODE_DEPLOY, the PRIMARY task set's). */
  runningTaskDefinitionArn?: string;
  raw: Service;
}

/**
 * DescribeServices reports an unknown service in `failures` with reason MISSING, not as an
 * error; an unknown cluster is ClusterNotFoundException.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServices.html
 */
export async function describeService(ecs: EcsApi, cluster: string, service: string): Promise<ServiceInfo> {
  const resource = `service ${service} in cluster ${cluster}`;
  let answer;
  try {
    answer = await awsCall(resource, () => ecs.send(new DescribeServicesCommand({ cluster, services: [service] })));
  } catch (error) {
    if (error instanceof AwsCallError && error.code === 'ClusterNotFoundException') {
      throw new ConfigurationError('cluster', cluster, `an existing ECS cluster (${error.message})`);
    }
    throw error;
  }
  const found = answer.services?.[0];
  if (!found) {
    const reason = answer.failures?.[0]?.reason ?? 'MISSING';
    throw new ConfigurationError(
      'service',
      service,
      `an ACTIVE ECS service in cluster '${cluster}', but DescribeServices reports it ${reason}; check the service and cluster names (and the region)`,
    );
  }
  if (found.status !== 'ACTIVE') {
    throw new ConfigurationError(
      'service',
      service,
      `an ACTIVE ECS service in cluster '${cluster}', but its status is ${found.status ?? 'unknown'}`,
    );
  }
  const controller = (found.deploymentController?.type ?? 'ECS') as Controller;
  const running =
    controller === 'CODE_DEPLOY'
      ? (found.taskSets?.find((s) => s.status === 'PRIMARY')?.taskDefinition ?? found.taskDefinition)
      : found.taskDefinition;
  return {
    cluster,
    service,
    serviceArn: found.serviceArn ?? service,
    controller,
    strategy: controller === 'ECS' ? (found.deploymentConfiguration?.strategy ?? 'ROLLING') : undefined,
    runningTaskDefinitionArn: running,
    raw: found,
  };
}

/**
 * A task definition by ARN, family:revision or family (the latest ACTIVE revision); undefined
 * when there is none. ECS answers that with ClientException "Unable to describe task definition";
 * any other ClientException (e.g. a permission problem) is an error, never "not found".
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTaskDefinition.html
 */
export async function findTaskDefinition(
  ecs: EcsApi,
  reference: string,
): Promise<{ arn: string; definition: TaskDefinitionDoc } | undefined> {
  try {
    return await describeTaskDefinition(ecs, reference);
  } catch (error) {
    if (isTaskDefinitionNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * The definition a service runs: it must exist, so every error (not-found included) is rethrown.
 * Read with its tags, which DescribeTaskDefinition answers beside the definition only when asked
 * (`include: ["TAGS"]`); they are put where a template has them, so a change of tags is a change.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTaskDefinition.html
 */
export async function describeTaskDefinition(
  ecs: EcsApi,
  reference: string,
): Promise<{ arn: string; definition: TaskDefinitionDoc }> {
  const answer = await awsCall(`task definition ${reference}`, () =>
    ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: reference, include: ['TAGS'] })),
  );
  const definition = answer.taskDefinition;
  if (!definition?.taskDefinitionArn) {
    throw new ActionFailure(`DescribeTaskDefinition returned no task definition for ${reference}`);
  }
  const withTags: TaskDefinitionDoc = { ...(definition as unknown as TaskDefinitionDoc) };
  if (answer.tags?.length) withTags.tags = answer.tags;
  return { arn: definition.taskDefinitionArn, definition: withTags };
}

function isTaskDefinitionNotFound(error: unknown): boolean {
  return (
    error instanceof AwsCallError &&
    error.code === 'ClientException' &&
    /unable to describe task definition/i.test(error.message)
  );
}

export interface ResolvedTaskDefinition {
  arn: string;
  registered: boolean;
  /** An existing revision of the family was equal and is reused. */
  reused: boolean;
}

/**
 * Reuses the family's latest revision when it equals the desired definition, else registers.
 * `running`, when given and equal, short-cuts everything (the caller checks it first).
 */
export async function registerIfNeeded(
  ecs: EcsApi,
  desired: TaskDefinitionDoc,
  logger: Logger,
  known?: { arn: string; definition: TaskDefinitionDoc },
): Promise<ResolvedTaskDefinition> {
  const family = String(desired.family);
  // The running revision (`known`) was already compared by the caller.
  const latest = await findTaskDefinition(ecs, family);
  if (latest && latest.arn !== known?.arn && sameTaskDefinition(latest.definition, desired)) {
    logger.info(`The family's latest revision ${latest.arn} already equals the desired definition: reusing it.`);
    return { arn: latest.arn, registered: false, reused: true };
  }
  const arn = await registerTaskDefinition(ecs, desired, logger);
  return { arn, registered: true, reused: false };
}

export async function registerTaskDefinition(ecs: EcsApi, desired: TaskDefinitionDoc, logger: Logger): Promise<string> {
  const family = String(desired.family);
  const answer = await awsCall(`task definition family ${family}`, () =>
    ecs.send(new RegisterTaskDefinitionCommand(desired as unknown as RegisterTaskDefinitionCommandInput)),
  );
  const arn = answer.taskDefinition?.taskDefinitionArn;
  if (!arn) throw new ActionFailure(`RegisterTaskDefinition for family ${family} returned no ARN`);
  logger.info(`Registered ${arn}.`);
  return arn;
}

// ---------------------------------------------------------------------------------------------
// CodeDeploy application and deployment group

export interface DeploymentGroup {
  application: string;
  name: string;
  info: DeploymentGroupInfo;
}

const servesService = (info: DeploymentGroupInfo, cluster: string, service: string) =>
  (info.ecsServices ?? []).some((s) => s.clusterName === cluster && s.serviceName === service);

/**
 * The deployment group that deploys cluster/service: the one named by the inputs (checked to
 * serve the service), or found among the ECS applications by its ecsServices.
 */
export async function findDeploymentGroup(
  codedeploy: CodeDeployApi,
  cluster: string,
  service: string,
  application?: string,
  group?: string,
): Promise<DeploymentGroup> {
  if (application && group) {
    let info: DeploymentGroupInfo | undefined;
    try {
      info = (
        await awsCall(`deployment group ${group} of application ${application}`, () =>
          codedeploy.send(new GetDeploymentGroupCommand({ applicationName: application, deploymentGroupName: group })),
        )
      ).deploymentGroupInfo;
    } catch (error) {
      if (error instanceof AwsCallError && error.code === 'ApplicationDoesNotExistException') {
        throw new ConfigurationError('codedeploy-application', application, `an existing CodeDeploy application`);
      }
      if (error instanceof AwsCallError && error.code === 'DeploymentGroupDoesNotExistException') {
        throw new ConfigurationError(
          'codedeploy-deployment-group',
          group,
          `a deployment group of application '${application}'`,
        );
      }
      throw error;
    }
    if (!info || !servesService(info, cluster, service)) {
      throw new ConfigurationError(
        'codedeploy-deployment-group',
        group,
        `a deployment group whose ECS service is ${cluster}/${service}; it deploys ${describeServices(info)}`,
      );
    }
    return { application, name: group, info };
  }

  const applications = application ? [application] : await ecsApplications(codedeploy);
  const matches: DeploymentGroup[] = [];
  for (const app of applications) {
    for (const info of await deploymentGroups(codedeploy, app, application !== undefined)) {
      if (servesService(info, cluster, service) && (!group || info.deploymentGroupName === group)) {
        matches.push({ application: app, name: info.deploymentGroupName ?? '', info });
      }
    }
  }
  if (matches.length === 1) return matches[0]!;
  const where = application ? `application '${application}'` : 'the ECS applications of this region';
  if (matches.length === 0) {
    const input = group ? 'codedeploy-deployment-group' : 'codedeploy-application';
    throw new ConfigurationError(
      input,
      group ?? application ?? '',
      `no CodeDeploy deployment group in ${where} deploys ${cluster}/${service}; set codedeploy-application and codedeploy-deployment-group`,
    );
  }
  throw new ConfigurationError(
    'codedeploy-deployment-group',
    group ?? '',
    `several deployment groups deploy ${cluster}/${service} (${matches.map((m) => `${m.application}/${m.name}`).join(', ')}); name one`,
  );
}

function describeServices(info: DeploymentGroupInfo | undefined): string {
  const list = (info?.ecsServices ?? []).map((s) => `${s.clusterName}/${s.serviceName}`);
  return list.length ? list.join(', ') : 'no ECS service';
}

async function ecsApplications(codedeploy: CodeDeployApi): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall('CodeDeploy applications', () =>
      codedeploy.send(new ListApplicationsCommand({ nextToken })),
    );
    names.push(...(page.applications ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const ecs: string[] = [];
  // BatchGetApplications takes at most 100 names.
  for (let i = 0; i < names.length; i += 100) {
    const batch = names.slice(i, i + 100);
    const answer = await awsCall('CodeDeploy applications', () =>
      codedeploy.send(new BatchGetApplicationsCommand({ applicationNames: batch })),
    );
    for (const app of answer.applicationsInfo ?? []) {
      if (app.computePlatform === 'ECS' && app.applicationName) ecs.push(app.applicationName);
    }
  }
  return ecs;
}

async function deploymentGroups(codedeploy: CodeDeployApi, application: string, named: boolean) {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    let page;
    try {
      page = await awsCall(`deployment groups of application ${application}`, () =>
        codedeploy.send(new ListDeploymentGroupsCommand({ applicationName: application, nextToken })),
      );
    } catch (error) {
      if (named && error instanceof AwsCallError && error.code === 'ApplicationDoesNotExistException') {
        throw new ConfigurationError('codedeploy-application', application, 'an existing CodeDeploy application');
      }
      throw error;
    }
    names.push(...(page.deploymentGroups ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const infos: DeploymentGroupInfo[] = [];
  for (let i = 0; i < names.length; i += 100) {
    const batch = names.slice(i, i + 100);
    const answer = await awsCall(`deployment groups of application ${application}`, () =>
      codedeploy.send(
        new BatchGetDeploymentGroupsCommand({ applicationName: application, deploymentGroupNames: batch }),
      ),
    );
    infos.push(...(answer.deploymentGroupsInfo ?? []));
  }
  return infos;
}

/**
 * A deployment-config input must name an ECS config that exists: checked before registering,
 * so a typo never leaves a registered revision and no deployment. Returns how it moves traffic,
 * for the expected timeline.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_GetDeploymentConfig.html
 */
export async function checkDeploymentConfig(
  codedeploy: CodeDeployApi,
  name: string,
): Promise<TrafficRoutingConfig | undefined> {
  let platform: string | undefined;
  let routing: TrafficRoutingConfig | undefined;
  try {
    const answer = await awsCall(`deployment config ${name}`, () =>
      codedeploy.send(new GetDeploymentConfigCommand({ deploymentConfigName: name })),
    );
    platform = answer.deploymentConfigInfo?.computePlatform;
    routing = answer.deploymentConfigInfo?.trafficRoutingConfig;
  } catch (error) {
    if (error instanceof AwsCallError && error.code === 'DeploymentConfigDoesNotExistException') {
      throw new ConfigurationError(
        'deployment-config',
        name,
        'an existing CodeDeploy deployment config for ECS, e.g. CodeDeployDefault.ECSAllAtOnce or CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
      );
    }
    throw error;
  }
  if (platform && platform !== 'ECS') {
    throw new ConfigurationError('deployment-config', name, `a deployment config for ECS; this one is for ${platform}`);
  }
  return routing;
}
