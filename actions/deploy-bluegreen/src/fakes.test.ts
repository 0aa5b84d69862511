/**
 * The fake AWS client holds what it is handed, and what a test makes it answer, to AWS's API model,
 * as the sandbox does: a broken request or answer throws with the violation named and is remembered
 * for the test's end.
 */
import { CreateDeploymentCommand, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from '@jest/globals';
import { explainStoppedTasks } from './diagnostics.js';
import { FakeAws, takeModelViolations } from './fakes.test-helpers.js';

describe('FakeAws', () => {
  it('answers a request the model allows', async () => {
    const ecs = new FakeAws({ DescribeServices: () => ({ services: [] }) });
    await expect(
      ecs.client.send(new DescribeServicesCommand({ cluster: 'main', services: ['web'] }) as never),
    ).resolves.toEqual({ services: [] });
  });

  it('throws for a request that breaks the model, naming each violation', async () => {
    const codedeploy = new FakeAws({ CreateDeployment: () => ({ deploymentId: 'd-1' }) });
    const broken = new CreateDeploymentCommand({
      applicationName: 'app',
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: 'x' } },
      fileExistsBehavior: 'REPLACE' as never,
    });
    const expected =
      'codedeploy.CreateDeployment: request breaks the AWS model: ' +
      'fileExistsBehavior: "REPLACE" is not one of DISALLOW, OVERWRITE, RETAIN';
    await expect(codedeploy.client.send(broken as never)).rejects.toMatchObject({
      name: 'AwsModelViolation',
      message: expected,
    });
    expect(takeModelViolations()).toEqual([expected]);
  });

  it('reads the request as the SDK would send it: Dates for timestamps, undefined members absent', async () => {
    const ecs = new FakeAws({ RegisterTaskDefinition: () => ({}) });
    const request = new RegisterTaskDefinitionCommand({
      family: 'web',
      cpu: undefined,
      containerDefinitions: [{ name: 'app', image: 'app:1', environment: [{ name: 'PORT', value: 8080 as never }] }],
    });
    await expect(ecs.client.send(request as never)).rejects.toThrow(
      'ecs.RegisterTaskDefinition: request breaks the AWS model: ' +
        'containerDefinitions[0].environment[0].value: expected a string, got the number 8080',
    );
    takeModelViolations();
  });

  it('remembers a broken request even when the code under test swallows the error', async () => {
    // DescribeServices without `services` breaks the model; explainStoppedTasks reads events best-effort.
    const ecs = new FakeAws({ ListTasks: () => ({ taskArns: [] }), DescribeServices: () => ({ services: [] }) });
    await ecs.client.send(new DescribeServicesCommand({ cluster: 'main' } as never) as never).catch(() => undefined);
    await explainStoppedTasks({ ecs: ecs.client as never }, 'main', 'web', 'td:1');
    expect(takeModelViolations()).toEqual([
      'ecs.DescribeServices: request breaks the AWS model: services: required member is missing',
    ]);
  });

  it('throws for an answer AWS could never give, sync or async', async () => {
    const answers = [
      { deploymentInfo: { deploymentId: 'd-1', status: 'Done' } },
      Promise.resolve({ deploymentInfo: { deploymentId: 'd-1', status: 'Succeeded', createTime: '2026-01-01' } }),
    ];
    const codedeploy = new FakeAws({ GetDeployment: () => answers.shift() });
    const get = () => codedeploy.client.send(new GetDeploymentCommand({ deploymentId: 'd-1' }) as never);
    await expect(get()).rejects.toThrow(
      'codedeploy.GetDeployment: fake answer breaks the AWS model: deploymentInfo.status: "Done" is not one of ' +
        'Created, Queued, InProgress, Baking, Succeeded, Failed, Stopped, Ready',
    );
    await expect(get()).rejects.toThrow(
      'deploymentInfo.createTime: expected a timestamp as epoch seconds (a number), got the string "2026-01-01"',
    );
    expect(takeModelViolations()).toHaveLength(2);
  });
});
