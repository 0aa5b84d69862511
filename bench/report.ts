/** docs/benchmarks.md: the generated section (figures, machine, command) inside hand-written prose. */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { repoRoot } from '../testing/run-action.js';
import { markdownTable, type Row } from './measure.js';

export const BEGIN = '<!-- bench:begin (written by npm run bench: edit bench/, not this section) -->';
export const END = '<!-- bench:end -->';

/** The machine and run the figures come from. */
export function machineLines(timeScale: number, totalMs: number): string[] {
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
    `- Commit measured: ${commit} (plus the working tree's bundles)`,
    `- Sandbox time scale: ${timeScale} (one AWS minute per real second)`,
    '- Command: `npm run bench`',
    `- Duration: ${(totalMs / 1000).toFixed(0)} s`,
  ];
}

/** `13 of 14 targets met; missed: ...` with who is responsible for each miss. */
export function targetsLine(rows: Row[]): string {
  const judged = rows.filter((r) => r.met !== undefined);
  const missed = judged.filter((r) => r.met === false);
  return (
    `${judged.length - missed.length} of ${judged.length} targets met` +
    (missed.length ? `; missed: ${missed.map((r) => `${r.area}: ${r.measure} (${r.note ?? '?'})`).join('; ')}` : '')
  );
}

export function generatedSection(rows: Row[], machine: string[]): string {
  return [BEGIN, '## Latest figures', '', ...machine, '', markdownTable(rows), '', `${targetsLine(rows)}.`, END].join(
    '\n',
  );
}

/**
 * Puts `section` between the markers, keeping everything else (the prose, the fingerprint
 * section): replaced in place when the markers exist, appended otherwise.
 */
export function replaceGeneratedSection(text: string, section: string): string {
  const start = text.indexOf(BEGIN.slice(0, BEGIN.indexOf(' ')));
  const end = text.indexOf(END);
  if (start >= 0 && end > start) return text.slice(0, start) + section + text.slice(end + END.length);
  if (text.trim()) return `${text.trimEnd()}\n\n${section}\n`;
  return `# Benchmarks\n\n${section}\n`;
}
