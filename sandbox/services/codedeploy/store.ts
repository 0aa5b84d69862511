/**
 * What the sandbox's CodeDeploy holds between requests (applications, deployment groups,
 * deployment configs, deployments, tags) and the lookups that raise AWS's errors for a missing
 * or unknown name. Every handler module reads and writes this one store.
 */
import { AwsError, type CodeDeployDeps } from '../../contracts.js';
import { predefinedConfigs, type ComputePlatform, type DeploymentConfig } from './configs.js';
import type { DeploymentEngine } from './engine.js';
import type { Application, Deployment, DeploymentGroup } from './model.js';

export interface Tag {
  Key: string;
  Value?: string;
}

/** What each handler module is built from. */
export interface CodeDeployParts {
  deps: CodeDeployDeps;
  store: CodeDeployStore;
  engine: DeploymentEngine;
}

/** Deployment groups are named within their application. */
export function groupKey(app: string, group: string): string {
  return `${app}\u0000${group}`;
}

export function applicationArn(region: string, account: string, name: string): string {
  return `arn:aws:codedeploy:${region}:${account}:application:${name}`;
}

export function groupArn(region: string, account: string, app: string, group: string): string {
  return `arn:aws:codedeploy:${region}:${account}:deploymentgroup:${app}/${group}`;
}

export class CodeDeployStore {
  readonly applications = new Map<string, Application>();
  readonly groups = new Map<string, DeploymentGroup>();
  readonly configs = new Map<string, DeploymentConfig>(predefinedConfigs().map((c) => [c.deploymentConfigName, c]));
  readonly deployments = new Map<string, Deployment>();
  /** Tags by resource ARN (applications and deployment groups), for the tagging operations. */
  readonly resourceTags = new Map<string, Tag[]>();

  findGroup(app: string, group: string): DeploymentGroup | undefined {
    return this.groups.get(groupKey(app, group));
  }

  requireApp(input: Record<string, unknown>, field = 'applicationName'): Application {
    const name = input[field];
    if (typeof name !== 'string' || name === '') {
      throw new AwsError(
        'ApplicationNameRequiredException',
        'The minimum number of required application names was not specified.',
      );
    }
    const app = this.applications.get(name);
    if (!app) throw new AwsError('ApplicationDoesNotExistException', `No application found for name: ${name}`);
    return app;
  }

  requireGroup(app: Application, name: unknown): DeploymentGroup {
    if (typeof name !== 'string' || name === '') {
      throw new AwsError('DeploymentGroupNameRequiredException', 'The deployment group name was not specified.');
    }
    const group = this.findGroup(app.applicationName, name);
    if (!group)
      throw new AwsError('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${name}`);
    return group;
  }

  requireDeployment(id: unknown): Deployment {
    if (typeof id !== 'string' || id === '') {
      throw new AwsError('DeploymentIdRequiredException', 'At least one deployment ID must be specified.');
    }
    const deployment = this.deployments.get(id);
    if (!deployment) {
      if (!/^d-[A-Z0-9]{9}$/.test(id))
        throw new AwsError('InvalidDeploymentIdException', `Specified DeploymentId is not in the valid format: ${id}`);
      throw new AwsError('DeploymentDoesNotExistException', `The deployment ${id} could not be found.`);
    }
    return deployment;
  }

  requireConfig(name: string, platform: ComputePlatform): DeploymentConfig {
    const config = this.configs.get(name);
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
}
