/** provision: inputs -> logic -> outputs and summary. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runAction } from '../../../lib/action.js';
import { ActionFailure } from '../../../lib/errors.js';
import { Summary, writeSummary } from '../../../lib/summary.js';
import { unreleasedLockNotice } from './lock-notice.js';
import { parseConfig } from './config.js';
import { provision } from './provision.js';
import { cliRunner, findTerraform, type StillRunning } from './terraform-cli.js';

/** The terraform commands that hold the state lock while they run. */
const LOCKING_COMMANDS = ['plan', 'apply'];

export function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return runAction(
    'provision',
    async ({ inputs, logger, summary, signal, setOutput, mask }) => {
      // Validated first: a bad input (a destroy without the right confirm) stops before terraform runs.
      const config = parseConfig(inputs, env.GITHUB_WORKSPACE ?? process.cwd());
      const pluginDir = pluginDirFrom(env);
      const binary = await findTerraform();
      // The plan file and the generated var file hold variable values: a private folder, removed at the end.
      const tempDir = mkdtempSync(path.join(env.RUNNER_TEMP || tmpdir(), 'provision-'));
      const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
      // Said at once, in the log and the summary: the runner's kill would prevent it later.
      const onStillRunning = (run: StillRunning) => {
        if (!LOCKING_COMMANDS.includes(run.command)) return;
        const notice = unreleasedLockNotice({
          command: run.command,
          workingDirectory: path.relative(workspace, config.workingDirectory) || '.',
          backendConfig: config.backendConfig,
          output: run.output,
        });
        logger.warning(notice.log);
        writeSummary(new Summary().text(notice.markdown), env);
      };
      try {
        await provision(config, {
          terraform: cliRunner({ binary, cwd: config.workingDirectory, env, logger, signal, onStillRunning }),
          logger,
          summary,
          tempDir,
          pluginDir,
          setOutput,
          mask,
        });
      } finally {
        rmSync(tempDir, { recursive: true, force: true });
      }
    },
    env,
  );
}

/** TF_PLUGIN_DIR: install providers from this folder (`init -plugin-dir`), for runs with no network. */
function pluginDirFrom(env: NodeJS.ProcessEnv): string | undefined {
  const dir = env.TF_PLUGIN_DIR?.trim();
  if (!dir) return undefined;
  const resolved = path.resolve(env.GITHUB_WORKSPACE ?? process.cwd(), dir);
  let isDir = false;
  try {
    isDir = statSync(resolved).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) {
    throw new ActionFailure(
      `TF_PLUGIN_DIR is set to ${dir}, but there is no folder at ${resolved}; unset it or fix the path.`,
    );
  }
  return resolved;
}
