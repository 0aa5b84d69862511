/**
 * Golden job summaries: what a bundle test's run wrote to GITHUB_STEP_SUMMARY, with times, ids,
 * ports and digests masked, compared with docs/summaries/<name>.md, so a change to what users see
 * shows in review. To accept a change, run the test again with UPDATE_GOLDEN=1 and commit the files.
 */
import { expect } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkGfm } from './gfm-check.js';
import { repoRoot } from './run-action.js';

export const GOLDEN_DIR = join(repoRoot, 'docs', 'summaries');

export interface MaskOptions {
  /** The traffic reached when the run was stopped depends on timing: masked too. */
  progressVaries?: boolean;
  /**
   * How many tasks stopped (and so the service events) depends on timing: the counts are masked,
   * the lists of stopped tasks and events folded to one line, and repeated log links kept once.
   */
  tasksVary?: boolean;
}

function maskStoppedTasks(text: string): string {
  return text
    .replace(/\b\d+ tasks? stopped:/g, 'N tasks stopped:')
    .replace(/Stopped tasks:\n(?: {2}- [^\n]*\n)+/g, 'Stopped tasks: (vary from run to run)\n')
    .replace(/Latest service events:\n(?: {2}- [^\n]*\n)+/g, 'Latest service events: (vary from run to run)\n')
    .replace(/(- \[Logs of stopped task [^\n]*\n)\1+/g, '$1');
}

/**
 * How many traffic steps a poll sees depends on timing: the table keeps its first and last row,
 * and with `progressVaries` the last row's shares are masked too.
 */
function maskTraffic(text: string, options: MaskOptions): string {
  return text.replace(
    /<summary>Traffic \(\d+ steps?\)<\/summary>\n\n(\| Time [^\n]*\n\| ---[^\n]*\n)((?:\|[^\n]*\n)+)/g,
    (_all, head: string, rows: string) => {
      const lines = rows.trimEnd().split('\n');
      let last = lines[lines.length - 1]!;
      if (options.progressVaries) last = last.replace(/\d+%/g, 'N%').replace(/[▰▱]+/, '(varies)');
      const kept = lines.length > 1 ? [lines[0]!, last] : [last];
      return `<summary>Traffic (N steps)</summary>\n\n${head}${kept.join('\n')}\n`;
    },
  );
}

/**
 * Replaces what differs from run to run with plain words (no `<...>`, which a markdown renderer
 * would take for HTML); `names` maps run-specific names (e.g. `web7`) to stable ones. */
export function maskSummary(markdown: string, names: Record<string, string> = {}, options: MaskOptions = {}): string {
  let text = maskTraffic(markdown, options);
  for (const [from, to] of Object.entries(names).sort((a, b) => b[0].length - a[0].length)) {
    text = text.split(from).join(to);
  }
  const masked = text
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, 'YYYY-MM-DDThh:mm:ssZ')
    .replace(/\b\d\d:\d\d:\d\d\b/g, 'hh:mm:ss')
    .replace(/sha256:[0-9a-f]{64}/g, 'sha256:DIGEST')
    .replace(/sha256:[0-9a-f]{12}(?![0-9a-f])/g, 'sha256:DIGEST12')
    .replace(/(\b|\$252F)[0-9a-f]{32}\b/g, '$1HEX32')
    .replace(/ecs-svc\/\d+/g, 'ecs-svc/ID')
    .replace(/(targetgroup\/[\w-]+\/)[0-9a-f]{16}\b/g, '$1ID')
    .replace(/\bd-[A-Z0-9]{9}\b/g, 'd-DEPLOYMENT')
    .replace(/\b(127\.0\.0\.1|localhost):\d+/g, '$1:PORT')
    // How many polls or attempts a wait took depends on the machine's load.
    .replace(/\b\d+ (attempts?|steps?)\b/g, 'N $1')
    .replace(/\/tmp\/[^\s)`'"|]+/g, 'TMP')
    // Durations and latencies: `6s`, `1m 2s`, `3.2 ms`, `10 min 12 s`, `812 requests/s`.
    .replace(/\b\d+(\.\d+)?(?= ?(ms|s|m|min|h|requests\/s|\/s)\b)/g, 'N');
  return options.tasksVary ? maskStoppedTasks(masked) : masked;
}

/** Masks `markdown`, checks it as GFM, and compares it with (or, with UPDATE_GOLDEN=1, writes) the golden file. */
export function expectGoldenSummary(
  name: string,
  markdown: string,
  names: Record<string, string> = {},
  options: MaskOptions = {},
): void {
  const masked = maskSummary(markdown, names, options);
  expect({ name, problems: checkGfm(masked) }).toEqual({ name, problems: [] });
  const file = join(GOLDEN_DIR, `${name}.md`);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, masked);
    return;
  }
  if (!existsSync(file)) {
    throw new Error(
      `No golden summary ${file}: run this test with UPDATE_GOLDEN=1 to write it, then review and commit it.`,
    );
  }
  expect({ name, summary: masked }).toEqual({ name, summary: readFileSync(file, 'utf8') });
}
