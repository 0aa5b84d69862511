/**
 * `npm run bench`: what the suite costs per push, measured side by side with the naive way in one
 * run against the local AWS sandbox, printed as one table and written to docs/benchmarks.md.
 *
 *   npm run bench                 # the full run (a few minutes on 2 cores)
 *   npm run bench -- --quick      # fewer runs and sizes, for development (docs not written)
 *   npm run bench -- --no-write   # full run, print only
 *   npm run bench -- --only deploys,smoke-test   # some sections (start-up, smoke-test, change detection, deploys)
 *
 * Ratios matter more than absolute times: on a shared machine the latter are noise.
 * Targets (issue 9) are reported, never asserted: a missed one says which action is responsible.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../testing/run-action.js';
import { measureChangeDetection } from './change-detection.js';
import { measureDeploys } from './deploys.js';
import { markdownTable, type Row } from './measure.js';
import { measureSmokeThroughput } from './smoke-throughput.js';
import { measureStartup } from './startup.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyIndex = args.indexOf('--only');
/** `--only deploys,start-up`: run just these sections (development); docs are then not written. */
const only = onlyIndex >= 0 ? (args[onlyIndex + 1] ?? '').split(',') : undefined;
const write = !quick && !only && !args.includes('--no-write');
const TIME_SCALE = 60;

const plan = quick
  ? { startupRuns: 5, smokeRequests: 200, fingerprintSizes: [1000], fingerprintRuns: 2, noOpRuns: 1 }
  : {
      startupRuns: 21,
      smokeRequests: 2000,
      fingerprintSizes: [1000, 10_000, 100_000],
      fingerprintRuns: 5,
      noOpRuns: 3,
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

function machine(): string[] {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  return [
    `- Date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `- Machine: ${cpus().length} CPU(s) (nproc), ${cpus()[0]?.model ?? 'unknown CPU'}, ${process.platform}/${process.arch}`,
    `- Node: ${process.version}`,
    `- Commit: ${commit}`,
    `- Sandbox time scale: ${TIME_SCALE} (one AWS minute per real second)`,
    `- Command: \`npm run bench\``,
  ];
}

const BEGIN = '<!-- bench:begin (written by npm run bench; edit bench/index.ts, not this section) -->';
const END = '<!-- bench:end -->';

/** Replaces the generated section of docs/benchmarks.md, keeping everything around it. */
function writeDocs(rows: Row[], totalMs: number): void {
  const file = join(repoRoot, 'docs', 'benchmarks.md');
  const generated = [
    BEGIN,
    '## Latest figures',
    '',
    ...machine(),
    `- Duration: ${(totalMs / 1000).toFixed(0)} s`,
    '',
    markdownTable(rows),
    END,
  ].join('\n');
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const start = text.indexOf(BEGIN.slice(0, 16));
  const end = text.indexOf(END);
  if (start >= 0 && end > start) {
    text = text.slice(0, start) + generated + text.slice(end + END.length);
  } else if (text) {
    text = `${text.trimEnd()}\n\n${generated}\n`;
  } else {
    text = `# Benchmarks\n\n${generated}\n`;
  }
  writeFileSync(file, text);
}

const started = Date.now();
const rows: Row[] = [];
log(`${quick ? 'quick' : 'full'} run; ${cpus().length} cpu(s), node ${process.version}`);
// Start-up and throughput first, while no sandbox tasks compete for the CPU.
await section('start-up', rows, () => measureStartup(plan.startupRuns));
await section('smoke-test', rows, () => measureSmokeThroughput(plan.smokeRequests));
await section('change detection', rows, () => measureChangeDetection(plan.fingerprintSizes, plan.fingerprintRuns));
await section('deploys', rows, () => measureDeploys({ timeScale: TIME_SCALE, noOpRuns: plan.noOpRuns, log }));
const totalMs = Date.now() - started;

console.log(markdownTable(rows));
const missed = rows.filter((r) => r.met === false);
console.log(
  `\n${rows.filter((r) => r.met !== undefined).length - missed.length} of ${rows.filter((r) => r.met !== undefined).length} targets met` +
    (missed.length ? `; missed: ${missed.map((r) => `${r.area}: ${r.measure} (${r.note ?? '?'})`).join('; ')}` : '') +
    ` (${(totalMs / 1000).toFixed(0)} s)`,
);
if (write) {
  writeDocs(rows, totalMs);
  log('wrote docs/benchmarks.md');
}
