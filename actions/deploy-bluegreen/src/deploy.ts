/**
 * The deploy decision: resolve the service, render the desired definition,
 * stop when nothing changed, register only when needed, then deploy with the service's
 * controller. Fills a report as it goes, so the summary shows how far it got even on failure.
 */
import { ConfigurationError } from '../../../lib/errors.js';
import {
  deployWithCodeDeploy,
  deploymentDescription,
  settleActiveDeployments,
  type CodeDeployPlan,
} from './codedeploy.js';
import type { DeployConfig } from './config.js';
import type { DeployDeps, DeploymentRecord } from './deps.js';
import { awslogsOf, type AwsLogs } from './report.js';
import {
  checkDeploymentConfig,
  describeService,
  describeTaskDefinition,
  findDeploymentGroup,
  findTaskDefinition,
  registerIfNeeded,
  registerTaskDefinition,
  type ServiceInfo,
} from './discovery.js';
import { checkControllerInputs, scaleIfAsked, withUserDescription } from './controller-inputs.js';
import { deployWithEcs } from './ecs-native.js';
import { runTaskBeforeDeployment, type RunTaskResult } from './run-task.js';
import {
  containerPortOf,
  diffTaskDefinitions,
  imageOf,
  renderTaskDefinition,
  sameTaskDefinition,
  type TaskDefinitionDoc,
  withoutEmptyEnvironment,
} from './taskdef.js';

export interface DeployOutputs {
  'task-definition-arn': string;
  'task-definition-changed': boolean;
  deployed: boolean;
  'deployment-id': string;
  status: string;
}

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
  outputs?: DeployOutputs;
  /** The run-task-command task, once started. */
  runTask?: RunTaskResult;
  /** Where the new revision's container logs, for links to a stopped task's log stream. */
  logs?: AwsLogs;
}

export function newReport(config: DeployConfig, region: string): DeployReport {
  return { cluster: config.cluster, service: config.service, region };
}

