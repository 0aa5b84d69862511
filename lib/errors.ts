/**
 * Errors the suite raises on purpose. Anything else that reaches the top of an action is a bug
 * or an AWS failure, and is reported as such.
 */

/** A user mistake in an input: names the input, the bad value and what is accepted. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  constructor(
    readonly input: string,
    readonly value: string | undefined,
    readonly accepted: string,
  ) {
    super(
      value === undefined || value === ''
        ? `Input '${input}' is required: ${accepted}`
        : `Input '${input}' has the value ${quote(value)}, which is not accepted: ${accepted}`,
    );
  }
}

/** A failure the action detected and explained itself (deployment failed, check failed, ...). */
export class ActionFailure extends Error {
  override readonly name = 'ActionFailure';
}

/** Thrown by waits when the run was cancelled (SIGINT/SIGTERM) or a caller aborted. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor(readonly reason: string = 'cancelled') {
    super(`Cancelled: ${reason}`);
  }
}

/** Thrown by bounded waits when their time runs out. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** Shows a value in an error message: JSON-quoted, and cut short when long. */
export function quote(value: string, max = 120): string {
  const shown = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(shown);
}
