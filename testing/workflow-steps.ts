/**
 * Reads the `with:` inputs of a step of one of this repository's workflows and evaluates its
 * `${{ }}` expressions with GitHub's own evaluator (@actions/expressions) against a context the
 * caller supplies (inputs, vars, steps.<id>.outputs, needs.<job>.outputs, github, secrets).
 * The demo and the benchmarks run the bundled actions with exactly these inputs, so they
 * rehearse what the workflows do and cannot drift from them.
 */
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import { truthy } from '@actions/expressions/result';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './run-action.js';

export interface WorkflowStep {
  id?: string;
  name?: string;
  uses?: string;
  with?: Record<string, unknown>;
  if?: string;
}

interface Workflow {
  jobs: Record<string, { steps?: WorkflowStep[] }>;
}

/** Everything an expression may read: `{ inputs: {...}, steps: { build: { outputs: {...} } }, ... }`. */
export type ExpressionContext = Record<string, unknown>;

const CONTEXT_NAMES = [
  'github',
  'inputs',
  'vars',
  'steps',
  'needs',
  'env',
  'secrets',
  'runner',
  'job',
  'matrix',
  'jobs',
];

export function loadWorkflow(file: string): Workflow {
  return parse(readFileSync(join(repoRoot, '.github', 'workflows', file), 'utf8')) as Workflow;
}

/** The step with this id in this job; a clear error when the workflow no longer has it. */
export function findStep(file: string, job: string, stepId: string): WorkflowStep {
  const workflow = loadWorkflow(file);
  const steps = workflow.jobs[job]?.steps;
  if (!steps) throw new Error(`${file} has no job '${job}' (jobs: ${Object.keys(workflow.jobs).join(', ')})`);
  const step = steps.find((s) => s.id === stepId);
  if (!step) {
    const ids = steps.map((s) => s.id).filter(Boolean);
    throw new Error(`${file} job '${job}' has no step with id '${stepId}' (ids: ${ids.join(', ')})`);
  }
  return step;
}

/** Evaluates one expression (the text between `${{` and `}}`). */
export function evaluateExpression(expression: string, context: ExpressionContext): data.ExpressionData {
  const lexed = new Lexer(expression).lex();
  const parsed = new Parser(lexed.tokens, CONTEXT_NAMES, []).parse();
  const dictionary = JSON.parse(JSON.stringify(context), data.reviver) as data.Dictionary;
  return new Evaluator(parsed, dictionary).evaluate();
}

/** Replaces every `${{ expr }}` in `text` with its value as a string, as the runner does in `with:`. */
export function evaluateTemplate(text: string, context: ExpressionContext): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) =>
    evaluateExpression(expression.trim(), context).coerceString(),
  );
}

/** The step's `with:` inputs, evaluated. */
export function stepInputs(step: WorkflowStep, context: ExpressionContext): Record<string, string> {
  return Object.fromEntries(
    Object.entries(step.with ?? {}).map(([key, value]) => [key, evaluateTemplate(String(value), context)]),
  );
}

/** Whether the step's `if:` (if any) holds in this context. */
export function stepRuns(step: WorkflowStep, context: ExpressionContext): boolean {
  if (step.if === undefined) return true;
  const condition = String(step.if)
    .replace(/^\$\{\{([\s\S]*)\}\}$/, '$1')
    .trim();
  return truthy(evaluateExpression(condition, context));
}

// ---------------------------------------------------------------------------------------------
// A whole step as the runner would start it: the local action, its `if:`, and its inputs with the
// action.yml defaults filled in. Shared by the demo and the benchmarks.

export interface EvaluatedStep {
  file: string;
  job: string;
  id: string;
  name: string;
  /** The local action the step uses, e.g. `build-image` for `./actions/build-image`. */
  action: string;
  /** Whether the step's `if:` holds in the context. */
  runs: boolean;
  /** `with:` evaluated, then action.yml defaults for inputs the step leaves out. */
  inputs: Record<string, string>;
  /** The inputs the step's `with:` sets (the rest are action.yml defaults). */
  withKeys: string[];
}

/** The `on.workflow_call.inputs` defaults of a reusable workflow, as a caller that passes only `environment` gets them. */
export function workflowInputDefaults(file: string): Record<string, unknown> {
  const workflow = loadWorkflow(file) as unknown as {
    on?: { workflow_call?: { inputs?: Record<string, { default?: unknown }> } };
  };
  const inputs = workflow.on?.workflow_call?.inputs;
  if (!inputs) throw new Error(`${file} has no on.workflow_call.inputs`);
  return Object.fromEntries(
    Object.entries(inputs)
      .filter(([, spec]) => spec.default !== undefined)
      .map(([name, spec]) => [name, spec.default]),
  );
}

/** `build-image` for `uses: ./actions/build-image`; an error for any other `uses:`. */
export function localAction(step: WorkflowStep, where: string): string {
  const match = /^\.\/actions\/([a-z0-9-]+)$/.exec(step.uses ?? '');
  if (!match) throw new Error(`${where} does not use a local action (uses: ${step.uses ?? 'none'})`);
  return match[1]!;
}

/** The defaults action.yml declares, which the runner passes for inputs a step does not set. */
export function actionInputDefaults(action: string): Record<string, string> {
  const metadata = parse(readFileSync(join(repoRoot, 'actions', action, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, { default?: unknown }>;
  };
  return Object.fromEntries(
    Object.entries(metadata.inputs ?? {})
      .filter(([, spec]) => spec.default !== undefined)
      .map(([name, spec]) => [name, String(spec.default)]),
  );
}

/** Reads one step of a workflow job and evaluates it against `context`. */
export function evaluateStep(file: string, job: string, id: string, context: ExpressionContext): EvaluatedStep {
  const step = findStep(file, job, id);
  const action = localAction(step, `${file} job ${job} step ${id}`);
  return {
    file,
    job,
    id,
    name: step.name ?? id,
    action,
    runs: stepRuns(step, context),
    inputs: { ...actionInputDefaults(action), ...stepInputs(step, context) },
    withKeys: Object.keys(step.with ?? {}),
  };
}

/** The ids of a job's steps that use `./actions/<action>`, in the workflow's order. */
export function stepIdsUsing(file: string, job: string, action: string): string[] {
  const steps = loadWorkflow(file).jobs[job]?.steps ?? [];
  return steps.filter((s) => s.uses === `./actions/${action}` && s.id).map((s) => s.id!);
}

/** The JSON a provision step's `variables` input holds (the workflows pass Terraform variables as JSON). */
export function provisionVariables(step: EvaluatedStep): Record<string, unknown> {
  const text = step.inputs.variables ?? '';
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${step.file} step ${step.id}: variables is not JSON (${String(error)}):\n${text}`, {
      cause: error,
    });
  }
}

/** The stack a provision step works on: `service` for `terraform/stacks/service`. */
export function stackOf(step: EvaluatedStep): string {
  const folder = step.inputs['working-directory'] ?? '';
  const match = /(?:^|\/)terraform\/stacks\/([a-z0-9-]+)\/?$/.exec(folder);
  if (!match) throw new Error(`${step.file} step ${step.id}: working-directory ${folder} is not a terraform stack`);
  return match[1]!;
}
