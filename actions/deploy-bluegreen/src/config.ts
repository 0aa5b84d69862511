/** deploy-bluegreen inputs, parsed and validated before any AWS call. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigurationError } from '../../../lib/errors.js';
import type { Inputs } from '../../../lib/inputs.js';
import { isObject, unwrapTaskDefinition } from './taskdef.js';
import { parseHooks, type Hook } from './hooks.js';
import { parseRunTaskCommand } from './run-task-config.js';
import { parseTemplateText, templateFormat, type YamlParser } from './template-text.js';

export type OnActiveDeployment = 'wait' | 'fail' | 'stop';

/**
 * What a run does, decided by the inputs: `register-only` registers the desired definition when the
 * family's latest revision differs, without a service; `deploy` brings a service to it.
 */
export type DeployConfig = RegisterOnlyConfig | ServiceDeployConfig;

/** The inputs both modes use: how to render the desired task definition, and the one-off task. */
interface DesiredDefinitionConfig {
  cluster: string;
  containerName: string;
  image?: string;
  /** The parsed template (register-task-definition shape; a describe-task-definition wrapper is unwrapped). */
  template?: TaskDefinitionTemplate;
  environment: Map<string, string>;
  containerPort?: number;
  executionRoleArn?: string;
  taskRoleArn?: string;
  logGroup?: string;
  pollIntervalMs: number;
  /** The container command of a one-off task run before the deployment; undefined: no task. */
  runTaskCommand?: string[];
  /** Default 30 minutes. */
  runTaskTimeoutMs?: number;
}

export interface TaskDefinitionTemplate {
  path: string;
  definition: Record<string, unknown>;
}

export interface RegisterOnlyConfig extends DesiredDefinitionConfig {
  mode: 'register-only';
  template: TaskDefinitionTemplate;
  /** Only the one-off task needs it: it runs in this service's network configuration. */
  service?: string;
}

export interface ServiceDeployConfig extends DesiredDefinitionConfig {
  mode: 'deploy';
  service: string;
  codedeployApplication?: string;
  codedeployDeploymentGroup?: string;
  deploymentConfig?: string;
  testUrl?: string;
  /** The test-traffic gate's checks (used only with testUrl). */
  testPath: string;
  testExpectJson: Map<string, string>;
  testRequests: number;
  testTimeoutMs: number;
  timeoutMs: number;
  onActiveDeployment: OnActiveDeployment;
  rollbackOnCancel: boolean;
  /** AppSpec lifecycle hooks (CodeDeploy only). */
  hooks?: Hook[];
  /** Appended to the generated deployment description. */
  description?: string;
  /** false: return once the deployment is created, without watching it (default true). */
  wait?: boolean;
  /** ECS controller only: the service's task count, set with the deployment. */
  desiredCount?: number;
  /** ECS controller only: deploy even when the service already runs the desired definition. */
  forceNewDeployment?: boolean;
  /** ECS controller only: the service's enableECSManagedTags; undefined leaves it as it is. */
  enableEcsManagedTags?: boolean;
  /** ECS controller only: the service's propagateTags; undefined leaves it as it is. */
  propagateTags?: PropagateTags;
}

/** UpdateServiceRequest.propagateTags (testing/aws-models/ecs.json, shape PropagateTags). */
export const PROPAGATE_TAGS = ['SERVICE', 'TASK_DEFINITION', 'NONE'] as const;
export type PropagateTags = (typeof PROPAGATE_TAGS)[number];

