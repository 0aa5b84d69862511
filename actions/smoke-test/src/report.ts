/** The job summary and log lines of a smoke test: pure functions of the config and the result. */
import type { HttpCheckResult } from '../../../lib/http-checks.js';
import type { Summary } from '../../../lib/summary.js';
import type { SmokeTestConfig } from './config.js';

/** Values longer than this are shortened in table cells (the full values are folded below). */
const CELL_CHARS = 32;

/** `sha256:` digests to their first 12 hex digits, as `docker images` shows image ids. */
export function shortenDigests(text: string): string {
  return text.replace(/sha256:([0-9a-f]{12})[0-9a-f]{52}/g, 'sha256:$1…');
}

/**
 * Expected and observed, each shortened around the part where they differ, that part in bold:
 * two 120-character image URIs that differ in a digest read as `…@sha256:**0c1f…**`.
 */
export function markDifference(expected: string, observed: string, keep = 12): [string, string] {
  const a = shortenDigests(expected);
  const b = shortenDigests(observed);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  const mark = (text: string) => {
    const middle = text.slice(start, text.length - end);
    const before = start > keep ? `…${text.slice(start - keep, start)}` : text.slice(0, start);
    const after =
      end > keep ? `${text.slice(text.length - end, text.length - end + keep)}…` : text.slice(text.length - end);
    return `${before}${middle ? `**${middle}**` : ''}${after}`;
  };
  return a === b ? [a, b] : [mark(a), mark(b)];
}

/** A long value keeps its end, where image references differ (the tag or digest). */
const cell = (text: string) => (text.length > CELL_CHARS ? `…${text.slice(-(CELL_CHARS - 1))}` : text);

export function writeReport(summary: Summary, config: SmokeTestConfig, result: HttpCheckResult): void {
  summary.title(`smoke-test: GET ${result.url}`);
  const passedChecks = result.checks.filter((c) => c.passed).length;
  const broken = result.checks.find((c) => !c.passed);
  if (result.passed) {
    summary.verdict(
      'success',
      `passed ${passedChecks}/${result.checks.length} checks; ${result.requests.passed}/${result.requests.sent} requests met them (p95 ${ms(result.p95Ms)})`,
    );
  } else if (broken) {
    const [expected, observed] = markDifference(broken.expected, broken.observed);
    summary.verdict('failure', `failed: ${broken.check} expected ${expected}, got ${observed}`);
  } else {
    summary.verdict(
      'failure',
      `failed: ${shortenDigests(result.message?.split('\n')[0] ?? 'no response met the expectations')}`,
    );
  }
  summary.table(
    ['Check', 'Result', 'Expected', 'Observed'],
    result.checks.map((c) => {
      const [expected, observed] = c.passed
        ? [c.expected, c.observed].map(shortenDigests)
        : markDifference(c.expected, c.observed);
      return [c.check, c.passed ? '✅' : '❌', cell(expected!), cell(observed!)];
    }),
  );
  // Phase 2 ran only after a first success: without one, its numbers would all be zero.
  if (result.requests.sent > 0) {
    summary.table(
      ['First success after', 'Requests', 'Passed', 'Failed', 'Concurrency', 'p50', 'p95', 'max', 'Requests/s'],
      [
        [
          `${result.attempts} attempt${result.attempts === 1 ? '' : 's'}`,
          result.requests.sent,
          result.requests.passed,
          result.requests.failed,
          config.concurrency,
          ms(result.p50Ms),
          ms(result.p95Ms),
          ms(result.maxMs),
          `${result.requestsPerSecond}/s`,
        ],
      ],
    );
  } else {
    summary.text(`No response met the expectations in ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}.`);
  }
  if (result.hosts.length > 0) {
    summary.folded(`Hosts that answered (${result.hosts.length})`, result.hosts.map((h) => `- \`${h}\``).join('\n'));
  }
  const long = result.checks.filter((c) => c.expected.length > CELL_CHARS || c.observed.length > CELL_CHARS);
  if (long.length > 0) {
    summary.folded(
      'Full values',
      long.map((c) => `- ${c.check}\n  - expected: \`${c.expected}\`\n  - observed: \`${c.observed}\``).join('\n'),
    );
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
