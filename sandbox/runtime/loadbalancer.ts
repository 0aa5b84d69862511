/**
 * An Application Load Balancer in miniature: target groups with ALB health checks, and listeners
 * that are real HTTP reverse proxies on 127.0.0.1 forwarding by weight to their target groups.
 *
 * Modelled on:
 * - health checks: a new target must pass one check to be healthy; HealthyThresholdCount /
 *   UnhealthyThresholdCount consecutive results move it between healthy and unhealthy; a group
 *   whose targets are all unhealthy fails open.
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
 * - deregistration: a draining target gets no new requests; deregistration completes when its
 *   in-flight requests are done, or when the deregistration delay has passed.
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html#deregistration-delay
 * - weighted forward actions: each target group gets requests in proportion to its weight (0..999).
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupTuple.html
 */
import { randomBytes } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { sleep } from '../../lib/cancel.js';
import {
  AwsError,
  type Listener,
  type LoadBalancer,
  type SandboxClock,
  type Target,
  type TargetGroup,
  type TargetGroupOptions,
} from '../contracts.js';

// ALB defaults for HTTP target groups.
// https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html
const DEFAULTS = {
  healthCheckIntervalMs: 30_000,
  healthCheckTimeoutMs: 5_000,
  healthyThreshold: 5,
  unhealthyThreshold: 2,
  deregistrationDelayMs: 300_000,
};
// Real-time floors so checks stay meaningful at high time scales on a busy machine.
const MIN_CHECK_INTERVAL_REAL_MS = 20;
const MIN_CHECK_TIMEOUT_REAL_MS = 1000;

type TargetState = 'initial' | 'healthy' | 'unhealthy' | 'draining';

interface TargetEntry {
  target: Target;
  state: TargetState;
  inFlight: number;
  successes: number;
  failures: number;
  checks: AbortController;
  drained?: Promise<void>;
  onIdle?: () => void;
}

export interface SandboxTargetGroup extends TargetGroup {
  /** The options it was made with, AWS's defaults filled in: what ELBv2 DescribeTargetGroups answers. */
  settings(): Required<TargetGroupOptions>;
  /** Targets that may receive a new request: healthy ones, or (fail-open) every non-draining one. */
  routable(): TargetEntry[];
  /** Picks the next target round-robin, or undefined when there is none. */
  pick(): TargetEntry | undefined;
  close(): void;
}

export interface SandboxListener extends Listener {
  readonly name: string;
  readonly port: number;
  /** Requests answered 503 because no target group could take them (all weights 0, no targets). */
  unrouted(): number;
  close(): Promise<void>;
}

function hexId(): string {
  return randomBytes(8).toString('hex');
}

export type SandboxLoadBalancer = LoadBalancer & {
  targetGroups(): SandboxTargetGroup[];
  listeners(): SandboxListener[];
};

