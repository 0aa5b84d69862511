// The terraform runner with a stand-in binary (a node script) so these run without terraform:
// streaming, silence, the install hint, and one interrupt forwarded on cancellation.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActionFailure, CancelledError } from '../../../lib/errors.js';
import { MemoryLogger } from '../../../lib/log.js';
import { cliRunner, findTerraform } from './terraform-cli.js';

let dir: string;
let fake: string;
let signalLog: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tf-cli-'));
  fake = join(dir, 'terraform');
  signalLog = join(dir, 'signals');
  // Prints its arguments; with `wait` it runs until interrupted, and like terraform it stops
  // gracefully on the first interrupt (after a moment) and would exit at once on a second.
  writeFileSync(
    fake,
    `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
console.log('args: ' + JSON.stringify(args));
console.error('to stderr');
if (args[0] === 'wait') {
  let count = 0;
  const on = (sig) => {
    count++;
    fs.appendFileSync(${JSON.stringify(signalLog)}, sig + '\\n');
    if (count === 1) { console.log('Interrupt received. Gracefully shutting down...'); setTimeout(() => process.exit(1), Number(process.env.STOP_MS || 150)); }
    else process.exit(9);
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  console.log('waiting');
  setInterval(() => {}, 1000);
} else {
  process.exit(Number(process.env.EXIT_CODE || 0));
}
`,
  );
  chmodSync(fake, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('runs with an argument array, streams lines to the log and captures both streams', async () => {
  const logger = new MemoryLogger();
  const runner = cliRunner({ binary: fake, cwd: dir, env: process.env, logger, signal: new AbortController().signal });
  const result = await runner.run(['plan', '-var-file=/tmp/a b.json', '$(rm -rf /)']);
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toBe('args: ["plan","-var-file=/tmp/a b.json","$(rm -rf /)"]\n');
  expect(result.stderr).toBe('to stderr\n');
  expect(logger.lines).toContain(`[command]${fake} plan -var-file=/tmp/a b.json $(rm -rf /)`);
  expect(logger.lines).toContain('args: ["plan","-var-file=/tmp/a b.json","$(rm -rf /)"]');
});

test('silent keeps stdout out of the log (output -json prints secrets)', async () => {
  const logger = new MemoryLogger();
  const runner = cliRunner({ binary: fake, cwd: dir, env: process.env, logger, signal: new AbortController().signal });
  const result = await runner.run(['output', '-json'], { silent: true });
  expect(result.stdout).toContain('output');
  expect(logger.text()).not.toContain('args:');
  expect(logger.text()).toContain('to stderr');
});

test('the exit code comes back as it is', async () => {
  const runner = cliRunner({
    binary: fake,
    cwd: dir,
    env: { ...process.env, EXIT_CODE: '2' },
    logger: new MemoryLogger(),
    signal: new AbortController().signal,
  });
  expect((await runner.run(['plan'])).exitCode).toBe(2);
});

test.each(['SIGINT', 'SIGTERM'] as const)(
  'on cancellation (%s) terraform gets that signal once, and the run fails as cancelled after terraform exits',
  async (sig) => {
    writeFileSync(signalLog, '');
    const logger = new MemoryLogger();
    const controller = new AbortController();
    const runner = cliRunner({ binary: fake, cwd: dir, env: process.env, logger, signal: controller.signal });
    const running = runner.run(['wait']);
    await waitFor(() => logger.lines.includes('waiting'));
    controller.abort(new CancelledError(`received ${sig}`));
    controller.signal.dispatchEvent(new Event('abort')); // a second notice must not send a second signal
    const error = (await running.catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(CancelledError);
    expect(error.message).toBe(
      `Cancelled: received ${sig}; terraform wait was interrupted and exited with 1 (it stopped before the runner killed it, so it saved its state and released the state lock; check the log above for what it had done)`,
    );
    expect(readFileSync(signalLog, 'utf8')).toBe(`${sig}\n`);
    expect(logger.text()).toContain('Interrupt received. Gracefully shutting down...');
    expect(logger.text()).toContain(`sending ${sig} to terraform`);
  },
);

test('a terraform still running after the interrupt is reported once, while it runs; a prompt stop is not', async () => {
  for (const [stopMs, expected] of [
    ['600', 1],
    ['50', 0],
  ] as const) {
    const reports: { command: string; output: string; exited: boolean }[] = [];
    const logger = new MemoryLogger();
    const controller = new AbortController();
    let exited = false;
    const runner = cliRunner({
      binary: fake,
      cwd: dir,
      env: { ...process.env, STOP_MS: stopMs },
      logger,
      signal: controller.signal,
      stillRunningAfterMs: 200,
      onStillRunning: (run) => reports.push({ ...run, exited }),
    });
    const running = runner.run(['wait']).finally(() => (exited = true));
    await waitFor(() => logger.lines.includes('waiting'));
    controller.abort(new CancelledError('received SIGINT'));
    await running.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect(reports).toHaveLength(expected);
    if (expected) {
      expect(reports[0]).toEqual({
        command: 'wait',
        output: expect.stringContaining('Interrupt received') as string,
        exited: false,
      });
    }
  }
});

test('after cancellation no new terraform command starts', async () => {
  const controller = new AbortController();
  controller.abort(new CancelledError('received SIGINT'));
  const logger = new MemoryLogger();
  const runner = cliRunner({ binary: fake, cwd: dir, env: process.env, logger, signal: controller.signal });
  await expect(runner.run(['apply'])).rejects.toThrow('not starting terraform apply: received SIGINT');
  expect(logger.lines).toEqual([]);
});

test('a binary that cannot be started says how to install terraform', async () => {
  const runner = cliRunner({
    binary: join(dir, 'missing-terraform'),
    cwd: dir,
    env: process.env,
    logger: new MemoryLogger(),
    signal: new AbortController().signal,
  });
  const error = (await runner.run(['init']).catch((e: unknown) => e)) as Error;
  expect(error).toBeInstanceOf(ActionFailure);
  expect(error.message).toContain('hashicorp/setup-terraform');
});

test('findTerraform: found on PATH, or an ActionFailure with the install hint', async () => {
  const saved = process.env.PATH;
  try {
    process.env.PATH = dir;
    expect(await findTerraform()).toBe(fake);
    process.env.PATH = join(dir, 'nowhere');
    await expect(findTerraform()).rejects.toThrow(
      /terraform was not found on PATH\. Install it .*hashicorp\/setup-terraform and `terraform_wrapper: false`/,
    );
  } finally {
    process.env.PATH = saved;
  }
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
