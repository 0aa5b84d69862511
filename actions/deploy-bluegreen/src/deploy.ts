/**
 * The deploy decision: resolve the service, render the desired definition, stop when nothing
 * changed, register only when needed, then deploy with the service's controller. Returns what it
 * did; fills a report as it goes, so the summary shows how far it got even on failure.
 */
import { ConfigurationError } from '../../../lib/errors.js';
import {
  deployWithCodeDeploy,
  deploymentDescription,
  settleActiveDeployments,
  type CodeDeployPlan,
} from './codedeploy.js';
import type { DeployConfig, ServiceDeployConfig } from './config.js';
import { desiredRenderer, type RenderDesired } from './desired-definition.js';
import type { DeployDeps, DeploymentRecord } from './deps.js';
import type { DeployOutputs } from './outputs.js';
import { registerOnly } from './register-only.js';
import { awslogsOf, type AwsLogs } from './report.js';
import {
  checkDeploymentConfig,
  describeService,
  describeTaskDefinition,
  findDeploymentGroup,
  registerIfNeeded,
  type DeploymentGroup,
  type ServiceInfo,
} from './discovery.js';
import { checkControllerInputs, scaleIfAsked, withUserDescription } from './controller-inputs.js';
import { deployWithEcs } from './ecs-native.js';
import { planTimeline } from './expected-timeline.js';
import { runTaskBeforeDeployment, type RunTaskResult } from './run-task.js';
import {
  containerPortOf,
  diffTaskDefinitions,
  imageOf,
  sameTaskDefinition,
  type TaskDefinitionDoc,
} from './taskdef.js';
import type { ExpectedPhase } from './timeline.js';

/** What a run did: main.ts turns it into the step outputs and the summary. */
export type DeployResult =
  /** The service (or, register-only, the family's latest revision) already equals the desired definition. */
  | { kind: 'unchanged'; taskDefinitionArn: string }
  /** register-only registered a new revision. */
  | { kind: 'registered'; taskDefinitionArn: string }
  | {
      kind: 'deployed';
      controller: 'CODE_DEPLOY' | 'ECS';
      taskDefinitionArn: string;
      /** false when force-new-deployment deployed the revision the service already ran. */
      taskDefinitionChanged: boolean;
      deployment: DeploymentRecord;
    };

/** How far a run got, for the job summary; filled as it goes, so a failure's summary has it too. */
export interface DeployReport {
  cluster: string;
  service?: string;
  region: string;
  controller?: string;
  image?: string;
  runningTaskDefinitionArn?: string;
  taskDefinitionArn?: string;
  registered?: boolean;
  reused?: boolean;
  diff?: string[];
  record?: DeploymentRecord;
  /** Set by main.ts from the result, for the summary's outputs table. */
  outputs?: DeployOutputs;
  /** The run-task-command task, once started. */
  runTask?: RunTaskResult;
  /** Where the new revision's container logs, for links to a stopped task's log stream. */
  logs?: AwsLogs;
  /** The expected phases, logged before the deployment started (expected-timeline.ts). */
  timeline?: ExpectedPhase[];
}

export function newReport(config: DeployConfig, region: string): DeployReport {
  return { cluster: config.cluster, service: config.service, region };
}

export function deploy(config: DeployConfig, deps: DeployDeps, report: DeployReport): Promise<DeployResult> {
  const render = desiredRenderer(config, deps);
  return config.mode === 'register-only'
    ? registerOnly(config, deps, report, render)
    : deployToService(config, deps, report, render);
}

/** A revision as DescribeTaskDefinition answers it, tags included. */
type TaskDefinitionRevision = Awaited<ReturnType<typeof describeTaskDefinition>>;

/** The service as found, what it runs, and the desired definition rendered for it. */
interface ServiceView {
  service: ServiceInfo;
  running?: TaskDefinitionRevision;
  desired: TaskDefinitionDoc;
  image?: string;
  containerPort: number;
}

