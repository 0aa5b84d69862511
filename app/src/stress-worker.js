// Loads one CPU core at `percent` for `seconds`, in a worker thread so the server's event loop
// (and /health) stays responsive. Duty cycle: in every 100 ms slice, spin for percent ms and
// sleep for the rest (Atomics.wait blocks this thread only, without burning CPU).
import { workerData } from 'node:worker_threads';

const SLICE_MS = 100;
const { percent, seconds } = workerData;
const busyMs = (SLICE_MS * percent) / 100;
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const end = Date.now() + seconds * 1000;

while (Date.now() < end) {
  const sliceStart = Date.now();
  while (Date.now() - sliceStart < busyMs) {
    // Spin: keeping the core busy is the point.
  }
  const rest = Math.min(SLICE_MS - (Date.now() - sliceStart), end - Date.now());
  if (rest > 0) Atomics.wait(sleeper, 0, 0, rest);
}
