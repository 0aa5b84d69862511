/**
 * The demo runs each action with the inputs the reusable workflows compute: the step is read from
 * .github/workflows/*.yml and its `with:` evaluated by testing/workflow-steps.ts against a context
 * that stands in for what GitHub, the check job and Terraform would supply. The runner then fills
 * the action.yml defaults of inputs the step does not set, and so does the demo.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../testing/run-action.js';
import {
  findStep,
  loadWorkflow,
  stepInputs,
  stepRuns,
  type ExpressionContext,
  type WorkflowStep,
} from '../../testing/workflow-steps.js';

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