async function deployToService(
  config: ServiceDeployConfig,
  deps: DeployDeps,
  report: DeployReport,
  render: RenderDesired,
): Promise<DeployResult> {
  const deadline = deps.clock.now() + config.timeoutMs;
  const view = await lookAtService(config, deps, report, render);
  const runsDesired = view.running !== undefined && sameTaskDefinition(view.running.definition, view.desired);
  if (view.running && runsDesired && !config.forceNewDeployment) {
    await scaleIfAsked(config, deps, view.service);
    return unchanged(config, deps, report, view.running.arn);
  }
  if (view.running && runsDesired) {
    deps.logger.info(
      `force-new-deployment: ${config.cluster}/${config.service} already runs ${view.running.arn}, which equals the desired definition; deploying it again anyway.`,
    );
  }
  await showDiff(deps, report, view, 'Task definition changes');
  if (view.service.controller === 'CODE_DEPLOY') {
    return deployThroughCodeDeploy(config, deps, report, render, view, deadline);
  }
  return deployThroughEcs(config, deps, report, view, runsDesired, deadline);
}

/** Reads the service and what it runs, and renders the desired definition; read again after an active deployment ends. */
async function lookAtService(
  config: ServiceDeployConfig,
  deps: DeployDeps,
  report: DeployReport,
  render: RenderDesired,
): Promise<ServiceView> {
  const service = await describeService(deps.ecs, config.cluster, config.service);
  report.controller = service.controller;
  if (service.controller === 'EXTERNAL') {
    throw new ConfigurationError(
      'service',
      config.service,
      `a service with the CODE_DEPLOY or ECS deployment controller; ${config.cluster}/${config.service} uses EXTERNAL`,
    );
  }
  checkControllerInputs(config, service);
  const running = service.runningTaskDefinitionArn
    ? await describeTaskDefinition(deps.ecs, service.runningTaskDefinitionArn)
    : undefined;
  report.runningTaskDefinitionArn = running?.arn;

  let desired: TaskDefinitionDoc;
  if (config.template) desired = render(config.template.definition, `task-definition (${config.template.path})`);
  else if (running) desired = render(running.definition, `the running task definition ${running.arn}`);
  else {
    throw new ConfigurationError(
      'task-definition',
      '',
      `service ${config.cluster}/${config.service} runs no task definition yet; give a template`,
    );
  }
  const image = imageOf(desired, config.containerName);
  report.image = image;
  report.logs = awslogsOf(desired, config.containerName);
  // Checked before anything changes, so a wrong port never leaves a half-made deployment.
  const containerPort = containerPortOf(desired, config.containerName, config.containerPort);
  return { service, running, desired, image, containerPort };
}

function unchanged(config: ServiceDeployConfig, deps: DeployDeps, report: DeployReport, arn: string): DeployResult {
  deps.logger.info(
    `${config.cluster}/${config.service} already runs ${arn}, which equals the desired definition: nothing to register or deploy.`,
  );
  report.taskDefinitionArn = arn;
  report.diff = [];
  if (config.runTaskCommand) {
    deps.logger.info('run-task-command did not run: it runs before a deployment, and there is none to make.');
  }
  return { kind: 'unchanged', taskDefinitionArn: arn };
}

async function showDiff(deps: DeployDeps, report: DeployReport, view: ServiceView, title: string): Promise<void> {
  const diff = diffTaskDefinitions(view.running?.definition, view.desired);
  report.diff = diff;
  await deps.logger.group(title, async () => {
    for (const line of diff) deps.logger.info(line);
  });
}

async function deployThroughCodeDeploy(
  config: ServiceDeployConfig,
  deps: DeployDeps,
  report: DeployReport,
  render: RenderDesired,
  first: ServiceView,
  deadline: number,
): Promise<DeployResult> {
  // Found (and the inputs checked) before registering, so a wrong group changes nothing.
  const group = await findDeploymentGroup(
    deps.codedeploy,
    config.cluster,
    config.service,
    config.codedeployApplication,
    config.codedeployDeploymentGroup,
  );
  const routing = config.deploymentConfig
    ? await checkDeploymentConfig(deps.codedeploy, config.deploymentConfig)
    : undefined;
  let view = first;
  // An active deployment is dealt with before registering: with 'fail', nothing changes at all.
  if (await settleActiveDeployments(deps, codeDeployPlan(config, group, view, deadline))) {
    // It may have changed what the service runs (even to the desired definition): look again.
    view = await lookAtService(config, deps, report, render);
    if (view.running && sameTaskDefinition(view.running.definition, view.desired)) {
      return unchanged(config, deps, report, view.running.arn);
    }
    await showDiff(deps, report, view, 'Task definition changes (after the active deployment ended)');
  }
  const resolved = await registerIfNeeded(deps.ecs, view.desired, deps.logger, view.running);
  Object.assign(report, { taskDefinitionArn: resolved.arn, registered: resolved.registered, reused: resolved.reused });
  await runTaskBeforeDeployment(config, deps, report, view.service.raw, resolved.arn, view.desired);
  const description = withUserDescription(
    deploymentDescription(resolved.arn, view.image),
    config.description,
    deps.logger,
  );
  report.timeline = await planTimeline(deps, {
    controller: 'CODE_DEPLOY',
    group: group.info,
    deploymentConfig: config.deploymentConfig,
    routing,
    blueTargetGroupArn: view.service.raw.taskSets?.find((set) => set.status === 'PRIMARY')?.loadBalancers?.[0]
      ?.targetGroupArn,
  });
  const deployment = await deployWithCodeDeploy(
    deps,
    { ...codeDeployPlan(config, group, view, deadline), taskDefinitionArn: resolved.arn, description },
    (record) => (report.record = record),
  );
  report.record = deployment;
  return {
    kind: 'deployed',
    controller: 'CODE_DEPLOY',
    taskDefinitionArn: resolved.arn,
    taskDefinitionChanged: true,
    deployment,
  };
}

