// The two phases of the HTTP checks with a scripted client and a clock whose sleeps pass at once:
// what is retried and for how long, what is counted, and what the messages say.
import { instantClock } from '../clock.test-helpers.js';
import { CancelledError } from '../errors.js';
import { MemoryLogger } from '../log.js';
import { runHttpChecks, type HttpCheckSpec } from './checks.js';
import { HttpRequestError, type HttpGet, type HttpResponse } from './client.js';

type Answer = Omit<HttpResponse, 'url' | 'headers'> & { headers?: HttpResponse['headers'] };

/** A client answering `answer(n)` to the n-th request (from 1); records each request's time limit. */
function scripted(answer: (n: number) => Answer | Error): HttpGet & { timeouts: number[] } {
  const timeouts: number[] = [];
  let n = 0;
  const get = async (url: URL, options: { timeoutMs: number }) => {
    timeouts.push(options.timeoutMs);
    const a = answer(++n);
    if (a instanceof Error) throw a;
    return { headers: {}, ...a, url: url.toString() };
  };
  return Object.assign(get, { timeouts });
}

const json = (status: number, body: unknown): Answer => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

function spec(over: Partial<HttpCheckSpec> = {}): HttpCheckSpec {
  return {
    url: 'http://app.test',
    path: '/host',
    expectStatus: 200,
    expectJson: new Map(),
    requests: 10,
    concurrency: 4,
    timeoutMs: 3000,
    requestTimeoutMs: 5000,
    followRedirects: false,
    ...over,
  };
}

async function run(s: HttpCheckSpec, http: HttpGet, over: { signal?: AbortSignal } = {}) {
  const logger = new MemoryLogger();
  const clock = instantClock();
  const result = await runHttpChecks(s, { logger, clock, http, ...over });
  return { result, logger, clock };
}

