/**
 * The sandbox's CodeDeploy: applications, deployment groups, deployment configs and ECS
 * blue/green deployments run by the engine in ./codedeploy/engine.ts.
 *
 * Operations, fields and errors follow the CodeDeploy API reference:
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_Operations.html
 * Error messages are AWS's where known (quoted from AWS answers), otherwise written in its style.
 */
import { randomUUID } from 'node:crypto';
import { AwsError, type CodeDeployDeps, type CodeDeployService, type ServiceHandlers } from '../contracts.js';
import { appSpecText, ECS_LIFECYCLE_EVENTS, parseEcsAppSpec } from './codedeploy/appspec.js';
import {
  configInfo,
  customConfig,
  predefinedConfigs,
  type ComputePlatform,
  type DeploymentConfig,
} from './codedeploy/configs.js';
import { DeploymentEngine, taskSetsInfo, type WaitType } from './codedeploy/engine.js';
import {
  ACTIVE_STATUSES,
  isActive,
  newDeploymentId,
  type Application,
  type AutoRollbackConfiguration,
  type BlueGreenDeploymentConfiguration,
  type Deployment,
  type DeploymentGroup,
  type DeploymentStatus,
  type LoadBalancerInfo,
} from './codedeploy/model.js';

const BATCH_LIMIT = 100;
const DEPLOYMENT_BATCH_LIMIT = 25;
const PAGE_SIZE = 100;
/** CodeDeploy quota: a deployment description holds at most 100 characters. */
const MAX_DESCRIPTION_LENGTH = 100;
const ALL_STATUSES: readonly DeploymentStatus[] = [...ACTIVE_STATUSES, 'Succeeded', 'Failed', 'Stopped'];

