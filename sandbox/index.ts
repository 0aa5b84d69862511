/**
 * The local AWS sandbox: `startSandbox()` starts one HTTP server on 127.0.0.1 that speaks ECR,
 * ECS, CodeDeploy and STS as AWS does, runs tasks as child processes behind real reverse-proxy
 * listeners, and offers the control API under /_sandbox/ (sandbox/README.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  CallRecord,
  EcsInternals,
  FaultSet,
  LoadBalancer,
  Sandbox,
  SandboxClock,
  SandboxOptions,
} from './contracts.js';
import { createControlHandler, type StackRequest, type StackResult } from './control.js';
import { buildAndPush } from './control-build.js';
import { createStack } from './control-stack.js';
import { sandboxState } from './control-state.js';
import { createClock } from './runtime/clock.js';
import { createImageStore } from './runtime/images.js';
import type { ModelViolation } from './model-check.js';
import { ApiServer } from './server.js';
import { createElbv2Service } from './services/elbv2.js';
import { createStsService } from './services/sts.js';
import { createWorlds, tearDown, type StackRecord } from './world.js';

export type { StackRequest, StackResult } from './control.js';
export type { CallRecord, FaultSet, SandboxOptions } from './contracts.js';
export type { ModelViolation } from './model-check.js';
export type { StackRecord } from './world.js';
export { fixtureBuildRequest } from './fixture-image.js';

export const DEFAULT_ACCOUNT = '123456789012';
export const DEFAULT_REGION = 'us-east-1';
/** sandbox/bin, where the docker shim lives: first on PATH for clients. */
export const SANDBOX_BIN = fileURLToPath(new URL('./bin', import.meta.url));

