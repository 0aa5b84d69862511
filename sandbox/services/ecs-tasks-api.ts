/**
 * ECS tasks through the API: ListTasks (by service, startedBy, family, desired status),
 * DescribeTasks (unknown ones as MISSING failures) and StopTask. RunTask is ecs-run-task.ts.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Task.html
 */
import { AwsError, type ServiceHandlers } from '../contracts.js';
import { num, paginate, requireStr, str, strList } from '../protocol.js';
import type { EcsTask } from './ecs-model.js';
import { findService, getCluster, serviceNotFound, type EcsContext } from './ecs-state.js';

/** https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Task.html */
export function describeTask(ctx: EcsContext, task: EcsTask) {
  const { account, region } = ctx;
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
    ...(task.stoppingAt ? { stoppingAt: task.stoppingAt, executionStoppedAt: task.stoppedAt ?? task.stoppingAt } : {}),
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

export function taskHandlers(ctx: EcsContext): ServiceHandlers {
  const { account, region, scheduler } = ctx;
  return {
    ListTasks(input) {
      const cluster = getCluster(ctx, str(input, 'cluster'));
      const serviceRef = str(input, 'serviceName');
      const service = serviceRef ? findService(cluster, serviceRef) : undefined;
      if (serviceRef && !service) throw serviceNotFound();
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
      const cluster = getCluster(ctx, str(input, 'cluster'));
      const refs = strList(input, 'tasks') ?? [];
      if (refs.length === 0 || refs.length > 100)
        throw new AwsError('InvalidParameterException', 'Tasks cannot be empty.');
      const tasks = [];
      const failures = [];
      for (const ref of refs) {
        const task = cluster.tasks.find((t) => t.arn === ref || t.id === ref);
        if (task) tasks.push(describeTask(ctx, task));
        else
          failures.push({
            arn: ref.startsWith('arn:') ? ref : `arn:aws:ecs:${region}:${account}:task/${cluster.name}/${ref}`,
            reason: 'MISSING',
          });
      }
      return { tasks, failures };
    },

    StopTask(input) {
      const cluster = getCluster(ctx, str(input, 'cluster'));
      const ref = requireStr(input, 'task');
      const task = cluster.tasks.find((t) => t.arn === ref || t.id === ref);
      if (!task) throw new AwsError('InvalidParameterException', 'The referenced task was not found.');
      void scheduler.stopTask(task, str(input, 'reason') ?? 'Task stopped by user', 'UserInitiated');
      return { task: describeTask(ctx, task) };
    },
  };
}
