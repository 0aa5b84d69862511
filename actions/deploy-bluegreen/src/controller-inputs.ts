/** Inputs that depend on the service's deployment controller: description, hooks, wait, desired-count, force-new-deployment. */
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { awsCall } from '../../../lib/aws.js';
import { ConfigurationError } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/log.js';
import type { DeployConfig } from './config.js';
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
  config: Pick<DeployConfig, 'cluster' | 'service' | 'hooks' | 'wait' | 'desiredCount' | 'forceNewDeployment'>,
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
  if (config.wait === false) {
    throw new ConfigurationError('wait', 'false', `wait: false is supported for CODE_DEPLOY services, and ${where}`);
  }
}

/**
 * Nothing to deploy, but desired-count differs from the service's: set it alone. UpdateService
 * with only desiredCount scales the service without starting a new deployment.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html
 */
export async function scaleIfAsked(
  config: Pick<DeployConfig, 'cluster' | 'service' | 'desiredCount'>,
  deps: Pick<DeployDeps, 'ecs' | 'logger'>,
  service: ServiceInfo,
): Promise<void> {
  if (config.desiredCount === undefined || config.desiredCount === service.raw.desiredCount) return;
  await awsCall(`service ${config.service} in cluster ${config.cluster}`, () =>
    deps.ecs.send(
      new UpdateServiceCommand({ cluster: config.cluster, service: config.service, desiredCount: config.desiredCount }),
    ),
  );
  deps.logger.info(
    `desired-count: set ${config.cluster}/${config.service} from ${service.raw.desiredCount ?? 0} to ${config.desiredCount} tasks (no new deployment).`,
  );
}
