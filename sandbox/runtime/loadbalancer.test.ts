/**
 * The load balancer with real traffic: listeners are HTTP proxies in front of task processes
 * started from the fixture image (a small node server that answers with its COLOR).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningTask, StoredImage, TargetGroup } from '../contracts.js';
import { createClock } from './clock.js';
import { buildImage, contextFiles, createImageStore } from './images.js';
import { createLoadBalancer } from './loadbalancer.js';
import { freePort, portAccepts } from './net.js';
import { createTaskRunner } from './tasks.js';

const fixture = fileURLToPath(new URL('./fixtures/node-app', import.meta.url));
const dataDir = mkdtempSync(path.join(tmpdir(), 'sandbox-lb-'));
const clock = createClock(60);
const runner = createTaskRunner({ dataDir, clock });
const lb = createLoadBalancer({ clock, account: '123456789012', region: 'us-east-1' });
let image: StoredImage;
let taskCount = 0;

beforeAll(async () => {
  image = await buildImage(
    {
      tags: [],
      dockerfile: readFileSync(path.join(fixture, 'Dockerfile'), 'utf8'),
      buildArgs: {},
      platform: 'linux/amd64',
      files: contextFiles(fixture),
    },
    { dataDir, store: createImageStore() },
  );
});

afterAll(async () => {
  await lb.close();
  await runner.stopAll();
  rmSync(dataDir, { recursive: true, force: true });
});

async function until(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function startTasks(color: string, count: number): Promise<RunningTask[]> {
  const tasks = Array.from({ length: count }, () => {
    taskCount++;
    return runner.start({
      taskArn: `arn:aws:ecs:us-east-1:123456789012:task/lb/${color}${taskCount}`,
      image,
      containerName: 'app',
      environment: { COLOR: color },
      containerPort: 3000,
      hostname: `ip-10-0-2-${taskCount}.ec2.internal`,
      stopTimeoutMs: 30_000,
    });
  });
  await until(`${color} tasks running`, () => tasks.every((t) => t.lastStatus === 'RUNNING'));
  return tasks;
}

function register(group: TargetGroup, tasks: RunningTask[]): void {
  for (const t of tasks) group.register({ id: t.spec.taskArn, host: t.host, port: t.port });
}

const allHealthy = (group: TargetGroup) => () =>
  group.targetHealth().length > 0 && group.targetHealth().every((t) => t.state === 'healthy');

let groupCount = 0;
function newGroup(prefix: string, extra: { deregistrationDelayMs?: number } = {}) {
  groupCount++;
  return lb.createTargetGroup({
    name: `${prefix}-${groupCount}`,
    healthCheckPath: '/health',
    healthCheckIntervalMs: 5_000,
    ...extra,
  });
}

describe('load balancer', () => {
  it('names target groups with ALB ARNs and moves targets from initial to healthy or unhealthy', async () => {
    const group = lb.createTargetGroup({
      name: 'states-tg',
      healthCheckPath: '/health',
      healthCheckIntervalMs: 10_000,
    });
    expect(group.arn).toMatch(
      /^arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup\/states-tg\/[0-9a-f]{16}$/,
    );
    expect(lb.targetGroup(group.arn)).toBe(group);
    expect(lb.targetGroupByName('states-tg')).toBe(group);
    expect(() => lb.createTargetGroup({ name: 'states-tg', healthCheckPath: '/' })).toThrow(/same name/);
    expect(() => lb.createTargetGroup({ name: '-bad-', healthCheckPath: '/' })).toThrow(
      /must not begin or end with a hyphen/,
    );

    const [task] = await startTasks('states', 1);
    const deadPort = await freePort();
    group.register({ id: 'live', host: task!.host, port: task!.port });
    group.register({ id: 'dead', host: '127.0.0.1', port: deadPort });
    expect(group.targetHealth().map((t) => t.state)).toEqual(['initial', 'initial']);
    await until('live healthy, dead unhealthy', () => {
      const states = Object.fromEntries(group.targetHealth().map((t) => [t.target.id, t.state]));
      return states.live === 'healthy' && states.dead === 'unhealthy';
    });
    await group.deregister('dead');
    expect(group.targetHealth().map((t) => t.target.id)).toEqual(['live']);
  });

  it('splits real traffic by weight (10/90) and sends nothing to weight 0', async () => {
    const blue = newGroup('w-blue');
    const green = newGroup('w-green');
    register(blue, await startTasks('w-blue', 1));
    register(green, await startTasks('w-green', 2));
    await until('targets healthy', () => allHealthy(blue)() && allHealthy(green)());
    const listener = await lb.createListener('weights', [
      { targetGroupArn: blue.arn, weight: 10 },
      { targetGroupArn: green.arn, weight: 90 },
    ]);
    expect(listener.arn).toMatch(
      /^arn:aws:elasticloadbalancing:us-east-1:123456789012:listener\/app\/[^/]+\/[0-9a-f]{16}\/[0-9a-f]{16}$/,
    );
    const colors = await hammer(listener.url, 500);
    const blueShare = colors.filter((c) => c === 'w-blue').length / colors.length;
    expect(blueShare).toBeGreaterThan(0.07);
    expect(blueShare).toBeLessThan(0.13);
    expect(colors.every((c) => c === 'w-blue' || c === 'w-green')).toBe(true);
    expect(listener.stats()[blue.arn]!.served + listener.stats()[green.arn]!.served).toBe(500);

    listener.setWeights([
      { targetGroupArn: blue.arn, weight: 0 },
      { targetGroupArn: green.arn, weight: 100 },
    ]);
    expect(listener.weights()).toEqual([
      { targetGroupArn: blue.arn, weight: 0 },
      { targetGroupArn: green.arn, weight: 100 },
    ]);
    expect(new Set(await hammer(listener.url, 100))).toEqual(new Set(['w-green']));
    expect(() =>
      listener.setWeights([
        { targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nope/0', weight: 1 },
      ]),
    ).toThrow(/target groups not found/);
  });

  it('answers 503 with no target and 502 when the target refuses the connection', async () => {
    const empty = newGroup('empty');
    const listener = await lb.createListener('no-targets', [{ targetGroupArn: empty.arn, weight: 1 }]);
    const noTarget = await fetch(`${listener.url}/`);
    expect(noTarget.status).toBe(503);
    expect(noTarget.headers.get('server')).toBe('awselb/2.0');

    // The only target is down: ALB fails open to it, and the connection fails.
    empty.register({ id: 'down', host: '127.0.0.1', port: await freePort() });
    expect((await fetch(`${listener.url}/`)).status).toBe(502);
    expect(listener.stats()[empty.arn]).toEqual({ served: 0, failed: 2 });
  });

  it('drains: no new requests at once, in-flight ones finish, then deregistration completes', async () => {
    const group = newGroup('drain');
    const [first, second] = await startTasks('drain', 2);
    register(group, [first!, second!]);
    await until('targets healthy', allHealthy(group));
    const listener = await lb.createListener('drain', [{ targetGroupArn: group.arn, weight: 100 }]);

    // One slow request on each target, then drain the first.
    const slow = [fetch(`${listener.url}/slow?ms=400`), fetch(`${listener.url}/slow?ms=400`)];
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const drained = group.deregister(first!.spec.taskArn);
    expect(group.targetHealth().find((t) => t.target.id === first!.spec.taskArn)?.state).toBe('draining');
    const during = await hammer(listener.url, 20, 'hostname');
    expect(new Set(during)).toEqual(new Set([second!.spec.hostname]));
    await drained;
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual([200, 200]);
    expect(group.targetHealth().map((t) => t.target.id)).toEqual([second!.spec.taskArn]);

    // With nothing in flight, deregistration completes at once.
    const idleStart = Date.now();
    await group.deregister(second!.spec.taskArn);
    expect(Date.now() - idleStart).toBeLessThan(100);
  });

  it('completes deregistration after the (scaled) delay even with requests still in flight', async () => {
    const group = newGroup('delay', { deregistrationDelayMs: 30_000 });
    const [task] = await startTasks('delay', 1);
    register(group, [task!]);
    await until('target healthy', allHealthy(group));
    const listener = await lb.createListener('delay', [{ targetGroupArn: group.arn, weight: 100 }]);
    const slow = fetch(`${listener.url}/slow?ms=3000`);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await group.deregister(task!.spec.taskArn);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(2000);
    await task!.stop('drained');
    await slow.catch(() => undefined);
  });

  it('serves a steady stream with zero failed requests while weights shift and old targets are drained and stopped', async () => {
    const blue = newGroup('bg-blue', { deregistrationDelayMs: 60_000 });
    const green = newGroup('bg-green', { deregistrationDelayMs: 60_000 });
    const blueTasks = await startTasks('bg-blue', 2);
    register(blue, blueTasks);
    await until('blue healthy', allHealthy(blue));
    const listener = await lb.createListener('production', [
      { targetGroupArn: blue.arn, weight: 100 },
      { targetGroupArn: green.arn, weight: 0 },
    ]);

    const client = steadyClient(listener.url, 4);
    await new Promise((r) => setTimeout(r, 300));

    const greenTasks = await startTasks('bg-green', 2);
    register(green, greenTasks);
    await until('green healthy', allHealthy(green));
    for (const greenWeight of [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]) {
      listener.setWeights([
        { targetGroupArn: blue.arn, weight: 100 - greenWeight },
        { targetGroupArn: green.arn, weight: greenWeight },
      ]);
      await new Promise((r) => setTimeout(r, 150));
    }
    // As CodeDeploy does: deregister the old targets (draining), then stop the old tasks.
    await Promise.all(blueTasks.map((t) => blue.deregister(t.spec.taskArn)));
    await Promise.all(blueTasks.map((t) => t.stop('Task stopped by CodeDeploy')));
    const afterStop = client.results.length;
    // Keep the stream going on green alone until at least 1,000 requests in all.
    await until('1,000 requests', () => client.results.length >= Math.max(1000, afterStop + 100), 20_000);
    const results = await client.stop();

    const failures = results.filter((r) => r.status !== 200);
    expect(failures).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(1000);
    expect(new Set(results.map((r) => r.color))).toEqual(new Set(['bg-blue', 'bg-green']));
    expect(results.slice(afterStop).every((r) => r.color === 'bg-green')).toBe(true);
    expect(listener.stats()[blue.arn]!.failed + listener.stats()[green.arn]!.failed).toBe(0);
    console.log(`steady stream: ${results.length} requests, ${failures.length} failed`);
  });

  it('closes every listener port', async () => {
    const group = newGroup('close');
    const listener = await lb.createListener('close', [{ targetGroupArn: group.arn, weight: 1 }]);
    const port = Number(new URL(listener.url).port);
    const other = createLoadBalancer({ clock, account: '1', region: 'us-east-1' });
    const otherListener = await other.createListener('x', []);
    await other.close();
    expect(await portAccepts('127.0.0.1', Number(new URL(otherListener.url).port))).toBe(false);
    expect(await portAccepts('127.0.0.1', port)).toBe(true);
  });
});

/** `count` requests, 8 at a time; returns each response's `field`. */
async function hammer(url: string, count: number, field = 'color'): Promise<string[]> {
  const results: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < count) {
        next++;
        const res = await fetch(`${url}/host`);
        results.push(String(((await res.json()) as Record<string, unknown>)[field]));
      }
    }),
  );
  return results;
}

/** `concurrency` loops sending requests (every tenth a slow one) until stopped. */
function steadyClient(url: string, concurrency: number) {
  const results: { status: number; color?: string; error?: string }[] = [];
  let running = true;
  const loops = Array.from({ length: concurrency }, async (_, worker) => {
    let i = 0;
    while (running) {
      i++;
      const pathname = (i + worker) % 10 === 0 ? '/slow?ms=50' : '/host';
      try {
        const res = await fetch(`${url}${pathname}`);
        const body = (await res.json().catch(() => ({}))) as { color?: string };
        results.push({ status: res.status, ...(body.color ? { color: body.color } : {}) });
      } catch (error) {
        results.push({ status: 0, error: (error as Error).message });
      }
    }
  });
  return {
    results,
    async stop() {
      running = false;
      await Promise.all(loops);
      return results;
    },
  };
}
