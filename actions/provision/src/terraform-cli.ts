/**
 * The one place that starts the terraform binary. Arguments are always an array (no shell, so
 * nothing a user types is interpreted), output is streamed to the log as it comes (unless a
 * call is `silent`, e.g. `output -json`, which prints sensitive values) and captured for errors.
 *
 * The child is spawned here rather than through @actions/exec because @actions/exec neither
 * exposes the child nor forwards signals: when the runner cancels the step (SIGINT, then SIGTERM
 * 7.5 s later), terraform must get ONE interrupt so it stops gracefully, writes its state and
 * releases the state lock. A second interrupt makes terraform exit at once, lock and all, so the
 * child runs in its own process group (a Ctrl-C in a terminal reaches it once, through us).
 * Terraform treats SIGINT and SIGTERM alike ("Interrupt received ... Stopping operation..."); why a
 * wrapper must forward them: https://github.com/gruntwork-io/terragrunt/issues/61
 *
 * Stopping gracefully can take longer than the runner waits: it kills the whole tree 10 s after
 * its SIGINT (SIGTERM after 7.5 s, kill 2.5 s later: `_sigintTimeout` and `_sigtermTimeout` in
 * actions/runner's src/Runner.Sdk/ProcessInvoker.cs), and a killed terraform leaves its lock. So
 * when terraform is still running `stillRunningAfterMs` after the forwarded signal, the caller is
 * told (`onStillRunning`) while there is time left to say which lock may be left behind.
 */
import { spawn } from 'node:child_process';
import { which } from '@actions/io';
import { ActionFailure, CancelledError } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/log.js';

export interface TerraformResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Do not echo stdout to the log (it may hold secrets, or is machine-readable JSON). */
  silent?: boolean;
  /** Receives each line of stdout as it comes, e.g. to count the changes an apply finished. */
  onLine?: (line: string) => void;
}

/** What the provision logic needs from the terraform CLI; tests pass a fake. */
export interface TerraformRunner {
  run(args: string[], options?: RunOptions): Promise<TerraformResult>;
}

export const INSTALL_HINT =
  'Install it in an earlier step with hashicorp/setup-terraform and `terraform_wrapper: false` ' +
  "(the wrapper replaces terraform's exit codes and output, which this action reads).";

/** Finds terraform on PATH; a clear ActionFailure when it is not installed. */
export async function findTerraform(): Promise<string> {
  const found = await which('terraform', false);
  if (!found) throw new ActionFailure(`terraform was not found on PATH. ${INSTALL_HINT}`);
  return found;
}

export interface CliRunnerOptions {
  binary: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Aborts on SIGINT/SIGTERM: forwarded to a running terraform, and no new one is started. */
  signal: AbortSignal;
  /** Called once when terraform has not exited `stillRunningAfterMs` after the forwarded signal. */
  onStillRunning?: (run: StillRunning) => void;
  /** Default 5000: before the runner's SIGTERM (7.5 s) and kill (10 s), with time to report. */
  stillRunningAfterMs?: number;
}

/** A terraform command interrupted by a cancellation that has not exited yet. */
export interface StillRunning {
  /** The subcommand, e.g. apply. */
  command: string;
  /** What it printed so far (stdout and stderr). */
  output: string;
}

export const STILL_RUNNING_AFTER_MS = 5000;

export function cliRunner(options: CliRunnerOptions): TerraformRunner {
  const { binary, cwd, logger, signal, onStillRunning } = options;
  const stillRunningAfterMs = options.stillRunningAfterMs ?? STILL_RUNNING_AFTER_MS;
  // Automation mode trims "next step" advice from terraform's output.
  const env = { ...options.env, TF_IN_AUTOMATION: '1', TF_INPUT: '0' };
  return {
    run(args, runOptions = {}) {
      if (signal.aborted) {
        return Promise.reject(new CancelledError(`not starting terraform ${args[0] ?? ''}: ${abortReason(signal)}`));
      }
      logger.info(`[command]${binary} ${args.join(' ')}`);
      return new Promise((resolve, reject) => {
        const child = spawn(binary, args, {
          cwd,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
          windowsHide: true,
        });
        let stdout = '';
        let stderr = '';
        let interrupted = false;
        let stillRunningTimer: NodeJS.Timeout | undefined;
        const echo = lineEcho((line) => {
          logger.info(line);
          runOptions.onLine?.(line);
        });
        const echoErr = lineEcho((line) => logger.info(line));
        // Decode as streams: a multi-byte character split between two pipe chunks stays whole.
        child.stdout.setEncoding('utf8');
        child.stderr.setEncoding('utf8');
        child.stdout.on('data', (text: string) => {
          stdout += text;
          if (!runOptions.silent) echo.push(text);
        });
        child.stderr.on('data', (text: string) => {
          stderr += text;
          echoErr.push(text);
        });
        const forward = () => {
          if (interrupted || child.exitCode !== null) return;
          interrupted = true;
          const sig = signalFrom(signal);
          logger.warning(`Cancelled: sending ${sig} to terraform so it stops cleanly and releases the state lock`);
          try {
            child.kill(sig);
          } catch {
            // Already gone.
          }
          if (onStillRunning) {
            stillRunningTimer = setTimeout(() => {
              if (child.exitCode === null && child.signalCode === null) {
                onStillRunning({ command: args[0] ?? '', output: `${stdout}${stderr}` });
              }
            }, stillRunningAfterMs);
          }
        };
        signal.addEventListener('abort', forward, { once: true });
        child.on('error', (error: NodeJS.ErrnoException) => {
          signal.removeEventListener('abort', forward);
          reject(
            error.code === 'ENOENT'
              ? new ActionFailure(`terraform could not be started (${binary}: not found). ${INSTALL_HINT}`)
              : error,
          );
        });
        child.on('close', (code, killedBy) => {
          signal.removeEventListener('abort', forward);
          clearTimeout(stillRunningTimer);
          if (!runOptions.silent) echo.flush();
          echoErr.flush();
          if (interrupted) {
            reject(
              new CancelledError(
                `${abortReason(signal)}; terraform ${args[0] ?? ''} was interrupted and exited with ${code ?? killedBy}` +
                  ' (it stopped before the runner killed it, so it saved its state and released the state lock; check the log above for what it had done)',
              ),
            );
            return;
          }
          resolve({ exitCode: code ?? 1, stdout, stderr });
        });
      });
    },
  };
}

/** Splits streamed text into whole lines so log lines are never cut in two. */
function lineEcho(write: (line: string) => void) {
  let pending = '';
  return {
    push(text: string) {
      pending += text;
      const lines = pending.split(/\r?\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) write(line);
    },
    flush() {
      if (pending) write(pending);
      pending = '';
    },
  };
}

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof CancelledError) return reason.reason;
  return reason instanceof Error ? reason.message : String(reason ?? 'cancelled');
}

/** The signal the action received (named in the abort reason), SIGINT when unknown. */
function signalFrom(signal: AbortSignal): NodeJS.Signals {
  return /SIGTERM/.test(abortReason(signal)) ? 'SIGTERM' : 'SIGINT';
}
