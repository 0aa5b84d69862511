/**
 * plan.yml sets TF_CLI_ARGS_plan=-lock=false on its job so that pull-request plans never take
 * the state lock (the plan role cannot write it). This proves the flag reaches terraform
 * through the bundled provision action: while an apply holds the lock, a plan with no time to
 * wait for it fails, and the same plan with the variable succeeds. Real terraform, a local
 * backend and terraform_data only (no network).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWorkflow } from './workflows.js';
import { repoRoot, runAction } from './run-action.js';

const terraform = spawnSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' }).stdout.trim();
if (!terraform) console.warn('SKIPPED: the plan lock test needs terraform on PATH.');
const withTerraform = terraform ? test : test.skip;

withTerraform(
  "a plan with plan.yml's TF_CLI_ARGS_plan does not need the lock an apply holds",
  async () => {
    const lockFree = loadWorkflow('plan.yml').jobs.plan!.env!.TF_CLI_ARGS_plan as string;
    expect(lockFree).toBe('-lock=false');
    const root = mkdtempSync(join(tmpdir(), 'plan-lock-'));
    cpSync(join(repoRoot, 'actions', 'provision', 'src', 'fixtures', 'slow'), join(root, 'stack'), { recursive: true });
    const provision = (
      command: string,
      env: Record<string, string> = {},
      extra: Parameters<typeof runAction>[1] = {},
    ) =>
      runAction('provision', {
        cwd: root,
        killAfterMs: 90_000,
        ...extra,
        inputs: {
          'working-directory': 'stack',
          command,
          'backend-config': 'path=state/terraform.tfstate',
          'lock-timeout': '0s',
        },
        env,
      });
    let apply: ChildProcess | undefined;
    try {
      let plans: Promise<[Awaited<ReturnType<typeof runAction>>, Awaited<ReturnType<typeof runAction>>]> | undefined;
      const applied = provision(
        'apply',
        {},
        {
          onStart: (child) => (apply = child),
          onStdout: (text) => {
            // The slow resource sleeps while the apply holds the state lock: plan now, both ways.
            if (!plans && text.includes('slow-provisioner-started')) {
              plans = Promise.all([provision('plan'), provision('plan', { TF_CLI_ARGS_plan: lockFree })]).finally(() =>
                apply?.kill('SIGTERM'),
              );
            }
          },
        },
      );
      await applied;
      expect(plans).toBeDefined();
      const [locked, unlocked] = await plans!;
      expect(locked.code).toBe(1);
      expect(`${locked.stdout}${locked.stderr}`).toMatch(/Error acquiring the state lock/);
      expect([unlocked.code, unlocked.errors]).toEqual([0, []]);
      expect(unlocked.outputs.changed).toBe('true');
    } finally {
      apply?.kill('SIGKILL');
      rmSync(root, { recursive: true, force: true });
    }
  },
  120_000,
);
