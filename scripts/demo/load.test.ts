import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LoadLoop } from './load.js';

let server: Server;
let url: string;
/** What the server answers: the image it claims, or an error status. */
let answer: { image: string } | { status: number } = { image: 'blue' };

beforeAll(async () => {
  server = createServer((_req, res) => {
    if ('status' in answer) {
      res.writeHead(answer.status);
      res.end('down');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ imageUri: answer.image }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/host`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('load loop', () => {
  test('counts answers per image, and every non-200 or unreachable request as failed', async () => {
    answer = { image: 'blue' };
    const load = new LoadLoop({ url, clients: 2, pauseMs: 5 });
    await settle(150);
    answer = { image: 'green' };
    await settle(150);
    const window = load.takeWindow();
    answer = { status: 503 };
    await settle(100);
    const stats = await load.stop();

    expect(stats.byImage.blue).toBeGreaterThan(0);
    expect(stats.byImage.green).toBeGreaterThan(0);
    expect(window.green).toBeGreaterThan(0);
    expect(stats.failed).toBeGreaterThan(0);
    expect(stats.failures[0]).toBe('HTTP 503: down');
    expect(stats.failures.length).toBeLessThanOrEqual(5);
    // Every request sent is either an answer from an image or a failure.
    const answered = Object.values(stats.byImage).reduce((a, b) => a + b, 0);
    expect(answered + stats.failed).toBe(stats.sent);
  });

  test('a refused connection is a failure, and stop() returns once the clients ended', async () => {
    const load = new LoadLoop({ url: 'http://127.0.0.1:9/host', clients: 1, pauseMs: 5, requestTimeoutMs: 500 });
    await settle(100);
    const stats = await load.stop();
    expect(stats.sent).toBeGreaterThan(0);
    expect(stats.failed).toBe(stats.sent);
    expect(stats.failures[0]).toMatch(/fetch failed|ECONNREFUSED/);
    const after = load.snapshot().sent;
    await settle(50);
    expect(load.snapshot().sent).toBe(after);
  });

  test('ends on its own after maxRequests requests in all, or after maxMs', async () => {
    answer = { image: 'blue' };
    const counted = await new LoadLoop({ url, clients: 3, pauseMs: 1, maxRequests: 25 }).finished();
    expect(counted.sent).toBe(25);
    expect(counted.byImage.blue).toBe(25);

    const started = Date.now();
    const timed = await new LoadLoop({ url, clients: 2, pauseMs: 5, maxMs: 150 }).finished();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(timed.sent).toBeGreaterThan(0);
  });
});
