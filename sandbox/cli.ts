/**
 * `npm run sandbox`: starts the local AWS sandbox on SANDBOX_PORT (or a free port), prints the
 * endpoint and the environment to export, and stops cleanly (every task process and listener
 * closed) on SIGINT or SIGTERM.
 *
 * Environment: SANDBOX_PORT, SANDBOX_TIME_SCALE, SANDBOX_TASK_START_SECONDS, SANDBOX_ACCOUNT, SANDBOX_REGION,
 * SANDBOX_VERBOSE=1.
 */
import { startSandbox } from './index.js';

function numberFrom(name: string): number | undefined {
  const text = process.env[name]?.trim();
  if (!text) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`${name} must be a non-negative number, got '${text}'\n`);
    process.exit(2);
  }
  return value;
}

const sandbox = await startSandbox({
  port: numberFrom('SANDBOX_PORT'),
  timeScale: numberFrom('SANDBOX_TIME_SCALE') || undefined,
  taskStartSeconds: numberFrom('SANDBOX_TASK_START_SECONDS'),
  account: process.env.SANDBOX_ACCOUNT || undefined,
  region: process.env.SANDBOX_REGION || undefined,
  verbose: process.env.SANDBOX_VERBOSE === '1' || process.env.SANDBOX_VERBOSE === 'true',
});

const env = sandbox.clientEnv();
const lines = [
  `AWS sandbox listening on ${sandbox.endpoint} (time scale ${sandbox.clock.scale}, account ${sandbox.account}, region ${sandbox.region})`,
  `Control API: ${sandbox.endpoint}/_sandbox/ (calls, faults, state, reset, build, stack; see sandbox/README.md)`,
  '',
  'Export these to point AWS SDKs, the AWS CLI and the docker shim at it:',
  '',
  ...Object.entries(env).map(([key, value]) => `export ${key}=${shellQuote(value)}`),
  '',
  `AWS_ENDPOINT_URL=${sandbox.endpoint}`,
  '',
  'Ctrl-C stops it.',
];
process.stdout.write(`${lines.join('\n')}\n`);

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`\n${signal}: stopping the sandbox (tasks, listeners)...\n`);
  const force = setTimeout(() => {
    process.stderr.write('The sandbox did not stop within 10 s; exiting.\n');
    process.exit(1);
  }, 10_000);
  force.unref();
  try {
    await sandbox.stop();
    process.stderr.write('Sandbox stopped.\n');
    process.exit(0);
  } catch (error) {
    process.stderr.write(`Stopping the sandbox failed: ${String(error)}\n`);
    process.exit(1);
  }
}
process.on('SIGINT', (signal) => void shutdown(signal));
process.on('SIGTERM', (signal) => void shutdown(signal));
