/**
 * What each demo phase must show to count as "behaved as expected": pure functions of the
 * actions' results, the load loop and the AWS call log, each answering the list of problems
 * (empty when the phase behaved).
 */
import type { LoadStats } from './load.js';

/** The part of testing/run-action.ts's ActionRun the verdicts read. */
export interface StepResult {
  code: number | null;
  outputs: Record<string, string>;
  errors: string[];
}

export interface CallSummary {
  service: string;
  operation: string;
}

/** One answer of the production URL's /host. */
export interface Answer {
  status: number;
  image: string;
}

/** Operations that change something in AWS (a no-op deploy makes none). */
export const MUTATING_OPERATION = /^(Register|Deregister|Create|Update|Put|Delete|Stop|Continue|Tag|Untag|BatchDelete)/;

type Problem = string | false | undefined;

const problems = (...items: Problem[]): string[] => items.filter((p): p is string => typeof p === 'string');

export function initProblems(r: { build: StepResult; taskdef: StepResult; smoke: StepResult }): string[] {
  return problems(
    r.build.outputs.built !== 'true' && `build-image built=${r.build.outputs.built} (expected true)`,
    !r.taskdef.outputs['task-definition-arn'] && 'deploy-bluegreen gave no task-definition-arn',
    r.smoke.outputs.passed !== 'true' && `smoke-test passed=${r.smoke.outputs.passed} (expected true)`,
  );
}

/** A deploy of a code change: built, deployed, the smoke test saw the new image, no request failed under load. */
export function changeProblems(r: {
  build: StepResult;
  deploy: StepResult;
  smoke: StepResult;
  load: LoadStats;
}): string[] {
  const image = r.build.outputs.image ?? '';
  return problems(
    r.build.outputs.built !== 'true' && `build-image built=${r.build.outputs.built} (expected true)`,
    r.deploy.outputs.deployed !== 'true' && `deploy-bluegreen deployed=${r.deploy.outputs.deployed} (expected true)`,
    r.smoke.outputs.passed !== 'true' && `smoke-test passed=${r.smoke.outputs.passed} (expected true)`,
    r.load.failed > 0 && `${r.load.failed} failed requests during the shift (${r.load.failures.join('; ')})`,
    !r.load.byImage[image] && 'the load loop never got an answer from the new image',
  );
}

/**
 * A deploy of the same commit: nothing built, registered or deployed, and no call that changes
 * anything. `calls` is the sandbox's call log; a real account has no such log to read at once, so
 * the live check leaves it out and only the outputs are held.
 */
export function noOpProblems(r: { build: StepResult; deploy: StepResult; calls?: CallSummary[] }): string[] {
  const mutating = (r.calls ?? []).filter((c) => MUTATING_OPERATION.test(c.operation));
  return problems(
    r.build.outputs.built !== 'false' && `build-image built=${r.build.outputs.built} (expected false)`,
    r.deploy.outputs.deployed !== 'false' && `deploy-bluegreen deployed=${r.deploy.outputs.deployed} (expected false)`,
    r.deploy.outputs['task-definition-changed'] === 'true' && 'deploy-bluegreen registered a task definition',
    mutating.length > 0 && `calls that change something: ${mutating.map((c) => c.operation).join(', ')}`,
  );
}

/**
 * A promotion: staging built, deployed and smoke tested the new image; production built nothing,
 * deployed that same digest and smoke tested it; and both environments serve it.
 */
