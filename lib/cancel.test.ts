import { EventEmitter } from 'node:events';
import { CancelledError, TimeoutError } from './errors.js';
import { onTermination, poll, sleep, type Clock } from './cancel.js';

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
