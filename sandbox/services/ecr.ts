/**
 * Amazon ECR, as far as this suite uses it: repositories, images by tag and digest, tag
 * immutability, GetAuthorizationToken. Image contents live in the runtime's ImageStore (by digest);
 * ECR keeps which repository holds which digest under which tags.
 * API reference: https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_Operations.html
 */
import { createHash, randomBytes } from 'node:crypto';
import { AwsError, type ImageStore, type ServiceHandlers, type StoredImage } from '../contracts.js';
import { bool, list, num, obj, paginate, requireStr, str } from '../protocol.js';

interface EcrImage {
  digest: string;
  tags: Set<string>;
  pushedAt: Date;
  manifest: string;
  manifestMediaType: string;
  sizeInBytes: number;
}

interface Repository {
  name: string;
  arn: string;
  uri: string;
  createdAt: Date;
  imageTagMutability: string;
  scanOnPush: boolean;
  images: Map<string, EcrImage>;
  tags: Record<string, unknown>[];
}

export interface EcrOptions {
  account: string;
  region: string;
  images: ImageStore;
}

/** What an image reference in a task definition resolves to. */
export type ImageResolution = { ok: true; image: StoredImage; digest: string } | { ok: false; reason: string };

export interface EcrService {
  handlers: ServiceHandlers;
  /** `<account>.dkr.ecr.<region>.amazonaws.com` */
  readonly registry: string;
  /** Resolves `<registry>/<repo>:<tag>` or `<registry>/<repo>@sha256:...` to a stored image. */
  resolve(imageRef: string): ImageResolution;
  /** Tags a built image in a repository (the docker shim's push), with PutImage's rules. */
  pushImage(repositoryName: string, tag: string | undefined, image: StoredImage): { digest: string };
  /** Throws RepositoryNotFoundException when the repository does not exist. */
  assertRepository(name: string): void;
  state(): unknown;
  reset(): void;
}

// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html#API_CreateRepository_RequestSyntax
const REPOSITORY_NAME = /^(?=.{2,256}$)((?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)$/;
const TAG_PATTERN = /^[\w][\w.-]{0,127}$/;
const MUTABILITY = ['MUTABLE', 'IMMUTABLE', 'MUTABLE_WITH_EXCLUSION', 'IMMUTABLE_WITH_EXCLUSION'];

export function createEcrService(options: EcrOptions): EcrService {
  const { account, region, images } = options;
  const registry = `${account}.dkr.ecr.${region}.amazonaws.com`;
  const repositories = new Map<string, Repository>();

  const repoNotFound = (name: string) =>
    new AwsError(
      'RepositoryNotFoundException',
      `The repository with name '${name}' does not exist in the registry with id '${account}'`,
    );

  function repository(input: Record<string, unknown>): Repository {
    const name = requireStr(input, 'repositoryName');
    const registryId = str(input, 'registryId');
    const repo = repositories.get(name);
    if (!repo || (registryId !== undefined && registryId !== account)) throw repoNotFound(name);
    return repo;
  }

  function describeRepository(repo: Repository) {
    return {
      repositoryArn: repo.arn,
      registryId: account,
      repositoryName: repo.name,
      repositoryUri: repo.uri,
      createdAt: repo.createdAt,
      imageTagMutability: repo.imageTagMutability,
      imageScanningConfiguration: { scanOnPush: repo.scanOnPush },
      encryptionConfiguration: { encryptionType: 'AES256' },
    };
  }

  function imageDetail(repo: Repository, image: EcrImage) {
    return {
      registryId: account,
      repositoryName: repo.name,
      imageDigest: image.digest,
      ...(image.tags.size > 0 ? { imageTags: [...image.tags] } : {}),
      imageSizeInBytes: image.sizeInBytes,
      imagePushedAt: image.pushedAt,
      imageManifestMediaType: image.manifestMediaType,
      artifactMediaType: 'application/vnd.docker.container.image.v1+json',
      lastRecordedPullTime: image.pushedAt,
    };
  }

  function byTag(repo: Repository, tag: string): EcrImage | undefined {
    for (const image of repo.images.values()) if (image.tags.has(tag)) return image;
    return undefined;
  }

  type ImageId = { imageDigest?: string; imageTag?: string };
  function imageIds(input: Record<string, unknown>, key = 'imageIds'): ImageId[] {
    return (list(input, key) ?? []).map((id) => ({
      imageDigest: str(id, 'imageDigest'),
      imageTag: str(id, 'imageTag'),
    }));
  }

  /** Finds an image by id; `mismatch` when tag and digest name different images. */
  function find(repo: Repository, id: ImageId): EcrImage | 'missing' | 'mismatch' {
    const byDigest = id.imageDigest ? repo.images.get(id.imageDigest) : undefined;
    const tagged = id.imageTag ? byTag(repo, id.imageTag) : undefined;
    if (id.imageDigest && id.imageTag) {
      if (!byDigest || !tagged) return 'missing';
      return byDigest === tagged ? byDigest : 'mismatch';
    }
    return byDigest ?? tagged ?? 'missing';
  }

  const imageIdText = (repo: Repository, id: ImageId) =>
    `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repo.name}' in the registry with id '${account}'`;

  /**
   * PutImage's rules: a tag that already names another digest is moved in a MUTABLE repository and
   * refused with ImageTagAlreadyExistsException in an IMMUTABLE one; the same manifest under the same
   * tag is ImageAlreadyExistsException.
   * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutImage.html
   */
  function putImage(
    repo: Repository,
    manifest: string,
    mediaType: string,
    tag: string | undefined,
    size: number,
    expectedDigest?: string,
  ) {
    const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    if (expectedDigest && expectedDigest !== digest) {
      throw new AwsError(
        'ImageDigestDoesNotMatchException',
        `The digest ${expectedDigest} does not match the manifest's digest ${digest}`,
      );
    }
    if (tag !== undefined && !TAG_PATTERN.test(tag)) {
      throw new AwsError(
        'InvalidParameterException',
        `Invalid parameter at 'imageTag' failed to satisfy constraint: 'must match pattern'`,
      );
    }
    if (!images.get(digest)) {
      throw new AwsError(
        'LayersNotFoundException',
        `The image manifest ${digest} references layers that were not uploaded to the repository with name '${repo.name}'`,
      );
    }
    const existing = repo.images.get(digest);
    if (tag !== undefined) {
      const holder = byTag(repo, tag);
      if (holder && holder.digest === digest) {
        throw new AwsError(
          'ImageAlreadyExistsException',
          `Image with digest '${digest}' and tag '${tag}' already exists in the repository with name '${repo.name}' in registry with id '${account}'`,
        );
      }
      if (holder && repo.imageTagMutability.startsWith('IMMUTABLE')) {
        throw new AwsError(
          'ImageTagAlreadyExistsException',
          `The image tag '${tag}' already exists in the '${repo.name}' repository and cannot be overwritten because the repository is immutable.`,
        );
      }
      holder?.tags.delete(tag);
      // A mutable tag moved away from an image leaves it untagged, as ECR does.
    } else if (existing) {
      throw new AwsError(
        'ImageAlreadyExistsException',
        `Image with digest '${digest}' already exists in the repository with name '${repo.name}' in registry with id '${account}'`,
      );
    }
    const image = existing ?? {
      digest,
      tags: new Set<string>(),
      pushedAt: new Date(),
      manifest,
      manifestMediaType: mediaType,
      sizeInBytes: size,
    };
    if (tag !== undefined) image.tags.add(tag);
    repo.images.set(digest, image);
    return image;
  }

  const handlers: ServiceHandlers = {
    CreateRepository(input) {
      const name = requireStr(input, 'repositoryName');
      if (!REPOSITORY_NAME.test(name)) {
        throw new AwsError(
          'InvalidParameterException',
          `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''`,
        );
      }
      if (repositories.has(name)) {
        throw new AwsError(
          'RepositoryAlreadyExistsException',
          `The repository with name '${name}' already exists in the registry with id '${account}'`,
        );
      }
      const mutability = str(input, 'imageTagMutability') ?? 'MUTABLE';
      if (!MUTABILITY.includes(mutability)) {
        throw new AwsError(
          'InvalidParameterException',
          `Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [${MUTABILITY.join(', ')}]'`,
        );
      }
      const scan = obj(input, 'imageScanningConfiguration');
      const repo: Repository = {
        name,
        arn: `arn:aws:ecr:${region}:${account}:repository/${name}`,
        uri: `${registry}/${name}`,
        createdAt: new Date(),
        imageTagMutability: mutability,
        scanOnPush: scan ? (bool(scan, 'scanOnPush') ?? false) : false,
        images: new Map(),
        tags: list(input, 'tags') ?? [],
      };
      repositories.set(name, repo);
      return { repository: describeRepository(repo) };
    },

    DescribeRepositories(input) {
      const names = (input.repositoryNames as string[] | undefined) ?? undefined;
      let repos: Repository[];
      if (names && names.length > 0) {
        repos = names.map((name) => {
          const repo = repositories.get(name);
          if (!repo) throw repoNotFound(name);
          return repo;
        });
      } else {
        repos = [...repositories.values()].sort((a, b) => a.name.localeCompare(b.name));
      }
      const { page, nextToken } = paginate(repos, str(input, 'nextToken'), num(input, 'maxResults'));
      return { repositories: page.map(describeRepository), ...(nextToken ? { nextToken } : {}) };
    },

    DeleteRepository(input) {
      const repo = repository(input);
      if (repo.images.size > 0 && !bool(input, 'force')) {
        throw new AwsError(
          'RepositoryNotEmptyException',
          `The repository with name '${repo.name}' in registry with id '${account}' cannot be deleted because it still contains images`,
        );
      }
      repositories.delete(repo.name);
      return { repository: describeRepository(repo) };
    },

    PutImageTagMutability(input) {
      const repo = repository(input);
      const mutability = requireStr(input, 'imageTagMutability');
      if (!MUTABILITY.includes(mutability))
        throw new AwsError('InvalidParameterException', `Invalid imageTagMutability ${mutability}`);
      repo.imageTagMutability = mutability;
      return { registryId: account, repositoryName: repo.name, imageTagMutability: mutability };
    },

    DescribeImages(input) {
      const repo = repository(input);
      const ids = imageIds(input);
      let found: EcrImage[];
      if (ids.length > 0) {
        found = ids.map((id) => {
          const image = find(repo, id);
          if (typeof image === 'string') throw new AwsError('ImageNotFoundException', imageIdText(repo, id));
          return image;
        });
      } else {
        const tagStatus = str(obj(input, 'filter') ?? {}, 'tagStatus') ?? 'ANY';
        found = [...repo.images.values()].filter(
          (image) => tagStatus === 'ANY' || (tagStatus === 'TAGGED') === image.tags.size > 0,
        );
      }
      const { page, nextToken } = paginate(found, str(input, 'nextToken'), num(input, 'maxResults'));
      return { imageDetails: page.map((image) => imageDetail(repo, image)), ...(nextToken ? { nextToken } : {}) };
    },

    ListImages(input) {
      const repo = repository(input);
      const tagStatus = str(obj(input, 'filter') ?? {}, 'tagStatus') ?? 'ANY';
      const ids: ImageId[] = [];
      for (const image of repo.images.values()) {
        if (image.tags.size === 0) {
          if (tagStatus !== 'TAGGED') ids.push({ imageDigest: image.digest });
        } else if (tagStatus !== 'UNTAGGED') {
          for (const tag of image.tags) ids.push({ imageDigest: image.digest, imageTag: tag });
        }
      }
      const { page, nextToken } = paginate(ids, str(input, 'nextToken'), num(input, 'maxResults'));
      return { imageIds: page, ...(nextToken ? { nextToken } : {}) };
    },

    BatchGetImage(input) {
      const repo = repository(input);
      const found: unknown[] = [];
      const failures: unknown[] = [];
      for (const id of imageIds(input)) {
        const image = find(repo, id);
        if (image === 'missing') {
          failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
        } else if (image === 'mismatch') {
          failures.push({
            imageId: id,
            failureCode: 'ImageTagDoesNotMatchDigest',
            failureReason: 'Invalid image tag for image digest',
          });
        } else {
          found.push({
            registryId: account,
            repositoryName: repo.name,
            imageId: { imageDigest: image.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) },
            imageManifest: image.manifest,
            imageManifestMediaType: image.manifestMediaType,
          });
        }
      }
      return { images: found, failures };
    },

    PutImage(input) {
      const repo = repository(input);
      const manifest = requireStr(input, 'imageManifest');
      const stored = (() => {
        const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
        return images.get(digest);
      })();
      const mediaType =
        str(input, 'imageManifestMediaType') ??
        stored?.manifestMediaType ??
        'application/vnd.docker.distribution.manifest.v2+json';
      const image = putImage(
        repo,
        manifest,
        mediaType,
        str(input, 'imageTag'),
        stored?.sizeInBytes ?? manifest.length,
        str(input, 'imageDigest'),
      );
      return {
        image: {
          registryId: account,
          repositoryName: repo.name,
          imageId: {
            imageDigest: image.digest,
            ...(str(input, 'imageTag') ? { imageTag: str(input, 'imageTag') } : {}),
          },
          imageManifest: image.manifest,
          imageManifestMediaType: image.manifestMediaType,
        },
      };
    },

    /**
     * Deleting by tag removes the tag (and the image once no tag is left); deleting by digest
     * removes the image and all its tags.
     * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_BatchDeleteImage.html
     */
    BatchDeleteImage(input) {
      const repo = repository(input);
      const deleted: ImageId[] = [];
      const failures: unknown[] = [];
      for (const id of imageIds(input)) {
        const image = find(repo, id);
        if (typeof image === 'string') {
          failures.push({
            imageId: id,
            failureCode: image === 'mismatch' ? 'ImageTagDoesNotMatchDigest' : 'ImageNotFound',
            failureReason: 'Requested image not found',
          });
          continue;
        }
        if (id.imageTag && !id.imageDigest) {
          image.tags.delete(id.imageTag);
          deleted.push({ imageDigest: image.digest, imageTag: id.imageTag });
          if (image.tags.size === 0) repo.images.delete(image.digest);
        } else {
          for (const tag of image.tags) deleted.push({ imageDigest: image.digest, imageTag: tag });
          if (image.tags.size === 0) deleted.push({ imageDigest: image.digest });
          repo.images.delete(image.digest);
        }
      }
      return { imageIds: deleted, failures };
    },

    /**
     * The token is base64 of `AWS:<password>`, valid 12 hours.
     * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetAuthorizationToken.html
     */
    GetAuthorizationToken() {
      const password = randomBytes(24).toString('base64url');
      return {
        authorizationData: [
          {
            authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
            expiresAt: new Date(Date.now() + 12 * 3600 * 1000),
            proxyEndpoint: `https://${registry}`,
          },
        ],
      };
    },
  };

  return {
    handlers,
    registry,
    resolve(imageRef) {
      const match = /^([^/]+)\/(.+?)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(imageRef);
      if (!match || !/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$/.test(match[1] ?? '')) {
        return {
          ok: false,
          reason: `failed to resolve ref ${imageRef}: the sandbox only serves images from its ECR registry ${registry}`,
        };
      }
      const [, , repoName, tag, digest] = match;
      const repo = repositories.get(repoName ?? '');
      if (!repo) return { ok: false, reason: `failed to resolve ref ${imageRef}: ${imageRef}: not found` };
      const image = digest ? repo.images.get(digest) : byTag(repo, tag ?? 'latest');
      const stored = image ? images.get(image.digest) : undefined;
      if (!image || !stored) return { ok: false, reason: `failed to resolve ref ${imageRef}: ${imageRef}: not found` };
      return { ok: true, image: stored, digest: image.digest };
    },
    assertRepository(name) {
      if (!repositories.has(name)) throw repoNotFound(name);
    },
    pushImage(repositoryName, tag, image) {
      const repo = repositories.get(repositoryName);
      if (!repo) throw repoNotFound(repositoryName);
      images.put(image);
      if (tag === undefined && repo.images.has(image.digest)) return { digest: image.digest };
      const holder = tag === undefined ? undefined : byTag(repo, tag);
      if (holder && holder.digest === image.digest) return { digest: image.digest }; // docker push of the same image: a no-op
      putImage(repo, image.manifest, image.manifestMediaType, tag, image.sizeInBytes);
      return { digest: image.digest };
    },
    state() {
      return [...repositories.values()].map((repo) => ({
        name: repo.name,
        uri: repo.uri,
        imageTagMutability: repo.imageTagMutability,
        images: [...repo.images.values()].map((image) => ({
          digest: image.digest,
          tags: [...image.tags],
          pushedAt: image.pushedAt.toISOString(),
        })),
      }));
    },
    reset() {
      repositories.clear();
    },
  };
}
