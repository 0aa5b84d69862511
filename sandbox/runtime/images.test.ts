import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDockerfile, substitute } from './dockerfile.js';
import {
  buildImage,
  BuildRequestError,
  contextFiles,
  createImageStore,
  OCI_INDEX,
  OCI_MANIFEST,
  parseBuildRequest,
  type BuildFile,
  type BuildRequest,
} from './images.js';

const fixture = fileURLToPath(new URL('./fixtures/node-app', import.meta.url));
const dataDir = mkdtempSync(path.join(tmpdir(), 'sandbox-images-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const file = (p: string, content: string, mode = 0o644): BuildFile => ({
  path: p,
  kind: 'file',
  mode,
  contentBase64: Buffer.from(content).toString('base64'),
});

function request(dockerfile: string, files: BuildFile[], extra: Partial<BuildRequest> = {}): BuildRequest {
  return { tags: [], dockerfile, buildArgs: {}, platform: 'linux/amd64', files, ...extra };
}

function fixtureRequest(extra: Partial<BuildRequest> = {}): BuildRequest {
  return request(readFileSync(path.join(fixture, 'Dockerfile'), 'utf8'), contextFiles(fixture), extra);
}

const build = (req: BuildRequest) => buildImage(req, { dataDir, store: createImageStore() });

