/**
 * Action start-up: how long each bundle takes to load and reach its first decision (here: no
 * inputs, so it stops at the first required input) over a bare `node -e ''`, medians of many
 * alternating runs; and the bundles' sizes. Side by side in the same run, on the same machine
 * under the same load: the bundles of an earlier commit (by default the one before the bundles
 * loaded the AWS SDK lazily), built from that commit in a temporary git worktree.
 *
 *   npx tsx bench/startup.ts [--runs 21] [--baseline <git rev>] [--baseline-dist <dir>]
 *
 * `--baseline-dist` reuses bundles already built (a folder holding actions/<name>/dist).
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../testing/run-action.js';
import { bytes, markdownTable, median, ms, type Row } from './measure.js';

const BUNDLE_LIMIT = 2 * 1024 * 1024;

/** The commit before the actions loaded their AWS clients and toolkit parts only when a run needs them. */
export const STARTUP_BASELINE = 'aa5fb8755ecdc7e9b7a69a3821e34c03d4da4c59';

/** Each bundle's load over bare node must be at most this share of the baseline's. */
const TARGET_SHARE = 0.5;

/** Every bundle the actions ship under `root`: actions/<name>/dist/index.js and dist/post/index.js. */
export function bundles(root = repoRoot): { name: string; file: string }[] {
  const found: { name: string; file: string }[] = [];
  for (const action of readdirSync(join(root, 'actions')).sort()) {
    for (const [suffix, relative] of [
      ['', 'dist/index.js'],
      [' (post)', 'dist/post/index.js'],
    ] as const) {
      const file = join(root, 'actions', action, relative);
      if (existsSync(file)) found.push({ name: `${action}${suffix}`, file });
    }
  }
  return found;
}

/** Bytes a bundle ships: index.js and the chunks it may load lazily (<id>.index.js). */
function bundleBytes(file: string): number {
  const dir = join(file, '..');
  return readdirSync(dir)
    .filter((f) => /^(?:[\w-]+\.)?index\.js$/.test(f))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

function timeRun(args: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, args, { env, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/**
 * Builds the bundles of `rev` in a temporary git worktree (with its own dependencies) and
 * returns its folder and a function that removes it.
 */
export function buildBaselineBundles(rev: string, log: (line: string) => void): { root: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-startup-baseline-'));
  const root = join(dir, 'tree');
  const git = (...args: string[]) => {
    const result = spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr.trim()}`);
  };
  git('worktree', 'add', '--detach', root, rev);
  const remove = () => {
    spawnSync('git', ['worktree', 'remove', '--force', root], { cwd: repoRoot });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // That commit's own dependencies: this checkout's node_modules no longer hold packages the
    // suite has since dropped (e.g. @actions/core), so they serve only when the lock files agree.
    const lock = (dir: string) => readFileSync(join(dir, 'package-lock.json'), 'utf8');
    if (lock(root) === lock(repoRoot)) {
      symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'), 'dir');
    } else {
      log(`installing the dependencies of ${rev.slice(0, 12)} (npm ci, from the npm cache where it can)...`);
      const installed = spawnSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
        cwd: root,
        encoding: 'utf8',
      });
      if (installed.status !== 0) throw new Error(`npm ci at ${rev} failed: ${installed.stderr || installed.stdout}`);
    }
    log(`building the bundles of ${rev.slice(0, 12)} in ${root} (its own scripts/package.mjs)...`);
    const built = spawnSync(process.execPath, ['scripts/package.mjs'], { cwd: root, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`packaging ${rev} failed: ${built.stderr || built.stdout}`);
    return { root, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

export interface StartupOptions {
  runs: number;
  /** A checkout whose actions/<name>/dist to compare with; none: no comparison. */
  baselineRoot?: string;
  /** What the baseline is, for the table (a commit). */
  baselineLabel?: string;
}

export function measureStartup(options: StartupOptions | number): Row[] {
  const { runs, baselineRoot, baselineLabel } = typeof options === 'number' ? { runs: options } : options;
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
    const before = new Map((baselineRoot ? bundles(baselineRoot) : []).map((b) => [b.name, b.file]));
    const files = [...list.map((b) => b.file), ...before.values()];
    const times = new Map<string, number[]>(files.map((f) => [f, []]));
    const bare: number[] = [];
    timeRun(['-e', ''], env); // warm the page cache
    for (const file of files) timeRun([file], env);
    // Alternating: bare node, then every bundle of both builds, so load changes hit all alike.
    for (let i = 0; i < runs; i++) {
      bare.push(timeRun(['-e', ''], env));
      for (const file of files) times.get(file)!.push(timeRun([file], env));
    }
    const bareMedian = median(bare);
    const overBare = (file: string) => median(times.get(file)!) - bareMedian;
    const rows: Row[] = [];
    for (const b of list) {
      const load = overBare(b.file);
      const size = bundleBytes(b.file);
      const old = before.get(b.name);
      const oldLoad = old ? overBare(old) : undefined;
      const share = oldLoad && oldLoad > 0 ? load / oldLoad : undefined;
      rows.push({
        area: 'start-up',
        measure: `${b.name}: load over bare node (median of ${runs}; bare node ${ms(bareMedian)})`,
        suite: `+${ms(load)}`,
        baseline: old ? `+${ms(oldLoad!)} at ${baselineLabel ?? 'the baseline'}` : `bare node ${ms(bareMedian)}`,
        ratio: share !== undefined ? `${share.toFixed(2)}x` : `${((load + bareMedian) / bareMedian).toFixed(1)}x`,
        target: old ? `<= ${TARGET_SHARE}x of before` : undefined,
        met: share !== undefined ? share <= TARGET_SHARE : undefined,
      });
      rows.push({
        area: 'bundle size',
        measure: `${b.name}: dist ${b.file.includes('/post/') ? 'post/' : ''}index.js and its lazy chunks`,
        suite: bytes(size),
        baseline: old ? `${bytes(bundleBytes(old))} at ${baselineLabel ?? 'the baseline'}` : undefined,
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

/** The start-up part with its baseline built (or given), as bench/index.ts and the command line run it. */
export function measureStartupAgainstBaseline(
  runs: number,
  log: (line: string) => void,
  baseline: { rev?: string; dist?: string } = {},
): Row[] {
  if (baseline.dist) {
    return measureStartup({ runs, baselineRoot: baseline.dist, baselineLabel: baseline.dist });
  }
  const rev = baseline.rev ?? STARTUP_BASELINE;
  const built = buildBaselineBundles(rev, log);
  try {
    return measureStartup({ runs, baselineRoot: built.root, baselineLabel: rev.slice(0, 7) });
  } finally {
    built.remove();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const value = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const log = (line: string) => process.stderr.write(`[bench start-up] ${line}\n`);
  const rows = measureStartupAgainstBaseline(Number(value('--runs') ?? 21), log, {
    rev: value('--baseline'),
    dist: value('--baseline-dist'),
  });
  console.log(markdownTable(rows));
}
