/**
 * Shared by the ECS service tests (ecs-*.test.ts): one sandbox per file at time scale 60, reset
 * before each test with an empty `app` repository, and the steps the tests repeat: release a
 * version, make a stack, read a listener, wait for a condition.
 */
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient, ListTasksCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import { fixtureBuildRequest, startSandbox, type RunningSandbox, type StackResult } from '../index.js';

// Live bindings: the test files read them once useEcsSandbox's beforeAll has set them.
export let sandbox: RunningSandbox;
export let ecs: ECSClient;
let ecr: ECRClient;

/** Starts the file's sandbox before its tests, stops it after them, and resets it before each. */
export function useEcsSandbox(): void {
  beforeAll(async () => {
    sandbox = await startSandbox({ timeScale: 60 });
    const config = {
      endpoint: sandbox.endpoint,
      region: sandbox.region,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    };
    ecs = new ECSClient(config);
    ecr = new ECRClient(config);
  });

  afterAll(async () => {
    ecs?.destroy();
    ecr?.destroy();
    await sandbox?.stop();
  });

  beforeEach(async () => {
    await sandbox.reset();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
  });
}

/** Builds the fixture image as `app:<version>` and registers a task definition running it. */
export async function release(version: string, imageTag = version): Promise<string> {
  const ref = `${sandbox.registry}/app:${imageTag}`;
  if (imageTag === version) await sandbox.build(fixtureBuildRequest([ref], { version }));
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'web',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        {
          name: 'app',
          image: ref,
          portMappings: [{ containerPort: 8080 }],
          environment: [{ name: 'RELEASE', value: version }],
        },
      ],
    }),
  );
  return registered.taskDefinition!.taskDefinitionArn!;
}

export async function stack(body: Record<string, unknown>): Promise<StackResult> {
  const response = await fetch(`${sandbox.endpoint}/_sandbox/stack`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      cluster: 'main',
      service: 'web',
      containerName: 'app',
      containerPort: 8080,
      desiredCount: 2,
      ...body,
    }),
  });
  const answer = (await response.json()) as StackResult & { message?: string };
  if (response.status !== 200) throw new Error(`stack failed: ${response.status} ${answer.message}`);
  return answer;
}

export async function get(url: string): Promise<{ version: string; hostname: string }> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as { version: string; hostname: string };
}

export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function runningTasks(): Promise<string[]> {
  return (await ecs.send(new ListTasksCommand({ cluster: 'main', serviceName: 'web' }))).taskArns ?? [];
}
