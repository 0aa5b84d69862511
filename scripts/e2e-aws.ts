/**
 * The steps of the live check on AWS (.github/workflows/e2e-aws.yml) that are not actions: the
 * demo's app edits, a bounded load loop against the environment's production URL, and each
 * phase's verdict with the demo's own expectations (scripts/demo/expectations.ts).
 *
 *   tsx scripts/e2e-aws.ts edit change|broken
 *   tsx scripts/e2e-aws.ts load --url <production URL> --stats <file> [--stop-file <file>]
 *   tsx scripts/e2e-aws.ts verdict init|change|noop|broken   (env STEPS: the job's steps context as JSON)
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { APP_EDITS, applyEdit } from './demo/edits.js';
import {
  changeProblems,
  initProblems,
  noOpProblems,
  rollbackProblems,
  type Answer,
  type StepResult,
} from './demo/expectations.js';
import { LoadLoop, sampleAnswers, type LoadStats } from './demo/load.js';

export const PHASES = ['init', 'change', 'noop', 'broken'] as const;
export type Phase = (typeof PHASES)[number];

/** One entry of the workflow's `steps` context (`toJSON(steps)`). */
export interface StepContext {
  outcome?: string;
  conclusion?: string;
  outputs?: Record<string, string>;
}

/**
 * A step of the workflow as the demo's expectations read it. `outcome` is the result before
 * continue-on-error. A workflow step cannot read an earlier step's log, so `errors` is empty:
 * the verdicts that need the action's message are the demo's alone.
 */
export function stepResult(steps: Record<string, StepContext>, id: string): StepResult {
  const step = steps[id];
  const code = step?.outcome === 'success' ? 0 : step?.outcome === 'failure' ? 1 : null;
  return { code, outputs: step?.outputs ?? {}, errors: [] };
}

const NO_LOAD: LoadStats = { sent: 0, failed: 0, byImage: {}, failures: [] };

/** The problems of one phase, from the job's steps (ids `<phase>-build`, `<phase>-deploy`, ...). */
export function phaseProblems(
  phase: Phase,
  steps: Record<string, StepContext>,
  extra: { load?: LoadStats; after?: Answer[] } = {},
): string[] {
  const step = (name: string) => stepResult(steps, `${phase}-${name}`);
  const notRun = ['build', 'taskdef', 'deploy', 'smoke']
    .filter((name) => steps[`${phase}-${name}`] && stepResult(steps, `${phase}-${name}`).code === null)
    .map((name) => `${phase}-${name} did not run`);
  switch (phase) {
    case 'init':
      return [...notRun, ...initProblems({ build: step('build'), taskdef: step('taskdef'), smoke: step('smoke') })];
    case 'change':
      return [
        ...notRun,
        ...changeProblems({
          build: step('build'),
          deploy: step('deploy'),
          smoke: step('smoke'),
          load: extra.load ?? NO_LOAD,
        }),
      ];
    case 'noop':
      return [...notRun, ...noOpProblems({ build: step('build'), deploy: step('deploy') })];
    case 'broken':
      return rollbackProblems({
        build: step('build'),
        deploy: step('deploy'),
        load: extra.load ?? NO_LOAD,
        // What production served before the broken deploy: the change phase's image.
        before: stepResult(steps, 'change-build').outputs.image ?? '',
        after: extra.after ?? [],
      });
  }
}

function git(...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=e2e-aws', '-c', 'user.email=e2e-aws@users.noreply.github.com', ...args], {
    stdio: 'inherit',
  });
}

/** A loop bounded in count and time, that also ends when the stop file appears; writes its stats. */
async function runLoad(url: string, statsFile: string, stopFile: string | undefined): Promise<void> {
  if (!/^https?:\/\/[^/\s]+\/?$/.test(url)) {
    throw new Error(`--url must be the environment's production URL (http(s)://host), got ${JSON.stringify(url)}`);
  }
  // A few users' worth of traffic, never more than 30 minutes or 40,000 requests.
  const loop = new LoadLoop({
    url: `${url.replace(/\/$/, '')}/host`,
    clients: 4,
    pauseMs: 200,
    maxRequests: 40_000,
    maxMs: 30 * 60_000,
  });
  const watch = setInterval(() => {
    if (stopFile && existsSync(stopFile)) void loop.stop();
  }, 1_000);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void loop.stop());
  const stats = await loop.finished();
  clearInterval(watch);
  writeFileSync(statsFile, `${JSON.stringify(stats, null, 2)}\n`);
  console.log(`load loop: ${stats.sent} requests, ${stats.failed} failed`);
}

async function verdict(phase: Phase): Promise<boolean> {
  const steps = JSON.parse(process.env.STEPS || '{}') as Record<string, StepContext>;
  const statsFile = process.env.LOAD_STATS;
  const load =
    statsFile && existsSync(statsFile) ? (JSON.parse(readFileSync(statsFile, 'utf8')) as LoadStats) : undefined;
  const url = process.env.PRODUCTION_URL;
  const after = phase === 'broken' && url ? await sampleAnswers(`${url.replace(/\/$/, '')}/host`, 20) : undefined;
  const problems = phaseProblems(phase, steps, { load, after });
  const loadNote = load ? `; load loop: ${load.sent} requests, ${load.failed} failed` : '';
  const row = `| ${phase} | ${problems.length ? `unexpected: ${problems.join('; ')}` : 'as expected'}${loadNote} |`;
  for (const problem of problems) console.log(`::error title=e2e ${phase}::${problem}`);
  if (!problems.length) console.log(`${phase}: as expected${loadNote}`);
  for (const file of [
    process.env.GITHUB_STEP_SUMMARY,
    process.env.REPORT_DIR && join(process.env.REPORT_DIR, 'summary.md'),
  ]) {
    if (file) appendFileSync(file, `${row}\n`);
  }
  return problems.length === 0;
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { url: { type: 'string' }, stats: { type: 'string' }, 'stop-file': { type: 'string' } },
  });
  const phase = positionals[0] as Phase;
  if (command === 'edit' && (phase === 'change' || phase === 'broken')) {
    const edit = APP_EDITS[phase];
    applyEdit(edit.file, edit);
    git('commit', '-q', '-am', edit.message);
  } else if (command === 'load' && values.url && values.stats) {
    await runLoad(values.url, values.stats, values['stop-file']);
  } else if (command === 'verdict' && PHASES.includes(phase)) {
    if (!(await verdict(phase))) process.exitCode = 1;
  } else {
    throw new Error(
      `usage: e2e-aws.ts edit change|broken | load --url <url> --stats <file> [--stop-file <file>] | verdict ${PHASES.join('|')}; got ${JSON.stringify(process.argv.slice(2).join(' '))}`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
