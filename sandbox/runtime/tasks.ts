/**
 * Tasks as child processes. Each task runs its image's command from the image's files (cwd =
 * rootDir + WORKDIR) with the image's ENV, the task definition's environment, PORT (a free local
 * port: where the process must listen) and HOSTNAME. The container health check runs as Docker
 * and ECS run it, with intervals scaled by the sandbox clock; a task whose process exits or whose
 * checks fail stops with the stoppedReason ECS gives.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { request } from 'node:http';
import type { RunningTask, SandboxClock, TaskHealth, TaskRunner, TaskSpec } from '../contracts.js';
import { freePort, portAccepts } from './net.js';

export const STOPPED_REASONS = {
  exited: 'Essential container in task exited',
  unhealthy: 'Task failed container health checks',
} as const;

const LOG_TAIL_LINES = 50;
// Real-time floors: a host process needs real milliseconds to start, whatever the time scale, so
// scaled timeouts never drop below these (a 5 s timeout is 83 ms at scale 60).
const MIN_HTTP_CHECK_TIMEOUT_MS = 1000;
const MIN_COMMAND_CHECK_TIMEOUT_MS = 5000;
const PORT_POLL_MS = 25;

// Every live task process group, killed if this process exits without stopping them.
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function trackGroup(pid: number): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const group of liveGroups) killGroup(group, 'SIGKILL');
    });
  }
  liveGroups.add(pid);
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export interface TaskRunnerOptions {
  dataDir: string;
  clock: SandboxClock;
  log?: (message: string) => void;
  /**
   * AWS ms from the task's creation to its process starting: on Fargate, capacity, the network
   * interface and the whole image pull (no layer cache), "30-45 seconds or longer".
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-pull-behavior.html
   * https://repost.aws/questions/QUjZAzJd27SZWxXM7MgyxOZw
   */
  startDelayMs?: number;
}

export function createTaskRunner(opts: TaskRunnerOptions): TaskRunner & { tasks(): RunningTask[] } {
  const tasks = new Set<Task>();
  return {
    start(spec) {
      const task = new Task(spec, opts);
      tasks.add(task);
      task.onChange((t) => {
        if (t.lastStatus === 'STOPPED') tasks.delete(task);
      });
      void task.run();
      return task;
    },
    async stopAll() {
      await Promise.all([...tasks].map((t) => t.stop('Task stopped by the sandbox', { maxWaitRealMs: 2000 })));
      tasks.clear();
    },
    tasks: () => [...tasks],
  };
}

type Status = RunningTask['lastStatus'];

class Task implements RunningTask {
  readonly host = '127.0.0.1';
  port = 0;
  lastStatus: Status = 'PENDING';
  health: TaskHealth = 'UNKNOWN';
  startedAt?: Date;
  stoppedAt?: Date;
  stoppedReason?: string;
  exitCode?: number;
  readonly logTail: string[] = [];