const NAME = /^[A-Za-z0-9_-]{1,255}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// An image reference: [registry/]repository[:tag][@sha256:digest]
const IMAGE =
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/** `parseYaml`: the YAML parser, which main.ts loads only when task-definition names a YAML file. */
export function parseConfig(inputs: Inputs, workspace: string, parseYaml?: YamlParser): DeployConfig {
  const mode = parseMode(inputs, workspace, parseYaml);
  const { registerOnly, service, template } = mode;
  const containerName = inputs.string(
    'container-name',
    'the name of the container in the task definition whose image is replaced',
  );
  const cluster = inputs.optionalString('cluster') ?? 'default';
  for (const [input, value] of [
    ['cluster', cluster],
    ['service', service],
    ['container-name', containerName],
  ] as const) {
    if (value !== undefined && !NAME.test(value)) {
      throw new ConfigurationError(input, value, 'up to 255 letters, digits, hyphens and underscores');
    }
  }

  const image = inputs.optionalString('image');
  if (image !== undefined && !IMAGE.test(image)) {
    throw new ConfigurationError(
      'image',
      image,
      'an image reference such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:<digest> or repo:tag',
    );
  }
  if (image === undefined && !templatePinsImage(template?.definition, containerName)) {
    throw new ConfigurationError(
      'image',
      '',
      `set image, or give a task-definition whose container '${containerName}' has an image`,
    );
  }

  const testUrl = inputs.optionalString('test-url');
  if (testUrl !== undefined) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(testUrl).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw new ConfigurationError('test-url', testUrl, 'an http:// or https:// URL of the test listener');
  }

  const testPath = inputs.optionalString('test-path') ?? '/host';
  if (!testPath.startsWith('/'))
    throw new ConfigurationError('test-path', testPath, "a path starting with '/', e.g. /host");
  const testExpectJson = inputs.keyValues('test-expect-json', { what: 'field.path=expected value' });

  const executionRoleArn = inputs.optionalString('execution-role-arn');
  const taskRoleArn = inputs.optionalString('task-role-arn');
  for (const [input, value] of [
    ['execution-role-arn', executionRoleArn],
    ['task-role-arn', taskRoleArn],
  ] as const) {
    if (value !== undefined && !ROLE_ARN.test(value)) {
      throw new ConfigurationError(input, value, 'an IAM role ARN, e.g. arn:aws:iam::123456789012:role/app-task');
    }
  }

  const logGroup = inputs.optionalString('log-group');
  if (logGroup !== undefined && !/^[.\-_/#A-Za-z0-9]{1,512}$/.test(logGroup)) {
    throw new ConfigurationError('log-group', logGroup, 'a CloudWatch Logs group name (letters, digits, . - _ / #)');
  }

  const deploymentConfig = inputs.optionalString('deployment-config');
  if (deploymentConfig !== undefined && !/^[\w.+=,@-]{1,100}$/.test(deploymentConfig)) {
    throw new ConfigurationError(
      'deployment-config',
      deploymentConfig,
      'a CodeDeploy deployment config name, e.g. CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
    );
  }

  // Every input is read and checked in both modes, so a typo fails the same way whichever is set.
  const desired: DesiredDefinitionConfig = {
    cluster,
    containerName,
    image,
    template,
    environment: inputs.keyValues('environment', { keyPattern: ENV_NAME, what: 'NAME=value' }),
    containerPort: inputs.optionalInteger('container-port', { min: 1, max: 65535 }),
    executionRoleArn,
    taskRoleArn,
    logGroup,
    pollIntervalMs: Math.round(decimal(inputs, 'poll-interval-seconds', { min: 0.1, max: 300, fallback: 5 }) * 1000),
    runTaskCommand: parseRunTaskCommand(inputs.raw('run-task-command'), registerOnly, service),
    runTaskTimeoutMs: decimal(inputs, 'run-task-timeout-minutes', { min: 0.05, max: 360, fallback: 30 }) * 60_000,
  };
  const deployment: Omit<ServiceDeployConfig, keyof DesiredDefinitionConfig | 'mode' | 'service'> = {
    codedeployApplication: inputs.optionalString('codedeploy-application'),
    codedeployDeploymentGroup: inputs.optionalString('codedeploy-deployment-group'),
    deploymentConfig,
    testUrl,
    testPath,
    testExpectJson,
    testRequests: inputs.integer('test-requests', { min: 1, max: 1000, fallback: 10 }),
    testTimeoutMs: inputs.integer('test-timeout-seconds', { min: 1, max: 3600, fallback: 120 }) * 1000,
    // GitHub ends a job after 6 hours at most, so a longer bound could never be reached.
    timeoutMs: decimal(inputs, 'timeout-minutes', { min: 0.05, max: 360, fallback: 60 }) * 60_000,
    onActiveDeployment: inputs.oneOf('on-active-deployment', ['wait', 'fail', 'stop'] as const, 'wait'),
    rollbackOnCancel: inputs.boolean('rollback-on-cancel', true),
    hooks: parseHooks(inputs.raw('hooks')),
    description: inputs.optionalString('description'),
    wait: inputs.boolean('wait', true),
    // ECS's default quota of tasks per service is 5,000.
    // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html
    desiredCount: inputs.optionalInteger('desired-count', { min: 0, max: 5000 }),
    forceNewDeployment: inputs.boolean('force-new-deployment', false),
    // Empty leaves the service's setting alone, so these are read only when given.
    enableEcsManagedTags:
      inputs.raw('enable-ecs-managed-tags') === '' ? undefined : inputs.boolean('enable-ecs-managed-tags', false),
    propagateTags: inputs.raw('propagate-tags') === '' ? undefined : inputs.oneOf('propagate-tags', PROPAGATE_TAGS),
  };
  if (mode.registerOnly) return { ...desired, mode: 'register-only', template: mode.template, service: mode.service };
  return { ...desired, ...deployment, mode: 'deploy', service: mode.service };
}

