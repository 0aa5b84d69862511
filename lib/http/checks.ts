/**
 * HTTP checks shared by smoke-test and deploy-bluegreen's test-traffic gate: prove over HTTP that
 * a URL answers as expected (status, JSON fields such as imageUri, latency).
 *
 * Phase 1 keeps trying, with capped exponential backoff, until the first response that meets
 * the expectations (a service coming up, or the old version still answering, is not a failure
 * yet). Phase 2 sends `requests` requests at `concurrency`; every one must meet them.
 * The result carries counts and durations, so a benchmark can derive requests per second.
 */
import { performance } from 'node:perf_hooks';
import { cancelledFrom, poll, systemClock, throwIfCancelled, type Clock } from '../cancel.js';
import type { Logger } from '../log.js';
import { createNodeHttpGet, HttpRequestError, type HttpGet } from './client.js';
import {
  describeExpectations,
  evaluate,
  expectationRows,
  responseExcerpt,
  type CheckRow,
  type Expectations,
  type Outcome,
} from './expectations.js';
import { seconds } from './format.js';
import { countedProblems, percentile, perSecond, round1 } from './stats.js';

export type { CheckRow } from './expectations.js';

export interface HttpCheckSpec extends Expectations {
  /** Base URL, e.g. https://app.example.com (a path in it is kept; `path` is appended). */
  url: string;
  /** Path requested, e.g. /host. */
  path: string;
  /** Requests of phase 2, after the first success. */
  requests: number;
  concurrency: number;
  /** How long phase 1 keeps trying until the first success. */
  timeoutMs: number;
  /** Time limit of one request (connect, headers and body). */
  requestTimeoutMs: number;
  /** Phase 2 fails when its 95th percentile latency is above this. */
  maxP95Ms?: number;
  followRedirects: boolean;
  /** Phase 1 backoff: first pause and cap (defaults 250 ms and 5 s). */
  backoff?: { initialMs: number; maxMs: number };
}

export interface HttpCheckDeps {
  logger: Logger;
  signal?: AbortSignal;
  clock?: Clock;
  /** Defaults to node:http/https with keep-alive sockets, at most `concurrency` of them. */
  http?: HttpGet;
}

export interface HttpCheckResult {
  passed: boolean;
  /** The URL checked (url + path). */
  url: string;
  /** Status of the last response received (undefined when none came back). */
  status?: number;
  /** Phase 1 attempts, including the successful one. */
  attempts: number;
  /** Latencies of phase 2 requests that got a response, in ms with one decimal. */
  p50Ms?: number;
  p95Ms?: number;
  maxMs?: number;
  /**
   * Distinct `hostname` values of JSON bodies, sorted: of the first success and the measured
   * requests (old tasks that answered while waiting are not counted); when no response met the
   * expectations, of the responses seen while waiting.
   */
  hosts: string[];
  /** Phase 2: requests sent, and how many met / missed the expectations. */
  requests: { sent: number; passed: number; failed: number };
  /** Phase 2 wall time in ms, and requests completed per second over it. */
  durationMs: number;
  requestsPerSecond: number;
  checks: CheckRow[];
  /** Distinct problems of phase 2, each with how often it happened, e.g. `3 × status: expected 200, got 500`. */
  failures: string[];
  /** What failed, what was expected and what came back; set when `passed` is false. */
  message?: string;
}

export async function runHttpChecks(spec: HttpCheckSpec, deps: HttpCheckDeps): Promise<HttpCheckResult> {
  const clock = deps.clock ?? systemClock;
  const { logger, signal } = deps;
  const target = checkUrl(spec.url, spec.path);
  const ownClient = deps.http ? undefined : createNodeHttpGet({ maxSockets: spec.concurrency });
  const get = deps.http ?? ownClient!.get;
  const hostsWhileWaiting = new Set<string>();

  const send = async (timeoutMs: number): Promise<Outcome> => {
    throwIfCancelled(signal);
    const started = performance.now();
    try {
      const response = await get(target, { timeoutMs, followRedirects: spec.followRedirects, signal });
      const latencyMs = performance.now() - started;
      const { problems, host } = evaluate(spec, response);
      return { response, problems, latencyMs, host };
    } catch (error) {
      if (signal?.aborted) throw cancelledFrom(signal);
      if (!(error instanceof HttpRequestError)) throw error;
      return { error: error.message, problems: [error.message], latencyMs: performance.now() - started };
    }
  };

  try {
    // Phase 1: until the first response that meets the expectations.
    const deadline = clock.now() + spec.timeoutMs;
    const backoff = spec.backoff ?? { initialMs: 250, maxMs: 5000 };
    let attempts = 0;
    let last!: Outcome;
    const metExpectations = await poll({
      clock,
      signal,
      deadline,
      intervalMs: backoff.initialMs,
      nextIntervalMs: (pause) => Math.min(pause * 2, backoff.maxMs),
      check: async () => {
        attempts++;
        // The last attempt before the deadline still gets a fair chance (up to 1 s past it), so its
        // failure shows the real cause rather than an artificially short timeout.
        const left = deadline - clock.now();
        last = await send(Math.min(spec.requestTimeoutMs, Math.max(left, 1000)));
        if (last.problems.length === 0) return { done: true, value: true };
        if (last.host !== undefined) hostsWhileWaiting.add(last.host);
        return { done: false };
      },
      onWait: (wait) => logger.info(`Attempt ${attempts}: ${describeOutcome(last)}; retrying in ${seconds(wait)}`),
      onDeadline: () => false,
    });
    if (!metExpectations) {
      logger.info(`Attempt ${attempts}: ${describeOutcome(last)}; out of time`);
      return failed(spec, target, hostsWhileWaiting, attempts, last, firstSuccessMissing(spec, target, attempts, last));
    }
    logger.info(
      `Attempt ${attempts}: ${last.response!.status} in ${Math.round(last.latencyMs)} ms${last.host ? ` from ${last.host}` : ''}: meets the expectations`,
    );

    // Phase 2: every one of `requests` must meet them.
    const outcomes: Outcome[] = [];
    let next = 0;
    const phaseStarted = performance.now();
    const worker = async () => {
      while (next < spec.requests) {
        next++;
        outcomes.push(await send(spec.requestTimeoutMs));
      }
    };
    await Promise.all(Array.from({ length: Math.min(spec.concurrency, spec.requests) }, worker));
    const durationMs = performance.now() - phaseStarted;
    const hosts = new Set([last, ...outcomes].flatMap((o) => (o.host === undefined ? [] : [o.host])));
    return summarise(spec, target, hosts, attempts, last, outcomes, durationMs);
  } finally {
    ownClient?.close();
  }
}

