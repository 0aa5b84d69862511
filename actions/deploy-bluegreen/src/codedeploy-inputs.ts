/** The deployment's description and the other CodeDeploy-only inputs: description, hooks, wait. */
import { ConfigurationError } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/log.js';
import type { DeployConfig } from './config.js';
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
 * Inputs that only a CodeDeploy deployment can honour, refused for an ECS-controller service
 * before anything is registered. ECS native deployments take lifecycle hooks on the service
 * itself (deploymentConfiguration.lifecycleHooks), not in an AppSpec.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-lifecycle-hooks.html
 */
export function checkEcsControllerInputs(
  config: Pick<DeployConfig, 'cluster' | 'service' | 'hooks' | 'wait' | 'description'>,
  service: { controller: string; strategy?: string },
): void {
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
