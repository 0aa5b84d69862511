/**
 * Images in the sandbox: the build request the docker shim sends, the build (Dockerfile
 * interpretation, files laid out on disk, an OCI manifest with a real sha256 digest) and the
 * in-memory store ECR and ECS share.
 *
 * The digest is computed like a registry would: sha256 of the OCI image manifest, which names a
 * config blob (run configuration + platform + history) and one layer blob (a deterministic tar of
 * the image's files). Same Dockerfile, args, platform and context: same digest.
 * https://github.com/opencontainers/image-spec/blob/main/manifest.md
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import * as posix from 'node:path/posix';
import { dockerignoreFor, listContext } from '../../lib/docker-context.js';
import type { ImageStore, StoredImage } from '../contracts.js';
import { ImageFs, interpretDockerfile, parseDockerfile, type InterpretedImage } from './dockerfile.js';
import { tarDigest } from './tar.js';

// ---------------------------------------------------------------------------------------------
// The request POSTed to <endpoint>/_sandbox/build

export interface BuildFile {
  /** Relative to the context, '/' separators, no '..'. */
  path: string;
  kind: 'file' | 'symlink';
  /** Permission bits, e.g. 0o644 or 0o755. */
  mode: number;
  contentBase64?: string;
  linkTarget?: string;
}

export interface BuildRequest {
  /** Full references, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:abc */
  tags: string[];
  /** The Dockerfile's content. */
  dockerfile: string;
  buildArgs: Record<string, string>;
  /** `linux/amd64`, or a comma-separated list for a multi-platform image. */
  platform: string;
  files: BuildFile[];
}

export class BuildRequestError extends Error {
  override readonly name = 'BuildRequestError';
}