export function createCodeDeployService(deps: CodeDeployDeps): CodeDeployService {
  const applications = new Map<string, Application>();
  const groups = new Map<string, DeploymentGroup>();
  const configs = new Map<string, DeploymentConfig>(predefinedConfigs().map((c) => [c.deploymentConfigName, c]));
  const deployments = new Map<string, Deployment>();
  const resourceTags = new Map<string, { Key: string; Value?: string }[]>();

  const groupKey = (app: string, group: string) => `${app}\u0000${group}`;
  const findGroup = (app: string, group: string) => groups.get(groupKey(app, group));

  const engine = new DeploymentEngine({
    deps,
    group: findGroup,
    register(deployment) {
      deployments.set(deployment.deploymentId, deployment);
      const group = findGroup(deployment.applicationName, deployment.deploymentGroupName);
      if (group) group.lastAttemptedDeployment = lastInfo(deployment);
    },
    finished(deployment) {
      const group = findGroup(deployment.applicationName, deployment.deploymentGroupName);
      if (!group) return;
      if (group.lastAttemptedDeployment?.deploymentId === deployment.deploymentId) {
        group.lastAttemptedDeployment = lastInfo(deployment);
      }
      if (deployment.status === 'Succeeded') {
        group.lastSuccessfulDeployment = lastInfo(deployment);
        group.targetRevision = deployment.revision;
      }
    },
  });

  // -------------------------------------------------------------------------------------------
  // Lookups that raise AWS's errors

  function requireApp(input: Record<string, unknown>, field = 'applicationName'): Application {
    const name = input[field];
    if (typeof name !== 'string' || name === '') {
      throw new AwsError(
        'ApplicationNameRequiredException',
        'The minimum number of required application names was not specified.',
      );
    }
    const app = applications.get(name);
    if (!app) throw new AwsError('ApplicationDoesNotExistException', `No application found for name: ${name}`);
    return app;
  }

  function requireGroup(app: Application, name: unknown): DeploymentGroup {
    if (typeof name !== 'string' || name === '') {
      throw new AwsError('DeploymentGroupNameRequiredException', 'The deployment group name was not specified.');
    }
    const group = findGroup(app.applicationName, name);
    if (!group)
      throw new AwsError('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${name}`);
    return group;
  }

  function requireDeployment(id: unknown): Deployment {
    if (typeof id !== 'string' || id === '') {
      throw new AwsError('DeploymentIdRequiredException', 'At least one deployment ID must be specified.');
    }
    const deployment = deployments.get(id);
    if (!deployment) {
      if (!/^d-[A-Z0-9]{9}$/.test(id))
        throw new AwsError('InvalidDeploymentIdException', `Specified DeploymentId is not in the valid format: ${id}`);
      throw new AwsError('DeploymentDoesNotExistException', `The deployment ${id} could not be found.`);
    }
    return deployment;
  }

  function requireConfig(name: string, platform: ComputePlatform): DeploymentConfig {
    const config = configs.get(name);
    if (!config)
      throw new AwsError(
        'DeploymentConfigDoesNotExistException',
        `No deployment configuration found for name: ${name}`,
      );
    if (config.computePlatform !== platform) {
      throw new AwsError(
        'InvalidDeploymentConfigNameException',
        `The deployment configuration ${name} is for the ${config.computePlatform} compute platform, not ${platform}.`,
      );
    }
    return config;
  }

  function applicationArn(ctxRegion: string, ctxAccount: string, name: string) {
    return `arn:aws:codedeploy:${ctxRegion}:${ctxAccount}:application:${name}`;
  }
  function groupArn(ctxRegion: string, ctxAccount: string, app: string, group: string) {
    return `arn:aws:codedeploy:${ctxRegion}:${ctxAccount}:deploymentgroup:${app}/${group}`;
  }

  // -------------------------------------------------------------------------------------------
  // Deployment groups: validation shared by Create and Update
  // https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeploymentGroup.html

  function validateEcsGroup(group: DeploymentGroup, otherGroups: DeploymentGroup[]): void {
    const style = group.deploymentStyle;
    if (style.deploymentType !== 'BLUE_GREEN' || style.deploymentOption !== 'WITH_TRAFFIC_CONTROL') {
      throw new AwsError(
        'InvalidDeploymentStyleException',
        'An ECS deployment group must use deploymentType BLUE_GREEN with deploymentOption WITH_TRAFFIC_CONTROL.',
      );
    }
    if (group.ecsServices.length !== 1) {
      throw new AwsError(
        'InvalidECSServiceException',
        'An ECS deployment group must name exactly one ECS service (ecsServices).',
      );
    }
    const { clusterName, serviceName } = group.ecsServices[0]!;
    let service;
    try {
      service = deps.ecs.service(clusterName, serviceName);
    } catch (error) {
      const reason = error instanceof AwsError ? `${error.code}: ${error.message}` : String(error);
      throw new AwsError(
        'InvalidECSServiceException',
        `The ECS service ${serviceName} in cluster ${clusterName} is not valid: ${reason}`,
      );
    }
    if (service.deploymentController !== 'CODE_DEPLOY') {
      throw new AwsError(
        'InvalidECSServiceException',
        "Deployment group's ECS service must be configured for a CODE_DEPLOY deployment controller.",
      );
    }
    const taken = otherGroups.find((g) =>
      g.ecsServices.some((s) => s.clusterName === clusterName && s.serviceName === serviceName),
    );
    if (taken) {
      throw new AwsError(
        'ECSServiceMappingLimitExceededException',
        `The Amazon ECS service is associated with more than one deployment groups. An Amazon ECS service can be associated with only one deployment group. (${taken.applicationName}/${taken.deploymentGroupName})`,
      );
    }
    const pairs = group.loadBalancerInfo.targetGroupPairInfoList ?? [];
    if (pairs.length !== 1) {
      throw new AwsError(
        'InvalidLoadBalancerInfoException',
        'An ECS deployment group needs loadBalancerInfo.targetGroupPairInfoList with one target group pair.',
      );
    }
    const pair = pairs[0]!;
    const names = (pair.targetGroups ?? []).map((tg) => tg.name);
    if (names.length !== 2 || names.some((name) => !name) || names[0] === names[1]) {
      throw new AwsError(
        'InvalidTargetGroupPairException',
        'A target group pair must name two different target groups.',
      );
    }
    for (const name of names) {
      if (!deps.lb.targetGroupByName(name!))
        throw new AwsError('InvalidTargetGroupPairException', `Target group ${name} was not found.`);
    }
    const prod = pair.prodTrafficRoute?.listenerArns ?? [];
    const test = pair.testTrafficRoute?.listenerArns ?? [];
    if (prod.length !== 1) {
      throw new AwsError(
        'InvalidTargetGroupPairException',
        'A target group pair needs exactly one production listener (prodTrafficRoute.listenerArns).',
      );
    }
    if (test.length > 1) {
      throw new AwsError(
        'InvalidTargetGroupPairException',
        'A target group pair can have at most one test listener (testTrafficRoute.listenerArns).',
      );
    }
    for (const arn of [...prod, ...test]) {
      if (!deps.lb.listener(arn))
        throw new AwsError('InvalidLoadBalancerInfoException', `Listener ${arn} was not found.`);
    }
    const bg = group.blueGreenDeploymentConfiguration;
    const termination = bg.terminateBlueInstancesOnDeploymentSuccess;
    const ready = bg.deploymentReadyOption;
    if (
      (termination?.action && !['TERMINATE', 'KEEP_ALIVE'].includes(termination.action)) ||
      (termination?.terminationWaitTimeInMinutes !== undefined &&
        (termination.terminationWaitTimeInMinutes < 0 || termination.terminationWaitTimeInMinutes > 2880)) ||
      (ready?.actionOnTimeout && !['CONTINUE_DEPLOYMENT', 'STOP_DEPLOYMENT'].includes(ready.actionOnTimeout)) ||
      (ready?.waitTimeInMinutes !== undefined && ready.waitTimeInMinutes < 0)
    ) {
      throw new AwsError(
        'InvalidBlueGreenDeploymentConfigurationException',
        'The blueGreenDeploymentConfiguration is not valid: termination action TERMINATE or KEEP_ALIVE with a wait of 0-2880 minutes; actionOnTimeout CONTINUE_DEPLOYMENT or STOP_DEPLOYMENT.',
      );
    }
    requireConfig(group.deploymentConfigName, 'ECS');
  }

  function validateRollback(config: AutoRollbackConfiguration | undefined): void {
    if (!config) return;
    const allowed = ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'];
    if ((config.events ?? []).some((e) => !allowed.includes(e))) {
      throw new AwsError(
        'InvalidAutoRollbackConfigException',
        `Auto rollback events must be among ${allowed.join(', ')}.`,
      );
    }
    if (config.enabled && (config.events ?? []).length === 0) {
      throw new AwsError('InvalidAutoRollbackConfigException', 'Auto rollback is enabled but no events are specified.');
    }
  }

  function groupFromInput(
    app: Application,
    name: string,
    input: Record<string, unknown>,
    base?: DeploymentGroup,
  ): DeploymentGroup {
    const ecs = app.computePlatform === 'ECS';
    const pick = <T>(field: string, fallback: T): T => (input[field] !== undefined ? (input[field] as T) : fallback);
    const bg = pick<BlueGreenDeploymentConfiguration>(
      'blueGreenDeploymentConfiguration',
      base?.blueGreenDeploymentConfiguration ?? {},
    );
    return {
      applicationName: app.applicationName,
      deploymentGroupId: base?.deploymentGroupId ?? randomUUID(),
      deploymentGroupName: name,
      computePlatform: app.computePlatform,
      deploymentConfigName: pick(
        'deploymentConfigName',
        base?.deploymentConfigName ?? (ecs ? 'CodeDeployDefault.ECSAllAtOnce' : 'CodeDeployDefault.OneAtATime'),
      ),
      serviceRoleArn: pick('serviceRoleArn', base?.serviceRoleArn),
      deploymentStyle: pick(
        'deploymentStyle',
        base?.deploymentStyle ?? { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
      ),
      blueGreenDeploymentConfiguration: {
        ...bg,
        // AWS fills these in for ECS groups that leave them out.
        ...(ecs
          ? {
              terminateBlueInstancesOnDeploymentSuccess: {
                action: bg.terminateBlueInstancesOnDeploymentSuccess?.action ?? 'TERMINATE',
                terminationWaitTimeInMinutes:
                  bg.terminateBlueInstancesOnDeploymentSuccess?.terminationWaitTimeInMinutes ?? 0,
              },
              deploymentReadyOption: {
                actionOnTimeout: bg.deploymentReadyOption?.actionOnTimeout ?? 'CONTINUE_DEPLOYMENT',
                waitTimeInMinutes: bg.deploymentReadyOption?.waitTimeInMinutes ?? 0,
              },
            }
          : {}),
      },
      ecsServices: pick('ecsServices', base?.ecsServices ?? []),
      loadBalancerInfo: pick<LoadBalancerInfo>('loadBalancerInfo', base?.loadBalancerInfo ?? {}),
      autoRollbackConfiguration: pick('autoRollbackConfiguration', base?.autoRollbackConfiguration),
      alarmConfiguration: pick('alarmConfiguration', base?.alarmConfiguration),
      triggerConfigurations: pick('triggerConfigurations', base?.triggerConfigurations ?? []),
      outdatedInstancesStrategy: pick('outdatedInstancesStrategy', base?.outdatedInstancesStrategy ?? 'UPDATE'),
      terminationHookEnabled: pick('terminationHookEnabled', base?.terminationHookEnabled ?? false),
      tags: base?.tags ?? ((input.tags as DeploymentGroup['tags']) || []),
      lastSuccessfulDeployment: base?.lastSuccessfulDeployment,
      lastAttemptedDeployment: base?.lastAttemptedDeployment,
      targetRevision: base?.targetRevision,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Answers

  function deploymentInfo(d: Deployment): Record<string, unknown> {
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
  function deploymentTarget(d: Deployment): Record<string, unknown> {
    const group = findGroup(d.applicationName, d.deploymentGroupName);
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

  function groupInfo(g: DeploymentGroup): Record<string, unknown> {
    const { tags: _tags, ...rest } = g;
    return dropUndefined({ ...rest, ec2TagFilters: [], onPremisesInstanceTagFilters: [], autoScalingGroups: [] });
  }

  function appInfo(a: Application): Record<string, unknown> {
    const { tags: _tags, ...rest } = a;
    return rest;
  }

  function requireTarget(d: Deployment, targetId: unknown): void {
    if (typeof targetId !== 'string' || targetId === '') {
      throw new AwsError('DeploymentTargetIdRequiredException', 'A deployment target ID was not provided.');
    }
    if (targetId !== d.target.targetId) {
      throw new AwsError(
        'DeploymentTargetDoesNotExistException',
        `The deployment target ${targetId} does not exist in deployment ${d.deploymentId}.`,
      );
    }
  }

  function activeIn(app: string, group: string): Deployment | undefined {
    for (const d of deployments.values()) {
      if (d.applicationName === app && d.deploymentGroupName === group && isActive(d)) return d;
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Operations

  const handlers: ServiceHandlers = {
    CreateApplication(input, ctx) {
      const name = input.applicationName;
      if (typeof name !== 'string' || name === '') {
        throw new AwsError(
          'ApplicationNameRequiredException',
          'The minimum number of required application names was not specified.',
        );
      }
      if (name.length > 100)
        throw new AwsError(
          'InvalidApplicationNameException',
          'The application name was specified in an invalid format.',
        );
      if (applications.has(name)) {
        throw new AwsError('ApplicationAlreadyExistsException', `${name} already exists in your account`);
      }
      const platform = (input.computePlatform ?? 'Server') as string;
      if (!['ECS', 'Lambda', 'Server'].includes(platform)) {
        throw new AwsError('InvalidComputePlatformException', `The computePlatform ${platform} is not valid.`);
      }
      const app: Application = {
        applicationId: randomUUID(),
        applicationName: name,
        createTime: deps.clock.now(),
        linkedToGitHub: false,
        computePlatform: platform as Application['computePlatform'],
        tags: (input.tags as Application['tags']) ?? [],
      };
      applications.set(name, app);
      resourceTags.set(applicationArn(ctx.region, ctx.account, name), [...app.tags]);
      return { applicationId: app.applicationId };
    },

    GetApplication(input) {
      return { application: appInfo(requireApp(input)) };
    },

    ListApplications() {
      return { applications: [...applications.keys()].sort() };
    },

    BatchGetApplications(input) {
      const names = (input.applicationNames as string[] | undefined) ?? [];
      if (names.length > BATCH_LIMIT)
        throw new AwsError(
          'BatchLimitExceededException',
          'The maximum number of names or IDs allowed for this request (100) was exceeded.',
        );
      return { applicationsInfo: names.map((name) => appInfo(requireApp({ applicationName: name }))) };
    },

    async DeleteApplication(input) {
      const name = input.applicationName;
      if (typeof name !== 'string' || name === '') {
        throw new AwsError(
          'ApplicationNameRequiredException',
          'The minimum number of required application names was not specified.',
        );
      }
      for (const d of deployments.values()) {
        if (d.applicationName === name && isActive(d)) await engine.stop(d.deploymentId, false);
      }
      applications.delete(name);
      for (const [key, group] of groups) if (group.applicationName === name) groups.delete(key);
      return {};
    },

    CreateDeploymentGroup(input, ctx) {
      const app = requireApp(input);
      const name = input.deploymentGroupName;
      if (typeof name !== 'string' || name === '') {
        throw new AwsError('DeploymentGroupNameRequiredException', 'The deployment group name was not specified.');
      }
      if (name.length > 100)
        throw new AwsError(
          'InvalidDeploymentGroupNameException',
          'The deployment group name was specified in an invalid format.',
        );
      if (findGroup(app.applicationName, name)) {
        throw new AwsError(
          'DeploymentGroupAlreadyExistsException',
          `Deployment group ${name} already exists for application ${app.applicationName}.`,
        );
      }
      const group = groupFromInput(app, name, input);
      validateRollback(group.autoRollbackConfiguration);
      if (app.computePlatform === 'ECS') validateEcsGroup(group, [...groups.values()]);
      else requireConfig(group.deploymentConfigName, app.computePlatform);
      groups.set(groupKey(app.applicationName, name), group);
      resourceTags.set(groupArn(ctx.region, ctx.account, app.applicationName, name), [...group.tags]);
      return { deploymentGroupId: group.deploymentGroupId };
    },

    GetDeploymentGroup(input) {
      const app = requireApp(input);
      return { deploymentGroupInfo: groupInfo(requireGroup(app, input.deploymentGroupName)) };
    },

    ListDeploymentGroups(input) {
      const app = requireApp(input);
      const names = [...groups.values()]
        .filter((g) => g.applicationName === app.applicationName)
        .map((g) => g.deploymentGroupName);
      return { applicationName: app.applicationName, deploymentGroups: names.sort() };
    },

    BatchGetDeploymentGroups(input) {
      const app = requireApp(input);
      const names = (input.deploymentGroupNames as string[] | undefined) ?? [];
      if (names.length > BATCH_LIMIT)
        throw new AwsError(
          'BatchLimitExceededException',
          'The maximum number of names or IDs allowed for this request (100) was exceeded.',
        );
      const found: Record<string, unknown>[] = [];
      const missing: string[] = [];
      for (const name of names) {
        const group = findGroup(app.applicationName, name);
        if (group) found.push(groupInfo(group));
        else missing.push(name);
      }
      return dropUndefined({
        deploymentGroupsInfo: found,
        errorMessage: missing.length ? `Deployment groups not found: ${missing.join(', ')}` : undefined,
      });
    },

    UpdateDeploymentGroup(input, ctx) {
      const app = requireApp(input);
      const current = requireGroup(app, input.currentDeploymentGroupName);
      const newName =
        typeof input.newDeploymentGroupName === 'string' && input.newDeploymentGroupName !== ''
          ? input.newDeploymentGroupName
          : current.deploymentGroupName;
      if (newName !== current.deploymentGroupName && findGroup(app.applicationName, newName)) {
        throw new AwsError(
          'DeploymentGroupAlreadyExistsException',
          `Deployment group ${newName} already exists for application ${app.applicationName}.`,
        );
      }
      const updated = groupFromInput(app, newName, input, current);
      validateRollback(updated.autoRollbackConfiguration);
      const others = [...groups.values()].filter((g) => g !== current);
      if (app.computePlatform === 'ECS') validateEcsGroup(updated, others);
      else requireConfig(updated.deploymentConfigName, app.computePlatform);
      groups.delete(groupKey(app.applicationName, current.deploymentGroupName));
      groups.set(groupKey(app.applicationName, newName), updated);
      if (newName !== current.deploymentGroupName) {
        const oldArn = groupArn(ctx.region, ctx.account, app.applicationName, current.deploymentGroupName);
        resourceTags.set(
          groupArn(ctx.region, ctx.account, app.applicationName, newName),
          resourceTags.get(oldArn) ?? [],
        );
        resourceTags.delete(oldArn);
      }
      return { hooksNotCleanedUp: [] };
    },

    DeleteDeploymentGroup(input, ctx) {
      const app = requireApp(input);
      const name = input.deploymentGroupName;
      if (typeof name !== 'string' || name === '') {
        throw new AwsError('DeploymentGroupNameRequiredException', 'The deployment group name was not specified.');
      }
      groups.delete(groupKey(app.applicationName, name));
      resourceTags.delete(groupArn(ctx.region, ctx.account, app.applicationName, name));
      return { hooksNotCleanedUp: [] };
    },

    GetDeploymentConfig(input) {
      const name = input.deploymentConfigName;
      if (typeof name !== 'string' || name === '') {
        throw new AwsError(
          'DeploymentConfigNameRequiredException',
          'The deployment configuration name was not specified.',
        );
      }
      const config = configs.get(name);
      if (!config)
        throw new AwsError(
          'DeploymentConfigDoesNotExistException',
          `No deployment configuration found for name: ${name}`,
        );
      return { deploymentConfigInfo: configInfo(config) };
    },

    ListDeploymentConfigs() {
      return { deploymentConfigsList: [...configs.keys()] };
    },

    CreateDeploymentConfig(input) {
      const config = customConfig(input, deps.clock.now());
      if (configs.has(config.deploymentConfigName)) {
        throw new AwsError(
          'DeploymentConfigAlreadyExistsException',
          `Deployment configuration ${config.deploymentConfigName} already exists.`,
        );
      }
      configs.set(config.deploymentConfigName, config);
      return { deploymentConfigId: config.deploymentConfigId };
    },

    DeleteDeploymentConfig(input) {
      const name = input.deploymentConfigName;
      if (typeof name !== 'string' || name === '') {
        throw new AwsError(
          'DeploymentConfigNameRequiredException',
          'The deployment configuration name was not specified.',
        );
      }
      const config = configs.get(name);
      if (config?.predefined)
        throw new AwsError('InvalidOperationException', 'A predefined deployment configuration cannot be deleted.');
      if ([...groups.values()].some((g) => g.deploymentConfigName === name)) {
        throw new AwsError(
          'DeploymentConfigInUseException',
          `The deployment configuration ${name} is in use by a deployment group.`,
        );
      }
      configs.delete(name);
      return {};
    },

    /** https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html */
    CreateDeployment(input) {
      const app = requireApp(input);
      const group = requireGroup(app, input.deploymentGroupName);
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
      const active = activeIn(app.applicationName, group.deploymentGroupName);
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
      const config = requireConfig(configName, 'ECS');
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
      return { deploymentInfo: deploymentInfo(requireDeployment(input.deploymentId)) };
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
        const app = requireApp(input);
        if (!groupName) {
          throw new AwsError(
            'DeploymentGroupNameRequiredException',
            'If applicationName is specified, deploymentGroupName must be specified too.',
          );
        }
        requireGroup(app, groupName);
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

    ListDeploymentTargets(input) {
      const d = requireDeployment(input.deploymentId);
      if (d.status === 'Created')
        throw new AwsError('DeploymentNotStartedException', 'The specified deployment has not started.');
      const filters = (input.targetFilters ?? {}) as Record<string, string[]>;
      for (const name of Object.keys(filters)) {
        if (name !== 'TargetStatus' && name !== 'ServerInstanceLabel') {
          throw new AwsError('InvalidTargetFilterNameException', `The target filter name ${name} is not valid.`);
        }
      }
      const statusFilter = filters.TargetStatus;
      const ids = statusFilter && !statusFilter.includes(d.target.status) ? [] : [d.target.targetId];
      return page(ids, input.nextToken, 'targetIds');
    },

    GetDeploymentTarget(input) {
      const d = requireDeployment(input.deploymentId);
      requireTarget(d, input.targetId);
      return { deploymentTarget: deploymentTarget(d) };
    },

    BatchGetDeploymentTargets(input) {
      const d = requireDeployment(input.deploymentId);
      const ids = (input.targetIds as string[] | undefined) ?? [];
      if (ids.length > DEPLOYMENT_BATCH_LIMIT) {
        throw new AwsError(
          'DeploymentTargetListSizeExceededException',
          'The maximum number of targets that can be associated with an Amazon ECS or AWS Lambda deployment was exceeded.',
        );
      }
      for (const id of ids) requireTarget(d, id);
      return { deploymentTargets: ids.map(() => deploymentTarget(d)) };
    },

    /** https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_StopDeployment.html */
    async StopDeployment(input) {
      const d = requireDeployment(input.deploymentId);
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
      const d = requireDeployment(input.deploymentId);
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

    ListTagsForResource(input) {
      const arn = input.ResourceArn as string;
      if (!resourceTags.has(arn))
        throw new AwsError('ResourceArnRequiredException', `The resource ${arn} was not found.`);
      return { Tags: resourceTags.get(arn) };
    },

    TagResource(input) {
      const arn = input.ResourceArn as string;
      const existing = resourceTags.get(arn);
      if (!existing) throw new AwsError('ResourceArnRequiredException', `The resource ${arn} was not found.`);
      for (const tag of (input.Tags as { Key: string; Value?: string }[]) ?? []) {
        const found = existing.find((t) => t.Key === tag.Key);
        if (found) found.Value = tag.Value;
        else existing.push({ ...tag });
      }
      return {};
    },

    UntagResource(input) {
      const arn = input.ResourceArn as string;
      const existing = resourceTags.get(arn);
      if (!existing) throw new AwsError('ResourceArnRequiredException', `The resource ${arn} was not found.`);
      const keys = (input.TagKeys as string[]) ?? [];
      resourceTags.set(
        arn,
        existing.filter((t) => !keys.includes(t.Key)),
      );
      return {};
    },
  };

  return {
    handlers,
    state() {
      return {
        applications: [...applications.values()].map(appInfo),
        deploymentGroups: [...groups.values()].map(groupInfo),
        deploymentConfigs: [...configs.values()].filter((c) => !c.predefined).map(configInfo),
        deployments: [...deployments.values()].map((d) => ({
          ...deploymentInfo(d),
          deploymentTarget: deploymentTarget(d),
        })),
      };
    },
    stop: () => engine.stopAll(),
  };
}

function lastInfo(d: Deployment) {
  return dropUndefined({
    deploymentId: d.deploymentId,
    status: d.status,
    createTime: d.createTime,
    endTime: d.completeTime,
  }) as {
    deploymentId: string;
    status: DeploymentStatus;
    createTime: Date;
    endTime?: Date;
  };
}

function page(items: string[], nextToken: unknown, field: string): Record<string, unknown> {
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

function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}
