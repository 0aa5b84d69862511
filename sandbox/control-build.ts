/**
 * POST /_sandbox/build: builds an image from a build request and pushes it, as `docker buildx
 * build --push` does, to the ECR of each tag's registry.
 */
import { ControlError } from './control.js';
import type { ImageStore } from './contracts.js';
import { buildImage, BuildRequestError, parseBuildRequest } from './runtime/images.js';
import { registryRegion, type Worlds } from './world.js';

/** What a build needs besides its request: where images and their layers go, and who to tell. */
export interface BuildTarget {
  account: string;
  worlds: Worlds;
  dataDir: string;
  images: ImageStore;
  log: (message: string) => void;
}

export async function buildAndPush(
  target: BuildTarget,
  body: unknown,
): Promise<{ digest: string; warnings: string[] }> {
  const { account, worlds, dataDir, images, log } = target;
  let request;
  try {
    request = parseBuildRequest(body);
  } catch (error) {
    if (error instanceof BuildRequestError) throw new ControlError(400, error.message);
    throw error;
  }
  // Check every destination before building, as a push names a missing repository first. The
  // registry host names the region whose ECR receives the image.
  const destinations = request.tags.map((ref) => {
    const match = /^([^/]+)\/([^:@]+)(?::([^@]+))?$/.exec(ref);
    const pushRegion = match ? registryRegion(account, match[1]!) : undefined;
    if (!match || !pushRegion) {
      const registry = worlds.home().ecr.registry;
      throw new ControlError(
        400,
        `Cannot push ${ref}: the sandbox's registries are ${account}.dkr.ecr.<region>.amazonaws.com (tag as ${registry}/<repository>:<tag>).`,
      );
    }
    const ecr = worlds.of(pushRegion).ecr;
    const repository = match[2]!;
    ecr.assertRepository(repository);
    return { ecr, repository, tag: match[3] ?? 'latest' };
  });
  let built;
  try {
    built = await buildImage(request, { dataDir, store: images });
  } catch (error) {
    throw new ControlError(400, (error as Error).message);
  }
  for (const { ecr, repository, tag } of destinations) ecr.pushImage(repository, tag, built);
  log(`built ${built.digest} for ${request.tags.join(', ') || '(no tags)'}`);
  return { digest: built.digest, warnings: built.warnings };
}
