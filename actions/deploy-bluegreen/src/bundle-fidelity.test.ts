/**
 * The bundled action against the sandbox where the sandbox holds to what AWS does and our first
 * picture of it did not: ECS drops empty environment values (the shipped template has one), and a
 * StopDeployment that AWS refuses on timeout leaves a deployment the post step must stop.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodeDeployClient, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeTaskDefinitionCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { fixtureBuildRequest, startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import { repoRoot, runAction, type ActionRun } from '../../../testing/run-action.js';

const REGION = 'eu-west-1';
const MUTATING = /^(Register|Create|Update|Stop|Continue|Delete|Deregister|Put)/;

let sandbox: RunningSandbox;
let ecs: ECSClient;
let codedeploy: CodeDeployClient;
let workdir: string;
const images: Record<string, string> = {};

const explain = (run: ActionRun) => `exit ${run.code}\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`;

beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 60, region: REGION });
  const env = sandbox.clientEnv();
  const config = {
    region: REGION,
    endpoint: env.AWS_ENDPOINT_URL,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  };
  ecs = new ECSClient(config);
  codedeploy = new CodeDeployClient(config);
  await new ECRClient(config).send(new CreateRepositoryCommand({ repositoryName: 'sample' }));
  for (const version of ['v1', 'v2']) {
    const { digest } = await sandbox.build(fixtureBuildRequest([`${sandbox.registry}/sample:${version}`], { version }));
    images[version] = `${sandbox.registry}/sample@${digest}`;
  }
  workdir = mkdtempSync(join(tmpdir(), 'deploy-bluegreen-fidelity-'));
}, 60_000);

afterAll(async () => {
  ecs?.destroy();
  codedeploy?.destroy();
  await sandbox?.stop();
}, 30_000);

/** A CODE_DEPLOY service running the shipped app/task-definition.json (family `family`) with image v1. */
async function shippedStack(family: string, deploymentConfig?: string) {
  const template = JSON.parse(readFileSync(join(repoRoot, 'app/task-definition.json'), 'utf8')) as {
    containerDefinitions: { image: string }[];
  };
  template.containerDefinitions[0]!.image = images.v1!;
  const path = join(workdir, `${family}.json`);
  writeFileSync(path, JSON.stringify({ ...template, family }));
  const registered = await ecs.send(new RegisterTaskDefinitionCommand({ ...(template as object), family } as never));
  await sandbox.stack({
    cluster: 'main',
    service: family,
    taskDefinition: registered.taskDefinition!.taskDefinitionArn!,
    containerName: 'app',
    containerPort: 3000,
    desiredCount: 1,
    controller: 'CODE_DEPLOY',
    codedeployApplication: `${family}-app`,
    deploymentGroup: `${family}-dg`,
    deploymentConfig,
    terminationWaitMinutes: 0,
  });
  return { path, family };
}

function deployAction(inputs: Record<string, string>): Promise<ActionRun> {
  return runAction('deploy-bluegreen', {
    inputs: { 'container-name': 'app', 'poll-interval-seconds': '0.2', cluster: 'main', ...inputs },
    env: sandbox.clientEnv(),
    killAfterMs: 90_000,
    cwd: workdir,
  });
}

describe('deploy-bluegreen bundle: AWS behaviour the sandbox models', () => {
  test('the shipped template (BASE_PATH empty): a second identical deploy registers and deploys nothing', async () => {
    const { path, family } = await shippedStack('shipped');
    const inputs = { service: family, 'task-definition': path, image: images.v2! };

    const first = await deployAction(inputs);
    expect({ code: first.code, out: first.code === 0 ? '' : explain(first) }).toEqual({ code: 0, out: '' });
    expect(first.outputs).toMatchObject({ deployed: 'true', status: 'Succeeded' });
    expect(first.stdout).toContain('::warning::ECS does not keep BASE_PATH with an empty value; left out');

    const before = sandbox.calls().length;
    const second = await deployAction(inputs);
    expect(second.code).toBe(0);
    expect(second.outputs).toMatchObject({
      deployed: 'false',
      status: 'unchanged',
      'task-definition-changed': 'false',
    });
    expect(
      sandbox
        .calls(before)
        .map((c) => c.operation)
        .filter((op) => MUTATING.test(op)),
    ).toEqual([]);

    const running = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: first.outputs['task-definition-arn'] }),
    );
    expect(running.taskDefinition?.containerDefinitions?.[0]?.environment?.map((e) => e.name)).not.toContain(
      'BASE_PATH',
    );
  }, 120_000);

  test('timeout while StopDeployment answers AccessDeniedException: exit 1 naming the running deployment; the post step stops it', async () => {
    const { family } = await shippedStack('stuck', 'CodeDeployDefault.ECSLinear10PercentEvery3Minutes');
    sandbox.faults({ errors: { StopDeployment: 'AccessDeniedException' } });
    let run: ActionRun;
    try {
      run = await deployAction({ service: family, image: images.v2!, 'timeout-minutes': '0.1' });
    } finally {
      sandbox.faults({});
    }
    expect(run.code).toBe(1);
    const id = run.outputs['deployment-id']!;
    expect(id).toMatch(/^d-/);
    const message = run.errors.join('\n');
    expect(message).toMatch(/^Timed out: timeout-minutes \(6s\) reached/);
    expect(message).toContain('AccessDeniedException');
    expect(message).toContain(
      `deployment ${id} is still running and was not rolled back; the post step tries to stop it again. Follow it, or stop it by hand: https://${REGION}.console.aws.amazon.com/codesuite/codedeploy/deployments/${id}?region=${REGION}`,
    );
    expect((await codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo?.status).toBe(
      'InProgress',
    );

    // The runner hands the post step what the main step saved, as STATE_<name>.
    const state = Object.fromEntries(Object.entries(run.state).map(([name, value]) => [`STATE_${name}`, value]));
    const before = sandbox.calls().length;
    const post = await runAction('deploy-bluegreen', {
      entry: 'post',
      env: { ...sandbox.clientEnv(), ...state },
      killAfterMs: 30_000,
    });
    expect({ code: post.code, out: post.code === 0 ? '' : explain(post) }).toEqual({ code: 0, out: '' });
    expect(post.stdout).toContain(`Stopped deployment ${id} with rollback (the main step did not see it finish).`);
    expect(sandbox.calls(before).filter((c) => c.operation === 'StopDeployment' && !c.errorCode)).toHaveLength(1);
  }, 120_000);

  test('post step after a deployment that finished: no AWS call and nothing in the log', async () => {
    const before = sandbox.calls().length;
    const post = await runAction('deploy-bluegreen', {
      entry: 'post',
      env: {
        ...sandbox.clientEnv(),
        'STATE_deployment-kind': 'codedeploy',
        'STATE_deployment-id': 'd-FINISHED',
        'STATE_deployment-finished': 'true',
      },
      killAfterMs: 30_000,
    });
    expect(post.code).toBe(0);
    expect(post.stdout.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('::debug::'))).toEqual([]);
    expect(sandbox.calls(before)).toEqual([]);
    expect(post.durationMs).toBeLessThan(5000);
  }, 30_000);
});
