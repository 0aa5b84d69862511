/**
 * `npm run sandbox` (sandbox/cli.ts) as a process: prints the endpoint and the variables to export,
 * serves the AWS API, and exits 0 on SIGTERM with its task processes and listeners gone.
 */
import { spawn } from 'node:child_process';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { fixtureBuildRequest } from './index.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it('prints the environment, serves a stack, and stops every task on SIGTERM', async () => {
  const child = spawn(`${repoRoot}node_modules/.bin/tsx`, ['sandbox/cli.ts'], {
    cwd: repoRoot,
    env: { ...process.env, SANDBOX_TIME_SCALE: '60', SANDBOX_PORT: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 20_000;
    while (!/^AWS_ENDPOINT_URL=/m.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const endpoint = /^AWS_ENDPOINT_URL=(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1];
    expect(endpoint).toBeDefined();
    expect(out).toMatch(/^export AWS_REGION=us-east-1$/m);
    expect(out).toMatch(/^export AWS_ACCESS_KEY_ID=\S+$/m);
    expect(out).toMatch(new RegExp(`^export PATH=${repoRoot}sandbox/bin:`, 'm'));

    const config = {
      endpoint: endpoint!,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    };
    const ecr = new ECRClient(config);
    const ecs = new ECSClient(config);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
    const image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1';
    const built = await fetch(`${endpoint}/_sandbox/build`, {
      method: 'POST',
      body: JSON.stringify(fixtureBuildRequest([image])),
    });
    expect(built.status).toBe(200);
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'web',
        containerDefinitions: [{ name: 'app', image, portMappings: [{ containerPort: 8080 }] }],
      }),
    );
    ecr.destroy();
    ecs.destroy();
    const stackResponse = await fetch(`${endpoint}/_sandbox/stack`, {
      method: 'POST',
      body: JSON.stringify({
        cluster: 'c',
        service: 'web',
        taskDefinition: registered.taskDefinition!.taskDefinitionArn,
        containerName: 'app',
        containerPort: 8080,
        desiredCount: 2,
        controller: 'ECS',
      }),
    });
    const stack = (await stackResponse.json()) as { productionUrl: string };
    expect(stackResponse.status).toBe(200);
    expect((await fetch(stack.productionUrl)).status).toBe(200);
    const state = (await (await fetch(`${endpoint}/_sandbox/state`)).json()) as {
      ecs: { clusters: { tasks: { url?: string }[] }[] };
    };
    const taskPorts = state.ecs.clusters[0]!.tasks.map((t) => t.url).filter(Boolean);
    expect(taskPorts).toHaveLength(2);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // The listener and the task processes are gone.
    await expect(fetch(stack.productionUrl)).rejects.toThrow();
    for (const url of taskPorts) await expect(fetch(`${url}/health`)).rejects.toThrow();
  } finally {
    if (child.pid && processAlive(child.pid)) child.kill('SIGKILL');
  }
}, 60_000);
