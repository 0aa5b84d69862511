/**
 * The live check on AWS (.github/workflows/e2e-aws.yml), evaluated as the runner would: without
 * the E2E_AWS_ROLE_ARN variable it ends at once with a notice and nothing else runs; destroy runs
 * whatever happened to the release job; its steps hand the actions what the reusable workflows
 * hand them; and each phase is judged by the demo's expectations (scripts/e2e-aws.ts).
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import { truthy } from '@actions/expressions/result';
import { actionlint, formatFindings } from './actionlint.js';
import { checkWorkflow } from './workflow-rules.js';
import { loadWorkflow, localActionName, type Job, type Step } from './workflows.js';
import { phaseProblems, type StepContext } from '../scripts/e2e-aws.js';
import { LINEAR_CONFIG } from '../scripts/demo/run.js';

const FILE = 'e2e-aws.yml';
const workflow = loadWorkflow(FILE);
const job = (id: string): Job & { if?: unknown } => {
  const found = workflow.jobs[id];
  if (!found) throw new Error(`${FILE} has no job ${id}`);
  return found;
};

type JobResult = 'success' | 'failure' | 'cancelled' | 'skipped';

/** Evaluates an `if:` with the status functions of a run whose jobs so far ended as `status`. */
function holds(condition: unknown, context: Record<string, unknown>, status: JobResult = 'success'): boolean {
  const expression = String(condition)
    .replace(/^\$\{\{([\s\S]*)\}\}$/, '$1')
    .trim();
  const results: Record<string, boolean> = {
    success: status === 'success',
    always: true,
    failure: status === 'failure',
    cancelled: status === 'cancelled',
  };
  const functions = new Map(
    Object.entries(results).map(([name, value]) => [
      name,
      { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value) },
    ]),
  );
  const parsed = new Parser(
    new Lexer(expression).lex().tokens,
    ['github', 'inputs', 'vars', 'steps', 'needs', 'env', 'runner'],
    [...functions.values()],
  ).parse();
  const dictionary = JSON.parse(JSON.stringify(context), data.reviver) as data.Dictionary;
  // A job's or step's `if:` without a status function means `success() && ...`.
  const implicit = /\b(success|always|failure|cancelled)\(/.test(expression) ? true : results.success!;
  return implicit && truthy(new Evaluator(parsed, dictionary, functions).evaluate());
}

/** Runs a step's bash script as the runner would (bash -e), with its env: values given. */
function runScript(step: Step, env: Record<string, string>): { code: number | null; stdout: string; outputs: string } {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-aws-step-'));
  const outputFile = join(dir, 'output');
  writeFileSync(outputFile, '');
  try {
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run ?? ''], {
      env: { PATH: process.env.PATH, GITHUB_OUTPUT: outputFile, GITHUB_RUN_ID: '15123456789', ...env },
      encoding: 'utf8',
    });
    return { code: result.status, stdout: result.stdout, outputs: readFileSync(outputFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const gate = job('check').steps![0]!;
/** The `check` job's outputs as the runner would hand them on: `enabled` and `name`. */
const gateOutputs = (env: Record<string, string>) =>
  Object.fromEntries(
    runScript(gate, env)
      .outputs.trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('=') as [string, string]),
  );

describe('e2e-aws.yml without the E2E_AWS_ROLE_ARN variable', () => {
  const run = runScript(gate, { ROLE_ARN: '', REGION: '', STATE_BUCKET: '' });
  const needs = { check: { result: 'success', outputs: gateOutputs({ ROLE_ARN: '', REGION: '', STATE_BUCKET: '' }) } };

  it('ends the check job with a notice, not a failure', () => {
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^::notice title=Live check on AWS not enabled::.*no E2E_AWS_ROLE_ARN variable/m);
    expect(run.stdout).not.toContain('::error');
    expect(needs.check.outputs).toEqual({ enabled: 'false' });
  });

  it('runs neither the release nor the destroy job', () => {
    expect(holds(job('release').if, { needs, vars: {} })).toBe(false);
    // needs.release.result is skipped then; destroy's always() must not bring it back.
    const destroyNeeds = { ...needs, release: { result: 'skipped', outputs: {} } };
    expect(holds(job('destroy').if, { needs: destroyNeeds, vars: {} }, 'success')).toBe(false);
  });

  it('reads the variable, not a secret, so the check needs no permission', () => {
    expect(gate.env?.ROLE_ARN).toBe('${{ vars.E2E_AWS_ROLE_ARN }}');
    expect(job('check').permissions).toEqual({});
  });
});