export function promotionProblems(r: {
  stagingBuild: StepResult;
  stagingDeploy: StepResult;
  stagingSmoke: StepResult;
  productionBuilt: boolean;
  productionImage: string;
  productionDeploy: StepResult;
  productionSmoke: StepResult;
  serving: { staging: string; production: string };
}): string[] {
  const image = r.stagingBuild.outputs.image ?? '';
  return problems(
    r.stagingBuild.outputs.built !== 'true' &&
      `staging build-image built=${r.stagingBuild.outputs.built} (expected true)`,
    r.stagingDeploy.outputs.deployed !== 'true' &&
      `staging deploy-bluegreen deployed=${r.stagingDeploy.outputs.deployed} (expected true)`,
    r.stagingSmoke.outputs.passed !== 'true' &&
      `staging smoke-test passed=${r.stagingSmoke.outputs.passed} (expected true)`,
    r.productionBuilt && 'production ran build-image (a promotion builds nothing)',
    r.productionImage !== image && `production was given ${r.productionImage || 'no image'}, not staging's ${image}`,
    r.productionDeploy.outputs.deployed !== 'true' &&
      `production deploy-bluegreen deployed=${r.productionDeploy.outputs.deployed} (expected true)`,
    r.productionSmoke.outputs.passed !== 'true' &&
      `production smoke-test passed=${r.productionSmoke.outputs.passed} (expected true)`,
    r.serving.staging !== image && `staging serves ${r.serving.staging || 'nothing'}, not ${image}`,
    r.serving.production !== image && `production serves ${r.serving.production || 'nothing'}, not ${image}`,
  );
}

/** The same commit pushed again through both environments: nothing built, registered or deployed in either. */
export function promotedNoOpProblems(r: {
  stagingBuild: StepResult;
  stagingDeploy: StepResult;
  productionDeploy: StepResult;
  calls?: CallSummary[];
}): string[] {
  return [
    ...noOpProblems({ build: r.stagingBuild, deploy: r.stagingDeploy, calls: r.calls }).map((p) => `staging: ${p}`),
    ...problems(
      r.productionDeploy.outputs.deployed !== 'false' &&
        `production: deploy-bluegreen deployed=${r.productionDeploy.outputs.deployed} (expected false)`,
      r.productionDeploy.outputs['task-definition-changed'] === 'true' &&
        'production: deploy-bluegreen registered a task definition',
    ),
  ];
}

/**
 * A broken build: deploy-bluegreen fails with a message that says the deployment failed and why
 * (health checks, stopped tasks), and production still serves the image it served before: every
 * direct request answers 200 from it, and no request of the load loop reached the broken image.
 */
export function brokenProblems(r: {
  build: StepResult;
  deploy: StepResult;
  load: LoadStats;
  before: string;
  after: Answer[];
}): string[] {
  const rollback = rollbackProblems(r);
  if (r.deploy.code === 0) return rollback;
  const message = r.deploy.errors.join('\n');
  const clear = /fail/i.test(message) && /(health check|unhealthy|stopped reason)/i.test(message);
  return [
    ...problems(
      !clear && `the failure message does not say the deployment failed its health checks: ${message || '(none)'}`,
    ),
    ...rollback,
  ];
}

/**
 * The part of a broken build's verdict that needs no action log: the deploy failed and production
 * kept serving the previous image. The live check on AWS holds this (a workflow step cannot read
 * an earlier step's log, where the action's message is).
 */
export function rollbackProblems(r: {
  build: StepResult;
  deploy: Pick<StepResult, 'code' | 'outputs'>;
  load: LoadStats;
  before: string;
  after: Answer[];
}): string[] {
  if (r.deploy.code === 0) {
    return [
      `deploy-bluegreen succeeded with an image whose /health answers 500 (deployed=${r.deploy.outputs.deployed})`,
    ];
  }
  const broken = r.build.outputs.image ?? '';
  const reachedBroken = broken ? (r.load.byImage[broken] ?? 0) : 0;
  const wrong = r.after.filter((a) => a.status !== 200 || a.image !== r.before);
  return problems(
    r.after.length === 0 && 'no request checked production after the failure',
    wrong.length > 0 &&
      `${wrong.length} of ${r.after.length} requests after the failure did not answer 200 from the previous image (${JSON.stringify(wrong[0])})`,
    reachedBroken > 0 && `${reachedBroken} production requests reached the broken image`,
  );
}
