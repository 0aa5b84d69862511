/**
 * ECS services through the API: CreateService (ECS, CODE_DEPLOY or EXTERNAL controller, the
 * first fleet made here), DescribeServices, ListServices, UpdateService (a new deployment under
 * the ECS controller) and DeleteService (drained, then INACTIVE).
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html
 */
import { AwsError, type ServiceHandlers } from '../contracts.js';
import { bool, list, num, obj, paginate, requireStr, str, strList } from '../protocol.js';
import { checkLoadBalancer, drainFleet, fleetPlatform, newFleet, parseLoadBalancers } from './ecs-fleets.js';
import type { ControllerType, Fleet, Service } from './ecs-model.js';
import { parseDeploymentConfiguration, propagateTagsOf, requireAdvancedConfiguration } from './ecs-service-config.js';
import {
  activeService,
  findService,
  getCluster,
  primary,
  requireTaskDefinition,
  serviceName,
  type EcsContext,
} from './ecs-state.js';
import { describeTaskSet } from './ecs-task-sets-api.js';

/** https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Deployment.html */
function describeDeployment(ctx: EcsContext, fleet: Fleet) {
  const counts = ctx.scheduler.counts(fleet);
  const service = fleet.service;
  return {
    id: fleet.id,
    status: fleet.status,
    taskDefinition: fleet.taskDefinition.taskDefinitionArn,
    desiredCount: counts.desired,
    pendingCount: counts.pending,
    runningCount: counts.running,
    failedTasks: fleet.failedTasks,
    createdAt: fleet.createdAt,
    updatedAt: fleet.updatedAt,
    ...fleetPlatform(service),
    rolloutState: fleet.rolloutState ?? 'IN_PROGRESS',
    rolloutStateReason: fleet.rolloutStateReason ?? '',
  };
}

