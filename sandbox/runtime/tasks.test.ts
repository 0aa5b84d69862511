/**
 * Tasks as real processes: the fixture image's CMD starts a small node HTTP server; health checks
 * hit it over HTTP or run as commands; crashes, failed checks and stops end it as ECS would.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RunningTask, StoredImage, TaskSpec } from '../contracts.js';
import { createClock } from './clock.js';
import { buildImage, contextFiles, createImageStore } from './images.js';
import { portAccepts } from './net.js';
import { createTaskRunner, localhostUrl, STOPPED_REASONS } from './tasks.js';

const fixture = fileURLToPath(new URL('./fixtures/node-app', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const dataDir = mkdtempSync(path.join(tmpdir(), 'sandbox-tasks-'));
const clock = createClock(60);
const logs: string[] = [];
const runner = createTaskRunner({ dataDir, clock, log: (m) => logs.push(m) });
let image: StoredImage;
let counter = 0;

beforeAll(async () => {
  image = await buildImage(
    {
      tags: [],
      dockerfile: readFileSync(path.join(fixture, 'Dockerfile'), 'utf8'),
      buildArgs: { APP_VERSION: '7.0.0' },
      platform: 'linux/amd64',
      files: contextFiles(fixture),
    },
    { dataDir, store: createImageStore() },
  );
});

afterAll(async () => {
  await runner.stopAll();
  rmSync(dataDir, { recursive: true, force: true });
});

function spec(overrides: Partial<TaskSpec> = {}): TaskSpec {
  counter++;
  return {
    taskArn: `arn:aws:ecs:us-east-1:123456789012:task/test/${counter.toString(16).padStart(32, '0')}`,
    image,
    containerName: 'app',
    environment: {},
    containerPort: 3000,
    hostname: `ip-10-0-1-${counter}.ec2.internal`,
    stopTimeoutMs: 30_000,
    ...overrides,
  };
}

const imageCheck = () => {
  const hc = image.config.healthcheck!;
  return {
    command: hc.test,
    intervalMs: hc.intervalMs,
    timeoutMs: hc.timeoutMs,
    retries: hc.retries,
    startPeriodMs: hc.startPeriodMs,
  };
};

async function waitFor(task: RunningTask, predicate: (t: RunningTask) => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate(task)) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out: status ${task.lastStatus}, health ${task.health}, reason ${task.stoppedReason}; log:\n${task.logTail.join('\n')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const pidOf = (task: RunningTask) => (task as unknown as { pid: number }).pid;
/** Running (a zombie left to a PID 1 that does not reap, as in some containers, counts as gone). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
};

describe('task start time (Fargate provisioning and image pull)', () => {
  // 30 AWS seconds at scale 60: half a real second before the process may start.
  const slow = createTaskRunner({ dataDir, clock, startDelayMs: 30_000 });
  afterAll(() => slow.stopAll());

  it('starts no process until the start time has passed, then runs as usual', async () => {
    const started = Date.now();
    const task = slow.start(spec({ healthCheck: imageCheck() }));
    await new Promise((r) => setTimeout(r, 250));
    expect(task.lastStatus).toBe('PENDING');
    expect(pidOf(task)).toBeUndefined();
    await waitFor(task, (t) => t.lastStatus === 'RUNNING');
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    await task.stop('done');
  });

  it('a task stopped while provisioning stops at once and never starts a process', async () => {
    const task = slow.start(spec());
    await new Promise((r) => setTimeout(r, 100));
    await task.stop('Scaling activity initiated by deployment');
    expect(task.lastStatus).toBe('STOPPED');
    expect(task.stoppedReason).toBe('Scaling activity initiated by deployment');
    await new Promise((r) => setTimeout(r, 600));
    expect(pidOf(task)).toBeUndefined();
  });
});

describe('task runner', () => {
  it('runs the image CMD from its files with ENV, environment, PORT and HOSTNAME, and turns HEALTHY', async () => {
    const changes: string[] = [];
    const task = runner.start(spec({ environment: { COLOR: 'blue' }, healthCheck: imageCheck() }));
    task.onChange((t) => changes.push(`${t.lastStatus}/${t.health}`));
    expect(task.lastStatus).toBe('PENDING');
    await waitFor(task, (t) => t.health === 'HEALTHY');
    expect(task.lastStatus).toBe('RUNNING');
    expect(task.startedAt).toBeInstanceOf(Date);
    expect(changes).toEqual(['RUNNING/UNKNOWN', 'RUNNING/HEALTHY']);
    const body = (await (await fetch(`http://${task.host}:${task.port}/host`)).json()) as Record<string, string>;
    expect(body).toMatchObject({
      hostname: task.spec.hostname,
      version: '7.0.0',
      color: 'blue',
      cwd: path.join(image.rootDir, 'app'),
    });
    expect(task.logTail).toContain(`listening on ${task.port}`);
    await task.stop('Scaling activity initiated by (deployment ecs-svc/123)');
    expect(task).toMatchObject({
      lastStatus: 'STOPPED',
      stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/123)',
      exitCode: 0,
    });
    expect(task.logTail.some((l) => l.startsWith('SIGTERM'))).toBe(true);
    expect(await portAccepts(task.host, task.port)).toBe(false);
  });

  it('is RUNNING with health UNKNOWN once its port accepts connections, when there is no health check', async () => {
    const task = runner.start(spec());
    await waitFor(task, (t) => t.lastStatus === 'RUNNING');
    await new Promise((r) => setTimeout(r, 300));
    expect(task.health).toBe('UNKNOWN');
    await task.stop('done');
  });

  it('runs a command health check (exec form) with the task environment', async () => {
    const task = runner.start(
      spec({
        healthCheck: {
          command: [
            'CMD',
            'node',
            '-e',
            "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))",
          ],
          intervalMs: 5_000,
          timeoutMs: 5_000,
          retries: 3,
          startPeriodMs: 0,
        },
      }),
    );
    await waitFor(task, (t) => t.health === 'HEALTHY');
    await task.stop('done');
  });

  it("stops with ECS's reason and the exit code when the process exits", async () => {
    const task = runner.start(spec({ environment: { CRASH_AFTER_MS: '300' } }));
    await waitFor(task, (t) => t.lastStatus === 'STOPPED');
    expect(task).toMatchObject({ stoppedReason: STOPPED_REASONS.exited, exitCode: 3 });
    expect(task.stoppedAt).toBeInstanceOf(Date);
    expect(task.logTail).toContain('crashing on purpose');
  });

  it('applies the crash fault (exit 1 after crashAfterMs of AWS time)', async () => {
    const started = Date.now();
    const task = runner.start(spec({ crashAfterMs: 30_000 }));
    await waitFor(task, (t) => t.lastStatus === 'STOPPED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(task).toMatchObject({ stoppedReason: STOPPED_REASONS.exited, exitCode: 1 });
  });

  it('fails container health checks when the app answers 500, after the retries', async () => {
    const changes: string[] = [];
    const task = runner.start(spec({ environment: { UNHEALTHY: '1' }, healthCheck: imageCheck() }));
    task.onChange((t) => changes.push(`${t.lastStatus}/${t.health}`));
    await waitFor(task, (t) => t.lastStatus === 'STOPPED');
    expect(task.stoppedReason).toBe(STOPPED_REASONS.unhealthy);
    expect(changes).toEqual(['RUNNING/UNKNOWN', 'RUNNING/UNHEALTHY', 'STOPPED/UNHEALTHY']);
  });

  it('applies the unhealthy fault even to a healthy app', async () => {
    const task = runner.start(spec({ unhealthy: true, healthCheck: imageCheck() }));
    await waitFor(task, (t) => t.lastStatus === 'STOPPED');
    expect(task.stoppedReason).toBe(STOPPED_REASONS.unhealthy);
  });

  it('sends SIGKILL after the stop timeout when SIGTERM is ignored', async () => {
    const task = runner.start(spec({ environment: { IGNORE_SIGTERM: '1' }, stopTimeoutMs: 30_000 }));
    await waitFor(task, (t) => t.lastStatus === 'RUNNING');
    const started = Date.now();
    await task.stop('Task stopped by user');
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(task).toMatchObject({ lastStatus: 'STOPPED', stoppedReason: 'Task stopped by user', exitCode: 137 });
  });

  it("uses the task definition's command and entry point over the image's", async () => {
    const task = runner.start(
      spec({
        entryPoint: ['/bin/sh', '-c'],
        command: ['echo "from $HOSTNAME in $AWS_REGION on $AWS_EXECUTION_ENV"; exit 4'],
      }),
    );
    await waitFor(task, (t) => t.lastStatus === 'STOPPED');
    expect(task.exitCode).toBe(4);
    expect(task.logTail).toContain(`from ${task.spec.hostname} in us-east-1 on AWS_ECS_FARGATE`);
  });

  it('cannot start a container without a command', async () => {
    const task = runner.start(spec({ image: { ...image, config: { ...image.config, cmd: [], entrypoint: [] } } }));
    await waitFor(task, (t) => t.lastStatus === 'STOPPED');
    expect(task.stoppedReason).toBe('CannotStartContainerError: Error response from daemon: No command specified');
  });

  it('stopAll leaves no process behind', async () => {
    const tasks = [runner.start(spec()), runner.start(spec({ environment: { IGNORE_SIGTERM: '1' } }))];
    for (const task of tasks) await waitFor(task, (t) => t.lastStatus === 'RUNNING');
    const pids = tasks.map(pidOf);
    expect(pids.every(alive)).toBe(true);
    await runner.stopAll();
    expect(tasks.map((t) => t.lastStatus)).toEqual(['STOPPED', 'STOPPED']);
    expect(pids.some(alive)).toBe(false);
  });

  it('takes its tasks down when the parent process exits', async () => {
    const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
    const { stdout } = await promisify(execFile)(
      tsx,
      [fileURLToPath(new URL('./fixtures/exit-with-task.ts', import.meta.url))],
      {
        cwd: repoRoot,
        timeout: 20_000,
      },
    );
    const pid = Number(/pid=(\d+)/.exec(stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
  });

  it('runs the sample app (app/) from its own Dockerfile, healthy by its own HEALTHCHECK', async () => {
    const appDir = path.join(repoRoot, 'app');
    const appImage = await buildImage(
      {
        tags: [],
        dockerfile: readFileSync(path.join(appDir, 'Dockerfile'), 'utf8'),
        buildArgs: {},
        platform: 'linux/amd64',
        files: contextFiles(appDir),
      },
      { dataDir, store: createImageStore() },
    );
    const hc = appImage.config.healthcheck!;
    const imageUri = `123456789012.dkr.ecr.us-east-1.amazonaws.com/app@${appImage.digest}`;
    const task = runner.start(
      spec({
        image: appImage,
        environment: { IMAGE_URI: imageUri },
        healthCheck: {
          command: hc.test,
          intervalMs: hc.intervalMs,
          timeoutMs: hc.timeoutMs,
          retries: hc.retries,
          startPeriodMs: hc.startPeriodMs,
        },
      }),
    );
    await waitFor(task, (t) => t.health === 'HEALTHY');
    const body = (await (await fetch(`http://${task.host}:${task.port}/host`)).json()) as Record<string, string>;
    expect(body).toMatchObject({ hostname: task.spec.hostname, imageUri });
    await task.stop('done');
    expect(task.exitCode).toBe(0);
  });

  it('reads the health check URL path from curl/wget commands', () => {
    expect(localhostUrl('curl -f http://localhost:3000/health || exit 1')).toBe('/health');
    expect(localhostUrl('wget -qO- http://127.0.0.1:8080/ready?deep=1')).toBe('/ready?deep=1');
    expect(localhostUrl('curl -f http://localhost || exit 1')).toBe('/');
    expect(localhostUrl("node -e \"fetch('http://127.0.0.1:'+process.env.PORT+'/health')\"")).toBeUndefined();
    expect(localhostUrl('curl -f http://example.com/health')).toBeUndefined();
  });
});
