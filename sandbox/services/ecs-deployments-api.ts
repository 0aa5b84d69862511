/**
 * ECS service deployments and service revisions through the API: ListServiceDeployments,
 * DescribeServiceDeployments, DescribeServiceRevisions, ContinueServiceDeployment and
 * StopServiceDeployment; the deployments themselves run in the engine (ecs-deployments.ts).
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html
 */
import { AwsError, type ServiceHandlers } from '../contracts.js';
import { num, obj, paginate, requireStr, str, strList } from '../protocol.js';
import { findServiceDeployment } from './ecs-deployment-core.js';
import { fleetLoadBalancers } from './ecs-fleets.js';
import { describeHookRun } from './ecs-hooks.js';
import type { Cluster, Fleet, Service, ServiceDeployment } from './ecs-model.js';
import type { Scheduler } from './ecs-scheduler.js';
import { activeServiceAny, type EcsContext } from './ecs-state.js';

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

function revisionSummary(scheduler: Scheduler, deployment: ServiceDeployment, fleet: Fleet) {
  const counts = scheduler.counts(fleet);
  const blueGreen = (deployment.deploymentConfiguration.strategy ?? 'ROLLING') !== 'ROLLING';
  return {
    arn: fleet.revisionArn,
    requestedTaskCount: counts.desired,
    runningTaskCount: counts.running,
    pendingTaskCount: counts.pending,
    ...(blueGreen
      ? {
          requestedProductionTrafficWeight: deployment.productionWeights.get(fleet.id) ?? 0,
          requestedTestTrafficWeight: deployment.testWeights.get(fleet.id) ?? 0,
        }
      : {}),
  };
}

function describeServiceDeployment(scheduler: Scheduler, deployment: ServiceDeployment) {
  const service = deployment.service;
  return {
    serviceDeploymentArn: deployment.arn,
    serviceArn: service.arn,
    clusterArn: service.cluster.arn,
    createdAt: deployment.createdAt,
    ...(deployment.startedAt ? { startedAt: deployment.startedAt } : {}),
    ...(deployment.finishedAt ? { finishedAt: deployment.finishedAt } : {}),
    ...(deployment.stoppedAt ? { stoppedAt: deployment.stoppedAt } : {}),
    updatedAt: deployment.updatedAt,
    sourceServiceRevisions: deployment.sources.map((f) => revisionSummary(scheduler, deployment, f)),
    targetServiceRevision: revisionSummary(scheduler, deployment, deployment.target),
    status: deployment.status,
    ...(deployment.statusReason ? { statusReason: deployment.statusReason } : {}),
    ...(deployment.lifecycleStage ? { lifecycleStage: deployment.lifecycleStage } : {}),
    ...(deployment.hookRuns.length ? { lifecycleHookDetails: deployment.hookRuns.map(describeHookRun) } : {}),
    deploymentConfiguration: deployment.deploymentConfiguration,
    ...(deployment.rollback ? { rollback: deployment.rollback } : {}),
    deploymentCircuitBreaker: deployment.circuitBreaker,
  };
}

function listServiceDeployments(
  service: Service,
  statuses: string[] | undefined,
  nextToken: string | undefined,
  maxResults: number | undefined,
  createdAt?: { after?: number; before?: number },
) {
  // JSON 1.1 timestamps arrive as epoch seconds.
  const created = (d: ServiceDeployment) => d.createdAt.getTime() / 1000;
  const found = service.serviceDeployments.filter(
    (d) =>
      (!statuses || statuses.length === 0 || statuses.includes(d.status)) &&
      (createdAt?.after === undefined || created(d) >= createdAt.after) &&
      (createdAt?.before === undefined || created(d) <= createdAt.before),
  );
  const { page, nextToken: next } = paginate(found, nextToken, maxResults, 20);
  return {
    serviceDeployments: page.map((d) => ({
      serviceDeploymentArn: d.arn,
      serviceArn: service.arn,
      clusterArn: service.cluster.arn,
      ...(d.startedAt ? { startedAt: d.startedAt } : {}),
      createdAt: d.createdAt,
      ...(d.finishedAt ? { finishedAt: d.finishedAt } : {}),
      targetServiceRevisionArn: d.target.revisionArn,
      status: d.status,
      ...(d.statusReason ? { statusReason: d.statusReason } : {}),
    })),
    ...(next ? { nextToken: next } : {}),
  };
}

function describeServiceDeployments(scheduler: Scheduler, arns: string[], clusters: Cluster[]) {
  const serviceDeployments = [];
  const failures = [];
  for (const arn of arns) {
    const deployment = findServiceDeployment(arn, clusters);
    if (deployment) serviceDeployments.push(describeServiceDeployment(scheduler, deployment));
    else failures.push({ arn, reason: 'MISSING' });
  }
  return { serviceDeployments, failures };
}

export function serviceDeploymentHandlers(ctx: EcsContext): ServiceHandlers {
  const { clusters, revisions, engine, scheduler } = ctx;
  return {
    ListServiceDeployments(input) {
      const service = activeServiceAny(ctx, str(input, 'cluster'), requireStr(input, 'service'));
      const statuses = strList(input, 'status');
      const createdAt = obj(input, 'createdAt');
      const range = createdAt ? { after: num(createdAt, 'after'), before: num(createdAt, 'before') } : undefined;
      return listServiceDeployments(service, statuses, str(input, 'nextToken'), num(input, 'maxResults'), range);
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
      return describeServiceDeployments(scheduler, arns, [...clusters.values()]);
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
  };
}