  private child?: ChildProcess;
  /** The task's main process id (its process group), once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }
  private readonly listeners: ((task: RunningTask) => void)[] = [];
  private readonly lifetime = new AbortController();
  private stopRequested?: string;
  private crashed = false;
  private readonly exited: Promise<void>;
  private markExited!: () => void;

  constructor(
    readonly spec: TaskSpec,
    private readonly opts: TaskRunnerOptions,
  ) {
    this.exited = new Promise((resolve) => (this.markExited = resolve));
  }

  onChange(listener: (task: RunningTask) => void): void {
    this.listeners.push(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) {
      try {
        listener(this);
      } catch (error) {
        this.opts.log?.(`task ${this.spec.taskArn}: change listener failed: ${(error as Error).message}`);
      }
    }
  }

  private setStatus(status: Status): void {
    if (this.lastStatus === status || this.lastStatus === 'STOPPED') return;
    this.lastStatus = status;
    if (status === 'RUNNING') this.startedAt = this.opts.clock.now();
    this.emit();
  }

  private setHealth(health: TaskHealth): void {
    if (this.health === health || this.lastStatus === 'STOPPED') return;
    this.health = health;
    this.emit();
  }

  private appendOutput(text: string, pending: { rest: string }): void {
    const lines = (pending.rest + text).split('\n');
    pending.rest = lines.pop() ?? '';
    for (const line of lines) this.pushLine(line);
  }

  private pushLine(line: string): void {
    this.logTail.push(line);
    if (this.logTail.length > LOG_TAIL_LINES) this.logTail.splice(0, this.logTail.length - LOG_TAIL_LINES);
  }

  /** Starts the process, then watches port, health and faults until the task stops. */
  async run(): Promise<void> {
    const { spec, opts } = this;
    try {
      this.port = await freePort();
    } catch (error) {
      this.finish(`ResourceInitializationError: no free local port: ${(error as Error).message}`);
      return;
    }
    if (this.stopRequested) {
      this.finish(this.stopRequested);
      return;
    }
    if (opts.startDelayMs) {
      try {
        await opts.clock.sleep(opts.startDelayMs, this.lifetime.signal);
      } catch {
        return; // Stopped while provisioning: stop() has finished it.
      }
    }
    let launch: { argv: string[]; cwd: string; env: Record<string, string> };
    try {
      launch = launchOf(spec, this.port);
    } catch (error) {
      this.finish(`CannotStartContainerError: ${(error as Error).message}`);
      return;
    }
    const [command, ...args] = launch.argv;
    const child = spawn(command!, args, {
      cwd: launch.cwd,
      env: launch.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const out = { rest: '' };
    const err = { rest: '' };
    child.stdout!.on('data', (c: Buffer) => this.appendOutput(c.toString(), out));
    child.stderr!.on('data', (c: Buffer) => this.appendOutput(c.toString(), err));
    child.once('error', (error) => {
      this.pushLine(`cannot start ${command}: ${error.message}`);
      this.finish(`CannotStartContainerError: ${error.message}`, undefined);
    });
    child.once('exit', (code, signal) => {
      if (child.pid) liveGroups.delete(child.pid);
      // The whole group goes with the main process, as a container's processes do.
      if (child.pid) killGroup(child.pid, 'SIGKILL');
      for (const pending of [out, err]) if (pending.rest) this.pushLine(pending.rest);
      const exitCode = this.crashed ? 1 : (code ?? 128 + signalNumber(signal));
      this.finish(this.stopRequested ?? STOPPED_REASONS.exited, exitCode);
    });
    if (child.pid) trackGroup(child.pid);
    opts.log?.(
      `task ${shortArn(spec.taskArn)} started: ${launch.argv.join(' ')} (port ${this.port}, cwd ${launch.cwd})`,
    );

    const signal = this.lifetime.signal;
    if (spec.crashAfterMs !== undefined) {
      opts.clock.sleep(spec.crashAfterMs, signal).then(
        () => {
          if (this.lastStatus === 'STOPPED' || this.stopRequested) return;
          this.crashed = true;
          this.pushLine('sandbox fault: the container crashed (exit 1)');
          if (child.pid) killGroup(child.pid, 'SIGKILL');
        },
        () => undefined,
      );
    }
    void this.healthLoop(signal);
    // ECS reports a container RUNNING once it has started; the port is only how a service task shows it.
    if (spec.runningOnStart) this.setStatus('RUNNING');
    await this.waitForPort(signal);
  }

  private async waitForPort(signal: AbortSignal): Promise<void> {
    while (!signal.aborted && this.lastStatus === 'PENDING') {
      if (await portAccepts(this.host, this.port, 500)) {
        this.setStatus('RUNNING');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, PORT_POLL_MS));
    }
  }

  /**
   * Docker's health check rules: the first check one interval after start, one check per interval,
   * failures during the start period do not count (until a check has passed), `retries`
   * consecutive failures make the container UNHEALTHY, and ECS then stops the task.
   * https://docs.docker.com/reference/dockerfile/#healthcheck
   */
  private async healthLoop(signal: AbortSignal): Promise<void> {
    const { spec, opts } = this;
    // A task that must fail its checks gets the default check when it has none, so it does fail.
    const check =
      spec.healthCheck ??
      (spec.unhealthy
        ? { command: ['CMD-SHELL', 'exit 1'], intervalMs: 30_000, timeoutMs: 5_000, retries: 3, startPeriodMs: 0 }
        : undefined);
    if (!check) return;
    const started = Date.now();
    let failures = 0;
    let passedOnce = false;
    while (!signal.aborted) {
      try {
        await opts.clock.sleep(check.intervalMs, signal);
      } catch {
        return;
      }
      if (this.lastStatus === 'STOPPED' || this.stopRequested) return;
      const ok = spec.unhealthy ? false : await this.runCheck(check, signal);
      if (signal.aborted) return;
      if (ok) {
        passedOnce = true;
        failures = 0;
        // A passing check means the container is up: RUNNING always comes before HEALTHY.
        this.setStatus('RUNNING');
        this.setHealth('HEALTHY');
        continue;
      }
      const inStartPeriod = !passedOnce && Date.now() - started < opts.clock.toRealMs(check.startPeriodMs);
      if (inStartPeriod) continue;
      failures++;
      if (failures >= check.retries) {
        this.setHealth('UNHEALTHY');
        this.pushLine(`sandbox: health check failed ${failures} times in a row`);
        void this.stop(STOPPED_REASONS.unhealthy);
        return;
      }
    }
  }

  private async runCheck(check: NonNullable<TaskSpec['healthCheck']>, signal: AbortSignal): Promise<boolean> {
    const [kind, ...rest] = check.command;
    const commandText =
      kind === 'CMD-SHELL' ? rest.join(' ') : kind === 'CMD' ? rest.join(' ') : check.command.join(' ');
    const url = localhostUrl(commandText);
    if (url !== undefined) {
      return httpCheck(
        this.host,
        this.port,
        url,
        Math.max(this.opts.clock.toRealMs(check.timeoutMs), MIN_HTTP_CHECK_TIMEOUT_MS),
      );
    }
    let launch: { argv: string[]; cwd: string; env: Record<string, string> };
    try {
      launch = launchOf(this.spec, this.port);
    } catch {
      return false;
    }
    const argv =
      kind === 'CMD-SHELL'
        ? ['/bin/sh', '-c', rest.join(' ')]
        : mapArgv(kind === 'CMD' ? rest : check.command, this.spec.image.rootDir);
    const timeout = Math.max(this.opts.clock.toRealMs(check.timeoutMs), MIN_COMMAND_CHECK_TIMEOUT_MS);
    return commandCheck(argv, launch.cwd, launch.env, timeout, signal);
  }

  /**
   * SIGTERM, then SIGKILL after the stop timeout (scaled), as ECS stops a task; resolves once the
   * process is gone. `maxWaitRealMs` caps the wait (stopAll at teardown).
   */
  async stop(reason: string, options: { maxWaitRealMs?: number } = {}): Promise<void> {
    if (this.lastStatus === 'STOPPED') return;
    this.stopRequested ??= reason;
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) {
      // Not started yet (run() finishes it once the port is known) or already exited.
      if (!child) this.finish(reason);
      await this.exited;
      return;
    }
    killGroup(child.pid, 'SIGTERM');
    let waitMs = this.opts.clock.toRealMs(this.spec.stopTimeoutMs);
    if (options.maxWaitRealMs !== undefined) waitMs = Math.min(waitMs, options.maxWaitRealMs);
    const timer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), waitMs);
    await this.exited;
    clearTimeout(timer);
  }

  private finish(reason: string, exitCode?: number): void {
    if (this.lastStatus === 'STOPPED') return;
    this.lifetime.abort(new Error('task stopped'));
    this.stoppedReason = reason;
    if (exitCode !== undefined) this.exitCode = exitCode;
    this.stoppedAt = this.opts.clock.now();
    this.lastStatus = 'STOPPED';
    this.opts.log?.(
      `task ${shortArn(this.spec.taskArn)} stopped: ${reason}${exitCode !== undefined ? ` (exit code ${exitCode})` : ''}`,
    );
    this.markExited();
    this.emit();
  }
}

