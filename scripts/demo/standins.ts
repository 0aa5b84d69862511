/**
 * Stand-ins for the workflows' provision steps. Terraform cannot reach the sandbox, so the demo
 * creates in it what each stack creates that the actions use, from the variables the workflow
 * step computes, and answers the outputs the stack's outputs.tf declares (the workflows read them
 * with fromJSON(steps.<id>.outputs.outputs)). Destroy deletes them as `terraform destroy` would.
 */
import { CodeDeployClient, DeleteApplicationCommand, DeleteDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import { CreateRepositoryCommand, DeleteRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  DeleteClusterCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import type { StackRequest, StackResult } from '../../sandbox/index.js';

export interface SandboxTarget {
  endpoint: string;
  region: string;
  account: string;
  /** `<account>.dkr.ecr.<region>.amazonaws.com` */
  registry: string;
}

export type StackOutputs = Record<string, unknown>;

/**
 * The service stack's settings the sandbox models, at their defaults in
 * terraform/stacks/service/variables.tf and terraform/modules/{alb,ecs-bluegreen-service}.
 */
export const SERVICE_STACK_DEFAULTS = {
  desiredCount: 2, // min_task_count
  deploymentConfig: 'CodeDeployDefault.ECSAllAtOnce', // deployment_config_name
  terminationWaitMinutes: 5, // blue_termination_wait_minutes
  healthCheckPath: '/health',
  healthCheckIntervalSeconds: 10,
  healthyThreshold: 2,
  unhealthyThreshold: 3,
  deregistrationDelaySeconds: 30,
  healthCheckGracePeriodSeconds: 30,
} as const;

function requireString(variables: Record<string, unknown>, name: string, stack: string): string {
  const value = variables[name];
  if (typeof value !== 'string' || value === '') {
    throw new Error(`the ${stack} step's variables lack ${name} (got ${JSON.stringify(value)})`);
  }
  return value;
}

function requirePort(variables: Record<string, unknown>, name: string, stack: string): number {
  const value = Number(variables[name]);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`the ${stack} step's variables lack a port ${name} (got ${JSON.stringify(variables[name])})`);
  }
  return value;
}

/** What a destroy stand-in did: one line per resource, for the narrative. */
export type DestroyLog = (line: string) => void;

export class StandIns {
  readonly ecr: ECRClient;
  readonly ecs: ECSClient;
  readonly codedeploy: CodeDeployClient;

  /** The execution roles of foundations applied with a shared repository: their destroy leaves it. */
  private readonly sharedRepositoryUsers = new Set<string>();

  constructor(private readonly target: SandboxTarget) {
    const config = {
      endpoint: target.endpoint,
      region: target.region,
      credentials: { accessKeyId: 'AKIASANDBOXEXAMPLE00', secretAccessKey: 'sandbox-secret-access-key' },
    };
    this.ecr = new ECRClient(config);
    this.ecs = new ECSClient(config);
    this.codedeploy = new CodeDeployClient(config);
  }

  close(): void {
    this.ecr.destroy();
    this.ecs.destroy();
    this.codedeploy.destroy();
  }

  /**
   * foundation: the ECR repository (immutable tags, scan on push, as modules/ecr-repository) and
   * the names of the roles and log group the first task definition refers to. The network, IAM,
   * logs and SNS are not modelled by the sandbox: their outputs are well-formed names only.
   */
  async applyFoundation(variables: Record<string, unknown>): Promise<StackOutputs> {
    const name = requireString(variables, 'name', 'foundation');
    const region = requireString(variables, 'aws_region', 'foundation');
    const containerName = requireString(variables, 'container_name', 'foundation');
    const containerPort = requirePort(variables, 'container_port', 'foundation');
    const { account, registry } = this.target;
    // With shared_repository_arn the stack creates no repository and names the shared one
    // (terraform/stacks/foundation: module.ecr has count 0).
    const shared = typeof variables.shared_repository_arn === 'string' ? variables.shared_repository_arn : '';
    const repositoryName = shared ? shared.slice(shared.indexOf(':repository/') + ':repository/'.length) : name;
    const repositoryArn = shared
      ? shared
      : ((
          await this.ecr.send(
            new CreateRepositoryCommand({
              repositoryName: name,
              imageTagMutability: 'IMMUTABLE',
              imageScanningConfiguration: { scanOnPush: true },
            }),
          )
        ).repository?.repositoryArn ?? '');
    const executionRoleArn = `arn:aws:iam::${account}:role/${name}-execution`;
    if (shared) this.sharedRepositoryUsers.add(executionRoleArn);
    const taskRoleArn = `arn:aws:iam::${account}:role/${name}-task`;
    const logGroup = `/ecs/${name}`;
    return {
      aws_region: region,
      vpc_id: 'vpc-0sandbox',
      public_subnet_ids: ['subnet-0sandboxpublica', 'subnet-0sandboxpublicb'],
      private_subnet_ids: ['subnet-0sandboxprivatea', 'subnet-0sandboxprivateb'],
      repository_name: repositoryName,
      repository_url: `${registry}/${repositoryName}`,
      repository_arn: repositoryArn,
      execution_role_arn: executionRoleArn,
      task_role_arn: taskRoleArn,
      log_group_name: logGroup,
      alerts_topic_arn: `arn:aws:sns:${region}:${account}:${name}-alerts`,
      container_name: containerName,
      container_port: containerPort,
      task_family: name,
      first_task_definition: {
        family: name,
        container_name: containerName,
        container_port: containerPort,
        execution_role_arn: executionRoleArn,
        task_role_arn: taskRoleArn,
        log_group: logGroup,
        region,
      },
    };
  }