export interface RunningSandbox extends Sandbox {
  readonly account: string;
  readonly region: string;
  /** `<account>.dkr.ecr.<region>.amazonaws.com` */
  readonly registry: string;
  readonly clock: SandboxClock;
  /** The current load balancer (a reset makes a new one). */
  readonly lb: LoadBalancer;
  readonly ecs: EcsInternals;
  /** All calls, or those from index `since` on (the same as GET /_sandbox/calls?since=). */
  calls(since?: number): CallRecord[];
  /** POST /_sandbox/secrets in-process: secret values by Secrets Manager ARN or SSM parameter ARN or name. */
  secrets(values: Record<string, string>): void;
  /** Replaces the fault set ({} clears it) and returns it; without an argument returns it. */
  faults(set?: FaultSet): FaultSet;
  state(): unknown;
  /** Forgets every resource, stops every task and listener, clears faults and the call log. */
  reset(): Promise<void>;
  /** POST /_sandbox/stack in-process. */
  stack(request: StackRequest): Promise<StackResult>;
  /** POST /_sandbox/build in-process (a parsed BuildRequest body). */
  build(request: unknown): Promise<{ digest: string; warnings: string[] }>;
  /** Stacks created since the last reset. */
  stacks(): StackRecord[];
  /**
   * Requests and answers that broke AWS's API model since the start (a reset keeps them), and with
   * `clear` forgets them. `stop()` fails while any is left, so a test that made one fails even when
   * its code swallowed the error the sandbox answered.
   */
  modelViolations(clear?: boolean): ModelViolation[];
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const account = options.account ?? DEFAULT_ACCOUNT;
  const region = options.region ?? DEFAULT_REGION;
  const scale = options.timeScale ?? (process.env.SANDBOX_TIME_SCALE ? Number(process.env.SANDBOX_TIME_SCALE) : 1);
  const clock = createClock(scale);
  const ownDataDir = !options.dataDir;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'aws-sandbox-'));
  const log = (message: string) => {
    if (options.verbose) process.stderr.write(`[sandbox] ${message}\n`);
  };
  const images = createImageStore();
  let faults: FaultSet = {};
  const faultSource = { current: () => faults };
  const sts = createStsService(account);

  const startSeconds =
    options.taskStartSeconds ??
    (process.env.SANDBOX_TASK_START_SECONDS ? Number(process.env.SANDBOX_TASK_START_SECONDS) : 0);
  if (!Number.isFinite(startSeconds) || startSeconds < 0) {
    throw new Error(
      `The sandbox's task start time must be a non-negative number of seconds, got ${String(startSeconds)}`,
    );
  }
  const worlds = createWorlds({
    account,
    region,
    clock,
    dataDir,
    images,
    faults: faultSource,
    log,
    taskStartMs: startSeconds * 1000,
  });
  const home = () => worlds.home();
  home();

  const stack = (body: StackRequest): Promise<StackResult> => createStack(home(), account, body);
  const build = (body: unknown) => buildAndPush({ account, worlds, dataDir, images, log }, body);
  const state = () => sandboxState({ account, region, clock, faults, worlds });

  let resetting: Promise<void> | undefined;
  async function reset(): Promise<void> {
    if (resetting) return resetting;
    resetting = (async () => {
      const old = worlds.forget();
      home();
      faults = {};
      server.faultsChanged();
      server.calls.length = 0;
      await Promise.all(old.map((w) => tearDown(w)));
    })();
    try {
      await resetting;
    } finally {
      resetting = undefined;
    }
  }

  const setFaults = (set: FaultSet) => {
    faults = set;
    server.faultsChanged();
  };

  const server: ApiServer = new ApiServer({
    account,
    region,
    handlers: worlds.handlersFor,
    sts,
    elbv2: (inRegion) => createElbv2Service(worlds.of(inRegion).lb),
    faults: () => faults,
    log,
    control: createControlHandler({
      calls: () => server.calls,
      clearCalls: () => void (server.calls.length = 0),
      faults: () => faults,
      setFaults,
      state,
      reset,
      build,
      stack,
      putSecrets: (values) => home().secrets.put(values),
    }),
  });

  let port: number;
  try {
    port = await server.listen(options.port ?? 0);
  } catch (error) {
    await Promise.all(worlds.all().map((w) => tearDown(w)));
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  log(`listening on ${endpoint} (time scale ${clock.scale})`);
  let stopped: Promise<void> | undefined;

  return {
    endpoint,
    port,
    account,
    region,
    registry: `${account}.dkr.ecr.${region}.amazonaws.com`,
    clock,
    get lb() {
      return home().lb;
    },
    get ecs() {
      return home().ecs.internals;
    },
    clientEnv() {
      return {
        AWS_ENDPOINT_URL: endpoint,
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: 'AKIASANDBOXEXAMPLE00',
        AWS_SECRET_ACCESS_KEY: 'sandbox-secret-access-key',
        AWS_EC2_METADATA_DISABLED: 'true',
        SANDBOX_TIME_SCALE: String(clock.scale),
        PATH: `${SANDBOX_BIN}:${process.env.PATH ?? ''}`,
      };
    },
    calls(since = 0) {
      return server.calls.slice(since);
    },
    faults(set?: FaultSet) {
      if (set) setFaults(set);
      return faults;
    },
    secrets(values: Record<string, string>) {
      home().secrets.put(values);
    },
    state,
    reset,
    stack,
    build,
    stacks: () => home().stacks,
    modelViolations(clear = false) {
      const found = [...server.modelViolations];
      if (clear) server.modelViolations.length = 0;
      return found;
    },
    stop() {
      stopped ??= (async () => {
        await server.close();
        await Promise.all(worlds.all().map((w) => tearDown(w)));
        if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
        if (server.modelViolations.length > 0) {
          const lines = server.modelViolations.map(
            (v) => `- ${v.service}.${v.operation} ${v.direction}: ${v.violations.join('; ')}`,
          );
          throw new Error(`The sandbox saw ${lines.length} call(s) breaking AWS's API model:\n${lines.join('\n')}`);
        }
      })();
      return stopped;
    },
  };
}
