/**
 * `npm run demo`: a whole release rehearsed on the local AWS sandbox. Six phases (init, a
 * deploy of a code change with a linear traffic shift under load, a no-op deploy, a promotion of
 * one image from the demo environment to a second one after a stood-in approval, a broken build
 * that rolls back, destroy), each running the bundled actions with the inputs the reusable
 * workflows compute (testing/workflow-steps.ts), and the provision steps stood in for by the
 * sandbox (scripts/demo/standins.ts). Ends with a table; `ok` only when every phase behaved as
 * expected.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { DescribeClustersCommand } from '@aws-sdk/client-ecs';
import { startSandbox, type CallRecord, type RunningSandbox } from '../../sandbox/index.js';
import { repoRoot, runAction, type ActionRun } from '../../testing/run-action.js';
import type { ExpressionContext } from '../../testing/workflow-steps.js';
import {
  deployCallOutputs,
  deployJobOutputs,
  environmentsInput,
  jobRuns,
  stageInputs,
  stageJob,
  stageNeeds,
  stageOutputs,
  STAGES,
  type NeedResult,
  type Stage,
} from '../../testing/workflow-promotion.js';
import { runScript } from '../../testing/workflow-script.js';
import { loadWorkflow } from '../../testing/workflows.js';
import { writeRecording, type ReadTargets } from '../aws-record.js';
import { APP_EDITS, applyEdit, type AppEdit } from './edits.js';
import {
  brokenProblems,
  changeProblems,
  initProblems,
  noOpProblems,
  promotedNoOpProblems,
  promotionProblems,
  type Answer,
} from './expectations.js';
import { LoadLoop, sampleAnswers, type LoadStats } from './load.js';
import {
  formatDuration,
  formatTable,
  LineSplitter,
  renderActionLine,
  summariseCalls,
  type PhaseRow,
} from './report.js';
import { StandIns, type StackOutputs } from './standins.js';
import {
  evaluateStep,
  provisionVariables,
  stackOf,
  stepIdsUsing,
  workflowInputDefaults,
  type EvaluatedStep,
} from '../../testing/workflow-steps.js';

export const ENVIRONMENT = 'demo';
/** The second environment the promotion phase creates; it shares the first one's repository. */
export const PRODUCTION = 'demo-prod';
export const LINEAR_CONFIG = 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes';
const INIT = 'reusable-init.yml';
const DEPLOY = 'reusable-deploy.yml';
const DESTROY = 'reusable-destroy.yml';
const PROMOTE = 'reusable-promote.yml';

export interface DemoOptions {
  /** AWS seconds per real second in the sandbox. */
  timeScale?: number;
  /** Where the narrative goes (default: stdout). */
  out?: (line: string) => void;
  /** Show every action log line (default: the informative ones). */
  verbose?: boolean;
  /**
   * Write the sandbox's answers to the actions' read calls after init, change, noop and broken to
   * `<recordDir>/<phase>.json`, as the live check on AWS records them (scripts/aws-record.ts), for
   * scripts/aws-compare.ts.
   */
  recordDir?: string;
}

export interface DemoResult {
  ok: boolean;
  rows: PhaseRow[];
  totalMs: number;
}

interface PhaseOutcome {
  ok: boolean;
  note: string;
  load?: LoadStats;
  /** What the phase built and deployed, for the recording of the read calls. */
  reads?: ReadTargets;
}

interface DeployRuns {
  /** Absent when the job was given an image (a promotion builds nothing). */
  build?: ActionRun;
  deploy?: ActionRun;
  smoke?: ActionRun;
  /** The deploy job's outputs, as its `outputs:` compute them from the steps. */
  outputs?: Record<string, string>;
}

/** What the workflows' `vars` and `github` contexts hold in the demo. */
function githubContexts(sandbox: RunningSandbox): ExpressionContext {
  return {
    vars: {
      AWS_REGION: sandbox.region,
      AWS_ROLE_ARN: `arn:aws:iam::${sandbox.account}:role/github-deploy`,
      TF_STATE_BUCKET: 'sandbox-terraform-state',
    },
    github: { repository: 'sandbox/fargate-bluegreen-suite', run_id: '1', token: 'unused-by-the-demo' },
    secrets: {},
  };
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=demo', '-c', 'user.email=demo@example.com', '-c', 'gc.auto=0', ...args],
    {
      cwd,
      encoding: 'utf8',
    },
  );
}

export class Demo {
  private readonly out: (line: string) => void;
  private readonly rows: PhaseRow[] = [];
  private sandbox?: RunningSandbox;
  private standIns?: StandIns;
  private scratch?: string;
  private workspace = '';
  private env: Record<string, string> = {};
  private foundationOutputs?: StackOutputs;
  private serviceOutputs?: StackOutputs;
  /** The second environment's stacks, once the promotion phase created it. */
  private production?: { foundation: StackOutputs; service: StackOutputs };
  private readonly imageLabels = new Map<string, string>();
  private child?: ChildProcess;
  private load?: LoadLoop;
  private stopping?: Promise<void>;

  constructor(private readonly options: DemoOptions = {}) {
    this.out = options.out ?? ((line) => process.stdout.write(`${line}\n`));
  }

