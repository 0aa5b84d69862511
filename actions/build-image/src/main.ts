/** build-image: inputs -> logic -> outputs and summary. */
import { tmpdir } from 'node:os';
import { runAction } from '../../../lib/action.js';
import { formatDuration } from '../../../lib/inputs.js';
import { parseConfig } from './config.js';

export function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return runAction(
    'build-image',
    async ({ inputs, logger, summary, setOutput, mask }) => {
      const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
      const config = parseConfig(inputs, workspace, env);
      const started = Date.now();
      // Loaded once the inputs are valid: the AWS SDK is most of the bundle's start-up.
      const { buildWithAws } = await import('./build.lazy.js');
      const result = await buildWithAws(config, env, {
        logger,
        summary,
        mask,
        tempDir: env.RUNNER_TEMP || tmpdir(),
        workspace,
      });
      const commit = env.GITHUB_SHA ? `commit \`${env.GITHUB_SHA.slice(0, 12)}\`, ` : '';
      summary.amendVerdict(` (${commit}${formatDuration(Date.now() - started)})`);
      setOutput('image', result.image);
      setOutput('image-tag', result.imageTag);
      setOutput('fingerprint', result.fingerprint);
      setOutput('built', result.built);
      setOutput('digest', result.digest);
      setOutput('found', result.found);
    },
    env,
  );
}
