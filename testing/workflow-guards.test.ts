/**
 * Who may run what, proven by evaluating the real workflows with GitHub's expression evaluator
 * and running their guard scripts as the runner would: init and destroy refuse any ref but the
 * default branch before any AWS call, in their own environments and concurrency group, and stop
 * when another job runs in the environment; pull-request plans run only from this repository,
 * in environment `plan`, with the plan role and without the state lock.
 */
import { truthy } from '@actions/expressions/result';
import { evaluateExpression, evaluateTemplate, type ExpressionContext } from './workflow-steps.js';
import { runScript } from './workflow-script.js';
import { isRefGuard } from './workflow-rules.js';
import { loadWorkflows, type Job, type Step, type Workflow } from './workflows.js';

const workflows = loadWorkflows();
const byFile = (file: string): Workflow => workflows.find((w) => w.file === file)!;
const CONFIGURE_AWS = 'aws-actions/configure-aws-credentials@';

function inputDefaults(wf: Workflow): Record<string, unknown> {
  const declared =
    (wf.on as { workflow_call?: { inputs?: Record<string, { default?: unknown }> } }).workflow_call?.inputs ?? {};
  return Object.fromEntries(Object.entries(declared).map(([k, v]) => [k, v.default ?? '']));
}

/** A run of `wf` for environment production, from `ref`, in a repository whose default branch is main. */
function context(wf: Workflow, options: { ref?: string; inputs?: Record<string, unknown> } = {}): ExpressionContext {
  return {
    inputs: { ...inputDefaults(wf), environment: 'production', confirm: 'production', ...options.inputs },
    vars: {},
    github: {
      ref: options.ref ?? 'refs/heads/main',
      repository: 'octo/app',
      token: 'ghs_token',
      event: { repository: { default_branch: 'main' } },
    },
  };
}

function renderEnv(step: Step, ctx: ExpressionContext): Record<string, string> {
  return Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluateTemplate(String(v), ctx)]));
}

function needsOf(job: Job): string[] {
  return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}

/** The jobs a job waits for, transitively. */
function before(wf: Workflow, job: Job): string[] {
  return needsOf(job).flatMap((id) => [id, ...before(wf, wf.jobs[id]!)]);
}

