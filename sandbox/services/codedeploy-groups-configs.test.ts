/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read API answers as loose JSON */
/**
 * CodeDeploy applications, deployment groups and deployment configs, against fakes of ECS and the
 * load balancer: which ECS groups are accepted, the predefined configs, and the traffic steps each
 * config makes.
 */
import { describe, expect, it } from '@jest/globals';
import { trafficSteps } from './codedeploy/configs.js';
import { setup } from './codedeploy.test-helpers.js';

describe('traffic steps', () => {
  it('follows AllAtOnce, Linear and Canary configs', () => {
    expect(trafficSteps({ type: 'AllAtOnce' })).toEqual([{ waitBeforeMs: 0, greenPercent: 100 }]);
    const linear = trafficSteps({
      type: 'TimeBasedLinear',
      timeBasedLinear: { linearPercentage: 10, linearInterval: 1 },
    });
    expect(linear.map((s) => s.greenPercent)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(linear.map((s) => s.waitBeforeMs)).toEqual([0, ...Array(9).fill(60_000)]);
    const uneven = trafficSteps({
      type: 'TimeBasedLinear',
      timeBasedLinear: { linearPercentage: 30, linearInterval: 3 },
    });
    expect(uneven.map((s) => s.greenPercent)).toEqual([30, 60, 90, 100]);
    expect(
      trafficSteps({ type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 5 } }),
    ).toEqual([
      { waitBeforeMs: 0, greenPercent: 10 },
      { waitBeforeMs: 300_000, greenPercent: 100 },
    ]);
  });
});

describe('CodeDeploy deployments (fake ECS and load balancer)', () => {
  it('lists the predefined ECS configs', async () => {
    const h = await setup();
    const list = (await h.call('ListDeploymentConfigs', {})).deploymentConfigsList as string[];
    expect(list).toEqual(
      expect.arrayContaining([
        'CodeDeployDefault.ECSAllAtOnce',
        'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
        'CodeDeployDefault.ECSLinear10PercentEvery3Minutes',
        'CodeDeployDefault.ECSCanary10Percent5Minutes',
        'CodeDeployDefault.ECSCanary10Percent15Minutes',
      ]),
    );
    const linear3 = (
      await h.call('GetDeploymentConfig', { deploymentConfigName: 'CodeDeployDefault.ECSLinear10PercentEvery3Minutes' })
    ).deploymentConfigInfo as any;
    expect(linear3.trafficRoutingConfig).toEqual({
      type: 'TimeBasedLinear',
      timeBasedLinear: { linearPercentage: 10, linearInterval: 3 },
    });
  });

  it('rejects ECS groups that do not fit: wrong controller, unknown target group, second group for a service', async () => {
    const h = await setup();
    const base = {
      applicationName: 'app',
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      ecsServices: [{ clusterName: 'demo', serviceName: 'web' }],
      loadBalancerInfo: {
        targetGroupPairInfoList: [
          {
            targetGroups: [{ name: 'blue' }, { name: 'green' }],
            prodTrafficRoute: { listenerArns: ['arn:listener/prod'] },
          },
        ],
      },
    };
    await expect(h.call('CreateDeploymentGroup', { ...base, deploymentGroupName: 'dg2' })).rejects.toMatchObject({
      code: 'ECSServiceMappingLimitExceededException',
    });
    await expect(h.call('CreateDeploymentGroup', { ...base, deploymentGroupName: 'dg' })).rejects.toMatchObject({
      code: 'DeploymentGroupAlreadyExistsException',
    });
    await h.call('DeleteDeploymentGroup', { applicationName: 'app', deploymentGroupName: 'dg' });
    h.ecs.serviceInfo.deploymentController = 'ECS';
    await expect(h.call('CreateDeploymentGroup', { ...base, deploymentGroupName: 'dg2' })).rejects.toMatchObject({
      code: 'InvalidECSServiceException',
    });
    h.ecs.serviceInfo.deploymentController = 'CODE_DEPLOY';
    const badPair = {
      targetGroupPairInfoList: [
        {
          targetGroups: [{ name: 'blue' }, { name: 'nope' }],
          prodTrafficRoute: { listenerArns: ['arn:listener/prod'] },
        },
      ],
    };
    await expect(
      h.call('CreateDeploymentGroup', { ...base, deploymentGroupName: 'dg2', loadBalancerInfo: badPair }),
    ).rejects.toMatchObject({
      code: 'InvalidTargetGroupPairException',
    });
    await expect(
      h.call('GetDeploymentGroup', { applicationName: 'app', deploymentGroupName: 'dg' }),
    ).rejects.toMatchObject({
      code: 'DeploymentGroupDoesNotExistException',
      message: 'No Deployment Group found for name: dg',
    });
    await expect(h.call('GetApplication', { applicationName: 'missing' })).rejects.toMatchObject({
      code: 'ApplicationDoesNotExistException',
    });
  });
});