/** The plan before registering: what settling an active deployment needs; the revision comes later. */
function codeDeployPlan(
  config: ServiceDeployConfig,
  group: DeploymentGroup,
  view: ServiceView,
  deadline: number,
): CodeDeployPlan {
  return {
    cluster: config.cluster,
    service: config.service,
    group,
    taskDefinitionArn: '',
    containerName: config.containerName,
    containerPort: view.containerPort,
    platformVersion: platformVersion(view.service),
    deploymentConfig: config.deploymentConfig,
    onActiveDeployment: config.onActiveDeployment,
    deadline,
    timeoutMs: config.timeoutMs,
    pollIntervalMs: config.pollIntervalMs,
    rollbackOnCancel: config.rollbackOnCancel,
    testUrl: config.testUrl,
    hooks: config.hooks,
    wait: config.wait,
  };
}

async function deployThroughEcs(
  config: ServiceDeployConfig,
  deps: DeployDeps,
  report: DeployReport,
  view: ServiceView,
  runsDesired: boolean,
  deadline: number,
): Promise<DeployResult> {
  const { service, running, desired } = view;
  if (config.deploymentConfig) {
    deps.logger.warning(
      `deployment-config is a CodeDeploy setting; ${config.cluster}/${config.service} uses the ECS controller (${service.strategy}), so it is ignored.`,
    );
  }
  // force-new-deployment of an unchanged service deploys the revision it runs, without registering.
  const resolved =
    runsDesired && running
      ? { arn: running.arn, registered: false, reused: true }
      : await registerIfNeeded(deps.ecs, desired, deps.logger, running);
  Object.assign(report, { taskDefinitionArn: resolved.arn, registered: resolved.registered, reused: resolved.reused });
  await runTaskBeforeDeployment(config, deps, report, service.raw, resolved.arn, desired);
  // A rolling update has no lifecycle stages to time.
  if (service.strategy && service.strategy !== 'ROLLING') {
    report.timeline = await planTimeline(deps, { controller: 'ECS', service: service.raw });
  }
  const deployment = await deployWithEcs(
    deps,
    {
      cluster: config.cluster,
      service: config.service,
      strategy: service.strategy ?? 'ROLLING',
      taskDefinitionArn: resolved.arn,
      previousTaskDefinitionArn: running?.arn,
      deadline,
      timeoutMs: config.timeoutMs,
      pollIntervalMs: config.pollIntervalMs,
      rollbackOnCancel: config.rollbackOnCancel,
      testUrl: config.testUrl,
      desiredCount: config.desiredCount,
      forceNewDeployment: config.forceNewDeployment,
      enableEcsManagedTags: config.enableEcsManagedTags,
      propagateTags: config.propagateTags,
      wait: config.wait,
    },
    (record) => (report.record = record),
  );
  report.record = deployment;
  return {
    kind: 'deployed',
    controller: 'ECS',
    taskDefinitionArn: resolved.arn,
    taskDefinitionChanged: !runsDesired,
    deployment,
  };
}

function platformVersion(service: ServiceInfo): string | undefined {
  const version = service.raw.platformVersion;
  return version && version !== 'LATEST' ? version : undefined;
}
