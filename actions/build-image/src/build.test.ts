import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsCallError } from '../../../lib/aws.js';
import { MemoryLogger } from '../../../lib/log.js';
import { Summary } from '../../../lib/summary.js';
import { buildArguments, buildImage, readDigest, type BuildDeps } from './build.js';
import type { BuildImageConfig } from './config.js';
import type { BuildOutcome, DockerCli } from './docker.js';
import type { Ecr, FoundImage, RetagResult } from './ecr.js';
import type { Fingerprint } from './fingerprint.js';

const URI = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app';
const DIGEST = `sha256:${'a'.repeat(64)}`;
const scratch = mkdtempSync(join(tmpdir(), 'build-logic-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const fingerprint: Fingerprint = {
  fingerprint: 'f'.repeat(64),
  tag: `fp-${'f'.repeat(32)}`,
  parts: { dockerfile: '1'.repeat(64), buildArgs: '2'.repeat(64), platform: '3'.repeat(64), files: '4'.repeat(64) },
  fileCount: 0,
  listFiles: () => [],
  fromGit: 0,
  read: 0,
  method: 'git',
  changedInWorkingTree: ['src/a.js'],
  sendsGitFolder: false,
};

function config(overrides: Partial<BuildImageConfig> = {}): BuildImageConfig {
  return {
    repository: 'app',
    context: '/ws/app',
    dockerfile: '/ws/app/Dockerfile',
    buildArgs: new Map([
      ['B', '2'],
      ['A', '1'],
    ]),
    platform: 'linux/amd64',
    extraTags: [],
    push: true,
    cache: 'none',
    ...overrides,
  };
}

class FakeEcr implements Ecr {
  calls: string[] = [];
  images = new Map<string, FoundImage>(); // tag -> image
  immutable = true;
  constructor(private readonly missingRepository = false) {}
  async findImageByTag(_repository: string, tag: string) {
    this.calls.push(`find ${tag}`);
    if (this.missingRepository)
      throw new AwsCallError('RepositoryNotFoundException', 'DescribeImages failed', undefined);
    return this.images.get(tag);
  }
  async describeRepository() {
    this.calls.push('describeRepository');
    return { uri: URI };
  }
  async newestTagged() {
    this.calls.push('newestTagged');
    return undefined;
  }
  async addTag(_repository: string, digest: string, tag: string): Promise<RetagResult> {
    this.calls.push(`addTag ${tag}`);
    if (this.images.has(tag) && this.immutable) return 'immutable';
    this.images.set(tag, { digest, tags: [tag] });
    return 'added';
  }
  async login() {
    this.calls.push('login');
    return { registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', username: 'AWS', password: 's3cret' };
  }
}

class FakeDocker implements DockerCli {
  calls: string[][] = [];
  constructor(private readonly outcome: (args: string[]) => BuildOutcome) {}
  async ensureAvailable() {
    this.calls.push(['version']);
    return '27.0.0';
  }
  async login(registry: string, username: string) {
    this.calls.push(['login', username, registry]);
  }
  async logout(registry: string) {
    this.calls.push(['logout', registry]);
  }
  async build(args: string[]) {
    this.calls.push(args);
    return this.outcome(args);
  }
}

/** A docker that "pushes": writes the metadata file buildx would. */
const pushes = (digest = DIGEST) =>
  new FakeDocker((args) => {
    writeFileSync(args[args.indexOf('--metadata-file') + 1]!, JSON.stringify({ 'containerimage.digest': digest }));
    return { exitCode: 0, tail: [], cachedSteps: 0 };
  });

function deps(ecr: Ecr, docker: DockerCli, masked: string[] = []): BuildDeps {
  return {
    ecr,
    docker,
    logger: new MemoryLogger(),
    summary: new Summary(),
    region: 'eu-west-1',
    mask: (s) => masked.push(s),
    tempDir: scratch,
    workspace: '/ws',
    fingerprint: async () => fingerprint,
  };
}

describe('buildImage', () => {
  test('found in ECR: the image by digest and the repositoryUri ECR returns, no docker', async () => {
    const ecr = new FakeEcr();
    ecr.images.set(fingerprint.tag, { digest: DIGEST, registryId: '123456789012', tags: [fingerprint.tag] });
    const docker = pushes();
    const result = await buildImage(config(), deps(ecr, docker));
    expect(result).toMatchObject({ built: false, found: true, image: `${URI}@${DIGEST}`, digest: DIGEST });
    expect(docker.calls).toEqual([]);
    expect(ecr.calls).toEqual([`find ${fingerprint.tag}`, 'describeRepository']);
  });

  test('built and found name the same image alike, even when the client region is not the repository one', async () => {
    const built = await buildImage(config(), { ...deps(new FakeEcr(), pushes()), region: 'us-east-1' });
    const ecr = new FakeEcr();
    ecr.images.set(fingerprint.tag, { digest: built.digest, registryId: '123456789012', tags: [fingerprint.tag] });
    const found = await buildImage(config(), { ...deps(ecr, pushes()), region: 'us-east-1' });
    expect(found.found).toBe(true);
    expect(found.image).toBe(built.image);
    expect(found.image.startsWith(`${URI}@`)).toBe(true);
  });

  test('found: missing extra tags are added by ECR alone; an immutable tag elsewhere is left alone', async () => {
    const ecr = new FakeEcr();
    ecr.images.set(fingerprint.tag, { digest: DIGEST, registryId: '123456789012', tags: [fingerprint.tag, 'have'] });
    ecr.images.set('taken', { digest: `sha256:${'b'.repeat(64)}`, tags: ['taken'] });
    const docker = pushes();
    const result = await buildImage(config({ extraTags: ['have', 'new', 'taken'] }), deps(ecr, docker));
    expect(result.extraTags).toEqual({ added: ['new'], skipped: ['taken'] });
    expect(docker.calls).toEqual([]);
  });

  test('absent: login with a masked password, build with sorted args and tags, digest from the metadata file', async () => {
    const ecr = new FakeEcr();
    const docker = pushes();
    const masked: string[] = [];
    const d = deps(ecr, docker, masked);
    const result = await buildImage(config({ extraTags: ['latest'] }), d);
    expect(result).toMatchObject({ built: true, found: false, image: `${URI}@${DIGEST}`, digest: DIGEST });
    expect(masked).toEqual(['s3cret']);
    expect(docker.calls[0]).toEqual(['version']);
    expect(docker.calls[1]).toEqual(['login', 'AWS', '123456789012.dkr.ecr.eu-west-1.amazonaws.com']);
    const args = docker.calls[2]!;
    expect(args.join(' ')).not.toContain('s3cret');
    expect(args.slice(0, 11)).toEqual([
      'buildx',
      'build',
      '--push',
      '--platform',
      'linux/amd64',
      '-f',
      '/ws/app/Dockerfile',
      '--build-arg',
      'A=1',
      '--build-arg',
      'B=2',
    ]);
    expect(args).toEqual(expect.arrayContaining([`${URI}:${fingerprint.tag}`, '--provenance=false']));
    // Extra tags go through ECR after the push, never through buildx.
    expect(args).not.toContain(`${URI}:latest`);
    expect(result.extraTags).toEqual({ added: ['latest'], skipped: [] });
    expect(ecr.images.get('latest')?.digest).toBe(DIGEST);
    expect(args[args.length - 1]).toBe('/ws/app');
    // The ECR token does not outlive the build in ~/.docker.
    expect(docker.calls.at(-1)).toEqual(['logout', '123456789012.dkr.ecr.eu-west-1.amazonaws.com']);
    expect(d.summary.toMarkdown()).toContain('built and pushed');
    expect(d.summary.toMarkdown()).toContain('`src/a.js`');
  });

  test('absent in an immutable repository: an extra tag another image holds is left alone, the build still lands', async () => {
    const ecr = new FakeEcr();
    ecr.images.set('v1', { digest: `sha256:${'b'.repeat(64)}`, tags: ['v1'] });
    const docker = pushes();
    const result = await buildImage(config({ extraTags: ['v1', 'v2'] }), deps(ecr, docker));
    expect(docker.calls[2]).not.toContain(`${URI}:v1`);
    expect(docker.calls[2]).not.toContain(`${URI}:v2`);
    expect(result).toMatchObject({ built: true, digest: DIGEST });
    expect(result.extraTags).toEqual({ added: ['v2'], skipped: ['v1'] });
    expect(ecr.images.get('v1')?.digest).toBe(`sha256:${'b'.repeat(64)}`);
  });

  test('absent in a mutable repository (or a mutable exclusion): an extra tag moves to the new image', async () => {
    const ecr = new FakeEcr();
    ecr.immutable = false;
    ecr.images.set('latest', { digest: `sha256:${'b'.repeat(64)}`, tags: ['latest'] });
    const docker = pushes();
    const result = await buildImage(config({ extraTags: ['latest'] }), deps(ecr, docker));
    expect(result.extraTags).toEqual({ added: ['latest'], skipped: [] });
    expect(ecr.images.get('latest')?.digest).toBe(DIGEST);
  });

  test('push false: look up only; nothing built, nothing tagged', async () => {
    const ecr = new FakeEcr();
    const docker = pushes();
    const result = await buildImage(config({ push: false, extraTags: ['x'] }), deps(ecr, docker));
    expect(result).toMatchObject({ built: false, found: false, image: '', digest: '' });
    expect(docker.calls).toEqual([]);
    expect(ecr.calls).toEqual([`find ${fingerprint.tag}`]);
  });

  test('a failed build reports its last lines', async () => {
    const ecr = new FakeEcr();
    const tail = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    const docker = new FakeDocker(() => ({ exitCode: 1, tail, cachedSteps: 0 }));
    await expect(buildImage(config(), deps(ecr, docker))).rejects.toThrow(
      /docker buildx build failed \(exit 1\)[\s\S]*last 30 lines:\nline 1\n[\s\S]*line 30$/,
    );
  });

  test('a failed push because another run pushed the same fingerprint meanwhile reuses that image', async () => {
    const ecr = new FakeEcr();
    const docker = new FakeDocker(() => {
      ecr.images.set(fingerprint.tag, { digest: DIGEST, tags: [fingerprint.tag] });
      return { exitCode: 1, tail: ['tag invalid: The image tag already exists'], cachedSteps: 0 };
    });
    const result = await buildImage(config(), deps(ecr, docker));
    expect(result).toMatchObject({ built: false, found: true, image: `${URI}@${DIGEST}` });
  });

  test('no digest in the metadata file: ECR is asked', async () => {
    const ecr = new FakeEcr();
    const docker = new FakeDocker(() => {
      ecr.images.set(fingerprint.tag, { digest: DIGEST, tags: [fingerprint.tag] });
      return { exitCode: 0, tail: [], cachedSteps: 0 };
    });
    const result = await buildImage(config(), deps(ecr, docker));
    expect(result).toMatchObject({ built: true, digest: DIGEST });
  });

  test('a missing repository says how to create it', async () => {
    const ecr = new FakeEcr(true);
    await expect(buildImage(config(), deps(ecr, pushes()))).rejects.toThrow(
      /aws ecr create-repository --repository-name app .*--region eu-west-1/,
    );
  });
});

describe('a builder that cannot export a cache', () => {
  test('the image is built again without cache flags, with a warning, and is the same image', async () => {
    const ecr = new FakeEcr();
    const docker = new FakeDocker((args) => {
      if (args.includes('--cache-to')) {
        return {
          exitCode: 1,
          tail: ['ERROR: failed to build: Cache export is not supported for the docker driver.'],
          cachedSteps: 0,
        };
      }
      writeFileSync(args[args.indexOf('--metadata-file') + 1]!, JSON.stringify({ 'containerimage.digest': DIGEST }));
      return { exitCode: 0, tail: [], cachedSteps: 0 };
    });
    const d = deps(ecr, docker);
    const result = await buildImage(config({ cache: 'registry' }), d);
    expect(result).toMatchObject({ built: true, digest: DIGEST });
    const builds = docker.calls.filter((c) => c[0] === 'buildx');
    expect(builds).toHaveLength(2);
    expect(builds[0]).toContain('--cache-to');
    expect(builds[1]).not.toContain('--cache-to');
    expect(builds[1]).not.toContain('--cache-from');
    expect((d.logger as MemoryLogger).text()).toMatch(/warning: This builder cannot export a build cache/);
  });
});

describe('helpers', () => {
  test('readDigest takes only a well-formed containerimage.digest', () => {
    const file = join(scratch, 'meta.json');
    writeFileSync(file, JSON.stringify({ 'containerimage.digest': DIGEST }));
    expect(readDigest(file)).toBe(DIGEST);
    writeFileSync(file, JSON.stringify({ 'containerimage.digest': 'sha256:short' }));
    expect(readDigest(file)).toBeUndefined();
    expect(readDigest(join(scratch, 'none.json'))).toBeUndefined();
  });

  test('build arguments keep odd values as single arguments', () => {
    const args = buildArguments(
      config({ buildArgs: new Map([['X', 'a b; $(rm -rf /)']]) }),
      fingerprint,
      URI,
      '/tmp/m.json',
    );
    expect(args).toContain('X=a b; $(rm -rf /)');
  });
});
