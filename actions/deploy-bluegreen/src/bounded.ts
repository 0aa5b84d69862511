/**
 * Calls that must finish inside the runner's cancel window: after SIGINT the runner sends SIGTERM
 * 7.5 s later and kills 2.5 s after that, and the SDK's adaptive retries under throttling can take
 * longer than that. Each attempt gets its own abort signal (lib/cancel.ts withTimeout).
 */
import { withTimeout } from '../../../lib/cancel.js';

/** How long one stop call may take on the cancel path before it is abandoned (and tried once more). */
export const STOP_CALL_MS = 1_500;

/** On cancel the runner kills the process 10 s after SIGINT: keep the rollback wait well inside that. */
export const CANCEL_BUDGET_MS = 5_000;
/** After a timeout or failure, how long to wait for the rollback deployment before reporting. */
export const ROLLBACK_WAIT_MS = 5 * 60_000;

/**
 * Runs `call` with a signal that aborts after `ms` (or when `parent` aborts); tries `attempts`
 * times in all while errors are not `final`. The last error is thrown.
 */
export async function callWithin<T>(
  ms: number,
  attempts: number,
  call: (signal: AbortSignal) => Promise<T>,
  final: (error: unknown) => boolean = () => false,
  parent?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(withTimeout(parent, ms));
    } catch (error) {
      if (attempt >= attempts || final(error) || parent?.aborted) throw error;
    }
  }
}