function describeService(ctx: EcsContext, service: Service, includeTags: boolean) {
  const { account, scheduler } = ctx;
  const lead = primary(service);
  const totals = service.fleets.map((f) => scheduler.counts(f));
  return {
    serviceArn: service.arn,
    serviceName: service.name,
    clusterArn: service.cluster.arn,
    loadBalancers: service.loadBalancers,
    serviceRegistries: [],
    status: service.status,
    desiredCount: service.desiredCount,
    runningCount: totals.reduce((n, c) => n + c.running, 0),
    pendingCount: totals.reduce((n, c) => n + c.pending, 0),
    launchType: service.launchType,
    platformVersion: service.platformVersion,
    platformFamily: 'Linux',
    ...(lead ? { taskDefinition: lead.taskDefinition.taskDefinitionArn } : {}),
    deploymentConfiguration: service.deploymentConfiguration,
    // The newest service deployment; UpdateService answers with it, so callers need not list.
    // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html
    ...(service.serviceDeployments[0] ? { currentServiceDeployment: service.serviceDeployments[0].arn } : {}),
    ...(service.controller === 'ECS'
      ? { deployments: service.fleets.map((f) => describeDeployment(ctx, f)) }
      : { taskSets: service.fleets.map((f) => describeTaskSet(scheduler, f)), deployments: [] }),
    roleArn: `arn:aws:iam::${account}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`,
    events: service.events,
    createdAt: service.createdAt,
    placementConstraints: [],
    placementStrategy: [],
    ...(service.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
    ...(service.healthCheckGracePeriodSeconds !== undefined
      ? { healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds }
      : {}),
    schedulingStrategy: 'REPLICA',
    deploymentController: { type: service.controller },
    createdBy: `arn:aws:iam::${account}:role/sandbox`,
    enableECSManagedTags: service.enableECSManagedTags,
    propagateTags: service.propagateTags,
    enableExecuteCommand: false,
    availabilityZoneRebalancing: 'DISABLED',
    ...(includeTags ? { tags: service.tags } : {}),
  };
}

/** CreateService: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html */
function createService(ctx: EcsContext, input: Record<string, unknown>): Service {
  const { account, region, scheduler, engine } = ctx;
  const cluster = getCluster(ctx, str(input, 'cluster'));
  const name = requireStr(input, 'serviceName');
  if (!/^[a-zA-Z0-9_-]{1,255}$/.test(name)) {
    throw new AwsError('InvalidParameterException', 'Service name contains invalid characters.');
  }
  const existing = cluster.services.get(name);
  if (existing && existing.status !== 'INACTIVE')
    throw new AwsError('InvalidParameterException', 'Creation of service was not idempotent.');
  const controller = (str(obj(input, 'deploymentController') ?? {}, 'type') ?? 'ECS') as ControllerType;
  if (!['ECS', 'CODE_DEPLOY', 'EXTERNAL'].includes(controller)) {
    throw new AwsError('InvalidParameterException', `Invalid deploymentController type ${controller}.`);
  }
  const taskDefinitionRef = str(input, 'taskDefinition');
  if (!taskDefinitionRef && controller !== 'EXTERNAL')
    throw new AwsError('InvalidParameterException', 'TaskDefinition can not be blank.');
  const definition = taskDefinitionRef ? requireTaskDefinition(ctx, taskDefinitionRef) : undefined;
  const loadBalancers = parseLoadBalancers(ctx.lb, input);
  if (definition) for (const entry of loadBalancers) checkLoadBalancer(definition, entry);
  const desiredCount = num(input, 'desiredCount') ?? 0;
  if (desiredCount < 0) throw new AwsError('InvalidParameterException', 'desiredCount must be at least 0.');
  const deploymentConfiguration = parseDeploymentConfiguration(obj(input, 'deploymentConfiguration'));
  if (controller === 'ECS') deploymentConfiguration.strategy ??= 'ROLLING';
  if (controller === 'ECS') requireAdvancedConfiguration(deploymentConfiguration, loadBalancers);
  if (controller === 'CODE_DEPLOY' && loadBalancers.length === 0) {
    throw new AwsError('InvalidParameterException', 'The CODE_DEPLOY deployment controller requires a load balancer.');
  }
  const service: Service = {
    name,
    arn: `arn:aws:ecs:${region}:${account}:service/${cluster.name}/${name}`,
    cluster,
    status: 'ACTIVE',
    desiredCount,
    controller,
    loadBalancers,
    fleets: [],
    events: [],
    createdAt: new Date(),
    launchType: str(input, 'launchType') ?? 'FARGATE',
    platformVersion: str(input, 'platformVersion') ?? 'LATEST',
    networkConfiguration: obj(input, 'networkConfiguration'),
    healthCheckGracePeriodSeconds: num(input, 'healthCheckGracePeriodSeconds'),
    deploymentConfiguration,
    tags: list(input, 'tags') ?? [],
    enableECSManagedTags: bool(input, 'enableECSManagedTags') ?? false,
    propagateTags: propagateTagsOf(input) ?? 'NONE',
    steady: false,
    serviceDeployments: [],
  };
  const lb0 = loadBalancers[0];
  if (definition) {
    const common = {
      status: 'PRIMARY' as const,
      targetGroupArn: lb0?.targetGroupArn,
      containerName: lb0?.containerName,
      containerPort: lb0?.containerPort,
    };
    if (controller === 'ECS') {
      const fleet = newFleet(ctx, service, 'deployment', definition, { ...common, desiredCount });
      fleet.rolloutState = 'IN_PROGRESS';
      fleet.rolloutStateReason = 'ECS deployment ' + fleet.id + ' in progress.';
      service.fleets.push(fleet);
      service.productionTargetGroupArn = lb0?.targetGroupArn;
      engine.initial(service, fleet);
    } else if (controller === 'CODE_DEPLOY') {
      // ECS creates the first task set itself; CodeDeploy adds the next ones.
      service.fleets.push(
        newFleet(ctx, service, 'taskSet', definition, { ...common, scalePercent: 100, startedBy: 'CODE_DEPLOY' }),
      );
    }
  }
  cluster.services.set(name, service);
  scheduler.start();
  scheduler.reconcile(service);
  return service;
}

function updateService(ctx: EcsContext, input: Record<string, unknown>): Service {
  const { taskDefinitions, scheduler, engine } = ctx;
  const service = activeService(ctx, str(input, 'cluster'), requireStr(input, 'service'));
  if (service.status !== 'ACTIVE') throw new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.');
  const taskDefinitionRef = str(input, 'taskDefinition');
  const desiredCount = num(input, 'desiredCount');
  const force = bool(input, 'forceNewDeployment') ?? false;
  if (desiredCount !== undefined && desiredCount < 0)
    throw new AwsError('InvalidParameterException', 'desiredCount must be at least 0.');

  if (service.controller !== 'ECS') {
    // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html
    // ("If the service uses the CODE_DEPLOY deployment controller, only desiredCount, deploymentConfiguration,
    //  healthCheckGracePeriodSeconds ... can be updated")
    const remedy =
      service.controller === 'CODE_DEPLOY'
        ? 'Use AWS CodeDeploy to trigger a new deployment.'
        : 'Create a new task set instead.';
    const current = primary(service)?.taskDefinition;
    if (taskDefinitionRef && (!current || taskDefinitions.find(taskDefinitionRef) !== current)) {
      throw new AwsError(
        'InvalidParameterException',
        `Unable to update task definition on services with a ${service.controller} deployment controller. ${remedy}`,
      );
    }
    if (force) {
      throw new AwsError(
        'InvalidParameterException',
        `Unable to force a new deployment on services with a ${service.controller} deployment controller. ${remedy}`,
      );
    }
    for (const field of ['loadBalancers', 'networkConfiguration', 'platformVersion']) {
      if (input[field] !== undefined) {
        throw new AwsError(
          'InvalidParameterException',
          `Unable to update ${field} on services with a ${service.controller} deployment controller.`,
        );
      }
    }
  }
  if (desiredCount !== undefined) service.desiredCount = desiredCount;
  // Both may change under either controller (CODE_DEPLOY included); they apply to tasks started
  // afterwards, and on their own start no deployment.
  // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html
  const managedTags = bool(input, 'enableECSManagedTags');
  if (managedTags !== undefined) service.enableECSManagedTags = managedTags;
  const propagate = propagateTagsOf(input);
  if (propagate !== undefined) service.propagateTags = propagate;
  const grace = num(input, 'healthCheckGracePeriodSeconds');
  if (grace !== undefined) service.healthCheckGracePeriodSeconds = grace;
  const config = obj(input, 'deploymentConfiguration');
  if (config) {
    const parsed = parseDeploymentConfiguration(config, service.deploymentConfiguration);
    if (service.controller === 'ECS') requireAdvancedConfiguration(parsed, service.loadBalancers);
    service.deploymentConfiguration = parsed;
  }

  if (service.controller === 'ECS') {
    const current = primary(service);
    const definition = taskDefinitionRef ? requireTaskDefinition(ctx, taskDefinitionRef) : current?.taskDefinition;
    if (!definition) throw new AwsError('InvalidParameterException', 'TaskDefinition can not be blank.');
    for (const entry of service.loadBalancers) checkLoadBalancer(definition, entry);
    if (force || definition !== current?.taskDefinition) {
      const lb0 = service.loadBalancers[0];
      const fleet = newFleet(ctx, service, 'deployment', definition, {
        status: 'PRIMARY',
        targetGroupArn: lb0?.targetGroupArn,
        containerName: lb0?.containerName,
        containerPort: lb0?.containerPort,
        desiredCount: 0,
      });
      fleet.rolloutState = 'IN_PROGRESS';
      fleet.rolloutStateReason = `ECS deployment ${fleet.id} in progress.`;
      engine.start(service, fleet);
    } else if (desiredCount !== undefined && current && !engine.inProgress(service)) {
      current.desiredCount = desiredCount;
    }
  }
  service.steady = false;
  scheduler.reconcile(service);
  return service;
}

export function serviceHandlers(ctx: EcsContext): ServiceHandlers {
  const { account, region, scheduler, engine } = ctx;
  return {
    CreateService(input) {
      return { service: describeService(ctx, createService(ctx, input), false) };
    },

    /**
     * Services that do not exist are reported in `failures` with reason MISSING, not as an error.
     * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServices.html
     */
    DescribeServices(input) {
      const cluster = getCluster(ctx, str(input, 'cluster'));
      const refs = strList(input, 'services') ?? [];
      if (refs.length === 0 || refs.length > 10) {
        throw new AwsError(
          'InvalidParameterException',
          'services must contain between 1 and 10 service names or ARNs.',
        );
      }
      const includeTags = (strList(input, 'include') ?? []).includes('TAGS');
      const services = [];
      const failures = [];
      for (const ref of refs) {
        const service = findService(cluster, ref);
        if (service) services.push(describeService(ctx, service, includeTags));
        else
          failures.push({
            arn: `arn:aws:ecs:${region}:${account}:service/${cluster.name}/${serviceName(ref)}`,
            reason: 'MISSING',
          });
      }
      return { services, failures };
    },

    ListServices(input) {
      const cluster = getCluster(ctx, str(input, 'cluster'));
      const arns = [...cluster.services.values()].filter((s) => s.status !== 'INACTIVE').map((s) => s.arn);
      const { page, nextToken } = paginate(arns, str(input, 'nextToken'), num(input, 'maxResults'), 10);
      return { serviceArns: page, ...(nextToken ? { nextToken } : {}) };
    },

    UpdateService(input) {
      return { service: describeService(ctx, updateService(ctx, input), false) };
    },

    /** https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteService.html */
    DeleteService(input) {
      const service = activeService(ctx, str(input, 'cluster'), requireStr(input, 'service'));
      if (service.desiredCount > 0 && !bool(input, 'force')) {
        throw new AwsError('InvalidParameterException', 'The service cannot be stopped while it is scaled above 0.');
      }
      if (service.status === 'ACTIVE') {
        service.status = 'DRAINING';
        service.desiredCount = 0;
        engine.abortAll(service);
        void scheduler.track(
          Promise.all(service.fleets.map((f) => drainFleet(scheduler, f))).then(() => {
            service.status = 'INACTIVE';
          }),
        );
      }
      return { service: describeService(ctx, service, false) };
    },
  };
}
