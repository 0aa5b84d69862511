// The HTTP client against real local servers started in the test (this file is in the integration
// project): keep-alive sockets, time limits, redirects, cancellation and the plain messages of
// network failures. One check end to end runs through it as smoke-test does.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CancelledError } from '../errors.js';
import { MemoryLogger } from '../log.js';
import { runHttpChecks } from './checks.js';
import { createNodeHttpGet, describeNetworkError, HttpRequestError, MAX_BODY_BYTES, type HttpGet } from './client.js';

const servers: Server[] = [];
const clients: { close(): void }[] = [];

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(maxSockets = 4): HttpGet {
  const created = createNodeHttpGet({ maxSockets });
  clients.push(created);
  return created.get;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const options = { timeoutMs: 1000, followRedirects: false };

/** The message of the HttpRequestError a GET rejects with. */
async function failure(get: HttpGet, url: string, over: Partial<typeof options> = {}): Promise<string> {
  const error = await get(new URL(url), { ...options, ...over }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpRequestError);
  return (error as Error).message;
}

describe('createNodeHttpGet', () => {
  test('answers status, headers, body and the URL, asking for JSON', async () => {
    const url = await serve((req, res) =>
      json(res, 201, { accept: req.headers.accept, agent: req.headers['user-agent'] }),
    );
    const response = await client()(new URL(`${url}/x?y=1`), options);
    expect(response.status).toBe(201);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body)).toEqual({
      accept: 'application/json, */*;q=0.5',
      agent: 'fargate-bluegreen-suite smoke-test',
    });
    expect(response.url).toBe(`${url}/x?y=1`);
  });

  test('keeps no more than maxSockets requests in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const url = await serve((_req, res) => {
      most = Math.max(most, ++inFlight);
      setTimeout(() => {
        inFlight--;
        json(res, 200, {});
      }, 15);
    });
    const get = client(3);
    await Promise.all(Array.from({ length: 12 }, () => get(new URL(url), options)));
    expect(most).toBe(3);
  });

  test('keeps at most MAX_BODY_BYTES of a body', async () => {
    const url = await serve((_req, res) => res.end('x'.repeat(MAX_BODY_BYTES + 70_000)));
    const response = await client()(new URL(url), options);
    expect(response.body.length).toBe(MAX_BODY_BYTES);
  });

  test('a request that gets no answer times out with a plain message', async () => {
    const url = await serve(() => {
      /* never answers */
    });
    expect(await failure(client(), url, { timeoutMs: 200 })).toBe(
      'no complete response within 0.2 s (request timeout)',
    );
  });

  test('TLS failures are named as TLS errors', async () => {
    const url = await serve((_req, res) => json(res, 200, {}));
    expect(await failure(client(), url.replace('http:', 'https:'))).toMatch(/^TLS error talking to 127\.0\.0\.1:\d+: /);
  });

  test('DNS failures are named as DNS failures', async () => {
    expect(await failure(client(), 'http://no-such-host.invalid')).toMatch(
      /^DNS lookup of no-such-host\.invalid failed \((ENOTFOUND|EAI_AGAIN)\)/,
    );
  });

  test('a refused connection says nothing listens there yet', async () => {
    expect(await failure(client(), 'http://127.0.0.1:1')).toBe(
      'connection refused by 127.0.0.1:1 (nothing is listening there yet)',
    );
  });

  test('redirects are returned as they are unless asked; then followed', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/host') {
        res.writeHead(302, { location: '/v2/host' });
        return res.end();
      }
      json(res, 200, { hostname: 'final' });
    });
    const get = client();
    const asIs = await get(new URL(`${url}/host`), options);
    expect([asIs.status, asIs.headers.location]).toEqual([302, '/v2/host']);
    const followed = await get(new URL(`${url}/host`), { ...options, followRedirects: true });
    expect([followed.status, followed.url, followed.body]).toEqual([200, `${url}/v2/host`, '{"hostname":"final"}']);
  });

  test('a redirect loop ends after 5 hops', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(301, { location: '/host' });
      res.end();
    });
    expect(await failure(client(), url, { followRedirects: true })).toBe('more than 5 redirects, the last to /host');
  });

  test('a malformed or non-HTTP Location is not followed', async () => {
    const url = await serve((req, res) => {
      res.writeHead(302, { location: req.url === '/ftp' ? 'ftp://files.example.com/x' : 'http://[bad' });
      res.end();
    });
    expect(await failure(client(), url, { followRedirects: true })).toBe(
      'redirected to "http://[bad", which is not a valid URL',
    );
    expect(await failure(client(), `${url}/ftp`, { followRedirects: true })).toBe(
      'redirected to ftp: URL ftp://files.example.com/x, which cannot be followed',
    );
  });

  test('cancellation ends a request in flight with CancelledError', async () => {
    const url = await serve(() => {
      /* never answers */
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new CancelledError('received SIGTERM')), 50);
    await expect(
      client()(new URL(url), { timeoutMs: 60_000, followRedirects: false, signal: controller.signal }),
    ).rejects.toThrow('Cancelled: received SIGTERM');
  });
});

test('describeNetworkError names the cause and the host for each kind of failure', () => {
  const url = new URL('http://app.example.com:8080/host');
  const error = (code: string, message = 'failed') => Object.assign(new Error(message), { code });
  expect(
    [
      error('ECONNRESET'),
      error('ETIMEDOUT'),
      error('EHOSTUNREACH'),
      error('CERT_HAS_EXPIRED', 'certificate has expired'),
      error('EWHATEVER', 'odd'),
    ].map((e) => {
      const described = describeNetworkError(e, url);
      return [described.kind, described.message];
    }),
  ).toEqual([
    ['reset', 'connection to app.example.com:8080 was closed before the response was complete (ECONNRESET)'],
    ['timeout', 'connection to app.example.com:8080 timed out (ETIMEDOUT)'],
    ['other', 'app.example.com:8080 is unreachable (EHOSTUNREACH): check the network path and security groups'],
    ['tls', 'TLS error talking to app.example.com:8080: certificate has expired (CERT_HAS_EXPIRED)'],
    ['other', 'request to app.example.com:8080 failed: odd (EWHATEVER)'],
  ]);
});

test('runHttpChecks through the default client: passes, with every hostname, latency and throughput', async () => {
  let n = 0;
  const url = await serve((req, res) => {
    expect(req.url).toBe('/api/host?probe=1');
    json(res, 200, { imageUri: 'img:2', hostname: `task-${n++ % 3}` });
  });
  const result = await runHttpChecks(
    {
      url: `${url}/api/`,
      path: '/host?probe=1',
      expectStatus: 200,
      expectJson: new Map([['imageUri', 'img:2']]),
      requests: 30,
      concurrency: 4,
      timeoutMs: 3000,
      requestTimeoutMs: 1000,
      followRedirects: false,
    },
    { logger: new MemoryLogger() },
  );
  expect(result.passed).toBe(true);
  expect(result.hosts).toEqual(['task-0', 'task-1', 'task-2']);
  expect(result.requests).toEqual({ sent: 30, passed: 30, failed: 0 });
  expect(result.p50Ms).toBeGreaterThan(0);
  expect(result.p95Ms).toBeGreaterThanOrEqual(result.p50Ms!);
  expect(result.requestsPerSecond).toBeGreaterThan(0);
});