describe('e2e-aws.yml with the variables set', () => {
  const env = {
    ROLE_ARN: 'arn:aws:iam::210987654321:role/e2e',
    REGION: 'eu-west-1',
    STATE_BUCKET: 'e2e-state',
  };
  const needs = { check: { result: 'success', outputs: gateOutputs(env) } };

  it('names a throwaway environment after the run, within the stacks name rule', () => {
    expect(needs.check.outputs).toEqual({ enabled: 'true', name: 'e2e-15123456789' });
    expect(needs.check.outputs.name).toMatch(/^[a-z][a-z0-9-]{0,19}$/);
  });

  it('stops with an error naming what is missing when only the role is set', () => {
    const half = runScript(gate, { ...env, STATE_BUCKET: '' });
    expect(half.code).toBe(1);
    expect(half.stdout).toContain(
      '::error title=Live check half set up::E2E_AWS_ROLE_ARN is set but not E2E_TF_STATE_BUCKET',
    );
  });

  it('runs the release job, and destroy after it however it ended', () => {
    expect(holds(job('release').if, { needs })).toBe(true);
    for (const result of ['success', 'failure', 'cancelled'] as const) {
      const after = { ...needs, release: { result, outputs: {} } };
      expect([result, holds(job('destroy').if, { needs: after }, result)]).toEqual([result, true]);
    }
    expect(job('destroy').needs).toEqual(['check', 'release']);
  });

  it('destroys the stacks the release job applied, with the same state keys, in reverse order', () => {
    const applied = job('release')
      .steps!.filter((s) => localActionName(s) === 'provision' && s.with?.command === 'apply')
      .map((s) => [s.with?.['working-directory'], s.with?.['backend-config']]);
    const destroyed = job('destroy')
      .steps!.filter((s) => localActionName(s) === 'provision' && s.with?.command === 'destroy')
      .map((s) => [s.with?.['working-directory'], s.with?.['backend-config']]);
    expect(destroyed).toEqual([...applied].reverse());
    expect(String(applied[0]?.[1])).toContain('key=${{ needs.check.outputs.name }}/foundation.tfstate');
  });

  it('assumes only the E2E role, never the deploy role of the repository', () => {
    const roles = Object.values(workflow.jobs).flatMap((j) =>
      (j.steps ?? []).filter((s) => s.with?.['role-to-assume']).map((s) => s.with!['role-to-assume']),
    );
    expect(roles).toEqual(['${{ vars.E2E_AWS_ROLE_ARN }}', '${{ vars.E2E_AWS_ROLE_ARN }}']);
    expect(workflow.text).not.toMatch(/vars\.AWS_(PROVISION_)?ROLE_ARN/);
  });

  it('keeps the job summary and recordings even when a phase fails', () => {
    const upload = job('release').steps!.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.if).toBe('always()');
    expect(upload?.with?.path).toBe('${{ runner.temp }}/e2e-aws');
  });
});

describe('e2e-aws.yml against the repository rules', () => {
  it('passes actionlint', async () => {
    expect(formatFindings(await actionlint(workflow.text, `.github/workflows/${FILE}`))).toBe('');
  });

  it('passes the security rules', () => {
    expect(checkWorkflow(workflow)).toEqual([]);
  });

  it('deploys with the demo deployment config, and gives each action the inputs the reusable workflows give it', () => {
    const steps = job('release').steps!;
    const deploys = steps.filter(
      (s) => localActionName(s) === 'deploy-bluegreen' && s.with?.['register-only'] !== 'true',
    );
    expect(deploys.map((s) => s.with?.['deployment-config'])).toEqual([LINEAR_CONFIG, LINEAR_CONFIG, LINEAR_CONFIG]);

    // Inputs the reusable workflows pass only for options the live check does not use.
    const unused = new Set(['dockerfile', 'build-args', 'var-files', 'test-url']);
    const reference = (file: string, jobId: string, id: string) =>
      loadWorkflow(file).jobs[jobId]!.steps!.find((s) => s.id === id)!;
    const pairs: Array<[string, Step]> = [
      ['foundation', reference('reusable-init.yml', 'init', 'foundation')],
      ['init-build', reference('reusable-init.yml', 'init', 'build')],
      ['init-taskdef', reference('reusable-init.yml', 'init', 'taskdef')],
      ['service', reference('reusable-init.yml', 'init', 'service')],
      ['init-smoke', reference('reusable-init.yml', 'init', 'smoke')],
      ...['change', 'noop', 'broken'].flatMap((phase): Array<[string, Step]> => [
        [`${phase}-build`, reference('reusable-deploy.yml', 'deploy', 'build')],
        [`${phase}-deploy`, reference('reusable-deploy.yml', 'deploy', 'deploy')],
      ]),
      ...['change', 'noop'].map((phase): [string, Step] => [
        `${phase}-smoke`,
        reference('reusable-deploy.yml', 'deploy', 'smoke'),
      ]),
    ];
    for (const [id, theirs] of pairs) {
      const ours = steps.find((s) => s.id === id);
      const expected = Object.keys(theirs.with ?? {}).filter((k) => !unused.has(k));
      expect([id, ours?.uses, Object.keys(ours?.with ?? {}).sort()]).toEqual([id, theirs.uses, expected.sort()]);
    }
  });
});