function awsJob(wf: Workflow): [string, Job] {
  const found = Object.entries(wf.jobs).filter(([, j]) =>
    (j.steps ?? []).some((s) => s.uses?.startsWith(CONFIGURE_AWS)),
  );
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('init and destroy run only from the default branch', () => {
  // [workflow, job holding the guard, job it must come before]
  const guarded: Array<[string, string, string]> = [
    ['reusable-init.yml', 'check', 'init'],
    ['reusable-destroy.yml', 'confirm', 'destroy'],
    ['init.yml', 'default-branch', 'init'],
    ['destroy.yml', 'default-branch', 'destroy'],
  ];

  it.each(guarded)(
    '%s: job %s refuses a branch, a tag and a run without a default branch, with a clear error',
    (file, jobId) => {
      const wf = byFile(file);
      const guard = (wf.jobs[jobId]!.steps ?? []).find(isRefGuard)!;
      expect(guard).toBeDefined();
      const operation = file.includes('init') ? 'Init' : 'Destroy';
      for (const ref of ['refs/heads/feature/x', 'refs/tags/v1', 'refs/pull/7/merge']) {
        const run = runScript(guard, renderEnv(guard, context(wf, { ref })));
        expect([ref, run.code]).toEqual([ref, 1]);
        expect(run.stdout).toContain(
          `::error title=Not the default branch::${operation} runs only from the default branch (refs/heads/main), not from ${ref}`,
        );
      }
      const noDefault = renderEnv(guard, { ...context(wf), github: { ref: 'refs/heads/main', event: {} } });
      expect(runScript(guard, noDefault).code).toBe(1);
      expect(runScript(guard, renderEnv(guard, context(wf))).code).toBe(0);
    },
  );

  it.each(guarded)('%s: job %s runs before %s, and has no AWS step', (file, jobId, later) => {
    const wf = byFile(file);
    expect(before(wf, wf.jobs[later]!)).toContain(jobId);
    expect(JSON.stringify(wf.jobs[jobId])).not.toContain(CONFIGURE_AWS);
  });

  it("a called workflow compares the caller's ref with the caller's default branch (github is the caller's run)", () => {
    const wf = byFile('reusable-init.yml');
    const guard = (wf.jobs.check!.steps ?? []).find(isRefGuard)!;
    const caller = {
      ...context(wf),
      github: { ref: 'refs/heads/trunk', repository: 'other/app', event: { repository: { default_branch: 'trunk' } } },
    };
    expect(runScript(guard, renderEnv(guard, caller)).code).toBe(0);
  });
});

describe('environments, roles and concurrency by job', () => {
  const environmentOf = (file: string, inputs: Record<string, unknown> = {}) => {
    const wf = byFile(file);
    const [, job] = awsJob(wf);
    const e = job.environment as string | { name: string };
    return evaluateTemplate(typeof e === 'string' ? e : e.name, context(wf, { inputs }));
  };

  it('init runs in <environment>-infra, destroy in <environment>-destroy, deploy in <environment>, unless told otherwise', () => {
    expect(environmentOf('reusable-init.yml')).toBe('production-infra');
    expect(environmentOf('reusable-init.yml', { 'infra-environment': 'ops-prod' })).toBe('ops-prod');
    expect(environmentOf('reusable-destroy.yml')).toBe('production-destroy');
    expect(environmentOf('reusable-destroy.yml', { 'destroy-environment': 'teardown' })).toBe('teardown');
    expect(environmentOf('reusable-deploy.yml')).toBe('production');
    expect(environmentOf('plan.yml')).toBe('plan');
  });

  it.each([
    ['reusable-init.yml', 'check'],
    ['reusable-destroy.yml', 'confirm'],
  ])('%s refuses an -infra or -destroy companion picked as the environment', (file, jobId) => {
    const step = byFile(file).jobs[jobId]!.steps!.find((s) => s.id === jobId)!;
    for (const environment of ['production-infra', 'production-destroy']) {
      const run = runScript(step, { ENVIRONMENT: environment, CONFIRM: environment, THIS_REPOSITORY: 'octo/app' });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`pick the environment itself, e.g. 'production'`);
    }
  });

  it('each job assumes its own role: deploy the deploy role, init and destroy the provision role, plan the plan role', () => {
    const roles = Object.fromEntries(
      ['reusable-deploy.yml', 'reusable-init.yml', 'reusable-destroy.yml', 'plan.yml'].map((file) => {
        const [, job] = awsJob(byFile(file));
        return [file, job.steps!.find((s) => s.uses?.startsWith(CONFIGURE_AWS))!.with?.['role-to-assume']];
      }),
    );
    expect(roles).toEqual({
      'reusable-deploy.yml': '${{ vars.AWS_ROLE_ARN }}',
      'reusable-init.yml': '${{ vars.AWS_PROVISION_ROLE_ARN }}',
      'reusable-destroy.yml': '${{ vars.AWS_PROVISION_ROLE_ARN }}',
      'plan.yml': '${{ vars.AWS_PLAN_ROLE_ARN }}',
    });
  });

  it('a push cannot cancel a waiting init or destroy: they share a group that no deploy uses, and never cancel a running job', () => {
    const group = (file: string) => {
      const [, job] = awsJob(byFile(file));
      const c = job.concurrency as { group: string; 'cancel-in-progress': boolean };
      expect(c['cancel-in-progress']).toBe(false);
      return evaluateTemplate(c.group, context(byFile(file)));
    };
    expect(group('reusable-init.yml')).toBe('manual-production');
    expect(group('reusable-destroy.yml')).toBe('manual-production');
    expect(group('reusable-deploy.yml')).toBe('release-production');
  });
});

