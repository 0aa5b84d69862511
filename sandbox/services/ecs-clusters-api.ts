/**
 * ECS clusters through the API: CreateCluster, DescribeClusters, ListClusters and DeleteCluster,
 * which refuses while services or tasks are active.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCluster.html
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteCluster.html
 */
import { AwsError, type ServiceHandlers } from '../contracts.js';
import { list, num, paginate, requireStr, str, strList } from '../protocol.js';
import type { Cluster } from './ecs-model.js';
import { clusterName, getCluster, type EcsContext } from './ecs-state.js';

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

export function clusterHandlers(ctx: EcsContext): ServiceHandlers {
  const { account, region, clusters } = ctx;
  return {
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
      const cluster = getCluster(ctx, requireStr(input, 'cluster'));
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
  };
}
