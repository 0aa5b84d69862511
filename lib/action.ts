/**
 * The frame every action's main runs in: inputs, logger, summary and a cancellation signal in;
 * outputs, one clear failure line and the job summary out. main.ts files only describe their
 * action; this is where errors become `::error::` lines and exit codes.
 */
import * as core from './workflow-commands.js';
import { AwsCallError } from './aws.js';
import { ActionFailure, CancelledError, ConfigurationError, TimeoutError } from './errors.js';
import { envInputReader, Inputs } from './inputs.js';
import { actionsLogger, type Logger } from './log.js';
import { onTermination } from './cancel.js';
import { Summary, writeSummary } from './summary.js';

export interface ActionContext {
  inputs: Inputs;
  logger: Logger;
  summary: Summary;
  /** Aborts on SIGINT/SIGTERM. */
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  setOutput(name: string, value: string | number | boolean): void;
  /** Registers a value that must never appear in the log. */
  mask(secret: string): void;
}

/** Errors whose message is complete for a user; anything else is shown with its stack in debug. */
const EXPLAINED = [ConfigurationError, AwsCallError, ActionFailure, CancelledError, TimeoutError];

export async function runAction(
  name: string,
  main: (ctx: ActionContext) => Promise<void>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const termination = onTermination();
  const summary = new Summary(name);
  const ctx: ActionContext = {
    inputs: new Inputs(envInputReader(env)),
    logger: actionsLogger,
    summary,
    signal: termination.signal,
    env,
    setOutput: (key, value) => core.setOutput(key, String(value)),
    mask: (secret) => {
      if (secret) core.setSecret(secret);
    },
  };
  try {
    await main(ctx);
  } catch (error) {
    process.exitCode = 1;
    core.setFailed(describeFailure(error));
    // Whatever failed (an input, AWS, docker, terraform), the summary says so, unless the action
    // explained the failure in its own verdict.
    if (!summary.explainsFailure()) writeFailureBlock(summary, error);
    if (!EXPLAINED.some((kind) => error instanceof kind) && error instanceof Error && error.stack) {
      core.debug(error.stack);
    }
  } finally {
    termination.dispose();
    try {
      if (!writeSummary(summary, env) && !summary.isEmpty()) {
        core.debug(`No GITHUB_STEP_SUMMARY file; the summary of ${name} was:\n${summary.toMarkdown()}`);
      }
    } catch (error) {
      core.warning(`Could not write the job summary: ${(error as Error).message}`);
    }
  }
}

/**
 * The verdict of a step that failed before its action could give one: what failed and what to
 * do, in one line; the whole message folded below.
 */
export function writeFailureBlock(summary: Summary, error: unknown): void {
  const message = describeFailure(error);
  const [first = ''] = message.split('\n');
  if (error instanceof ConfigurationError) {
    const missing = error.value === undefined || error.value === '';
    summary.verdict(
      'failure',
      missing
        ? `input \`${error.input}\` is required — set it in the workflow and re-run`
        : `input \`${error.input}\` is not accepted — fix it in the workflow and re-run`,
    );
  } else if (error instanceof CancelledError) {
    summary.verdict('cancelled', `cancelled (${error.reason}) before the step finished — re-run the job`);
  } else if (error instanceof TimeoutError) {
    summary.verdict('timeout', `timed out: ${first}`);
  } else if (error instanceof AwsCallError) {
    summary.verdict('failure', `an AWS call failed${error.code ? ` (${error.code})` : ''} — see below`);
  } else if (error instanceof ActionFailure) {
    // A tool's own error line (terraform's `Error:`, buildx's `ERROR:`) says more than our heading of it.
    const rest = message.split('\n').slice(1);
    const cause = /^(?:Error|ERROR):/.test(first)
      ? undefined
      : rest.map((line) => /^\s*(?:Error|ERROR):\s*(.+)/.exec(line)?.[1]).find(Boolean);
    const line = cause ? `${first.replace(/[:.]\s*$/, '')}: ${cause.trim()}` : first;
    summary.verdict('failure', `${line}${rest.length > 0 ? ' — details below' : ''}`);
  } else {
    summary.verdict(
      'failure',
      'unexpected error, probably a bug in the action — re-run with step debug logging and report it',
    );
  }
  summary.details('What failed', message);
}

export function describeFailure(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
