/**
 * The reusable workflows check the suite's actions and stacks out at the commit the called
 * workflow was loaded from, read from the job's OIDC token (job_workflow_ref, job_workflow_sha),
 * so a caller names the version once. Each test runs the "Find the suite's own commit" script as
 * the runner would, with a stand-in curl that answers a token with the given claims, then
 * evaluates the checkout steps' with: and if: against what it wrote to $GITHUB_OUTPUT.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateTemplate, stepRuns, type ExpressionContext } from './workflow-steps.js';
import { loadWorkflow, type Step } from './workflows.js';

const SUITE_SHA = '0123456789abcdef0123456789abcdef01234567';
const CALLER_SHA = 'f'.repeat(40);

const jobs: Array<[file: string, job: string, yourFiles: string]> = [
  ['reusable-init.yml', 'init', 'build'],
  ['reusable-deploy.yml', 'deploy', 'build'],
  ['reusable-destroy.yml', 'destroy', 'ingress'],
];

function stepsOf(file: string, job: string): Step[] {
  return loadWorkflow(file).jobs[job]!.steps!;
}

/** A JWT as GitHub's OIDC provider shapes it (header.payload.signature, base64url), with these claims. */
function fakeToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: 'https://token.actions.githubusercontent.com', ...claims })}.c2ln`;
}

interface Run {
  code: number | null;
  stdout: string;
  outputs: Record<string, string>;
  /** Each curl call's arguments, one line per call. */
  curl: string[];
}

/** Runs the step's script with its env: evaluated against `context`, and a stand-in curl answering `token`. */
function runSuiteStep(step: Step, context: ExpressionContext, token: string | undefined): Run {
  const dir = mkdtempSync(join(tmpdir(), 'suite-step-'));
  try {
    const log = join(dir, 'curl.log');
    const output = join(dir, 'output');
    writeFileSync(log, '');
    writeFileSync(output, '');
    writeFileSync(join(dir, 'curl'), `#!/bin/bash\necho "$*" >> '${log}'\necho '{"value":"${token ?? ''}"}'\n`);
    chmodSync(join(dir, 'curl'), 0o755);
    const env = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([name, value]) => [name, evaluateTemplate(String(value), context)]),
    );
    const runner = token
      ? {
          ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example/request?api-version=2.0',
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
        }
      : {};
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run ?? ''], {
      env: { PATH: `${dir}:${process.env.PATH}`, GITHUB_OUTPUT: output, ...runner, ...env },
      encoding: 'utf8',
    });
    const outputs = Object.fromEntries(
      readFileSync(output, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    return {
      code: result.status,
      stdout: result.stdout,
      outputs,
      curl: readFileSync(log, 'utf8').split('\n').filter(Boolean),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function callerContext(inputs: Record<string, unknown> = {}, repository = 'acme/app'): ExpressionContext {
  return {
    inputs: { environment: 'production', context: 'app', 'suite-repository': '', 'suite-ref': '', ...inputs },
    github: { repository, sha: CALLER_SHA, token: 'github-token' },
    secrets: {},
    vars: {},
    needs: {},
    steps: {},
  };
}

/** The checkout steps and the first step that reads your files, as the runner would start them. */
function afterSuiteStep(file: string, job: string, yourFiles: string, context: ExpressionContext, run: Run) {
  const steps = stepsOf(file, job);
  const withSuite = { ...context, steps: { suite: { outputs: run.outputs } } };
  const suite = steps.find((s) => s.name === 'Check out the suite')!;
  const yours = steps.find((s) => s.name?.startsWith('Check out your repository'))!;
  const reader = steps.find((s) => s.id === yourFiles)!;
  const evaluate = (step: Step) =>
    Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, evaluateTemplate(String(v), withSuite)]));
  return {
    suite: evaluate(suite),
    yours: { runs: stepRuns(yours as { if?: string }, withSuite), with: evaluate(yours) },
    reader: evaluate(reader),
  };
}

