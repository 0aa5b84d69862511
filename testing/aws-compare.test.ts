/**
 * The live check's tools: the recorder redacts what identifies an account, and the comparison
 * finds every behaviour difference between a real AWS answer and the sandbox's, and nothing else.
 * The AWS answers below are hand-written in the shape real ones have.
 */
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareAnswers, compareFolders, compareRecordings, formatDifference } from '../scripts/aws-compare.js';
import { recordReads, redact, type Clients, type Recording } from '../scripts/aws-record.js';

const ACCOUNT = '210987654321';

/** DescribeServices as the sandbox answers it for a CodeDeploy-controlled service. */
function sandboxService(): Record<string, unknown> {
  return {
    services: [
      {
        serviceArn: 'arn:aws:ecs:us-east-1:123456789012:service/main/<name>',
        serviceName: '<name>',
        status: 'ACTIVE',
        desiredCount: 2,
        runningCount: 2,
        launchType: 'FARGATE',
        platformVersion: 'LATEST',
        deploymentController: { type: 'CODE_DEPLOY' },
        healthCheckGracePeriodSeconds: 30,
        createdAt: '2026-12-01T10:00:00.000Z',
        taskSets: [{ id: 'ecs-svc/1234567890123456789', status: 'PRIMARY', stabilityStatus: 'STEADY_STATE' }],
      },
    ],
    failures: [],
  };
}

/** The same call on a real account: other ids, ARNs and times, and three behaviour differences. */
function awsService(): Record<string, unknown> {
  const answer = sandboxService();
  const service = (answer.services as Array<Record<string, unknown>>)[0]!;
  service.serviceArn = `arn:aws:ecs:us-east-1:<account>:service/<redacted>`;
  service.createdAt = '2026-12-02T04:12:55.512Z';
  service.taskSets = [{ id: 'ecs-svc/9876543210987654321', status: 'PRIMARY', stabilityStatus: 'STEADY_STATE' }];
  return answer;
}

const where = { phase: 'init', operation: 'DescribeServices', service: 'ecs' as const };

describe('compareAnswers', () => {
  it('reports nothing for an answer that differs only in ids, ARNs and times', () => {
    expect(compareAnswers(awsService(), sandboxService(), where)).toEqual([]);
  });

  it('reports a member AWS answers that the sandbox lacks, with its value', () => {
    const aws = awsService();
    (aws.services as Array<Record<string, unknown>>)[0]!.availabilityZoneRebalancing = 'DISABLED';
    expect(compareAnswers(aws, sandboxService(), where)).toEqual([
      { ...where, path: 'services[].availabilityZoneRebalancing', kind: 'member only AWS answers', aws: 'DISABLED' },
    ]);
  });

  it('reports another default, and a member only the sandbox answers', () => {
    const aws = awsService();
    const service = (aws.services as Array<Record<string, unknown>>)[0]!;
    service.healthCheckGracePeriodSeconds = 0;
    delete service.platformVersion;
    expect(compareAnswers(aws, sandboxService(), where).map(formatDifference)).toEqual([
      'init DescribeServices services[].healthCheckGracePeriodSeconds: other value (AWS 0, sandbox 30)',
      'init DescribeServices services[].platformVersion: member only the sandbox answers (sandbox "LATEST")',
    ]);
  });

  it("tells an enum value the model lists from one it does not (CodeDeploy's DeploymentStatus)", () => {
    const sandbox = { deploymentInfo: { deploymentId: 'd-ABCDEFGH1', status: 'Succeeded', creator: 'user' } };
    const listed = { deploymentInfo: { deploymentId: 'd-ZYXWVUT98', status: 'Baking', creator: 'user' } };
    const unlisted = { deploymentInfo: { deploymentId: 'd-ZYXWVUT98', status: 'Paused', creator: 'user' } };
    const at = { phase: 'change', operation: 'GetDeployment', service: 'codedeploy' as const };
    expect(compareAnswers(listed, sandbox, at)).toEqual([
      { ...at, path: 'deploymentInfo.status', kind: 'other enum value', aws: 'Baking', sandbox: 'Succeeded' },
    ]);
    expect(compareAnswers(unlisted, sandbox, at)).toEqual([
      {
        ...at,
        path: 'deploymentInfo.status',
        kind: 'enum value missing from the API model',
        aws: 'Paused',
        sandbox: 'Succeeded',
      },
    ]);
  });

  it('reports another number of items and another type', () => {
    const aws = { taskDefinition: { containerDefinitions: [{ name: 'app', environment: [], cpu: 0 }] } };
    const sandbox = {
      taskDefinition: {
        containerDefinitions: [{ name: 'app', environment: [{ name: 'BASE_PATH', value: '' }], cpu: '0' }],
      },
    };
    const at = { phase: 'init', operation: 'DescribeTaskDefinition', service: 'ecs' as const };
    expect(compareAnswers(aws, sandbox, at).map((d) => [d.path, d.kind])).toEqual([
      ['taskDefinition.containerDefinitions[].environment', 'other number of items'],
      ['taskDefinition.containerDefinitions[].cpu', 'other type'],
    ]);
  });
});

