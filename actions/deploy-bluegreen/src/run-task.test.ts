import { describe, expect, test } from '@jest/globals';
import type { Service } from '@aws-sdk/client-ecs';
import { MemoryLogger } from '../../../lib/log.js';
import { withUserDescription } from './controller-inputs.js';
import { parseHooks } from './hooks.js';
import { parseRunTaskCommand } from './run-task-config.js';
import { awslogsStream, runTaskInput, startedByFor, type RunTaskPlan } from './run-task.js';

const network = (subnet: string) => ({
  awsvpcConfiguration: { subnets: [subnet], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' as const },
});

function plan(service: Service): RunTaskPlan {
  return {
    cluster: 'main',
    taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7',
    definition: { family: 'web', containerDefinitions: [] },
    containerName: 'app',
    command: ['node', 'migrate.js'],
    service,
    startedBy: 'deploy-bluegreen/0123456789ab',
    timeoutMs: 60_000,
    pollIntervalMs: 1000,
  };
}

describe('runTaskInput', () => {
  test("a CODE_DEPLOY service's PRIMARY task set gives the network and platform version", () => {
    const input = runTaskInput(
      plan({
        networkConfiguration: network('subnet-service'),
        launchType: 'FARGATE',
        platformVersion: 'LATEST',
        taskSets: [
          { status: 'ACTIVE', networkConfiguration: network('subnet-old'), platformVersion: '1.3.0' },
          { status: 'PRIMARY', networkConfiguration: network('subnet-primary'), platformVersion: '1.4.0' },
        ],
      }),
    );
    expect(input.networkConfiguration).toEqual(network('subnet-primary'));
    expect(input.platformVersion).toBe('1.4.0');
    expect(input.launchType).toBe('FARGATE');
    expect(input.overrides).toEqual({ containerOverrides: [{ name: 'app', command: ['node', 'migrate.js'] }] });
    expect(input.count).toBe(1);
  });

  test('a capacity provider strategy is sent instead of the launch type (RunTask refuses both)', () => {
    const strategy = [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }];
    const input = runTaskInput(
      plan({ networkConfiguration: network('subnet-a'), launchType: 'FARGATE', capacityProviderStrategy: strategy }),
    );
    expect(input.capacityProviderStrategy).toEqual(strategy);
    expect(input.launchType).toBeUndefined();
  });
});

test('awslogsStream: prefix/container/task-id, nothing without a stream prefix', () => {
  const definition = {
    containerDefinitions: [
      {
        name: 'app',
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': '/ecs/web', 'awslogs-stream-prefix': 'web' },
        },
      },
      { name: 'sidecar', logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web' } } },
    ],
  };
  const arn = 'arn:aws:ecs:eu-west-1:123456789012:task/main/0123456789abcdef0123456789abcdef';
  expect(awslogsStream(definition, 'app', arn)).toEqual({
    group: '/ecs/web',
    stream: 'web/app/0123456789abcdef0123456789abcdef',
  });
  expect(awslogsStream(definition, 'sidecar', arn)).toBeUndefined();
});

test('startedByFor names the suite and a 12-character commit within RunTask startedBy characters', () => {
  expect(startedByFor('0123456789abcdef0123456789abcdef01234567')).toBe('deploy-bluegreen/0123456789ab');
  expect(startedByFor(undefined)).toBe('deploy-bluegreen');
  expect(startedByFor('0123456789abcdef0123456789abcdef01234567')).toMatch(/^[A-Za-z0-9/_-]{1,36}$/);
});

describe('parseRunTaskCommand', () => {
  test('empty means no task; a JSON array of strings is the command', () => {
    expect(parseRunTaskCommand('', false)).toBeUndefined();
    expect(parseRunTaskCommand('["node", "migrate.js"]', false)).toEqual(['node', 'migrate.js']);
  });
  test('register-only needs the service whose network the task uses', () => {
    expect(() => parseRunTaskCommand('["node"]', true)).toThrow(
      /Input 'service' is required: run-task-command with register-only/,
    );
    expect(parseRunTaskCommand('["node"]', true, 'web')).toEqual(['node']);
  });
  test('an empty array or an empty program is refused', () => {
    expect(() => parseRunTaskCommand('[]', false)).toThrow(/non-empty JSON array of strings/);
    expect(() => parseRunTaskCommand('[""]', false)).toThrow(/first element names a program/);
  });
});

describe('parseHooks', () => {
  test('lines in any order come back in event order; comments and blank lines are skipped', () => {
    expect(parseHooks('# validation\nAfterAllowTraffic=post:live\n\nBeforeInstall=pre')).toEqual([
      { event: 'BeforeInstall', functionName: 'pre' },
      { event: 'AfterAllowTraffic', functionName: 'post:live' },
    ]);
  });
  test('AllowTraffic takes no hook (CodeDeploy runs it itself)', () => {
    expect(() => parseHooks('AllowTraffic=x')).toThrow(/line 1: 'AllowTraffic' is not an ECS lifecycle event/);
  });
});

describe('withUserDescription', () => {
  test('appended after the generated text; cut to 100 characters with a warning', () => {
    const logger = new MemoryLogger();
    expect(withUserDescription('deploy-bluegreen web:2', 'release 7', logger)).toBe(
      'deploy-bluegreen web:2 - release 7',
    );
    expect(logger.lines).toEqual([]);
    const long = withUserDescription('deploy-bluegreen web:2', 'y'.repeat(90), logger);
    expect(long).toHaveLength(100);
    expect(logger.lines[0]).toMatch(/^warning: The deployment description is 115 characters/);
  });
});
