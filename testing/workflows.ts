/**
 * Reads the GitHub workflows and checks them: the security rules the suite holds itself to,
 * the inputs given to local actions and reusable workflows, the Terraform variables and
 * outputs the provision steps rely on, and how the steps are wired together. Used by
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
// Security and robustness rules

export type RuleName =
  | 'unpinned-action'
  | 'pin-without-version'
  | 'expression-in-run'
  | 'id-token-without-role'
  | 'role-without-id-token'
  | 'long-lived-keys'
  | 'missing-timeout'
  | 'deploy-without-concurrency'
  | 'deploy-without-environment'
  | 'top-level-permissions'
  | 'pull-request-target'
  | 'terraform-wrapper';

export interface Finding {
  file: string;
  job?: string;
  step?: string;
  rule: RuleName;
  message: string;
}

const FULL_SHA = /^[^@\s]+@[0-9a-f]{40}$/;
const CONFIGURE_AWS = 'aws-actions/configure-aws-credentials@';
const SETUP_TERRAFORM = 'hashicorp/setup-terraform@';

function stepLabel(step: Step, index: number): string {
  return step.id ?? step.name ?? `#${index + 1}`;
}

function steps(job: Job): Step[] {
  return Array.isArray(job.steps) ? job.steps : [];
}

function isLocal(uses: string): boolean {
  return uses.startsWith('./');
}

/** Local action folder name of a step (`./actions/<name>`), or undefined. */
export function localActionName(step: Step): string | undefined {
  const match = /^\.\/actions\/([^/@]+)\/?$/.exec(step.uses ?? '');
  return match?.[1];
}

function permissionIs(permissions: unknown, scope: string, level: string): boolean {
  if (permissions === 'write-all') return level === 'write';
  if (permissions && typeof permissions === 'object') return (permissions as Record<string, unknown>)[scope] === level;
  return false;
}

function assumesRole(job: Job): boolean {
  return steps(job).some((s) => s.uses?.startsWith(CONFIGURE_AWS) && typeof s.with?.['role-to-assume'] === 'string');
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

function triggers(on: unknown): string[] {
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  if (on && typeof on === 'object') return Object.keys(on);
  return [];
}

/**
 * Checks one workflow. `resolveLocal` loads a reusable workflow this one calls with
 * `uses: ./.github/workflows/<file>`, to see whether the called jobs use the id-token they are given.
 */
export function checkWorkflow(
  wf: Workflow,
  resolveLocal: (uses: string) => Workflow | undefined = () => undefined,
): Finding[] {
  const findings: Finding[] = [];
  const add = (rule: RuleName, message: string, job?: string, step?: string) =>
    findings.push({ file: wf.file, job, step, rule, message });

  if (triggers(wf.on).includes('pull_request_target')) {
    add('pull-request-target', 'pull_request_target runs untrusted pull request code with secrets; use pull_request');
  }
  const top = wf.permissions;
  if (
    !top ||
    typeof top !== 'object' ||
    Object.keys(top).length !== 1 ||
    (top as Record<string, unknown>).contents !== 'read'
  ) {
    add(
      'top-level-permissions',
      `top-level permissions must be exactly { contents: read }, found ${JSON.stringify(top ?? null)}`,
    );
  }

  // Pins: the version comment is only in the text.
  wf.text.split('\n').forEach((line, index) => {
    const match = /^\s*-?\s*uses:\s*['"]?([^\s'"#]+@[0-9a-f]{40})['"]?\s*(#.*)?$/.exec(line);
    if (match && !/^#\s*v?\d/.test(match[2] ?? '')) {
      add('pin-without-version', `line ${index + 1}: ${match[1]} needs its release in a comment, e.g. "# v1.2.3"`);
    }
  });

  for (const [jobId, job] of Object.entries(wf.jobs)) {
    if (job.uses !== undefined) {
      if (!isLocal(job.uses) && !FULL_SHA.test(job.uses)) {
        add('unpinned-action', `reusable workflow ${job.uses} is not pinned to a full commit SHA`, jobId);
      }
      if (permissionIs(job.permissions, 'id-token', 'write')) {
        const called = isLocal(job.uses) ? resolveLocal(job.uses) : undefined;
        const usesToken = called
          ? Object.values(called.jobs).some((j) => permissionIs(j.permissions, 'id-token', 'write') && assumesRole(j))
          : !isLocal(job.uses);
        if (!usesToken) {
          add(
            'id-token-without-role',
            `grants id-token: write to ${job.uses}, where no job assumes an AWS role`,
            jobId,
          );
        }
      }
      continue; // a job that calls a reusable workflow takes its timeout and steps from there
    }

    if (job['timeout-minutes'] === undefined) add('missing-timeout', 'job has no timeout-minutes', jobId);
    const idToken = permissionIs(job.permissions, 'id-token', 'write');
    if (idToken && !assumesRole(job)) {
      add(
        'id-token-without-role',
        'has id-token: write but no configure-aws-credentials step with role-to-assume',
        jobId,
      );
    }
    if (changesEnvironment(job)) {
      const concurrency = job.concurrency;
      const group =
        typeof concurrency === 'string' ? concurrency : (concurrency as { group?: unknown } | undefined)?.group;
      const cancels = (concurrency as { 'cancel-in-progress'?: unknown } | undefined)?.['cancel-in-progress'];
      if (!group) {
        add('deploy-without-concurrency', 'changes an environment but has no concurrency group', jobId);
      } else if (cancels !== undefined && cancels !== false) {
        add(
          'deploy-without-concurrency',
          'cancel-in-progress must be false: a newer run must wait, not cut a deployment short',
          jobId,
        );
      }
      if (job.environment === undefined) {
        add('deploy-without-environment', 'changes an environment but names no GitHub environment', jobId);
      }
    }

    steps(job).forEach((step, index) => {
      const label = stepLabel(step, index);
      if (step.uses !== undefined && !isLocal(step.uses)) {
        const pinned = step.uses.startsWith('docker://')
          ? /@sha256:[0-9a-f]{64}$/.test(step.uses)
          : FULL_SHA.test(step.uses);
        if (!pinned) add('unpinned-action', `${step.uses} is not pinned to a full commit SHA`, jobId, label);
      }
      if (typeof step.run === 'string' && step.run.includes('${{')) {
        add(
          'expression-in-run',
          'an expression inside run: is pasted into the script before it runs; pass it through env:',
          jobId,
          label,
        );
      }
      if (step.uses?.startsWith(CONFIGURE_AWS)) {
        if (step.with?.['aws-access-key-id'] !== undefined || step.with?.['aws-secret-access-key'] !== undefined) {
          add('long-lived-keys', 'uses access keys; assume a role through OIDC instead', jobId, label);
        }
        if (!idToken)
          add('role-without-id-token', 'assumes a role through OIDC but the job lacks id-token: write', jobId, label);
      }
      if (step.uses?.startsWith(SETUP_TERRAFORM) && String(step.with?.terraform_wrapper) !== 'false') {
        add(
          'terraform-wrapper',
          'set terraform_wrapper: false (the wrapper mishandles -detailed-exitcode)',
          jobId,
          label,
        );
      }
    });
  }
  return findings;
}

/** Every workflow in the folder, with local reusable workflows resolved from the same folder. */
export function checkWorkflows(workflows: Workflow[]): Finding[] {
  const byPath = new Map(workflows.map((w) => [`./.github/workflows/${w.file}`, w]));
  return workflows.flatMap((w) => checkWorkflow(w, (uses) => byPath.get(uses)));
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
