/**
 * Calls and waits with a bound. Calls that must finish inside the runner's cancel window: after
 * SIGINT the runner sends SIGTERM 7.5 s later and kills 2.5 s after that, and the SDK's adaptive
 * retries under throttling can take longer than that. Each attempt gets its own abort signal
 * (lib/cancel.ts withTimeout). Waits go through lib/cancel.ts poll().
 */
import { cancelledFrom, poll, systemClock, withTimeout, type Clock } from '../../../lib/cancel.js';

/** How long one stop call may take on the cancel path before it is abandoned (and tried once more). */
export const STOP_CALL_MS = 1_500;

/** On cancel the runner kills the process 10 s after SIGINT: keep the rollback wait well inside that. */
export const CANCEL_BUDGET_MS = 5_000;
/** After a timeout or failure, how long to wait for the rollback deployment before reporting. */
export const ROLLBACK_WAIT_MS = 5 * 60_000;

/** Each attempt of a call abandoned after `perCallMs` of the clock's time; `attempts` in all. */
export interface CallBound {
  perCallMs: number;
  attempts: number;
}

/** A stop on the cancel path: abandoned after STOP_CALL_MS and tried once more, to fit the kill window. */
export const STOP_ON_CANCEL: CallBound = { perCallMs: STOP_CALL_MS, attempts: 2 };

/** The SDK's per-call options: an abort signal only when the call is bounded. */
export type CallOptions = { abortSignal?: AbortSignal };

/**
 * Runs `call` once as it is, or, with a `bound`, with a signal that aborts after `perCallMs` of
 * `clock`'s time, `attempts` times in all while the errors are not `final`. The last error is thrown.
 */
export async function callWithin<T>(
  call: (options: CallOptions) => Promise<T>,
  opts: { bound?: CallBound; clock?: Clock; final?: (error: unknown) => boolean },
): Promise<T> {
  const { bound, clock = systemClock, final = () => false } = opts;
  if (!bound) return call({});
  for (let attempt = 1; ; attempt++) {
    try {
      return await call({ abortSignal: withTimeout(undefined, bound.perCallMs, clock) });
    } catch (error) {
      if (attempt >= bound.attempts || final(error)) throw error;
    }
  }
}

/** The deployment's own wait: on the step's clock and signal, every poll-interval-seconds until timeout-minutes. */
export function untilTimeout(
  deps: { clock: Clock; signal: AbortSignal },
  plan: { deadline: number; pollIntervalMs: number },
): { clock: Clock; signal: AbortSignal; deadline: number; intervalMs: number } {
  return { clock: deps.clock, signal: deps.signal, deadline: plan.deadline, intervalMs: plan.pollIntervalMs };
}

/**
 * Reads a deployment's status until `ended` says it is over or `budgetMs` passes, and returns the
 * last status seen. Each read is bounded by what is left of the budget, so a slow or retried call
 * cannot overrun it: a read that runs out of time, or answers undefined, ends the wait with the
 * status seen before. CancelledError when `signal` aborts.
 */
export function followStatus(opts: {
  clock: Clock;
  signal: AbortSignal | undefined;
  budgetMs: number;
  intervalMs: number;
  /** The status to answer when no read tells one. */
  status: string;
  read: (callSignal: AbortSignal | undefined) => Promise<string | undefined>;
  ended: (status: string) => boolean;
}): Promise<string> {
  let status = opts.status;
  return poll({
    clock: opts.clock,
    signal: opts.signal,
    timeoutMs: opts.budgetMs,
    intervalMs: opts.intervalMs,
    perCallMs: 'untilDeadline',
    check: async (callSignal) => {
      let read: string | undefined;
      try {
        read = await opts.read(callSignal);
      } catch (error) {
        if (opts.signal?.aborted) throw cancelledFrom(opts.signal);
        if (callSignal?.aborted) return { done: true, value: status };
        throw error;
      }
      if (read === undefined) return { done: true, value: status };
      status = read;
      return opts.ended(status) ? { done: true, value: status } : { done: false };
    },
    onDeadline: () => status,
  });
}