describe('the phases judged by the demo expectations', () => {
  const OLD = `123.dkr.ecr.eu-west-1.amazonaws.com/e@sha256:${'1'.repeat(64)}`;
  const NEW = `123.dkr.ecr.eu-west-1.amazonaws.com/e@sha256:${'2'.repeat(64)}`;
  const ok = (outputs: Record<string, string>): StepContext => ({ outcome: 'success', conclusion: 'success', outputs });

  it('holds init to what the demo holds it to', () => {
    const steps = {
      'init-build': ok({ built: 'true', image: OLD }),
      'init-taskdef': ok({ 'task-definition-arn': 'arn:aws:ecs:eu-west-1:1:task-definition/e:1' }),
      'init-smoke': ok({ passed: 'true' }),
    };
    expect(phaseProblems('init', steps)).toEqual([]);
    expect(phaseProblems('init', { ...steps, 'init-smoke': { outcome: 'skipped', outputs: {} } })).toEqual([
      'init-smoke did not run',
      'smoke-test passed=undefined (expected true)',
    ]);
  });

  it('fails the change when the load loop saw a failure or never reached the new image', () => {
    const steps = {
      'change-build': ok({ built: 'true', image: NEW }),
      'change-deploy': ok({ deployed: 'true' }),
      'change-smoke': ok({ passed: 'true' }),
    };
    const good = { sent: 100, failed: 0, byImage: { [OLD]: 60, [NEW]: 40 }, failures: [] };
    expect(phaseProblems('change', steps, { load: good })).toEqual([]);
    expect(
      phaseProblems('change', steps, {
        load: { sent: 100, failed: 1, byImage: { [OLD]: 99 }, failures: ['HTTP 502'] },
      }),
    ).toEqual([
      '1 failed requests during the shift (HTTP 502)',
      'the load loop never got an answer from the new image',
    ]);
  });

  it('fails a no-op that built or deployed', () => {
    const steps = { 'noop-build': ok({ built: 'false', image: NEW }), 'noop-deploy': ok({ deployed: 'false' }) };
    expect(phaseProblems('noop', steps)).toEqual([]);
    expect(
      phaseProblems('noop', { ...steps, 'noop-deploy': ok({ deployed: 'true', 'task-definition-changed': 'true' }) }),
    ).toEqual(['deploy-bluegreen deployed=true (expected false)', 'deploy-bluegreen registered a task definition']);
  });

  it('wants the broken deploy to fail (continue-on-error keeps its outcome) with production on the change image', () => {
    const steps = {
      'change-build': ok({ built: 'true', image: OLD }),
      'broken-build': ok({ built: 'true', image: NEW }),
      'broken-deploy': { outcome: 'failure', conclusion: 'success', outputs: { 'deployment-id': 'd-1' } },
    };
    const load = { sent: 50, failed: 0, byImage: { [OLD]: 50 }, failures: [] };
    const after = Array.from({ length: 20 }, () => ({ status: 200, image: OLD }));
    expect(phaseProblems('broken', steps, { load, after })).toEqual([]);
    expect(phaseProblems('broken', { ...steps, 'broken-deploy': ok({ deployed: 'true' }) }, { load, after })).toEqual([
      'deploy-bluegreen succeeded with an image whose /health answers 500 (deployed=true)',
    ]);
    expect(phaseProblems('broken', steps, { load: { ...load, byImage: { [OLD]: 45, [NEW]: 5 } }, after: [] })).toEqual([
      'no request checked production after the failure',
      '5 production requests reached the broken image',
    ]);
  });
});
