// The bundled provision action run as the runner runs it, with the real terraform binary, on
// fixture stacks that use only terraform_data and a local backend (no network, no provider).
// A `terraform` shim first on PATH records every call, then execs the real binary.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAction, type ActionRun } from '../../../testing/run-action.js';
import { expectGoldenSummary } from '../../../testing/golden-summary.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

function findTerraform(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() || undefined : undefined;
}

const terraformBinary = findTerraform();
if (!terraformBinary) {
  console.warn(
    'SKIPPED: the provision tests that run the real terraform binary: no `terraform` on PATH. Install Terraform >= 1.4 to run them.',
  );
}
const withTerraform = terraformBinary ? test : test.skip;

interface Workspace {
  root: string;
  stack: string;
  shimDir: string;
  callLog: string;
}

/**
 * A workspace holding a copy of a fixture stack (named as the fixture) and the recording shim.
 * `slowToStop`: the shim runs `terraform apply` as its child and keeps the interrupts it receives
 * to itself, standing for a terraform that takes longer to stop than the runner waits.
 */
function workspace(fixture: string, options: { slowToStop?: boolean } = {}): Workspace {
  const root = mkdtempSync(join(tmpdir(), 'provision-dist-'));
  const stack = join(root, 'stacks', fixture);
  cpSync(join(fixtures, fixture), stack, { recursive: true });
  const shimDir = join(root, 'bin');
  mkdirSync(shimDir);
  const callLog = join(root, 'terraform-calls.log');
  // One line per call, arguments separated by a unit separator so spaces stay visible.
  const real = terraformBinary ?? 'terraform';
  const holdApply = options.slowToStop
    ? `if [ "$1" = apply ]; then trap 'echo shim-kept-the-interrupt' INT TERM; "${real}" "$@"; exit $?; fi\n`
    : '';
  writeFileSync(
    join(shimDir, 'terraform'),
    `#!/bin/sh\nprintf '%s\\037' "$@" >> "${callLog}"\necho >> "${callLog}"\n${holdApply}exec "${real}" "$@"\n`,
  );
  chmodSync(join(shimDir, 'terraform'), 0o755);
  return { root, stack, shimDir, callLog };
}

