/** The test-traffic gate's checks: the same HTTP checks smoke-test runs, against the test listener. */
import { runHttpChecks, type HttpCheckDeps } from '../../../lib/http-checks.js';
import type { Logger } from '../../../lib/log.js';
import type { TestTrafficResult } from './deps.js';

export interface TestTrafficSpec {
  path: string;
  expectJson: Map<string, string>;
  requests: number;
  timeoutMs: number;
}

export async function checkTestTraffic(
  url: string,
  spec: TestTrafficSpec,
  signal: AbortSignal,
  logger: Logger,
  http?: HttpCheckDeps['http'],
): Promise<TestTrafficResult> {
  const result = await logger.group(`Test traffic checks: ${url}${spec.path}`, () =>
    runHttpChecks(
      {
        url,
        path: spec.path,
        expectStatus: 200,
        expectJson: spec.expectJson,
        requests: spec.requests,
        concurrency: Math.min(4, spec.requests),
        timeoutMs: spec.timeoutMs,
        requestTimeoutMs: 10_000,
        followRedirects: false,
      },
      { logger, signal, http },
    ),
  );
  if (result.passed) {
    return {
      passed: true,
      message: `${result.requests.passed}/${result.requests.sent} requests to ${result.url} met the expectations${result.p95Ms !== undefined ? `, p95 ${result.p95Ms} ms` : ''}`,
    };
  }
  return { passed: false, message: result.message ?? `checks of ${result.url} failed` };
}
