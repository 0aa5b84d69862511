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

const CONTEXT_NAMES = ['github', 'inputs', 'vars', 'steps', 'needs', 'env', 'secrets', 'runner', 'job', 'matrix'];

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