describe('a clash fails loudly, before any AWS call', () => {
  /** A gh that answers the deployments API: environment -> [deployment id, latest state][]. */
  const fakeGh = (deployments: Record<string, Array<[number, string]>>) => {
    const lines = Object.entries(deployments).flatMap(([environment, list]) => [
      `    *"deployments?environment=${environment}&"*) printf '%s\\n' ${list.map(([id]) => id).join(' ') || "''"} ;;`,
      ...list.map(([id, state]) => `    *"deployments/${id}/statuses"*) echo '${state}' ;;`),
    ]);
    return `#!/usr/bin/env bash\necho "$*" >> "\${GH_LOG:-/dev/null}"\ncase "$2" in\n${lines.join('\n')}\n    *) ;;\nesac\n`;
  };
  const clashStep = (file: string): [Step, number, Job] => {
    const [, job] = awsJob(byFile(file));
    const index = job.steps!.findIndex((s) => s.name === 'Check nothing else is running in the environment');
    return [job.steps![index]!, index, job];
  };

  it.each(['reusable-init.yml', 'reusable-destroy.yml', 'reusable-deploy.yml'])(
    '%s checks before its AWS credentials, with read access to deployments only',
    (file) => {
      const [step, index, job] = clashStep(file);
      expect(step).toBeDefined();
      expect(index).toBeLessThan(job.steps!.findIndex((s) => s.uses?.startsWith(CONFIGURE_AWS)));
      expect((job.permissions as Record<string, string>).deployments).toBe('read');
    },
  );

  it.each([
    ['reusable-init.yml', 'Init'],
    ['reusable-destroy.yml', 'Destroy'],
  ])('%s stops while a deploy of the environment is queued or running, and goes ahead after it', (file, operation) => {
    const [step] = clashStep(file);
    const env = renderEnv(step, context(byFile(file)));
    expect(env.WATCHED).toBe('production');
    for (const state of ['in_progress', 'queued']) {
      const busy = runScript(step, env, {
        tools: {
          gh: fakeGh({
            production: [
              [42, state],
              [41, 'success'],
            ],
          }),
        },
      });
      expect(busy.code).toBe(1);
      expect(busy.stdout).toContain(
        `::error title=Environment busy::A job in environment production is ${state} (deployment 42): ${operation} does not run alongside it.`,
      );
    }
    const idle = runScript(step, env, {
      tools: {
        gh: fakeGh({
          production: [
            [42, 'success'],
            [41, 'failure'],
          ],
        }),
      },
    });
    expect(idle.code).toBe(0);
    expect(runScript(step, env, { tools: { gh: fakeGh({ production: [] }) } }).code).toBe(0);
  });

  it('a deploy stops while an init or destroy of its environment runs; one waiting for approval does not hold it up', () => {
    const [step] = clashStep('reusable-deploy.yml');
    const env = renderEnv(step, context(byFile('reusable-deploy.yml')));
    expect(env.WATCHED).toBe('production-infra production-destroy');
    const destroying = runScript(step, env, {
      tools: { gh: fakeGh({ 'production-infra': [[7, 'success']], 'production-destroy': [[9, 'in_progress']] }) },
    });
    expect(destroying.code).toBe(1);
    expect(destroying.stdout).toContain('A job in environment production-destroy is in_progress (deployment 9)');
    const waiting = runScript(step, env, { tools: { gh: fakeGh({ 'production-destroy': [[9, 'waiting']] }) } });
    expect(waiting.code).toBe(0);
  });
});

describe('pull-request plans', () => {
  const wf = byFile('plan.yml');
  const [, job] = awsJob(wf);
  const runsFor = (headRepository: string) =>
    truthy(
      evaluateExpression(String(job.if), {
        github: { repository: 'octo/app', event: { pull_request: { head: { repo: { full_name: headRepository } } } } },
      }),
    );

  it('run only for branches of this repository (a fork gets no job, so no token)', () => {
    expect(runsFor('octo/app')).toBe(true);
    expect(runsFor('mallory/app')).toBe(false);
  });

  it('run in environment plan with the plan role', () => {
    expect(job.environment).toBe('plan');
    expect(job.steps!.find((s) => s.uses?.startsWith(CONFIGURE_AWS))!.with?.['role-to-assume']).toBe(
      '${{ vars.AWS_PLAN_ROLE_ARN }}',
    );
  });

  it('give every terraform plan -lock=false (testing/plan-lock.test.ts shows it reaching terraform through provision)', () => {
    expect(job.env?.TF_CLI_ARGS_plan).toBe('-lock=false');
    expect(Object.keys(wf.on as object)).toEqual(['pull_request']);
  });
});
