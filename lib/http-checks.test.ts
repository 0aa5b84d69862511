// The shared HTTP checks against real local servers (started in the test), plus the pure parts:
// redaction, dotted fields, percentiles.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CancelledError } from './errors.js';
import { fieldText, percentile, redactSecrets, runHttpChecks, type HttpCheckSpec } from './http-checks.js';
import { MemoryLogger } from './log.js';

const servers: Server[] = [];

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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

function spec(url: string, over: Partial<HttpCheckSpec> = {}): HttpCheckSpec {
  return {
    url,
    path: '/host',
    expectStatus: 200,
    expectJson: new Map(),
    requests: 10,
    concurrency: 4,
    timeoutMs: 3000,
    requestTimeoutMs: 1000,
    followRedirects: false,
    backoff: { initialMs: 20, maxMs: 100 },
    ...over,
  };
}

describe('runHttpChecks', () => {
  test('passes, collects every hostname, and reports counts, latency and throughput', async () => {
    let n = 0;
    const url = await serve((req, res) => {
      expect(req.url).toBe('/api/host?probe=1');
      json(res, 200, { imageUri: 'img:2', hostname: `task-${n++ % 3}`, build: { commit: 'abc' } });
    });
    const logger = new MemoryLogger();
    const result = await runHttpChecks(
      spec(`${url}/api/`, {
        path: '/host?probe=1',
        expectJson: new Map([
          ['imageUri', 'img:2'],
          ['build.commit', 'abc'],
        ]),
        requests: 30,
      }),
      { logger },
    );
    expect(result.passed).toBe(true);
    expect(result.message).toBeUndefined();
    expect(result.attempts).toBe(1);
    expect(result.hosts).toEqual(['task-0', 'task-1', 'task-2']);
    expect(result.requests).toEqual({ sent: 30, passed: 30, failed: 0 });
    expect(result.status).toBe(200);
    expect(result.p50Ms).toBeGreaterThan(0);
    expect(result.p95Ms).toBeGreaterThanOrEqual(result.p50Ms!);
    expect(result.requestsPerSecond).toBeGreaterThan(0);
    expect(result.durationMs).toBeGreaterThan(0);
    expect(result.checks).toEqual([
      { check: 'status', expected: '200', observed: '200', passed: true },
      { check: 'imageUri', expected: 'img:2', observed: 'img:2', passed: true },
      { check: 'build.commit', expected: 'abc', observed: 'abc', passed: true },
    ]);
    expect(logger.lines).toHaveLength(1);
  });

  test('keeps no more than `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const url = await serve((_req, res) => {
      most = Math.max(most, ++inFlight);
      setTimeout(() => {
        inFlight--;
        json(res, 200, {});
      }, 15);
    });
    const result = await runHttpChecks(spec(url, { requests: 24, concurrency: 3 }), { logger: new MemoryLogger() });
    expect(result.passed).toBe(true);
    expect(most).toBe(3);
  });

  test('retries the old version with one line per attempt until the new one answers', async () => {
    const started = Date.now();
    const url = await serve((_req, res) =>
      Date.now() - started < 300
        ? json(res, 200, { imageUri: 'img:old', hostname: 'old-task' })
        : json(res, 200, { imageUri: 'img:new', hostname: 'new-task' }),
    );
    const logger = new MemoryLogger();
    const result = await runHttpChecks(spec(url, { expectJson: new Map([['imageUri', 'img:new']]) }), { logger });
    expect(result.passed).toBe(true);
    expect(result.attempts).toBeGreaterThan(2);
    // Old tasks that answered while waiting are not among the hosts that proved the new version.
    expect(result.hosts).toEqual(['new-task']);
    const retries = logger.lines.filter((l) => l.includes('retrying'));
    expect(retries).toHaveLength(result.attempts - 1);
    expect(retries[0]).toMatch(/^Attempt 1: 200: imageUri: expected "img:new", got "img:old"; retrying in 0\.0 s$/);
  });

  test('a body that is not JSON is named as such when fields are expected', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>maintenance</html>');
    });
    const result = await runHttpChecks(spec(url, { timeoutMs: 200, expectJson: new Map([['imageUri', 'x']]) }), {
      logger: new MemoryLogger(),
    });
    expect(result.passed).toBe(false);
    expect(result.message).toContain(
      'body: expected JSON with imageUri, got a body that is not JSON (text/html, 24 characters)',
    );
    expect(result.message).toContain('<html>maintenance</html>');
  });

  test('a missing field says so', async () => {
    const url = await serve((_req, res) => json(res, 200, { other: 1 }));
    const result = await runHttpChecks(spec(url, { timeoutMs: 100, expectJson: new Map([['imageUri', 'x']]) }), {
      logger: new MemoryLogger(),
    });
    expect(result.message).toContain('imageUri: expected "x", but the field is missing');
  });

  test('a request that gets no answer times out with a plain message', async () => {
    const url = await serve(() => {
      /* never answers */
    });
    const result = await runHttpChecks(spec(url, { timeoutMs: 300, requestTimeoutMs: 1000 }), {
      logger: new MemoryLogger(),
    });
    expect(result.passed).toBe(false);
    expect(result.message).toContain('Last attempt: no complete response within 1 s (request timeout)');
  });

  test('TLS failures are named as TLS errors', async () => {
    const url = await serve((_req, res) => json(res, 200, {}));
    const result = await runHttpChecks(spec(url.replace('http:', 'https:'), { timeoutMs: 100 }), {
      logger: new MemoryLogger(),
    });
    expect(result.message).toMatch(/Last attempt: TLS error talking to 127\.0\.0\.1:\d+: .*/);
  });

  test('DNS failures are named as DNS failures', async () => {
    const result = await runHttpChecks(spec('http://no-such-host.invalid', { timeoutMs: 100 }), {
      logger: new MemoryLogger(),
    });
    expect(result.message).toMatch(
      /Last attempt: DNS lookup of no-such-host\.invalid failed \((ENOTFOUND|EAI_AGAIN)\)/,
    );
  });

  test('redirects are reported, not followed, unless asked; then they are followed', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/host') {
        res.writeHead(302, { location: '/v2/host' });
        return res.end();
      }
      json(res, 200, { hostname: 'final' });
    });
    const refused = await runHttpChecks(spec(url, { timeoutMs: 100 }), { logger: new MemoryLogger() });
    expect(refused.passed).toBe(false);
    expect(refused.status).toBe(302);
    expect(refused.message).toContain(`status: expected 200, got a redirect (302) to ${url}/v2/host, not followed`);
    const followed = await runHttpChecks(spec(url, { followRedirects: true, requests: 3 }), {
      logger: new MemoryLogger(),
    });
    expect(followed.passed).toBe(true);
    expect(followed.hosts).toEqual(['final']);
  });

  test('a redirect loop ends after 5 hops', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(301, { location: '/host' });
      res.end();
    });
    const result = await runHttpChecks(spec(url, { followRedirects: true, timeoutMs: 100 }), {
      logger: new MemoryLogger(),
    });
    expect(result.message).toContain('more than 5 redirects, the last to /host');
  });

  test('a malformed Location header is reported as sent, followed or not', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(302, { location: 'http://[bad' });
      res.end();
    });
    const shown = await runHttpChecks(spec(url, { timeoutMs: 100 }), { logger: new MemoryLogger() });
    expect(shown.message).toContain('got a redirect (302) to http://[bad, not followed');
    const followed = await runHttpChecks(spec(url, { followRedirects: true, timeoutMs: 100 }), {
      logger: new MemoryLogger(),
    });
    expect(followed.message).toContain('Last attempt: redirected to "http://[bad", which is not a valid URL');
  });

  test('a long body is cut at 500 characters after redaction, so a secret across the cut stays hidden', async () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const url = await serve((_req, res) => json(res, 500, { pad: 'x'.repeat(460), jwt, tail: 'y'.repeat(100) }));
    const result = await runHttpChecks(spec(url, { timeoutMs: 100 }), { logger: new MemoryLogger() });
    expect(result.message).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    expect(result.message).toContain('[REDACTED JWT]');
    const excerpt = result.message!.split('secrets redacted): ')[1]!;
    expect(excerpt.length).toBe(501);
    expect(excerpt.endsWith('…')).toBe(true);
  });

  test('expecting a redirect status passes on the redirect itself', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(301, { location: 'https://example.com/' });
      res.end();
    });
    const result = await runHttpChecks(spec(url, { expectStatus: 301, requests: 2 }), { logger: new MemoryLogger() });
    expect(result.passed).toBe(true);
  });

  test('phase 2 failures are counted per cause and the first failing body is quoted, redacted', async () => {
    let n = 0;
    const url = await serve((_req, res) => {
      n++;
      if (n > 1 && n % 4 === 0) return json(res, 500, { error: 'boom', token: 'abc123secretvalue' });
      json(res, 200, { hostname: 'h' });
    });
    const result = await runHttpChecks(spec(url, { requests: 20, concurrency: 1 }), { logger: new MemoryLogger() });
    expect(result.passed).toBe(false);
    expect(result.requests).toEqual({ sent: 20, passed: 15, failed: 5 });
    expect(result.failures).toEqual(['5 × status: expected 200, got 500']);
    expect(result.message).toContain('5 of 20 requests to GET');
    expect(result.message).toContain('"token":"[REDACTED]"');
    expect(result.message).not.toContain('abc123secretvalue');
    expect(result.checks[0]).toEqual({ check: 'status', expected: '200', observed: '200, 500', passed: false });
  });

  test('an expect-json field that came back as something else is redacted and cut, in the message and the summary', async () => {
    const url = await serve((_req, res) =>
      json(res, 200, { health: { db: 'postgres://app:hunter2@db/app', password: 'hunter2', pad: 'z'.repeat(400) } }),
    );
    const logger = new MemoryLogger();
    const result = await runHttpChecks(spec(url, { timeoutMs: 100, expectJson: new Map([['health', 'ok']]) }), {
      logger,
    });
    expect(result.passed).toBe(false);
    for (const text of [result.message!, logger.text(), JSON.stringify(result.checks)]) {
      expect(text).not.toContain('hunter2');
    }
    const row = result.checks.find((c) => c.check === 'health')!;
    expect(row.observed).toContain('"password":"[REDACTED]"');
    expect(row.observed.length).toBeLessThanOrEqual(201);
  });

  test('max p95 fails a slow server and names both figures', async () => {
    const url = await serve((_req, res) => setTimeout(() => json(res, 200, {}), 60));
    const result = await runHttpChecks(spec(url, { requests: 8, maxP95Ms: 20 }), { logger: new MemoryLogger() });
    expect(result.passed).toBe(false);
    expect(result.p95Ms).toBeGreaterThanOrEqual(60);
    expect(result.message).toMatch(/^p95 latency \d+(\.\d)? ms is above max-p95-ms 20 \(p50/);
    expect(result.checks.at(-1)).toMatchObject({ check: 'p95 latency', expected: '≤ 20 ms', passed: false });
  });

  test('cancellation ends the wait with CancelledError', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new CancelledError('received SIGTERM')), 100);
    await expect(
      runHttpChecks(spec('http://127.0.0.1:1', { timeoutMs: 60_000 }), {
        logger: new MemoryLogger(),
        signal: controller.signal,
      }),
    ).rejects.toThrow('Cancelled: received SIGTERM');
  });
});

