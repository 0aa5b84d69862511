/**
 * smoke-test's throughput: the bundled action run as a process against a local node:http server
 * answering /host like the sample app, at concurrency 1, 4 and 16. Requests per second are
 * counted by the server (first to last request), so the action's start-up does not dilute them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runAction } from '../testing/run-action.js';
import { ms, type Row } from './measure.js';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function measureSmokeThroughput(requests: number, levels = [1, 4, 16]): Promise<Row[]> {
  let times: number[] = [];
  const server = createServer((req, res) => {
    times.push(performance.now());
    const body = JSON.stringify({ hostname: 'bench-host', imageUri: 'bench-image', path: req.url });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  const url = await listen(server);
  const rows: Row[] = [];
  try {
    let single = NaN;
    for (const concurrency of levels) {
      times = [];
      const run = await runAction('smoke-test', {
        inputs: {
          url,
          path: '/host',
          'expect-json': 'imageUri=bench-image',
          requests: String(requests),
          concurrency: String(concurrency),
        },
        killAfterMs: 120_000,
      });
      if (run.code !== 0) {
        throw new Error(`smoke-test exited ${run.code}: ${run.errors.join('; ') || run.stderr.slice(-1000)}`);
      }
      const spanMs = times.length > 1 ? times[times.length - 1]! - times[0]! : NaN;
      const rps = ((times.length - 1) / spanMs) * 1000;
      if (concurrency === 1) single = rps;
      rows.push({
        area: 'smoke-test',
        measure: `requests/s at concurrency ${concurrency} (${times.length} requests; p50 ${run.outputs['p50-ms'] ?? '?'} ms)`,
        suite: `${rps.toFixed(0)}/s`,
        baseline: concurrency === 1 ? `whole step ${ms(run.durationMs)}` : `concurrency 1: ${single.toFixed(0)}/s`,
        ratio: concurrency === 1 ? undefined : `${(rps / single).toFixed(1)}x`,
      });
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  return rows;
}
