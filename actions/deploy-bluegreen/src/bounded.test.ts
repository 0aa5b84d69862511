import { describe, expect, test } from '@jest/globals';
import { manualClock } from '../../../lib/clock.test-helpers.js';
import { CancelledError } from '../../../lib/errors.js';
import { callWithin, followStatus, type CallOptions } from './bounded.js';

/** A call that never answers: it ends only when its signal aborts, with that signal's reason. */
const hangs = (options: CallOptions) =>
  new Promise<never>((_, reject) =>
    options.abortSignal!.addEventListener('abort', () => reject(options.abortSignal!.reason as Error), {
      once: true,
    }),
  );

describe('callWithin', () => {
  test('without a bound: one attempt, with no abort signal, its error thrown as it is', async () => {
    const seen: CallOptions[] = [];
    await expect(
      callWithin(
        async (options) => {
          seen.push(options);
          throw new Error('AccessDenied');
        },
        { final: () => false },
      ),
    ).rejects.toThrow('AccessDenied');
    expect(seen).toEqual([{}]);
  });

  test("with a bound: a hung attempt is abandoned after perCallMs of the clock's time and the next one answers", async () => {
    const clock = manualClock();
    let attempts = 0;
    let answer: string | undefined;
    void callWithin((options) => (++attempts === 1 ? hangs(options) : Promise.resolve(`answered at ${clock.now()}`)), {
      bound: { perCallMs: 1500, attempts: 2 },
      clock,
    }).then((value) => (answer = value));
    await clock.advance(1499);
    expect(attempts).toBe(1);
    await clock.advance(1);
    expect(attempts).toBe(2);
    expect(answer).toBe('answered at 1500');
  });

  test('with a bound: `attempts` in all, then the last error; an error that is `final` is not tried again', async () => {
    const clock = manualClock();
    let attempts = 0;
    const failing = callWithin(
      async () => {
        attempts++;
        throw new Error(`attempt ${attempts} failed`);
      },
      { bound: { perCallMs: 1500, attempts: 3 }, clock },
    );
    await expect(failing).rejects.toThrow('attempt 3 failed');
    attempts = 0;
    const over = callWithin(
      async () => {
        attempts++;
        throw new Error('DeploymentAlreadyCompletedException');
      },
      { bound: { perCallMs: 1500, attempts: 3 }, clock, final: (error) => /AlreadyCompleted/.test(String(error)) },
    );
    await expect(over).rejects.toThrow('DeploymentAlreadyCompletedException');
    expect(attempts).toBe(1);
  });
});

describe('followStatus', () => {
  const follow = (
    clock: ReturnType<typeof manualClock>,
    read: (n: number, signal?: AbortSignal) => Promise<string | undefined>,
    signal?: AbortSignal,
  ) => {
    let n = 0;
    return followStatus({
      clock,
      signal,
      budgetMs: 3000,
      intervalMs: 1000,
      status: 'Unknown',
      read: (callSignal) => read(++n, callSignal),
      ended: (status) => status === 'Succeeded',
    });
  };

  test('a read that hangs is abandoned when the budget runs out, answering the status seen before', async () => {
    const clock = manualClock();
    let answer: string | undefined;
    void follow(clock, (n, signal) => (n === 1 ? Promise.resolve('InProgress') : hangs({ abortSignal: signal }))).then(
      (status) => (answer = status),
    );
    await clock.advance(0);
    await clock.advance(1000);
    await clock.advance(1999);
    expect(answer).toBeUndefined();
    await clock.advance(1);
    expect(answer).toBe('InProgress');
  });

  test('ends with the status that ended it, or the one before a read that answers nothing', async () => {
    const clock = manualClock();
    const statuses = ['InProgress', 'Succeeded'];
    const ended = follow(clock, async (n) => statuses[n - 1]);
    await clock.advance(0);
    await clock.advance(1000);
    await expect(ended).resolves.toBe('Succeeded');
    const nothing = follow(clock, async (n) => (n === 1 ? 'Stopped' : undefined));
    await clock.advance(0);
    await clock.advance(1000);
    await expect(nothing).resolves.toBe('Stopped');
  });

  test('a cancel during a read ends the wait with CancelledError', async () => {
    const clock = manualClock();
    const controller = new AbortController();
    const cancelled = follow(clock, (_n, signal) => hangs({ abortSignal: signal }), controller.signal);
    controller.abort(new CancelledError('received SIGINT'));
    await expect(cancelled).rejects.toEqual(new CancelledError('received SIGINT'));
  });
});
