/** Small helpers the benchmarks share: statistics, formatting, and the rows of the one table. */

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

export function seconds(valueMs: number): string {
  return `${(valueMs / 1000).toFixed(1)} s`;
}

export function ratio(numerator: number, denominator: number): string {
  if (!Number.isFinite(numerator) || !Number.isFinite(denominator) || denominator === 0) {
    return numerator === 0 && denominator === 0 ? 'equal' : numerator > 0 ? 'n/a (0 vs >0)' : '-';
  }
  return `${(numerator / denominator).toFixed(1)}x`;
}

export function bytes(value: number): string {
  return value >= 1024 * 1024 ? `${(value / 1024 / 1024).toFixed(2)} MB` : `${(value / 1024).toFixed(0)} kB`;
}

/** One line of the results table. `met` is undefined where the issue sets no target. */
export interface Row {
  area: string;
  measure: string;
  suite: string;
  /** What the figure is compared with (the naive strategy, bare node, ...), if anything. */
  baseline?: string;
  ratio?: string;
  target?: string;
  met?: boolean;
  /** Who is responsible when a target is missed, and other short remarks. */
  note?: string;
}

export function markdownTable(rows: Row[]): string {
  const cell = (text: string | undefined) => (text ?? '').replace(/\|/g, '\\|');
  const lines = [
    '| area | measure | suite | compared with | ratio | target | met |',
    '|---|---|---:|---:|---:|---|:---:|',
  ];
  for (const row of rows) {
    const met = row.met === undefined ? '' : row.met ? 'yes' : `**no**${row.note ? ` (${row.note})` : ''}`;
    lines.push(
      `| ${cell(row.area)} | ${cell(row.measure)} | ${cell(row.suite)} | ${cell(row.baseline)} | ${cell(row.ratio)} | ${cell(row.target)} | ${cell(met)} |`,
    );
  }
  return lines.join('\n');
}

/** AWS operations that only read: the rest change something. */
export function isRead(operation: string): boolean {
  return /^(Describe|Get|List|BatchGet|BatchCheck)/.test(operation);
}

export function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** `DescribeImages 1, DescribeServices 1` */
export function formatCounts(counts: Map<string, number>): string {
  return [...counts].map(([name, n]) => `${name} ${n}`).join(', ') || 'none';
}
