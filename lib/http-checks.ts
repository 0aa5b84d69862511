/**
 * HTTP checks shared by smoke-test and deploy-bluegreen's test-traffic gate: prove over HTTP that
 * a URL answers as expected (status, JSON fields such as imageUri, latency).
 *
 * Phase 1 keeps trying, with capped exponential backoff, until the first response that meets
 * the expectations (a service coming up, or the old version still answering, is not a failure
 * yet). Phase 2 sends `requests` requests at `concurrency`; every one must meet them.
 * The result carries counts and durations, so a benchmark can derive requests per second.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { cancelledFrom, systemClock, throwIfCancelled, type Clock } from './cancel.js';
import type { Logger } from './log.js';

export interface HttpCheckSpec {
  /** Base URL, e.g. https://app.example.com (a path in it is kept; `path` is appended). */
  url: string;
  /** Path requested, e.g. /host. */
  path: string;
  expectStatus: number;
  /** Dotted JSON paths and the exact string each must equal. */
  expectJson: Map<string, string>;
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

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as text (at most MAX_BODY_BYTES of it). */
  body: string;
  /** The URL that answered (differs from the one asked when redirects were followed). */
  url: string;
}

/** Sends one GET. Rejects with HttpRequestError for network failures, CancelledError on abort. */
export type HttpGet = (
  url: URL,
  options: { timeoutMs: number; followRedirects: boolean; signal?: AbortSignal },
) => Promise<HttpResponse>;

export interface HttpCheckDeps {
  logger: Logger;
  signal?: AbortSignal;
  clock?: Clock;
  /** Defaults to node:http/https with keep-alive sockets, at most `concurrency` of them. */
  http?: HttpGet;
}

