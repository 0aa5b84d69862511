/**
 * Reads the GitHub workflows and checks the inputs given to local actions and reusable
 * workflows, the Terraform variables and outputs the provision steps rely on, and how the steps
 * are wired together. The security rules are in testing/workflow-rules.ts. Used by
 * testing/workflows.test.ts (testing/workflow-steps.ts evaluates a step's inputs).
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from './run-action.js';

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  if?: unknown;
}

export interface Job {
  name?: string;
  uses?: string;
  needs?: string | string[];
  with?: Record<string, unknown>;
  secrets?: unknown;
  permissions?: unknown;
  'timeout-minutes'?: unknown;
  concurrency?: unknown;
  environment?: unknown;
  env?: Record<string, unknown>;
  if?: unknown;
  outputs?: Record<string, unknown>;
  steps?: Step[];
}

export interface Workflow {
  /** File name, e.g. deploy.yml. */
  file: string;
  text: string;
  name?: string;
  on: unknown;
  permissions?: unknown;
  env?: Record<string, unknown>;
  jobs: Record<string, Job>;
}

export const workflowsDir = join(repoRoot, '.github', 'workflows');

export function parseWorkflow(file: string, text: string): Workflow {
  const doc = parseYaml(text) as Partial<Workflow> | null;
  if (!doc || typeof doc !== 'object' || !doc.jobs || typeof doc.jobs !== 'object') {
    throw new Error(`${file}: not a workflow (no jobs)`);
  }
  return { ...doc, file, text, on: doc.on, jobs: doc.jobs } as Workflow;
}

export function workflowFiles(dir = workflowsDir): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
}

export function loadWorkflow(file: string, dir = workflowsDir): Workflow {
  return parseWorkflow(file, readFileSync(join(dir, file), 'utf8'));
}

export function loadWorkflows(dir = workflowsDir): Workflow[] {
  return workflowFiles(dir).map((f) => loadWorkflow(f, dir));
}

// ---------------------------------------------------------------------------------------------
// Helpers shared with testing/workflow-rules.ts (the security rules)

export function stepLabel(step: Step, index: number): string {
  return step.id ?? step.name ?? `#${index + 1}`;
}

export function steps(job: Job): Step[] {
  return Array.isArray(job.steps) ? job.steps : [];
}

export function isLocal(uses: string): boolean {
  return uses.startsWith('./');
}

/** Local action folder name of a step (`./actions/<name>`), or undefined. */
export function localActionName(step: Step): string | undefined {
  const match = /^\.\/actions\/([^/@]+)\/?$/.exec(step.uses ?? '');
  return match?.[1];
}

/** A job that changes an environment: deploys, registers task definitions, or applies or destroys a stack. */
export function changesEnvironment(job: Job): boolean {
  return steps(job).some((s) => {
    const action = localActionName(s);
    if (action === 'deploy-bluegreen') return true;
    if (action === 'provision') return ['apply', 'destroy'].includes(String(s.with?.command ?? 'plan'));
    return false;
  });
}

// ---------------------------------------------------------------------------------------------
// Inputs and outputs across the boundaries: local actions, reusable workflows, Terraform stacks

export interface ActionMetadata {
  inputs: Record<string, { required?: boolean; default?: unknown }>;
  outputs: Record<string, unknown>;
}

export function loadActionMetadata(name: string, root = repoRoot): ActionMetadata {
  const doc = parseYaml(readFileSync(join(root, 'actions', name, 'action.yml'), 'utf8')) as Partial<ActionMetadata>;
  return { inputs: doc.inputs ?? {}, outputs: doc.outputs ?? {} };
}

export interface StackVariable {
  /** Terraform's type expression, e.g. `string`, `list(string)`, `number`, `bool`. */
  type: string;
  /** True when it has a default (so it may be left out). */
  optional: boolean;
  /** Regular expressions its validation applies with `regex("...", var.<name>)`. */
  patterns: string[];
}

export interface StackInterface {
  /** Variable name -> true when it has a default (so may be left out). */
  variables: Record<string, boolean>;
  details: Record<string, StackVariable>;
  outputs: string[];
}

/** Variables and outputs of a Terraform stack, read with @cdktf/hcl2json (HCL to JSON). */
export async function loadStack(name: string, root = repoRoot): Promise<StackInterface | undefined> {
  const dir = join(root, 'terraform', 'stacks', name);
  if (!existsSync(dir)) return undefined;
  const require = createRequire(import.meta.url);
  const hcl2json = require('@cdktf/hcl2json') as {
    parse(file: string, text: string): Promise<Record<string, unknown>>;
  };
  const variables: Record<string, boolean> = {};
  const details: Record<string, StackVariable> = {};
  const outputs: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tf'))) {
    const json = (await hcl2json.parse(file, readFileSync(join(dir, file), 'utf8'))) as {
      variable?: Record<string, Array<Record<string, unknown>>>;
      output?: Record<string, unknown>;
    };
    for (const [variable, blocks] of Object.entries(json.variable ?? {})) {
      const block = blocks[0] ?? {};
      const validations = (Array.isArray(block.validation) ? block.validation : []) as Array<{ condition?: string }>;
      const patterns: string[] = [];
      for (const v of validations) {
        // hcl2json keeps the condition as text: ${can(regex("^...$", var.name))}; the pattern is an HCL string.
        const regexCall = new RegExp(`regex\\("((?:[^"\\\\]|\\\\.)*)",\\s*var\\.${variable}\\)`).exec(
          v.condition ?? '',
        );
        if (regexCall) patterns.push(JSON.parse(`"${regexCall[1]!}"`) as string);
      }
      variables[variable] = 'default' in block;
      details[variable] = {
        type: String(block.type ?? 'any').replace(/^\$\{(.*)\}$/, '$1'),
        optional: 'default' in block,
        patterns,
      };
    }
    outputs.push(...Object.keys(json.output ?? {}));
  }
  return { variables, details, outputs: outputs.sort() };
}

