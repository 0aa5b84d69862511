/** provision: inputs -> logic -> outputs and summary. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runAction } from '../../../lib/action.js';
import { ActionFailure } from '../../../lib/errors.js';
import { parseConfig } from './config.js';
import { provision } from './provision.js';
import { cliRunner, findTerraform } from './terraform-cli.js';

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
      try {
        await provision(config, {
          terraform: cliRunner({ binary, cwd: config.workingDirectory, env, logger, signal }),
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