  async run(): Promise<DemoResult> {
    const started = Date.now();
    try {
      await this.prepare();
      await this.phase(
        '1. init',
        [
          'Init creates the environment as reusable-init.yml does: the foundation stack (stood in for: an ECR',
          'repository in the sandbox), the first image (build-image), the first task definition (deploy-bluegreen',
          'register-only), the service stack (stood in for: POST /_sandbox/stack), then a smoke test of /host.',
          'Watch: build-image says built=true; the smoke test gets answers from both tasks (two hosts).',
        ],
        () => this.init(),
        'init',
      );
      const initialised = this.serviceOutputs !== undefined;
      await this.phase(
        '2. deploy a change',
        [
          'A code change (the /host message) is committed and deployed as reusable-deploy.yml does, with',
          `deployment-config ${LINEAR_CONFIG}: 10% more traffic every AWS minute`,
          `(${60 / this.sandbox!.clock.scale} real s at time scale ${this.sandbox!.clock.scale}), while 4 clients hammer the production URL.`,
          'Watch: the lifecycle events, the traffic lines moving from the old image to the new, 0 failed requests.',
        ],
        () => (initialised ? this.deployChange() : this.notRun()),
        'change',
      );
      await this.phase(
        '3. no-op deploy',
        [
          'The same commit is deployed again, as a re-run of the workflow would be.',
          'Watch: build-image finds its fingerprint tag in ECR (built=false) and deploy-bluegreen finds the',
          'task definition unchanged (deployed=false): no build, no registration, no deployment.',
        ],
        () => (initialised ? this.noOpDeploy() : this.notRun()),
        'noop',
      );
      await this.phase(
        '4. promote to production',
        [
          `A second environment, ${PRODUCTION}, is initialised with its foundation pointed at the shared repository`,
          '(shared_repository_arn): its init finds the image there and builds nothing. Then a change goes through the',
          'promotion pipeline as deploy.yml runs it with DEPLOY_ENVIRONMENTS = two environments (reusable-promote.yml):',
          `${ENVIRONMENT} builds, deploys and smoke tests; the production job waits for approval (stood in for); ${PRODUCTION}`,
          'deploys that same digest, building nothing, and smoke tests it. The same commit is then pushed again.',
          'Watch: built=true once, the APPROVAL line, the same @sha256 in both, then deployed=false in both.',
        ],
        () => (initialised ? this.promote() : this.notRun()),
      );
      await this.phase(
        '5. broken build',
        [
          'A change that makes /health answer 500 is deployed. The new tasks fail their container health checks,',
          'CodeDeploy fails the Install event and rolls back; production traffic never moves.',
          'Watch: deploy-bluegreen fails with the tasks stopped reason; the load loop keeps getting the previous image.',
        ],
        () => (initialised ? this.brokenDeploy() : this.notRun()),
        'broken',
      );
      await this.phase(
        '6. destroy',
        [
          "Destroy runs reusable-destroy.yml's stacks in reverse order (ingress, service, foundation), each stood in",
          `for by the deletes Terraform would make, for ${PRODUCTION} and then ${ENVIRONMENT}; then the sandbox stops.`,
          `Watch: ${PRODUCTION}'s destroy leaves the shared repository; ${ENVIRONMENT}'s (which owns it here) removes it.`,
        ],
        () => this.destroy(),
      );
    } finally {
      await this.stop();
    }
    const ok = this.rows.length === 6 && this.rows.every((r) => r.ok);
    const totalMs = Date.now() - started;
    this.out('');
    this.out(formatTable(this.rows));
    this.out('');
    this.out(
      ok
        ? `Every phase behaved as expected (${formatDuration(totalMs)}).`
        : `Some phases did not behave as expected (${formatDuration(totalMs)}): ${this.rows
            .filter((r) => !r.ok)
            .map((r) => `${r.phase}: ${r.note}`)
            .join('; ')}`,
    );
    return { ok, rows: this.rows, totalMs };
  }

