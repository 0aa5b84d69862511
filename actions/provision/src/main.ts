/** provision: inputs -> logic -> outputs and summary. */
import { runAction } from '../../../lib/action.js';
import { ActionFailure } from '../../../lib/errors.js';
import { parseConfig } from './config.js';

export function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return runAction(
    'provision',
    async ({ inputs }) => {
      parseConfig(inputs, env.GITHUB_WORKSPACE ?? process.cwd());
      throw new ActionFailure('provision: inputs are valid, but the operation is not implemented yet.');
    },
    env,
  );
}
