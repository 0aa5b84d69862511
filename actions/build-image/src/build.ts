/**
 * build-image's logic: fingerprint the context, look the fingerprint tag up in ECR, and build and
 * push only when ECR lacks it. ECR, docker, the logger and the summary come in as arguments.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { isRepositoryNotFound, type Ecr, type FoundImage } from './ecr.js';
import type { DockerCli } from './docker.js';
import { DockerfileMissingError, fingerprintBuild, FINGERPRINT_TAG_PREFIX, type Fingerprint } from './fingerprint.js';
import type { BuildImageConfig } from './config.js';
import { cacheArguments } from './cache.js';
import { ActionFailure, ConfigurationError } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/log.js';
import { link, markdownTable, type Summary } from '../../../lib/summary.js';

export interface BuildDeps {
  ecr: Ecr;
  docker: DockerCli;
  logger: Logger;
  summary: Summary;
  region: string;
  /** Registers a secret so the runner masks it in the log. */
  mask(secret: string): void;
  /** Where the metadata file goes (RUNNER_TEMP in actions). */
  tempDir: string;
  /** The workspace, for paths shown relative to it. */
  workspace: string;
  fingerprint?: typeof fingerprintBuild;
}

export interface BuildResult {
  /** `<registry>/<repo>@sha256:...`, or '' when push is false and ECR lacks the image. */
  image: string;
  imageTag: string;
  fingerprint: string;
  built: boolean;
  digest: string;
  /** ECR already held the fingerprint tag. */
  found: boolean;
  extraTags: { added: string[]; skipped: string[] };
}

const SHOWN_CHANGES = 20;

export function missingRepositoryMessage(repository: string, region: string): string {
  return (
    `The ECR repository '${repository}' does not exist in ${region}. Create it with the foundation ` +
    `Terraform stack (terraform/stacks/foundation), or once by hand: ` +
    `aws ecr create-repository --repository-name ${repository} --image-tag-mutability IMMUTABLE ` +
    `--image-scanning-configuration scanOnPush=true --region ${region}`
  );
}

