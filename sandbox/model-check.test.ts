/**
 * The sandbox held to AWS's API models: a request that breaks the model, sent by a real SDK client,
 * is refused with the violation named; an answer that breaks it is a 500 naming the violation; and
 * either one left unread makes `stop()` fail, so the test that caused it cannot pass.
 */
import { CodeDeployClient, CreateDeploymentCommand } from '@aws-sdk/client-codedeploy';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox, type RunningSandbox } from './index.js';
import { ApiServer } from './server.js';
import { createStsService } from './services/sts.js';

const credentials = { accessKeyId: 'AKIASANDBOXEXAMPLE00', secretAccessKey: 'secret' };
type SdkError = Error & { $metadata: { httpStatusCode: number } };
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined as unknown as SdkError,
    (e: SdkError) => e,
  );

describe('requests', () => {
  let sandbox: RunningSandbox;
  let ecs: ECSClient;
  let codedeploy: CodeDeployClient;
  beforeAll(async () => {
    sandbox = await startSandbox({ timeScale: 60 });
    const config = { endpoint: sandbox.endpoint, region: sandbox.region, credentials, maxAttempts: 1 };
    ecs = new ECSClient(config);
    codedeploy = new CodeDeployClient(config);
  });
  afterAll(async () => {
    ecs?.destroy();
    codedeploy?.destroy();
    await sandbox?.stop();
  });

  it('refuses a value outside the enum the model lists, naming it', async () => {
    const error = await failure(
      codedeploy.send(new CreateDeploymentCommand({ applicationName: 'app', fileExistsBehavior: 'REPLACE' as never })),
    );
    expect(error.name).toBe('ValidationException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      'request breaks the AWS model: fileExistsBehavior: "REPLACE" is not one of DISALLOW, OVERWRITE, RETAIN',
    );
    expect(sandbox.modelViolations(true)).toEqual([
      {
        service: 'codedeploy',
        operation: 'CreateDeployment',
        direction: 'request',
        violations: ['fileExistsBehavior: "REPLACE" is not one of DISALLOW, OVERWRITE, RETAIN'],
      },
    ]);
  });

  it('refuses a missing required member before the handler sees it', async () => {
    const error = await failure(ecs.send(new DescribeTaskDefinitionCommand({} as never)));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toBe('request breaks the AWS model: taskDefinition: required member is missing');
    sandbox.modelViolations(true);
  });

  it('answers SerializationException for a value of the wrong type, with its path', async () => {
    const error = await failure(
      ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'web',
          containerDefinitions: [
            { name: 'app', image: 'app:1', environment: [{ name: 'PORT', value: 8080 as never }] },
          ],
        }),
      ),
    );
    expect(error.name).toBe('SerializationException');
    expect(error.message).toBe(
      'request breaks the AWS model: containerDefinitions[0].environment[0].value: expected a string, got the number 8080',
    );
    expect(sandbox.state()).toMatchObject({ ecs: expect.anything() });
    expect((await failure(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web' })))).name).toBe(
      'ClientException',
    );
    sandbox.modelViolations(true);
  });

  it('refuses an STS query parameter the model lacks with ValidationError', async () => {
    const response = await fetch(sandbox.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15&Colour=red',
    });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain('<Code>ValidationError</Code>');
    expect(text).toContain('request breaks the AWS model: Colour: member not in the model');
    sandbox.modelViolations(true);
  });
});

it('fails stop() for a broken request whose error the test swallowed', async () => {
  const sandbox = await startSandbox();
  const ecs = new ECSClient({ endpoint: sandbox.endpoint, region: sandbox.region, credentials, maxAttempts: 1 });
  await ecs.send(new DescribeTaskDefinitionCommand({} as never)).catch(() => undefined);
  ecs.destroy();
  await expect(sandbox.stop()).rejects.toThrow(
    "The sandbox saw 1 call(s) breaking AWS's API model:\n" +
      '- ecs.DescribeTaskDefinition request: taskDefinition: required member is missing',
  );
});

describe('answers', () => {
  let server: ApiServer;
  let ecs: ECSClient;
  const warnings: string[] = [];
  /** The sandbox's answer, replaced per test: a handler override standing in for a sandbox bug. */
  let answer: unknown = {};

  beforeAll(async () => {
    server = new ApiServer({
      account: '123456789012',
      region: 'us-east-1',
      handlers: (service) => (service === 'ecs' ? { DescribeServices: () => answer } : undefined),
      sts: createStsService('123456789012'),
      faults: () => ({}),
      control: async (_req, res) => void res.writeHead(404).end(),
      log: () => undefined,
      warn: (message) => warnings.push(message),
    });
    const port = await server.listen(0);
    ecs = new ECSClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials, maxAttempts: 1 });
  });
  afterAll(async () => {
    ecs?.destroy();
    await server?.close();
  });

  it('passes an answer the model allows, timestamps as epoch seconds', async () => {
    answer = {
      services: [
        { serviceName: 'web', status: 'ACTIVE', deployments: [{ rolloutState: 'COMPLETED', createdAt: new Date() }] },
      ],
      failures: [],
    };
    const out = await ecs.send(new DescribeServicesCommand({ services: ['web'] }));
    expect(out.services?.[0]?.deployments?.[0]?.createdAt).toBeInstanceOf(Date);
    expect(server.modelViolations).toEqual([]);
  });

  it('answers 500 InternalFailure naming each violation of a broken answer, and says so loudly', async () => {
    answer = {
      services: [
        { serviceName: 'web', colour: 'blue', deployments: [{ rolloutState: 'DONE', createdAt: '2026-01-01' }] },
      ],
    };
    const error = await failure(ecs.send(new DescribeServicesCommand({ services: ['web'] })));
    expect(error.name).toBe('InternalFailure');
    expect(error.$metadata.httpStatusCode).toBe(500);
    const expected =
      'sandbox answer to ecs.DescribeServices breaks the AWS model: services[0].colour: member not in the model; ' +
      'services[0].deployments[0].rolloutState: "DONE" is not one of COMPLETED, FAILED, IN_PROGRESS; ' +
      'services[0].deployments[0].createdAt: expected a timestamp as epoch seconds (a number), got the string "2026-01-01"';
    expect(error.message).toBe(expected);
    expect(warnings).toEqual([`[sandbox] BUG: ${expected}`]);
    expect(server.modelViolations).toEqual([
      {
        service: 'ecs',
        operation: 'DescribeServices',
        direction: 'answer',
        violations: expected.replace(/^.*? breaks the AWS model: /, '').split('; '),
      },
    ]);
    expect(server.calls.at(-1)?.errorCode).toBe('InternalFailure');
  });
});
