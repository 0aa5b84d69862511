/**
 * The benchmarks' stage: a sandbox, a workspace holding a copy of app/ in its own git repository,
 * the environment Init leaves behind (first image, first task definition, the service stack), and
 * the deploy workflow's three action steps run as processes with the inputs the workflow itself
 * computes (testing/workflow-steps.ts, through evaluateStep, which adds the action.yml
 * defaults the runner passes), so the benchmark cannot drift from what a push runs. The demo
 * (scripts/demo/) rehearses a whole release with richer stand-ins; this is the smaller stage the
 * measurements need.
 *
 * The stacks' Terraform outputs are stood in for by the sandbox: the ECR repository and the
 * service stack (POST /_sandbox/stack) carry the names the outputs would hold.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { startSandbox, type RunningSandbox } from '../sandbox/index.js';
import { repoRoot, runAction, type ActionRun } from '../testing/run-action.js';
import { evaluateStep, workflowInputDefaults, type ExpressionContext } from '../testing/workflow-steps.js';

export const ENVIRONMENT = 'bench';
export const REPOSITORY = 'bench-app';
export const CLUSTER = 'bench';
export const SERVICE = 'bench-web';
export const CODEDEPLOY_APPLICATION = 'bench-app';
export const DEPLOYMENT_GROUP = 'bench-dg';
export const CONTAINER = 'app';
export const CONTAINER_PORT = 3000;

export interface Rehearsal {
  sandbox: RunningSandbox;
  /** The workspace (GITHUB_WORKSPACE): a git repository with app/ committed. */
  workspace: string;
  /** Environment for processes that talk to the sandbox (endpoint, credentials, docker shim on PATH). */
  env: Record<string, string>;
  foundationOutputs: Record<string, unknown>;
  serviceOutputs: Record<string, unknown>;
  productionUrl: string;
  stop(): Promise<void>;
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...args], {
    cwd,
    encoding: 'utf8',
  });
}

/** Commits every change in the workspace, as a push would bring it. */
export function commitWorkspace(workspace: string, message: string): void {
  git(workspace, ['add', '-A']);
  git(workspace, ['commit', '-q', '--allow-empty', '-m', message]);
}

/** Runs one step of a workflow's job with the inputs the workflow computes from `context`. */
export function runStep(
  rehearsal: Pick<Rehearsal, 'workspace' | 'env'>,
  file: string,
  job: string,
  stepId: string,
  context: ExpressionContext,
  extra: { killAfterMs?: number; onStdout?: (text: string) => void } = {},
): Promise<ActionRun> {
  // The step's `with:` evaluated, plus the action.yml defaults the runner passes (as the demo does).
  const step = evaluateStep(file, job, stepId, context);
  return runAction(step.action, {
    inputs: step.inputs,
    env: rehearsal.env,
    cwd: rehearsal.workspace,
    killAfterMs: extra.killAfterMs ?? 300_000,
    onStdout: extra.onStdout,
  });
}

export function failed(run: ActionRun, what: string): Error {
  return new Error(
    `${what} exited ${run.code}: ${run.errors.join('; ') || run.stderr.slice(-2000) || run.stdout.slice(-2000)}`,
  );
}

/**
 * A sandbox with the environment Init creates: the first image built by build-image and the first
 * task definition registered by deploy-bluegreen (register-only), both with reusable-init.yml's
 * inputs, then the service stack running that definition.
 */