type Mode =
  | { registerOnly: true; service?: string; template: TaskDefinitionTemplate }
  | { registerOnly: false; service: string; template?: TaskDefinitionTemplate };

/** register-only needs a template and no service; a deployment needs a service. */
function parseMode(inputs: Inputs, workspace: string, parseYaml?: YamlParser): Mode {
  if (!inputs.boolean('register-only', false)) {
    const service = inputs.string('service', 'the name of the ECS service to deploy to');
    return {
      registerOnly: false,
      service,
      template: readTemplate(inputs.optionalString('task-definition'), workspace, parseYaml),
    };
  }
  const service = inputs.optionalString('service');
  const template = readTemplate(inputs.optionalString('task-definition'), workspace, parseYaml);
  if (!template) {
    throw new ConfigurationError(
      'task-definition',
      '',
      'register-only needs a task definition template: set task-definition to a JSON file, e.g. app/task-definition.json',
    );
  }
  return { registerOnly: true, service, template };
}

/** A positive number with decimals allowed (`0.5`), within [min, max]; `fallback` when empty. */
function decimal(inputs: Inputs, name: string, bounds: { min: number; max: number; fallback: number }): number {
  const text = inputs.raw(name);
  if (text === '') return bounds.fallback;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || value < bounds.min || value > bounds.max) {
    throw new ConfigurationError(name, text, `a number from ${bounds.min} to ${bounds.max} (decimals allowed)`);
  }
  return value;
}

function readTemplate(
  input: string | undefined,
  workspace: string,
  parseYaml?: YamlParser,
): TaskDefinitionTemplate | undefined {
  if (input === undefined) return undefined;
  const file = path.resolve(workspace, input);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigurationError(
      'task-definition',
      input,
      `a readable JSON or YAML file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message} at ${file})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = parseTemplateText(text, templateFormat(file), parseYaml);
  } catch (error) {
    throw new ConfigurationError('task-definition', input, (error as Error).message);
  }
  // `aws ecs describe-task-definition` wraps the definition in { "taskDefinition": ... }.
  if (isObject(parsed)) parsed = unwrapTaskDefinition(parsed);
  if (!isObject(parsed) || !Array.isArray(parsed.containerDefinitions) || typeof parsed.family !== 'string') {
    throw new ConfigurationError(
      'task-definition',
      input,
      'a task definition JSON object with "family" and "containerDefinitions", as register-task-definition takes it or describe-task-definition prints it',
    );
  }
  return { path: file, definition: parsed };
}

function templatePinsImage(definition: Record<string, unknown> | undefined, containerName: string): boolean {
  const containers = (definition?.containerDefinitions ?? []) as { name?: unknown; image?: unknown }[];
  const container = containers.find((c) => c?.name === containerName);
  return typeof container?.image === 'string' && container.image !== '';
}
