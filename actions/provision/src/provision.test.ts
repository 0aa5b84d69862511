// The provision logic with a fake terraform: which commands run, with which arguments, in which
// order, and what becomes outputs, summary and errors.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActionFailure } from '../../../lib/errors.js';
import { MemoryLogger } from '../../../lib/log.js';
import { Summary } from '../../../lib/summary.js';
import type { ProvisionConfig } from './config.js';
import { errorText, provision, type ProvisionDeps } from './provision.js';
import type { TerraformResult, TerraformRunner } from './terraform-cli.js';

type Reply = Partial<TerraformResult> | ((args: string[]) => Partial<TerraformResult>);

/** Answers each terraform subcommand from a table; records every call. */
class FakeTerraform implements TerraformRunner {
  readonly calls: string[][] = [];
  readonly varFiles: unknown[] = [];
  constructor(private readonly replies: Record<string, Reply>) {}
  run(args: string[]): Promise<TerraformResult> {
    this.calls.push(args);
    for (const a of args) {
      if (a.startsWith('-var-file=') && a.endsWith('.tfvars.json')) {
        this.varFiles.push(JSON.parse(readFileSync(a.slice('-var-file='.length), 'utf8')));
      }
    }
    const reply = this.replies[args[0]!] ?? {};
    const r = typeof reply === 'function' ? reply(args) : reply;
    return Promise.resolve({ exitCode: r.exitCode ?? 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '' });
  }
}

const planJson = (changes: [string, string[]][], outputs: Record<string, string[]> = {}) =>
  JSON.stringify({
    resource_changes: changes.map(([address, actions]) => ({
      address,
      mode: address.startsWith('data.') ? 'data' : 'managed',
      type: address.replace(/^data\./, '').split('.')[0],
      change: { actions },
    })),
    output_changes: Object.fromEntries(Object.entries(outputs).map(([k, actions]) => [k, { actions }])),
  });

let tempDir: string;
beforeEach(() => {
  tempDir = mkdtempSync(join(tmpdir(), 'provision-unit-'));
});
afterEach(() => rmSync(tempDir, { recursive: true, force: true }));

function config(over: Partial<ProvisionConfig> = {}): ProvisionConfig {
  return {
    workingDirectory: '/repo/terraform/stacks/service',
    command: 'plan',
    backendConfig: new Map([
      ['bucket', 'state-bucket'],
      ['key', 'prod/service.tfstate'],
    ]),
    variables: {},
    varFiles: [],
    lockTimeout: '300s',
    ...over,
  };
}

function deps(terraform: FakeTerraform, over: Partial<ProvisionDeps> = {}) {
  const outputs: Record<string, string> = {};
  const masked: string[] = [];
  const logger = new MemoryLogger();
  const summary = new Summary();
  const d: ProvisionDeps = {
    terraform,
    logger,
    summary,
    tempDir,
    setOutput: (k, v) => (outputs[k] = v),
    mask: (s) => masked.push(s),
    ...over,
  };
  return { d, outputs, masked, logger, summary };
}

