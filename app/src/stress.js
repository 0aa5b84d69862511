// At most one CPU stress run per task: a second request while one runs is refused (409) rather
// than stacking load the task cannot bear.
import { Worker } from 'node:worker_threads';

export const PERCENT_RANGE = { min: 1, max: 100 };
export const SECONDS_RANGE = { min: 1, max: 600 };

/**
 * Validates the two path segments of /stress-cpu/<percent>/<seconds>.
 * @returns {{ ok: true, percent: number, seconds: number } | { ok: false, error: string }}
 */
export function parseStressParams(percentText, secondsText) {
  const percent = wholeNumber(percentText);
  const seconds = wholeNumber(secondsText);
  if (percent === undefined || percent < PERCENT_RANGE.min || percent > PERCENT_RANGE.max) {
    return {
      ok: false,
      error: `percent must be a whole number from ${PERCENT_RANGE.min} to ${PERCENT_RANGE.max}, got ${JSON.stringify(percentText)}`,
    };
  }
  if (seconds === undefined || seconds < SECONDS_RANGE.min || seconds > SECONDS_RANGE.max) {
    return {
      ok: false,
      error: `seconds must be a whole number from ${SECONDS_RANGE.min} to ${SECONDS_RANGE.max}, got ${JSON.stringify(secondsText)}`,
    };
  }
  return { ok: true, percent, seconds };
}

function wholeNumber(text) {
  return /^\d{1,6}$/.test(text) ? Number(text) : undefined;
}

export class CpuStress {
  /** @type {{ worker: Worker, percent: number, seconds: number, until: Date } | undefined} */
  #run;

  /** @param {(msg: string, fields?: Record<string, unknown>) => void} onEvent */
  constructor(onEvent = () => {}) {
    this.onEvent = onEvent;
  }

  /** The run in progress, if any. */
  current() {
    const run = this.#run;
    return run && { percent: run.percent, seconds: run.seconds, until: run.until };
  }

  /**
   * Starts a run unless one is in progress.
   * @returns {{ started: true, until: Date } | { started: false, running: { percent: number, seconds: number, until: Date } }}
   */
  start(percent, seconds) {
    const running = this.current();
    if (running) return { started: false, running };
    const worker = new Worker(new URL('./stress-worker.js', import.meta.url), { workerData: { percent, seconds } });
    const until = new Date(Date.now() + seconds * 1000);
    const run = { worker, percent, seconds, until };
    this.#run = run;
    // The worker must not keep the process alive on shutdown.
    worker.unref();
    const finish = (reason) => {
      if (this.#run === run) this.#run = undefined;
      this.onEvent('stress finished', { percent, seconds, reason });
    };
    worker.once('exit', (code) => finish(code === 0 ? 'completed' : 'stopped'));
    worker.once('error', (error) => this.onEvent('stress failed', { error: String(error) }));
    this.onEvent('stress started', { percent, seconds, until: until.toISOString() });
    return { started: true, until };
  }

  /** Ends the run in progress (on shutdown). */
  async stop() {
    const run = this.#run;
    if (run) await run.worker.terminate();
  }
}
