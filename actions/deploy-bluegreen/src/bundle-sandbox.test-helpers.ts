/**
 * What the bundle tests share: a sandbox at time scale 60 with the fixture app's images pushed,
 * a fresh service stack running v1, and the packaged action run against it as a process.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { fixtureBuildRequest, startSandbox, type RunningSandbox, type StackRequest } from '../../../sandbox/index.js';
import { runAction, type ActionRun } from '../../../testing/run-action.js';

export const REGION = 'eu-west-1';
export const CONTAINER = 'app';
export const PORT = 8080;

export interface BundleSandbox {
  sandbox: RunningSandbox;
  ecs: ECSClient;
  /** Image reference by fixture version (`v1`, `v2`, ...), by digest. */
  images: Record<string, string>;
  workdir: string;
  stop(): Promise<void>;
}

/** Starts the sandbox and pushes the fixture app once per version. */
export async function startBundleSandbox(versions: string[], workdirPrefix: string): Promise<BundleSandbox> {
  const sandbox = await startSandbox({ timeScale: 60, region: REGION });
  const env = sandbox.clientEnv();
  const config = {
    region: REGION,
    endpoint: env.AWS_ENDPOINT_URL,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  };
  const ecs = new ECSClient(config);
  await new ECRClient(config).send(new CreateRepositoryCommand({ repositoryName: 'web' }));
  const images: Record<string, string> = {};
  for (const version of versions) {
    const { digest } = await sandbox.build(fixtureBuildRequest([`${sandbox.registry}/web:${version}`], { version }));
    images[version] = `${sandbox.registry}/web@${digest}`;
  }
  const workdir = mkdtempSync(join(tmpdir(), workdirPrefix));
  return {
    sandbox,
    ecs,
    images,
    workdir,
    async stop() {
      ecs.destroy();
      await sandbox.stop();
    },
  };
}

/** A fresh service `service` running v1, with the stack's settings given (ECS BLUE_GREEN by default). */
export async function newBundleStack(fixture: BundleSandbox, service: string, options: Partial<StackRequest>) {
  const registered = await fixture.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: service,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [
        { name: CONTAINER, image: fixture.images.v1, essential: true, portMappings: [{ containerPort: PORT }] },
      ],
    }),
  );
  const result = await fixture.sandbox.stack({
    cluster: 'main',
    service,
    taskDefinition: registered.taskDefinition!.taskDefinitionArn!,
    containerName: CONTAINER,
    containerPort: PORT,
    desiredCount: 1,
    controller: 'ECS',
    strategy: 'BLUE_GREEN',
    ...options,
  });
  return { service, cluster: 'main', productionUrl: result.productionUrl, testUrl: result.testUrl };
}

/** The packaged action deploying v2, polling every 0.2 s. */
export function deployBundle(fixture: BundleSandbox, inputs: Record<string, string>): Promise<ActionRun> {
  return runAction('deploy-bluegreen', {
    inputs: { 'container-name': CONTAINER, 'poll-interval-seconds': '0.2', image: fixture.images.v2!, ...inputs },
    env: fixture.sandbox.clientEnv(),
    killAfterMs: 90_000,
    cwd: fixture.workdir,
  });
}

/** Exit code and the output's tail, for a failed expectation to show. */
export const explain = (run: ActionRun) => `exit ${run.code}\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`;
