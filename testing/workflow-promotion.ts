/**
 * The promotion pipeline as the runner would walk it: deploy.yml calls reusable-promote.yml,
 * whose `staging` and `production` stages call reusable-deploy.yml. Given the repository
 * variables and each stage's result, it says which stage runs and with which inputs, every
 * expression evaluated by GitHub's own evaluator (testing/workflow-steps.ts). The workflow tests
 * and the demo both walk the pipeline through here, so they cannot drift from the files.
 */
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import { truthy } from '@actions/expressions/result';
import { evaluateTemplate, loadWorkflow, type ExpressionContext } from './workflow-steps.js';

export const PROMOTE = 'reusable-promote.yml';
export const DEPLOY = 'reusable-deploy.yml';
/** The stages of reusable-promote.yml, in order. */
export const STAGES = ['staging', 'production'] as const;
export type Stage = (typeof STAGES)[number];

interface CallJob {
  uses?: string;
  if?: string;
  needs?: string | string[];
  with?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

interface CallableWorkflow {
  on?: {
    workflow_call?: { inputs?: Record<string, { default?: unknown }>; outputs?: Record<string, { value?: string }> };
  };
  jobs: Record<string, CallJob>;
}

function workflow(file: string): CallableWorkflow {
  return loadWorkflow(file) as unknown as CallableWorkflow;
}

/** The environments deploy.yml hands reusable-promote.yml for these repository variables. */
export function environmentsInput(vars: Record<string, string>): string {
  const job = workflow('deploy.yml').jobs.deploy;
  if (job?.uses !== `./.github/workflows/${PROMOTE}`)
    throw new Error(`deploy.yml's deploy job does not call ${PROMOTE}`);
  return evaluateTemplate(String(job.with?.environments ?? ''), { vars, inputs: {}, github: {}, needs: {} });
}

/**
 * What reusable-promote.yml's `stages` job answers for a list: the first of two environments is
 * staging, the last is production. testing/workflows.test.ts runs the job's script on the same
 * lists and holds it to this.
 */
export function stageOutputs(environments: string): { staging: string; production: string } {
  const list = JSON.parse(environments) as string[];
  return { staging: list.length === 2 ? list[0]! : '', production: list[list.length - 1]! };
}

export interface NeedResult {
  result: 'success' | 'failure' | 'cancelled' | 'skipped';
  outputs: Record<string, string>;
}

/**
 * Whether a job's `if:` holds. The status functions are the runner's, for a job: success() when
 * every need succeeded, failure() when one failed, cancelled() when the run was cancelled; no
 * status function in the `if:` means `success() &&` in front of it ("Using conditions to control
 * job execution", docs.github.com).
 */
export function jobRuns(jobIf: string | undefined, needs: Record<string, NeedResult>, runCancelled = false): boolean {
  const results = Object.values(needs).map((n) => n.result);
  const status: Record<string, boolean> = {
    success: !runCancelled && results.every((r) => r === 'success'),
    failure: results.includes('failure'),
    cancelled: runCancelled,
    always: true,
  };
  const text = String(jobIf ?? '')
    .trim()
    .replace(/^\$\{\{([\s\S]*)\}\}$/, '$1')
    .trim();
  const functions = new Map(
    Object.entries(status).map(([name, value]) => [
      name,
      { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value) },
    ]),
  );
  const implicit = !/\b(success|failure|cancelled|always)\(\)/.test(text);
  if (text === '') return status.success!;
  const parsed = new Parser(
    new Lexer(text).lex().tokens,
    ['needs', 'inputs', 'vars', 'github'],
    [...functions.values()],
  ).parse();
  const dictionary = JSON.parse(
    JSON.stringify({ needs, inputs: {}, vars: {}, github: {} }),
    data.reviver,
  ) as data.Dictionary;
  const value = truthy(new Evaluator(parsed, dictionary, functions).evaluate());
  return implicit ? status.success! && value : value;
}

/** The inputs a stage hands reusable-deploy.yml: its `with:` evaluated, over the called workflow's defaults. */
export function stageInputs(
  stage: Stage,
  promoteInputs: Record<string, unknown>,
  needs: Record<string, NeedResult>,
): Record<string, unknown> {
  const job = stageJob(stage);
  const declared = workflow(DEPLOY).on?.workflow_call?.inputs ?? {};
  const defaults = Object.fromEntries(
    Object.entries(declared)
      .filter(([, spec]) => spec.default !== undefined)
      .map(([name, spec]) => [name, spec.default]),
  );
  const context: ExpressionContext = { inputs: promoteInputs, needs, vars: {}, github: {}, secrets: {} };
  const given = Object.fromEntries(
    Object.entries(job.with ?? {}).map(([key, value]) => {
      const text = evaluateTemplate(String(value), context);
      // A number or boolean input arrives as one when the expression is exactly one value.
      const original = declared[key]?.default;
      return [key, typeof original === 'number' && text !== '' ? Number(text) : text];
    }),
  );
  return { ...defaults, ...given };
}

export function stageJob(stage: Stage): CallJob {
  const job = workflow(PROMOTE).jobs[stage];
  if (!job) throw new Error(`${PROMOTE} has no job ${stage}`);
  return job;
}

/** The needs a stage waits for, as they stand once the earlier jobs have ended. */
export function stageNeeds(stage: Stage, ended: Record<string, NeedResult>): Record<string, NeedResult> {
  const job = stageJob(stage);
  const ids = job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
  return Object.fromEntries(ids.map((id) => [id, ended[id] ?? { result: 'skipped', outputs: {} }]));
}

/**
 * A called reusable-deploy.yml's outputs from its deploy job's outputs (their `value:` is
 * `${{ jobs.deploy.outputs.<name> }}`).
 */
export function deployCallOutputs(jobOutputs: Record<string, string>): Record<string, string> {
  const declared = workflow(DEPLOY).on?.workflow_call?.outputs ?? {};
  return Object.fromEntries(
    Object.entries(declared).map(([name, spec]) => [
      name,
      evaluateTemplate(String(spec.value ?? ''), { jobs: { deploy: { outputs: jobOutputs } } }),
    ]),
  );
}

/** The deploy job's outputs (their `value:` reads the job's steps) for the steps' outputs and the inputs. */
export function deployJobOutputs(
  inputs: Record<string, unknown>,
  steps: Record<string, { outputs: Record<string, string> }>,
): Record<string, string> {
  const outputs = workflow(DEPLOY).jobs.deploy?.outputs ?? {};
  return Object.fromEntries(
    Object.entries(outputs).map(([name, value]) => [name, evaluateTemplate(String(value), { inputs, steps })]),
  );
}
