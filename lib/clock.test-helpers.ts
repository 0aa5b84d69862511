/** Clocks for unit tests: waits and bounds are tested in the clock's time, never by waiting. */
import { cancelledFrom, type Clock } from './cancel.js';
import { TimeoutError } from './errors.js';

/** A clock whose sleeps pass at once, advancing its time; it records each sleep's length. */
export function instantClock(): Clock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

/**
 * A clock whose time moves only when the test says: its sleeps end and its timeouts fire when that
 * time reaches them, and a sleep wakes at once when its signal aborts.
 */
export function manualClock(): Clock & { advance(ms: number): Promise<void> } {
  let now = 0;
  let timers: { until: number; fire: () => void }[] = [];
  const at = (ms: number, fire: () => void) => timers.push({ until: now + ms, fire });
  return {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(cancelledFrom(signal));
        signal?.addEventListener('abort', () => reject(cancelledFrom(signal)), { once: true });
        at(ms, resolve);
      }),
    timeout: (ms) => {
      const controller = new AbortController();
      at(ms, () => controller.abort(new TimeoutError(`Timed out after ${ms} ms`)));
      return controller.signal;
    },
    advance: async (ms) => {
      now += ms;
      const due = timers.filter((t) => t.until <= now);
      timers = timers.filter((t) => t.until > now);
      for (const timer of due) timer.fire();
      // Lets what the fired timers woke run (and register their next timers) before the test goes on.
      await new Promise((r) => setImmediate(r));
    },
  };
}
