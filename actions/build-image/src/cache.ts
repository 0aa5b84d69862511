/**
 * Where BuildKit keeps its layer cache between builds. The cache only makes a build faster: it is
 * not part of the fingerprint, so it never decides whether an image is built or which one is served.
 */

export const CACHE_MODES = ['registry', 'gha', 'none'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];

/**
 * The cache manifest of the image tagged `<fingerprint tag>` is tagged `cache-<fingerprint tag>`
 * in the same repository. One cache tag per build, because the repository's tags are immutable: a
 * single moving cache tag would be refused by ECR from the second build on. The ECR lifecycle
 * policy (terraform/modules/ecr-repository) keeps the newest cache images and expires older ones.
 */
export const CACHE_TAG_PREFIX = 'cache-';

export function cacheTag(fingerprintTag: string): string {
  return `${CACHE_TAG_PREFIX}${fingerprintTag}`;
}

export interface CacheTarget {
  mode: CacheMode;
  repository: string;
  repositoryUri: string;
  fingerprintTag: string;
  /** The fingerprint tag of the newest earlier image, whose cache the build starts from. */
  previousTag?: string;
}

/**
 * buildx's --cache-from/--cache-to arguments.
 * - registry: ECR stores BuildKit cache manifests when they are exported as an OCI image manifest
 *   (image-manifest=true, oci-mediatypes=true), mode=max included:
 *   https://aws.amazon.com/blogs/containers/announcing-remote-cache-support-in-amazon-ecr-for-buildkit-clients/
 *   https://docs.docker.com/build/cache/backends/registry/
 * - gha: the GitHub Actions cache; buildx reads its URL and token from ACTIONS_CACHE_URL /
 *   ACTIONS_RESULTS_URL and ACTIONS_RUNTIME_TOKEN: https://docs.docker.com/build/cache/backends/gha/
 * ignore-error=true on export: a cache that cannot be written (e.g. a second run racing for the
 * same fingerprint finds the cache tag taken) must not fail a build whose image was pushed.
 */
export function cacheArguments(target: CacheTarget): string[] {
  switch (target.mode) {
    case 'none':
      return [];
    case 'registry': {
      const args: string[] = [];
      if (target.previousTag) {
        args.push('--cache-from', `type=registry,ref=${target.repositoryUri}:${cacheTag(target.previousTag)}`);
      }
      args.push(
        '--cache-to',
        `type=registry,ref=${target.repositoryUri}:${cacheTag(target.fingerprintTag)},mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true`,
      );
      return args;
    }
    case 'gha': {
      // One scope per repository, so two images built in one workflow do not evict each other.
      const scope = `build-image-${target.repository}`;
      return [
        '--cache-from',
        `type=gha,scope=${scope}`,
        '--cache-to',
        `type=gha,scope=${scope},mode=max,ignore-error=true`,
      ];
    }
  }
}

/** The build steps BuildKit took from the cache, counted from its plain progress output (`#5 CACHED`). */
export function isCachedStepLine(line: string): boolean {
  return /^#\d+ CACHED\s*$/.test(line);
}