export async function startRehearsal(options: {
  timeScale: number;
  desiredCount: number;
  deploymentConfig?: string;
  terminationWaitMinutes?: number;
}): Promise<Rehearsal> {
  const sandbox = await startSandbox({ timeScale: options.timeScale });
  const workspace = mkdtempSync(join(tmpdir(), 'bench-workspace-'));
  try {
    cpSync(join(repoRoot, 'app'), join(workspace, 'app'), {
      recursive: true,
      filter: (source) => !source.includes('node_modules'),
    });
    git(workspace, ['init', '-q']);
    commitWorkspace(workspace, 'the sample app');

    const env: Record<string, string> = { ...sandbox.clientEnv(), DOCKER_CONFIG: join(workspace, '.docker-config') };
    const endpointConfig = {
      endpoint: env.AWS_ENDPOINT_URL!,
      region: sandbox.region,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
    };
    const ecr = new ECRClient(endpointConfig);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: REPOSITORY, imageTagMutability: 'IMMUTABLE' }));
    ecr.destroy();

    const account = sandbox.account;
    const foundationOutputs = {
      aws_region: sandbox.region,
      repository_name: REPOSITORY,
      repository_url: `${sandbox.registry}/${REPOSITORY}`,
      execution_role_arn: `arn:aws:iam::${account}:role/${ENVIRONMENT}-execution`,
      task_role_arn: `arn:aws:iam::${account}:role/${ENVIRONMENT}-task`,
      log_group_name: `/ecs/${ENVIRONMENT}`,
      container_name: CONTAINER,
      container_port: CONTAINER_PORT,
    };
    const context: ExpressionContext = {
      inputs: { ...workflowInputDefaults('reusable-init.yml'), environment: ENVIRONMENT },
      needs: { check: { outputs: { prefix: '', name: ENVIRONMENT } } },
      steps: { foundation: { outputs: { outputs: JSON.stringify(foundationOutputs) } } },
      vars: { AWS_REGION: sandbox.region },
      github: { repository: 'bench/suite' },
    };
    const partial = { workspace, env };
    const build = await runStep(partial, 'reusable-init.yml', 'init', 'build', context);
    if (build.code !== 0) throw failed(build, 'init: build-image');
    (context.steps as Record<string, unknown>).build = { outputs: build.outputs };
    const taskdef = await runStep(partial, 'reusable-init.yml', 'init', 'taskdef', context);
    if (taskdef.code !== 0) throw failed(taskdef, 'init: deploy-bluegreen register-only');

    const stack = await sandbox.stack({
      cluster: CLUSTER,
      service: SERVICE,
      taskDefinition: taskdef.outputs['task-definition-arn']!,
      containerName: CONTAINER,
      containerPort: CONTAINER_PORT,
      desiredCount: options.desiredCount,
      controller: 'CODE_DEPLOY',
      codedeployApplication: CODEDEPLOY_APPLICATION,
      deploymentGroup: DEPLOYMENT_GROUP,
      deploymentConfig: options.deploymentConfig ?? 'CodeDeployDefault.ECSAllAtOnce',
      terminationWaitMinutes: options.terminationWaitMinutes ?? 5,
      timeoutMs: 120_000,
    });
    const serviceOutputs = {
      cluster_name: CLUSTER,
      service_name: SERVICE,
      codedeploy_application: stack.codedeployApplication,
      codedeploy_deployment_group: stack.deploymentGroup,
      production_url: stack.productionUrl,
      test_url: stack.testUrl,
    };
    return {
      sandbox,
      workspace,
      env,
      foundationOutputs,
      serviceOutputs,
      productionUrl: stack.productionUrl,
      async stop() {
        await sandbox.stop();
        rmSync(workspace, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await sandbox.stop();
    rmSync(workspace, { recursive: true, force: true });
    throw error;
  }
}

export interface PushResult {
  build: ActionRun;
  deploy: ActionRun;
  smoke: ActionRun;
  /** Real ms from the first step's start to the last step's exit. */
  wallMs: number;
  /** When deploy-bluegreen's process exited (epoch ms). */
  deployExitedAt: number;
}

/**
 * What reusable-deploy.yml's deploy job runs on a push: build-image, deploy-bluegreen and
 * smoke-test, each with the inputs the workflow computes (`inputs` overrides the workflow_call
 * defaults, as a caller's `with:` would).
 */
export async function runDeployPush(
  rehearsal: Rehearsal,
  inputs: Record<string, unknown> = {},
  hooks: { beforeDeploy?: () => void; afterDeploy?: () => Promise<void> } = {},
): Promise<PushResult> {
  const context: ExpressionContext = {
    inputs: { ...workflowInputDefaults('reusable-deploy.yml'), environment: ENVIRONMENT, ...inputs },
    needs: { check: { outputs: { prefix: '' } } },
    steps: {
      foundation: { outputs: { outputs: JSON.stringify(rehearsal.foundationOutputs) } },
      service: { outputs: { outputs: JSON.stringify(rehearsal.serviceOutputs) } },
      ingress: { outputs: {} },
    },
    vars: { AWS_REGION: rehearsal.sandbox.region },
    github: { repository: 'bench/suite' },
  };
  const steps = context.steps as Record<string, unknown>;
  const started = Date.now();
  const build = await runStep(rehearsal, 'reusable-deploy.yml', 'deploy', 'build', context);
  if (build.code !== 0) throw failed(build, 'build-image');
  steps.build = { outputs: build.outputs };
  hooks.beforeDeploy?.();
  const deploy = await runStep(rehearsal, 'reusable-deploy.yml', 'deploy', 'deploy', context);
  const deployExitedAt = Date.now();
  await hooks.afterDeploy?.();
  if (deploy.code !== 0) throw failed(deploy, 'deploy-bluegreen');
  steps.deploy = { outputs: deploy.outputs };
  const smoke = await runStep(rehearsal, 'reusable-deploy.yml', 'deploy', 'smoke', context);
  if (smoke.code !== 0) throw failed(smoke, 'smoke-test');
  return { build, deploy, smoke, wallMs: Date.now() - started, deployExitedAt };
}
