// The sample app as ECS runs it: a separate node process configured by its environment,
// exercised over real HTTP and real signals.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const serverScript = fileURLToPath(new URL('./server.js', import.meta.url));

interface App {
  port: number;
  proc: ChildProcess;
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
}

const started: App[] = [];

async function startApp(env: Record<string, string> = {}): Promise<App> {
  const proc = spawn(process.execPath, [serverScript], {
    env: { PATH: process.env.PATH, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const logs: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'listening') resolve(entry.port as number);
      }
    });
    proc.once('exit', (code) => reject(new Error(`app exited with ${code} before listening`)));
  });
  const app = { port, proc, logs, exited };
  started.push(app);
  return app;
}

afterEach(async () => {
  for (const app of started.splice(0)) {
    if (app.proc.exitCode === null && app.proc.signalCode === null) {
      app.proc.kill('SIGKILL');
      await app.exited;
    }
  }
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

function get(port: number, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('routes', () => {
  test('GET /health answers 200 with JSON', async () => {
    const app = await startApp();
    const reply = await get(app.port, '/health');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.body).toEqual({ status: 'ok' });
  });

  test('GET /host names the image and the task hostname, with the time of the request', async () => {
    const image = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:' + 'a'.repeat(64);
    const app = await startApp({ IMAGE_URI: image, HOSTNAME: 'ip-10-0-1-23.ec2.internal' });
    const before = Date.now();
    const reply = await get(app.port, '/host');
    expect(reply.status).toBe(200);
    expect(reply.body.imageUri).toBe(image);
    expect(reply.body.hostname).toBe('ip-10-0-1-23.ec2.internal');
    const match = /^Request handled by backend at (\S+)$/.exec(reply.body.message as string);
    expect(match).not.toBeNull();
    const at = Date.parse(match![1]!);
    expect(new Date(at).toISOString()).toBe(match![1]);
    expect(at).toBeGreaterThanOrEqual(before - 5);
    expect(at).toBeLessThanOrEqual(Date.now() + 5);
  });

  test('unknown routes are 404 and other methods 405, both as JSON', async () => {
    const app = await startApp();
    const missing = await get(app.port, '/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('No route for /nope');
    const post = await get(app.port, '/host', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  test('BASE_PATH prefixes /host and /stress-cpu but not /health', async () => {
    const app = await startApp({ BASE_PATH: '/api/v1/', IMAGE_URI: 'img:2' });
    expect((await get(app.port, '/api/v1/host')).body.imageUri).toBe('img:2');
    expect((await get(app.port, '/api/v1/host/')).status).toBe(200);
    expect((await get(app.port, '/host')).status).toBe(404);
    expect((await get(app.port, '/health')).status).toBe(200);
    expect((await get(app.port, '/stress-cpu/10/1')).status).toBe(404);
    expect((await get(app.port, '/api/v1/stress-cpu/500/1')).status).toBe(400);
  });

  test('each request is logged as one JSON line with method, path, status and duration', async () => {
    const app = await startApp();
    await get(app.port, '/host?x=1');
    await get(app.port, '/missing');
    // The log line is written when the response finishes; give the pipe a moment.
    await new Promise((r) => setTimeout(r, 100));
    const requests = app.logs.filter((l) => l.msg === 'request');
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({ level: 'info', method: 'GET', path: '/host?x=1', status: 200 });
    expect(requests[1]).toMatchObject({ path: '/missing', status: 404 });
    expect(typeof requests[0]!.durationMs).toBe('number');
    expect(typeof requests[0]!.time).toBe('string');
  });
});

describe('stress-cpu', () => {
  test.each([
    ['0/10', 'percent'],
    ['101/10', 'percent'],
    ['abc/10', 'percent'],
    ['1.5/10', 'percent'],
    ['-5/10', 'percent'],
    ['50/0', 'seconds'],
    ['50/601', 'seconds'],
    ['50/ten', 'seconds'],
    ['50', 'Use /stress-cpu/'],
    ['50/10/3', 'Use /stress-cpu/'],
  ])('/stress-cpu/%s is a 400 naming %s', async (params, named) => {
    const app = await startApp();
    const reply = await get(app.port, `/stress-cpu/${params}`);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toContain(named);
    expect(app.logs.some((l) => l.msg === 'stress started')).toBe(false);
  });

  test('the bounds themselves are accepted', async () => {
    const app = await startApp();
    const reply = await get(app.port, '/stress-cpu/1/1');
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ percent: 1, seconds: 1 });
    const appMax = await startApp();
    const max = await get(appMax.port, '/stress-cpu/100/600');
    expect(max.status).toBe(202);
    expect(max.body.message).toBe('Loading the CPU at 100% for 600 s');
  });

  test('one run at a time: a second request is a 409 until the first ends; /health stays fast meanwhile', async () => {
    const app = await startApp();
    const first = await get(app.port, '/stress-cpu/100/2');
    expect(first.status).toBe(202);
    const second = await get(app.port, '/stress-cpu/20/5');
    expect(second.status).toBe(409);
    expect(second.body.error).toContain('already in progress');

    // The load runs in a worker thread: the event loop still answers health checks while it runs
    // (a loop on the main thread would hold each of them until the 2 s run ended). The bound is
    // loose because the test machine is shared.
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      expect((await get(app.port, '/health')).status).toBe(200);
      latencies.push(performance.now() - t);
    }
    expect(Math.max(...latencies)).toBeLessThan(800);

    await new Promise((r) => setTimeout(r, 2300));
    expect(app.logs.some((l) => l.msg === 'stress finished' && l.reason === 'completed')).toBe(true);
    expect((await get(app.port, '/stress-cpu/10/1')).status).toBe(202);
  });
});

/** CPU seconds the process has used (Linux: utime + stime from /proc/<pid>/stat, in clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

(existsSync('/proc/self/stat') ? test : test.skip)(
  'a stress run really loads the CPU, and a light one barely',
  async () => {
    const app = await startApp();
    const idle = cpuSeconds(app.proc.pid!);
    expect((await get(app.port, '/stress-cpu/100/1')).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1200));
    const heavy = cpuSeconds(app.proc.pid!) - idle;
    // A full second at 100% of one core; the shared test machine may give the thread less.
    expect(heavy).toBeGreaterThan(0.3);
    expect((await get(app.port, '/stress-cpu/5/1')).status).toBe(202);
    const before = cpuSeconds(app.proc.pid!);
    await new Promise((r) => setTimeout(r, 1200));
    expect(cpuSeconds(app.proc.pid!) - before).toBeLessThan(heavy / 2);
  },
);

describe('SIGTERM', () => {
  test('stops accepting, finishes the request in flight, then exits 0', async () => {
    const app = await startApp({ SHUTDOWN_TIMEOUT_MS: '10000' });
    // A request in flight: its headers are only half sent when the signal arrives.
    const socket = connect(app.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write('GET /host HTTP/1.1\r\nHost: app\r\n');
    let response = '';
    socket.on('data', (d: Buffer) => (response += d.toString()));
    const socketClosed = new Promise((r) => socket.once('close', r));
    await new Promise((r) => setTimeout(r, 100));

    app.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    // New connections are refused while the in-flight request is still open.
    await expect(get(app.port, '/health')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(app.proc.exitCode).toBeNull();

    socket.write('\r\n');
    await socketClosed;
    expect(response).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(response.toLowerCase()).toContain('connection: close');
    expect(await app.exited).toBe(0);
    expect(app.logs.map((l) => l.msg)).toEqual(['listening', 'shutting down', 'request', 'stopped']);
  });

  test('idle keep-alive connections do not delay the exit', async () => {
    const app = await startApp();
    const socket = connect(app.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write('GET /health HTTP/1.1\r\nHost: app\r\n\r\n');
    await new Promise((r) => socket.once('data', r));
    const t = performance.now();
    app.proc.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(performance.now() - t).toBeLessThan(1000);
    socket.destroy();
  });

  test('a request that never completes is cut off at SHUTDOWN_TIMEOUT_MS, within the ECS stop timeout', async () => {
    const app = await startApp({ SHUTDOWN_TIMEOUT_MS: '300' });
    const socket = connect(app.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write('GET /host HTTP/1.1\r\n');
    socket.on('error', () => {});
    await new Promise((r) => setTimeout(r, 100));
    const t = performance.now();
    app.proc.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(performance.now() - t).toBeGreaterThanOrEqual(250);
    expect(performance.now() - t).toBeLessThan(2000);
    expect(app.logs.some((l) => l.msg === 'shutdown timed out; closing the remaining connections')).toBe(true);
    socket.destroy();
  });
});
