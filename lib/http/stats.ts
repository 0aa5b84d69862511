/** The figures of the measured requests: latency percentiles, throughput and failure counts. */

/** Nearest-rank percentile, rounded to 0.1 ms; undefined for no samples. */
export function percentile(samples: number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return round1(sorted[rank - 1]!);
}

/** Requests completed per second over `durationMs`, to 0.1; 0 when no time was measured. */
export function perSecond(count: number, durationMs: number): number {
  return durationMs > 0 ? round1((count * 1000) / durationMs) : 0;
}

/** Each distinct problem with how often it happened, the most frequent first: `3 × status: expected 200, got 500`. */
export function countedProblems(problemsPerRequest: string[][]): string[] {
  const counts = new Map<string, number>();
  for (const problems of problemsPerRequest) for (const p of problems) counts.set(p, (counts.get(p) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([p, n]) => `${n} × ${p}`);
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
