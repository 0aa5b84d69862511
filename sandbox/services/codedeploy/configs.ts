/**
 * CodeDeploy deployment configurations: the predefined ones AWS offers and custom ones made with
 * CreateDeploymentConfig, and the production traffic plan each gives an ECS deployment.
 *
 * Predefined configs: https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html
 * Shape: https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentConfigInfo.html
 */
import { randomUUID } from 'node:crypto';
import { AwsError } from '../../contracts.js';

export type ComputePlatform = 'ECS' | 'Lambda' | 'Server';

export interface TrafficRoutingConfig {
  type: 'AllAtOnce' | 'TimeBasedCanary' | 'TimeBasedLinear';
  timeBasedCanary?: { canaryPercentage: number; canaryInterval: number };
  timeBasedLinear?: { linearPercentage: number; linearInterval: number };
}

export interface DeploymentConfig {
  deploymentConfigId: string;
  deploymentConfigName: string;
  computePlatform: ComputePlatform;
  createTime: Date;
  trafficRoutingConfig?: TrafficRoutingConfig;
  minimumHealthyHosts?: { type: 'HOST_COUNT' | 'FLEET_PERCENT'; value: number };
  predefined: boolean;
}

/** One production traffic step: after waiting `waitBeforeMs` (AWS time), green gets `greenPercent`. */
export interface TrafficStep {
  waitBeforeMs: number;
  greenPercent: number;
}

const PREDEFINED_TIME = new Date('2014-10-06T00:00:00Z');

function predefined(
  name: string,
  computePlatform: ComputePlatform,
  extra: Pick<DeploymentConfig, 'trafficRoutingConfig' | 'minimumHealthyHosts'>,
): DeploymentConfig {
  return {
    // AWS gives predefined configs stable ids; a deterministic one per name keeps state diffable.
    deploymentConfigId: `predefined-${name.replace(/[^A-Za-z0-9]/g, '').toLowerCase()}`,
    deploymentConfigName: name,
    computePlatform,
    createTime: PREDEFINED_TIME,
    predefined: true,
    ...extra,
  };
}

const linear = (percent: number, minutes: number): TrafficRoutingConfig => ({
  type: 'TimeBasedLinear',
  timeBasedLinear: { linearPercentage: percent, linearInterval: minutes },
});
const canary = (percent: number, minutes: number): TrafficRoutingConfig => ({
  type: 'TimeBasedCanary',
  timeBasedCanary: { canaryPercentage: percent, canaryInterval: minutes },
});

export function predefinedConfigs(): DeploymentConfig[] {
  return [
    predefined('CodeDeployDefault.ECSAllAtOnce', 'ECS', { trafficRoutingConfig: { type: 'AllAtOnce' } }),
    predefined('CodeDeployDefault.ECSLinear10PercentEvery1Minutes', 'ECS', { trafficRoutingConfig: linear(10, 1) }),
    predefined('CodeDeployDefault.ECSLinear10PercentEvery3Minutes', 'ECS', { trafficRoutingConfig: linear(10, 3) }),
    predefined('CodeDeployDefault.ECSCanary10Percent5Minutes', 'ECS', { trafficRoutingConfig: canary(10, 5) }),
    predefined('CodeDeployDefault.ECSCanary10Percent15Minutes', 'ECS', { trafficRoutingConfig: canary(10, 15) }),
    // Listed by ListDeploymentConfigs in AWS too; not usable for ECS deployment groups.
    predefined('CodeDeployDefault.AllAtOnce', 'Server', { minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 } }),
    predefined('CodeDeployDefault.HalfAtATime', 'Server', {
      minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 50 },
    }),
    predefined('CodeDeployDefault.OneAtATime', 'Server', { minimumHealthyHosts: { type: 'HOST_COUNT', value: 1 } }),
    predefined('CodeDeployDefault.LambdaAllAtOnce', 'Lambda', { trafficRoutingConfig: { type: 'AllAtOnce' } }),
    predefined('CodeDeployDefault.LambdaCanary10Percent5Minutes', 'Lambda', { trafficRoutingConfig: canary(10, 5) }),
    predefined('CodeDeployDefault.LambdaLinear10PercentEvery1Minute', 'Lambda', {
      trafficRoutingConfig: linear(10, 1),
    }),
  ];
}

/**
 * Validates CreateDeploymentConfig input for the ECS platform (the only one the sandbox deploys).
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeploymentConfig.html
 */
