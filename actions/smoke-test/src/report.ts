/** The job summary and log lines of a smoke test: pure functions of the config and the result. */
import type { HttpCheckResult } from '../../../lib/http-checks.js';
import type { Summary } from '../../../lib/summary.js';
import type { SmokeTestConfig } from './config.js';

export function writeReport(summary: Summary, config: SmokeTestConfig, result: HttpCheckResult): void {
  summary.heading(`Smoke test ${result.passed ? 'passed ✅' : 'failed ❌'}`);
  summary.text(`\`GET ${result.url}\``);
  summary.table(
    ['Check', 'Expected', 'Observed', 'Result'],
    result.checks.map((c) => [c.check, c.expected, c.observed, c.passed ? '✅' : '❌']),
  );
  summary.table(
    ['Attempts to first success', 'Requests', 'Passed', 'Failed', 'Concurrency', 'p50', 'p95', 'max', 'Requests/s'],
    [
      [
        result.attempts,
        result.requests.sent,
        result.requests.passed,
        result.requests.failed,
        config.concurrency,
        ms(result.p50Ms),
        ms(result.p95Ms),
        ms(result.maxMs),
        result.requests.sent ? result.requestsPerSecond : undefined,
      ],
    ],
  );
  if (result.hosts.length > 0) {
    summary.text(`Hosts that answered (${result.hosts.length}):`);
    summary.list(result.hosts.map((h) => `\`${h}\``));
  }
  if (result.message) summary.details('Why it failed', result.message);
}

export function phaseTwoLine(config: SmokeTestConfig, result: HttpCheckResult): string {
  const { sent, passed } = result.requests;
  const hosts = result.hosts.length ? `; hosts: ${result.hosts.join(', ')}` : '';
  return (
    `${sent} requests at concurrency ${config.concurrency}: ${passed} met the expectations; ` +
    `p50 ${ms(result.p50Ms)}, p95 ${ms(result.p95Ms)}, ${result.requestsPerSecond} requests/s${hosts}`
  );
}

function ms(value: number | undefined): string {
  return value === undefined ? '-' : `${value} ms`;
}
