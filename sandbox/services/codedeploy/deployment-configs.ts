/**
 * CodeDeploy deployment configs: GetDeploymentConfig, ListDeploymentConfigs,
 * CreateDeploymentConfig, DeleteDeploymentConfig. The configs themselves are in configs.ts.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeploymentConfig.html
 */
import { AwsError, type ServiceHandlers } from '../../contracts.js';
import { configInfo, customConfig } from './configs.js';
import type { CodeDeployParts } from './store.js';

export function deploymentConfigHandlers({ deps, store }: CodeDeployParts): ServiceHandlers {
  const { configs, groups } = store;
  return {
    GetDeploymentConfig(input) {
      const name = requireConfigName(input);
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
      const name = requireConfigName(input);
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
  };
}

function requireConfigName(input: Record<string, unknown>): string {
  const name = input.deploymentConfigName;
  if (typeof name !== 'string' || name === '') {
    throw new AwsError('DeploymentConfigNameRequiredException', 'The deployment configuration name was not specified.');
  }
  return name;
}