/** The process to start: argv, cwd and environment, from the image and the task's spec. */
export function launchOf(spec: TaskSpec, port: number): { argv: string[]; cwd: string; env: Record<string, string> } {
  const { image } = spec;
  // Docker: overriding the entrypoint drops the image's CMD unless a command is given too.
  const entrypoint = spec.entryPoint ?? image.config.entrypoint;
  const cmd = spec.command ?? (spec.entryPoint ? [] : image.config.cmd);
  const argv = [...entrypoint, ...cmd];
  if (argv.length === 0) throw new Error('Error response from daemon: No command specified');
  const cwd = path.join(image.rootDir, image.config.workdir);
  const imagePath = (spec.environment.PATH ?? image.config.env.PATH ?? '')
    .split(':')
    .filter((p) => p.startsWith('/') && existsSync(path.join(image.rootDir, p)))
    .map((p) => path.join(image.rootDir, p));
  const env: Record<string, string> = {};
  for (const name of ['HOME', 'TMPDIR', 'LANG', 'TZ']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  // What ECS sets in every Fargate container, before the image's and the task's own variables.
  // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-environment-variables.html
  const region = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):/.exec(spec.taskArn)?.[1];
  env.AWS_EXECUTION_ENV = 'AWS_ECS_FARGATE';
  if (region) env.AWS_REGION = env.AWS_DEFAULT_REGION = region;
  Object.assign(env, image.config.env, spec.environment);
  // Host PATH after the image's own folders: RUN steps never ran, so tools come from the host.
  env.PATH = [...imagePath, path.dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(':');
  env.PORT = String(port);
  env.HOSTNAME = spec.hostname;
  return { argv: mapArgv(argv, image.rootDir), cwd, env };
}

/** `node` is this Node; absolute paths that exist in the image point into its files. */
function mapArgv(argv: string[], rootDir: string): string[] {
  return argv.map((arg, i) => {
    if (i === 0 && /^(?:\/usr\/(?:local\/)?bin\/)?node(?:js)?$/.test(arg)) return process.execPath;
    if (arg.startsWith('/') && arg !== '/' && existsSync(path.join(rootDir, arg))) return path.join(rootDir, arg);
    return arg;
  });
}

/** The path of a complete localhost URL in a check command (`curl -f http://localhost:3000/health`). */
export function localhostUrl(command: string): string | undefined {
  const m = /https?:\/\/(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::\d+)?(\/[^\s'"|;&)]*)?(?=$|[\s'"|;&)])/.exec(
    command,
  );
  if (!m) return undefined;
  return m[1] ?? '/';
}

/** A GET to the task's port: 2xx and 3xx pass, as `curl -f` and `wget` see it. */
function httpCheck(host: string, port: number, urlPath: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: urlPath, method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 400);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

function commandCheck(
  argv: string[],
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  return new Promise((resolve) => {
    const [command, ...args] = argv;
    const child = spawn(command!, args, { cwd, env, stdio: 'ignore', detached: true });
    if (child.pid) trackGroup(child.pid);
    const kill = () => child.pid && killGroup(child.pid, 'SIGKILL');
    const timer = setTimeout(kill, timeoutMs);
    signal.addEventListener('abort', kill, { once: true });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', kill);
      if (child.pid) liveGroups.delete(child.pid);
      resolve(code === 0);
    });
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return (signal && numbers[signal]) ?? 0;
}

function shortArn(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}
