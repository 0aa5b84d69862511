/**
 * CodeDeploy deployment groups: CreateDeploymentGroup, GetDeploymentGroup, ListDeploymentGroups,
 * BatchGetDeploymentGroups, UpdateDeploymentGroup, DeleteDeploymentGroup.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeploymentGroup.html
 */
import { randomUUID } from 'node:crypto';
import { AwsError, type ServiceHandlers } from '../../contracts.js';
import { BATCH_LIMIT, dropUndefined, groupInfo } from './answers.js';
import { validateEcsGroup, validateRollback } from './group-validation.js';
import type { Application, BlueGreenDeploymentConfiguration, DeploymentGroup, LoadBalancerInfo } from './model.js';
import { groupArn, groupKey, type CodeDeployParts } from './store.js';

export function deploymentGroupHandlers({ deps, store }: CodeDeployParts): ServiceHandlers {
  const { groups, resourceTags } = store;
  return {
    CreateDeploymentGroup(input, ctx) {
      const app = store.requireApp(input);
      const name = input.deploymentGroupName;
      if (typeof name !== 'string' || name === '') {
        throw new AwsError('DeploymentGroupNameRequiredException', 'The deployment group name was not specified.');
      }
      if (name.length > 100)
        throw new AwsError(
          'InvalidDeploymentGroupNameException',
          'The deployment group name was specified in an invalid format.',
        );
      if (store.findGroup(app.applicationName, name)) {
        throw new AwsError(
          'DeploymentGroupAlreadyExistsException',
          `Deployment group ${name} already exists for application ${app.applicationName}.`,
        );
      }
      const group = groupFromInput(app, name, input);
      validateRollback(group.autoRollbackConfiguration);
      if (app.computePlatform === 'ECS') validateEcsGroup({ deps, store }, group, [...groups.values()]);
      else store.requireConfig(group.deploymentConfigName, app.computePlatform);
      groups.set(groupKey(app.applicationName, name), group);
      resourceTags.set(groupArn(ctx.region, ctx.account, app.applicationName, name), [...group.tags]);
      return { deploymentGroupId: group.deploymentGroupId };
    },

    GetDeploymentGroup(input) {
      const app = store.requireApp(input);
      return { deploymentGroupInfo: groupInfo(store.requireGroup(app, input.deploymentGroupName)) };
    },

    ListDeploymentGroups(input) {
      const app = store.requireApp(input);
      const names = [...groups.values()]
        .filter((g) => g.applicationName === app.applicationName)
        .map((g) => g.deploymentGroupName);
      return { applicationName: app.applicationName, deploymentGroups: names.sort() };
    },

    BatchGetDeploymentGroups(input) {
      const app = store.requireApp(input);
      const names = (input.deploymentGroupNames as string[] | undefined) ?? [];
      if (names.length > BATCH_LIMIT)
        throw new AwsError(
          'BatchLimitExceededException',
          'The maximum number of names or IDs allowed for this request (100) was exceeded.',
        );
      const found: Record<string, unknown>[] = [];
      const missing: string[] = [];
      for (const name of names) {
        const group = store.findGroup(app.applicationName, name);
        if (group) found.push(groupInfo(group));
        else missing.push(name);
      }
      return dropUndefined({
        deploymentGroupsInfo: found,
        errorMessage: missing.length ? `Deployment groups not found: ${missing.join(', ')}` : undefined,
      });
    },

    UpdateDeploymentGroup(input, ctx) {
      const app = store.requireApp(input);
      const current = store.requireGroup(app, input.currentDeploymentGroupName);
      const newName =
        typeof input.newDeploymentGroupName === 'string' && input.newDeploymentGroupName !== ''
          ? input.newDeploymentGroupName
          : current.deploymentGroupName;
      if (newName !== current.deploymentGroupName && store.findGroup(app.applicationName, newName)) {
        throw new AwsError(
          'DeploymentGroupAlreadyExistsException',
          `Deployment group ${newName} already exists for application ${app.applicationName}.`,
        );
      }
      const updated = groupFromInput(app, newName, input, current);
      validateRollback(updated.autoRollbackConfiguration);
      const others = [...groups.values()].filter((g) => g !== current);
      if (app.computePlatform === 'ECS') validateEcsGroup({ deps, store }, updated, others);
      else store.requireConfig(updated.deploymentConfigName, app.computePlatform);
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
      const app = store.requireApp(input);
      const name = input.deploymentGroupName;
      if (typeof name !== 'string' || name === '') {
        throw new AwsError('DeploymentGroupNameRequiredException', 'The deployment group name was not specified.');
      }
      groups.delete(groupKey(app.applicationName, name));
      resourceTags.delete(groupArn(ctx.region, ctx.account, app.applicationName, name));
      return { hooksNotCleanedUp: [] };
    },
  };
}

/** The group a Create or Update asks for: what the input names, else `base` (Update), else the defaults. */
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