export async function deploy(config: DeployConfig, deps: DeployDeps, report: DeployReport): Promise<DeployOutputs> {
  const started = deps.clock.now();
  const deadline = started + config.timeoutMs;
  const warned = new Set<string>();
  const render = (base: unknown, source: string) => {
    const rendered = renderTaskDefinition(base, {
      containerName: config.containerName,
      image: config.image,
      environment: config.environment,
      executionRoleArn: config.executionRoleArn,
      taskRoleArn: config.taskRoleArn,
      logGroup: config.logGroup,
      region: deps.region,
      containerPort: config.containerPort,
      source,
    });
    // Left out before comparing and registering: ECS would drop them anyway, and keeping them
    // would make every run look like a change.
    const { definition, dropped } = withoutEmptyEnvironment(rendered);
    for (const name of dropped.filter((n) => !warned.has(n))) {
      warned.add(name);
      deps.logger.warning(`ECS does not keep ${name} with an empty value; left out`);
    }
    return definition;
  };

  if (config.registerOnly) return registerOnly(config, deps, report, render);

  /** The service, what it runs now and the desired definition; read again after an active deployment ends. */
  const look = async () => {
    const service = await describeService(deps.ecs, config.cluster, config.service!);
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

    let base: unknown;
    if (config.template) base = config.template.definition;
    else if (running) base = running.definition;
    else {
      throw new ConfigurationError(
        'task-definition',
        '',
        `service ${config.cluster}/${config.service} runs no task definition yet; give a template`,
      );
    }
    const desired = render(
      base,
      config.template ? `task-definition (${config.template.path})` : `the running task definition ${running!.arn}`,
    );
    report.image = imageOf(desired, config.containerName);
    report.logs = awslogsOf(desired, config.containerName);
    // Checked before anything changes, so a wrong port never leaves a half-made deployment.
    const containerPort = containerPortOf(desired, config.containerName, config.containerPort);
    return { service, running, desired, containerPort };
  };
  const unchanged = (arn: string): DeployOutputs => {
    deps.logger.info(
      `${config.cluster}/${config.service} already runs ${arn}, which equals the desired definition: nothing to register or deploy.`,
    );
    report.taskDefinitionArn = arn;
    report.diff = [];
    if (config.runTaskCommand) {
      deps.logger.info('run-task-command did not run: it runs before a deployment, and there is none to make.');
    }
    return (report.outputs = {
      'task-definition-arn': arn,
      'task-definition-changed': false,
      deployed: false,
      'deployment-id': '',
      status: 'unchanged',
    });
  };
  const showDiff = async (title: string) => {
    report.diff = diffTaskDefinitions(running?.definition, desired);
    await deps.logger.group(title, async () => {
      for (const line of report.diff!) deps.logger.info(line);
    });
  };

  let { service, running, desired, containerPort } = await look();
  const runsDesired = running !== undefined && sameTaskDefinition(running.definition, desired);
  if (runsDesired && !config.forceNewDeployment) {
    await scaleIfAsked(config, deps, service);
    return unchanged(running!.arn);
  }
  if (runsDesired) {
    deps.logger.info(
      `force-new-deployment: ${config.cluster}/${config.service} already runs ${running!.arn}, which equals the desired definition; deploying it again anyway.`,
    );
  }
  await showDiff('Task definition changes');

  if (service.controller === 'CODE_DEPLOY') {
    // Found (and the inputs checked) before registering, so a wrong group changes nothing.
    const group = await findDeploymentGroup(
      deps.codedeploy,
      config.cluster,
      config.service!,
      config.codedeployApplication,
      config.codedeployDeploymentGroup,
    );
    if (config.deploymentConfig) await checkDeploymentConfig(deps.codedeploy, config.deploymentConfig);
    const plan: CodeDeployPlan = {
      cluster: config.cluster,
      service: config.service!,
      group,
      taskDefinitionArn: '',
      containerName: config.containerName,
      containerPort,
      platformVersion: platformVersion(service),
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
    // An active deployment is dealt with before registering: with 'fail', nothing changes at all.
    if (await settleActiveDeployments(deps, plan)) {
      // It may have changed what the service runs (even to the desired definition): look again.
      ({ service, running, desired, containerPort } = await look());
      if (running && sameTaskDefinition(running.definition, desired)) return unchanged(running.arn);
      await showDiff('Task definition changes (after the active deployment ended)');
      Object.assign(plan, { containerPort, platformVersion: platformVersion(service) });
    }
    const resolved = await registerIfNeeded(deps.ecs, desired, deps.logger, running);
    Object.assign(report, {
      taskDefinitionArn: resolved.arn,
      registered: resolved.registered,
      reused: resolved.reused,
    });
    plan.taskDefinitionArn = resolved.arn;
    await runTaskBeforeDeployment(config, deps, report, service.raw, resolved.arn, desired);
    plan.description = withUserDescription(
      deploymentDescription(resolved.arn, report.image),
      config.description,
      deps.logger,
    );
    const record = await deployWithCodeDeploy(deps, plan, (record) => (report.record = record));
    report.record = record;
    return (report.outputs = {
      'task-definition-arn': resolved.arn,
      'task-definition-changed': true,
      // Not watched: nobody knows yet whether it succeeds.
      deployed: !record.notWatched,
      'deployment-id': record.id,
      status: record.status ?? 'Succeeded',
    });
  }

  if (config.deploymentConfig) {
    deps.logger.warning(
      `deployment-config is a CodeDeploy setting; ${config.cluster}/${config.service} uses the ECS controller (${service.strategy}), so it is ignored.`,
    );
  }
  // force-new-deployment of an unchanged service deploys the revision it runs, without registering.
  const resolved = runsDesired
    ? { arn: running!.arn, registered: false, reused: true }
    : await registerIfNeeded(deps.ecs, desired, deps.logger, running);
  Object.assign(report, { taskDefinitionArn: resolved.arn, registered: resolved.registered, reused: resolved.reused });
  await runTaskBeforeDeployment(config, deps, report, service.raw, resolved.arn, desired);
  const record = await deployWithEcs(
    deps,
    {
      cluster: config.cluster,
      service: config.service!,
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
  report.record = record;
  return (report.outputs = {
    'task-definition-arn': resolved.arn,
    'task-definition-changed': !runsDesired,
    // Not watched: nobody knows yet whether it succeeds.
    deployed: !record.notWatched,
    'deployment-id': record.id,
    status: record.notWatched ? (record.status ?? 'PENDING') : 'Succeeded',
  });
}

/** register-only: compare with the family's latest revision (no service needed), register when different. */
async function registerOnly(
  config: DeployConfig,
  deps: DeployDeps,
  report: DeployReport,
  render: (base: unknown, source: string) => TaskDefinitionDoc,
): Promise<DeployOutputs> {
  if (!config.template) {
    throw new ConfigurationError('task-definition', '', 'register-only needs a task definition template');
  }
  const desired = render(config.template.definition, `task-definition (${config.template.path})`);
  report.image = imageOf(desired, config.containerName);
  const family = String(desired.family);
  const latest = await findTaskDefinition(deps.ecs, family);
  report.runningTaskDefinitionArn = latest?.arn;
  report.diff = diffTaskDefinitions(latest?.definition, desired);
  if (latest && sameTaskDefinition(latest.definition, desired)) {
    deps.logger.info(`The family's latest revision ${latest.arn} equals the desired definition: nothing to register.`);
    report.taskDefinitionArn = latest.arn;
    await runTaskWithoutDeploying(config, deps, report, latest.arn, desired);
    return (report.outputs = {
      'task-definition-arn': latest.arn,
      'task-definition-changed': false,
      deployed: false,
      'deployment-id': '',
      status: 'unchanged',
    });
  }
  const arn = await registerTaskDefinition(deps.ecs, desired, deps.logger);
  Object.assign(report, { taskDefinitionArn: arn, registered: true, reused: false });
  await runTaskWithoutDeploying(config, deps, report, arn, desired);
  return (report.outputs = {
    'task-definition-arn': arn,
    'task-definition-changed': true,
    deployed: false,
    'deployment-id': '',
    status: 'registered',
  });
}

/** register-only with run-task-command: the task runs in the named service's network configuration. */
async function runTaskWithoutDeploying(
  config: DeployConfig,
  deps: DeployDeps,
  report: DeployReport,
  arn: string,
  definition: TaskDefinitionDoc,
): Promise<void> {
  if (!config.runTaskCommand) return;
  const service = await describeService(deps.ecs, config.cluster, config.service!);
  await runTaskBeforeDeployment(config, deps, report, service.raw, arn, definition);
}

function platformVersion(service: ServiceInfo): string | undefined {
  const version = service.raw.platformVersion;
  return version && version !== 'LATEST' ? version : undefined;
}