  /** The body of POST /_sandbox/stack for the service stack's variables (cluster, service, app and group all named `name`). */
  serviceStackRequest(variables: Record<string, unknown>): StackRequest {
    const name = requireString(variables, 'name', 'service');
    return {
      cluster: name,
      service: name,
      taskDefinition: requireString(variables, 'task_definition_arn', 'service'),
      containerName: requireString(variables, 'container_name', 'service'),
      containerPort: requirePort(variables, 'container_port', 'service'),
      controller: 'CODE_DEPLOY',
      codedeployApplication: name,
      deploymentGroup: name,
      ...SERVICE_STACK_DEFAULTS,
      timeoutMs: 90_000,
    };
  }

  /** service: cluster, service, target groups, listeners, CodeDeploy application and group, through POST /_sandbox/stack. */
  async applyService(variables: Record<string, unknown>): Promise<StackOutputs> {
    const request = this.serviceStackRequest(variables);
    const response = await fetch(`${this.target.endpoint}/_sandbox/stack`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    const body = (await response.json()) as StackResult & { message?: string; __type?: string };
    if (!response.ok) {
      throw new Error(`POST /_sandbox/stack answered ${response.status}: ${body.__type ?? ''} ${body.message ?? ''}`);
    }
    return {
      cluster_name: request.cluster,
      service_name: request.service,
      codedeploy_application: body.codedeployApplication,
      codedeploy_deployment_group: body.deploymentGroup,
      production_url: body.productionUrl,
      test_url: body.testUrl,
      production_listener_arn: body.listeners.production,
      alb_security_group_id: 'sg-0sandboxalb',
      production_port: Number(new URL(body.productionUrl).port),
      alarm_names: [],
    };
  }

  /**
   * Destroys the service stack in the order Terraform's dependencies impose: the deployment
   * group and application, then the service (scaled to 0, deleted, drained to INACTIVE), then
   * the cluster.
   */
  async destroyService(outputs: StackOutputs, log: DestroyLog): Promise<void> {
    const cluster = String(outputs.cluster_name);
    const service = String(outputs.service_name);
    const application = String(outputs.codedeploy_application);
    const group = String(outputs.codedeploy_deployment_group);
    await this.codedeploy.send(
      new DeleteDeploymentGroupCommand({ applicationName: application, deploymentGroupName: group }),
    );
    log(`DeleteDeploymentGroup ${application}/${group}`);
    await this.codedeploy.send(new DeleteApplicationCommand({ applicationName: application }));
    log(`DeleteApplication ${application}`);
    await this.ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount: 0 }));
    log(`UpdateService ${service} desiredCount=0`);
    await this.ecs.send(new DeleteServiceCommand({ cluster, service }));
    log(`DeleteService ${service}`);
    // As the AWS provider does, wait for the service to drain before deleting its cluster.
    // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteService.html
    const deadline = Date.now() + 30_000;
    for (;;) {
      const described = await this.ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
      const status = described.services?.[0]?.status ?? 'INACTIVE';
      if (status === 'INACTIVE') break;
      if (Date.now() > deadline) throw new Error(`service ${service} still ${status} 30 s after DeleteService`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    log(`service ${service} drained: INACTIVE`);
    await this.deleteCluster(cluster, log);
  }

  /**
   * DeleteCluster, retried while the cluster still holds services or tasks, as the AWS provider
   * does while they stop (ClusterContainsTasksException / ClusterContainsServicesException).
   * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteCluster.html
   */
  private async deleteCluster(cluster: string, log: DestroyLog): Promise<void> {
    const deadline = Date.now() + 30_000;
    let reported = false;
    for (;;) {
      try {
        await this.ecs.send(new DeleteClusterCommand({ cluster }));
        log(`DeleteCluster ${cluster}`);
        return;
      } catch (error) {
        const name = error instanceof Error ? error.name : '';
        if (name !== 'ClusterContainsTasksException' && name !== 'ClusterContainsServicesException') throw error;
        const active = await this.activeTasks(cluster);
        if (Date.now() > deadline) {
          throw new Error(`DeleteCluster ${cluster} still refused after 30 s: ${name}; tasks: ${active}`, {
            cause: error,
          });
        }
        if (!reported) log(`DeleteCluster ${cluster}: ${name}, waiting for them to stop (${active})`);
        reported = true;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  /** The cluster's tasks that have not stopped, for messages: `id (group) lastStatus`. */
  private async activeTasks(cluster: string): Promise<string> {
    const listed = await this.ecs.send(new ListTasksCommand({ cluster }));
    const arns = listed.taskArns ?? [];
    if (arns.length === 0) return 'none listed';
    const described = await this.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }));
    return (described.tasks ?? [])
      .map((t) => `${t.taskArn?.split('/').pop()} (${t.group ?? '?'}) ${t.lastStatus ?? '?'}`)
      .join(', ');
  }

  /** Destroys the foundation stack's repository, images included (the module sets force_delete). */
  async destroyFoundation(outputs: StackOutputs, log: DestroyLog): Promise<void> {
    const repositoryName = String(outputs.repository_name);
    if (this.sharedRepositoryUsers.has(String(outputs.execution_role_arn))) {
      log(`repository ${repositoryName} left alone: shared, not in this stack's state`);
      return;
    }
    await this.ecr.send(new DeleteRepositoryCommand({ repositoryName, force: true }));
    log(`DeleteRepository ${repositoryName} (force)`);
  }
}
