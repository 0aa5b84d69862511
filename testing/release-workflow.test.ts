/**
 * release.yml: only the job that publishes may write; the version check, the tests, check-dist
 * and the README tables run on the commit that is released, before it; and its scripts, run
 * with a stand-in `gh`, refuse a tag that points elsewhere and move the major tag.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actionlint, formatFindings } from './actionlint.js';
import { evaluateTemplate } from './workflow-steps.js';
import { checkWorkflow } from './workflow-rules.js';
import { loadWorkflow, type Step } from './workflows.js';

const wf = loadWorkflow('release.yml');
const verify = wf.jobs.verify!;
const release = wf.jobs.release!;
const stepNamed = (steps: Step[] | undefined, name: string): Step => {
  const step = steps?.find((s) => s.name === name);
  if (!step) throw new Error(`release.yml has no step '${name}'`);
  return step;
};

describe('release.yml', () => {
  test('passes actionlint and the security rules', async () => {
    expect(formatFindings(await actionlint(wf.text, '.github/workflows/release.yml'))).toBe('');
    expect(checkWorkflow(wf)).toEqual([]);
  });

  test('runs on a pushed vX.Y.Z tag, or by hand with the version', () => {
    const on = wf.on as {
      push: { tags: string[] };
      workflow_dispatch: { inputs: { version: { required: boolean; type: string } } };
    };
    expect(on.push.tags).toEqual(['v[0-9]+.[0-9]+.[0-9]+']);
    expect(on.workflow_dispatch.inputs.version).toMatchObject({ required: true, type: 'string' });
    expect(Object.keys(wf.on as object).sort()).toEqual(['push', 'workflow_dispatch']);
  });

  test('only the release job may write, and it checks nothing out and runs no repository code', () => {
    expect(wf.permissions).toEqual({ contents: 'read' });
    expect(verify.permissions).toEqual({ contents: 'read' });
    expect(release.permissions).toEqual({ contents: 'write' });
    expect(release.needs).toBe('verify');
    for (const step of release.steps ?? []) {
      expect(step.uses).toBeUndefined();
      expect(step.run).not.toMatch(/\bnpm\b|\bnpx\b|\bnode\b|\bgit\b /);
    }
    for (const step of verify.steps ?? []) {
      if (step.uses?.startsWith('actions/checkout@')) expect(step.with?.['persist-credentials']).toBe(false);
      if (step.uses?.startsWith('actions/setup-node@')) expect(step.with?.cache).toBeUndefined();
    }
  });

  test('checks the version first, then tests, check-dist and the README tables on the same commit', () => {
    const runs = (verify.steps ?? []).map((s) => s.run ?? s.uses ?? '');
    const at = (text: string) => runs.findIndex((r) => r.includes(text));
    expect(at('scripts/release-check.ts')).toBeGreaterThan(0);
    expect(at('scripts/release-check.ts')).toBeLessThan(at('npm test'));
    expect(at('npm test')).toBeLessThan(at('npm run check-dist'));
    expect(at('npm run docs -- --check')).toBeGreaterThan(0);
    expect(verify.outputs?.sha).toBe('${{ github.sha }}');
  });

  test('a pushed tag names itself; a manual run names the version', () => {
    const requested = String(
      stepNamed(verify.steps, 'Check the tag against package.json and CHANGELOG.md').env?.REQUESTED,
    );
    expect(evaluateTemplate(requested, { github: { event_name: 'push', ref_name: 'v1.2.0' }, inputs: {} })).toBe(
      'v1.2.0',
    );
    expect(
      evaluateTemplate(requested, {
        github: { event_name: 'workflow_dispatch', ref_name: 'main' },
        inputs: { version: '1.3.0' },
      }),
    ).toBe('1.3.0');
  });
});

/** Runs a step's script with a stand-in `gh` that logs its arguments and answers from `answers`. */
function runWithGh(step: Step, env: Record<string, string>, answers: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'release-step-'));
  try {
    const log = join(dir, 'gh.log');
    writeFileSync(log, '');
    // Each answer: a pattern of the arguments and what gh prints, or FAIL to exit 1.
    const cases = Object.entries(answers)
      .map(([pattern, answer]) => {
        // The literal parts quoted (they hold spaces), the * left to match the rest.
        const glob = pattern
          .split('*')
          .map((part) => (part ? `"${part}"` : ''))
          .join('*');
        return answer === 'FAIL' ? `  ${glob}) exit 1 ;;` : `  ${glob}) echo '${answer}'; exit 0 ;;`;
      })
      .join('\n');
    writeFileSync(
      join(dir, 'gh'),
      `#!/bin/bash\necho "$*" >> '${log}'\ncase "$*" in\n${cases}\n  *) exit 0 ;;\nesac\n`,
    );
    chmodSync(join(dir, 'gh'), 0o755);
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run ?? ''], {
      env: { PATH: `${dir}:${process.env.PATH}`, ...env },
      encoding: 'utf8',
    });
    const calls = readFileSync(log, 'utf8');
    return { code: result.status, stdout: result.stdout, log: calls, calls: calls.trim().split('\n') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("release.yml's publishing steps", () => {
  const create = stepNamed(release.steps, 'Create the release');
  const move = stepNamed(release.steps, 'Move the major tag');
  const sha = 'a'.repeat(40);
  const env = { GH_REPO: 'o/suite', TAG: 'v1.2.0', SHA: sha, NOTES: '### Added\n\n- x', MAJOR: 'v1' };

  test('creates the release at the verified commit with the CHANGELOG section as notes', () => {
    const run = runWithGh(create, env, { 'api repos/o/suite/commits/v1.2.0*': 'FAIL', 'release view*': 'FAIL' });
    expect(run.code).toBe(0);
    expect(run.log).toContain(`release create v1.2.0 --target ${sha} --title v1.2.0 --notes ### Added\n\n- x\n`);
  });

  test('refuses a tag that already points at another commit, before creating anything', () => {
    const run = runWithGh(create, env, { 'api repos/o/suite/commits/v1.2.0*': 'b'.repeat(40) });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`::error title=Tag exists::v1.2.0 already points at ${'b'.repeat(40)}, not at ${sha}`);
    expect(run.calls.some((c) => c.startsWith('release create'))).toBe(false);
  });

  test('refuses a version released already', () => {
    const run = runWithGh(create, env, { 'api repos/o/suite/commits/v1.2.0*': sha, 'release view*': '{}' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('::error title=Already released::v1.2.0 has a release already');
  });

  test('moves an existing major tag, and creates it the first time', () => {
    const moved = runWithGh(move, env, { 'api repos/o/suite/git/ref/tags/v1': '{}' });
    expect(moved.calls).toContain(`api -X PATCH repos/o/suite/git/refs/tags/v1 -f sha=${sha} -F force=true`);
    const created = runWithGh(move, env, { 'api repos/o/suite/git/ref/tags/v1': 'FAIL' });
    expect(created.calls).toContain(`api -X POST repos/o/suite/git/refs -f ref=refs/tags/v1 -f sha=${sha}`);
    expect(move.if).toBe("needs.verify.outputs.move-major == 'true'");
  });
});
