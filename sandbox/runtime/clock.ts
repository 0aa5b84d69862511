/**
 * Sandbox time: AWS durations divided by the time scale (SANDBOX_TIME_SCALE), so a 5-minute
 * deregistration delay lasts 5 s at scale 60. Timestamps stay real wall-clock times.
 */
import type { SandboxClock } from '../contracts.js';

export function createClock(scale: number): SandboxClock {
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new Error(`The sandbox time scale must be a positive number, got ${String(scale)}`);
  }
  const toRealMs = (awsMs: number) => Math.max(0, awsMs) / scale;
  return {
    scale,
    now: () => new Date(),
    toRealMs,
    sleep(awsMs, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(abortReason(signal));
          return;
        }
        const onAbort = () => {
          clearTimeout(timer);
          reject(abortReason(signal!));
        };
        const timer = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, toRealMs(awsMs));
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('Sleep aborted');
}