  /** Stops what the demo started: the action in flight, the load loop, the sandbox, the workspace. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
      await this.load?.stop();
      this.standIns?.close();
      await this.sandbox?.stop();
      if (this.scratch) rmSync(this.scratch, { recursive: true, force: true });
    })();
    return this.stopping;
  }

  // ---------------------------------------------------------------------------------------------
  // Set-up

  private async prepare(): Promise<void> {
    for (const action of ['build-image', 'deploy-bluegreen', 'smoke-test']) {
      if (!existsSync(join(repoRoot, 'actions', action, 'dist', 'index.js'))) {
        throw new Error(`actions/${action}/dist/index.js is missing: build it with npm run package -- ${action}`);
      }
    }
    const timeScale = this.options.timeScale ?? 60;
    this.out(
      `Starting the local AWS sandbox (time scale ${timeScale}: one AWS minute per ${60 / timeScale} real s)...`,
    );
    this.sandbox = await startSandbox({ timeScale });
    this.standIns = new StandIns(this.sandbox);
    this.scratch = mkdtempSync(join(tmpdir(), 'fargate-bluegreen-demo-'));
    this.workspace = join(this.scratch, 'workspace');
    mkdirSync(this.workspace);
    // A copy of the sample app in its own git repository: the demo edits and commits there, never
    // in your checkout, and build-image fingerprints committed files from git's index.
    cpSync(join(repoRoot, 'app'), join(this.workspace, 'app'), {
      recursive: true,
      filter: (source) => !/[\\/]node_modules(?:[\\/]|$)/.test(source),
    });
    git(this.workspace, 'init', '-q');
    git(this.workspace, 'add', '-A');
    git(this.workspace, 'commit', '-q', '-m', 'The sample app');
    this.env = {
      ...this.sandbox.clientEnv(),
      DOCKER_CONFIG: join(this.scratch, 'docker-config'),
      GITHUB_REPOSITORY: 'sandbox/fargate-bluegreen-suite',
    };
    this.out(`  AWS endpoint ${this.sandbox.endpoint}, workspace ${this.workspace}`);
  }

  // ---------------------------------------------------------------------------------------------
  // Phases

  private async phase(
    name: string,
    narrative: string[],
    body: () => Promise<PhaseOutcome>,
    recordAs?: string,
  ): Promise<void> {
    this.out('');
    this.out(`=== ${name} ${'='.repeat(Math.max(3, 96 - name.length))}`);
    for (const line of narrative) this.out(line);
    this.out('');
    const callsBefore = await this.callCount();
    const started = Date.now();
    let outcome: PhaseOutcome;
    try {
      outcome = await body();
    } catch (error) {
      outcome = {
        ok: false,
        note: `the demo could not run this phase: ${error instanceof Error ? error.message : String(error)}`,
      };
    } finally {
      if (this.load) {
        await this.load.stop();
        this.load = undefined;
      }
    }
    const durationMs = Date.now() - started;
    const calls = await this.callsSince(callsBefore);
    if (recordAs && this.options.recordDir) await this.record(recordAs, outcome.reads);
    const row: PhaseRow = {
      phase: name,
      ok: outcome.ok,
      durationMs,
      awsCalls: calls.length,
      failedRequests: outcome.load?.failed,
      sentRequests: outcome.load?.sent,
      note: outcome.note,
    };
    this.rows.push(row);
    this.out(
      `--- ${row.ok ? 'ok' : 'UNEXPECTED'}: ${outcome.note} (${formatDuration(durationMs)}, ${calls.length} AWS calls)`,
    );
  }

  private async notRun(): Promise<PhaseOutcome> {
    return { ok: false, note: 'not run: init did not create the service' };
  }

  private async init(): Promise<PhaseOutcome> {
    const done = await this.initEnvironment(ENVIRONMENT, {});
    if ('failed' in done) return done.failed;
    this.foundationOutputs = done.foundation;
    this.serviceOutputs = done.service;
    const { build, taskdef, smoke } = done;
    this.label(build.outputs.image, 'first image');
    const problems = initProblems({ build, taskdef, smoke });
    if (problems.length) return { ok: false, note: problems.join('; ') };
    return {
      ok: true,
      note: `image built, ${taskdef.outputs['task-definition-arn']!.split('/').pop()} registered, ${countHosts(smoke.outputs.hosts)} tasks serving /host`,
      reads: this.readTargets(build),
    };
  }

  /** reusable-init.yml's init job for one environment, with these inputs besides the defaults. */
  private async initEnvironment(
    environment: string,
    inputs: Record<string, unknown>,
  ): Promise<
    | { failed: PhaseOutcome }
    | { foundation: StackOutputs; service: StackOutputs; build: ActionRun; taskdef: ActionRun; smoke: ActionRun }
  > {
    const sandbox = this.sandbox!;
    const context: ExpressionContext = {
      ...githubContexts(sandbox),
      // The sandbox has no API Gateway: init runs without the ingress stack (its step's if: is false).
      inputs: { ...workflowInputDefaults(INIT), environment, ingress: false, ...inputs },
      // What the check job answers for these inputs (no suite-repository: no prefix; name = environment).
      needs: { check: { outputs: { prefix: '', name: environment } } },
      steps: {},
    };
    const steps = context.steps as Record<string, { outputs: Record<string, string> }>;

    const foundationStep = evaluateStep(INIT, 'init', 'foundation', context);
    const shared = Boolean(inputs['shared-repository-arn']);
    this.announceStandIn(
      foundationStep,
      shared
        ? 'the outputs of a foundation that creates no repository (shared_repository_arn is set)'
        : 'CreateRepository (immutable tags, scan on push)',
    );
    const foundation = await this.standIns!.applyFoundation(provisionVariables(foundationStep));
    steps.foundation = { outputs: { outputs: JSON.stringify(foundation), changed: 'true' } };

    const build = await this.runStep(evaluateStep(INIT, 'init', 'build', context));
    steps.build = { outputs: build.outputs };
    if (build.code !== 0) return { failed: this.failedStep('build-image', build) };

    const taskdef = await this.runStep(evaluateStep(INIT, 'init', 'taskdef', context));
    steps.taskdef = { outputs: taskdef.outputs };
    if (taskdef.code !== 0) return { failed: this.failedStep('deploy-bluegreen register-only', taskdef) };

    const serviceStep = evaluateStep(INIT, 'init', 'service', context);
    this.announceStandIn(serviceStep, 'POST /_sandbox/stack (cluster, service, target groups, listeners, CodeDeploy)');
    const service = await this.standIns!.applyService(provisionVariables(serviceStep));
    steps.service = { outputs: { outputs: JSON.stringify(service), changed: 'true' } };
    this.out(`    production ${String(service.production_url)}, test ${String(service.test_url)}`);

    const ingressStep = evaluateStep(INIT, 'init', 'ingress', context);
    if (!ingressStep.runs) this.out(`  - ${ingressStep.name}: skipped (if: inputs.ingress is false in the demo)`);

    const smoke = await this.runStep(evaluateStep(INIT, 'init', 'smoke', context));
    if (smoke.code !== 0) return { failed: this.failedStep('smoke-test', smoke) };
    return { foundation, service, build, taskdef, smoke };
  }