/** The stack folder name a provision step works on, e.g. `service`. */
export function stackOf(step: Step): string | undefined {
  const dir = String(step.with?.['working-directory'] ?? '');
  return /(?:^|\/)terraform\/stacks\/([^/]+)\/?$/.exec(dir)?.[1];
}

/**
 * The variables a provision step passes, name -> the text of its value (expressions kept as
 * written). `variables` is either name=value lines or a JSON object; the JSON may hold
 * `${{ }}` expressions in value position, so it is read a line per variable, not parsed.
 */
export function stepVariables(step: Step): Record<string, string> {
  const text = String(step.with?.variables ?? '').trim();
  const result: Record<string, string> = {};
  if (text.startsWith('{')) {
    for (const [, name, value] of text.matchAll(/^\s*"([A-Za-z_][A-Za-z0-9_-]*)"\s*:\s*(.*?),?\s*$/gm)) {
      result[name!] = value!;
    }
    return result;
  }
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    result[line.slice(0, line.indexOf('=')).trim()] = line.slice(line.indexOf('=') + 1).trim();
  }
  return result;
}

/** Variable names a provision step passes. */
export function variableNames(step: Step): string[] {
  return Object.keys(stepVariables(step));
}

export interface Problem {
  file: string;
  job: string;
  step?: string;
  message: string;
}

/** Strings anywhere under a value (with:, env:, if:, outputs, environment). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/**
 * Checks that every input given to a local action exists in its action.yml and every required
 * one is given; that every `steps.<id>.outputs.<name>` names a declared output (for provision
 * steps, an output of the stack's outputs.tf); that provision steps pass only variables the
 * stack declares and every variable without a default; and that calls of local reusable
 * workflows pass only declared inputs and secrets, and every required input.
 */
