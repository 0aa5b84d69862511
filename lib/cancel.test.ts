import { EventEmitter } from 'node:events';
import { CancelledError, TimeoutError } from './errors.js';
import { onTermination, poll, sleep, systemClock, withTimeout } from './cancel.js';
import { instantClock, manualClock } from './clock.test-helpers.js';

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
    const clock = instantClock();
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
    const clock = instantClock();
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
    const clock = instantClock();
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

  test('with an absolute deadline, the last sleep is shortened to it and onDeadline gives the outcome', async () => {
    const clock = instantClock();
    const seen: string[] = [];
    const value = await poll({
      deadline: 10_000,
      intervalMs: 4000,
      clock,
      check: async () => {
        seen.push(`look at ${clock.now()}`);
        return { done: false };
      },
      onWait: (ms, attempt) => seen.push(`wait ${ms} after look ${attempt}`),
      onDeadline: () => `gave up at ${clock.now()}`,
    });
    expect(value).toBe('gave up at 10000');
    expect(seen).toEqual([
      'look at 0',
      'wait 4000 after look 1',
      'look at 4000',
      'wait 4000 after look 2',
      'look at 8000',
      'wait 2000 after look 3',
      'look at 10000',
    ]);
  });

  test("onDeadline's own error ends the wait; without onDeadline a TimeoutError names what was awaited", async () => {
    const notYet = async () => ({ done: false }) as const;
    const clock = instantClock();
    await expect(
      poll({
        deadline: 3000,
        intervalMs: 1000,
        clock,
        check: notYet,
        onDeadline: () => {
          throw new Error('the deployment is still going');
        },
      }),
    ).rejects.toThrow('the deployment is still going');
    await expect(poll({ deadline: 9000, intervalMs: 1000, clock, what: 'task t-1', check: notYet })).rejects.toThrow(
      new TimeoutError('Timed out after 6 s waiting for task t-1'),
    );
  });

  test('a cancelled signal stops the wait before its first look', async () => {
    let looks = 0;
    await expect(
      poll({
        what: 'x',
        timeoutMs: 60_000,
        intervalMs: 1000,
        clock: instantClock(),
        signal: AbortSignal.abort(new CancelledError('received SIGINT')),
        check: async () => {
          looks++;
          return { done: true, value: 'looked' };
        },
      }),
    ).rejects.toEqual(new CancelledError('received SIGINT'));
    expect(looks).toBe(0);
  });

  test("cancel wakes a sleep at once, without the clock's time moving", async () => {
    const clock = manualClock();
    const controller = new AbortController();
    let looks = 0;
    const pending = poll({
      what: 'x',
      timeoutMs: 600_000,
      intervalMs: 60_000,
      clock,
      signal: controller.signal,
      check: async () => {
        looks++;
        return { done: false };
      },
    });
    await clock.advance(0);
    controller.abort(new CancelledError('received SIGINT'));
    await expect(pending).rejects.toEqual(new CancelledError('received SIGINT'));
    expect(looks).toBe(1);
    expect(clock.now()).toBe(0);
  });

  test("perCallMs abandons a hung look after that long in the clock's time, and the next look comes", async () => {
    const clock = manualClock();
    const seen: string[] = [];
    const pending = poll({
      what: 'x',
      timeoutMs: 60_000,
      intervalMs: 1000,
      perCallMs: 5000,
      clock,
      check: async (signal) => {
        if (seen.length > 0) {
          seen.push(`answered at ${clock.now()}`);
          return { done: true, value: 'ok' };
        }
        await new Promise((resolve) => signal!.addEventListener('abort', resolve, { once: true }));
        seen.push(`abandoned at ${clock.now()}: ${(signal!.reason as Error).name}`);
        return { done: false };
      },
    });
    await clock.advance(4999);
    expect(seen).toEqual([]);
    await clock.advance(1);
    expect(seen).toEqual(['abandoned at 5000: TimeoutError']);
    await clock.advance(1000);
    await expect(pending).resolves.toBe('ok');
    expect(seen).toEqual(['abandoned at 5000: TimeoutError', 'answered at 6000']);
  });

  test("perCallMs 'untilDeadline' bounds a hung look by what is left of the wait", async () => {
    const clock = manualClock();
    let outcome: string | undefined;
    void poll<never, string>({
      timeoutMs: 2500,
      intervalMs: 1000,
      perCallMs: 'untilDeadline',
      clock,
      check: (signal) => new Promise((resolve) => signal!.addEventListener('abort', () => resolve({ done: false }))),
      onDeadline: () => `gave up at ${clock.now()}`,
    }).then((value) => (outcome = value));
    await clock.advance(2499);
    expect(outcome).toBeUndefined();
    await clock.advance(1);
    expect(outcome).toBe('gave up at 2500');
  });
});

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
    for (const clock of [instantClock(), systemClock]) {
      const signal = withTimeout(undefined, 5, clock);
      expect(signal.aborted).toBe(false);
      await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      expect((signal.reason as Error).name).toBe('TimeoutError');
    }
  });
});