  private async deployChange(): Promise<PhaseOutcome> {
    this.edit(APP_EDITS.change);
    this.out(`  production serves ${this.labelOf(await this.imageServing())} before the deploy`);
    this.startLoad();
    const runs = await this.deployPush({ traffic: true });
    const load = await this.stopLoad();
    const { build, deploy, smoke } = runs;
    if (!build || build.code !== 0) return this.failedStep('build-image', build, load);
    if (!deploy || deploy.code !== 0) return this.failedStep('deploy-bluegreen', deploy, load);
    if (!smoke || smoke.code !== 0) return this.failedStep('smoke-test', smoke, load);
    const problems = changeProblems({ build, deploy, smoke, load });
    if (problems.length) return { ok: false, note: problems.join('; '), load };
    return {
      ok: true,
      note: `deployment ${deploy.outputs['deployment-id']} moved production to the new image with no failed request; smoke test saw imageUri = the built image`,
      load,
      reads: this.readTargets(build, deploy),
    };
  }

  private async noOpDeploy(): Promise<PhaseOutcome> {
    const callsBefore = await this.callCount();
    const runs = await this.deployPush({ traffic: false });
    const calls = await this.callsSince(callsBefore);
    const { build, deploy, smoke } = runs;
    if (!build || build.code !== 0) return this.failedStep('build-image', build);
    if (!deploy || deploy.code !== 0) return this.failedStep('deploy-bluegreen', deploy);
    if (!smoke || smoke.code !== 0) return this.failedStep('smoke-test', smoke);
    this.out(`  AWS calls of this phase: ${summariseCalls(calls)}`);
    const problems = noOpProblems({ build, deploy, calls });
    if (problems.length) return { ok: false, note: problems.join('; ') };
    return {
      ok: true,
      note: `nothing built, registered or deployed; ${calls.length} read-only AWS calls`,
      reads: this.readTargets(build, deploy),
    };
  }

  private async brokenDeploy(): Promise<PhaseOutcome> {
    this.edit(APP_EDITS.broken);
    const before = await this.imageServing();
    this.out(`  production serves ${this.labelOf(before)} before the deploy`);
    this.startLoad();
    const runs = await this.deployPush({ traffic: true });
    const load = await this.stopLoad();
    const { build, deploy } = runs;
    if (!build || build.code !== 0) return this.failedStep('build-image', build, load);
    if (!deploy) return { ok: false, note: 'deploy-bluegreen did not run', load };
    if (deploy.code !== 0) {
      this.out('  - Smoke test the serving image: skipped (the deploy step failed, so the job stops there)');
    }
    // Blue still serves: direct requests to production answer 200 with the image served before.
    const after = await this.sample(20);
    this.out(
      `  after the deploy, 20 direct requests to production: ${after.filter((r) => r.status === 200).length} answered 200, ` +
        `${after.filter((r) => r.image === before).length} from ${this.labelOf(before)}`,
    );
    const problems = brokenProblems({ build, deploy, load, before, after });
    if (problems.length) return { ok: false, note: problems.join('; '), load };
    return {
      ok: true,
      note: `deploy failed and rolled back as expected; production still serves ${this.labelOf(before)}`,
      load,
      reads: this.readTargets(build, deploy),
    };
  }

  private async destroy(): Promise<PhaseOutcome> {
    const sandbox = this.sandbox;
    if (!sandbox) return { ok: false, note: 'the sandbox did not start' };
    const problems: string[] = [];
    const destroyed: string[] = [];
    // One named environment at a time, as the Destroy workflow does; production first, so the
    // repository it shares is seen to outlive it.
    if (this.production) {
      this.out(`  Destroy ${PRODUCTION}:`);
      destroyed.push(...(await this.destroyEnvironment(PRODUCTION, this.production, problems)));
      const repositoryName = String(this.production.foundation.repository_name);
      if (await this.repositoryExists(repositoryName)) {
        this.out(`  repository ${repositoryName} is still there: ${ENVIRONMENT}'s images are untouched`);
      } else {
        problems.push(`the shared repository ${repositoryName} went with ${PRODUCTION}`);
      }
    }
    this.out(`  Destroy ${ENVIRONMENT}:`);
    const stacks = { foundation: this.foundationOutputs, service: this.serviceOutputs };
    destroyed.push(...(await this.destroyEnvironment(ENVIRONMENT, stacks, problems)));
    if (this.foundationOutputs) {
      const repositoryName = String(this.foundationOutputs.repository_name);
      if (await this.repositoryExists(repositoryName)) {
        problems.push(`repository ${repositoryName} still exists after destroy`);
      }
    }
    this.out('  Stopping the sandbox: every task process and listener...');
    this.finalCalls = await this.callsSince(0);
    await sandbox.stop();
    this.out('  sandbox stopped');
    if (problems.length) return { ok: false, note: problems.join('; ') };
    return { ok: true, note: `destroyed ${destroyed.join(', ') || 'nothing'} in reverse order; sandbox stopped` };
  }

