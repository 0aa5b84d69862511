/**
 * `docker buildx build`: snapshots the context, POSTs it to the sandbox's /_sandbox/build, which
 * builds the image and tags it in sandbox ECR, and reads and writes the layer cache.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseDockerfile } from '../runtime/dockerfile.js';
import { contextFiles, type BuildRequest } from '../runtime/images.js';
import { parseBuildArgs } from './docker-shim-build-options.js';
import {
  cacheDir,
  CacheSpecError,
  exportCache,
  importCache,
  parseCacheSpec,
  type CacheSpec,
} from './docker-shim-cache.js';
import { endpointOf, ExitError, type Io } from './docker-shim-io.js';
import { readConfig, registryOfRef } from './docker-shim-login.js';
import { baseImages, buildSteps, formatSize, Progress, resolveFromLines } from './docker-shim-progress.js';

export async function build(args: string[], io: Io, configDir: string): Promise<void> {
  const options = parseBuildArgs(args, io.env);
  if (options.context === undefined) throw new ExitError('ERROR: "docker buildx build" requires exactly 1 argument.');
  if (options.context === '-') throw new ExitError('ERROR: the sandbox shim needs a context folder, not stdin');
  const contextDir = path.resolve(io.cwd, options.context);
  if (!existsSync(contextDir) || !statSync(contextDir).isDirectory()) {
    throw new ExitError(`ERROR: unable to prepare context: path "${options.context}" not found`);
  }
  const dockerfilePath = options.file ? path.resolve(io.cwd, options.file) : path.join(contextDir, 'Dockerfile');
  if (!existsSync(dockerfilePath)) {
    throw new ExitError(
      `ERROR: failed to solve: failed to read dockerfile: open ${dockerfilePath}: no such file or directory`,
    );
  }
  const endpoint = endpointOf(io.env);
  if (!endpoint) {
    throw new ExitError(
      'ERROR: the sandbox docker shim builds into the sandbox: set AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_ECR) to its endpoint',
    );
  }

  let cacheFrom: CacheSpec[];
  let cacheTo: CacheSpec[];
  try {
    cacheFrom = options.cacheFrom.map((spec) => parseCacheSpec(spec, io.env)).filter((c) => c.type !== 'inline');
    cacheTo = options.cacheTo.map((spec) => parseCacheSpec(spec, io.env)).filter((c) => c.type !== 'inline');
  } catch (error) {
    if (error instanceof CacheSpecError) throw new ExitError(`ERROR: ${error.message}`);
    throw error;
  }
  const cacheFolder = cacheDir(io.env, configDir);

  const progress = new Progress(io, options.quiet);
  const started = Date.now();
  progress.line(`#0 building with "sandbox" instance using docker-container driver`);

  const dockerfile = readFileSync(dockerfilePath, 'utf8');
  progress.step('[internal] load build definition from ' + path.basename(dockerfilePath), [
    `transferring dockerfile: ${formatSize(Buffer.byteLength(dockerfile))} done`,
  ]);

  if (options.push) {
    // Docker needs credentials for every registry it pushes to; ECR refuses anonymous pushes.
    const auths = readConfig(configDir).auths ?? {};
    for (const tag of options.tags) {
      const registry = registryOfRef(tag);
      if (!auths[registry]?.auth) {
        throw new ExitError(`ERROR: failed to solve: failed to push ${tag}: no basic auth credentials`);
      }
    }
  }

  let instructions;
  try {
    instructions = parseDockerfile(dockerfile);
  } catch (error) {
    throw new ExitError(`ERROR: failed to solve: ${(error as Error).message}`);
  }
  instructions = resolveFromLines(instructions, options.buildArgs);
  for (const base of baseImages(instructions)) progress.step(`[internal] load metadata for ${base}`, []);
  const files = contextFiles(contextDir, dockerfilePath);
  const contextBytes = files.reduce(
    (sum, f) => sum + (f.contentBase64 ? Math.floor((f.contentBase64.length * 3) / 4) : 0),
    0,
  );
  progress.step('[internal] load .dockerignore', [
    `transferring context: ${existsSync(path.join(contextDir, '.dockerignore')) ? formatSize(statSync(path.join(contextDir, '.dockerignore')).size) : '2B'} done`,
  ]);
  progress.step('[internal] load build context', [
    `transferring context: ${formatSize(contextBytes)} (${files.length} files) done`,
  ]);
  const reusable = new Set<string>();
  for (const spec of cacheFrom) {
    const keys = options.noCache ? undefined : importCache(cacheFolder, spec);
    for (const key of keys ?? []) reusable.add(key);
    // BuildKit goes on without a cache it cannot import.
    progress.step(
      `importing cache manifest from ${spec.type === 'gha' ? `gha:${spec.name}` : spec.name}`,
      [],
      keys ? 'DONE 0.0s' : `ERROR: ${spec.name}: not found`,
    );
  }
  const steps = buildSteps(instructions, files, options.buildArgs, options.platform ?? 'linux/amd64');
  for (const step of steps) {
    const end = reusable.has(step.key)
      ? 'CACHED'
      : step.skipped
        ? 'SKIPPED (RUN is not executed by the sandbox)'
        : undefined;
    progress.step(step.title, [], end);
  }

  const request: BuildRequest = {
    tags: options.push ? options.tags : [],
    dockerfile,
    buildArgs: options.buildArgs,
    platform: options.platform ?? 'linux/amd64',
    files,
  };
  let response: Response;
  try {
    response = await fetch(`${endpoint}/_sandbox/build`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
  } catch (error) {
    throw new ExitError(
      `ERROR: failed to solve: cannot reach the sandbox at ${endpoint}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`,
    );
  }
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Reported below with the raw text.
  }
  if (!response.ok || typeof body.digest !== 'string') {
    const message = typeof body.message === 'string' ? body.message : `HTTP ${response.status}: ${text.slice(0, 500)}`;
    // AWS errors name their code (ImageTagAlreadyExistsException, ...); control errors only explain.
    const code = typeof body.__type === 'string' ? `${body.__type.replace(/^.*#/, '')}: ` : '';
    throw new ExitError(`ERROR: failed to solve: ${code}${message}`);
  }
  const digest = body.digest;
  const exportLines = ['exporting layers done', `exporting manifest ${digest} done`];
  if (options.push) {
    for (const tag of options.tags) exportLines.push(`pushing ${tag} with docker`, `naming to ${tag}@${digest} done`);
  }
  progress.step('exporting to image', exportLines);
  const auths = readConfig(configDir).auths ?? {};
  for (const spec of cacheTo) {
    if (spec.type === 'registry' && !auths[registryOfRef(spec.name)]?.auth) {
      const message = `failed to push ${spec.name}: no basic auth credentials`;
      if (!spec.ignoreError) throw new ExitError(`ERROR: failed to solve: error writing cache: ${message}`);
      progress.line(`WARNING: cache export failed (ignore-error=true): ${message}`);
      continue;
    }
    const kept = exportCache(cacheFolder, spec, steps);
    progress.step(`exporting cache to ${spec.type === 'gha' ? 'GitHub Actions cache' : 'registry'}`, [
      'preparing build cache for export done',
      `writing cache manifest ${spec.type === 'gha' ? `gha:${spec.name}` : spec.name} (${kept} steps, mode=${spec.mode}) done`,
    ]);
  }
  if (!options.push && options.tags.length) {
    progress.line('WARNING: no --push: the image is built in the sandbox but not tagged in ECR');
  }
  progress.line(`Build finished in ${((Date.now() - started) / 1000).toFixed(1)}s`);

  if (options.metadataFile) {
    const metadata: Record<string, unknown> = {
      'buildx.build.ref': `sandbox/sandbox0/${digest.slice(7, 32)}`,
      'containerimage.digest': digest,
    };
    if (options.tags.length) metadata['image.name'] = options.tags.join(',');
    writeFileSync(path.resolve(io.cwd, options.metadataFile), `${JSON.stringify(metadata, null, 2)}\n`);
  }
  if (options.iidFile) writeFileSync(path.resolve(io.cwd, options.iidFile), digest);
  if (options.quiet) io.stdout(`${digest}\n`);
}