export function customConfig(input: Record<string, unknown>, now: Date): DeploymentConfig {
  const name = input.deploymentConfigName;
  if (typeof name !== 'string' || name === '') {
    throw new AwsError('DeploymentConfigNameRequiredException', 'Deployment configuration name is required');
  }
  if (name.length > 100 || name.startsWith('CodeDeployDefault.')) {
    throw new AwsError(
      'InvalidDeploymentConfigNameException',
      `The deployment configuration name ${name} is not valid`,
    );
  }
  const computePlatform = (input.computePlatform ?? 'Server') as string;
  if (!['ECS', 'Lambda', 'Server'].includes(computePlatform)) {
    throw new AwsError('InvalidComputePlatformException', `The computePlatform ${computePlatform} is not valid`);
  }
  const routing = input.trafficRoutingConfig as Record<string, unknown> | undefined;
  let trafficRoutingConfig: TrafficRoutingConfig | undefined;
  if (computePlatform !== 'Server') {
    trafficRoutingConfig = parseTrafficRouting(routing);
  } else if (routing) {
    throw new AwsError(
      'InvalidTrafficRoutingConfigurationException',
      'Traffic routing configuration is not supported for the Server compute platform',
    );
  }
  const mhh = input.minimumHealthyHosts as DeploymentConfig['minimumHealthyHosts'];
  return {
    deploymentConfigId: randomUUID(),
    deploymentConfigName: name,
    computePlatform: computePlatform as ComputePlatform,
    createTime: now,
    trafficRoutingConfig,
    minimumHealthyHosts: computePlatform === 'Server' ? mhh : undefined,
    predefined: false,
  };
}

function parseTrafficRouting(routing: Record<string, unknown> | undefined): TrafficRoutingConfig {
  const invalid = (why: string) => new AwsError('InvalidTrafficRoutingConfigurationException', why);
  if (!routing) return { type: 'AllAtOnce' };
  const type = routing.type ?? 'AllAtOnce';
  const percent = (value: unknown, field: string) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 99) {
      throw invalid(`${field} must be an integer from 1 to 99`);
    }
    return value;
  };
  const minutes = (value: unknown, field: string) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw invalid(`${field} must be a whole number of minutes, at least 1`);
    }
    return value;
  };
  if (type === 'AllAtOnce') return { type };
  if (type === 'TimeBasedLinear') {
    const linearInput = (routing.timeBasedLinear ?? {}) as Record<string, unknown>;
    return linear(
      percent(linearInput.linearPercentage, 'timeBasedLinear.linearPercentage'),
      minutes(linearInput.linearInterval, 'timeBasedLinear.linearInterval'),
    );
  }
  if (type === 'TimeBasedCanary') {
    const canaryInput = (routing.timeBasedCanary ?? {}) as Record<string, unknown>;
    return canary(
      percent(canaryInput.canaryPercentage, 'timeBasedCanary.canaryPercentage'),
      minutes(canaryInput.canaryInterval, 'timeBasedCanary.canaryInterval'),
    );
  }
  throw invalid(`Traffic routing type ${String(type)} is not valid`);
}

/** CodeDeploy's settings count whole minutes; the sandbox clock counts milliseconds. */
export const MINUTE_MS = 60_000;

/**
 * The production traffic steps of an ECS deployment:
 * - AllAtOnce: everything to green at once.
 * - Linear N% every M minutes: N% at once, then N% more after each M minutes until 100%.
 * - Canary N% then M minutes: N% at once, the rest after M minutes.
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html#deployment-configuration-ecs
 */
export function trafficSteps(config: TrafficRoutingConfig | undefined): TrafficStep[] {
  if (!config || config.type === 'AllAtOnce') return [{ waitBeforeMs: 0, greenPercent: 100 }];
  if (config.type === 'TimeBasedCanary' && config.timeBasedCanary) {
    const { canaryPercentage, canaryInterval } = config.timeBasedCanary;
    return [
      { waitBeforeMs: 0, greenPercent: canaryPercentage },
      { waitBeforeMs: canaryInterval * MINUTE_MS, greenPercent: 100 },
    ];
  }
  if (config.type === 'TimeBasedLinear' && config.timeBasedLinear) {
    const { linearPercentage, linearInterval } = config.timeBasedLinear;
    const steps: TrafficStep[] = [];
    for (let percent = linearPercentage; ; percent += linearPercentage) {
      const greenPercent = Math.min(100, percent);
      steps.push({ waitBeforeMs: steps.length === 0 ? 0 : linearInterval * MINUTE_MS, greenPercent });
      if (greenPercent >= 100) break;
    }
    return steps;
  }
  return [{ waitBeforeMs: 0, greenPercent: 100 }];
}

export function configInfo(config: DeploymentConfig): Record<string, unknown> {
  return {
    deploymentConfigId: config.deploymentConfigId,
    deploymentConfigName: config.deploymentConfigName,
    computePlatform: config.computePlatform,
    createTime: config.createTime,
    ...(config.minimumHealthyHosts ? { minimumHealthyHosts: config.minimumHealthyHosts } : {}),
    ...(config.trafficRoutingConfig ? { trafficRoutingConfig: config.trafficRoutingConfig } : {}),
  };
}
