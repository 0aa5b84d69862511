import { describe, expect, test } from '@jest/globals';
import { manualClock } from '../../../lib/clock.test-helpers.js';
import { callWithin, type CallOptions } from './bounded.js';

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