export function createLoadBalancer(opts: {
  clock: SandboxClock;
  account: string;
  region: string;
}): SandboxLoadBalancer {
  const groups = new Map<string, SandboxTargetGroup>();
  const listeners = new Map<string, SandboxListener>();
  const arnPrefix = `arn:aws:elasticloadbalancing:${opts.region}:${opts.account}`;
  const lbName = 'sandbox-alb';
  const lbId = hexId();

  return {
    createTargetGroup(options) {
      // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html (Name)
      if (!/^(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/.test(options.name)) {
        throw new AwsError(
          'ValidationError',
          `Target group name '${options.name}' must be 1-32 alphanumeric characters or hyphens, and must not begin or end with a hyphen`,
        );
      }
      for (const group of groups.values()) {
        if (group.name === options.name) {
          throw new AwsError('DuplicateTargetGroupName', `A target group with the same name '${options.name}' exists`);
        }
      }
      const group = createTargetGroup(`${arnPrefix}:targetgroup/${options.name}/${hexId()}`, options, opts.clock);
      groups.set(group.arn, group);
      return group;
    },
    targetGroup: (arn) => groups.get(arn),
    targetGroupByName: (name) => [...groups.values()].find((g) => g.name === name),
    async createListener(name, weights, port) {
      const arn = `${arnPrefix}:listener/app/${lbName}/${lbId}/${hexId()}`;
      const listener = await createListener(arn, name, weights, port ?? 0, (tgArn) => groups.get(tgArn));
      listeners.set(arn, listener);
      return listener;
    },
    listener: (arn) => listeners.get(arn),
    async close() {
      for (const group of groups.values()) group.close();
      await Promise.all([...listeners.values()].map((l) => l.close()));
      listeners.clear();
      groups.clear();
    },
    targetGroups: () => [...groups.values()],
    listeners: () => [...listeners.values()],
  };
}

// ---------------------------------------------------------------------------------------------
// Target groups

function createTargetGroup(arn: string, options: TargetGroupOptions, clock: SandboxClock): SandboxTargetGroup {
  const settings = {
    healthCheckPath: options.healthCheckPath || '/',
    intervalMs: options.healthCheckIntervalMs ?? DEFAULTS.healthCheckIntervalMs,
    healthyThreshold: options.healthyThreshold ?? DEFAULTS.healthyThreshold,
    unhealthyThreshold: options.unhealthyThreshold ?? DEFAULTS.unhealthyThreshold,
    deregistrationDelayMs: options.deregistrationDelayMs ?? DEFAULTS.deregistrationDelayMs,
  };
  const targets = new Map<string, TargetEntry>();
  let cursor = 0;

  const check = async (entry: TargetEntry) => {
    const signal = entry.checks.signal;
    while (!signal.aborted) {
      const started = Date.now();
      const ok = await healthCheck(
        entry.target,
        settings.healthCheckPath,
        Math.max(clock.toRealMs(DEFAULTS.healthCheckTimeoutMs), MIN_CHECK_TIMEOUT_REAL_MS),
      );
      if (signal.aborted || entry.state === 'draining') return;
      if (ok) {
        entry.successes++;
        entry.failures = 0;
        // A new target needs one passing check; an unhealthy one needs the healthy threshold.
        if (
          entry.state === 'initial' ||
          (entry.state === 'unhealthy' && entry.successes >= settings.healthyThreshold)
        ) {
          entry.state = 'healthy';
        }
      } else {
        entry.failures++;
        entry.successes = 0;
        if (entry.state !== 'unhealthy' && entry.failures >= settings.unhealthyThreshold) entry.state = 'unhealthy';
      }
      // Each check's result lasts one interval, whatever the target's response time.
      const wait = Math.max(clock.toRealMs(settings.intervalMs) - (Date.now() - started), MIN_CHECK_INTERVAL_REAL_MS);
      try {
        // lib's sleep removes its abort listener when the timer fires: a target lives for many checks.
        await sleep(wait, signal);
      } catch {
        return;
      }
    }
  };

  const group: SandboxTargetGroup = {
    arn,
    name: options.name,
    register(target) {
      const existing = targets.get(target.id);
      // Registering a registered target again changes nothing (RegisterTargets is idempotent).
      if (
        existing &&
        existing.state !== 'draining' &&
        existing.target.host === target.host &&
        existing.target.port === target.port
      )
        return;
      existing?.checks.abort();
      const entry: TargetEntry = {
        target,
        state: 'initial',
        inFlight: 0,
        successes: 0,
        failures: 0,
        checks: new AbortController(),
      };
      targets.set(target.id, entry);
      void check(entry);
    },
    deregister(targetId) {
      const entry = targets.get(targetId);
      if (!entry) return Promise.resolve();
      if (entry.drained) return entry.drained;
      entry.state = 'draining';
      entry.checks.abort();
      entry.drained = new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          if (targets.get(targetId) === entry) targets.delete(targetId);
          resolve();
        };
        const timer = setTimeout(done, clock.toRealMs(settings.deregistrationDelayMs));
        entry.onIdle = done;
        if (entry.inFlight === 0) done();
      });
      return entry.drained;
    },
    settings: () => ({
      name: options.name,
      healthCheckPath: settings.healthCheckPath,
      healthCheckIntervalMs: settings.intervalMs,
      healthyThreshold: settings.healthyThreshold,
      unhealthyThreshold: settings.unhealthyThreshold,
      deregistrationDelayMs: settings.deregistrationDelayMs,
    }),
    targetHealth() {
      return [...targets.values()].map((e) => ({ target: e.target, state: e.state }));
    },
    routable() {
      const live = [...targets.values()].filter((e) => e.state !== 'draining');
      const healthy = live.filter((e) => e.state === 'healthy');
      // Fail open: with no healthy target, ALB routes to all of them.
      return healthy.length ? healthy : live;
    },
    pick() {
      const candidates = group.routable();
      if (!candidates.length) return undefined;
      cursor = (cursor + 1) % candidates.length;
      return candidates[cursor];
    },
    close() {
      for (const entry of targets.values()) {
        entry.checks.abort();
        entry.onIdle?.();
      }
      targets.clear();
    },
  };
  return group;
}

