/**
 * The AppSpec of an ECS deployment, given inline (revisionType AppSpecContent) as YAML or JSON.
 *
 * Structure: https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html#reference-appspec-file-structure-resources-ecs
 * Hooks:     https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-ecs
 * Revision:  https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_RevisionLocation.html
 */
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { AwsError } from '../../contracts.js';

/** ECS lifecycle events in the order they run. */
export const ECS_LIFECYCLE_EVENTS = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
] as const;
export type EcsLifecycleEvent = (typeof ECS_LIFECYCLE_EVENTS)[number];

/** Events an AppSpec may hook with Lambda functions (Install, AllowTestTraffic and AllowTraffic cannot be hooked). */
export const ECS_HOOKABLE_EVENTS: readonly EcsLifecycleEvent[] = [
  'BeforeInstall',
  'AfterInstall',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
];

export interface EcsAppSpec {
  taskDefinition: string;
  containerName: string;
  containerPort: number;
  platformVersion?: string;
  /** Lambda function names or ARNs per hooked event. */
  hooks: Partial<Record<EcsLifecycleEvent, string[]>>;
}

const invalid = (message: string) => new AwsError('InvalidRevisionException', message);

/** The AppSpec text of a CreateDeployment revision (AppSpecContent, or the older String type). */
export function appSpecText(revision: unknown): string {
  if (!revision || typeof revision !== 'object') {
    throw new AwsError('RevisionRequiredException', 'RevisionLocation must be specified');
  }
  const rev = revision as Record<string, unknown>;
  const type = rev.revisionType;
  const holder = (type === 'AppSpecContent' ? rev.appSpecContent : type === 'String' ? rev.string : undefined) as
    { content?: unknown; sha256?: unknown } | undefined;
  if (type !== 'AppSpecContent' && type !== 'String') {
    throw invalid(
      `Revision type ${String(type)} is not supported by the sandbox for ECS deployments: give the AppSpec inline with revisionType AppSpecContent`,
    );
  }
  if (!holder || typeof holder.content !== 'string' || holder.content.trim() === '') {
    throw invalid('The AppSpec content is empty');
  }
  if (typeof holder.sha256 === 'string' && holder.sha256 !== '') {
    const actual = createHash('sha256').update(holder.content).digest('hex');
    if (actual !== holder.sha256.toLowerCase()) {
      throw invalid(`The sha256 of the AppSpec content is ${actual}, not ${holder.sha256}`);
    }
  }
  return holder.content;
}

/** Parses and checks the AppSpec's shape. Whether the task definition and container exist is checked at Install. */
export function parseEcsAppSpec(text: string): EcsAppSpec {
  let doc: unknown;
  try {
    // YAML is a superset of JSON, so one parser reads both forms.
    doc = parseYaml(text);
  } catch (error) {
    throw invalid(`The AppSpec file cannot be parsed as YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw invalid('The AppSpec file must be a YAML or JSON object');
  const spec = doc as Record<string, unknown>;
  const version = spec.version;
  if (version !== 0 && version !== '0.0' && version !== '0') {
    throw invalid(`The AppSpec version must be 0.0, got ${JSON.stringify(version)}`);
  }
  const resources = spec.Resources;
  if (!Array.isArray(resources) || resources.length === 0) {
    throw invalid('The AppSpec file must have a Resources list with one AWS::ECS::Service TargetService');
  }
  const services: Record<string, unknown>[] = [];
  for (const entry of resources) {
    if (!entry || typeof entry !== 'object') continue;
    for (const value of Object.values(entry as Record<string, unknown>)) {
      if (value && typeof value === 'object' && (value as Record<string, unknown>).Type === 'AWS::ECS::Service') {
        services.push(value as Record<string, unknown>);
      }
    }
  }
  if (services.length !== 1) {
    throw invalid(
      `The AppSpec file must name exactly one resource of Type AWS::ECS::Service, found ${services.length}`,
    );
  }
  const properties = (services[0]!.Properties ?? {}) as Record<string, unknown>;
  const taskDefinition = properties.TaskDefinition;
  if (typeof taskDefinition !== 'string' || taskDefinition === '') {
    throw invalid('The AppSpec TargetService must have Properties.TaskDefinition');
  }
  const lbInfo = (properties.LoadBalancerInfo ?? {}) as Record<string, unknown>;
  const containerName = lbInfo.ContainerName;
  if (typeof containerName !== 'string' || containerName === '') {
    throw invalid('The AppSpec TargetService must have Properties.LoadBalancerInfo.ContainerName');
  }
  const containerPort = typeof lbInfo.ContainerPort === 'string' ? Number(lbInfo.ContainerPort) : lbInfo.ContainerPort;
  if (
    typeof containerPort !== 'number' ||
    !Number.isInteger(containerPort) ||
    containerPort < 1 ||
    containerPort > 65535
  ) {
    throw invalid('The AppSpec TargetService must have Properties.LoadBalancerInfo.ContainerPort (1-65535)');
  }
  const hooks: EcsAppSpec['hooks'] = {};
  if (spec.Hooks !== undefined && spec.Hooks !== null) {
    if (!Array.isArray(spec.Hooks)) throw invalid('The AppSpec Hooks section must be a list');
    for (const hook of spec.Hooks) {
      if (!hook || typeof hook !== 'object')
        throw invalid('Each AppSpec hook must be an object { EventName: LambdaFunction }');
      for (const [event, fn] of Object.entries(hook as Record<string, unknown>)) {
        if (!(ECS_HOOKABLE_EVENTS as readonly string[]).includes(event)) {
          throw invalid(
            `${event} is not a lifecycle event hook for ECS deployments (${ECS_HOOKABLE_EVENTS.join(', ')})`,
          );
        }
        if (typeof fn !== 'string' || fn === '') throw invalid(`The ${event} hook must name a Lambda function`);
        (hooks[event as EcsLifecycleEvent] ??= []).push(fn);
      }
    }
  }
  return {
    taskDefinition,
    containerName,
    containerPort,
    platformVersion: typeof properties.PlatformVersion === 'string' ? properties.PlatformVersion : undefined,
    hooks,
  };
}