/** One row of the checks table (job summaries). */
export interface CheckRow {
  check: string;
  expected: string;
  observed: string;
  passed: boolean;
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

export const MAX_BODY_BYTES = 1024 * 1024;
const BODY_EXCERPT_CHARS = 500;
const MAX_REDIRECTS = 5;

/** A network-level failure, with a message a user can act on. */
export class HttpRequestError extends Error {
  override readonly name = 'HttpRequestError';
  constructor(
    message: string,
    readonly kind: 'refused' | 'dns' | 'tls' | 'timeout' | 'reset' | 'redirect' | 'other',
    readonly code?: string,
  ) {
    super(message);
  }
}

/** What one request came to: a response (and whether it met the expectations) or an error. */
interface Outcome {
  response?: HttpResponse;
  error?: string;
  problems: string[];
  latencyMs: number;
  host?: string;
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
    let pause = backoff.initialMs;
    let attempts = 0;
    let last: Outcome;
    for (;;) {
      attempts++;
      // The last attempt before the deadline still gets a fair chance (up to 1 s past it), so its
      // failure shows the real cause rather than an artificially short timeout.
      const left = deadline - clock.now();
      last = await send(Math.min(spec.requestTimeoutMs, Math.max(left, 1000)));
      if (last.problems.length === 0) break;
      if (last.host !== undefined) hostsWhileWaiting.add(last.host);
      const remaining = deadline - clock.now();
      if (remaining <= 0) {
        logger.info(`Attempt ${attempts}: ${describeOutcome(last)}; out of time`);
        return failed(
          spec,
          target,
          hostsWhileWaiting,
          attempts,
          last,
          firstSuccessMissing(spec, target, attempts, last),
        );
      }
      const wait = Math.min(pause, remaining);
      logger.info(`Attempt ${attempts}: ${describeOutcome(last)}; retrying in ${seconds(wait)}`);
      await clock.sleep(wait, signal);
      pause = Math.min(pause * 2, backoff.maxMs);
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

/** Status, JSON fields and the task's hostname of one response. */
function evaluate(spec: HttpCheckSpec, response: HttpResponse): { problems: string[]; host?: string } {
  const problems: string[] = [];
  if (response.status !== spec.expectStatus) {
    const location = headerValue(response.headers.location);
    if (response.status >= 300 && response.status < 400 && location) {
      problems.push(
        `status: expected ${spec.expectStatus}, got a redirect (${response.status}) to ${resolveLocation(location, response.url)}, not followed` +
          ' (set follow-redirects: true to follow it, or point the URL at the final address)',
      );
    } else {
      problems.push(`status: expected ${spec.expectStatus}, got ${response.status}`);
    }
  }
  let json: unknown;
  let isJson = false;
  try {
    json = JSON.parse(response.body);
    isJson = true;
  } catch {
    // Not JSON: only a problem when fields are expected.
  }
  if (spec.expectJson.size > 0) {
    if (!isJson) {
      const type = headerValue(response.headers['content-type']) ?? 'no content-type';
      const fields = [...spec.expectJson.keys()].join(', ');
      problems.push(
        `body: expected JSON with ${fields}, got a body that is not JSON (${type}, ${response.body.length} characters)`,
      );
    } else {
      for (const [field, expected] of spec.expectJson) {
        const actual = fieldText(json, field);
        if (actual === undefined)
          problems.push(`${field}: expected ${JSON.stringify(expected)}, but the field is missing`);
        else if (actual !== expected)
          problems.push(`${field}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(shownValue(actual))}`);
      }
    }
  }
  const host = isJson ? fieldText(json, 'hostname') : undefined;
  return { problems, host };
}

/** The value at a dotted path, as text (strings as they are, other values as JSON). */
export function fieldText(json: unknown, dottedPath: string): string | undefined {
  let value: unknown = json;
  for (const key of dottedPath.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key))
      return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
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

function describeExpectations(spec: HttpCheckSpec): string {
  return [
    `status ${spec.expectStatus}`,
    ...[...spec.expectJson].map(([field, value]) => `${field} = ${JSON.stringify(value)}`),
  ].join(', ');
}

function responseExcerpt(response: HttpResponse | undefined): string[] {
  if (!response) return [];
  // Redact before cutting, so a secret that straddles the cut is still recognised whole.
  const redacted = redactSecrets(response.body);
  const body = redacted.length > BODY_EXCERPT_CHARS ? `${redacted.slice(0, BODY_EXCERPT_CHARS)}…` : redacted;
  return [
    `Response: status ${response.status}${response.url ? ` from ${response.url}` : ''}; body (first ${BODY_EXCERPT_CHARS} characters, secrets redacted): ${body || '(empty)'}`,
  ];
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
  const counts = new Map<string, number>();
  for (const o of failedOutcomes) for (const p of o.problems) counts.set(p, (counts.get(p) ?? 0) + 1);
  const failures = [...counts].sort((a, b) => b[1] - a[1]).map(([p, n]) => `${n} × ${p}`);
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
    requestsPerSecond: durationMs > 0 ? round1((outcomes.length * 1000) / durationMs) : 0,
    checks,
    failures,
    message: messages.length ? messages.join('\n') : undefined,
  };
}

/** Table rows: each expectation, with what phase 1's last answer and phase 2's requests showed. */
function expectationRows(spec: HttpCheckSpec, first: Outcome, outcomes: Outcome[]): CheckRow[] {
  const all = [first, ...outcomes];
  const rows: CheckRow[] = [];
  const statuses = distinct(all.map((o) => (o.response ? String(o.response.status) : (o.error ?? 'no response'))));
  rows.push({
    check: 'status',
    expected: String(spec.expectStatus),
    observed: statuses.join(', '),
    passed: statuses.length === 1 && statuses[0] === String(spec.expectStatus),
  });
  for (const [field, expected] of spec.expectJson) {
    const seen = distinct(all.filter((o) => o.response).map((o) => fieldOf(o.response!, field) ?? '(missing)'));
    rows.push({
      check: field,
      expected,
      observed: seen.length ? seen.map((value) => shownValue(value)).join(', ') : 'no response',
      passed: seen.length === 1 && seen[0] === expected,
    });
  }
  return rows;
}

function fieldOf(response: HttpResponse, field: string): string | undefined {
  try {
    return fieldText(JSON.parse(response.body), field);
  } catch {
    return '(not JSON)';
  }
}

function distinct(values: string[]): string[] {
  return [...new Set(values)];
}

/** Nearest-rank percentile, rounded to 0.1 ms; undefined for no samples. */
export function percentile(samples: number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return round1(sorted[rank - 1]!);
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function seconds(ms: number): string {
  return ms < 10_000 && ms % 1000 !== 0 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** A Location header made absolute; left as sent when it is not a valid URL reference. */
function resolveLocation(location: string, base: string): string {
  try {
    return new URL(location, base).toString();
  } catch {
    return location;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

// ---------------------------------------------------------------------------------------------
// Redaction: a failure message quotes the body, which must not leak credentials into the log.

const SECRET_PATTERNS: [RegExp, string][] = [
  // Passwords in URLs: scheme://user:password@host.
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"']+:)[^\s@/"']+@/gi, '$1[REDACTED]@'],
  // Authorization-style values: Bearer/Basic/Token followed by the credential.
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [REDACTED]'],
  // JSON or form fields whose name says secret: "password": "...", token=...
  [
    /((?:"|')?[\w-]*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|authorization|session)[\w-]*(?:"|')?\s*[:=]\s*)(?!"?(?:Bearer|Basic|Token)\s)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;&}]+)/gi,
    '$1"[REDACTED]"',
  ],
  // JWTs: three base64url parts, the first starting with {" encoded.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[REDACTED JWT]'],
  // AWS access key ids.
  [/\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b/g, '[REDACTED AWS KEY]'],
  // PEM private keys.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[REDACTED PRIVATE KEY]'],
  // Long hex strings, except after a colon: content digests (sha256:<hex>) and image tags identify
  // images and are not secret.
  // build-image's fingerprint tags (fp-<hex>) likewise.
  [/(?<![\w:]|fp-)[0-9a-fA-F]{32,}\b/g, '[REDACTED]'],
];

/** Long base64-looking runs (e.g. AWS secret keys) with upper, lower case and digits mixed. */
const BASE64_RUN = /[A-Za-z0-9+/_-]{32,}={0,2}/g;

/**
 * A field's value as shown in a message or the summary: what came back can hold anything (an
 * object with a connection string, a token), so it is redacted and cut like the body excerpt.
 */
export function shownValue(value: string, max = 200): string {
  const redacted = redactSecrets(value);
  return redacted.length > max ? `${redacted.slice(0, max)}…` : redacted;
}

export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out.replace(BASE64_RUN, (run) =>
    /[A-Z]/.test(run) && /[a-z]/.test(run) && /\d/.test(run) && !/^[A-Za-z-]+$/.test(run) && looksRandom(run)
      ? '[REDACTED]'
      : run,
  );
}

/** Words joined by slashes or dashes (paths, image names) are not secrets; random strings have few separators. */
function looksRandom(run: string): boolean {
  const separators = (run.match(/[/_-]/g) ?? []).length;
  return separators <= run.length / 16;
}

// ---------------------------------------------------------------------------------------------
// The default HTTP client: node:http/https, keep-alive, plain error messages.

export function createNodeHttpGet(options: { maxSockets: number }): { get: HttpGet; close(): void } {
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets }),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets: options.maxSockets }),
  };
  const once = (url: URL, timeoutMs: number, signal?: AbortSignal): Promise<HttpResponse> =>
    new Promise((resolve, reject) => {
      const isHttps = url.protocol === 'https:';
      const send = isHttps ? httpsRequest : httpRequest;
      const req = send(url, {
        method: 'GET',
        agent: isHttps ? agents['https:'] : agents['http:'],
        headers: { accept: 'application/json, */*;q=0.5', 'user-agent': 'fargate-bluegreen-suite smoke-test' },
      });
      const timer = setTimeout(
        () =>
          req.destroy(
            new HttpRequestError(`no complete response within ${seconds(timeoutMs)} (request timeout)`, 'timeout'),
          ),
        timeoutMs,
      );
      const onAbort = () => req.destroy(cancelledFrom(signal!));
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (chunk: Buffer) => {
          if (kept < MAX_BODY_BYTES) {
            chunks.push(chunk);
            kept += chunk.length;
          }
        });
        res.on('end', () => {
          done();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'),
            url: url.toString(),
          });
        });
        res.on('error', (error) => {
          done();
          reject(describeNetworkError(error, url));
        });
      });
      req.on('error', (error) => {
        done();
        reject(error instanceof HttpRequestError ? error : signal?.aborted ? error : describeNetworkError(error, url));
      });
      req.end();
    });

  const get: HttpGet = async (url, { timeoutMs, followRedirects, signal }) => {
    let current = url;
    for (let hop = 0; ; hop++) {
      const response = await once(current, timeoutMs, signal);
      const location = headerValue(response.headers.location);
      if (!followRedirects || response.status < 300 || response.status >= 400 || !location) return response;
      if (hop === MAX_REDIRECTS) {
        throw new HttpRequestError(`more than ${MAX_REDIRECTS} redirects, the last to ${location}`, 'redirect');
      }
      try {
        current = new URL(location, current);
      } catch {
        throw new HttpRequestError(`redirected to ${JSON.stringify(location)}, which is not a valid URL`, 'redirect');
      }
      if (current.protocol !== 'http:' && current.protocol !== 'https:') {
        throw new HttpRequestError(
          `redirected to ${current.protocol} URL ${location}, which cannot be followed`,
          'redirect',
        );
      }
    }
  };

  return {
    get,
    close: () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** Turns node's network errors into one plain sentence naming the host. */
export function describeNetworkError(error: Error, url: URL): HttpRequestError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const where = url.host;
  if (code === 'ECONNREFUSED')
    return new HttpRequestError(`connection refused by ${where} (nothing is listening there yet)`, 'refused', code);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return new HttpRequestError(
      `DNS lookup of ${url.hostname} failed (${code}): check the URL, or wait for the DNS record`,
      'dns',
      code,
    );
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || error.message === 'socket hang up') {
    return new HttpRequestError(
      `connection to ${where} was closed before the response was complete (${code || 'socket hang up'})`,
      'reset',
      code,
    );
  }
  if (code === 'ETIMEDOUT' || code === 'ECONNABORTED') {
    return new HttpRequestError(`connection to ${where} timed out (${code})`, 'timeout', code);
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return new HttpRequestError(
      `${where} is unreachable (${code}): check the network path and security groups`,
      'other',
      code,
    );
  }
  if (TLS_CODES.has(code) || /certificate|ssl|tls/i.test(error.message)) {
    return new HttpRequestError(
      `TLS error talking to ${where}: ${error.message}${code ? ` (${code})` : ''}`,
      'tls',
      code,
    );
  }
  return new HttpRequestError(`request to ${where} failed: ${error.message}${code ? ` (${code})` : ''}`, 'other', code);
}
