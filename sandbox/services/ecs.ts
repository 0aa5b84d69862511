/**
 * Amazon ECS as this suite uses it: clusters, task definitions, services with the CODE_DEPLOY,
 * ECS (ROLLING, BLUE_GREEN) and EXTERNAL deployment controllers, task sets, tasks that really
 * run, service events, and ECS service deployments.
 * API reference: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Operations.html
 */
import {
  AwsError,
  type EcsInternals,
  type FaultSource,
  type LoadBalancer,
  type SandboxClock,
  type ServiceForDeployment,
  type ServiceHandlers,
  type TaskRunner,
  type TaskSetInfo,
} from '../contracts.js';
import { bool, list, num, obj, paginate, requireStr, str, strList } from '../protocol.js';
import type { ImageResolution } from './ecr.js';
import { ServiceDeploymentEngine } from './ecs-deployments.js';
import { checkTrafficShiftConfiguration } from './ecs-hooks.js';
import {
  ecsId,
  type Cluster,
  type ControllerType,
  type DeploymentConfiguration,
  type EcsTask,
  type Fleet,
  type LoadBalancerEntry,
  type Service,
} from './ecs-model.js';
import { Scheduler, clusterNotFound } from './ecs-scheduler.js';
import { TaskDefinitionRegistry, type ContainerDefinition, type TaskDefinition } from './ecs-taskdefs.js';
import { runTaskHandlers } from './ecs-run-task.js';
import type { LogsService } from './logs.js';
import type { SecretStore } from './secrets.js';

export interface EcsOptions {
  account: string;
  region: string;
  clock: SandboxClock;
  tasks: TaskRunner;
  lb: LoadBalancer;
  faults: FaultSource;
  resolveImage(image: string): ImageResolution;
  log?: (message: string) => void;
  /** Where RunTask tasks' awslogs streams are served. */
  logs?: Pick<LogsService, 'attach'>;
  /** Values of the containers' `secrets`. */
  secrets?: Pick<SecretStore, 'resolve'>;
}

export interface EcsService {
  handlers: ServiceHandlers;
  internals: EcsInternals;
  /** Resolves once every fleet of the service is at its desired count and healthy. */
  waitForSteadyState(cluster: string, service: string, timeoutMs: number): Promise<void>;
  state(): unknown;
  stop(): Promise<void>;
}

const SERVICE_NOT_FOUND = () => new AwsError('ServiceNotFoundException', 'Service not found.');