/** Validates a request body (already JSON-parsed); throws BuildRequestError saying what is wrong. */
export function parseBuildRequest(body: unknown): BuildRequest {
  const fail = (message: string): never => {
    throw new BuildRequestError(`Invalid build request: ${message}`);
  };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('the body must be a JSON object');
  const b = body as Record<string, unknown>;
  const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (!isStringArray(b.tags)) fail('"tags" must be an array of image references (strings)');
  if (typeof b.dockerfile !== 'string' || b.dockerfile.trim() === '')
    fail('"dockerfile" must be the Dockerfile content (a non-empty string)');
  const buildArgs = b.buildArgs ?? {};
  if (
    typeof buildArgs !== 'object' ||
    buildArgs === null ||
    Array.isArray(buildArgs) ||
    !Object.values(buildArgs).every((v) => typeof v === 'string')
  ) {
    fail('"buildArgs" must be an object of string values');
  }
  const platform = b.platform ?? 'linux/amd64';
  if (
    typeof platform !== 'string' ||
    !/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?(\s*,\s*[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?)*$/.test(platform)
  ) {
    fail(`"platform" must be os/arch[/variant] (comma-separated for several), got ${JSON.stringify(platform)}`);
  }
  if (!Array.isArray(b.files)) fail('"files" must be an array');
  const files: BuildFile[] = [];
  const seen = new Set<string>();
  for (const [i, raw] of (b.files as unknown[]).entries()) {
    const where = `files[${i}]`;
    if (typeof raw !== 'object' || raw === null) fail(`${where} must be an object`);
    const f = raw as Record<string, unknown>;
    if (typeof f.path !== 'string' || f.path === '') fail(`${where}.path must be a non-empty string`);
    const p = f.path as string;
    if (p.startsWith('/') || p.split('/').some((s) => s === '..' || s === '') || p.includes('\\')) {
      fail(`${where}.path ${JSON.stringify(p)} must be relative to the context, with '/' separators and no '..'`);
    }
    if (seen.has(p)) fail(`${where}.path ${JSON.stringify(p)} appears twice`);
    seen.add(p);
    if (f.kind !== 'file' && f.kind !== 'symlink') fail(`${where}.kind must be "file" or "symlink"`);
    if (typeof f.mode !== 'number' || !Number.isInteger(f.mode) || f.mode < 0 || f.mode > 0o7777)
      fail(`${where}.mode must be permission bits (0..0o7777)`);
    if (f.kind === 'file') {
      if (typeof f.contentBase64 !== 'string') fail(`${where}.contentBase64 must be the file's content in base64`);
      files.push({ path: p, kind: 'file', mode: f.mode as number, contentBase64: f.contentBase64 as string });
    } else {
      if (typeof f.linkTarget !== 'string' || f.linkTarget === '')
        fail(`${where}.linkTarget must name the symlink's target`);
      files.push({ path: p, kind: 'symlink', mode: f.mode as number, linkTarget: f.linkTarget as string });
    }
  }
  return {
    tags: b.tags as string[],
    dockerfile: b.dockerfile as string,
    buildArgs: { ...(buildArgs as Record<string, string>) },
    platform: (platform as string)
      .split(',')
      .map((p) => p.trim())
      .join(','),
    files,
  };
}

/**
 * The request's `files`: what Docker sends of `contextDir`, honouring `<Dockerfile>.dockerignore`
 * when it exists, else `.dockerignore` (the same choice build-image's fingerprint makes).
 */
export function contextFiles(contextDir: string, dockerfilePath?: string): BuildFile[] {
  return listContext(contextDir, dockerignoreFor(contextDir, dockerfilePath).patterns).map((entry) => {
    const absolute = path.join(contextDir, ...entry.path.split('/'));
    if (entry.kind === 'symlink') {
      return { path: entry.path, kind: 'symlink', mode: 0o777, linkTarget: readlinkSync(absolute) };
    }
    return {
      path: entry.path,
      kind: 'file',
      mode: lstatSync(absolute).mode & 0o7777,
      contentBase64: readFileSync(absolute).toString('base64'),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Store

export function createImageStore(): ImageStore & { all(): StoredImage[] } {
  const images = new Map<string, StoredImage>();
  return {
    get: (digest) => images.get(digest),
    put: (image) => void images.set(image.digest, image),
    all: () => [...images.values()],
  };
}

// ---------------------------------------------------------------------------------------------
// Build

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';

/** What buildImage returns: the stored image plus what the build learned on the way. */
export interface BuiltImage extends StoredImage {
  config: InterpretedImage['config'];
  baseImage: string;
  layerDigest: string;
  platforms: string[];
  /** Docker's warnings, e.g. build args no ARG consumed. */
  warnings: string[];
}

/**
 * Interprets the Dockerfile against the request's files, lays the image's files out under
 * `<dataDir>/images/<layer digest>/` (reused when the same files were laid out before), computes
 * the manifest digest and puts the image in the store. Throws DockerfileError for a Dockerfile
 * the sandbox cannot build (with the line), BuildRequestError for a bad request.
 */
export async function buildImage(
  request: BuildRequest,
  opts: { dataDir: string; store: ImageStore },
): Promise<BuiltImage> {
  const context = new ImageFs();
  for (const file of request.files) {
    context.put(
      `/${file.path}`,
      file.kind === 'file'
        ? { kind: 'file', mode: file.mode & 0o7777, content: Buffer.from(file.contentBase64 ?? '', 'base64') }
        : { kind: 'symlink', mode: 0o777, target: file.linkTarget ?? '' },
    );
  }
  const platforms = request.platform
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const image = interpretDockerfile(parseDockerfile(request.dockerfile), {
    buildArgs: request.buildArgs,
    platform: platforms[0] ?? 'linux/amd64',
    context,
  });

  const entries = image.fs.entries();
  const layer = tarDigest(entries);
  const rootDir = layOut(opts.dataDir, layer.digest, entries);

  const manifests = platforms.map((platform) => {
    const [os = 'linux', architecture = 'amd64', variant] = platform.split('/');
    const configBlob = JSON.stringify(ociConfig(image, { os, architecture, variant }, layer.digest));
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: sha256(configBlob), size: Buffer.byteLength(configBlob) },
      layers: [{ mediaType: OCI_LAYER, digest: layer.digest, size: layer.size }],
    });
    return { manifest, platform: { os, architecture, ...(variant ? { variant } : {}) } };
  });

  let manifest: string;
  let manifestMediaType: string;
  if (manifests.length === 1) {
    manifest = manifests[0]!.manifest;
    manifestMediaType = OCI_MANIFEST;
  } else {
    // Several platforms: an image index naming one manifest per platform, as buildx pushes.
    manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: manifests.map((m) => ({
        mediaType: OCI_MANIFEST,
        digest: sha256(m.manifest),
        size: Buffer.byteLength(m.manifest),
        platform: m.platform,
      })),
    });
    manifestMediaType = OCI_INDEX;
  }

  const built: BuiltImage = {
    digest: sha256(manifest),
    manifest,
    manifestMediaType,
    sizeInBytes: layer.size,
    config: image.config,
    rootDir,
    baseImage: image.baseImage,
    layerDigest: layer.digest,
    platforms,
    warnings: image.warnings,
  };
  opts.store.put(built);
  return built;
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** The OCI image config: the run configuration Docker would record, without timestamps. */
function ociConfig(
  image: InterpretedImage,
  platform: { os: string; architecture: string; variant?: string | undefined },
  layerDigest: string,
): unknown {
  const c = image.config;
  const nanoseconds = (ms: number) => ms * 1_000_000;
  return {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {
      ...(c.user ? { User: c.user } : {}),
      ExposedPorts: Object.fromEntries(c.exposedPorts.map((p) => [`${p}/tcp`, {}])),
      Env: Object.entries(c.env).map(([k, v]) => `${k}=${v}`),
      Entrypoint: c.entrypoint,
      Cmd: c.cmd,
      WorkingDir: c.workdir,
      Labels: c.labels,
      ...(c.stopSignal ? { StopSignal: c.stopSignal } : {}),
      ...(c.healthcheck
        ? {
            Healthcheck: {
              Test: c.healthcheck.test,
              Interval: nanoseconds(c.healthcheck.intervalMs),
              Timeout: nanoseconds(c.healthcheck.timeoutMs),
              StartPeriod: nanoseconds(c.healthcheck.startPeriodMs),
              Retries: c.healthcheck.retries,
            },
          }
        : {}),
    },
    rootfs: { type: 'layers', diff_ids: [layerDigest] },
    history: image.history,
  };
}

/**
 * Writes the files to `<dataDir>/images/<layer hex>/`, unless an earlier build already did: the
 * folder is named by the content, so the same files are stored once. Written to a temporary
 * folder first and renamed, so a half-written folder is never used.
 */
function layOut(dataDir: string, layerDigest: string, entries: ReturnType<ImageFs['entries']>): string {
  const imagesDir = path.join(dataDir, 'images');
  const rootDir = path.join(imagesDir, layerDigest.replace('sha256:', ''));
  if (existsSync(rootDir)) return rootDir;
  mkdirSync(imagesDir, { recursive: true });
  const tmp = path.join(imagesDir, `.tmp-${randomBytes(6).toString('hex')}`);
  mkdirSync(tmp);
  try {
    for (const [imagePath, node] of entries) {
      const target = path.join(tmp, ...posix.relative('/', imagePath).split('/'));
      if (node.kind === 'dir') {
        mkdirSync(target, { recursive: true });
      } else if (node.kind === 'file') {
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, node.content);
        // Owner keeps read/write so the sandbox can always clean up.
        chmodSync(target, (node.mode & 0o777) | 0o600);
      } else {
        mkdirSync(path.dirname(target), { recursive: true });
        symlinkSync(node.target, target);
      }
    }
    try {
      renameSync(tmp, rootDir);
    } catch (error) {
      // Another build of the same files won the race: theirs is identical.
      if (!existsSync(rootDir)) throw error;
      rmSync(tmp, { recursive: true, force: true });
    }
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  return rootDir;
}
