// The bundled smoke-test (dist/index.js) run as a process, as the runner runs it, against real
// local HTTP servers started here. Timeouts are small so the whole file takes seconds.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runAction } from '../../../testing/run-action.js';
import { expectGoldenSummary } from '../../../testing/golden-summary.js';

const servers: Server[] = [];

async function listen(server: Server, port = 0): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return (server.address() as AddressInfo).port;
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  return `http://127.0.0.1:${await listen(createServer(handler))}`;
}

/** A port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  servers.pop();
  await new Promise((r) => probe.close(r));
  return port;
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const NEW = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:' + '1'.repeat(64);
const OLD = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:' + '0'.repeat(64);

test('a service that comes up late passes once it answers: refused, then 503, then the new image', async () => {
  const port = await freePort();
  const startedAt = Date.now();
  let served = 0;
  // Nothing listens for 600 ms; then the server answers 503 for a while before it is ready.
  const late = setTimeout(() => {
    void listen(
      createServer((_req, res) => {
        served++;
        if (Date.now() - startedAt < 1100) return json(res, 503, { error: 'starting' });
        json(res, 200, { imageUri: NEW, hostname: `task-${served % 2}` });
      }),
      port,
    );
  }, 600);
  const run = await runAction('smoke-test', {
    inputs: {
      url: `http://127.0.0.1:${port}`,
      'expect-json': `imageUri=${NEW}`,
      'timeout-seconds': '10',
      requests: '12',
      concurrency: '3',
    },
    killAfterMs: 20_000,
  });
  clearTimeout(late);
  expect(run.errors).toEqual([]);
  expect(run.code).toBe(0);
  expect(run.outputs.passed).toBe('true');
  expect(run.outputs.status).toBe('200');
  expect(Number(run.outputs.attempts)).toBeGreaterThan(2);
  expect(JSON.parse(run.outputs.hosts!)).toEqual(['task-0', 'task-1']);
  expect(Number(run.outputs['p50-ms'])).toBeGreaterThan(0);
  expect(Number(run.outputs['p95-ms'])).toBeGreaterThanOrEqual(Number(run.outputs['p50-ms']));
  expect(Number(run.outputs['requests-per-second'])).toBeGreaterThan(0);
  expect(run.stdout).toMatch(
    /Attempt 1: connection refused by 127\.0\.0\.1:\d+ \(nothing is listening there yet\); retrying in 0\.3 s/,
  );
  expect(run.stdout).toMatch(
    /Attempt \d+: 503: status: expected 200, got 503; imageUri: expected "[^"]+", but the field is missing; retrying in/,
  );
  expect(run.stdout).toContain('12 requests at concurrency 3: 12 met the expectations');
  expect(run.summary).toMatch(
    /^### smoke-test: GET http:\/\/127\.0\.0\.1:\d+\/host\n\n✅ passed 2\/2 checks; 12\/12 requests met them/,
  );
  expect(run.summary).toContain('| imageUri | ✅ |');
  expect(run.summary).toContain('- `task-0`');
  expectGoldenSummary('smoke-test/success', run.summary);
});

test('a service still serving the old image fails, naming both images', async () => {
  const url = await serve((_req, res) => json(res, 200, { imageUri: OLD, hostname: 'old-task' }));
  const run = await runAction('smoke-test', {
    inputs: { url, 'expect-json': `imageUri=${NEW}`, 'timeout-seconds': '1' },
    killAfterMs: 20_000,
  });
  expect(run.code).toBe(1);
  expect(run.outputs.passed).toBe('false');
  expect(run.errors).toHaveLength(1);
  const message = run.errors[0]!;
  expect(message).toContain(`No response from GET ${url}/host met the expectations within 1 s`);
  expect(message).toContain(`imageUri: expected "${NEW}", got "${OLD}"`);
  expect(message).toContain('Response: status 200');
  expect(message).toContain(`"imageUri":"${OLD}"`);
  expect(run.outputs.hosts).toBe('["old-task"]');
  // The verdict names the broken expectation, digests shortened and the differing part in bold.
  expect(run.summary.split('\n')[2]).toMatch(
    /^❌ failed: imageUri expected …\S*\*\*[0-9a-f]+\*\*…, got …\S*\*\*[0-9a-f]+\*\*…$/,
  );
  expect(run.summary).not.toContain('Attempts to first success');
  expect(run.summary).toMatch(/No response met the expectations in \d+ attempts?\./);
  expectGoldenSummary('smoke-test/failure', run.summary);
});

test('a service that answers 500 to some requests fails the N-request phase', async () => {
  let n = 0;
  const url = await serve((_req, res) => {
    n++;
    if (n > 1 && n % 5 === 0) return json(res, 500, { error: 'database unavailable' });
    json(res, 200, { imageUri: NEW, hostname: 'h1' });
  });
  const run = await runAction('smoke-test', {
    inputs: { url, 'expect-json': `imageUri=${NEW}`, requests: '20', concurrency: '4', 'timeout-seconds': '5' },
    killAfterMs: 20_000,
  });
  expect(run.code).toBe(1);
  expect(run.outputs.attempts).toBe('1');
  expect(run.outputs.passed).toBe('false');
  const message = run.errors[0]!;
  expect(message).toMatch(
    /^Smoke test failed\. 4 of 20 requests to GET http:\/\/127\.0\.0\.1:\d+\/host did not meet the expectations/,
  );
  expect(message).toContain('4 × status: expected 200, got 500');
  // The 500's JSON body has no imageUri either.
  expect(message).toContain(`4 × imageUri: expected "${NEW}", but the field is missing`);
  expect(message).toContain('{"error":"database unavailable"}');
  expect(run.summary).toContain('| status | ❌ | 200 | 200**, 500** |');
});

test('max-p95-ms fails a slow server', async () => {
  const url = await serve((_req, res) => setTimeout(() => json(res, 200, { hostname: 'slow' }), 80));
  const run = await runAction('smoke-test', {
    inputs: { url, requests: '8', concurrency: '4', 'max-p95-ms': '30' },
    killAfterMs: 20_000,
  });
  expect(run.code).toBe(1);
  expect(Number(run.outputs['p95-ms'])).toBeGreaterThanOrEqual(80);
  expect(run.errors[0]).toMatch(/^Smoke test failed\. p95 latency \d+(\.\d)? ms is above max-p95-ms 30 \(p50 \d/);
  expect(run.summary).toMatch(/\| p95 latency \| ❌ \| \*\*≤ 30\*\* ms \| \*\*\d+(\.\d)?\*\* ms \|/);
});

test('a redirect is reported, not followed, unless follow-redirects is true', async () => {
  const url = await serve((req, res) => {
    if (req.url === '/host') {
      res.writeHead(308, { location: '/v2/host' });
      return res.end();
    }
    json(res, 200, { imageUri: NEW, hostname: 'h' });
  });
  const refused = await runAction('smoke-test', { inputs: { url, 'timeout-seconds': '1' }, killAfterMs: 20_000 });
  expect(refused.code).toBe(1);
  expect(refused.outputs.status).toBe('308');
  expect(refused.errors[0]).toContain(`status: expected 200, got a redirect (308) to ${url}/v2/host, not followed`);
  expect(refused.errors[0]).toContain('set follow-redirects: true');

  const followed = await runAction('smoke-test', {
    inputs: { url, 'follow-redirects': 'true', 'expect-json': `imageUri=${NEW}`, requests: '4' },
    killAfterMs: 20_000,
  });
  expect(followed.errors).toEqual([]);
  expect(followed.outputs.passed).toBe('true');
});

test('connection refused until the timeout gives a clear message', async () => {
  const port = await freePort();
  const run = await runAction('smoke-test', {
    inputs: { url: `http://127.0.0.1:${port}/`, 'timeout-seconds': '1' },
    killAfterMs: 20_000,
  });
  expect(run.code).toBe(1);
  expect(run.durationMs).toBeLessThan(5000);
  expect(run.errors).toEqual([
    `Smoke test failed. No response from GET http://127.0.0.1:${port}/host met the expectations within 1 s (${run.outputs.attempts} attempts).\n` +
      'Expected: status 200.\n' +
      `Last attempt: connection refused by 127.0.0.1:${port} (nothing is listening there yet).`,
  ]);
  expect(run.outputs).toMatchObject({ passed: 'false', status: '', hosts: '[]' });
  expect(Number(run.outputs.attempts)).toBeGreaterThanOrEqual(3);
});

test('SIGTERM while waiting stops at once as cancelled', async () => {
  const port = await freePort();
  const run = await runAction('smoke-test', {
    inputs: { url: `http://127.0.0.1:${port}`, 'timeout-seconds': '60' },
    onStart: (child) => setTimeout(() => child.kill('SIGTERM'), 700),
    killAfterMs: 20_000,
  });
  expect(run.code).toBe(1);
  expect(run.durationMs).toBeLessThan(5000);
  expect(run.errors).toEqual(['Cancelled: received SIGTERM']);
});
