/**
 * RunTask, CloudWatch Logs GetLogEvents and the secrets route of the sandbox, through the SDK as
 * the actions call them.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand,
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  type RunTaskCommandInput,
} from '@aws-sdk/client-ecs';
import { fixtureBuildRequest, startSandbox, type RunningSandbox } from '../index.js';

let sandbox: RunningSandbox;
let ecs: ECSClient;
let logs: CloudWatchLogsClient;
let taskDefinition: string;
const network = {
  awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' as const },
};

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 60 });
  const env = sandbox.clientEnv();
  const config = {
    region: env.AWS_REGION,
    endpoint: env.AWS_ENDPOINT_URL,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  };
  ecs = new ECSClient(config);
  logs = new CloudWatchLogsClient(config);
  await new ECRClient(config).send(new CreateRepositoryCommand({ repositoryName: 'one-off' }));
  const { digest } = await sandbox.build(fixtureBuildRequest([`${sandbox.registry}/one-off:v1`]));
  await ecs.send(new CreateClusterCommand({ clusterName: 'jobs' }));
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'one-off',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'app',
          image: `${sandbox.registry}/one-off@${digest}`,
          essential: true,
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': '/ecs/jobs', 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'jobs' },
          },
        },
      ],
    }),
  );
  taskDefinition = registered.taskDefinition!.taskDefinitionArn!;
}, 60_000);

afterAll(async () => {
  ecs?.destroy();
  logs?.destroy();
  await sandbox?.stop();
});

async function stopped(taskArn: string) {
  for (let i = 0; i < 100; i++) {
    const task = (await ecs.send(new DescribeTasksCommand({ cluster: 'jobs', tasks: [taskArn] }))).tasks![0]!;
    if (task.lastStatus === 'STOPPED') return task;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`task ${taskArn} did not stop`);
}

const run = (input: Partial<RunTaskCommandInput>) =>
  ecs.send(new RunTaskCommand({ cluster: 'jobs', taskDefinition, networkConfiguration: network, ...input }));

describe('RunTask', () => {
  test('runs the command override as a process; its exit code and output come back through DescribeTasks and GetLogEvents', async () => {
    const answer = await run({
      startedBy: 'deploy-bluegreen/0123456789ab',
      overrides: {
        containerOverrides: [{ name: 'app', command: ['/bin/sh', '-c', 'echo one; echo two; echo three; exit 5'] }],
      },
    });
    const taskArn = answer.tasks![0]!.taskArn!;
    expect(answer.tasks![0]!.startedBy).toBe('deploy-bluegreen/0123456789ab');
    expect(answer.tasks![0]!.group).toBe('family:one-off');
    const task = await stopped(taskArn);
    expect(task.overrides?.containerOverrides).toEqual([
      { name: 'app', command: ['/bin/sh', '-c', 'echo one; echo two; echo three; exit 5'] },
    ]);
    expect(task.containers![0]!.exitCode).toBe(5);
    expect(task.stopCode).toBe('EssentialContainerExited');
    expect(task.stoppedReason).toBe('Essential container in task exited');

    const stream = `jobs/app/${taskArn.split('/').pop()}`;
    const newest = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/ecs/jobs', logStreamName: stream, limit: 2 }),
    );
    expect(newest.events!.map((e) => e.message)).toEqual(['two', 'three']);
    const oldest = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/ecs/jobs', logStreamName: stream, limit: 1, startFromHead: true }),
    );
    expect(oldest.events!.map((e) => e.message)).toEqual(['one']);
    await expect(
      logs.send(new GetLogEventsCommand({ logGroupName: '/ecs/jobs', logStreamName: 'jobs/app/nope' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(
      logs.send(new GetLogEventsCommand({ logGroupName: '/ecs/none', logStreamName: stream })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  }, 30_000);

  test.each([
    ['an awsvpc task without subnets', { networkConfiguration: undefined }, /Network Configuration must be provided/],
    [
      'both a launch type and a capacity provider strategy',
      { launchType: 'FARGATE' as const, capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }] },
      /both a launch type and capacity provider strategy/,
    ],
    [
      'an override for a container the definition does not have',
      { overrides: { containerOverrides: [{ name: 'web', command: ['x'] }] } },
      /Override for container named web is not a container/,
    ],
    ['a startedBy with a space', { startedBy: 'deploy bluegreen' }, /startedBy may contain up to 128/],
  ])('refuses %s with InvalidParameterException', async (_what, input, message) => {
    await expect(run(input)).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringMatching(message),
    });
  });

  test('a secret in the store reaches the process; a missing one stops the task with ResourceInitializationError', async () => {
    // A parameter given by name is the one of the task's own account and region.
    const parameter = `arn:aws:ssm:${sandbox.region}:${sandbox.account}:parameter/jobs/token`;
    const response = await fetch(`${sandbox.endpoint}/_sandbox/secrets`, {
      method: 'POST',
      body: JSON.stringify({ [parameter]: 'abc' }),
    });
    expect(await response.json()).toEqual({ stored: [parameter] });
    const bad = await fetch(`${sandbox.endpoint}/_sandbox/secrets`, { method: 'POST', body: '{"x": 1}' });
    expect(bad.status).toBe(400);

    const withSecret = async (valueFrom: string) => {
      const registered = await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'one-off-secret',
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          containerDefinitions: [
            {
              name: 'app',
              image: `${sandbox.registry}/one-off:v1`,
              command: ['/bin/sh', '-c', 'test "$TOKEN" = abc'],
              secrets: [{ name: 'TOKEN', valueFrom }],
            },
          ],
        }),
      );
      const answer = await run({ taskDefinition: registered.taskDefinition!.taskDefinitionArn! });
      return stopped(answer.tasks![0]!.taskArn!);
    };
    const passed = await withSecret('/jobs/token');
    expect(passed.stoppedReason).toBe('Essential container in task exited');
    expect(passed.containers![0]!.exitCode).toBe(0);
    const failed = await withSecret('/jobs/missing');
    expect(failed.stopCode).toBe('TaskFailedToStart');
    expect(failed.stoppedReason).toMatch(/^ResourceInitializationError: .*invalid ssm parameters: \/jobs\/missing/);
    expect(failed.containers![0]!.exitCode).toBeUndefined();
  }, 30_000);
});

test('the failHook fault needs a function name', async () => {
  const response = await fetch(`${sandbox.endpoint}/_sandbox/faults`, {
    method: 'POST',
    body: JSON.stringify({ failHook: { message: 'x' } }),
  });
  expect(response.status).toBe(400);
});
