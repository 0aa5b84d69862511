import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { ConfigurationError } from './errors.js';
import { awsCall, AwsCallError, awsClientConfig, formatAwsError, labelOperations } from './aws.js';
import { SUITE_VERSION } from './version.js';
import { readFileSync } from 'node:fs';

describe('awsClientConfig', () => {
  test('reads the region from AWS_REGION, then AWS_DEFAULT_REGION', () => {
    expect(awsClientConfig({ AWS_REGION: 'eu-west-1' }).region).toBe('eu-west-1');
    expect(awsClientConfig({ AWS_DEFAULT_REGION: 'us-east-2' }).region).toBe('us-east-2');
  });

  test('no region is a clear error saying which variable to set', () => {
    expect(() => awsClientConfig({})).toThrow(ConfigurationError);
    expect(() => awsClientConfig({})).toThrow(/set the AWS_REGION environment variable/);
    expect(() => awsClientConfig({ AWS_REGION: 'Ireland' })).toThrow(/a region name such as eu-west-1/);
  });

  test('defaults suit long deploys, and AWS_MAX_ATTEMPTS / AWS_RETRY_MODE are honoured', () => {
    expect(awsClientConfig({ AWS_REGION: 'eu-west-1' })).toMatchObject({ maxAttempts: 10, retryMode: 'adaptive' });
    expect(
      awsClientConfig({ AWS_REGION: 'eu-west-1', AWS_MAX_ATTEMPTS: '3', AWS_RETRY_MODE: 'standard' }),
    ).toMatchObject({ maxAttempts: 3, retryMode: 'standard' });
    expect(() => awsClientConfig({ AWS_REGION: 'eu-west-1', AWS_MAX_ATTEMPTS: 'lots' })).toThrow(/AWS_MAX_ATTEMPTS/);
    expect(() => awsClientConfig({ AWS_REGION: 'eu-west-1', AWS_RETRY_MODE: 'eager' })).toThrow(
      /standard, adaptive or legacy/,
    );
  });

  test('the user agent names the suite, its version and the action', () => {
    const config = awsClientConfig({ AWS_REGION: 'eu-west-1' }, 'deploy-bluegreen');
    expect(config.customUserAgent).toEqual([
      ['fargate-bluegreen-suite', SUITE_VERSION],
      ['action/deploy-bluegreen', SUITE_VERSION],
    ]);
  });

  test('the suite version matches package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(SUITE_VERSION).toBe(pkg.version);
  });
});

describe('AWS errors through a real SDK client', () => {
  let server: Server;
  let requests: { target?: string; userAgent?: string }[];
  let reply: { status: number; body: object };
  const saved = { ...process.env };

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        requests.push({ target: req.headers['x-amz-target'] as string, userAgent: req.headers['user-agent'] });
        res.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'req-42' });
        res.end(JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    requests = [];
    // The endpoint comes from the SDK's own variable: the code under test never sets one.
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  function client(env: NodeJS.ProcessEnv) {
    return labelOperations(new ECSClient(awsClientConfig({ AWS_REGION: 'eu-west-1', ...env }, 'test')));
  }

  test('an error names the operation, the resource, the code, the message and the request id', async () => {
    reply = { status: 400, body: { __type: 'ServiceNotFoundException', message: 'Service not found.' } };
    const ecs = client({});
    const error = await awsCall('service web in cluster prod', () =>
      ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'web' })),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect((error as AwsCallError).code).toBe('ServiceNotFoundException');
    expect((error as Error).message).toBe(
      'UpdateService on service web in cluster prod failed: ServiceNotFoundException: Service not found. (request id req-42)',
    );
    expect(requests[0]!.target).toBe('AmazonEC2ContainerServiceV20141113.UpdateService');
    expect(requests[0]!.userAgent).toContain('fargate-bluegreen-suite/');
  });

  test('throttling is retried up to AWS_MAX_ATTEMPTS times', async () => {
    reply = { status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } };
    const ecs = client({ AWS_MAX_ATTEMPTS: '3', AWS_RETRY_MODE: 'standard' });
    const error = await awsCall('service web', () => ecs.send(new UpdateServiceCommand({ service: 'web' }))).catch(
      (e: unknown) => e,
    );
    expect((error as AwsCallError).code).toBe('ThrottlingException');
    expect(requests).toHaveLength(3);
  });

  test('formatAwsError copes with non-AWS errors', () => {
    expect(formatAwsError(new Error('socket hang up'), 'cluster prod', 'DescribeServices')).toBe(
      'DescribeServices on cluster prod failed: Error: socket hang up',
    );
    expect(formatAwsError('boom', 'x')).toBe('AWS call on x failed: Error: boom');
  });
});