describe.each(jobs)("%s job %s checks the suite out at the called workflow's own commit", (file, job, yourFiles) => {
  const steps = stepsOf(file, job);
  const suiteStep = steps.find((s) => s.id === 'suite')!;

  test('the first step finds the commit; the suite checkout uses it', () => {
    expect(steps[0]).toBe(suiteStep);
    // Only the environment clash check (GitHub's API, no AWS) may come between.
    const checkout = steps.findIndex((s) => s.name === 'Check out the suite');
    expect(steps.slice(1, checkout).map((s) => s.name)).toEqual(
      checkout > 1 ? ['Check nothing else is running in the environment'] : [],
    );
    expect(steps[checkout]).toMatchObject({
      name: 'Check out the suite',
      with: {
        repository: '${{ steps.suite.outputs.repository }}',
        ref: '${{ steps.suite.outputs.ref }}',
        'persist-credentials': false,
      },
    });
    // The token is the job's own: the job must be allowed to request it.
    expect(loadWorkflow(file).jobs[job]!.permissions).toMatchObject({ 'id-token': 'write' });
  });

  test('called from another repository: the suite at job_workflow_sha, your repository under source/', () => {
    const context = callerContext();
    const token = fakeToken({
      repository: 'acme/app',
      job_workflow_ref: `octo/suite/.github/workflows/${file}@refs/tags/v1.0.0`,
      job_workflow_sha: SUITE_SHA,
    });
    const run = runSuiteStep(suiteStep, context, token);
    expect(run.code).toBe(0);
    expect(run.outputs).toEqual({ repository: 'octo/suite', ref: SUITE_SHA, prefix: 'source/' });
    // The token asked for has an audience of its own, and is masked in the log.
    expect(run.curl).toEqual([
      '-sSf --retry 3 -H Authorization: bearer request-token https://token.example/request?api-version=2.0&audience=fargate-bluegreen-suite',
    ]);
    expect(run.stdout).toContain(`::add-mask::${token}`);

    const rendered = afterSuiteStep(file, job, yourFiles, context, run);
    expect(rendered.suite).toMatchObject({ repository: 'octo/suite', ref: SUITE_SHA, token: 'github-token' });
    expect(rendered.yours).toEqual({ runs: true, with: { path: 'source', 'persist-credentials': 'false' } });
    if (yourFiles === 'build') expect(rendered.reader.context).toBe('source/app');
  });

  test('called from the suite itself (its own deploy.yml): one checkout, at that commit, no prefix', () => {
    const context = callerContext({}, 'octo/suite');
    const token = fakeToken({
      job_workflow_ref: `Octo/Suite/.github/workflows/${file}@refs/heads/main`,
      job_workflow_sha: SUITE_SHA,
    });
    const run = runSuiteStep(suiteStep, context, token);
    expect(run.outputs).toEqual({ repository: 'Octo/Suite', ref: SUITE_SHA, prefix: '' });
    const rendered = afterSuiteStep(file, job, yourFiles, context, run);
    expect(rendered.yours.runs).toBe(false);
    if (yourFiles === 'build') expect(rendered.reader.context).toBe('app');
  });

  test('suite-repository and suite-ref override, and then no token is requested', () => {
    const run = runSuiteStep(
      suiteStep,
      callerContext({ 'suite-repository': 'mirror/suite', 'suite-ref': 'v1.0.0' }),
      fakeToken({}),
    );
    expect(run.code).toBe(0);
    expect(run.outputs).toEqual({ repository: 'mirror/suite', ref: 'v1.0.0', prefix: 'source/' });
    expect(run.curl).toEqual([]);
  });

  test('suite-ref alone picks another commit of the same suite repository', () => {
    const token = fakeToken({
      job_workflow_ref: `octo/suite/.github/workflows/${file}@v1`,
      job_workflow_sha: SUITE_SHA,
    });
    const run = runSuiteStep(suiteStep, callerContext({ 'suite-ref': 'v1.0.1' }), token);
    expect(run.outputs).toEqual({ repository: 'octo/suite', ref: 'v1.0.1', prefix: 'source/' });
  });

  test('another suite-repository without suite-ref is refused, naming the input', () => {
    const token = fakeToken({
      job_workflow_ref: `octo/suite/.github/workflows/${file}@v1`,
      job_workflow_sha: SUITE_SHA,
    });
    const run = runSuiteStep(suiteStep, callerContext({ 'suite-repository': 'mirror/suite' }), token);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '::error title=Bad input suite-ref::suite-repository is mirror/suite, not octo/suite where this workflow comes from, so suite-ref must name the tag or commit',
    );
  });

  test('no OIDC token, or one without the workflow claims, is a clear error', () => {
    const none = runSuiteStep(suiteStep, callerContext(), undefined);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain(
      'give the calling job permissions id-token: write, or pass suite-repository and suite-ref',
    );
    const bare = runSuiteStep(suiteStep, callerContext(), fakeToken({ repository: 'acme/app' }));
    expect(bare.code).toBe(1);
    expect(bare.stdout).toContain('::error title=No workflow claims::The OIDC token has no usable job_workflow_ref');
  });
});