export function createEcsService(options: EcsOptions): EcsService {
  const { account, region, lb, clock } = options;
  const log = options.log ?? (() => undefined);
  const clusters = new Map<string, Cluster>();
  /** Service revisions (ECS controller) by ARN, kept after their fleet is gone. */
  const revisions = new Map<string, Fleet>();
  let shutDown = false;
  const taskDefinitions = new TaskDefinitionRegistry(account, region);
  const scheduler = new Scheduler(
    {
      account,
      region,
      clock,
      tasks: options.tasks,
      lb,
      faults: options.faults,
      resolveImage: options.resolveImage,
      log,
      secrets: options.secrets,
    },
    () => clusters.values(),
  );
  const engine = new ServiceDeploymentEngine({ account, region, clock, lb, scheduler, faults: options.faults, log });
  scheduler.afterReconcile.push((service) => engine.observe(service));

  // -------------------------------------------------------------------------------------------
  // Lookups

  function clusterName(ref: string | undefined): string {
    const value = ref ?? 'default';
    const arn = /^arn:aws[a-z-]*:ecs:[^:]+:\d+:cluster\/(.+)$/.exec(value);
    return arn ? arn[1]! : value;
  }

  function getCluster(ref: string | undefined): Cluster {
    const cluster = clusters.get(clusterName(ref));
    if (!cluster || cluster.status !== 'ACTIVE') throw clusterNotFound();
    return cluster;
  }

  function serviceName(ref: string): string {
    const arn = /^arn:aws[a-z-]*:ecs:[^:]+:\d+:service\/(?:[^/]+\/)?([^/]+)$/.exec(ref);
    return arn ? arn[1]! : ref;
  }

  function findService(cluster: Cluster, ref: string): Service | undefined {
    return cluster.services.get(serviceName(ref));
  }

  function activeService(clusterRef: string | undefined, ref: string): Service {
    const cluster = getCluster(clusterRef);
    const service = findService(cluster, ref);
    if (!service || service.status === 'INACTIVE') throw SERVICE_NOT_FOUND();
    return service;
  }

  function requireTaskDefinition(ref: string): TaskDefinition {
    const definition = taskDefinitions.find(ref);
    if (!definition) throw new AwsError('ClientException', 'TaskDefinition not found.');
    if (definition.status !== 'ACTIVE') throw new AwsError('ClientException', `TaskDefinition is inactive`);
    return definition;
  }

  function primary(service: Service): Fleet | undefined {
    return service.fleets.find((f) => f.status === 'PRIMARY');
  }

  function findTaskSet(service: Service, ref: string): Fleet {
    const fleet = service.fleets.find((f) => f.kind === 'taskSet' && (f.id === ref || f.arn === ref));
    if (!fleet) throw new AwsError('TaskSetNotFoundException', `The specified task set does not exist.`);
    return fleet;
  }

  /** The container a fleet runs: the load balanced one, else the first essential one. */
  function fleetContainer(definition: TaskDefinition, name?: string): ContainerDefinition {
    const containers = definition.body.containerDefinitions;
    const found = name
      ? containers.find((c) => c.name === name)
      : (containers.find((c) => c.essential !== false) ?? containers[0]);
    if (!found)
      throw new AwsError('InvalidParameterException', `The container ${name} does not exist in the task definition.`);
    return found;
  }

  function checkLoadBalancer(definition: TaskDefinition, entry: LoadBalancerEntry): void {
    const container = definition.body.containerDefinitions.find((c) => c.name === entry.containerName);
    if (!container)
      throw new AwsError(
        'InvalidParameterException',
        `The container ${entry.containerName} does not exist in the task definition.`,
      );
    const ports = ((container.portMappings as { containerPort?: number }[] | undefined) ?? []).map(
      (m) => m.containerPort,
    );
    if (!ports.includes(entry.containerPort)) {
      throw new AwsError(
        'InvalidParameterException',
        `The container ${entry.containerName} did not have a container port ${entry.containerPort} defined.`,
      );
    }
  }

  function newFleet(
    service: Service,
    kind: Fleet['kind'],
    definition: TaskDefinition,
    fields: Partial<
      Pick<
        Fleet,
        | 'targetGroupArn'
        | 'containerName'
        | 'containerPort'
        | 'scalePercent'
        | 'desiredCount'
        | 'externalId'
        | 'startedBy'
        | 'status'
      >
    >,
  ): Fleet {
    const id = ecsId();
    const now = new Date();
    const fleet: Fleet = {
      kind,
      id,
      arn: `arn:aws:ecs:${region}:${account}:task-set/${service.cluster.name}/${service.name}/${id}`,
      service,
      status: fields.status ?? 'ACTIVE',
      taskDefinition: definition,
      container: fleetContainer(definition, fields.containerName),
      targetGroupArn: fields.targetGroupArn,
      containerName: fields.containerName,
      containerPort: fields.containerPort,
      scalePercent: fields.scalePercent ?? 100,
      desiredCount: fields.desiredCount ?? 0,
      externalId: fields.externalId,
      startedBy: fields.startedBy ?? id,
      tasks: [],
      createdAt: now,
      updatedAt: now,
      failedTasks: 0,
      consecutiveFailures: 0,
      nextLaunchAt: 0,
      stabilityStatusAt: now,
      revisionArn: `arn:aws:ecs:${region}:${account}:service-revision/${service.cluster.name}/${service.name}/${id.slice('ecs-svc/'.length)}`,
    };
    if (kind === 'deployment') revisions.set(fleet.revisionArn!, fleet);
    return fleet;
  }

  /** https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceRevision.html */
  function describeRevision(fleet: Fleet) {
    const service = fleet.service;
    return {
      serviceRevisionArn: fleet.revisionArn,
      serviceArn: service.arn,
      clusterArn: service.cluster.arn,
      taskDefinition: fleet.taskDefinition.taskDefinitionArn,
      launchType: service.launchType,
      platformVersion: '1.4.0',
      platformFamily: 'Linux',
      loadBalancers: fleetLoadBalancers(fleet),
      serviceRegistries: [],
      ...(service.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
      containerImages: fleet.tasks
        .filter((t) => t.imageDigest)
        .slice(0, 1)
        .map((t) => ({ containerName: t.container.name, imageDigest: t.imageDigest, image: t.image })),
      guardDutyEnabled: false,
      createdAt: fleet.createdAt,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Output shapes

  function describeCluster(cluster: Cluster) {
    const live = cluster.tasks.filter((t) => t.desiredStatus === 'RUNNING');
    return {
      clusterArn: cluster.arn,
      clusterName: cluster.name,
      status: cluster.status,
      registeredContainerInstancesCount: 0,
      runningTasksCount: live.filter((t) => t.lastStatus === 'RUNNING').length,
      pendingTasksCount: live.filter((t) => t.lastStatus !== 'RUNNING').length,
      activeServicesCount: [...cluster.services.values()].filter((s) => s.status === 'ACTIVE').length,
      statistics: [],
      tags: cluster.tags,
      settings: cluster.settings,
      capacityProviders: [],
      defaultCapacityProviderStrategy: [],
    };
  }

  function fleetLoadBalancers(fleet: Fleet) {
    return fleet.targetGroupArn
      ? [
          {
            targetGroupArn: fleet.targetGroupArn,
            containerName: fleet.containerName ?? fleet.container.name,
            containerPort: fleet.containerPort,
          },
        ]
      : [];
  }

  function describeTaskSet(fleet: Fleet) {
    const counts = scheduler.counts(fleet);
    const service = fleet.service;
    return {
      id: fleet.id,
      taskSetArn: fleet.arn,
      serviceArn: service.arn,
      clusterArn: service.cluster.arn,
      startedBy: fleet.startedBy,
      ...(fleet.externalId ? { externalId: fleet.externalId } : {}),
      status: fleet.status,
      taskDefinition: fleet.taskDefinition.taskDefinitionArn,
      computedDesiredCount: counts.desired,
      pendingCount: counts.pending,
      runningCount: counts.running,
      createdAt: fleet.createdAt,
      updatedAt: fleet.updatedAt,
      launchType: service.launchType,
      platformVersion: '1.4.0',
      platformFamily: 'Linux',
      ...(service.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
      loadBalancers: fleetLoadBalancers(fleet),
      serviceRegistries: [],
      scale: { value: fleet.scalePercent, unit: 'PERCENT' },
      stabilityStatus: scheduler.fleetStable(fleet) ? 'STEADY_STATE' : 'STABILIZING',
      stabilityStatusAt: fleet.stabilityStatusAt,
      tags: [],
    };
  }

  /** https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Deployment.html */
  function describeDeployment(fleet: Fleet) {
    const counts = scheduler.counts(fleet);
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
      launchType: service.launchType,
      platformVersion: '1.4.0',
      platformFamily: 'Linux',
      ...(service.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
      rolloutState: fleet.rolloutState ?? 'IN_PROGRESS',
      rolloutStateReason: fleet.rolloutStateReason ?? '',
    };
  }

  function describeService(service: Service, includeTags: boolean) {
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
        ? { deployments: service.fleets.map(describeDeployment) }
        : { taskSets: service.fleets.map(describeTaskSet), deployments: [] }),
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

  /** https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Task.html */
  function describeTask(task: EcsTask) {
    const definition = task.taskDefinition;
    const container = {
      containerArn: `arn:aws:ecs:${region}:${account}:container/${task.cluster.name}/${task.id}/${task.container.name}`,
      taskArn: task.arn,
      name: task.container.name,
      image: task.image,
      ...(task.imageDigest ? { imageDigest: task.imageDigest } : {}),
      runtimeId: `${task.id}-${task.container.name}`,
      lastStatus: task.lastStatus === 'RUNNING' || task.lastStatus === 'STOPPED' ? task.lastStatus : 'PENDING',
      ...(task.exitCode !== undefined && task.exitCode !== null ? { exitCode: task.exitCode } : {}),
      ...(task.lastStatus === 'STOPPED' && task.stoppedReason && task.stopCode === 'TaskFailedToStart'
        ? { reason: task.stoppedReason }
        : {}),
      // The process's real local port, so tests can reach a task directly.
      networkBindings: task.running
        ? [
            {
              bindIP: task.running.host,
              containerPort: task.containerPort,
              hostPort: task.running.port,
              protocol: 'tcp',
            },
          ]
        : [],
      networkInterfaces: [{ attachmentId: task.id, privateIpv4Address: task.privateIp }],
      healthStatus: task.healthStatus,
      cpu: String(task.container.cpu ?? 0),
    };
    return {
      taskArn: task.arn,
      clusterArn: task.cluster.arn,
      taskDefinitionArn: definition.taskDefinitionArn,
      overrides: {
        containerOverrides: task.containerOverrides?.length ? task.containerOverrides : [{ name: task.container.name }],
        inferenceAcceleratorOverrides: [],
      },
      lastStatus: task.lastStatus,
      desiredStatus: task.desiredStatus,
      ...(definition.body.cpu ? { cpu: definition.body.cpu } : {}),
      ...(definition.body.memory ? { memory: definition.body.memory } : {}),
      containers: [container],
      startedBy: task.startedBy,
      version: 1,
      ...(task.stoppedReason && task.desiredStatus === 'STOPPED' ? { stoppedReason: task.stoppedReason } : {}),
      ...(task.stopCode && task.desiredStatus === 'STOPPED' ? { stopCode: task.stopCode } : {}),
      connectivity: task.lastStatus === 'PROVISIONING' ? 'DISCONNECTED' : 'CONNECTED',
      connectivityAt: task.createdAt,
      pullStartedAt: task.createdAt,
      ...(task.startedAt ? { pullStoppedAt: task.startedAt, startedAt: task.startedAt } : {}),
      createdAt: task.createdAt,
      ...(task.stoppingAt
        ? { stoppingAt: task.stoppingAt, executionStoppedAt: task.stoppedAt ?? task.stoppingAt }
        : {}),
      ...(task.stoppedAt ? { stoppedAt: task.stoppedAt } : {}),
      group: task.group,
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      platformFamily: 'Linux',
      availabilityZone: task.availabilityZone,
      attachments: [
        {
          id: task.id,
          type: 'ElasticNetworkInterface',
          status: task.lastStatus === 'STOPPED' ? 'DELETED' : 'ATTACHED',
          details: [{ name: 'privateIPv4Address', value: task.privateIp }],
        },
      ],
      healthStatus: task.healthStatus,
      tags: [],
    };
  }

  function serviceSummary(service: Service): ServiceForDeployment {
    const lb0 = service.loadBalancers[0];
    return {
      serviceArn: service.arn,
      clusterName: service.cluster.name,
      serviceName: service.name,
      status: service.status,
      deploymentController: service.controller,
      desiredCount: service.desiredCount,
      ...(lb0
        ? {
            loadBalancer: {
              targetGroupArn: lb0.targetGroupArn,
              containerName: lb0.containerName,
              containerPort: lb0.containerPort,
            },
          }
        : {}),
      taskSets: service.fleets.filter((f) => f.kind === 'taskSet').map(taskSetInfo),
    };
  }

  function taskSetInfo(fleet: Fleet): TaskSetInfo {
    const counts = scheduler.counts(fleet);
    return {
      id: fleet.id,
      taskSetArn: fleet.arn,
      status: fleet.status === 'INACTIVE' ? 'DRAINING' : fleet.status,
      taskDefinition: fleet.taskDefinition.taskDefinitionArn,
      ...(fleet.targetGroupArn ? { targetGroupArn: fleet.targetGroupArn } : {}),
      desiredCount: counts.desired,
      pendingCount: counts.pending,
      runningCount: counts.running,
      healthyCount: counts.healthy,
      stabilityStatus: scheduler.fleetStable(fleet) ? 'STEADY_STATE' : 'STABILIZING',
      stoppedReasons: fleet.tasks
        .filter((t) => t.lastStatus === 'STOPPED' && t.stoppedReason)
        .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))
        .map((t) => t.stoppedReason!),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Service creation and changes shared by the API and the internals

  function parseLoadBalancers(input: Record<string, unknown>): LoadBalancerEntry[] {
    return (list(input, 'loadBalancers') ?? []).map((entry) => {
      const targetGroupArn = str(entry, 'targetGroupArn');
      const containerName = str(entry, 'containerName');
      const containerPort = num(entry, 'containerPort');
      if (!targetGroupArn || !containerName || containerPort === undefined) {
        throw new AwsError(
          'InvalidParameterException',
          'loadBalancers require targetGroupArn, containerName and containerPort.',
        );
      }
      if (!lb.targetGroup(targetGroupArn)) {
        throw new AwsError(
          'InvalidParameterException',
          `The target group with targetGroupArn ${targetGroupArn} does not have an associated load balancer.`,
        );
      }
      const advanced = obj(entry, 'advancedConfiguration');
      const result: LoadBalancerEntry = { targetGroupArn, containerName, containerPort };
      if (advanced) {
        const alternate = str(advanced, 'alternateTargetGroupArn');
        const rule = str(advanced, 'productionListenerRule');
        if (!alternate || !rule) {
          throw new AwsError(
            'InvalidParameterException',
            'advancedConfiguration requires alternateTargetGroupArn and productionListenerRule.',
          );
        }
        if (!lb.targetGroup(alternate)) {
          throw new AwsError(
            'InvalidParameterException',
            `The target group with targetGroupArn ${alternate} does not have an associated load balancer.`,
          );
        }
        result.advancedConfiguration = {
          alternateTargetGroupArn: alternate,
          productionListenerRule: rule,
          ...(str(advanced, 'testListenerRule') ? { testListenerRule: str(advanced, 'testListenerRule') } : {}),
          ...(str(advanced, 'roleArn') ? { roleArn: str(advanced, 'roleArn') } : {}),
        };
      }
      return result;
    });
  }

  function parseDeploymentConfiguration(
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
  function requireAdvancedConfiguration(config: DeploymentConfiguration, loadBalancers: LoadBalancerEntry[]): void {
    const strategy = config.strategy ?? 'ROLLING';
    if (strategy !== 'ROLLING' && !loadBalancers[0]?.advancedConfiguration) {
      throw new AwsError(
        'InvalidParameterException',
        `The ${strategy} deployment strategy requires loadBalancers[].advancedConfiguration.`,
      );
    }
  }

  /** CreateService: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html */
  function createService(input: Record<string, unknown>): Service {
    const cluster = getCluster(str(input, 'cluster'));
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
    const definition = taskDefinitionRef ? requireTaskDefinition(taskDefinitionRef) : undefined;
    const loadBalancers = parseLoadBalancers(input);
    if (definition) for (const entry of loadBalancers) checkLoadBalancer(definition, entry);
    const desiredCount = num(input, 'desiredCount') ?? 0;
    if (desiredCount < 0) throw new AwsError('InvalidParameterException', 'desiredCount must be at least 0.');
    const deploymentConfiguration = parseDeploymentConfiguration(obj(input, 'deploymentConfiguration'));
    if (controller === 'ECS') deploymentConfiguration.strategy ??= 'ROLLING';
    if (controller === 'ECS') requireAdvancedConfiguration(deploymentConfiguration, loadBalancers);
    if (controller === 'CODE_DEPLOY' && loadBalancers.length === 0) {
      throw new AwsError(
        'InvalidParameterException',
        'The CODE_DEPLOY deployment controller requires a load balancer.',
      );
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
        const fleet = newFleet(service, 'deployment', definition, { ...common, desiredCount });
        fleet.rolloutState = 'IN_PROGRESS';
        fleet.rolloutStateReason = 'ECS deployment ' + fleet.id + ' in progress.';
        service.fleets.push(fleet);
        service.productionTargetGroupArn = lb0?.targetGroupArn;
        engine.initial(service, fleet);
      } else if (controller === 'CODE_DEPLOY') {
        // ECS creates the first task set itself; CodeDeploy adds the next ones.
        service.fleets.push(
          newFleet(service, 'taskSet', definition, { ...common, scalePercent: 100, startedBy: 'CODE_DEPLOY' }),
        );
      }
    }
    cluster.services.set(name, service);
    scheduler.start();
    scheduler.reconcile(service);
    return service;
  }

  function updateService(input: Record<string, unknown>): Service {
    const service = activeService(str(input, 'cluster'), requireStr(input, 'service'));
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
      const definition = taskDefinitionRef ? requireTaskDefinition(taskDefinitionRef) : current?.taskDefinition;
      if (!definition) throw new AwsError('InvalidParameterException', 'TaskDefinition can not be blank.');
      for (const entry of service.loadBalancers) checkLoadBalancer(definition, entry);
      if (force || definition !== current?.taskDefinition) {
        const lb0 = service.loadBalancers[0];
        const fleet = newFleet(service, 'deployment', definition, {
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

  /** Scales a fleet to zero (tasks drained, then stopped, as a scale-in) and removes it. */
  async function drainFleet(fleet: Fleet): Promise<void> {
    const reason = `Scaling activity initiated by (deployment ${fleet.id})`;
    fleet.status = 'DRAINING';
    fleet.scalePercent = 0;
    fleet.desiredCount = 0;
    fleet.updatedAt = new Date();
    await Promise.all(
      fleet.tasks
        .filter((t) => t.lastStatus !== 'STOPPED')
        .map((t) => scheduler.stopTask(t, reason, 'ServiceSchedulerInitiated')),
    );
    fleet.service.fleets = fleet.service.fleets.filter((f) => f !== fleet);
    fleet.status = 'INACTIVE';
  }

  // -------------------------------------------------------------------------------------------
  // The API

  const handlers: ServiceHandlers = {
    CreateCluster(input) {
      const name = str(input, 'clusterName') ?? 'default';
      if (!/^[a-zA-Z0-9_-]{1,255}$/.test(name))
        throw new AwsError('InvalidParameterException', 'Cluster name contains invalid characters.');
      let cluster = clusters.get(name);
      if (!cluster || cluster.status !== 'ACTIVE') {
        cluster = {
          name,
          arn: `arn:aws:ecs:${region}:${account}:cluster/${name}`,
          status: 'ACTIVE',
          createdAt: new Date(),
          settings: list(input, 'settings') ?? [{ name: 'containerInsights', value: 'disabled' }],
          tags: list(input, 'tags') ?? [],
          services: new Map(),
          tasks: [],
        };
        clusters.set(name, cluster);
      }
      return { cluster: describeCluster(cluster) };
    },

    DescribeClusters(input) {
      const refs = strList(input, 'clusters') ?? ['default'];
      const found = [];
      const failures = [];
      for (const ref of refs) {
        const cluster = clusters.get(clusterName(ref));
        if (cluster) found.push(describeCluster(cluster));
        else
          failures.push({
            arn: ref.startsWith('arn:') ? ref : `arn:aws:ecs:${region}:${account}:cluster/${ref}`,
            reason: 'MISSING',
          });
      }
      return { clusters: found, failures };
    },

    ListClusters(input) {
      const arns = [...clusters.values()].filter((c) => c.status === 'ACTIVE').map((c) => c.arn);
      const { page, nextToken } = paginate(arns, str(input, 'nextToken'), num(input, 'maxResults'));
      return { clusterArns: page, ...(nextToken ? { nextToken } : {}) };
    },

    DeleteCluster(input) {
      const cluster = getCluster(requireStr(input, 'cluster'));
      if ([...cluster.services.values()].some((s) => s.status !== 'INACTIVE')) {
        throw new AwsError(
          'ClusterContainsServicesException',
          'The Cluster cannot be deleted while Services are active.',
        );
      }
      if (cluster.tasks.some((t) => t.lastStatus !== 'STOPPED')) {
        throw new AwsError('ClusterContainsTasksException', 'The Cluster cannot be deleted while Tasks are active.');
      }
      cluster.status = 'INACTIVE';
      return { cluster: describeCluster(cluster) };
    },

    RegisterTaskDefinition(input) {
      const definition = taskDefinitions.register(input);
      return { taskDefinition: taskDefinitions.describe(definition), tags: definition.tags };
    },

    DescribeTaskDefinition(input) {
      const ref = requireStr(input, 'taskDefinition', 'ClientException');
      const definition = taskDefinitions.find(ref);
      if (!definition) throw new AwsError('ClientException', 'Unable to describe task definition.');
      const include = strList(input, 'include') ?? [];
      return {
        taskDefinition: taskDefinitions.describe(definition),
        ...(include.includes('TAGS') ? { tags: definition.tags } : {}),
      };
    },

    ListTaskDefinitions(input) {
      return taskDefinitions.list(input);
    },

    ListTaskDefinitionFamilies(input) {
      return taskDefinitions.listFamilies(input);
    },

    DeregisterTaskDefinition(input) {
      const definition = taskDefinitions.deregister(requireStr(input, 'taskDefinition', 'ClientException'));
      return { taskDefinition: taskDefinitions.describe(definition) };
    },

    CreateService(input) {
      return { service: describeService(createService(input), false) };
    },

    /**
     * Services that do not exist are reported in `failures` with reason MISSING, not as an error.
     * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServices.html
     */
    DescribeServices(input) {
      const cluster = getCluster(str(input, 'cluster'));
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
        if (service) services.push(describeService(service, includeTags));
        else
          failures.push({
            arn: `arn:aws:ecs:${region}:${account}:service/${cluster.name}/${serviceName(ref)}`,
            reason: 'MISSING',
          });
      }
      return { services, failures };
    },

    ListServices(input) {
      const cluster = getCluster(str(input, 'cluster'));
      const arns = [...cluster.services.values()].filter((s) => s.status !== 'INACTIVE').map((s) => s.arn);
      const { page, nextToken } = paginate(arns, str(input, 'nextToken'), num(input, 'maxResults'), 10);
      return { serviceArns: page, ...(nextToken ? { nextToken } : {}) };
    },

    UpdateService(input) {
      return { service: describeService(updateService(input), false) };
    },

    /** https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteService.html */
    DeleteService(input) {
      const service = activeService(str(input, 'cluster'), requireStr(input, 'service'));
      if (service.desiredCount > 0 && !bool(input, 'force')) {
        throw new AwsError('InvalidParameterException', 'The service cannot be stopped while it is scaled above 0.');
      }
      if (service.status === 'ACTIVE') {
        service.status = 'DRAINING';
        service.desiredCount = 0;
        engine.abortAll(service);
        void scheduler.track(
          Promise.all(service.fleets.map((f) => drainFleet(f))).then(() => {
            service.status = 'INACTIVE';
          }),
        );
      }
      return { service: describeService(service, false) };
    },

    CreateTaskSet(input) {
      const service = activeService(str(input, 'cluster'), requireStr(input, 'service'));
      requireExternal(service);
      const definition = requireTaskDefinition(requireStr(input, 'taskDefinition'));
      const lbs = parseLoadBalancers(input);
      for (const entry of lbs) checkLoadBalancer(definition, entry);
      const scale = obj(input, 'scale');
      const fleet = newFleet(service, 'taskSet', definition, {
        targetGroupArn: lbs[0]?.targetGroupArn,
        containerName: lbs[0]?.containerName,
        containerPort: lbs[0]?.containerPort,
        scalePercent: scale ? (num(scale, 'value') ?? 100) : 100,
        externalId: str(input, 'externalId'),
        status: service.fleets.length === 0 ? 'PRIMARY' : 'ACTIVE',
      });
      service.fleets.push(fleet);
      scheduler.reconcile(service);
      return { taskSet: describeTaskSet(fleet) };
    },

    DescribeTaskSets(input) {
      const service = activeService(str(input, 'cluster'), requireStr(input, 'service'));
      const refs = strList(input, 'taskSets');
      const sets = service.fleets.filter((f) => f.kind === 'taskSet');
      const found = refs ? sets.filter((f) => refs.includes(f.id) || refs.includes(f.arn)) : sets;
      const failures = (refs ?? [])
        .filter((r) => !found.some((f) => f.id === r || f.arn === r))
        .map((arn) => ({ arn, reason: 'MISSING' }));
      return { taskSets: found.map(describeTaskSet), failures };
    },

    UpdateTaskSet(input) {
      const service = activeService(str(input, 'cluster'), requireStr(input, 'service'));
      requireExternal(service);
      const fleet = findTaskSet(service, requireStr(input, 'taskSet'));
      const scale = obj(input, 'scale');
      const value = scale ? num(scale, 'value') : undefined;
      if (value === undefined || value < 0 || value > 100)
        throw new AwsError('InvalidParameterException', 'scale.value must be between 0 and 100.');
      fleet.scalePercent = value;
      fleet.updatedAt = new Date();
      scheduler.reconcile(service);
      return { taskSet: describeTaskSet(fleet) };
    },

    UpdateServicePrimaryTaskSet(input) {
      const service = activeService(str(input, 'cluster'), requireStr(input, 'service'));
      requireExternal(service);
      const fleet = findTaskSet(service, requireStr(input, 'primaryTaskSet'));
      internals.setPrimaryTaskSet(service.cluster.name, service.name, fleet.id);
      return { taskSet: describeTaskSet(fleet) };
    },

    DeleteTaskSet(input) {
      const service = activeService(str(input, 'cluster'), requireStr(input, 'service'));
      requireExternal(service);
      const fleet = findTaskSet(service, requireStr(input, 'taskSet'));
      if (fleet.status === 'PRIMARY' && !bool(input, 'force')) {
        throw new AwsError('InvalidParameterException', 'Cannot delete the PRIMARY task set unless force is true.');
      }
      const answer = describeTaskSet(fleet);
      void scheduler.track(drainFleet(fleet));
      return { taskSet: { ...answer, status: 'DRAINING' } };
    },

    ListTasks(input) {
      const cluster = getCluster(str(input, 'cluster'));
      const serviceRef = str(input, 'serviceName');
      const service = serviceRef ? findService(cluster, serviceRef) : undefined;
      if (serviceRef && !service) throw SERVICE_NOT_FOUND();
      const desired = str(input, 'desiredStatus') ?? 'RUNNING';
      const startedBy = str(input, 'startedBy');
      const family = str(input, 'family');
      const found = cluster.tasks.filter(
        (t) =>
          t.desiredStatus === desired &&
          (!service || t.service === service) &&
          (!startedBy || t.startedBy === startedBy) &&
          (!family || t.taskDefinition.family === family),
      );
      const { page, nextToken } = paginate(
        found.map((t) => t.arn),
        str(input, 'nextToken'),
        num(input, 'maxResults'),
      );
      return { taskArns: page, ...(nextToken ? { nextToken } : {}) };
    },

    DescribeTasks(input) {
      const cluster = getCluster(str(input, 'cluster'));
      const refs = strList(input, 'tasks') ?? [];
      if (refs.length === 0 || refs.length > 100)
        throw new AwsError('InvalidParameterException', 'Tasks cannot be empty.');
      const tasks = [];
      const failures = [];
      for (const ref of refs) {
        const task = cluster.tasks.find((t) => t.arn === ref || t.id === ref);
        if (task) tasks.push(describeTask(task));
        else
          failures.push({
            arn: ref.startsWith('arn:') ? ref : `arn:aws:ecs:${region}:${account}:task/${cluster.name}/${ref}`,
            reason: 'MISSING',
          });
      }
      return { tasks, failures };
    },

    StopTask(input) {
      const cluster = getCluster(str(input, 'cluster'));
      const ref = requireStr(input, 'task');
      const task = cluster.tasks.find((t) => t.arn === ref || t.id === ref);
      if (!task) throw new AwsError('InvalidParameterException', 'The referenced task was not found.');
      void scheduler.stopTask(task, str(input, 'reason') ?? 'Task stopped by user', 'UserInitiated');
      return { task: describeTask(task) };
    },

    ListServiceDeployments(input) {
      const service = activeServiceAny(str(input, 'cluster'), requireStr(input, 'service'));
      const statuses = strList(input, 'status');
      const createdAt = obj(input, 'createdAt');
      const range = createdAt ? { after: num(createdAt, 'after'), before: num(createdAt, 'before') } : undefined;
      return engine.list(service, statuses, str(input, 'nextToken'), num(input, 'maxResults'), range);
    },

    DescribeServiceRevisions(input) {
      const arns = strList(input, 'serviceRevisionArns') ?? [];
      if (arns.length === 0 || arns.length > 20)
        throw new AwsError('InvalidParameterException', 'serviceRevisionArns must hold 1 to 20 ARNs.');
      const serviceRevisions = [];
      const failures = [];
      for (const arn of arns) {
        const fleet = revisions.get(arn);
        if (fleet) serviceRevisions.push(describeRevision(fleet));
        else failures.push({ arn, reason: 'MISSING' });
      }
      return { serviceRevisions, failures };
    },

    DescribeServiceDeployments(input) {
      const arns = strList(input, 'serviceDeploymentArns') ?? [];
      if (arns.length === 0 || arns.length > 20)
        throw new AwsError('InvalidParameterException', 'serviceDeploymentArns must hold 1 to 20 ARNs.');
      return engine.describe(arns, [...clusters.values()]);
    },

    /** https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContinueServiceDeployment.html */
    ContinueServiceDeployment(input) {
      const action = str(input, 'action') ?? 'CONTINUE';
      if (action !== 'CONTINUE' && action !== 'ROLLBACK')
        throw new AwsError('InvalidParameterException', `Invalid action ${action}; CONTINUE or ROLLBACK.`);
      return engine.continueDeployment(requireStr(input, 'serviceDeploymentArn'), requireStr(input, 'hookId'), action, [
        ...clusters.values(),
      ]);
    },

    StopServiceDeployment(input) {
      const arn = requireStr(input, 'serviceDeploymentArn');
      const stopType = str(input, 'stopType') ?? 'ROLLBACK';
      if (stopType !== 'ROLLBACK' && stopType !== 'ABORT')
        throw new AwsError('InvalidParameterException', `Invalid stopType ${stopType}.`);
      return engine.stopDeployment(arn, stopType, [...clusters.values()]);
    },

    TagResource() {
      return {};
    },

    ...runTaskHandlers({ getCluster, requireTaskDefinition, scheduler, describeTask, logs: options.logs }),
  };

  /**
   * Task sets are managed through the API only for the EXTERNAL controller; CodeDeploy manages
   * those of CODE_DEPLOY services itself.
   * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateTaskSet.html
   */
  function requireExternal(service: Service): void {
    if (service.controller !== 'EXTERNAL') {
      throw new AwsError(
        'InvalidParameterException',
        `Task sets can only be managed through this API for services with an EXTERNAL deployment controller; service ${service.name} uses ${service.controller}.`,
      );
    }
  }

  /** ListServiceDeployments still answers for services that were deleted. */
  function activeServiceAny(clusterRef: string | undefined, ref: string): Service {
    const cluster = getCluster(clusterRef);
    const service = findService(cluster, ref);
    if (!service) throw SERVICE_NOT_FOUND();
    return service;
  }

  // -------------------------------------------------------------------------------------------
  // What CodeDeploy uses

  const internals: EcsInternals = {
    taskDefinition(ref) {
      const definition = taskDefinitions.find(ref);
      return definition ? taskDefinitions.summary(definition) : undefined;
    },
    service(clusterRef, serviceRef) {
      return serviceSummary(activeServiceAny(clusterRef, serviceRef));
    },
    createTaskSet(clusterRef, serviceRef, opts) {
      const service = activeService(clusterRef, serviceRef);
      const definition = taskDefinitions.find(opts.taskDefinition);
      if (!definition) throw new AwsError('ClientException', 'TaskDefinition not found.');
      checkLoadBalancer(definition, {
        targetGroupArn: opts.targetGroupArn,
        containerName: opts.containerName,
        containerPort: opts.containerPort,
      });
      const fleet = newFleet(service, 'taskSet', definition, {
        targetGroupArn: opts.targetGroupArn,
        containerName: opts.containerName,
        containerPort: opts.containerPort,
        scalePercent: opts.scalePercent ?? 100,
        externalId: opts.externalId,
        startedBy: 'CODE_DEPLOY',
        status: service.fleets.length === 0 ? 'PRIMARY' : 'ACTIVE',
      });
      service.fleets.push(fleet);
      service.steady = false;
      scheduler.reconcile(service);
      return taskSetInfo(fleet);
    },
    taskSet(clusterRef, serviceRef, id) {
      return taskSetInfo(findTaskSet(activeServiceAny(clusterRef, serviceRef), id));
    },
    updateTaskSetScale(clusterRef, serviceRef, id, scalePercent) {
      const service = activeService(clusterRef, serviceRef);
      const fleet = findTaskSet(service, id);
      const before = scheduler.desired(fleet);
      fleet.scalePercent = Math.max(0, Math.min(100, scalePercent));
      fleet.updatedAt = new Date();
      const after = scheduler.desired(fleet);
      if (after !== before) {
        scheduler.event(
          service,
          `(service ${service.name}) updated computedDesiredCount for taskSet ${fleet.id} to ${after}.`,
        );
      }
      service.steady = false;
      scheduler.reconcile(service);
    },
    setPrimaryTaskSet(clusterRef, serviceRef, id) {
      const service = activeService(clusterRef, serviceRef);
      const fleet = findTaskSet(service, id);
      for (const other of service.fleets) if (other.status === 'PRIMARY' && other !== fleet) other.status = 'ACTIVE';
      fleet.status = 'PRIMARY';
      fleet.updatedAt = new Date();
      // PRIMARY first, as DescribeServices lists them.
      service.fleets = [fleet, ...service.fleets.filter((f) => f !== fleet)];
    },
    async deleteTaskSet(clusterRef, serviceRef, id) {
      const service = activeServiceAny(clusterRef, serviceRef);
      const fleet = findTaskSet(service, id);
      await scheduler.track(drainFleet(fleet));
    },
    addServiceEvent(clusterRef, serviceRef, message) {
      scheduler.event(activeServiceAny(clusterRef, serviceRef), message);
    },
  };

  return {
    handlers,
    internals,
    async waitForSteadyState(clusterRef, serviceRef, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (shutDown) throw new Error('The sandbox stopped before the service reached a steady state');
        const service = activeService(clusterRef, serviceRef);
        scheduler.reconcile(service);
        if (scheduler.isSteady(service) && !engine.inProgress(service)) return;
        const stoppedTasks = service.fleets
          .flatMap((f) => f.tasks)
          .filter((t) => t.lastStatus === 'STOPPED' && t.stoppedReason);
        if (Date.now() > deadline) {
          const reasons = stoppedTasks.slice(-3).map((t) => t.stoppedReason);
          throw new Error(
            `Service ${service.name} did not reach a steady state within ${timeoutMs} ms` +
              (reasons.length ? `; stopped tasks: ${reasons.join('; ')}` : ''),
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    state() {
      return {
        clusters: [...clusters.values()].map((cluster) => ({
          name: cluster.name,
          status: cluster.status,
          services: [...cluster.services.values()].map((service) => ({
            name: service.name,
            status: service.status,
            controller: service.controller,
            strategy: service.deploymentConfiguration.strategy,
            desiredCount: service.desiredCount,
            steady: service.steady,
            fleets: service.fleets.map((fleet) => ({
              id: fleet.id,
              kind: fleet.kind,
              status: fleet.status,
              taskDefinition: fleet.taskDefinition.taskDefinitionArn,
              targetGroupArn: fleet.targetGroupArn,
              ...scheduler.counts(fleet),
            })),
            serviceDeployments: service.serviceDeployments.map((d) => ({
              arn: d.arn,
              status: d.status,
              lifecycleStage: d.lifecycleStage,
            })),
          })),
          tasks: cluster.tasks.map((t) => ({
            id: t.id,
            lastStatus: t.lastStatus,
            healthStatus: t.healthStatus,
            image: t.image,
            url: t.running && t.lastStatus === 'RUNNING' ? `http://${t.running.host}:${t.running.port}` : undefined,
            stoppedReason: t.stoppedReason,
          })),
        })),
        taskDefinitions: taskDefinitions.all().map((d) => ({ arn: d.taskDefinitionArn, status: d.status })),
      };
    },
    async stop() {
      shutDown = true;
      engine.abortEverything([...clusters.values()]);
      await scheduler.stop();
    },
  };
}

/** propagateTags of a CreateService/UpdateService request; the model check has refused other values. */
function propagateTagsOf(input: Record<string, unknown>): Service['propagateTags'] | undefined {
  return str(input, 'propagateTags') as Service['propagateTags'] | undefined;
}
