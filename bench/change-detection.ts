/**
 * Change detection: build-image's fingerprint at 1k, 10k and 100k files, git fast path against a
 * full read. One harness: this runs bench/fingerprint.ts (the build-image benchmark) as a process
 * and reads its table.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../testing/run-action.js';
import type { Row } from './measure.js';

export async function measureChangeDetection(sizes: number[], runs: number): Promise<Row[]> {
  const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
  const args = [join(repoRoot, 'bench', 'fingerprint.ts'), '--sizes', sizes.join(','), '--runs', String(runs)];
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(tsx, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', (exit) => resolve({ code: exit, stdout: out, stderr: err }));
    },
  );
  const rows = parseFingerprintTable(stdout, runs);
  if (rows.length === 0) {
    throw new Error(`bench/fingerprint.ts printed no results (exit ${code}):\n${stdout}\n${stderr.slice(-2000)}`);
  }
  return rows;
}

/** The rows of bench/fingerprint.ts's table as rows of the one table. */
export function parseFingerprintTable(text: string, runs: number): Row[] {
  // Its rows begin: | files | git fast path, median ms | full read, median ms | full read / fast path | ...
  const rows: Row[] = [];
  for (const line of text.split('\n')) {
    const cells = line
      .trim()
      .replace(/^\|/, '')
      .replace(/\|$/, '')
      .split('|')
      .map((c) => c.replace(/[*,]/g, '').trim()); // 1,000 and **140** read as numbers
    if (cells.length < 4 || !/^\d+$/.test(cells[0]!)) continue;
    const [files, fast, full] = cells as [string, string, string];
    const speedup = cells[3]!.replace(/x$/, '');
    const is100k = Number(files) >= 100_000;
    rows.push({
      area: 'change detection',
      measure: `fingerprint of ${Number(files).toLocaleString('en-US')} files (median of ${runs})`,
      suite: `git fast path ${fast} ms`,
      baseline: `full read ${full} ms`,
      ratio: `${speedup}x`,
      // build-image's own target (bench/fingerprint.ts): at 100k files, under 1 s and >= 5x.
      target: is100k ? 'fast path < 1 s and >= 5x' : undefined,
      met: is100k ? Number(fast) < 1000 && Number(speedup) >= 5 : undefined,
      note: is100k ? 'build-image' : undefined,
    });
  }
  return rows;
}
