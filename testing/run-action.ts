/**
 * Runs a bundled action (actions/<name>/dist/index.js) as the runner would: a separate node
 * process with INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files. Returns exit
 * code, output lines, parsed outputs and the summary. Used by every action's dist tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface ActionRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** What the step saved with core.saveState (GITHUB_STATE), for running its post step as the runner does. */
  state: Record<string, string>;
  /** `::error::` lines, without the prefix. */
  errors: string[];
  durationMs: number;
}

export interface RunActionOptions {
  inputs?: Record<string, string>;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Which bundle: 'main' (dist/index.js) or 'post' (dist/post/index.js). */
  entry?: 'main' | 'post';
  /** Called once the process is started, e.g. to send it a signal later. */
  onStart?: (child: ChildProcess) => void;
  /** Kills the process (SIGKILL) after this many ms; a test bug must not hang the suite. */
  killAfterMs?: number;
  /** Called for each chunk of stdout as it arrives. */
  onStdout?: (text: string) => void;
}

export function inputEnv(inputs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.replace(/ /g, '_').toUpperCase()}`, v]));
}

export function runAction(action: string, options: RunActionOptions = {}): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), `run-${action}-`));
  const outputFile = join(dir, 'output');
  const summaryFile = join(dir, 'summary');
  const stateFile = join(dir, 'state');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  writeFileSync(stateFile, '');
  const script = join(repoRoot, 'actions', action, 'dist', options.entry === 'post' ? 'post/index.js' : 'index.js');
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_STATE: stateFile,
    GITHUB_WORKSPACE: options.cwd ?? repoRoot,
    RUNNER_TEMP: dir,
    ...inputEnv(options.inputs ?? {}),
    ...options.env,
  };
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      cwd: options.cwd ?? repoRoot,
      env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      options.onStdout?.(d.toString());
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = options.killAfterMs ? setTimeout(() => child.kill('SIGKILL'), options.killAfterMs) : undefined;
    options.onStart?.(child);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (killer) clearTimeout(killer);
      const run: ActionRun = {
        code,
        signal,
        stdout,
        stderr,
        outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
        summary: readFileSync(summaryFile, 'utf8'),
        state: parseOutputFile(readFileSync(stateFile, 'utf8')),
        errors: stdout
          .split('\n')
          .filter((l) => l.startsWith('::error'))
          .map((l) => decodeCommand(l.replace(/^::error[^:]*::/, ''))),
        durationMs: Date.now() - started,
      };
      rmSync(dir, { recursive: true, force: true });
      resolve(run);
    });
  });
}

/** Parses the GITHUB_OUTPUT file format (`name<<delimiter` heredocs, or `name=value`). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
      outputs[name!] = value.join('\n');
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

/** Undoes the runner's command escaping (%25, %0D, %0A). */
function decodeCommand(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}