function calls(ws: Workspace): string[][] {
  if (!existsSync(ws.callLog)) return [];
  return readFileSync(ws.callLog, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\x1f').filter((a) => a !== ''));
}

function provision(
  ws: Workspace,
  inputs: Record<string, string>,
  extra: Partial<Parameters<typeof runAction>[1]> = {},
) {
  return runAction('provision', {
    cwd: ws.root,
    killAfterMs: 60_000,
    ...extra,
    inputs: {
      'backend-config': 'path=state/terraform.tfstate',
      'lock-timeout': '10s',
      ...inputs,
    },
    env: { PATH: `${ws.shimDir}${delimiter}${process.env.PATH ?? ''}`, ...extra.env },
  });
}

function expectSuccess(run: ActionRun): void {
  if (run.code !== 0) throw new Error(`provision failed (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
}

describe('bundled provision with real terraform on a terraform_data stack', () => {
  let ws: Workspace;
  const variables = 'greeting=hello from the var file\nreplicas=3';

  beforeAll(() => {
    ws = workspace('demo');
  });
  afterAll(() => rmSync(ws.root, { recursive: true, force: true }));

  withTerraform('plan shows the changes, from the saved plan as JSON, without touching state', async () => {
    const run = await provision(ws, { 'working-directory': 'stacks/demo', command: 'plan', variables });
    expectSuccess(run);
    expect(run.outputs.changed).toBe('true');
    expect(run.outputs['plan-summary']).toBe('3 to add, 0 to change, 0 to destroy');
    expect(run.summary).toContain('| add | `terraform_data.greeting` | terraform_data |');
    expect(run.summary).toMatch(
      /^### provision: terraform plan demo\n\n✅ plan: 3 to add, 0 to change, 0 to destroy(;[^\n]*)?\n/,
    );
    expect(run.summary).toContain('<details><summary>Plan (3 resources)</summary>');
    expectGoldenSummary('provision/plan', run.summary);
    expect(existsSync(join(ws.stack, 'state', 'terraform.tfstate'))).toBe(false);

    const [init, plan, show] = calls(ws);
    expect(init).toEqual(['init', '-input=false', '-no-color', '-backend-config=path=state/terraform.tfstate']);
    expect(plan).toEqual(expect.arrayContaining(['plan', '-detailed-exitcode', '-lock-timeout=10s']));
    expect(plan?.find((a) => a.startsWith('-out='))).toBeDefined();
    // Values travel in a generated JSON var file, never on the command line.
    expect(plan?.find((a) => a.startsWith('-var-file=') && a.endsWith('.tfvars.json'))).toBeDefined();
    expect(calls(ws).flat().join(' ')).not.toContain('hello from the var file');
    expect(show?.slice(0, 2)).toEqual(['show', '-json']);
  });

  withTerraform(
    'apply applies the saved plan; outputs become action outputs; the sensitive one is masked',
    async () => {
      writeFileSync(ws.callLog, '');
      const run = await provision(ws, { 'working-directory': 'stacks/demo', command: 'apply', variables });
      expectSuccess(run);
      expect(run.outputs.changed).toBe('true');
      expect(run.outputs['plan-summary']).toBe('3 to add, 0 to change, 0 to destroy');
      expect(existsSync(join(ws.stack, 'state', 'terraform.tfstate'))).toBe(true);

      const recorded = calls(ws);
      const plan = recorded.find((c) => c[0] === 'plan');
      const apply = recorded.find((c) => c[0] === 'apply');
      const planFile = plan?.find((a) => a.startsWith('-out='))?.slice('-out='.length);
      // apply takes exactly the saved plan: no variables, no re-plan.
      expect(apply).toEqual(['apply', '-input=false', '-no-color', '-lock-timeout=10s', planFile]);

      expect(run.outputs.greeting).toBe('hello from the var file');
      expect(run.outputs.replicas).toBe('3');
      expect(JSON.parse(run.outputs.settings ?? '')).toEqual({ revision: 'revision r1', replicas: 3 });
      const secret = 'tok-9f8e7d6c5b4a-sensitive';
      expect(run.outputs.api_token).toBe(secret);
      expect(JSON.parse(run.outputs.outputs ?? '')).toEqual({
        api_token: secret,
        greeting: 'hello from the var file',
        replicas: 3,
        settings: { revision: 'revision r1', replicas: 3 },
      });
      // Registered with the runner, and the only place the value appears in the log.
      const maskAt = run.stdout.indexOf(`::add-mask::${secret}`);
      expect(maskAt).toBeGreaterThanOrEqual(0);
      expect(run.stdout.split(secret)).toHaveLength(2);
      expect(run.summary).toContain('| `api_token` | (sensitive) |');
      expect(run.summary).not.toContain(secret);
    },
  );

  withTerraform('a second plan with the same variables reports changed=false', async () => {
    const run = await provision(ws, { 'working-directory': 'stacks/demo', command: 'plan', variables });
    expectSuccess(run);
    expect(run.outputs.changed).toBe('false');
    expect(run.outputs['plan-summary']).toBe('0 to add, 0 to change, 0 to destroy');
    expect(run.summary).toMatch(/^### provision: terraform plan demo\n\n➖ no changes\n/);
  });

  withTerraform('an in-place change and a replacement are counted as terraform counts them', async () => {
    const run = await provision(ws, {
      'working-directory': 'stacks/demo',
      command: 'plan',
      variables: JSON.stringify({ greeting: 'changed', replicas: 3, revision: 'r2' }),
    });
    expectSuccess(run);
    expect(run.outputs['plan-summary']).toBe('1 to add, 1 to change, 1 to destroy');
    expect(run.summary).toContain('| change | `terraform_data.greeting` |');
    expect(run.summary).toContain('| replace | `terraform_data.revision` |');
  });

  withTerraform('output reads the state: every output, no plan', async () => {
    writeFileSync(ws.callLog, '');
    const run = await provision(ws, { 'working-directory': 'stacks/demo', command: 'output' });
    expectSuccess(run);
    expect(run.outputs.greeting).toBe('hello from the var file');
    expect(run.outputs.changed).toBeUndefined();
    expect(calls(ws).map((c) => c[0])).toEqual(['init', 'output']);
  });

  withTerraform('a failing plan ends with terraform’s error lines', async () => {
    const run = await provision(ws, {
      'working-directory': 'stacks/demo',
      command: 'plan',
      variables: 'greeting=x\nreplicas=0',
    });
    expect(run.code).toBe(1);
    expect(run.errors[0]).toContain('terraform plan failed (exit 1)');
    expect(run.errors[0]).toContain('replicas must be at least 1.');
    expect(run.summary).toMatch(
      /^### provision: terraform plan demo\n\n❌ terraform plan failed \(exit 1\): .+ — details below\n/,
    );
    expect(run.summary).toContain('replicas must be at least 1.');
    expectGoldenSummary('provision/validation-error', run.summary);
  });

  withTerraform('destroy with a wrong confirm is refused before any terraform call', async () => {
    writeFileSync(ws.callLog, '');
    const run = await provision(ws, { 'working-directory': 'stacks/demo', command: 'destroy', confirm: 'prod' });
    expect(run.code).toBe(1);
    expect(run.errors[0]).toContain("Input 'confirm'");
    expect(run.errors[0]).toContain("'demo'");
    expect(calls(ws)).toEqual([]);
    expect(existsSync(join(ws.stack, 'state', 'terraform.tfstate'))).toBe(true);
    expect(run.summary).toMatch(
      /^### provision\n\n❌ input `confirm` is not accepted — fix it in the workflow and re-run\n/,
    );
    expectGoldenSummary('provision/bad-input', run.summary);
  });

  withTerraform('destroy with the stack’s name destroys everything; again, it has nothing to do', async () => {
    const run = await provision(ws, {
      'working-directory': 'stacks/demo',
      command: 'destroy',
      confirm: 'demo',
      variables,
    });
    expectSuccess(run);
    expect(run.outputs.changed).toBe('true');
    expect(run.outputs['plan-summary']).toBe('0 to add, 0 to change, 3 to destroy');
    expect(run.outputs.outputs).toBe('{}');
    const state = JSON.parse(readFileSync(join(ws.stack, 'state', 'terraform.tfstate'), 'utf8')) as {
      resources: unknown[];
    };
    expect(state.resources).toEqual([]);

    // Again, with no variables at all (as on a half-built environment): nothing to plan.
    writeFileSync(ws.callLog, '');
    const again = await provision(ws, { 'working-directory': 'stacks/demo', command: 'destroy', confirm: 'demo' });
    expectSuccess(again);
    expect(again.outputs.changed).toBe('false');
    expect(calls(ws).map((c) => c[0])).toEqual(['init', 'state']);
  });
});

describe('bundled provision: cancellation reaches terraform', () => {
  withTerraform('SIGTERM during apply is forwarded; terraform stops and releases the state lock', async () => {
    const ws = workspace('slow');
    try {
      let child: ChildProcess | undefined;
      let sent = false;
      const run = await provision(
        ws,
        { 'working-directory': 'stacks/slow', command: 'apply' },
        {
          onStart: (c) => (child = c),
          onStdout: (text) => {
            if (!sent && text.includes('slow-provisioner-started')) {
              sent = true;
              child?.kill('SIGTERM');
            }
          },
        },
      );
      expect(sent).toBe(true);
      expect(run.code).toBe(1);
      // Well before the provisioner's 60 s sleep ends.
      expect(run.durationMs).toBeLessThan(40_000);
      expect(run.stdout).toContain('sending SIGTERM to terraform');
      expect(run.stdout).toMatch(/Interrupt received|Stopping operation/);
      expect(run.errors[0]).toMatch(/^Cancelled: received SIGTERM; terraform apply was interrupted/);
      // Not the clean plan: how far the apply got.
      expect(run.summary).toMatch(
        /^### provision: terraform apply slow\n\n⚠️ interrupted after \d of \d changes — run plan to see what is left\n/,
      );
      expectGoldenSummary('provision/apply-interrupted', run.summary);
      // The lock is released: no lock file, and a plan that may not wait for a lock succeeds.
      expect(existsSync(join(ws.stack, 'state', '.terraform.tfstate.lock.info'))).toBe(false);
      const after = await provision(ws, { 'working-directory': 'stacks/slow', command: 'plan', 'lock-timeout': '0s' });
      expectSuccess(after);
      // The quick resource was saved before the interrupt; the slow one is still to do (tainted or new).
      expect(after.outputs.changed).toBe('true');
    } finally {
      rmSync(ws.root, { recursive: true, force: true });
    }
  });
});

describe('bundled provision: a cancelled apply that does not stop in time', () => {
  withTerraform(
    'names the lock left behind and commands that release it, in the log and the summary, before the kill',
    async () => {
      const ws = workspace('slow', { slowToStop: true });
      let terraformGroup: number | undefined;
      try {
        let child: ChildProcess | undefined;
        let sentAt = 0;
        let warnedAfterMs: number | undefined;
        const run = await provision(
          ws,
          { 'working-directory': 'stacks/slow', command: 'apply' },
          {
            onStart: (c) => (child = c),
            onStdout: (text) => {
              if (!sentAt && text.includes('slow-provisioner-started')) {
                sentAt = Date.now();
                child?.kill('SIGINT');
              }
              if (sentAt && warnedAfterMs === undefined && text.includes('force-unlock')) {
                warnedAfterMs = Date.now() - sentAt;
                // The runner's kill of the whole tree (the shim leads terraform's process group).
                const ps = spawnSync('ps', ['-o', 'pid=', '--ppid', String(child?.pid)], { encoding: 'utf8' });
                terraformGroup = Number(ps.stdout.trim().split(/\s+/)[0]);
                if (terraformGroup) process.kill(-terraformGroup, 'SIGKILL');
                child?.kill('SIGKILL');
              }
            },
          },
        );
        expect(sentAt).toBeGreaterThan(0);
        // Said while terraform still ran, before the runner's SIGTERM (7.5 s) and kill (10 s).
        expect(warnedAfterMs).toBeDefined();
        expect(warnedAfterMs!).toBeGreaterThanOrEqual(4_500);
        expect(warnedAfterMs!).toBeLessThan(7_500);
        expect(run.signal).toBe('SIGKILL');
        expect(run.stdout).toContain('::warning::terraform apply in slow had not stopped');
        const init = 'terraform -chdir=stacks/slow init -input=false -backend-config=path=state/terraform.tfstate';
        const unlock = 'terraform -chdir=stacks/slow force-unlock <LOCK_ID>';
        expect(run.stdout).toContain(init);
        expect(run.stdout).toContain(unlock);
        // Written to the summary at once: the killed action never reached its end.
        expect(run.summary).toContain('may leave the state lock of the backend configured in stacks/slow behind');
        expect(run.summary).toContain(`${init}\n${unlock}`);

        // Terraform was killed holding the lock: its lock info stays. The printed commands are ones
        // terraform accepts as they stand (-force only skips the prompt); the local backend's OS
        // file lock died with the process, so it answers "not locked" where S3 would unlock.
        const lockFile = join(ws.stack, 'state', '.terraform.tfstate.lock.info');
        expect(existsSync(lockFile)).toBe(true);
        const { ID } = JSON.parse(readFileSync(lockFile, 'utf8')) as { ID: string };
        const sh = (command: string) =>
          spawnSync('sh', ['-c', command], {
            cwd: ws.root,
            encoding: 'utf8',
            env: { ...process.env, TF_IN_AUTOMATION: '1' },
          });
        expect(sh(init).status).toBe(0);
        const released = sh(unlock.replace('force-unlock <LOCK_ID>', `force-unlock -force ${ID}`));
        expect(`${released.stdout}${released.stderr}`).toMatch(/successfully unlocked|LocalState not locked/);
        const after = await provision(ws, {
          'working-directory': 'stacks/slow',
          command: 'plan',
          'lock-timeout': '0s',
        });
        expectSuccess(after);
      } finally {
        rmSync(ws.root, { recursive: true, force: true });
      }
    },
  );
});

describe('bundled provision without terraform', () => {
  test('says how to install terraform', async () => {
    const root = mkdtempSync(join(tmpdir(), 'provision-notf-'));
    try {
      mkdirSync(join(root, 'stack'));
      const run = await runAction('provision', {
        cwd: root,
        inputs: { 'working-directory': 'stack', command: 'plan' },
        env: { PATH: join(root, 'empty-bin') },
      });
      expect(run.code).toBe(1);
      expect(run.errors[0]).toContain('terraform was not found on PATH');
      expect(run.errors[0]).toContain('hashicorp/setup-terraform');
      expect(run.errors[0]).toContain('terraform_wrapper: false');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
