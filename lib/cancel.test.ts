import { EventEmitter } from 'node:events';
import { CancelledError, TimeoutError } from './errors.js';
import { onTermination, poll, sleep, systemClock, withTimeout, type Clock } from './cancel.js';

/** A clock whose sleeps advance time instantly, so timeouts are tested without waiting. */
function fakeClock(): Clock & { sleeps: number[] } {
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

describe('sleep', () => {
  test('wakes at once when the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = sleep(60_000, controller.signal);
    setTimeout(() => controller.abort(new CancelledError('received SIGTERM')), 20);
    await expect(pending).rejects.toThrow('Cancelled: received SIGTERM');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('an already aborted signal rejects without waiting', async () => {
    await expect(sleep(10_000, AbortSignal.abort())).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('onTermination', () => {
  test('turns the first SIGTERM into an aborted signal naming it, and disposes its handlers', () => {
    const proc = new EventEmitter();
    const termination = onTermination(proc as unknown as NodeJS.Process);
    expect(termination.signal.aborted).toBe(false);
    proc.emit('SIGTERM', 'SIGTERM');
    proc.emit('SIGINT', 'SIGINT');
    expect(termination.signal.aborted).toBe(true);
    expect(termination.received()).toBe('SIGTERM');
    expect((termination.signal.reason as Error).message).toBe('Cancelled: received SIGTERM');
    termination.dispose();
    expect(proc.listenerCount('SIGTERM')).toBe(0);
    expect(proc.listenerCount('SIGINT')).toBe(0);
  });
});

describe('poll', () => {
  test('returns the value once the check is done', async () => {
    let calls = 0;
    const clock = fakeClock();
    const value = await poll({
      what: 'a thing',
      intervalMs: 1000,
      timeoutMs: 60_000,
      clock,
      check: async () => (++calls === 3 ? { done: true, value: 'ready' } : { done: false }),
    });
    expect(value).toBe('ready');
    expect(clock.sleeps).toEqual([1000, 1000]);
  });

  test('times out with a message naming what it waited for, never sleeping past the deadline', async () => {
    const clock = fakeClock();
    await expect(
      poll({
        what: 'deployment d-1',
        intervalMs: 4000,
        timeoutMs: 10_000,
        clock,
        check: async () => ({ done: false }),
      }),
    ).rejects.toThrow(new TimeoutError('Timed out after 10 s waiting for deployment d-1'));
    expect(clock.sleeps).toEqual([4000, 4000, 2000]);
  });

  test('grows the interval with nextIntervalMs', async () => {
    const clock = fakeClock();
    let calls = 0;
    await poll({
      what: 'x',
      intervalMs: 100,
      timeoutMs: 60_000,
      clock,
      nextIntervalMs: (ms) => Math.min(ms * 2, 500),
      check: async () => (++calls === 6 ? { done: true, value: 1 } : { done: false }),
    });
    expect(clock.sleeps).toEqual([100, 200, 400, 500, 500]);
  });

  test('stops with CancelledError when the signal aborts', async () => {
    const controller = new AbortController();
    const pending = poll({
      what: 'x',
      intervalMs: 50,
      timeoutMs: 60_000,
      signal: controller.signal,
      check: async () => ({ done: false }),
    });
    setTimeout(() => controller.abort(), 30);
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
  });
});

/** A clock whose time moves only when the test says; its timeouts fire when that time reaches them. */
function manualClock(): Clock & { advance(ms: number): Promise<void> } {
  let now = 0;
  const timers: { until: number; fire: () => void }[] = [];
  const at = (ms: number, fire: () => void) => timers.push({ until: now + ms, fire });
  return {
    now: () => now,
    sleep: (ms) => new Promise<void>((resolve) => at(ms, resolve)),
    timeout: (ms) => {
      const controller = new AbortController();
      at(ms, () => controller.abort(new TimeoutError(`Timed out after ${ms} ms`)));
      return controller.signal;
    },
    advance: async (ms) => {
      now += ms;
      for (const timer of timers.filter((t) => t.until <= now)) timer.fire();
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe('withTimeout', () => {
  test('aborts when the injected clock reaches the bound, not before, and never waits for real time', async () => {
    const clock = manualClock();
    const signal = withTimeout(undefined, 60_000, clock);
    await clock.advance(59_999);
    expect(signal.aborted).toBe(false);
    await clock.advance(1);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toEqual(new TimeoutError('Timed out after 60000 ms'));
  });

  test('a call that hangs is abandoned once the fake time passes its bound', async () => {
    const clock = manualClock();
    const hanging = (signal: AbortSignal) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    const abandoned = expect(hanging(withTimeout(new AbortController().signal, 120_000, clock))).rejects.toBeInstanceOf(
      TimeoutError,
    );
    await clock.advance(120_000);
    await abandoned;
  });

  test("the parent's abort comes first, with its own reason", async () => {
    const clock = manualClock();
    const parent = new AbortController();
    const signal = withTimeout(parent.signal, 1000, clock);
    parent.abort(new CancelledError('received SIGINT'));
    await clock.advance(5000);
    expect(signal.reason).toEqual(new CancelledError('received SIGINT'));
  });

  test('a clock without its own timeout, and the system clock, bound in real time', async () => {
    for (const clock of [fakeClock(), systemClock]) {
      const signal = withTimeout(undefined, 5, clock);
      expect(signal.aborted).toBe(false);
      await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      expect((signal.reason as Error).name).toBe('TimeoutError');
    }
  });
});
