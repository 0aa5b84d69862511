/**
 * Runs a workflow step's `run:` script as the runner does on Linux (bash --noprofile --norc
 * -eo pipefail), with the step's env: values given, and GITHUB_OUTPUT and GITHUB_STEP_SUMMARY
 * files. Tools the script calls (e.g. gh) can be stood in for by a folder put first on PATH.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Step } from './workflows.js';

export interface ScriptRun {
  code: number | null;
  stdout: string;
  outputs: string;
  summary: string;
}

export function runScript(
  step: Step,
  env: Record<string, string>,
  options: { tools?: Record<string, string> } = {},
): ScriptRun {
  const dir = mkdtempSync(join(tmpdir(), 'workflow-step-'));
  const outputFile = join(dir, 'output');
  const summaryFile = join(dir, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const [name, script] of Object.entries(options.tools ?? {})) {
    writeFileSync(join(bin, name), script);
    chmodSync(join(bin, name), 0o755);
  }
  try {
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run ?? ''], {
      env: {
        PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
        GITHUB_OUTPUT: outputFile,
        GITHUB_STEP_SUMMARY: summaryFile,
        ...env,
      },
      encoding: 'utf8',
    });
    return {
      code: result.status,
      stdout: result.stdout,
      outputs: readFileSync(outputFile, 'utf8'),
      summary: readFileSync(summaryFile, 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
