/**
 * What the demo prints: action log lines made readable (workflow commands turned into plain
 * text, noise dropped) and the closing table.
 */

export interface PhaseRow {
  phase: string;
  /** Whether the phase behaved as expected. */
  ok: boolean;
  durationMs: number;
  /** AWS API calls the sandbox logged during the phase. */
  awsCalls: number;
  /** Failed requests of the load loop, when one ran in the phase. */
  failedRequests?: number;
  /** Requests the load loop sent, when one ran. */
  sentRequests?: number;
  /** One line: what happened, or what was unexpected. */
  note: string;
}

/**
 * One line of an action's stdout as the demo shows it (possibly several lines, for a multi-line
 * message), or undefined to drop it. The runner's commands (`::group::`, `::error::`...) become
 * plain text; masks, state and debug lines go, and so do BuildKit's per-step progress lines
 * (`#5 DONE 0.0s`) unless they say something was skipped or failed.
 */
export function renderActionLine(line: string): string | undefined {
  const text = line.replace(/\r$/, '');
  if (text.trim() === '') return undefined;
  const command = /^::([a-z-]+)(?: [^:]*)?::(.*)$/.exec(text);
  if (!command) {
    if (/^#\d+ /.test(text) && !/(SKIPPED|ERROR|CANCELED|pushing)/.test(text)) return undefined;
    return text;
  }
  const [, name, message] = command;
  const decoded = message!.replace(/%0D/g, '').replace(/%0A/g, '\n').replace(/%25/g, '%');
  switch (name) {
    case 'group':
      return `> ${decoded}`;
    case 'error':
      return `ERROR: ${decoded}`;
    case 'warning':
      return `warning: ${decoded}`;
    case 'notice':
      return `notice: ${decoded}`;
    default:
      // endgroup, add-mask, debug, save-state, set-output, stop-commands...
      return undefined;
  }
}

/** Splits a stream of chunks into whole lines. */
export class LineSplitter {
  private rest = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop() ?? '';
    for (const line of parts) this.onLine(line);
  }

  flush(): void {
    if (this.rest !== '') this.onLine(this.rest);
    this.rest = '';
  }
}

export function formatDuration(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The closing table: phase, result, duration, AWS calls, failed requests. */
export function formatTable(rows: PhaseRow[]): string {
  const header = ['phase', 'result', 'duration', 'AWS calls', 'failed requests'];
  const body = rows.map((row) => [
    row.phase,
    row.ok ? 'ok' : 'UNEXPECTED',
    formatDuration(row.durationMs),
    String(row.awsCalls),
    row.failedRequests === undefined ? '-' : `${row.failedRequests} of ${row.sentRequests ?? '?'}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}

/** Calls per operation, e.g. `ecr DescribeImages x2, ecs DescribeServices`. */
export function summariseCalls(calls: { service: string; operation: string; errorCode?: string }[]): string {
  const counts = new Map<string, number>();
  for (const call of calls) {
    const key = `${call.service} ${call.operation}${call.errorCode ? ` (${call.errorCode})` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => (n > 1 ? `${key} x${n}` : key)).join(', ');
}