  /** reusable-destroy.yml's stacks for one environment, in its order; answers what it destroyed. */
  private async destroyEnvironment(
    environment: string,
    stacks: { foundation?: StackOutputs; service?: StackOutputs },
    problems: string[],
  ): Promise<string[]> {
    const context: ExpressionContext = {
      ...githubContexts(this.sandbox!),
      inputs: { ...workflowInputDefaults(DESTROY), environment, confirm: environment },
      needs: { confirm: { outputs: { name: environment, prefix: '' } } },
      steps: {
        'foundation-state': { outputs: { outputs: JSON.stringify(stacks.foundation ?? {}) } },
        'service-state': { outputs: { outputs: JSON.stringify(stacks.service ?? {}) } },
      },
    };
    const destroyed: string[] = [];
    const log = (line: string) => this.out(`    ${line}`);
    for (const id of stepIdsUsing(DESTROY, 'destroy', 'provision')) {
      const step = evaluateStep(DESTROY, 'destroy', id, context);
      if (step.inputs.command !== 'destroy') continue;
      const stack = stackOf(step);
      // provision refuses a destroy whose confirm is not the stack's folder name.
      if (step.inputs.confirm !== stack) problems.push(`${id}: confirm is ${step.inputs.confirm}, not ${stack}`);
      if (stack === 'service' && stacks.service) {
        this.announceStandIn(step, "the service stack's deletes");
        await this.standIns!.destroyService(stacks.service, log);
        destroyed.push(`${environment} ${stack}`);
      } else if (stack === 'foundation' && stacks.foundation) {
        this.announceStandIn(step, "the foundation stack's deletes");
        await this.standIns!.destroyFoundation(stacks.foundation, log);
        destroyed.push(`${environment} ${stack}`);
      } else {
        this.out(`  - ${step.name}: never created here, nothing to destroy (as terraform destroy of an empty state)`);
      }
    }
    if (stacks.service) {
      const cluster = String(stacks.service.cluster_name);
      const described = await this.standIns!.ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
      const status = described.clusters?.[0]?.status ?? 'MISSING';
      if (status !== 'INACTIVE') problems.push(`cluster ${cluster} is ${status} after destroy`);
    }
    return destroyed;
  }

