/**
 * Action start-up: how long each bundle takes to load and reach its first decision (here: no
 * inputs, so it stops at the first required input) over a bare `node -e ''`, medians of many
 * alternating runs; and the bundles' sizes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../testing/run-action.js';
import { bytes, median, ms, type Row } from './measure.js';

const BUNDLE_LIMIT = 2 * 1024 * 1024;

/** Every bundle the actions ship: actions/<name>/dist/index.js and dist/post/index.js. */
export function bundles(): { name: string; file: string }[] {
  const found: { name: string; file: string }[] = [];
  for (const action of readdirSync(join(repoRoot, 'actions')).sort()) {
    for (const [suffix, relative] of [
      ['', 'dist/index.js'],
      [' (post)', 'dist/post/index.js'],
    ] as const) {
      const file = join(repoRoot, 'actions', action, relative);
      if (existsSync(file)) found.push({ name: `${action}${suffix}`, file });
    }
  }
  return found;
}

function timeRun(args: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, args, { env, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export function measureStartup(runs: number): Row[] {
  const dir = mkdtempSync(join(tmpdir(), 'bench-startup-'));
  try {
    for (const name of ['output', 'summary', 'state']) writeFileSync(join(dir, name), '');
    // What the runner gives every step, and no INPUT_* variables.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_OUTPUT: join(dir, 'output'),
      GITHUB_STEP_SUMMARY: join(dir, 'summary'),
      GITHUB_STATE: join(dir, 'state'),
      RUNNER_TEMP: dir,
    };
    const list = bundles();
    const bare: number[] = [];
    const times = new Map<string, number[]>(list.map((b) => [b.name, []]));
    timeRun(['-e', ''], env); // warm the page cache
    for (const b of list) timeRun([b.file], env);
    for (let i = 0; i < runs; i++) {
      bare.push(timeRun(['-e', ''], env));
      for (const b of list) times.get(b.name)!.push(timeRun([b.file], env));
    }
    const bareMedian = median(bare);
    const rows: Row[] = [];
    for (const b of list) {
      const load = median(times.get(b.name)!);
      const size = statSync(b.file).size;
      rows.push({
        area: 'start-up',
        measure: `${b.name}: load over bare node (median of ${runs})`,
        suite: `+${ms(load - bareMedian)}`,
        baseline: `bare node ${ms(bareMedian)}`,
        ratio: `${(load / bareMedian).toFixed(1)}x`,
      });
      rows.push({
        area: 'bundle size',
        measure: `${b.name}: dist ${b.file.includes('/post/') ? 'post/index.js' : 'index.js'}`,
        suite: bytes(size),
        target: '<= 2 MB',
        met: size <= BUNDLE_LIMIT,
        note: size <= BUNDLE_LIMIT ? undefined : b.name,
      });
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
