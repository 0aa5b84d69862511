/**
 * What a build-image run needs once its inputs are valid: the ECR client, docker and the logic.
 * main.ts loads this module with import(), so a run stopped by its inputs loads none of it.
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import { awsClientConfig, labelOperations } from '../../../lib/aws.js';
import { buildImage, type BuildDeps, type BuildResult } from './build.js';
import type { BuildImageConfig } from './config.js';
import { createDockerCli } from './docker.js';
import { createEcr } from './ecr.js';

export function buildWithAws(
  config: BuildImageConfig,
  env: NodeJS.ProcessEnv,
  deps: Omit<BuildDeps, 'ecr' | 'docker' | 'region'>,
): Promise<BuildResult> {
  const clientConfig = awsClientConfig(env, 'build-image');
  return buildImage(config, {
    ...deps,
    ecr: createEcr(labelOperations(new ECRClient(clientConfig))),
    docker: createDockerCli(),
    region: clientConfig.region,
  });
}
