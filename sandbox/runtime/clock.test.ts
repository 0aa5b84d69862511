import { createClock } from './clock.js';

describe('createClock', () => {
  it('divides AWS durations by the scale', async () => {
    const clock = createClock(100);
    expect(clock.scale).toBe(100);
    expect(clock.toRealMs(60_000)).toBe(600);
    const started = Date.now();
    await clock.sleep(10_000);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1000);
  });

  it('gives real wall-clock timestamps', () => {
    const clock = createClock(60);
    expect(Math.abs(clock.now().getTime() - Date.now())).toBeLessThan(50);
  });

  it('rejects a sleep when its signal aborts, at once', async () => {
    const clock = createClock(1);
    const controller = new AbortController();
    const started = Date.now();
    const sleeping = clock.sleep(60_000, controller.signal);
    setTimeout(() => controller.abort(new Error('stopped by test')), 20);
    await expect(sleeping).rejects.toThrow('stopped by test');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('rejects at once when the signal already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(createClock(1).sleep(1000, controller.signal)).rejects.toThrow();
  });

  it('refuses a scale that is not positive', () => {
    expect(() => createClock(0)).toThrow(/positive/);
    expect(() => createClock(Number.NaN)).toThrow(/positive/);
  });
});
