/**
 * The promotion pipeline walked as the runner would (testing/workflow-promotion.ts): one image
 * built per run, production deploying the digest staging built and smoke tested, production
 * waiting for staging's smoke test and running in the `production` environment, and a
 * single-environment repository deploying as it always has.
 */
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
} from './workflow-promotion.js';
import { evaluateTemplate, findStep, loadWorkflow, stepRuns } from './workflow-steps.js';
import { actionSteps, loadWorkflow as loadParsed, indexOf } from './workflows.js';

const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/sample-app@sha256:${'b'.repeat(64)}`;
const TASK_DEFINITION = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/sample-app:';
const TWO = { DEPLOY_ENVIRONMENTS: '["staging", "production"]' };

interface StageRun {
  stage: Stage;
  environment: string;
  inputs: Record<string, unknown>;
  /** The build-image steps whose if: held. */
  builds: number;
  /** The image deploy-bluegreen got, and the one the smoke test expects. */
  deployed: string;
  smokeExpects: string;
  /** The GitHub environment the deploy job runs in. */
  jobEnvironment: string;
}

const deployJob = () => loadParsed(DEPLOY_FILE).jobs.deploy!;
const DEPLOY_FILE = 'reusable-deploy.yml';

/**
 * Walks deploy.yml for these variables: which stages run, with which inputs, how many images
 * they build and what they deploy. `fail` makes that stage's deploy job end with that result.
 */
function walk(vars: Record<string, string>, fail: Partial<Record<Stage, NeedResult['result']>> = {}): StageRun[] {
  const environments = environmentsInput(vars);
  const promoteInputs = { environments };
  const ended: Record<string, NeedResult> = { stages: { result: 'success', outputs: stageOutputs(environments) } };
  const runs: StageRun[] = [];
  for (const stage of STAGES) {
    const needs = stageNeeds(stage, ended);
    if (!jobRuns(stageJob(stage).if, needs)) {
      ended[stage] = { result: 'skipped', outputs: {} };
      continue;
    }
    const inputs = stageInputs(stage, promoteInputs, needs);
    const context = { inputs, steps: {} as Record<string, { outputs: Record<string, string> }>, vars: {}, github: {} };
    const build = findStep(DEPLOY_FILE, 'deploy', 'build');
    const builds = stepRuns(build, context) ? 1 : 0;
    if (builds) context.steps.build = { outputs: { image: IMAGE, built: 'true' } };
    const deployed = evaluateTemplate(String(findStep(DEPLOY_FILE, 'deploy', 'deploy').with?.image), context);
    context.steps.deploy = {
      outputs: { 'task-definition-arn': `${TASK_DEFINITION}${runs.length + 1}`, deployed: 'true' },
    };
    context.steps.smoke = { outputs: { passed: 'true' } };
    const smokeExpects = evaluateTemplate(
      String(findStep(DEPLOY_FILE, 'deploy', 'smoke').with?.['expect-json']),
      context,
    );
    const environment = String(inputs.environment);
    const jobEnvironment = evaluateTemplate(String((deployJob().environment as { name: string }).name), context);
    runs.push({ stage, environment, inputs, builds, deployed, smokeExpects, jobEnvironment });
    ended[stage] = {
      result: fail[stage] ?? 'success',
      outputs: deployCallOutputs(deployJobOutputs(inputs, context.steps)),
    };
  }
  return runs;
}

describe('the promotion pipeline (deploy.yml, reusable-promote.yml, reusable-deploy.yml)', () => {
  it('with two environments runs staging then production, building one image in the whole run', () => {
    const runs = walk(TWO);
    expect(runs.map((r) => [r.stage, r.environment])).toEqual([
      ['staging', 'staging'],
      ['production', 'production'],
    ]);
    expect(runs.map((r) => r.builds)).toEqual([1, 0]);
  });

  it("deploys the build's digest in production, and both smoke tests expect that same digest", () => {
    const [staging, production] = walk(TWO);
    expect(staging!.deployed).toBe(IMAGE);
    expect(production!.inputs.image).toBe(IMAGE);
    expect(production!.deployed).toBe(IMAGE);
    expect([staging!.smokeExpects, production!.smokeExpects]).toEqual([`imageUri=${IMAGE}`, `imageUri=${IMAGE}`]);
    // The digest travels through the run's job outputs, not a registry lookup or github.sha: a
    // re-run of production alone (the staging job's outputs kept) promotes the same image.
    expect(stageJob('production').with?.image).toBe('${{ needs.staging.outputs.image }}');
  });

  it('needs staging, whose job ends with the smoke test, and never runs when staging did not succeed', () => {
    expect(stageJob('production').needs).toContain('staging');
    const job = deployJob();
    const [deploy] = actionSteps(job, 'deploy-bluegreen');
    const [smoke] = actionSteps(job, 'smoke-test');
    expect(indexOf(job, smoke!)).toBeGreaterThan(indexOf(job, deploy!));
    // Neither the smoke test nor anything before it may let the job succeed after a failure.
    expect(smoke!.if).toBeUndefined();
    expect((job.steps ?? []).filter((s) => (s as { 'continue-on-error'?: unknown })['continue-on-error'])).toEqual([]);
    for (const result of ['failure', 'cancelled'] as const) {
      expect([result, walk(TWO, { staging: result }).map((r) => r.stage)]).toEqual([result, ['staging']]);
    }
  });

  it('runs the production stage in the `production` environment, where its reviewers approve', () => {
    const [staging, production] = walk(TWO);
    expect(staging!.jobEnvironment).toBe('staging');
    expect(production!.jobEnvironment).toBe('production');
  });

  it.each([
    ['no variable', {}, 'production'],
    ['DEPLOY_ENVIRONMENT only', { DEPLOY_ENVIRONMENT: 'live' }, 'live'],
    ['a list of one', { DEPLOY_ENVIRONMENTS: '["live"]' }, 'live'],
  ])('with %s deploys one environment as before: build, deploy, smoke', (_what, vars, environment) => {
    const runs = walk(vars);
    expect(runs.map((r) => [r.stage, r.environment, r.jobEnvironment, r.builds])).toEqual([
      ['production', environment, environment, 1],
    ]);
    expect(runs[0]!.deployed).toBe(IMAGE);
  });

  it('a cancelled run starts no production deploy', () => {
    const environments = environmentsInput(TWO);
    const needs = stageNeeds('production', {
      stages: { result: 'success', outputs: stageOutputs(environments) },
      staging: { result: 'success', outputs: { image: IMAGE } },
    });
    expect(jobRuns(stageJob('production').if, needs)).toBe(true);
    expect(jobRuns(stageJob('production').if, needs, true)).toBe(false);
  });

  it('summarises every stage in one job that runs whatever happened and holds no token', () => {
    const promote = loadWorkflow('reusable-promote.yml') as unknown as {
      jobs: Record<string, { needs?: string[]; if?: string; permissions?: unknown; steps?: unknown[] }>;
    };
    const summary = promote.jobs.summary!;
    expect(summary.needs).toEqual(expect.arrayContaining(['staging', 'production']));
    expect(summary.if).toBe('${{ always() }}');
    expect(summary.permissions).toBeUndefined();
  });
});
