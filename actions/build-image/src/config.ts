/** build-image inputs, parsed and validated before anything else runs. */
import * as path from 'node:path';
import { ConfigurationError } from '../../../lib/errors.js';
import type { Inputs } from '../../../lib/inputs.js';
import { CACHE_MODES, type CacheMode } from './cache.js';

export interface BuildImageConfig {
  repository: string;
  /** Absolute path of the build context. */
  context: string;
  /** Absolute path of the Dockerfile. */
  dockerfile: string;
  buildArgs: Map<string, string>;
  platform: string;
  extraTags: string[];
  push: boolean;
  /** Where BuildKit's layer cache lives between builds. */
  cache: CacheMode;
}

// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html (repositoryName pattern)
const REPOSITORY_NAME = /^(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
// https://docs.docker.com/reference/cli/docker/image/tag/ (tag: up to 128 of [A-Za-z0-9_.-], not starting with . or -)
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/;

export function parseConfig(inputs: Inputs, workspace: string, env: NodeJS.ProcessEnv = {}): BuildImageConfig {
  const repository = inputs.string('repository', 'the name of an ECR repository, e.g. my-app');
  if (!REPOSITORY_NAME.test(repository) || /\.amazonaws\.com|\.dkr\.ecr\./.test(repository)) {
    throw new ConfigurationError(
      'repository',
      repository,
      'an ECR repository name (lowercase letters, digits, and . _ - / between them), not a URL: e.g. my-app',
    );
  }

  const contextInput = inputs.optionalString('context') ?? '.';
  const root = path.resolve(workspace);
  const context = path.resolve(root, contextInput);
  if (context !== root && !context.startsWith(root + path.sep)) {
    throw new ConfigurationError('context', contextInput, `a folder inside the workspace ${root}`);
  }

  const dockerfileInput = inputs.optionalString('dockerfile');
  const dockerfile = dockerfileInput ? path.resolve(root, dockerfileInput) : path.join(context, 'Dockerfile');

  const buildArgs = inputs.keyValues('build-args', {
    keyPattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
    what: 'NAME=value',
  });

  const platform = inputs.optionalString('platform') ?? 'linux/amd64';
  for (const p of platform.split(',')) {
    if (!PLATFORM.test(p.trim())) {
      throw new ConfigurationError('platform', platform, 'os/arch[/variant], e.g. linux/amd64 or linux/arm64');
    }
  }

  const extraTags = inputs.lines('extra-tags');
  for (const tag of extraTags) {
    if (!TAG.test(tag)) {
      throw new ConfigurationError(
        'extra-tags',
        tag,
        'one tag per line, each up to 128 of A-Z a-z 0-9 _ . - and not starting with . or -',
      );
    }
  }

  const cache = inputs.oneOf('cache', CACHE_MODES, 'registry');
  // buildx reaches the GitHub Actions cache with the runner's token and cache URL, which the
  // runner gives JavaScript actions only: https://docs.docker.com/build/cache/backends/gha/
  if (cache === 'gha' && (!env.ACTIONS_RUNTIME_TOKEN || !(env.ACTIONS_CACHE_URL || env.ACTIONS_RESULTS_URL))) {
    throw new ConfigurationError(
      'cache',
      cache,
      'registry or none here: gha needs the GitHub Actions cache service (ACTIONS_RUNTIME_TOKEN and ACTIONS_CACHE_URL or ACTIONS_RESULTS_URL), which only a GitHub-hosted or self-hosted runner provides',
    );
  }

  return {
    repository,
    context,
    dockerfile,
    buildArgs,
    platform,
    extraTags,
    push: inputs.boolean('push', true),
    cache,
  };
}
