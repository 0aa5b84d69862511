/**
 * The server on its own: a handler that throws a non-AWS error answers 500 InternalFailure in AWS's
 * shape and the server keeps serving; AwsErrors keep their status and code.
 */
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { AwsError } from './contracts.js';
import { ApiServer } from './server.js';
import { createStsService } from './services/sts.js';

let server: ApiServer;
let client: ECSClient;
let calls = 0;

beforeAll(async () => {
  server = new ApiServer({
    account: '123456789012',
    region: 'us-east-1',
    handlers: (service) =>
      service === 'ecs'
        ? {
            ListClusters: () => {
              calls++;
              if (calls === 1) throw new TypeError("Cannot read properties of undefined (reading 'x')");
              if (calls === 2) throw new AwsError('ServerException', 'Server failed', 500);
              return { clusterArns: ['arn:aws:ecs:us-east-1:123456789012:cluster/ok'] };
            },
          }
        : undefined,
    sts: createStsService('123456789012'),
    faults: () => ({}),
    control: async (_req, res) => void res.writeHead(404).end(),
    log: () => undefined,
  });
  const port = await server.listen(0);
  client = new ECSClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await server?.close();
});

it('answers a handler bug with 500 InternalFailure and keeps serving', async () => {
  const bug = (await client.send(new ListClustersCommand({})).catch((e: unknown) => e)) as Error & {
    $metadata: { httpStatusCode: number };
  };
  expect(bug.name).toBe('InternalFailure');
  expect(bug.$metadata.httpStatusCode).toBe(500);
  const declared = (await client.send(new ListClustersCommand({})).catch((e: unknown) => e)) as Error;
  expect(declared.name).toBe('ServerException');
  expect((await client.send(new ListClustersCommand({}))).clusterArns).toEqual([
    'arn:aws:ecs:us-east-1:123456789012:cluster/ok',
  ]);
  expect(server.calls.map((c) => c.errorCode ?? 'ok')).toEqual(['InternalFailure', 'ServerException', 'ok']);
});
