/**
 * Benchmark of build-image's fingerprint: the git fast path (index ids, read only what git cannot
 * vouch for) against a full read of every file, on generated git repositories of 1k, 10k and
 * 100k small files, side by side in one run.
 *
 *   npx tsx bench/fingerprint.ts [--sizes 1000,10000,100000] [--runs 5]
 *
 * Each repository is committed (so the index and its stat cache are populated), then gets a few
 * uncommitted changes, as a CI checkout with a generated file or two would. Both methods run
 * alternately on a warm page cache; the medians and their ratio are printed, and the two
 * fingerprints must be equal.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintBuild } from '../actions/build-image/src/fingerprint.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return (i >= 0 ? process.argv[i + 1] : undefined) ?? fallback;
}

const sizes = option('sizes', '1000,10000,100000').split(',').map(Number);
const runs = Number(option('runs', '5'));

function git(cwd: string, args: string[]): void {
  execFileSync('git', args, { cwd, stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
}

/** A repository with `count` small files in folders of 100, a Dockerfile and a .dockerignore. */
function generateRepository(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), `bench-fp-${count}-`));
  writeFileSync(join(dir, 'Dockerfile'), 'FROM node:22-alpine\nCOPY . /app\nCMD ["node", "/app/src/d0/f0.js"]\n');
  writeFileSync(join(dir, '.dockerignore'), '.git\n*.log\ntmp/\n');
  for (let i = 0; i < count; i++) {
    const folder = join(dir, 'src', `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `f${i % 100}.js`), `export const value${i} = ${i};\n// ${'x'.repeat(i % 200)}\n`);
  }
  git(dir, ['init', '-q']);
  git(dir, ['add', '-A']);
  git(dir, [
    '-c',
    'gc.auto=0',
    '-c',
    'user.name=bench',
    '-c',
    'user.email=bench@example.com',
    'commit',
    '-q',
    '-m',
    'generated',
  ]);
  // A few changes git must report: one modified, one untracked, one ignored by .dockerignore.
  writeFileSync(join(dir, 'src', 'd0', 'f1.js'), 'export const changed = true;\n');
  writeFileSync(join(dir, 'src', 'new.js'), 'export const added = true;\n');
  writeFileSync(join(dir, 'build.log'), 'noise\n');
  return dir;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * CPU seconds used so far by this process and by its finished children (git), from
 * /proc/self/stat (utime, stime, cutime, cstime), so the work is visible apart from the wait
 * when other processes load the machine. Undefined off Linux.
 */
function cpuMs(): number | undefined {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // After "pid (comm) ": state is field 0, utime 11, stime 12, cutime 13, cstime 14 (in clock ticks, 100/s).
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) * 10;
  } catch {
    return undefined;
  }
}

async function time(
  dir: string,
  mode: 'auto' | 'read',
): Promise<{ ms: number; cpu?: number; fingerprint: string; method: string }> {
  const cpuBefore = cpuMs();
  const started = process.hrtime.bigint();
  const result = await fingerprintBuild({
    context: dir,
    dockerfile: join(dir, 'Dockerfile'),
    buildArgs: new Map([['NODE_ENV', 'production']]),
    platform: 'linux/amd64',
    mode,
  });
  const cpuAfter = cpuMs();
  return {
    ms: Number(process.hrtime.bigint() - started) / 1e6,
    cpu: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore,
    fingerprint: result.fingerprint,
    method: result.method,
  };
}

console.log(`machine: ${cpus().length} cpu(s) (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}`);
console.log(
  `runs per method: ${runs} (after one warm-up each); load average at start ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}\n`,
);
console.log(
  '| files | git fast path, median ms | full read, median ms | full read / fast path | CPU ms fast path (node + git) | CPU ms full read |',
);
console.log('|---:|---:|---:|---:|---:|---:|');
let failed = false;
for (const size of sizes) {
  const dir = generateRepository(size);
  try {
    await time(dir, 'auto');
    await time(dir, 'read');
    const fast: number[] = [];
    const full: number[] = [];
    const fastCpu: number[] = [];
    const fullCpu: number[] = [];
    for (let i = 0; i < runs; i++) {
      const a = await time(dir, 'auto');
      const b = await time(dir, 'read');
      if (a.method !== 'git') throw new Error(`the fast path fell back to ${a.method}`);
      if (a.fingerprint !== b.fingerprint) {
        throw new Error(`fingerprints differ at ${size} files: ${a.fingerprint} vs ${b.fingerprint}`);
      }
      fast.push(a.ms);
      full.push(b.ms);
      if (a.cpu !== undefined && b.cpu !== undefined) {
        fastCpu.push(a.cpu);
        fullCpu.push(b.cpu);
      }
    }
    const f = median(fast);
    const r = median(full);
    const cpu = (values: number[]) => (values.length ? median(values).toFixed(0) : 'n/a');
    console.log(
      `| ${size} | ${f.toFixed(0)} | ${r.toFixed(0)} | ${(r / f).toFixed(1)}x | ${cpu(fastCpu)} | ${cpu(fullCpu)} |`,
    );
    if (size >= 100000 && (r / f < 5 || f >= 1000)) failed = true;
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  }
}
console.log(
  `\nload average at end ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
if (failed) {
  console.log(
    '\ntarget missed: at 100k files the fast path must be under 1 s and at least 5x faster than the full read',
  );
  process.exitCode = 1;
}