describe('compareRecordings and compareFolders', () => {
  const recording = (source: string, calls: Recording['calls']): Recording => ({ phase: 'broken', source, calls });

  it('pairs calls by operation, and reports a call one side failed or never made', () => {
    const aws = recording('aws', [
      { service: 'ecs', operation: 'DescribeServices', request: {}, response: awsService() },
      { service: 'ecs', operation: 'DescribeServiceDeployments', request: {}, response: { serviceDeployments: [] } },
      {
        service: 'codedeploy',
        operation: 'GetDeploymentTarget',
        request: {},
        error: { name: 'DeploymentTargetDoesNotExistException', message: 'x' },
      },
    ]);
    const sandbox = recording('sandbox', [
      { service: 'codedeploy', operation: 'GetDeploymentTarget', request: {}, response: { deploymentTarget: {} } },
      { service: 'ecs', operation: 'DescribeServices', request: {}, response: sandboxService() },
      { service: 'ecr', operation: 'DescribeImages', request: {}, response: { imageDetails: [] } },
    ]);
    expect(compareRecordings(aws, sandbox).map(formatDifference)).toEqual([
      'broken DescribeServiceDeployments: call only AWS answered (AWS "answered")',
      'broken GetDeploymentTarget: other error (AWS "DeploymentTargetDoesNotExistException", sandbox "answered")',
      'broken DescribeImages: call only the sandbox answered (sandbox "answered")',
    ]);
  });

  it('reads folders of recordings by phase and says which phases only one side has', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aws-compare-'));
    try {
      const write = (side: string, phase: string, response: unknown) => {
        const file = join(dir, side, `${phase}.json`);
        mkdirSync(join(dir, side), { recursive: true });
        const r: Recording = {
          phase,
          source: side,
          calls: [{ service: 'ecs', operation: 'DescribeServices', request: {}, response }],
        };
        writeFileSync(file, JSON.stringify(r));
      };
      write('aws', 'init', awsService());
      write('aws', 'noop', awsService());
      write('sandbox', 'init', sandboxService());
      write('sandbox', 'destroy', sandboxService());
      expect(compareFolders(join(dir, 'aws'), join(dir, 'sandbox'))).toEqual({
        differences: [],
        unpaired: ['noop: recorded on AWS only', 'destroy: recorded in the sandbox only'],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('redact', () => {
  it('removes account ids (also in registry hosts), the resource part of ARNs and the environment name', () => {
    const answer = {
      taskDefinitionArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/e2e-1234:3`,
      image: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/e2e-1234@sha256:${'a'.repeat(64)}`,
      executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/e2e-1234-execution`,
      registeredAt: new Date('2026-12-02T04:12:55.512Z'),
      $metadata: { requestId: 'r' },
      epochMs: 1764648775512,
    };
    expect(redact(answer, ['e2e-1234'])).toEqual({
      taskDefinitionArn: 'arn:aws:ecs:eu-west-1:<account>:task-definition/<redacted>',
      image: `<account>.dkr.ecr.eu-west-1.amazonaws.com/<name>@sha256:${'a'.repeat(64)}`,
      executionRoleArn: 'arn:aws:iam::<account>:role/<redacted>',
      registeredAt: '2026-12-02T04:12:55.512Z',
      epochMs: 1764648775512,
    });
    expect(JSON.stringify(redact(answer, ['e2e-1234']))).not.toContain(ACCOUNT);
  });
});

describe('recordReads', () => {
  it("makes the actions' read calls against the targets and records a failed one instead of stopping", async () => {
    const sent: string[] = [];
    const fake = (answers: Record<string, unknown>) => ({
      send: async (command: { constructor: { name: string } }) => {
        const operation = command.constructor.name.replace(/Command$/, '');
        sent.push(operation);
        const answer = answers[operation];
        if (answer instanceof Error) throw answer;
        return { ...(answer as object), $metadata: {} };
      },
    });
    const notFound = Object.assign(new Error('no such target'), { name: 'DeploymentTargetDoesNotExistException' });
    const clients = {
      ecs: fake({
        DescribeServices: { services: [{ taskDefinition: 'arn:aws:ecs:us-east-1:1:task-definition/web:2' }] },
        DescribeTaskDefinition: { taskDefinition: { family: 'web' } },
        ListServiceDeployments: { serviceDeployments: [{ serviceDeploymentArn: 'arn:sd' }] },
        DescribeServiceDeployments: { serviceDeployments: [] },
      }),
      codedeploy: fake({ GetDeployment: { deploymentInfo: {} }, GetDeploymentTarget: notFound }),
      ecr: fake({ DescribeImages: { imageDetails: [] } }),
    } as unknown as Clients;
    const calls = await recordReads(clients, {
      cluster: 'main',
      service: 'web',
      deploymentId: 'd-ABCDEFGH1',
      repository: 'web',
      image: `registry/web@sha256:${'b'.repeat(64)}`,
    });
    expect(calls.map((c) => c.operation)).toEqual([
      'DescribeServices',
      'DescribeTaskDefinition',
      'DescribeServiceDeployments',
      'GetDeployment',
      'GetDeploymentTarget',
      'DescribeImages',
    ]);
    expect(calls[1]!.request).toEqual({
      taskDefinition: 'arn:aws:ecs:us-east-1:1:task-definition/web:2',
      include: ['TAGS'],
    });
    expect(calls[4]).toMatchObject({
      request: { deploymentId: 'd-ABCDEFGH1', targetId: 'main:web' },
      error: { name: 'DeploymentTargetDoesNotExistException' },
    });
    expect(calls[5]!.request).toEqual({
      repositoryName: 'web',
      imageIds: [{ imageDigest: `sha256:${'b'.repeat(64)}` }],
    });
    expect(sent).toContain('ListServiceDeployments');
  });
});
