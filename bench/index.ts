/**
 * `npm run bench`: what the suite costs per push, measured side by side with the naive way in one
 * run against the local AWS sandbox, printed as one table and written to docs/benchmarks.md.
 *
 *   npm run bench                 # the full run (about 5 minutes on 2 cores)
 *   npm run bench -- --quick      # fewer runs and sizes, for development (docs not written)
 *   npm run bench -- --no-write   # full run, print only
 *   npm run bench -- --only deploys,smoke-test   # some sections (start-up, smoke-test, change detection, deploys, timeline)
 *   npx tsx bench/startup.ts | npx tsx bench/timeline.ts   # one part alone
 *
 * Ratios matter more than absolute times: on a shared machine the latter are noise.
 * Targets are reported, never asserted: a missed one says which action is responsible.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../testing/run-action.js';
import { measureChangeDetection } from './change-detection.js';
import { measureDeploys } from './deploys.js';
import { markdownTable, type Row } from './measure.js';
import { generatedSection, machineLines, replaceGeneratedSection, targetsLine } from './report.js';
import { measureSmokeThroughput } from './smoke-throughput.js';
import { measureStartupAgainstBaseline } from './startup.js';
import { measureTimeline } from './timeline.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyIndex = args.indexOf('--only');
/** `--only deploys,start-up`: run just these sections (development); docs are then not written. */
const only = onlyIndex >= 0 ? (args[onlyIndex + 1] ?? '').split(',') : undefined;
const write = !quick && !only && !args.includes('--no-write');
const TIME_SCALE = 60;

const plan = quick
  ? {
      startupRuns: 5,
      smokeRequests: 200,
      fingerprintSizes: [1000],
      fingerprintRuns: 2,
      noOpRuns: 1,
      linearIntervalMinutes: 1,
    }
  : {
      startupRuns: 21,
      smokeRequests: 2000,
      fingerprintSizes: [1000, 10_000, 100_000],
      fingerprintRuns: 5,
      noOpRuns: 3,
      linearIntervalMinutes: 7,
    };

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function section(name: string, rows: Row[], run: () => Promise<Row[]> | Row[]): Promise<void> {
  if (only && !only.includes(name)) return;
  const started = Date.now();
  log(`${name}...`);
  try {
    rows.push(...(await run()));
  } catch (error) {
    // One broken part must not hide the others' figures: the row says what failed.
    log(`${name} failed: ${(error as Error).stack ?? String(error)}`);
    rows.push({
      area: name,
      measure: 'could not be measured',
      suite: `error: ${(error as Error).message.split('\n')[0]}`,
    });
    process.exitCode = 1;
  }
  log(`${name} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function writeDocs(rows: Row[], totalMs: number): void {
  const file = join(repoRoot, 'docs', 'benchmarks.md');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  writeFileSync(file, replaceGeneratedSection(text, generatedSection(rows, machineLines(TIME_SCALE, totalMs))));
}

const started = Date.now();
const rows: Row[] = [];
log(`${quick ? 'quick' : 'full'} run; ${cpus().length} cpu(s), node ${process.version}`);
// Start-up and throughput first, while no sandbox tasks compete for the CPU.
// Beside the bundles of the commit before lazy loading, built now in a temporary git worktree.
await section('start-up', rows, () =>
  measureStartupAgainstBaseline(plan.startupRuns, log, {
    rev: args.includes('--startup-baseline') ? args[args.indexOf('--startup-baseline') + 1] : undefined,
  }),
);
await section('smoke-test', rows, () => measureSmokeThroughput(plan.smokeRequests));
await section('change detection', rows, () => measureChangeDetection(plan.fingerprintSizes, plan.fingerprintRuns));
await section('deploys', rows, () =>
  measureDeploys({
    timeScale: TIME_SCALE,
    noOpRuns: plan.noOpRuns,
    linearIntervalMinutes: plan.linearIntervalMinutes,
    log,
  }),
);
// AWS time, computed from documented timings and the stacks' variables.tf, and the deployment
// part recorded in the sandbox beside it (not in a quick run).
await section('timeline', rows, () => measureTimeline({ record: !quick }));
const totalMs = Date.now() - started;

console.log(markdownTable(rows));
console.log(`\n${targetsLine(rows)} (${(totalMs / 1000).toFixed(0)} s)`);
if (write) {
  writeDocs(rows, totalMs);
  log('wrote docs/benchmarks.md');
}
