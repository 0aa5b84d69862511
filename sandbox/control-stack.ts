/**
 * POST /_sandbox/stack: what the service stack makes for a deployment to run against, in the
 * sandbox's own region: a cluster, two target groups behind a production and a test listener, the
 * service, and for a CodeDeploy-controlled service its application and deployment group.
 */
import { AwsError } from './contracts.js';
import { callInternal, validateStack, type StackRequest, type StackResult } from './control.js';
import type { World } from './world.js';

/** Makes the stack `body` asks for in `w`, through the same handlers AWS calls reach. */
export async function createStack(w: World, account: string, body: StackRequest): Promise<StackResult> {
  const region = w.region;
  const request = validateStack(body);
  const ecsCall = (op: string, input: Record<string, unknown>) =>
    callInternal(w.ecs.handlers, 'ecs', op, input, account, region);
  const cdCall = (op: string, input: Record<string, unknown>) =>
    callInternal(w.codedeploy.handlers, 'codedeploy', op, input, account, region);
  const definition = w.ecs.internals.taskDefinition(request.taskDefinition);
  if (!definition)
    throw new AwsError('ClientException', `TaskDefinition not found: ${request.taskDefinition}. Register it first.`);
  const cluster = (await ecsCall('CreateCluster', { clusterName: request.cluster })).cluster as {
    clusterArn: string;
  };

  // What the service stack's ALB module makes: two target groups, a production and a test listener.
  const healthCheck = {
    healthCheckPath: request.healthCheckPath ?? '/health',
    healthCheckIntervalMs: (request.healthCheckIntervalSeconds ?? 5) * 1000,
    healthyThreshold: request.healthyThreshold ?? 2,
    unhealthyThreshold: request.unhealthyThreshold ?? 2,
    deregistrationDelayMs: (request.deregistrationDelaySeconds ?? 30) * 1000,
  };
  const short = request.service.slice(0, 24);
  const blue = w.lb.createTargetGroup({ name: `${short}-blue`, ...healthCheck });
  const green = w.lb.createTargetGroup({ name: `${short}-green`, ...healthCheck });
  const initialWeights = [
    { targetGroupArn: blue.arn, weight: 100 },
    { targetGroupArn: green.arn, weight: 0 },
  ];
  const production = await w.lb.createListener(`${short}-production`, initialWeights, request.productionPort);
  const test = await w.lb.createListener(`${short}-test`, initialWeights, request.testPort);

  const ecsController = request.controller === 'ECS';
  const strategy = request.strategy ?? 'ROLLING';
  const service = (
    await ecsCall('CreateService', {
      cluster: request.cluster,
      serviceName: request.service,
      taskDefinition: request.taskDefinition,
      desiredCount: request.desiredCount,
      launchType: 'FARGATE',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-0sandbox1', 'subnet-0sandbox2'],
          securityGroups: ['sg-0sandbox'],
          assignPublicIp: 'DISABLED',
        },
      },
      healthCheckGracePeriodSeconds: request.healthCheckGracePeriodSeconds ?? 30,
      deploymentController: { type: request.controller },
      loadBalancers: [
        {
          targetGroupArn: blue.arn,
          containerName: request.containerName,
          containerPort: request.containerPort,
          ...(ecsController && strategy !== 'ROLLING'
            ? {
                advancedConfiguration: {
                  alternateTargetGroupArn: green.arn,
                  productionListenerRule: production.arn,
                  testListenerRule: test.arn,
                  roleArn: `arn:aws:iam::${account}:role/ecs-infrastructure`,
                },
              }
            : {}),
        },
      ],
      ...(ecsController
        ? {
            deploymentConfiguration: {
              strategy,
              maximumPercent: 200,
              minimumHealthyPercent: 100,
              deploymentCircuitBreaker: { enable: true, rollback: true },
              ...(strategy !== 'ROLLING' ? { bakeTimeInMinutes: request.bakeTimeInMinutes ?? 0 } : {}),
              ...(request.linearConfiguration ? { linearConfiguration: request.linearConfiguration } : {}),
              ...(request.canaryConfiguration ? { canaryConfiguration: request.canaryConfiguration } : {}),
              ...(request.lifecycleHooks ? { lifecycleHooks: request.lifecycleHooks } : {}),
            },
          }
        : {}),
    })
  ).service as { serviceArn: string };

  if (!ecsController) {
    await cdCall('CreateApplication', { applicationName: request.codedeployApplication, computePlatform: 'ECS' });
    await cdCall('CreateDeploymentGroup', {
      applicationName: request.codedeployApplication,
      deploymentGroupName: request.deploymentGroup,
      deploymentConfigName: request.deploymentConfig ?? 'CodeDeployDefault.ECSAllAtOnce',
      serviceRoleArn: `arn:aws:iam::${account}:role/codedeploy-ecs`,
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      blueGreenDeploymentConfiguration: {
        deploymentReadyOption:
          request.readyWait === 'STOP'
            ? { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: request.readyWaitMinutes ?? 60 }
            : { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
        terminateBlueInstancesOnDeploymentSuccess: {
          action: 'TERMINATE',
          terminationWaitTimeInMinutes: request.terminationWaitMinutes ?? 5,
        },
      },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] },
      ecsServices: [{ clusterName: request.cluster, serviceName: request.service }],
      loadBalancerInfo: {
        targetGroupPairInfoList: [
          {
            targetGroups: [{ name: blue.name }, { name: green.name }],
            prodTrafficRoute: { listenerArns: [production.arn] },
            testTrafficRoute: { listenerArns: [test.arn] },
          },
        ],
      },
    });
  }

  await w.ecs.waitForSteadyState(request.cluster, request.service, request.timeoutMs ?? 60_000);
  const result: StackResult = {
    productionUrl: production.url,
    testUrl: test.url,
    clusterArn: cluster.clusterArn,
    serviceArn: service.serviceArn,
    taskDefinition: definition.taskDefinitionArn,
    targetGroups: { blue: { arn: blue.arn, name: blue.name }, green: { arn: green.arn, name: green.name } },
    listeners: { production: production.arn, test: test.arn },
    ...(!ecsController
      ? { codedeployApplication: request.codedeployApplication, deploymentGroup: request.deploymentGroup }
      : {}),
  };
  w.stacks.push({ ...result, request });
  return result;
}
