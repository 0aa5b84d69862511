/**
 * The ECR calls build-image makes, behind a narrow interface so the logic can be tested with a
 * fake. Every call goes through awsCall, so failures name the operation and the repository.
 */
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand,
  PutImageCommand,
  type ECRClient,
  type ImageDetail,
} from '@aws-sdk/client-ecr';
import { awsCall, AwsCallError } from '../../../lib/aws.js';

export interface FoundImage {
  digest: string;
  registryId?: string;
  tags: string[];
  pushedAt?: Date;
}

export interface RepositoryInfo {
  uri: string;
}

export interface RegistryLogin {
  /** Host name to log in to, without scheme. */
  registry: string;
  username: string;
  password: string;
}

export type RetagResult = 'added' | 'kept' | 'immutable';

const MANIFEST_MEDIA_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
];

export interface Ecr {
  /** The image holding `tag`, or undefined. RepositoryNotFoundException propagates as AwsCallError. */
  findImageByTag(repository: string, tag: string): Promise<FoundImage | undefined>;
  describeRepository(repository: string): Promise<RepositoryInfo>;
  /** The most recently pushed image with a tag starting with `prefix` (looks at up to `maxImages`). */
  newestTagged(
    repository: string,
    prefix: string,
    maxImages?: number,
  ): Promise<(FoundImage & { tag: string }) | undefined>;
  /** Points `tag` at the image `digest` without docker (BatchGetImage + PutImage). */
  addTag(repository: string, digest: string, tag: string): Promise<RetagResult>;
  login(): Promise<RegistryLogin>;
}

export function isRepositoryNotFound(error: unknown): boolean {
  return error instanceof AwsCallError && error.code === 'RepositoryNotFoundException';
}

function found(detail: ImageDetail): FoundImage | undefined {
  if (!detail.imageDigest) return undefined;
  return {
    digest: detail.imageDigest,
    registryId: detail.registryId,
    tags: detail.imageTags ?? [],
    pushedAt: detail.imagePushedAt,
  };
}

export function createEcr(client: ECRClient): Ecr {
  return {
    async findImageByTag(repository, tag) {
      try {
        const out = await awsCall(`repository ${repository}`, () =>
          client.send(new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] })),
        );
        const detail = out.imageDetails?.[0];
        return detail ? found(detail) : undefined;
      } catch (error) {
        // DescribeImages answers ImageNotFoundException for an imageId that is not there.
        // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeImages.html
        if (error instanceof AwsCallError && error.code === 'ImageNotFoundException') return undefined;
        throw error;
      }
    },

    async describeRepository(repository) {
      const out = await awsCall(`repository ${repository}`, () =>
        client.send(new DescribeRepositoriesCommand({ repositoryNames: [repository] })),
      );
      const repo = out.repositories?.[0];
      if (!repo?.repositoryUri) throw new Error(`DescribeRepositories returned no URI for ${repository}`);
      return { uri: repo.repositoryUri };
    },

    async newestTagged(repository, prefix, maxImages = 1000) {
      let best: (FoundImage & { tag: string }) | undefined;
      let nextToken: string | undefined;
      let seen = 0;
      do {
        const out = await awsCall(`repository ${repository}`, () =>
          client.send(
            new DescribeImagesCommand({
              repositoryName: repository,
              filter: { tagStatus: 'TAGGED' },
              maxResults: 1000,
              nextToken,
            }),
          ),
        );
        for (const detail of out.imageDetails ?? []) {
          const tag = detail.imageTags?.find((t) => t.startsWith(prefix));
          const image = found(detail);
          if (!tag || !image) continue;
          if (!best || (image.pushedAt?.getTime() ?? 0) > (best.pushedAt?.getTime() ?? 0)) best = { ...image, tag };
        }
        seen += out.imageDetails?.length ?? 0;
        nextToken = out.nextToken;
      } while (nextToken && seen < maxImages);
      return best;
    },

    async addTag(repository, digest, tag) {
      const got = await awsCall(`repository ${repository}`, () =>
        client.send(
          new BatchGetImageCommand({
            repositoryName: repository,
            imageIds: [{ imageDigest: digest }],
            // Ask for the manifest as it was pushed (an index stays an index), so PutImage copies it exactly.
            // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_BatchGetImage.html
            acceptedMediaTypes: MANIFEST_MEDIA_TYPES,
          }),
        ),
      );
      const image = got.images?.[0];
      if (!image?.imageManifest) throw new Error(`BatchGetImage returned no manifest for ${repository}@${digest}`);
      try {
        await awsCall(`repository ${repository}`, () =>
          client.send(
            new PutImageCommand({
              repositoryName: repository,
              imageManifest: image.imageManifest,
              imageManifestMediaType: image.imageManifestMediaType,
              imageDigest: digest,
              imageTag: tag,
            }),
          ),
        );
        return 'added';
      } catch (error) {
        // PutImage: ImageAlreadyExistsException when the tag already names this very image;
        // ImageTagAlreadyExistsException when an immutable repository has the tag on another image.
        // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutImage.html
        if (error instanceof AwsCallError && error.code === 'ImageAlreadyExistsException') return 'kept';
        if (error instanceof AwsCallError && error.code === 'ImageTagAlreadyExistsException') return 'immutable';
        throw error;
      }
    },

    async login() {
      const out = await awsCall('the registry', () => client.send(new GetAuthorizationTokenCommand({})));
      const data = out.authorizationData?.[0];
      if (!data?.authorizationToken || !data.proxyEndpoint) {
        throw new Error('GetAuthorizationToken returned no token');
      }
      // The token is base64 of `AWS:<password>`.
      // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_AuthorizationData.html
      const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new Error('GetAuthorizationToken returned a token that is not user:password');
      return {
        registry: data.proxyEndpoint.replace(/^https?:\/\//, '').replace(/\/+$/, ''),
        username: decoded.slice(0, colon),
        password: decoded.slice(colon + 1),
      };
    },
  };
}