  private repositoryExists(repositoryName: string): Promise<boolean> {
    return this.standIns!.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repositoryName] })).then(
      () => true,
      (error: Error) => error.name !== 'RepositoryNotFoundException',
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Promotion

  private async promote(): Promise<PhaseOutcome> {
    const sharedArn = String(this.foundationOutputs!.repository_arn);
    this.out(`  Init ${PRODUCTION}, its foundation pointed at the repository ${ENVIRONMENT} pushes to:`);
    const done = await this.initEnvironment(PRODUCTION, { 'shared-repository-arn': sharedArn });
    if ('failed' in done) return done.failed;
    this.production = { foundation: done.foundation, service: done.service };
    const problems: string[] = [];
    if (done.build.outputs.built !== 'false') {
      problems.push(`init of ${PRODUCTION} built=${done.build.outputs.built} (the shared repository had the image)`);
    }

    this.out('');
    this.edit(APP_EDITS.promoted);
    const first = await this.pushThroughStages();
    const staging = first.runs.staging;
    const production = first.runs.production;
    if (!staging?.build || staging.build.code !== 0) return this.failedStep('staging build-image', staging?.build);
    if (!staging.deploy || staging.deploy.code !== 0)
      return this.failedStep('staging deploy-bluegreen', staging.deploy);
    if (!staging.smoke || staging.smoke.code !== 0) return this.failedStep('staging smoke-test', staging.smoke);
    if (!production?.deploy || production.deploy.code !== 0) {
      return this.failedStep('production deploy-bluegreen', production?.deploy);
    }
    if (!production.smoke || production.smoke.code !== 0) {
      return this.failedStep('production smoke-test', production.smoke);
    }
    const serving = {
      staging: (await sampleAnswers(`${String(this.serviceOutputs!.production_url)}/host`, 1))[0]?.image ?? '',
      production: (await sampleAnswers(`${String(this.production.service.production_url)}/host`, 1))[0]?.image ?? '',
    };
    this.out(`  ${ENVIRONMENT} serves ${this.labelOf(serving.staging)}`);
    this.out(`  ${PRODUCTION} serves ${this.labelOf(serving.production)}`);
    problems.push(
      ...promotionProblems({
        stagingBuild: staging.build,
        stagingDeploy: staging.deploy,
        stagingSmoke: staging.smoke,
        productionBuilt: production.build !== undefined,
        productionImage: String(first.inputs.production?.image ?? ''),
        productionDeploy: production.deploy,
        productionSmoke: production.smoke,
        serving,
      }),
    );

    this.out('');
    this.out('  The same commit pushed again (as a re-run of the Deploy workflow would):');
    const callsBefore = await this.callCount();
    const again = await this.pushThroughStages();
    const calls = await this.callsSince(callsBefore);
    const stagingAgain = again.runs.staging;
    const productionAgain = again.runs.production;
    if (!stagingAgain?.build || !stagingAgain.deploy || !productionAgain?.deploy) {
      return { ok: false, note: 'the second push did not reach production' };
    }
    this.out(`  AWS calls of the second push: ${summariseCalls(calls)}`);
    problems.push(
      ...promotedNoOpProblems({
        stagingBuild: stagingAgain.build,
        stagingDeploy: stagingAgain.deploy,
        productionDeploy: productionAgain.deploy,
        calls,
      }),
    );
    if (problems.length) return { ok: false, note: problems.join('; ') };
    return {
      ok: true,
      note: `built once; after the approval ${PRODUCTION} serves the same ${this.labelOf(serving.production)}; the second push changed nothing in either`,
    };
  }

  /**
   * A push through deploy.yml with DEPLOY_ENVIRONMENTS = [demo, demo-prod]: each stage of
   * reusable-promote.yml that its if: lets run, with the inputs its with: computes, then the
   * run's summary table.
   */
  private async pushThroughStages(): Promise<{
    runs: Partial<Record<Stage, DeployRuns>>;
    inputs: Partial<Record<Stage, Record<string, unknown>>>;
  }> {
    const environments = environmentsInput({ DEPLOY_ENVIRONMENTS: JSON.stringify([ENVIRONMENT, PRODUCTION]) });
    this.out(`  deploy.yml hands reusable-promote.yml environments=${environments} (the variable DEPLOY_ENVIRONMENTS)`);
    const ended: Record<string, NeedResult> = { stages: { result: 'success', outputs: stageOutputs(environments) } };
    const runs: Partial<Record<Stage, DeployRuns>> = {};
    const inputsOf: Partial<Record<Stage, Record<string, unknown>>> = {};
    for (const stage of STAGES) {
      const needs = stageNeeds(stage, ended);
      if (!jobRuns(stageJob(stage).if, needs)) {
        const results = Object.entries(needs).map(([id, n]) => `${id} ${n.result}`);
        this.out(`  [${stage} stage] skipped: its if: does not hold (${results.join(', ')})`);
        ended[stage] = { result: 'skipped', outputs: {} };
        continue;
      }
      const inputs = stageInputs(stage, { ...workflowInputDefaults(PROMOTE), environments }, needs);
      inputsOf[stage] = inputs;
      const environment = String(inputs.environment);
      if (stage === 'production') {
        this.out(`  >>>>>> APPROVAL (stood in for): on GitHub the production job waits here until a required reviewer`);
        this.out(`  >>>>>> of environment ${environment} approves (GitHub e-mails them); the demo approves at once.`);
      }
      const promoted = inputs.image
        ? `, image=${this.labelOf(String(inputs.image))} from needs.staging.outputs.image`
        : '';
      this.out(`  [${stage} stage] reusable-deploy.yml for ${environment}${promoted}`);
      const stacks =
        environment === PRODUCTION
          ? this.production!
          : { foundation: this.foundationOutputs!, service: this.serviceOutputs! };
      const result = await this.deployJob(inputs, stacks, { traffic: false });
      runs[stage] = result;
      const succeeded = result.outputs !== undefined && result.smoke?.code === 0;
      ended[stage] = {
        result: succeeded ? 'success' : 'failure',
        outputs: succeeded ? deployCallOutputs(result.outputs!) : {},
      };
    }
    this.showSummary(ended);
    return { runs, inputs: inputsOf };
  }

  /** reusable-promote.yml's summary job, run on what the stages ended with. */
  private showSummary(ended: Record<string, NeedResult>): void {
    const step = loadWorkflow(PROMOTE).jobs.summary?.steps?.[0];
    if (!step) return;
    const run = runScript(step, {
      SERVER: 'https://github.com',
      REPOSITORY: 'sandbox/fargate-bluegreen-suite',
      STAGES: JSON.stringify(ended.stages?.outputs ?? {}),
      STAGING: JSON.stringify(ended.staging ?? { result: 'skipped', outputs: {} }),
      PRODUCTION: JSON.stringify(ended.production ?? { result: 'skipped', outputs: {} }),
    });
    this.out("  The run's job summary (reusable-promote.yml's summary job):");
    for (const line of run.summary.split('\n').filter((l) => l.startsWith('|'))) this.out(`    ${shortenRow(line)}`);
  }

  // ---------------------------------------------------------------------------------------------
  // Steps

  /** A push deployed to the demo environment alone, as reusable-deploy.yml does with the demo's deployment config. */
  private deployPush(options: { traffic: boolean }): Promise<DeployRuns> {
    return this.deployJob(
      { ...workflowInputDefaults(DEPLOY), environment: ENVIRONMENT, 'deployment-config': LINEAR_CONFIG },
      { foundation: this.foundationOutputs!, service: this.serviceOutputs! },
      options,
    );
  }

  /**
   * reusable-deploy.yml's deploy job for these inputs: build-image (unless its if: says the image
   * was given), deploy-bluegreen, smoke-test, each only if the one before succeeded.
   */
  private async deployJob(
    inputs: Record<string, unknown>,
    stacks: { foundation: StackOutputs; service: StackOutputs },
    options: { traffic: boolean },
  ): Promise<DeployRuns> {
    const context: ExpressionContext = {
      ...githubContexts(this.sandbox!),
      inputs,
      needs: { check: { outputs: { prefix: '' } } },
      // The provision `output` steps read the stacks' outputs; the sandbox stand-ins answer the same.
      steps: {
        foundation: { outputs: { outputs: JSON.stringify(stacks.foundation) } },
        service: { outputs: { outputs: JSON.stringify(stacks.service) } },
        ingress: { outputs: { outputs: '' } },
      },
    };
    const steps = context.steps as Record<string, { outputs: Record<string, string> }>;
    this.out(
      '  - Read the foundation, service and ingress stacks: stood in for by the outputs the sandbox stand-ins answered',
    );
    const buildStep = evaluateStep(DEPLOY, 'deploy', 'build', context);
    let build: ActionRun | undefined;
    if (buildStep.runs) {
      build = await this.runStep(buildStep);
      steps.build = { outputs: build.outputs };
      if (build.code !== 0) return { build };
      if (build.outputs.built === 'true') this.label(build.outputs.image, `image of commit ${this.head()}`);
    } else {
      this.out(`  - ${buildStep.name}: skipped (image given: ${shorten(String(inputs.image))})`);
    }
    const deployStep = evaluateStep(DEPLOY, 'deploy', 'deploy', context);
    const ticker = options.traffic ? this.trafficTicker() : undefined;
    let deploy: ActionRun;
    try {
      deploy = await this.runStep(deployStep, {
        // The workflow keeps the action's 5 s default; at time scale 60 that is 5 AWS minutes between
        // looks, so the demo polls more often to show each traffic step (the only input it adds).
        'poll-interval-seconds': '0.5',
      });
    } finally {
      if (ticker) clearInterval(ticker);
    }
    steps.deploy = { outputs: deploy.outputs };
    if (deploy.code !== 0) return { build, deploy };
    const smoke = await this.runStep(evaluateStep(DEPLOY, 'deploy', 'smoke', context));
    steps.smoke = { outputs: smoke.outputs };
    return { build, deploy, smoke, outputs: deployJobOutputs(inputs, steps) };
  }

  /** Runs one workflow step's action as a process, streaming its log lines indented. */
  private async runStep(step: EvaluatedStep, extraInputs: Record<string, string> = {}): Promise<ActionRun> {
    this.out(`  - ${step.name} (actions/${step.action})`);
    const shown = step.withKeys
      .map((key) => [key, step.inputs[key] ?? ''] as const)
      .filter(([, value]) => value.trim() !== '');
    if (shown.length) this.out(`    with: ${shown.map(([k, v]) => `${k}=${shorten(v)}`).join(', ')}`);
    const added = Object.entries(extraInputs);
    if (added.length)
      this.out(`    the demo adds: ${added.map(([k, v]) => `${k}=${v}`).join(', ')} (not in the workflow)`);
    const splitter = new LineSplitter((line) => {
      const rendered = this.options.verbose ? line : renderActionLine(line);
      if (rendered !== undefined) for (const part of rendered.split('\n')) this.out(`      ${part}`);
    });
    const run = await runAction(step.action, {
      inputs: { ...step.inputs, ...extraInputs },
      env: this.env,
      cwd: this.workspace,
      killAfterMs: 150_000,
      onStart: (child) => (this.child = child),
      onStdout: (text) => splitter.push(text),
    });
    splitter.flush();
    this.child = undefined;
    const outputs = ['built', 'image', 'deployed', 'task-definition-arn', 'deployment-id', 'status', 'passed', 'hosts']
      .filter((k) => run.outputs[k] !== undefined && run.outputs[k] !== '')
      .map((k) => `${k}=${shorten(run.outputs[k]!)}`);
    this.out(
      `    exit ${run.code ?? run.signal}${outputs.length ? `; outputs: ${outputs.join(', ')}` : ''} (${formatDuration(run.durationMs)})`,
    );
    return run;
  }

  private announceStandIn(step: EvaluatedStep, what: string): void {
    this.out(`  - ${step.name} (provision ${step.inputs.command} of ${step.inputs['working-directory']})`);
    this.out(`    Terraform cannot reach the sandbox: stood in for by ${what}`);
  }

  private failedStep(what: string, run: ActionRun | undefined, load?: LoadStats): PhaseOutcome {
    if (!run) return { ok: false, note: `${what} did not run`, load };
    const stderr = run.stderr.trim().split('\n');
    const thrown = stderr.find((line) => /^\w*Error\b/.test(line));
    const why = run.errors.join(' | ') || thrown || stderr.slice(-3).join(' | ') || `exit ${run.code ?? run.signal}`;
    return { ok: false, note: `${what} failed: ${why}`, load };
  }

  // ---------------------------------------------------------------------------------------------
  // Traffic

  private startLoad(): void {
    this.load = new LoadLoop({ url: `${String(this.serviceOutputs!.production_url)}/host`, clients: 4, pauseMs: 25 });
  }

  private async stopLoad(): Promise<LoadStats> {
    const stats = await this.load!.stop();
    this.load = undefined;
    this.out(
      `  load loop: ${stats.sent} requests, ${stats.failed} failed; served by ${this.describeShare(stats.byImage)}`,
    );
    return stats;
  }

  /** Every second while deploy-bluegreen runs: which images answered the load loop in that second. */
  private trafficTicker(): NodeJS.Timeout {
    let last = '';
    return setInterval(() => {
      if (!this.load) return;
      const share = this.describeShare(this.load.takeWindow());
      const failed = this.load.snapshot().failed;
      const line = `traffic: ${share}${failed ? `, ${failed} failed so far` : ''}`;
      if (line !== last) this.out(`      [load] ${line}`);
      last = line;
    }, 1000);
  }

  private describeShare(byImage: Record<string, number>): string {
    const total = Object.values(byImage).reduce((a, b) => a + b, 0);
    if (total === 0) return 'no answers';
    // Oldest image first, so successive traffic lines read the same way.
    const known = [...this.imageLabels.keys()];
    const rank = (image: string) => (known.includes(image) ? known.indexOf(image) : known.length);
    return Object.entries(byImage)
      .sort(([a], [b]) => rank(a) - rank(b))
      .map(([image, n]) => `${this.labelOf(image)} ${Math.round((100 * n) / total)}%`)
      .join(' / ');
  }

  private async imageServing(): Promise<string> {
    const [first] = await this.sample(1);
    return first?.image ?? '';
  }

  private sample(n: number): Promise<Answer[]> {
    return sampleAnswers(`${String(this.serviceOutputs!.production_url)}/host`, n);
  }

  private label(image: string | undefined, label: string): void {
    if (image && !this.imageLabels.has(image)) this.imageLabels.set(image, label);
  }

  private labelOf(image: string): string {
    const label = this.imageLabels.get(image);
    const short = image.includes('@sha256:') ? `@${image.split('@sha256:')[1]!.slice(0, 12)}` : image;
    return label ? `${label} (${short})` : short;
  }

  // ---------------------------------------------------------------------------------------------
  // Recordings of the read calls

  private readTargets(build: ActionRun, deploy?: ActionRun): ReadTargets {
    return {
      cluster: String(this.serviceOutputs?.cluster_name ?? ''),
      service: String(this.serviceOutputs?.service_name ?? ''),
      repository: String(this.foundationOutputs?.repository_name ?? ''),
      image: build.outputs.image,
      deploymentId: deploy?.outputs['deployment-id'] || undefined,
    };
  }

  private async record(phase: string, reads: ReadTargets | undefined): Promise<void> {
    if (!reads || !this.standIns) return;
    const file = await writeRecording(this.standIns, {
      phase,
      source: 'sandbox',
      dir: this.options.recordDir!,
      targets: reads,
      names: [ENVIRONMENT],
    });
    this.out(`  recorded the read calls' answers in ${file}`);
  }

  // ---------------------------------------------------------------------------------------------
  // Workspace and calls

  /** Applies one of the shared app edits in the workspace and commits it. */
  private edit(edit: AppEdit): void {
    applyEdit(join(this.workspace, edit.file), edit);
    this.commit(edit.message);
  }

  private commit(message: string): void {
    git(this.workspace, 'commit', '-q', '-am', message);
    this.out(`  committed in the workspace: ${this.head()} ${message}`);
  }

  private head(): string {
    return git(this.workspace, 'rev-parse', '--short', 'HEAD').trim();
  }

  /** The call log read just before the sandbox stopped. */
  private finalCalls?: CallRecord[];

  private async callCount(): Promise<number> {
    return (await this.callsSince(0)).length;
  }

  /** GET /_sandbox/calls?since=N: the AWS calls from index N on (once the sandbox stopped, from the log read just before). */
  private async callsSince(since: number): Promise<CallRecord[]> {
    if (this.finalCalls) return this.finalCalls.slice(since);
    if (!this.sandbox) return [];
    const response = await fetch(`${this.sandbox.endpoint}/_sandbox/calls?since=${since}`);
    return (await response.json()) as CallRecord[];
  }
}

/** How many hosts smoke-test's `hosts` output (a JSON list) names. */
function countHosts(hosts: string | undefined): string {
  try {
    const list = JSON.parse(hosts ?? '') as unknown;
    return Array.isArray(list) ? String(list.length) : '?';
  } catch {
    return '?';
  }
}

/** A summary table row with its image digests cut to their first 12 hex digits, to fit a terminal. */
function shortenRow(row: string): string {
  return row.replace(/`[^`@]*@sha256:([0-9a-f]{12})[0-9a-f]{52}`/g, '@$1');
}

/** One line: multi-line values joined with `; `, long ones cut in the middle. */
function shorten(value: string, max = 72): string {
  const line = value
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('; ');
  return line.length <= max ? line : `${line.slice(0, max / 2 - 2)}...${line.slice(-(max / 2 - 2))}`;
}