function healthCheck(target: Target, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        host: target.host,
        port: target.port,
        path,
        method: 'GET',
        agent: false,
        timeout: timeoutMs,
        headers: { 'user-agent': 'ELB-HealthChecker/2.0' },
      },
      (res) => {
        res.resume();
        // The default success code of an ALB health check is 200.
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// Listeners

type Weights = { targetGroupArn: string; weight: number }[];

async function createListener(
  arn: string,
  name: string,
  initialWeights: Weights,
  port: number,
  lookup: (arn: string) => SandboxTargetGroup | undefined,
): Promise<SandboxListener> {
  let weights: Weights = [];
  // Smooth weighted round-robin: over any window, each group's share follows its weight.
  let current = new Map<string, number>();
  const stats: Record<string, { served: number; failed: number }> = {};
  let unrouted = 0;
  const sockets = new Set<Socket>();

  const validate = (next: Weights): Weights => {
    for (const w of next) {
      if (!lookup(w.targetGroupArn))
        throw new AwsError('TargetGroupNotFoundException', `One or more target groups not found: ${w.targetGroupArn}`);
      if (!Number.isInteger(w.weight) || w.weight < 0 || w.weight > 999) {
        throw new AwsError('ValidationError', `Target group weight ${w.weight} must be an integer from 0 to 999`);
      }
    }
    return next.map((w) => ({ ...w }));
  };
  weights = validate(initialWeights);
  for (const w of weights) stats[w.targetGroupArn] = { served: 0, failed: 0 };

  const chooseGroup = (): SandboxTargetGroup | undefined => {
    const live = weights.filter((w) => w.weight > 0);
    const total = live.reduce((sum, w) => sum + w.weight, 0);
    if (total === 0) return undefined;
    let best: { arn: string; value: number } | undefined;
    for (const w of live) {
      const value = (current.get(w.targetGroupArn) ?? 0) + w.weight;
      current.set(w.targetGroupArn, value);
      if (!best || value > best.value) best = { arn: w.targetGroupArn, value };
    }
    current.set(best!.arn, best!.value - total);
    return lookup(best!.arn);
  };

  const fail = (res: ServerResponse, status: 502 | 503, groupArn: string | undefined) => {
    if (groupArn) (stats[groupArn] ??= { served: 0, failed: 0 }).failed++;
    else unrouted++;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = `<html><head><title>${status} ${status === 502 ? 'Bad Gateway' : 'Service Temporarily Unavailable'}</title></head></html>\n`;
    res.writeHead(status, {
      server: 'awselb/2.0',
      'content-type': 'text/html',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const group = chooseGroup();
    const entry = group?.pick();
    if (!group || !entry) {
      req.resume();
      fail(res, 503, group?.arn);
      return;
    }
    entry.inFlight++;
    let finished = false;
    const release = () => {
      if (finished) return;
      finished = true;
      entry.inFlight--;
      if (entry.inFlight === 0) entry.onIdle?.();
    };
    const clientIp = req.socket.remoteAddress ?? '127.0.0.1';
    const headers = { ...req.headers };
    delete headers.connection;
    delete headers['keep-alive'];
    headers['x-forwarded-for'] = headers['x-forwarded-for']
      ? `${String(headers['x-forwarded-for'])}, ${clientIp}`
      : clientIp;
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-port'] = String(listener.port);
    headers['x-amzn-trace-id'] ??=
      `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
    // No keep-alive to targets: a drained target can be stopped without breaking a pooled socket.
    headers.connection = 'close';
    const upstream = httpRequest(
      { host: entry.target.host, port: entry.target.port, method: req.method, path: req.url, headers, agent: false },
      (targetRes) => {
        const responseHeaders = { ...targetRes.headers };
        delete responseHeaders.connection;
        delete responseHeaders['keep-alive'];
        res.writeHead(targetRes.statusCode ?? 502, targetRes.statusMessage, responseHeaders);
        targetRes.pipe(res);
        targetRes.on('end', () => {
          (stats[group.arn] ??= { served: 0, failed: 0 }).served++;
          release();
        });
        targetRes.on('error', () => {
          release();
          fail(res, 502, group.arn);
        });
      },
    );
    upstream.on('error', () => {
      release();
      fail(res, 502, group.arn);
    });
    res.on('close', () => {
      // The client went away: stop the upstream request too.
      if (!res.writableFinished) upstream.destroy();
      release();
    });
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const boundPort = (server.address() as AddressInfo).port;

  const listener: SandboxListener = {
    arn,
    name,
    url: `http://127.0.0.1:${boundPort}`,
    port: boundPort,
    setWeights(next) {
      weights = validate(next);
      current = new Map();
      for (const w of weights) stats[w.targetGroupArn] ??= { served: 0, failed: 0 };
    },
    weights: () => weights.map((w) => ({ ...w })),
    stats: () => Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, { ...v }])),
    unrouted: () => unrouted,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
  return listener;
}
