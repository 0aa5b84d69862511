/**
 * Cancellation and bounded waiting. The runner cancels a step with SIGINT, then SIGTERM 7.5 s
 * later, then kills the tree 2.5 s after that: every wait must wake on the first signal so the
 * action can clean up (e.g. stop and roll back a deployment) within those seconds.
 * https://docs.github.com/en/actions/managing-workflow-runs/canceling-a-workflow
 */
import { CancelledError, TimeoutError } from './errors.js';

/** Time as the logic sees it: real in actions, fake in unit tests. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * An AbortSignal that aborts after `ms` of this clock's time (withTimeout's bound). Optional:
   * a fake clock whose sleeps pass at once has no single right answer, so it says its own.
   */
  timeout?(ms: number): AbortSignal;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, signal),
  // Node's own timeout signal: its timer does not keep the process alive after the call it bounds.
  timeout: (ms) => AbortSignal.timeout(ms),
};

/** Resolves after `ms`, or rejects with CancelledError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(cancelledFrom(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelledFrom(signal!));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Throws CancelledError when `signal` has aborted. */
export function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw cancelledFrom(signal);
}

export function cancelledFrom(signal: AbortSignal): CancelledError {
  const reason: unknown = signal.reason;
  if (reason instanceof CancelledError) return reason;
  return new CancelledError(reason instanceof Error ? reason.message : String(reason ?? 'aborted'));
}

export interface TerminationSignal {
  /** Aborts on the first SIGINT or SIGTERM; its reason is a CancelledError naming the signal. */
  signal: AbortSignal;
  /** The signal name received, if any. */
  received(): NodeJS.Signals | undefined;
  /** Removes the handlers (the process then reacts to signals as it would by default). */
  dispose(): void;
}

/** Turns SIGINT and SIGTERM into an AbortSignal instead of an immediate exit. */
export function onTermination(
  proc: Pick<NodeJS.Process, 'on' | 'off'> = process,
  signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'],
): TerminationSignal {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handler = (sig: NodeJS.Signals) => {
    if (received) return;
    received = sig;
    controller.abort(new CancelledError(`received ${sig}`));
  };
  for (const s of signals) proc.on(s, handler);
  return {
    signal: controller.signal,
    received: () => received,
    dispose: () => {
      for (const s of signals) proc.off(s, handler);
    },
  };
}

export type PollResult<T> = { done: true; value: T } | { done: false };

export interface PollOptions<T> {
  /** One look; `{ done: true, value }` ends the wait. Exceptions end it too. */
  check: () => Promise<PollResult<T>>;
  intervalMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
  clock?: Clock;
  /** Names what is awaited, for the timeout message. */
  what: string;
  /** Optional: grows the interval after each look (e.g. capped backoff). */
  nextIntervalMs?: (previousMs: number, attempt: number) => number;
}

/**
 * Calls `check` until it is done, the timeout passes (TimeoutError) or the signal aborts
 * (CancelledError). The last sleep is shortened so the wait never overruns its timeout.
 */
export async function poll<T>(opts: PollOptions<T>): Promise<T> {
  const clock = opts.clock ?? systemClock;
  const deadline = clock.now() + opts.timeoutMs;
  let interval = opts.intervalMs;
  for (let attempt = 1; ; attempt++) {
    throwIfCancelled(opts.signal);
    const result = await opts.check();
    if (result.done) return result.value;
    const left = deadline - clock.now();
    if (left <= 0) {
      throw new TimeoutError(`Timed out after ${Math.round(opts.timeoutMs / 1000)} s waiting for ${opts.what}`);
    }
    await clock.sleep(Math.min(interval, left), opts.signal);
    if (opts.nextIntervalMs) interval = opts.nextIntervalMs(interval, attempt);
  }
}

/**
 * An AbortSignal that fires on the parent's abort or after `ms` of `clock`'s time, whichever is
 * first. A fake clock with `timeout` bounds calls in its fake time, so a test never waits for a
 * bound; a clock without it bounds them in real time.
 */
export function withTimeout(parent: AbortSignal | undefined, ms: number, clock: Clock = systemClock): AbortSignal {
  const timeout = clock.timeout ? clock.timeout(ms) : AbortSignal.timeout(ms);
  return parent ? AbortSignal.any([parent, timeout]) : timeout;
}