/** The `docker buildx build` argument array (never a shell string). */
export function buildArguments(
  config: BuildImageConfig,
  fingerprint: Fingerprint,
  repositoryUri: string,
  metadataFile: string,
  previousTag?: string,
): string[] {
  const args = ['buildx', 'build', '--push', '--platform', config.platform, '-f', config.dockerfile];
  for (const [key, value] of [...config.buildArgs.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    args.push('--build-arg', `${key}=${value}`);
  }
  // Only the fingerprint tag: extra tags are added through ECR afterwards (applyExtraTags), one by
  // one, so a tag another image holds in an immutable repository cannot fail the whole push.
  args.push('-t', `${repositoryUri}:${fingerprint.tag}`);
  args.push(
    ...cacheArguments({
      mode: config.cache,
      repository: config.repository,
      repositoryUri,
      fingerprintTag: fingerprint.tag,
      previousTag,
    }),
  );
  // Provenance attestations would turn the pushed digest into an index digest that differs per build.
  args.push('--metadata-file', metadataFile, '--provenance=false', '--progress', 'plain', config.context);
  return args;
}

export async function buildImage(config: BuildImageConfig, deps: BuildDeps): Promise<BuildResult> {
  const { ecr, docker, logger, summary, region } = deps;
  const repo = config.repository;
  // Named at once: a failure block written before the build's own summary shows under it.
  summary.title(`build-image: ${repo}`);

  const fp = await logger.group('Fingerprint of the build context', async () => {
    let result: Fingerprint;
    try {
      result = await (deps.fingerprint ?? fingerprintBuild)({
        context: config.context,
        dockerfile: config.dockerfile,
        buildArgs: config.buildArgs,
        platform: config.platform,
      });
    } catch (error) {
      if (error instanceof DockerfileMissingError) {
        throw new ConfigurationError('dockerfile', path.relative(deps.workspace, config.dockerfile), error.message);
      }
      throw error;
    }
    logger.info(`fingerprint ${result.fingerprint} (tag ${result.tag})`);
    logger.info(
      result.method === 'git'
        ? `${result.fileCount} files: ${result.fromGit} by git's index ids, ${result.read} read (changed, untracked or git-ignored)`
        : `${result.fileCount} files, all read (${result.fallbackReason ?? 'no git'})`,
    );
    for (const p of result.changedInWorkingTree.slice(0, SHOWN_CHANGES)) logger.info(`  read: ${p}`);
    if (result.sendsGitFolder) {
      logger.warning(
        'The build context sends a .git folder, so the fingerprint changes with every git operation and the image is rebuilt each time. Add .git to .dockerignore.',
      );
    }
    return result;
  });

  let existing: FoundImage | undefined;
  try {
    existing = await ecr.findImageByTag(repo, fp.tag);
  } catch (error) {
    if (isRepositoryNotFound(error)) throw new ActionFailure(missingRepositoryMessage(repo, region));
    throw error;
  }

  const result: BuildResult = {
    image: '',
    imageTag: fp.tag,
    fingerprint: fp.fingerprint,
    built: false,
    digest: '',
    found: existing !== undefined,
    extraTags: { added: [], skipped: [] },
  };

  if (existing) {
    // The image is named by the repositoryUri ECR returns, as on the built path, so the same image
    // always gets the same name whatever region or endpoint the client was configured with.
    // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_Repository.html
    const uri = (await ecr.describeRepository(repo)).uri;
    result.image = `${uri}@${existing.digest}`;
    result.digest = existing.digest;
    logger.info(`ECR already holds ${repo}:${fp.tag} (${existing.digest}): nothing to build.`);
    const missing = config.extraTags.filter((t) => !existing.tags.includes(t));
    if (missing.length && config.push) {
      await applyExtraTags(deps, repo, existing.digest, missing, result);
    } else if (missing.length) {
      result.extraTags.skipped.push(...missing);
      logger.info(`push is false: extra tags ${missing.join(', ')} were not added.`);
    }
    writeSummary(summary, config, deps, fp, result, 'reused');
    return result;
  }

  if (!config.push) {
    logger.info(`ECR has no ${repo}:${fp.tag}, and push is false: nothing is built.`);
    writeSummary(summary, config, deps, fp, result, 'absent');
    return result;
  }

  const repository = await ecr.describeRepository(repo);
  const previous = await ecr.newestTagged(repo, FINGERPRINT_TAG_PREFIX).catch((error: Error) => {
    logger.debug(`Could not list earlier images: ${error.message}`);
    return undefined;
  });
  const version = await docker.ensureAvailable();
  logger.info(`docker server ${version || '(version unknown)'}`);
  const login = await ecr.login();
  deps.mask(login.password);
  await docker.login(login.registry, login.username, login.password);
  logger.info(`Logged in to ${login.registry}.`);

  const scratch = mkdtempSync(path.join(deps.tempDir, 'build-image-'));
  try {
    const metadataFile = path.join(scratch, 'metadata.json');
    const args = buildArguments(config, fp, repository.uri, metadataFile, previous?.tag);
    let outcome = await logger.group(`docker buildx build ${repository.uri}:${fp.tag}`, () => docker.build(args));
    if (outcome.exitCode !== 0 && outcome.tail.some((line) => /cache export is not supported/i.test(line))) {
      // The default `docker` driver exports no cache unless the containerd image store is on
      // (https://docs.docker.com/build/cache/backends/): a cache only makes builds faster, so
      // build again without it rather than fail.
      logger.warning(
        `This builder cannot export a build cache, so the image is built without one (cache: ${config.cache}). ` +
          'Add docker/setup-buildx-action before this step for a cache, or set cache: none to skip this attempt.',
      );
      const uncached = buildArguments({ ...config, cache: 'none' }, fp, repository.uri, metadataFile);
      outcome = await logger.group(`docker buildx build ${repository.uri}:${fp.tag} (no cache)`, () =>
        docker.build(uncached),
      );
    }
    if (outcome.exitCode !== 0) {
      // Another run may have pushed the same fingerprint meanwhile (an immutable repository then
      // refuses ours): its image is the same build, so use it.
      const raced = await ecr.findImageByTag(repo, fp.tag).catch(() => undefined);
      if (raced) {
        logger.warning(`The build failed, but ${repo}:${fp.tag} now exists (pushed by another run): using it.`);
        result.image = `${repository.uri}@${raced.digest}`;
        result.digest = raced.digest;
        result.found = true;
        writeSummary(summary, config, deps, fp, result, 'reused', previous);
        return result;
      }
      // The cause first (buildx ends with its `ERROR:` line), the progress that led to it after.
      const cause = buildxError(outcome.tail);
      throw new ActionFailure(
        `${cause ? `${cause}\n` : ''}docker buildx build failed (exit ${outcome.exitCode}) for ${repository.uri}:${fp.tag}. Its last ${outcome.tail.length} lines:\n${outcome.tail.join('\n')}`,
      );
    }
    if (config.cache !== 'none') {
      logger.info(`${outcome.cachedSteps} build steps came from the ${config.cache} cache.`);
    }
    let digest = readDigest(metadataFile);
    if (!digest) {
      logger.warning('The build wrote no containerimage.digest; asking ECR for the pushed digest.');
      digest = (await ecr.findImageByTag(repo, fp.tag))?.digest;
    }
    if (!digest) {
      throw new ActionFailure(`The build succeeded but ECR has no ${repo}:${fp.tag}: was the push refused?`);
    }
    result.built = true;
    result.digest = digest;
    result.image = `${repository.uri}@${digest}`;
    logger.info(`Pushed ${result.image}`);
    await applyExtraTags(deps, repo, digest, config.extraTags, result);
    writeSummary(summary, config, deps, fp, result, 'built', previous);
    return result;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    // The ECR token is valid for 12 hours: leave none behind in ~/.docker on a persistent runner.
    await docker.logout(login.registry).catch((error: Error) => logger.debug(`docker logout: ${error.message}`));
  }
}

/**
 * Adds the extra tags to an image already in ECR, without docker: the manifest is copied to each
 * tag (BatchGetImage + PutImage). A tag another image holds in an immutable repository is left as
 * it is, with a warning; the image itself is unaffected.
 */
async function applyExtraTags(
  deps: Pick<BuildDeps, 'ecr' | 'logger'>,
  repo: string,
  digest: string,
  tags: string[],
  result: BuildResult,
): Promise<void> {
  for (const tag of tags) {
    const outcome = await deps.ecr.addTag(repo, digest, tag);
    if (outcome === 'immutable') {
      result.extraTags.skipped.push(tag);
      deps.logger.warning(
        `Tag ${tag} already names another image in the immutable repository ${repo}; it was left as it is.`,
      );
    } else {
      result.extraTags.added.push(tag);
      deps.logger.info(`Tagged ${repo}@${digest} as ${tag}.`);
    }
  }
}

/** `containerimage.digest` from buildx's --metadata-file. */
export function readDigest(metadataFile: string): string | undefined {
  let metadata: Record<string, unknown>;
  try {
    metadata = JSON.parse(readFileSync(metadataFile, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const digest = metadata['containerimage.digest'];
  return typeof digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(digest) ? digest : undefined;
}

/** The last `ERROR:` line buildx printed (its summary of what failed), without the progress prefix. */
export function buildxError(tail: string[]): string | undefined {
  const line = [...tail].reverse().find((l) => /(^|\s)ERROR:/.test(l));
  return line?.slice(line.indexOf('ERROR:')).trim();
}

/** The repository's page in the ECR console, where its images and tags are listed. */
function ecrConsoleUrl(region: string, repository: string): string {
  const r = encodeURIComponent(region);
  return `https://${r}.console.aws.amazon.com/ecr/repositories/private/${encodeURIComponent(repository)}?region=${r}`;
}

function short(hash: string): string {
  return `\`${hash.slice(0, 12)}\``;
}

function writeSummary(
  summary: Summary,
  config: BuildImageConfig,
  { workspace, region }: Pick<BuildDeps, 'workspace' | 'region'>,
  fp: Fingerprint,
  result: BuildResult,
  outcome: 'built' | 'reused' | 'absent',
  previous?: FoundImage & { tag: string },
): void {
  const verdict = {
    built: `built and pushed \`${result.imageTag}\`, new to ECR`,
    reused: `reused \`${result.imageTag}\`: ECR already holds this build context, nothing was built`,
    absent: 'not in ECR, and push is false: nothing was built',
  }[outcome];
  summary.title(`build-image: ${config.repository}`);
  summary.verdict(outcome === 'absent' ? 'unchanged' : outcome === 'reused' ? 'unchanged' : 'success', verdict);
  summary.text(link('Repository in the ECR console', ecrConsoleUrl(region, config.repository)));
  const extraTags = [...result.extraTags.added, ...result.extraTags.skipped.map((t) => `${t} (left as it was)`)];
  summary.table(
    ['Field', 'Value'],
    [
      ['Image', result.image ? `\`${result.image}\`` : '(none)'],
      ['Tag', `\`${result.imageTag}\``],
      ['Fingerprint', `\`${result.fingerprint}\``],
      [
        'Files hashed',
        fp.method === 'git'
          ? `${fp.fileCount}: ${fp.fromGit} by git's index ids, ${fp.read} read`
          : `${fp.fileCount}, all read (${fp.fallbackReason ?? 'no git'})`,
      ],
      ['.dockerignore', fp.dockerignore ? path.relative(workspace, fp.dockerignore) : '(none)'],
      ...(extraTags.length > 0 ? [['Extra tags', extraTags.join(', ')]] : []),
    ],
  );
  // The fingerprint is a hash of these four hashes: compared with an earlier run, they say which input changed.
  summary.folded(
    'Parts of the fingerprint',
    markdownTable(
      ['Part', 'sha256'],
      [
        ['Dockerfile', short(fp.parts.dockerfile)],
        ['Build args', short(fp.parts.buildArgs)],
        ['Platform', `${short(fp.parts.platform)} (${config.platform})`],
        ['Context files', short(fp.parts.files)],
      ],
    ),
  );
  if (previous) {
    summary.text(
      `The newest earlier image with a fingerprint tag is \`${previous.tag}\` (${previous.digest}${previous.pushedAt ? `, pushed ${previous.pushedAt.toISOString()}` : ''}). ` +
        'ECR keeps tags and digests, not the files behind them, so the difference is shown against git instead:',
    );
  }
  if (fp.method === 'git') {
    const shown = fp.changedInWorkingTree.slice(0, SHOWN_CHANGES);
    summary.text(
      fp.changedInWorkingTree.length
        ? `Files in the context that differ from git's index (modified, deleted, untracked or git-ignored): ${fp.changedInWorkingTree.length}`
        : 'No file in the context differs from git’s index: the image is made of committed files only.',
    );
    summary.list(shown.map((p) => `\`${p}\``));
    if (fp.changedInWorkingTree.length > shown.length) {
      summary.text(`… and ${fp.changedInWorkingTree.length - shown.length} more.`);
    }
  }
}