export async function checkInterfaces(workflows: Workflow[], root = repoRoot): Promise<Problem[]> {
  const problems: Problem[] = [];
  const actions = new Map<string, ActionMetadata>();
  const stacks = new Map<string, StackInterface | undefined>();
  const action = (name: string) => {
    if (!actions.has(name)) actions.set(name, loadActionMetadata(name, root));
    return actions.get(name)!;
  };
  const stack = async (name: string) => {
    if (!stacks.has(name)) stacks.set(name, await loadStack(name, root));
    return stacks.get(name);
  };
  const byPath = new Map(workflows.map((w) => [`./.github/workflows/${w.file}`, w]));

  for (const wf of workflows) {
    for (const [jobId, job] of Object.entries(wf.jobs)) {
      const problem = (message: string, step?: string) => problems.push({ file: wf.file, job: jobId, step, message });

      if (job.uses && isLocal(job.uses)) {
        const called = byPath.get(job.uses);
        const call = (
          called?.on as {
            workflow_call?: { inputs?: Record<string, { required?: boolean }>; secrets?: Record<string, unknown> };
          }
        )?.workflow_call;
        if (!called || !call) {
          problem(`${job.uses} is not a reusable workflow in .github/workflows`);
          continue;
        }
        const declared = call.inputs ?? {};
        for (const key of Object.keys(job.with ?? {})) {
          if (!(key in declared)) problem(`passes input ${key}, which ${called.file} does not declare`);
        }
        for (const [key, spec] of Object.entries(declared)) {
          if (spec?.required && !(key in (job.with ?? {})))
            problem(`does not pass ${called.file}'s required input ${key}`);
        }
        if (job.secrets && job.secrets !== 'inherit') {
          for (const key of Object.keys(job.secrets)) {
            if (!(key in (call.secrets ?? {}))) problem(`passes secret ${key}, which ${called.file} does not declare`);
          }
        }
        continue;
      }

      // Which step id runs which action (and stack), for the outputs check.
      const producers = new Map<string, { action?: string; stack?: string }>();
      for (const [index, step] of steps(job).entries()) {
        const label = stepLabel(step, index);
        const name = localActionName(step);
        if (step.uses && isLocal(step.uses) && !name) problem(`${step.uses} is not one of ./actions/<name>`, label);
        if (!name) {
          if (step.id) producers.set(step.id, {});
          continue;
        }
        if (!existsSync(join(root, 'actions', name, 'action.yml'))) {
          problem(`./actions/${name} has no action.yml`, label);
          continue;
        }
        const meta = action(name);
        const given = step.with ?? {};
        for (const key of Object.keys(given)) {
          if (!(key in meta.inputs))
            problem(`gives ${name} the input ${key}, which its action.yml does not declare`, label);
        }
        for (const [key, spec] of Object.entries(meta.inputs)) {
          if (spec?.required && spec.default === undefined && !(key in given)) {
            problem(`does not give ${name} its required input ${key}`, label);
          }
        }
        const stackName = name === 'provision' ? stackOf(step) : undefined;
        if (step.id) producers.set(step.id, { action: name, stack: stackName });
        if (name === 'provision') {
          if (!stackName) {
            problem(
              `provision's working-directory ${String(given['working-directory'])} is not terraform/stacks/<name>`,
              label,
            );
            continue;
          }
          const tf = await stack(stackName);
          if (!tf) {
            problem(`terraform/stacks/${stackName} does not exist`, label);
            continue;
          }
          const text = String(given.variables ?? '').trim();
          if (text.startsWith('{')) {
            // Each expression stands for one JSON value (toJSON of a string, a list output, a number).
            try {
              JSON.parse(text.replace(/\$\{\{[\s\S]*?\}\}/g, '0'));
            } catch (error) {
              problem(
                `variables is not a JSON object once its expressions are filled in: ${(error as Error).message}`,
                label,
              );
            }
          }
          const passed = variableNames(step);
          for (const variable of passed) {
            if (!(variable in tf.variables))
              problem(`passes variable ${variable}, which stack ${stackName} does not declare`, label);
          }
          const command = String(given.command ?? 'plan');
          if (command !== 'output') {
            for (const [variable, hasDefault] of Object.entries(tf.variables)) {
              if (!hasDefault && !passed.includes(variable)) {
                problem(`${command} of stack ${stackName} does not pass its required variable ${variable}`, label);
              }
            }
          }
        }
      }

      for (const text of strings(job)) {
        // A Terraform output, read as provision documents it: fromJSON(steps.<id>.outputs.outputs).<name>.
        for (const [, id, output] of text.matchAll(
          /fromJSON\(steps\.([A-Za-z0-9_-]+)\.outputs\.outputs(?:\s*\|\|\s*'\{\}')?\)\.([A-Za-z0-9_]+)/g,
        )) {
          const producer = producers.get(id!);
          if (!producer?.stack) {
            problem(
              `reads fromJSON(steps.${id}.outputs.outputs).${output}, but step ${id} is not a provision step of a stack`,
            );
            continue;
          }
          const tf = await stack(producer.stack);
          if (tf && !tf.outputs.includes(output!)) {
            problem(
              `reads Terraform output ${output} of stack ${producer.stack}, which its outputs.tf does not declare`,
            );
          }
        }
        for (const [, id, output] of text.matchAll(/steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
          const producer = producers.get(id!);
          if (!producer) {
            problem(`refers to steps.${id}.outputs.${output}, but the job has no step with id ${id}`);
            continue;
          }
          if (!producer.action) continue; // a run: step or a third-party action: outputs not declared anywhere
          if (Object.keys(action(producer.action).outputs).includes(output!)) continue;
          problem(
            producer.stack
              ? `refers to steps.${id}.outputs.${output}: read Terraform outputs as fromJSON(steps.${id}.outputs.outputs).${output} (actionlint checks step outputs against action.yml)`
              : `refers to steps.${id}.outputs.${output}: ${producer.action}'s action.yml does not declare it`,
          );
        }
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Wiring

/** The steps of a job that run a local action, in order. */
export function actionSteps(job: Job, name: string): Step[] {
  return steps(job).filter((s) => localActionName(s) === name);
}

/** Stack folder names of a job's provision steps with the given command, in the order they run. */
export function stackOrder(job: Job, command: string): string[] {
  return actionSteps(job, 'provision')
    .filter((s) => String(s.with?.command ?? 'plan') === command)
    .map((s) => stackOf(s) ?? '?');
}

/** Position of a step in its job. */
export function indexOf(job: Job, step: Step): number {
  return steps(job).indexOf(step);
}

/** `${{ steps.<id>.outputs.<output> }}` */
export function stepOutput(id: string, output: string): string {
  return `\${{ steps.${id}.outputs.${output} }}`;
}

/** A Terraform output of a provision step, as the workflows read it. */
export function stackOutputExpression(id: string, output: string): string {
  return `fromJSON(steps.${id}.outputs.outputs || '{}').${output}`;
}

/** `${{ fromJSON(steps.<id>.outputs.outputs || '{}').<output> }}` */
export function stackOutput(id: string, output: string): string {
  return `\${{ ${stackOutputExpression(id, output)} }}`;
}

/** The one job of a workflow that runs a given local action. */
export function jobRunning(wf: Workflow, name: string): [string, Job] {
  const found = Object.entries(wf.jobs).filter(([, j]) => actionSteps(j, name).length > 0);
  if (found.length !== 1)
    throw new Error(`${wf.file}: expected one job running ./actions/${name}, found ${found.length}`);
  return found[0]!;
}
