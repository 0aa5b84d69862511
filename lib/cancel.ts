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

export type PollResult<T> = { done: true; value: T } | { done: false; value?: undefined };

/** When the wait ends: an absolute time on the clock, or a time from the start of the wait. */
export type PollDeadline = { deadline: number; timeoutMs?: never } | { timeoutMs: number; deadline?: never };

/**
 * What happens when a look that was not done finds the deadline passed: `onDeadline` returns the
 * wait's value or throws its own error; without it, poll throws a TimeoutError naming `what`.
 */
export type PollAtDeadline<D> =
  { onDeadline: () => D | Promise<D>; what?: never } | { what: string; onDeadline?: never };

export type PollOptions<T, D = never> = PollDeadline &
  PollAtDeadline<D> & {
    /**
     * One look; `{ done: true, value }` ends the wait, and so does an exception. It gets the signal
     * its calls should take: `signal`, bounded by `perCallMs` when that is set.
     */
    check: (signal: AbortSignal | undefined) => Promise<PollResult<T>>;
    intervalMs: number;
    /** Optional: grows the interval after each sleep (e.g. capped backoff). */
    nextIntervalMs?: (previousMs: number, attempt: number) => number;
    /** Wakes every sleep at once, and is checked before each look (CancelledError). */
    signal?: AbortSignal;
    clock?: Clock;
    /**
     * Bounds each look in the clock's time: its signal aborts after this many ms, or, with
     * 'untilDeadline', after what is left of the wait (at least 1 ms), so a slow or retried call
     * cannot overrun it. A check that must tell its bound from a cancel looks at which signal aborted.
     */
    perCallMs?: number | 'untilDeadline';
    /** Before each sleep, with its length: e.g. to log what the last look saw and when the next one comes. */
    onWait?: (waitMs: number, attempt: number) => void;
  };

/**
 * Looks with `check` until it is done, the deadline passes (`onDeadline`, by default TimeoutError)
 * or the signal aborts (CancelledError). The first look comes at once; after that one every
 * `intervalMs` of the clock's time, the last sleep shortened so the wait never overruns its
 * deadline. Every polling loop of the actions goes through here.
 */
export async function poll<T, D = never>(opts: PollOptions<T, D>): Promise<T | D> {
  const clock = opts.clock ?? systemClock;
  const started = clock.now();
  const deadline = opts.deadline ?? started + opts.timeoutMs!;
  let interval = opts.intervalMs;
  for (let attempt = 1; ; attempt++) {
    throwIfCancelled(opts.signal);
    const result = await opts.check(lookSignal(opts, deadline - clock.now(), clock));
    if (result.done) return result.value;
    const left = deadline - clock.now();
    if (left <= 0) {
      if (opts.onDeadline) return opts.onDeadline();
      const waited = Math.round((opts.timeoutMs ?? deadline - started) / 1000);
      throw new TimeoutError(`Timed out after ${waited} s waiting for ${opts.what}`);
    }
    const wait = Math.min(interval, left);
    opts.onWait?.(wait, attempt);
    await clock.sleep(wait, opts.signal);
    if (opts.nextIntervalMs) interval = opts.nextIntervalMs(interval, attempt);
  }
}

function lookSignal(
  opts: Pick<PollOptions<unknown>, 'signal' | 'perCallMs'>,
  left: number,
  clock: Clock,
): AbortSignal | undefined {
  if (opts.perCallMs === undefined) return opts.signal;
  const bound = opts.perCallMs === 'untilDeadline' ? Math.max(1, left) : opts.perCallMs;
  return withTimeout(opts.signal, bound, clock);
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
