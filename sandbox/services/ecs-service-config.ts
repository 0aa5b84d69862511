/**
 * The parts of a CreateService or UpdateService request that say how the service deploys:
 * deploymentConfiguration (strategy, circuit breaker, traffic steps) and propagateTags.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html
 */
import { AwsError } from '../contracts.js';
import { bool, obj, str } from '../protocol.js';
import { checkTrafficShiftConfiguration } from './ecs-hooks.js';
import type { DeploymentConfiguration, LoadBalancerEntry, Service } from './ecs-model.js';

export function parseDeploymentConfiguration(
  raw: Record<string, unknown> | undefined,
  base?: DeploymentConfiguration,
): DeploymentConfiguration {
  const breaker = raw ? obj(raw, 'deploymentCircuitBreaker') : undefined;
  const config: DeploymentConfiguration = {
    ...(base ?? {
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      deploymentCircuitBreaker: { enable: false, rollback: false },
    }),
    ...(raw ?? {}),
  } as DeploymentConfiguration;
  if (breaker)
    config.deploymentCircuitBreaker = {
      enable: bool(breaker, 'enable') ?? false,
      rollback: bool(breaker, 'rollback') ?? false,
    };
  const strategy = config.strategy;
  if (strategy !== undefined && !['ROLLING', 'BLUE_GREEN', 'LINEAR', 'CANARY'].includes(strategy)) {
    throw new AwsError('InvalidParameterException', `Invalid deployment strategy ${String(strategy)}.`);
  }
  checkTrafficShiftConfiguration(config);
  return config;
}

/** BLUE_GREEN, LINEAR and CANARY shift traffic between two target groups: they need the alternate one. */
export function requireAdvancedConfiguration(
  config: DeploymentConfiguration,
  loadBalancers: LoadBalancerEntry[],
): void {
  const strategy = config.strategy ?? 'ROLLING';
  if (strategy !== 'ROLLING' && !loadBalancers[0]?.advancedConfiguration) {
    throw new AwsError(
      'InvalidParameterException',
      `The ${strategy} deployment strategy requires loadBalancers[].advancedConfiguration.`,
    );
  }
}

/** propagateTags of a CreateService/UpdateService request; the model check has refused other values. */
export function propagateTagsOf(input: Record<string, unknown>): Service['propagateTags'] | undefined {
  return str(input, 'propagateTags') as Service['propagateTags'] | undefined;
}