describe('runHttpChecks', () => {
  test('passes, collects every hostname, and reports counts and the checks table', async () => {
    const http = scripted((n) => json(200, { imageUri: 'img:2', hostname: `task-${n % 3}`, build: { commit: 'abc' } }));
    const { result, logger } = await run(
      spec({
        url: 'http://app.test/api/',
        path: '/host?probe=1',
        expectJson: new Map([
          ['imageUri', 'img:2'],
          ['build.commit', 'abc'],
        ]),
        requests: 30,
      }),
      http,
    );
    expect(result).toMatchObject({
      passed: true,
      url: 'http://app.test/api/host?probe=1',
      status: 200,
      attempts: 1,
      hosts: ['task-0', 'task-1', 'task-2'],
      requests: { sent: 30, passed: 30, failed: 0 },
      failures: [],
    });
    expect(result.message).toBeUndefined();
    expect(result.checks).toEqual([
      { check: 'status', expected: '200', observed: '200', passed: true },
      { check: 'imageUri', expected: 'img:2', observed: 'img:2', passed: true },
      { check: 'build.commit', expected: 'abc', observed: 'abc', passed: true },
    ]);
    expect(logger.lines).toEqual([
      expect.stringMatching(/^Attempt 1: 200 in \d+ ms from task-1: meets the expectations$/),
    ]);
  });

  test('keeps no more than `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const http: HttpGet = async (url) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return { status: 200, headers: {}, body: '{}', url: url.toString() };
    };
    const { result } = await run(spec({ requests: 24, concurrency: 3 }), http);
    expect(result.requests.sent).toBe(24);
    expect(most).toBe(3);
  });

  test('retries the old version with one line per attempt until the new one answers', async () => {
    const http = scripted((n) =>
      n <= 3
        ? json(200, { imageUri: 'img:old', hostname: 'old-task' })
        : json(200, { imageUri: 'img:new', hostname: 'new-task' }),
    );
    const { result, logger, clock } = await run(
      spec({ expectJson: new Map([['imageUri', 'img:new']]), requests: 2 }),
      http,
    );
    expect(result.passed).toBe(true);
    expect(result.attempts).toBe(4);
    // Old tasks that answered while waiting are not among the hosts that proved the new version.
    expect(result.hosts).toEqual(['new-task']);
    expect(clock.sleeps).toEqual([250, 500, 1000]);
    expect(logger.lines.slice(0, 3)).toEqual([
      'Attempt 1: 200: imageUri: expected "img:new", got "img:old"; retrying in 0.3 s',
      'Attempt 2: 200: imageUri: expected "img:new", got "img:old"; retrying in 0.5 s',
      'Attempt 3: 200: imageUri: expected "img:new", got "img:old"; retrying in 1 s',
    ]);
  });

  test('backs off to the cap, never waits past the timeout, and gives the last attempt a fair time limit', async () => {
    const http = scripted(() => json(503, { hostname: 'starting' }));
    const { result, clock } = await run(spec({ backoff: { initialMs: 250, maxMs: 1000 } }), http);
    expect(clock.sleeps).toEqual([250, 500, 1000, 1000, 250]);
    // Each request's limit is the time left, but never under 1 s.
    expect(http.timeouts).toEqual([3000, 2750, 2250, 1250, 1000, 1000]);
    expect(result.passed).toBe(false);
    expect(result.hosts).toEqual(['starting']);
    expect(result.message!.split('\n').slice(0, 3)).toEqual([
      'No response from GET http://app.test/host met the expectations within 3 s (6 attempts).',
      'Expected: status 200.',
      'Last attempt: status: expected 200, got 503.',
    ]);
  });

  test('a network failure is the last attempt; any other error is not swallowed', async () => {
    const refused = scripted(
      () => new HttpRequestError('connection refused by app.test (nothing is listening there yet)', 'refused'),
    );
    const { result } = await run(spec({ timeoutMs: 0 }), refused);
    expect(result.status).toBeUndefined();
    expect(result.message).toContain('Last attempt: connection refused by app.test (nothing is listening there yet).');
    expect(result.checks[0]!.observed).toBe('connection refused by app.test (nothing is listening there yet)');
    await expect(
      run(
        spec(),
        scripted(() => new TypeError('a bug')),
      ),
    ).rejects.toThrow('a bug');
  });

  test('a body that is not JSON is named as such when fields are expected', async () => {
    const http = scripted(() => ({
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: '<html>maintenance</html>',
    }));
    const { result } = await run(spec({ timeoutMs: 0, expectJson: new Map([['imageUri', 'x']]) }), http);
    expect(result.message).toContain(
      'body: expected JSON with imageUri, got a body that is not JSON (text/html, 24 characters)',
    );
    expect(result.message).toContain('<html>maintenance</html>');
  });

  test('a redirect that is not followed says where it points and how to follow it', async () => {
    const http = scripted(() => ({ status: 302, headers: { location: '/v2/host' }, body: '' }));
    const { result } = await run(spec({ timeoutMs: 0 }), http);
    expect(result.status).toBe(302);
    expect(result.message).toContain(
      'status: expected 200, got a redirect (302) to http://app.test/v2/host, not followed (set follow-redirects: true to follow it',
    );
  });

  test('expecting a redirect status passes on the redirect itself', async () => {
    const http = scripted(() => ({ status: 301, headers: { location: 'https://example.com/' }, body: '' }));
    const { result } = await run(spec({ expectStatus: 301, requests: 2 }), http);
    expect(result.passed).toBe(true);
  });

  test('a long body is cut at 500 characters after redaction, so a secret across the cut stays hidden', async () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const http = scripted(() => json(500, { pad: 'x'.repeat(460), jwt, tail: 'y'.repeat(100) }));
    const { result } = await run(spec({ timeoutMs: 0 }), http);
    expect(result.message).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    expect(result.message).toContain('[REDACTED JWT]');
    const excerpt = result.message!.split('secrets redacted): ')[1]!;
    expect(excerpt.length).toBe(501);
    expect(excerpt.endsWith('…')).toBe(true);
  });

  test('phase 2 failures are counted per cause and the first failing body is quoted, redacted', async () => {
    const http = scripted((n) =>
      n > 1 && n % 4 === 0 ? json(500, { error: 'boom', token: 'abc123secretvalue' }) : json(200, { hostname: 'h' }),
    );
    const { result } = await run(spec({ requests: 20, concurrency: 1 }), http);
    expect(result.passed).toBe(false);
    expect(result.requests).toEqual({ sent: 20, passed: 15, failed: 5 });
    expect(result.failures).toEqual(['5 × status: expected 200, got 500']);
    expect(result.message).toContain(
      '5 of 20 requests to GET http://app.test/host did not meet the expectations (after the first success on attempt 1).',
    );
    expect(result.message).toContain('"token":"[REDACTED]"');
    expect(result.message).not.toContain('abc123secretvalue');
    expect(result.checks[0]).toEqual({ check: 'status', expected: '200', observed: '200, 500', passed: false });
  });

  test('an expect-json field that came back as something else is redacted and cut, in the message, the log and the summary', async () => {
    const http = scripted(() =>
      json(200, { health: { db: 'postgres://app:hunter2@db/app', password: 'hunter2', pad: 'z'.repeat(400) } }),
    );
    const { result, logger } = await run(spec({ timeoutMs: 0, expectJson: new Map([['health', 'ok']]) }), http);
    expect(result.passed).toBe(false);
    for (const text of [result.message!, logger.text(), JSON.stringify(result.checks)])
      expect(text).not.toContain('hunter2');
    const row = result.checks.find((c) => c.check === 'health')!;
    expect(row.observed).toContain('"password":"[REDACTED]"');
    expect(row.observed.length).toBeLessThanOrEqual(201);
  });

  test('max p95 fails slow answers and names both figures', async () => {
    const http: HttpGet = async (url) => {
      await new Promise((r) => setTimeout(r, 30));
      return { status: 200, headers: {}, body: '{}', url: url.toString() };
    };
    const { result } = await run(spec({ requests: 4, maxP95Ms: 20 }), http);
    expect(result.passed).toBe(false);
    expect(result.p95Ms).toBeGreaterThanOrEqual(29);
    expect(result.message).toMatch(
      /^p95 latency \d+(\.\d)? ms is above max-p95-ms 20 \(p50 \d+(\.\d)? ms, max \d+(\.\d)? ms over 4 requests\)\.$/,
    );
    expect(result.checks.at(-1)).toMatchObject({ check: 'p95 latency', expected: '≤ 20 ms', passed: false });
  });

  test('cancellation during a request ends the checks with CancelledError', async () => {
    const controller = new AbortController();
    const http: HttpGet = async () => {
      controller.abort(new CancelledError('received SIGTERM'));
      throw new Error('socket destroyed');
    };
    await expect(run(spec(), http, { signal: controller.signal })).rejects.toThrow('Cancelled: received SIGTERM');
  });
});
