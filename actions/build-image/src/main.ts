/** build-image: inputs -> logic -> outputs and summary. */
import { ECRClient } from '@aws-sdk/client-ecr';
import { tmpdir } from 'node:os';
import { runAction } from '../../../lib/action.js';
import { awsClientConfig, labelOperations } from '../../../lib/aws.js';
import { formatDuration } from '../../../lib/inputs.js';
import { buildImage } from './build.js';
import { parseConfig } from './config.js';
import { createDockerCli } from './docker.js';
import { createEcr } from './ecr.js';

export function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return runAction(
    'build-image',
    async ({ inputs, logger, summary, setOutput, mask }) => {
      const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
      const config = parseConfig(inputs, workspace);
      const started = Date.now();
      const clientConfig = awsClientConfig(env, 'build-image');
      const ecr = createEcr(labelOperations(new ECRClient(clientConfig)));
      const result = await buildImage(config, {
        ecr,
        docker: createDockerCli(),
        logger,
        summary,
        region: clientConfig.region,
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
