/**
 * CodeDeploy applications: CreateApplication, GetApplication, ListApplications,
 * BatchGetApplications, DeleteApplication.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateApplication.html
 */
import { randomUUID } from 'node:crypto';
import { AwsError, type ServiceHandlers } from '../../contracts.js';
import { appInfo, BATCH_LIMIT } from './answers.js';
import { isActive, type Application } from './model.js';
import { applicationArn, type CodeDeployParts } from './store.js';

export function applicationHandlers({ deps, store, engine }: CodeDeployParts): ServiceHandlers {
  const { applications, groups, deployments, resourceTags } = store;
  return {
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
      return { application: appInfo(store.requireApp(input)) };
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
      return { applicationsInfo: names.map((name) => appInfo(store.requireApp({ applicationName: name }))) };
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
  };
}