function checkUrl(base: string, path: string): URL {
  const url = new URL(base);
  const [pathname, query] = path.split(/\?(.*)/s, 2) as [string, string | undefined];
  url.pathname = url.pathname.replace(/\/+$/, '') + pathname;
  if (query !== undefined) url.search = query;
  return url;
}

function describeOutcome(outcome: Outcome): string {
  if (outcome.error) return outcome.error;
  return `${outcome.response!.status}: ${outcome.problems.join('; ')}`;
}

function firstSuccessMissing(spec: HttpCheckSpec, target: URL, attempts: number, last: Outcome): string {
  return [
    `No response from GET ${target} met the expectations within ${seconds(spec.timeoutMs)} (${attempts} attempt${attempts === 1 ? '' : 's'}).`,
    `Expected: ${describeExpectations(spec)}.`,
    `Last attempt: ${last.problems.join('; ')}.`,
    ...responseExcerpt(last.response),
  ].join('\n');
}

function failed(
  spec: HttpCheckSpec,
  target: URL,
  hosts: Set<string>,
  attempts: number,
  last: Outcome,
  message: string,
): HttpCheckResult {
  return {
    passed: false,
    url: target.toString(),
    status: last.response?.status,
    attempts,
    hosts: [...hosts].sort(),
    requests: { sent: 0, passed: 0, failed: 0 },
    durationMs: 0,
    requestsPerSecond: 0,
    checks: expectationRows(spec, last, []),
    failures: last.problems,
    message,
  };
}

function summarise(
  spec: HttpCheckSpec,
  target: URL,
  hosts: Set<string>,
  attempts: number,
  first: Outcome,
  outcomes: Outcome[],
  durationMs: number,
): HttpCheckResult {
  const failedOutcomes = outcomes.filter((o) => o.problems.length > 0);
  const latencies = outcomes.filter((o) => o.response).map((o) => o.latencyMs);
  const p50 = percentile(latencies, 50);
  const p95 = percentile(latencies, 95);
  const failures = countedProblems(failedOutcomes.map((o) => o.problems));
  const checks = expectationRows(spec, first, outcomes);
  const messages: string[] = [];
  if (failedOutcomes.length > 0) {
    const firstBad = failedOutcomes[0]!;
    messages.push(
      `${failedOutcomes.length} of ${outcomes.length} requests to GET ${target} did not meet the expectations (after the first success on attempt ${attempts}).`,
      `Expected: ${describeExpectations(spec)}.`,
      ...failures.map((f) => `  - ${f}`),
      ...responseExcerpt(firstBad.response),
    );
  }
  if (spec.maxP95Ms !== undefined) {
    const ok = p95 !== undefined && p95 <= spec.maxP95Ms;
    checks.push({
      check: 'p95 latency',
      expected: `≤ ${spec.maxP95Ms} ms`,
      observed: p95 === undefined ? 'no responses' : `${p95} ms`,
      passed: ok,
    });
    if (!ok) {
      messages.push(
        p95 === undefined
          ? `No response came back to measure the p95 latency against max-p95-ms ${spec.maxP95Ms}.`
          : `p95 latency ${p95} ms is above max-p95-ms ${spec.maxP95Ms} (p50 ${p50} ms, max ${percentile(latencies, 100)} ms over ${latencies.length} requests).`,
      );
    }
  }
  const last = outcomes[outcomes.length - 1] ?? first;
  return {
    passed: messages.length === 0,
    url: target.toString(),
    status: last.response?.status ?? first.response?.status,
    attempts,
    p50Ms: p50,
    p95Ms: p95,
    maxMs: percentile(latencies, 100),
    hosts: [...hosts].sort(),
    requests: { sent: outcomes.length, passed: outcomes.length - failedOutcomes.length, failed: failedOutcomes.length },
    durationMs: round1(durationMs),
    requestsPerSecond: perSecond(outcomes.length, durationMs),
    checks,
    failures,
    message: messages.length ? messages.join('\n') : undefined,
  };
}