describe('provision logic', () => {
  test('init passes each backend setting as -backend-config=key=value, and -plugin-dir when given', async () => {
    const tf = new FakeTerraform({ output: { stdout: '{}' } });
    const { d } = deps(tf, { pluginDir: '/opt/tf-plugins' });
    await provision(config({ command: 'output' }), d);
    expect(tf.calls[0]).toEqual([
      'init',
      '-input=false',
      '-no-color',
      '-backend-config=bucket=state-bucket',
      '-backend-config=key=prod/service.tfstate',
      '-plugin-dir=/opt/tf-plugins',
    ]);
    expect(tf.calls[1]).toEqual(['output', '-json']);
  });

  test('plan: saved plan, detailed exit code, lock timeout, var-files then the generated one; summary from show -json', async () => {
    const tf = new FakeTerraform({
      plan: { exitCode: 2 },
      show: {
        stdout: planJson([
          ['aws_ecs_cluster.this', ['create']],
          ['aws_lb.this', ['update']],
          ['aws_security_group.tasks', ['delete', 'create']],
          ['aws_iam_role.old', ['delete']],
          ['data.aws_region.current', ['read']],
          ['aws_vpc.this', ['no-op']],
        ]),
      },
      output: { stdout: '{}' },
    });
    const { d, outputs, summary } = deps(tf);
    await provision(
      config({ variables: { image_tag: 'abc', replicas: 3 }, varFiles: ['/repo/env/prod.tfvars'], lockTimeout: '90s' }),
      d,
    );
    const plan = tf.calls[1]!;
    const planFile = join(tempDir, 'service.tfplan');
    expect(plan).toEqual([
      'plan',
      '-input=false',
      '-no-color',
      '-detailed-exitcode',
      '-lock-timeout=90s',
      `-out=${planFile}`,
      '-var-file=/repo/env/prod.tfvars',
      `-var-file=${join(tempDir, 'service.tfvars.json')}`,
    ]);
    expect(tf.varFiles).toEqual([{ image_tag: 'abc', replicas: 3 }]);
    expect(tf.calls[2]).toEqual(['show', '-json', planFile]);
    expect(tf.calls.map((c) => c[0])).toEqual(['init', 'plan', 'show', 'output']);
    expect(outputs.changed).toBe('true');
    expect(outputs['plan-summary']).toBe('2 to add, 1 to change, 2 to destroy');
    const md = summary.toMarkdown();
    expect(md).toMatch(/^### provision: terraform plan service\n\n✅ plan: 2 to add, 1 to change, 2 to destroy\n/);
    // The resources are folded under the verdict.
    expect(md).toContain('<details><summary>Plan (4 resources)</summary>');
    // Grouped in a fixed order: add, change, replace, destroy.
    const rows = md.split('\n').filter((l) => /^\| (add|change|replace|destroy) \|/.test(l));
    expect(rows).toEqual([
      '| add | `aws_ecs_cluster.this` | aws_ecs_cluster |',
      '| change | `aws_lb.this` | aws_lb |',
      '| replace | `aws_security_group.tasks` | aws_security_group |',
      '| destroy | `aws_iam_role.old` | aws_iam_role |',
    ]);
  });

  test('no variables: no generated var file', async () => {
    const tf = new FakeTerraform({ show: { stdout: planJson([]) }, output: { stdout: '{}' } });
    const { d, outputs } = deps(tf);
    await provision(config(), d);
    expect(tf.calls[1]!.some((a) => a.startsWith('-var-file='))).toBe(false);
    expect(outputs.changed).toBe('false');
    expect(outputs['plan-summary']).toBe('0 to add, 0 to change, 0 to destroy');
  });

  test('apply: applies exactly the saved plan, without variables; nothing to apply when unchanged', async () => {
    const tf = new FakeTerraform({
      plan: { exitCode: 2 },
      show: { stdout: planJson([['aws_ecs_cluster.this', ['create']]]) },
      output: { stdout: '{}' },
    });
    const { d, summary } = deps(tf);
    const result = await provision(config({ command: 'apply', variables: { a: 'b' } }), d);
    expect(result.applied).toBe(true);
    expect(tf.calls.map((c) => c[0])).toEqual(['init', 'plan', 'show', 'apply', 'output']);
    expect(tf.calls[3]).toEqual([
      'apply',
      '-input=false',
      '-no-color',
      '-lock-timeout=300s',
      join(tempDir, 'service.tfplan'),
    ]);
    expect(summary.toMarkdown()).toContain('✅ applied: 1 to add, 0 to change, 0 to destroy');

    const quiet = new FakeTerraform({
      show: { stdout: planJson([['aws_vpc.this', ['no-op']]]) },
      output: { stdout: '{}' },
    });
    const second = await provision(config({ command: 'apply' }), deps(quiet).d);
    expect(second.applied).toBe(false);
    expect(quiet.calls.map((c) => c[0])).toEqual(['init', 'plan', 'show', 'output']);
  });

  test('an output-only change still needs an apply', async () => {
    const tf = new FakeTerraform({
      plan: { exitCode: 2 },
      show: { stdout: planJson([], { url: ['create'] }) },
      output: { stdout: '{}' },
    });
    const { d, outputs, summary } = deps(tf);
    const result = await provision(config({ command: 'apply' }), d);
    expect(result.applied).toBe(true);
    expect(outputs.changed).toBe('true');
    expect(outputs['plan-summary']).toBe('0 to add, 0 to change, 0 to destroy');
    expect(summary.toMarkdown()).toContain('outputs changing: url');
  });

  test('destroy: a destroy plan applied the same way; outputs become {}', async () => {
    const tf = new FakeTerraform({
      state: { stdout: 'aws_ecs_cluster.this\naws_ecs_service.this\n' },
      plan: { exitCode: 2 },
      show: {
        stdout: planJson([
          ['aws_ecs_cluster.this', ['delete']],
          ['aws_ecs_service.this', ['delete']],
        ]),
      },
    });
    const { d, outputs, summary } = deps(tf);
    await provision(config({ command: 'destroy', confirm: 'service', variables: { x: 1 } }), d);
    expect(tf.calls.map((c) => c[0])).toEqual(['init', 'state', 'plan', 'show', 'apply']);
    expect(tf.calls[2]).toContain('-destroy');
    expect(tf.calls[2]).toContain('-lock-timeout=300s');
    expect(outputs['plan-summary']).toBe('0 to add, 0 to change, 2 to destroy');
    expect(outputs.outputs).toBe('{}');
    expect(summary.toMarkdown()).toContain('✅ destroyed: 0 to add, 0 to change, 2 to destroy');
  });

  test('destroy of a stack with no state: no plan, so no variables are needed', async () => {
    const tf = new FakeTerraform({ state: { stdout: '\n' } });
    const { d, outputs, logger } = deps(tf);
    await provision(config({ command: 'destroy', confirm: 'service' }), d);
    expect(tf.calls.map((c) => c[0])).toEqual(['init', 'state']);
    expect(outputs.changed).toBe('false');
    expect(logger.text()).toContain('nothing to destroy');
  });

  test('outputs: each one, plus outputs as JSON; sensitive values masked before anything is set', async () => {
    const events: string[] = [];
    const tf = new FakeTerraform({
      output: {
        stdout: JSON.stringify({
          cluster_name: { value: 'prod', type: 'string', sensitive: false },
          subnets: { value: ['a', 'b'], type: ['list', 'string'], sensitive: false },
          db: { value: { user: 'admin', password: 'hunter2-long', port: 5432 }, sensitive: true },
          pin: { value: 918273, sensitive: true },
          outputs: { value: 'clash', sensitive: false },
        }),
      },
    });
    const { d, logger, summary } = deps(tf, {
      setOutput: (k, v) => events.push(`set ${k}=${v}`),
      mask: (s) => events.push(`mask ${s}`),
    });
    await provision(config({ command: 'output' }), d);
    const firstSet = events.findIndex((e) => e.startsWith('set '));
    expect(events.slice(0, firstSet).sort()).toEqual(
      // Strings inside a structure are masked one by one; its numbers are not (masking every 5432 would
      // blank the rest of the log), but a sensitive number output is masked whole.
      [
        'mask {"user":"admin","password":"hunter2-long","port":5432}',
        'mask admin',
        'mask hunter2-long',
        'mask 918273',
      ].sort(),
    );
    expect(events).toContain('set cluster_name=prod');
    expect(events).toContain('set subnets=["a","b"]');
    expect(events).toContain('set db={"user":"admin","password":"hunter2-long","port":5432}');
    expect(events).not.toContain('set outputs=clash');
    expect(events.at(-1)).toBe(
      'set outputs={"cluster_name":"prod","db":{"user":"admin","password":"hunter2-long","port":5432},"outputs":"clash","pin":918273,"subnets":["a","b"]}',
    );
    expect(logger.text()).toContain("The Terraform output 'outputs' has the name of one of this action's own outputs");
    expect(summary.toMarkdown()).toContain('| `db` | (sensitive) |');
    expect(summary.toMarkdown()).not.toContain('hunter2');
  });

  test('init failure: the tail of its output', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n');
    const tf = new FakeTerraform({
      init: { exitCode: 1, stdout: lines, stderr: 'Error: Failed to get existing workspaces: AccessDenied' },
    });
    const error = await provision(config(), deps(tf).d).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionFailure);
    const message = (error as Error).message;
    expect(message).toContain('terraform init failed in service (exit 1)');
    expect(message).toContain('Error: Failed to get existing workspaces: AccessDenied');
    expect(message).toContain('line 40');
    expect(message).not.toContain('line 10\n');
    expect(tf.calls).toHaveLength(1);
  });

  test('plan failure: the error diagnostics, not the warnings', async () => {
    const stderr = [
      '',
      'Warning: Deprecated attribute',
      '',
      '  on main.tf line 3',
      '',
      'Error: Reference to undeclared input variable',
      '',
      '  on main.tf line 9, in resource "aws_lb" "this":',
      '   9:   name = var.nme',
      '',
      'An input variable with the name "nme" has not been declared.',
    ].join('\n');
    const tf = new FakeTerraform({ plan: { exitCode: 1, stderr } });
    const error = (await provision(config({ command: 'apply' }), deps(tf).d).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      [
        'terraform plan failed (exit 1):',
        'Error: Reference to undeclared input variable',
        '',
        '  on main.tf line 9, in resource "aws_lb" "this":',
        '   9:   name = var.nme',
        '',
        'An input variable with the name "nme" has not been declared.',
      ].join('\n'),
    );
    expect(tf.calls.map((c) => c[0])).toEqual(['init', 'plan']);
  });

  test('apply failure names terraform’s error', async () => {
    const tf = new FakeTerraform({
      plan: { exitCode: 2 },
      show: { stdout: planJson([['aws_ecs_cluster.this', ['create']]]) },
      apply: { exitCode: 1, stderr: '\nError: creating ECS Cluster (prod): AccessDeniedException: not authorized\n' },
    });
    const error = (await provision(config({ command: 'apply' }), deps(tf).d).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      'terraform apply failed (exit 1):\nError: creating ECS Cluster (prod): AccessDeniedException: not authorized',
    );
  });

  test('log groups per phase', async () => {
    const tf = new FakeTerraform({
      plan: { exitCode: 2 },
      show: { stdout: planJson([['a.b', ['create']]]) },
      output: { stdout: '{}' },
    });
    const { d, logger } = deps(tf);
    await provision(config({ command: 'apply' }), d);
    expect(logger.lines.filter((l) => l.startsWith('[group]'))).toEqual([
      '[group] terraform init (service)',
      '[group] terraform plan',
      '[group] terraform apply (the saved plan)',
    ]);
  });
});

describe('errorText', () => {
  test('framed diagnostics (colour terminal layout) are unframed', () => {
    const stderr = ['╷', '│ Error: Invalid value', '│ ', '│ replicas must be at least 1.', '╵'].join('\n');
    expect(errorText({ exitCode: 1, stdout: '', stderr })).toBe('Error: Invalid value\n\nreplicas must be at least 1.');
  });

  test('no diagnostics: the last lines of the output', () => {
    expect(errorText({ exitCode: 1, stdout: 'a\nb', stderr: 'panic: boom' })).toBe('a\nb\npanic: boom');
  });
});