describe('a realistic Node Dockerfile', () => {
  it('records the run configuration Docker would', async () => {
    const image = await build(fixtureRequest({ buildArgs: { APP_VERSION: '1.2.3' } }));
    expect(image.baseImage).toBe('node:20-alpine');
    expect(image.config).toMatchObject({
      workdir: '/app',
      env: { NODE_ENV: 'production', APP_VERSION: '1.2.3' },
      entrypoint: [],
      cmd: ['node', 'src/server.js'],
      exposedPorts: [3000],
      user: 'node',
      healthcheck: {
        test: ['CMD-SHELL', 'curl -f http://localhost:3000/health || exit 1'],
        intervalMs: 10_000,
        timeoutMs: 3_000,
        startPeriodMs: 5_000,
        retries: 3,
      },
    });
    // RUN is recorded, never executed: the deps stage's and the final stage's.
    expect(image.config.skippedRunSteps).toEqual(['apk add --no-cache curl']);
    expect(image.warnings).toEqual([]);
  });

  it('lays out the files as COPY places them, honouring .dockerignore', async () => {
    const image = await build(fixtureRequest());
    const appDir = path.join(image.rootDir, 'app');
    expect(readdirSync(appDir).sort()).toEqual(['package.json', 'src']);
    expect(readFileSync(path.join(appDir, 'src', 'server.js'), 'utf8')).toContain('createServer');
    // --chmod=644 applied; KEEP.md, README.md, docs/ are not copied by this Dockerfile at all.
    expect(statSync(path.join(appDir, 'src', 'server.js')).mode & 0o777).toBe(0o644);
    expect(contextFiles(fixture).map((f) => f.path)).toEqual([
      '.dockerignore',
      'Dockerfile',
      'KEEP.md',
      'package-lock.json',
      'package.json',
      'src/server.js',
    ]);
  });

  it('gives the same digest for the same input, and stores the files once', async () => {
    const first = await build(fixtureRequest());
    const second = await build(fixtureRequest());
    expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(second.digest).toBe(first.digest);
    expect(second.rootDir).toBe(first.rootDir);
    const manifest = JSON.parse(first.manifest) as {
      mediaType: string;
      config: { digest: string };
      layers: { digest: string }[];
    };
    expect(first.manifestMediaType).toBe(OCI_MANIFEST);
    expect(manifest.mediaType).toBe(OCI_MANIFEST);
    expect(manifest.layers[0]!.digest).toBe(first.layerDigest);
    expect(path.basename(first.rootDir)).toBe(first.layerDigest.replace('sha256:', ''));
  });

  it('changes the digest when anything that shapes the image changes', async () => {
    const base = await build(fixtureRequest());
    const files = contextFiles(fixture);
    const editedFiles = files.map((f) => (f.path === 'src/server.js' ? file(f.path, '// changed\n') : f));
    const digests = [
      base.digest,
      (await build(fixtureRequest({ files: editedFiles }))).digest,
      (await build(fixtureRequest({ buildArgs: { APP_VERSION: '2' } }))).digest,
      (await build(fixtureRequest({ buildArgs: { NODE_VERSION: '22' } }))).digest,
      (await build(fixtureRequest({ platform: 'linux/arm64' }))).digest,
      (await build(fixtureRequest({ dockerfile: `${fixtureRequest().dockerfile}\nEXPOSE 8080\n` }))).digest,
    ];
    expect(new Set(digests).size).toBe(digests.length);
    // A file's mode is part of the layer too.
    const modeOnly = request('FROM scratch\nCOPY run.sh /\n', [file('run.sh', 'echo hi\n', 0o755)]);
    const modeOnly2 = request('FROM scratch\nCOPY run.sh /\n', [file('run.sh', 'echo hi\n', 0o644)]);
    expect((await build(modeOnly)).digest).not.toBe((await build(modeOnly2)).digest);
  });

  it('ignores a file the Dockerfile does not copy, as Docker does', async () => {
    const files = [...contextFiles(fixture), file('unused.txt', 'not copied')];
    expect((await build(fixtureRequest({ files }))).digest).toBe((await build(fixtureRequest())).digest);
  });

  it('makes an image index for several platforms', async () => {
    const image = await build(fixtureRequest({ platform: 'linux/amd64,linux/arm64' }));
    expect(image.manifestMediaType).toBe(OCI_INDEX);
    const index = JSON.parse(image.manifest) as { manifests: { platform: { architecture: string } }[] };
    expect(index.manifests.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
  });
});

describe('Dockerfile instructions', () => {
  const ctx = [
    file('a.json', '{"a":1}'),
    file('b.json', '{"b":2}'),
    file('c.txt', 'c'),
    file('src/index.js', 'console.log(1)'),
    file('src/lib/util.js', 'export {}'),
    file('bin/run', '#!/bin/sh\n', 0o755),
    { path: 'link', kind: 'symlink', mode: 0o777, linkTarget: 'c.txt' } as BuildFile,
  ];
  const layout = async (dockerfile: string, extra: Partial<BuildRequest> = {}) => {
    const image = await build(request(dockerfile, ctx, extra));
    return { image, exists: (p: string) => existsSync(path.join(image.rootDir, p)) };
  };

  it('copies several sources, folders, "." and globs', async () => {
    const { exists } = await layout(
      [
        'FROM node:20',
        'WORKDIR /srv',
        'COPY *.json ./conf/',
        'COPY src lib/',
        'COPY ["c.txt", "bin/run", "/opt/"]',
        'COPY . /all',
        'ADD c.txt /renamed.txt',
      ].join('\n'),
    );
    expect(exists('srv/conf/a.json') && exists('srv/conf/b.json')).toBe(true);
    expect(exists('srv/conf/c.txt')).toBe(false);
    expect(exists('srv/lib/index.js') && exists('srv/lib/lib/util.js')).toBe(true);
    expect(exists('opt/c.txt') && exists('opt/run')).toBe(true);
    expect(exists('all/src/lib/util.js') && exists('all/link')).toBe(true);
    expect(exists('renamed.txt')).toBe(true);
  });

  it('keeps modes and symlinks from the context', async () => {
    const { image } = await layout('FROM alpine\nCOPY . /x/\n');
    expect(statSync(path.join(image.rootDir, 'x/bin/run')).mode & 0o111).not.toBe(0);
    expect(readFileSync(path.join(image.rootDir, 'x/link'), 'utf8')).toBe('c');
  });

  it('substitutes ARG and ENV, with defaults and escapes', async () => {
    const { image, exists } = await layout(
      [
        'ARG BASE=node',
        'FROM ${BASE}:20',
        'ARG DIR=/default',
        'ARG UNSET',
        'ENV HOME_DIR=$DIR OTHER="${UNSET:-fallback}" LITERAL=\\$DIR',
        'ENV LEGACY value with spaces',
        'WORKDIR $HOME_DIR',
        'COPY c.txt ${HOME_DIR}/copied.txt',
        'CMD npm start',
        'ENTRYPOINT ["tini", "--"]',
      ].join('\n'),
      { buildArgs: { DIR: '/given', NOT_DECLARED: 'x' } },
    );
    expect(image.baseImage).toBe('node:20');
    expect(image.config.env).toEqual({
      HOME_DIR: '/given',
      OTHER: 'fallback',
      LITERAL: '$DIR',
      LEGACY: 'value with spaces',
    });
    expect(image.config.workdir).toBe('/given');
    expect(exists('given/copied.txt')).toBe(true);
    expect(image.config.cmd).toEqual(['/bin/sh', '-c', 'npm start']);
    expect(image.config.entrypoint).toEqual(['tini', '--']);
    expect(image.warnings).toEqual(['One or more build-args [NOT_DECLARED] were not consumed']);
  });

  it('reads HEALTHCHECK exec form, defaults and NONE', async () => {
    const { image } = await layout('FROM node\nHEALTHCHECK CMD ["node", "check.js"]\n');
    expect(image.config.healthcheck).toEqual({
      test: ['CMD', 'node', 'check.js'],
      intervalMs: 30_000,
      timeoutMs: 30_000,
      startPeriodMs: 0,
      retries: 3,
    });
    const none = await layout('FROM node\nHEALTHCHECK --interval=1m30s CMD true\nHEALTHCHECK NONE\n');
    expect(none.image.config.healthcheck).toBeUndefined();
  });

  it('joins continued lines and skips comments inside them', () => {
    const parsed = parseDockerfile('FROM a\nRUN echo 1 && \\\n  # a comment\n  echo 2\nCMD ["x"]\n');
    expect(parsed.map((i) => i.keyword)).toEqual(['FROM', 'RUN', 'CMD']);
    expect(parsed[1]!.args).toBe('echo 1 && echo 2');
    expect(parsed[2]!.line).toBe(5);
  });

  it('creates a file from a here-document and records a RUN here-document', async () => {
    const { image } = await layout('FROM a\nCOPY <<EOF /etc/app.conf\nkey=value\nEOF\nRUN <<EOT\napk add curl\nEOT\n');
    expect(readFileSync(path.join(image.rootDir, 'etc/app.conf'), 'utf8')).toBe('key=value\n');
    expect(image.config.skippedRunSteps).toEqual(['<<EOT\napk add curl\nEOT']);
  });

  it('substitutes like the Dockerfile reference says', () => {
    expect(substitute('${A:+set}-${B:-unset}-$A$B', { A: 'a' })).toBe('set-unset-a');
  });

  it.each([
    ['FROM a\nCOPY missing.txt /\n', /Dockerfile:2: COPY failed: "missing.txt" not found in the build context/],
    ['FROM a\nCOPY --from=nginx:latest /etc/nginx /x\n', /only an earlier stage of this Dockerfile/],
    [
      'FROM a AS build\nRUN make\nFROM b\nCOPY --from=build /out/app /app\n',
      /RUN steps are not executed by the sandbox/,
    ],
    ['FROM a\nCOPY *.json /one-file\n', /must be a directory and end with a \//],
    ['FROM a\nADD https://example.com/x.tgz /\n', /remote sources are not fetched/],
    ['FROM a\nCOPY --exclude=*.md . /\n', /--exclude is not supported/],
    ['COPY a /\n', /before the first FROM/],
    ['FROM a\nFRUM b\n', /Dockerfile:2: unknown instruction: FRUM/],
    ['FROM a\nHEALTHCHECK --interval=soon CMD true\n', /not a duration/],
    ['# only a comment\n', /no FROM instruction/],
  ])('explains what it cannot build: %j', async (dockerfile, message) => {
    await expect(build(request(dockerfile, ctx))).rejects.toThrow(message);
  });
});

describe('parseBuildRequest', () => {
  it('accepts a well-formed body and fills defaults', () => {
    const parsed = parseBuildRequest({ tags: ['r/app:1'], dockerfile: 'FROM a', files: [file('a', 'x')] });
    expect(parsed).toEqual({
      tags: ['r/app:1'],
      dockerfile: 'FROM a',
      buildArgs: {},
      platform: 'linux/amd64',
      files: [file('a', 'x')],
    });
  });

  it.each([
    [null, /body must be a JSON object/],
    [{ tags: 'x', dockerfile: 'FROM a', files: [] }, /"tags" must be an array/],
    [{ tags: [], dockerfile: '', files: [] }, /"dockerfile" must be/],
    [
      { tags: [], dockerfile: 'FROM a', files: [], buildArgs: { A: 1 } },
      /"buildArgs" must be an object of string values/,
    ],
    [{ tags: [], dockerfile: 'FROM a', files: [], platform: 'amd64' }, /"platform" must be os\/arch/],
    [
      { tags: [], dockerfile: 'FROM a', files: [{ path: '../x', kind: 'file', mode: 420, contentBase64: '' }] },
      /no '\.\.'/,
    ],
    [
      { tags: [], dockerfile: 'FROM a', files: [{ path: 'x', kind: 'dir', mode: 420 }] },
      /kind must be "file" or "symlink"/,
    ],
    [{ tags: [], dockerfile: 'FROM a', files: [{ path: 'x', kind: 'file', mode: 420 }] }, /contentBase64/],
  ])('rejects %j', (body, message) => {
    expect(() => parseBuildRequest(body)).toThrow(BuildRequestError);
    expect(() => parseBuildRequest(body)).toThrow(message);
  });
});
