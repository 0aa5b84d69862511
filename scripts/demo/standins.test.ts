import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { startSandbox, type RunningSandbox } from '../../sandbox/index.js';
import { StandIns } from './standins.js';

let sandbox: RunningSandbox;
let standIns: StandIns;

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 60 });
  standIns = new StandIns(sandbox);
});

afterAll(async () => {
  standIns?.close();
  await sandbox?.stop();
});

describe('provision stand-ins', () => {
  test("foundation creates the repository as the stack does and answers the stack's outputs; destroy removes it", async () => {
    const outputs = await standIns.applyFoundation({
      aws_region: sandbox.region,
      name: 'shop',
      container_name: 'web',
      container_port: 8080,
    });
    expect(outputs).toMatchObject({
      repository_name: 'shop',
      repository_url: `${sandbox.registry}/shop`,
      execution_role_arn: `arn:aws:iam::${sandbox.account}:role/shop-execution`,
      task_role_arn: `arn:aws:iam::${sandbox.account}:role/shop-task`,
      log_group_name: '/ecs/shop',
      container_name: 'web',
      container_port: 8080,
    });
    const described = await standIns.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['shop'] }));
    expect(described.repositories?.[0]).toMatchObject({
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
    });

    const log: string[] = [];
    await standIns.destroyFoundation(outputs, (line) => log.push(line));
    expect(log).toEqual(['DeleteRepository shop (force)']);
    await expect(
      standIns.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['shop'] })),
    ).rejects.toMatchObject({ name: 'RepositoryNotFoundException' });
  });

  test('a foundation given shared_repository_arn names that repository, creates none, and its destroy leaves it', async () => {
    const owner = await standIns.applyFoundation({
      aws_region: sandbox.region,
      name: 'cart',
      container_name: 'web',
      container_port: 8080,
    });
    const sharer = await standIns.applyFoundation({
      aws_region: sandbox.region,
      name: 'cart-prod',
      container_name: 'web',
      container_port: 8080,
      shared_repository_arn: owner.repository_arn,
    });
    expect(sharer).toMatchObject({
      repository_name: 'cart',
      repository_url: `${sandbox.registry}/cart`,
      repository_arn: owner.repository_arn,
      execution_role_arn: `arn:aws:iam::${sandbox.account}:role/cart-prod-execution`,
    });
    await expect(
      standIns.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['cart-prod'] })),
    ).rejects.toMatchObject({ name: 'RepositoryNotFoundException' });

    const log: string[] = [];
    await standIns.destroyFoundation(sharer, (line) => log.push(line));
    expect(log).toEqual(["repository cart left alone: shared, not in this stack's state"]);
    const still = await standIns.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['cart'] }));
    expect(still.repositories?.[0]?.repositoryName).toBe('cart');
    await standIns.destroyFoundation(owner, () => undefined);
  });

  test('missing variables are named', async () => {
    await expect(
      standIns.applyFoundation({ aws_region: 'us-east-1', name: 'x', container_name: 'app' }),
    ).rejects.toThrow(/lack a port container_port/);
    expect(() => standIns.serviceStackRequest({ name: 'x', container_name: 'app', container_port: 3000 })).toThrow(
      /lack task_definition_arn/,
    );
  });

  test("the service stack's request names everything after the stack's name, with its defaults", () => {
    expect(
      standIns.serviceStackRequest({
        name: 'shop',
        container_name: 'web',
        container_port: 8080,
        task_definition_arn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/shop:1',
      }),
    ).toMatchObject({
      cluster: 'shop',
      service: 'shop',
      codedeployApplication: 'shop',
      deploymentGroup: 'shop',
      controller: 'CODE_DEPLOY',
      containerName: 'web',
      containerPort: 8080,
      desiredCount: 2,
      deploymentConfig: 'CodeDeployDefault.ECSAllAtOnce',
      terminationWaitMinutes: 5,
      healthCheckPath: '/health',
    });
  });
});
