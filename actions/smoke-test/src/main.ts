/** smoke-test: inputs -> logic -> outputs and summary. */
import { runAction } from '../../../lib/action.js';
import { ActionFailure } from '../../../lib/errors.js';
import { parseConfig } from './config.js';

export function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return runAction(
    'smoke-test',
    async ({ inputs }) => {
      parseConfig(inputs);
      throw new ActionFailure('smoke-test: inputs are valid, but the operation is not implemented yet.');
    },
    env,
  );
}