describe('redactSecrets', () => {
  test.each([
    ['Authorization: Bearer abc.def-ghi_jkl', 'Authorization: Bearer [REDACTED]'],
    ['{"authorization":"Basic dXNlcjpwYXNz"}', '{"authorization":"Basic [REDACTED]"}'],
    ['{"password":"hunter2","user":"bob"}', '{"password":"[REDACTED]","user":"bob"}'],
    ['api_key=s3cr3tvalue&x=1', 'api_key="[REDACTED]"&x=1'],
    ['key AKIAIOSFODNN7EXAMPLE here', 'key [REDACTED AWS KEY] here'],
    ['secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end', 'secret [REDACTED] end'],
    [
      'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U x',
      'jwt [REDACTED JWT] x',
    ],
    ['hex 0123456789abcdef0123456789abcdef01 end', 'hex [REDACTED] end'],
    ['db postgres://app:hunter2@db.internal/app ok', 'db postgres://app:[REDACTED]@db.internal/app ok'],
  ])('%s', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  test('keeps what identifies a deployment: digests, image names, hostnames, times', () => {
    const body = JSON.stringify({
      message: 'Request handled by backend at 2026-01-01T00:00:00.000Z',
      imageUri: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-service/backend-api@sha256:${'ab12'.repeat(16)}`,
      tagged: `registry.example.com/team/app:${'0f'.repeat(20)}`,
      fingerprintTag: `app:fp-${'3f2a'.repeat(8)}`,
      hostname: 'ip-10-0-12-34.eu-west-1.compute.internal',
    });
    expect(redactSecrets(body)).toBe(body);
  });
});

test('fieldText reads dotted paths and shows non-strings as JSON', () => {
  const doc = { a: { b: 'x', n: 3, list: [1, { c: true }] }, empty: null };
  expect(fieldText(doc, 'a.b')).toBe('x');
  expect(fieldText(doc, 'a.n')).toBe('3');
  expect(fieldText(doc, 'a.list.1.c')).toBe('true');
  expect(fieldText(doc, 'empty')).toBe('null');
  expect(fieldText(doc, 'a.missing')).toBeUndefined();
  expect(fieldText(doc, 'a.b.c')).toBeUndefined();
  expect(fieldText('text', 'length')).toBeUndefined();
});

test('percentile is nearest-rank', () => {
  const samples = Array.from({ length: 20 }, (_, i) => i + 1);
  expect(percentile(samples, 50)).toBe(10);
  expect(percentile(samples, 95)).toBe(19);
  expect(percentile(samples, 100)).toBe(20);
  expect(percentile([7], 95)).toBe(7);
  expect(percentile([], 50)).toBeUndefined();
});
