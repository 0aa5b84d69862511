/**
 * Inputs that depend on the service's deployment controller: description, hooks, wait,
 * desired-count, force-new-deployment, enable-ecs-managed-tags, propagate-tags.
 */
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { awsCall } from '../../../lib/aws.js';
import { ConfigurationError } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/log.js';
import type { PropagateTags, ServiceDeployConfig } from './config.js';
import type { DeployDeps } from './deps.js';
import type { ServiceInfo } from './discovery.js';
import { MAX_DESCRIPTION_LENGTH } from './codedeploy.js';

/**
 * `generated — user text`, cut to CodeDeploy's 100 characters (it refuses longer ones with
 * DescriptionTooLongException) with a warning saying what was dropped.
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/limits.html
 */
export function withUserDescription(generated: string, user: string | undefined, logger: Logger): string {
  const extra = user?.replace(/\s+/g, ' ').trim();
  if (!extra) return generated;
  const whole = `${generated} - ${extra}`;
  if (whole.length <= MAX_DESCRIPTION_LENGTH) return whole;
  const cut = `${whole.slice(0, MAX_DESCRIPTION_LENGTH - 3)}...`;
  logger.warning(
    `The deployment description is ${whole.length} characters and CodeDeploy takes at most ${MAX_DESCRIPTION_LENGTH}: it was cut to "${cut}". Shorten the description input to keep all of it.`,
  );
  return cut;
}

/**
 * Inputs that only one deployment controller can honour, refused before anything is registered.
 * ECS native deployments take lifecycle hooks on the service itself
 * (deploymentConfiguration.lifecycleHooks), not in an AppSpec; a CODE_DEPLOY service's task
 * definition changes only through CodeDeploy, and its task count belongs to the task sets
 * CodeDeploy makes.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-lifecycle-hooks.html
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html
 */
export function checkControllerInputs(
  config: Pick<
    ServiceDeployConfig,
    | 'cluster'
    | 'service'
    | 'hooks'
    | 'wait'
    | 'desiredCount'
    | 'forceNewDeployment'
    | 'enableEcsManagedTags'
    | 'propagateTags'
  >,
  service: { controller: string; strategy?: string },
): void {
  if (service.controller === 'CODE_DEPLOY') {
    const where = `${config.cluster}/${config.service} uses the CODE_DEPLOY deployment controller`;
    if (config.desiredCount !== undefined) {
      throw new ConfigurationError(
        'desired-count',
        String(config.desiredCount),
        `desired-count is for services with the ECS deployment controller, and ${where}: change its desired count outside the deployment (Terraform, or aws ecs update-service --desired-count)`,
      );
    }
    if (config.forceNewDeployment) {
      throw new ConfigurationError(
        'force-new-deployment',
        'true',
        `force-new-deployment is for services with the ECS deployment controller, and ${where}: a CodeDeploy deployment needs a changed task definition`,
      );
    }
    // The deployment's tasks belong to the task set CodeDeploy creates, not to an UpdateService
    // this action makes: a tag setting there would not say which tasks carry the tags.
    const tagInputs: [string, string | undefined][] = [
      ['enable-ecs-managed-tags', config.enableEcsManagedTags?.toString()],
      ['propagate-tags', config.propagateTags],
    ];
    for (const [input, value] of tagInputs) {
      if (value === undefined) continue;
      throw new ConfigurationError(
        input,
        value,
        `${input} is for services with the ECS deployment controller, and ${where}: set the service's tag settings outside the deployment (Terraform's enable_ecs_managed_tags / propagate_tags, or aws ecs update-service), or leave ${input} empty`,
      );
    }
    return;
  }
  const where = `${config.cluster}/${config.service} uses the ECS deployment controller (${service.strategy ?? 'ROLLING'})`;
  if (config.hooks?.length) {
    throw new ConfigurationError(
      'hooks',
      config.hooks.map((h) => `${h.event}=${h.functionName}`).join('\n'),
      `AppSpec hooks are run by CodeDeploy, and ${where}; set lifecycle hooks on the service's deploymentConfiguration instead, or leave hooks empty`,
    );
  }
}

/** The service settings these inputs ask for and the service does not have yet (UpdateService fields). */
export function serviceSettingsToChange(
  config: Pick<ServiceDeployConfig, 'desiredCount' | 'enableEcsManagedTags' | 'propagateTags'>,
  current: { desiredCount?: number; enableECSManagedTags?: boolean; propagateTags?: string },
): { desiredCount?: number; enableECSManagedTags?: boolean; propagateTags?: PropagateTags } {
  return {
    ...(config.desiredCount !== undefined && config.desiredCount !== current.desiredCount
      ? { desiredCount: config.desiredCount }
      : {}),
    ...(config.enableEcsManagedTags !== undefined &&
    config.enableEcsManagedTags !== (current.enableECSManagedTags ?? false)
      ? { enableECSManagedTags: config.enableEcsManagedTags }
      : {}),
    ...(config.propagateTags !== undefined && config.propagateTags !== (current.propagateTags ?? 'NONE')
      ? { propagateTags: config.propagateTags }
      : {}),
  };
}

/**
 * Nothing to deploy, but desired-count or the tag settings differ from the service's: set them
 * alone. UpdateService without a task definition or forceNewDeployment starts no deployment;
 * the tag settings apply to tasks started from then on (force-new-deployment replaces the
 * running ones).
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html
 */
export async function scaleIfAsked(
  config: Pick<ServiceDeployConfig, 'cluster' | 'service' | 'desiredCount' | 'enableEcsManagedTags' | 'propagateTags'>,
  deps: Pick<DeployDeps, 'ecs' | 'logger'>,
  service: ServiceInfo,
): Promise<void> {
  const change = serviceSettingsToChange(config, service.raw);
  if (Object.keys(change).length === 0) return;
  await awsCall(`service ${config.service} in cluster ${config.cluster}`, () =>
    deps.ecs.send(new UpdateServiceCommand({ cluster: config.cluster, service: config.service, ...change })),
  );
  const where = `${config.cluster}/${config.service}`;
  if (change.desiredCount !== undefined) {
    deps.logger.info(
      `desired-count: set ${where} from ${service.raw.desiredCount ?? 0} to ${change.desiredCount} tasks (no new deployment).`,
    );
  }
  if (change.enableECSManagedTags !== undefined) {
    deps.logger.info(
      `enable-ecs-managed-tags: set ${where} to ${change.enableECSManagedTags} (no new deployment; tasks started from now on carry it, force-new-deployment replaces the running ones).`,
    );
  }
  if (change.propagateTags !== undefined) {
    deps.logger.info(
      `propagate-tags: set ${where} from ${service.raw.propagateTags ?? 'NONE'} to ${change.propagateTags} (no new deployment; tasks started from now on carry it, force-new-deployment replaces the running ones).`,
    );
  }
}
