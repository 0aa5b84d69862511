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
  const summary = new Summary();
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

export function describeFailure(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
