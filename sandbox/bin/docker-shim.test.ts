/**
 * The docker shim end to end: the real sandbox/bin/docker script as a process, against a small
 * HTTP server standing in for the sandbox's POST /_sandbox/build route (build with
 * sandbox/runtime/images.ts, then tag in a registry with ECR's immutability errors).
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage, contextFiles, createImageStore, parseBuildRequest } from '../runtime/images.js';

const docker = fileURLToPath(new URL('./docker', import.meta.url));
const fixture = fileURLToPath(new URL('../runtime/fixtures/node-app', import.meta.url));
const registry = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

const work = mkdtempSync(path.join(tmpdir(), 'docker-shim-'));
const store = createImageStore();
const tags = new Map<string, string>(); // repo:tag -> digest
const repositories = new Set(['app']);
let server: Server;
let endpoint: string;
const received: unknown[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      void (async () => {
        const answer = (status: number, value: unknown) => {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify(value));
        };
        if (req.method !== 'POST' || req.url !== '/_sandbox/build') return answer(404, { message: 'not found' });
        try {
          const request = parseBuildRequest(JSON.parse(body));
          received.push(request);
          const image = await buildImage(request, { dataDir: work, store });
          for (const ref of request.tags) {
            const [, repo = '', tag = ''] = /^[^/]+\/([^:]+):(.+)$/.exec(ref) ?? [];
            if (!repositories.has(repo)) {
              return answer(400, {
                __type: 'RepositoryNotFoundException',
                message: `The repository with name '${repo}' does not exist in the registry with id '123456789012'`,
              });
            }
            const existing = tags.get(`${repo}:${tag}`);
            if (existing && existing !== image.digest) {
              return answer(400, {
                __type: 'ImageTagAlreadyExistsException',
                message: `The image tag '${tag}' already exists in the '${repo}' repository and cannot be overwritten because the repository is immutable.`,
              });
            }
            tags.set(`${repo}:${tag}`, image.digest);
          }
          answer(200, { digest: image.digest });
        } catch (error) {
          answer(400, { __type: 'InvalidParameterException', message: (error as Error).message });
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  args: string[],
  options: { stdin?: string; env?: Record<string, string>; cwd?: string } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(docker, args, {
      cwd: options.cwd ?? work,
      env: {
        PATH: process.env.PATH,
        HOME: work,
        DOCKER_CONFIG: path.join(work, 'docker-config'),
        AWS_ENDPOINT_URL: endpoint,
        SANDBOX_DOCKER_LOG: path.join(work, 'docker.log'),
        ...options.env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

const loggedInvocations = () =>
  readFileSync(path.join(work, 'docker.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { argv: string[]; time: string });

describe('sandbox/bin/docker', () => {
  it('answers version questions from any working directory', async () => {
    const version = await run(['--version'], { cwd: tmpdir() });
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Docker version \d+\.\d+\.\d+/) });
    expect((await run(['buildx', 'version'])).stdout).toMatch(/^github\.com\/docker\/buildx v\d/);
    expect((await run(['version'])).stdout).toContain(endpoint);
    expect((await run(['info'])).code).toBe(0);
    // build-image asks for the server version the way scripts do.
    expect(await run(['version', '--format', '{{.Server.Version}}'])).toMatchObject({ code: 0, stdout: '27.5.1\n' });
    const client = JSON.parse((await run(['version', '--format', '{{json .Client}}'])).stdout) as Record<
      string,
      string
    >;
    expect(client).toMatchObject({ Version: '27.5.1', Context: 'sandbox' });
    // Like Docker with no daemon: no sandbox endpoint, no server version, exit 1.
    const noDaemon = await run(['version', '--format', '{{.Server.Version}}'], { env: { AWS_ENDPOINT_URL: '' } });
    expect(noDaemon).toMatchObject({ code: 1, stdout: '' });
    expect(noDaemon.stderr).toContain('Cannot connect to the Docker daemon');
  });

  it("refuses to push before a login, with docker's error", async () => {
    const result = await run(['buildx', 'build', '--push', '-t', `${registry}/app:first`, fixture]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`failed to push ${registry}/app:first: no basic auth credentials`);
    expect(received).toHaveLength(0);
  });

  it('logs in with the password on stdin, records it like docker, and never logs the secret', async () => {
    const result = await run(['login', '--username', 'AWS', '--password-stdin', `https://${registry}`], {
      stdin: 'secret-token\n',
    });
    expect(result).toMatchObject({ code: 0, stdout: 'Login Succeeded\n' });
    const config = JSON.parse(readFileSync(path.join(work, 'docker-config', 'config.json'), 'utf8')) as {
      auths: Record<string, { auth: string }>;
    };
    expect(Buffer.from(config.auths[registry]!.auth, 'base64').toString()).toBe('AWS:secret-token');
    expect(readFileSync(path.join(work, 'docker.log'), 'utf8')).not.toContain('secret-token');

    const missingUser = await run(['login', '--password-stdin', registry], { stdin: 'x' });
    expect(missingUser.code).toBe(1);
    expect(missingUser.stderr).toContain('Must provide --username with --password-stdin');
  });

  it("builds and pushes, writing buildx's metadata file", async () => {
    const metadataFile = path.join(work, 'metadata.json');
    const result = await run([
      'buildx',
      'build',
      '--push',
      '--platform',
      'linux/amd64',
      '-f',
      path.join(fixture, 'Dockerfile'),
      '--build-arg',
      'APP_VERSION=1.0.0',
      '-t',
      `${registry}/app:v1`,
      '-t',
      `${registry}/app:latest-build`,
      '--metadata-file',
      metadataFile,
      '--provenance=false',
      '--progress',
      'plain',
      fixture,
    ]);
    expect(result.stderr).toContain('[stage-1 5/5] RUN apk add --no-cache curl');
    expect(result.stderr).toContain('[deps 1/4] FROM node:20-alpine AS deps');
    expect(result.stderr).toContain('SKIPPED (RUN is not executed by the sandbox)');
    expect(result.code).toBe(0);
    const metadata = JSON.parse(readFileSync(metadataFile, 'utf8')) as Record<string, string>;
    expect(metadata['containerimage.digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(metadata['image.name']).toBe(`${registry}/app:v1,${registry}/app:latest-build`);
    expect(tags.get('app:v1')).toBe(metadata['containerimage.digest']);

    // The shim sent what Docker sends: the context without .dockerignore'd files, and the args.
    const sent = received.at(-1) as { files: { path: string }[]; buildArgs: Record<string, string>; platform: string };
    expect(sent.files.map((f) => f.path)).toEqual(contextFiles(fixture).map((f) => f.path));
    expect(sent.files.map((f) => f.path)).not.toContain('README.md');
    expect(sent.buildArgs).toEqual({ APP_VERSION: '1.0.0' });

    // The same digest as building the same input directly: content-addressed, nothing random.
    const direct = await buildImage(
      {
        tags: [],
        dockerfile: readFileSync(path.join(fixture, 'Dockerfile'), 'utf8'),
        buildArgs: { APP_VERSION: '1.0.0' },
        platform: 'linux/amd64',
        files: contextFiles(fixture),
      },
      { dataDir: work, store: createImageStore() },
    );
    expect(direct.digest).toBe(metadata['containerimage.digest']);
  });

  it("fails with the registry's error and exit code 1", async () => {
    // Same tag, different content: ECR's immutable tags refuse it.
    const context = path.join(work, 'other-context');
    mkdirSync(context, { recursive: true });
    writeFileSync(path.join(context, 'Dockerfile'), 'FROM node:20\nCOPY . /app\nCMD ["node", "/app/x.js"]\n');
    writeFileSync(path.join(context, 'x.js'), 'console.log(1)\n');
    const taken = await run(['buildx', 'build', '--push', '-t', `${registry}/app:v1`, context]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain("ImageTagAlreadyExistsException: The image tag 'v1' already exists");

    const noRepo = await run(['buildx', 'build', '--push', '-t', `${registry}/missing:v1`, context]);
    expect(noRepo.code).toBe(1);
    expect(noRepo.stderr).toContain("RepositoryNotFoundException: The repository with name 'missing' does not exist");

    const badDockerfile = path.join(work, 'Bad.Dockerfile');
    writeFileSync(badDockerfile, 'FROM node:20\nCOPY nothing-here /app\n');
    const bad = await run(['buildx', 'build', '-f', badDockerfile, context]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('"nothing-here" not found in the build context');
  });

  it('writes --iidfile and builds without pushing when --push is absent', async () => {
    const before = tags.size;
    const iid = path.join(work, 'iid');
    const result = await run(['build', '-t', `${registry}/app:local`, '--iidfile', iid, fixture]);
    expect(result.code).toBe(0);
    expect(readFileSync(iid, 'utf8')).toMatch(/^sha256:/);
    expect(tags.size).toBe(before);
  });

  it('rejects what it does not support, and says so', async () => {
    const unknown = await run(['push', `${registry}/app:v1`]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('docker push: not supported by the sandbox');
    const flag = await run(['buildx', 'build', '--squash', fixture]);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain('unknown flag: --squash');
    const noEndpoint = await run(['buildx', 'build', fixture], { env: { AWS_ENDPOINT_URL: '' } });
    expect(noEndpoint.code).toBe(1);
    expect(noEndpoint.stderr).toContain('set AWS_ENDPOINT_URL');
    expect(existsSync(path.join(work, 'docker.log'))).toBe(true);
  });

  it('logs one line per invocation', () => {
    const lines = loggedInvocations();
    // 7 version + 1 refused push + 2 logins + 1 build + 3 failures + 1 local build + 3 rejections
    expect(lines).toHaveLength(18);
    expect(lines[0]!.argv).toEqual(['--version']);
    expect(lines.every((l) => !Number.isNaN(Date.parse(l.time)))).toBe(true);
  });

  it("keeps a build's layer cache, and a rebuild with one changed source file reuses the dependency steps", async () => {
    // The sample app's own Dockerfile: its dependency steps come before its sources.
    const app = path.join(work, 'cached-app');
    const appRoot = fileURLToPath(new URL('../../app', import.meta.url));
    for (const entry of ['Dockerfile', 'package.json', 'package-lock.json', 'src']) {
      cpSync(path.join(appRoot, entry), path.join(app, entry), { recursive: true });
    }
    const cacheRef = (n: number) => `${registry}/app:cache-${n}`;
    const build = (n: number, from?: number) =>
      run([
        'buildx',
        'build',
        '--push',
        '-t',
        `${registry}/app:cached-${n}`,
        ...(from ? ['--cache-from', `type=registry,ref=${cacheRef(from)}`] : []),
        '--cache-to',
        `type=registry,ref=${cacheRef(n)},mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true`,
        '--progress',
        'plain',
        app,
      ]);
    /** Each step's title and how it ended (DONE, CACHED, SKIPPED), from buildx's plain output. */
    const outcomes = (stderr: string) => {
      const titles = new Map<string, string>();
      const result: Record<string, string> = {};
      for (const line of stderr.split('\n')) {
        const m = /^#(\d+) (.*)$/.exec(line);
        if (!m) continue;
        if (!titles.has(m[1]!)) titles.set(m[1]!, m[2]!);
        else if (/^(DONE|CACHED|SKIPPED|ERROR)/.test(m[2]!)) result[titles.get(m[1]!)!] = m[2]!.split(' ')[0]!;
      }
      return result;
    };

    const first = await build(1);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`writing cache manifest ${cacheRef(1)}`);
    expect(Object.values(outcomes(first.stderr))).not.toContain('CACHED');

    writeFileSync(
      path.join(app, 'src', 'server.js'),
      `${readFileSync(path.join(app, 'src', 'server.js'), 'utf8')}\n// one line\n`,
    );
    const second = await build(2, 1);
    expect(second.code).toBe(0);
    const steps = outcomes(second.stderr);
    const step = (pattern: RegExp) => Object.entries(steps).find(([title]) => pattern.test(title))?.[1];
    expect(step(/^importing cache manifest from .*cache-1$/)).toBe('DONE');
    expect(step(/\] FROM /)).toBe('CACHED');
    expect(step(/\] COPY package\.json package-lock\.json/)).toBe('CACHED');
    expect(step(/\] RUN npm ci/)).toBe('CACHED');
    expect(step(/\] COPY src/)).toBe('DONE');

    // The same build again from its own cache reuses every step; a missing cache is only a warning.
    const third = await build(3, 2);
    expect(
      Object.entries(outcomes(third.stderr))
        .filter(([t]) => /^\[\d/.test(t))
        .every(([, o]) => o === 'CACHED'),
    ).toBe(true);
    const missing = await build(4, 99);
    expect(missing.code).toBe(0);
    expect(missing.stderr).toMatch(/ERROR: .*cache-99: not found/);
  });
});

describe('sandbox/bin/docker against the real sandbox', () => {
  // Imported lazily so this file still runs when only the runtime is present.
  let sandbox: Awaited<ReturnType<(typeof import('../index.js'))['startSandbox']>>;
  let ecr: import('@aws-sdk/client-ecr').ECRClient;
  const sdk = import('@aws-sdk/client-ecr');
  const home = mkdtempSync(path.join(tmpdir(), 'docker-shim-real-'));

  beforeAll(async () => {
    const { startSandbox } = await import('../index.js');
    sandbox = await startSandbox({ timeScale: 60 });
    const { ECRClient } = await sdk;
    ecr = new ECRClient({
      endpoint: sandbox.endpoint,
      region: sandbox.region,
      credentials: { accessKeyId: 'AKIASANDBOXEXAMPLE00', secretAccessKey: 'x' },
    });
  });

  afterAll(async () => {
    ecr?.destroy();
    await sandbox?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  // `docker` resolved from PATH, as build-image finds it: clientEnv() puts sandbox/bin first.
  const real = (args: string[], stdin = '') =>
    new Promise<Run>((resolve, reject) => {
      const env = { ...sandbox.clientEnv(), HOME: home, DOCKER_CONFIG: path.join(home, '.docker') };
      const child = spawn('docker', args, { cwd: home, env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(stdin);
    });

  it('logs in with an ECR token and pushes an image ECR then describes by the same digest', async () => {
    const { CreateRepositoryCommand, DescribeImagesCommand, GetAuthorizationTokenCommand } = await sdk;
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'shim-app', imageTagMutability: 'IMMUTABLE' }));
    const auth = await ecr.send(new GetAuthorizationTokenCommand({}));
    const [user, password] = Buffer.from(auth.authorizationData![0]!.authorizationToken!, 'base64')
      .toString()
      .split(':');
    expect(await real(['version', '--format', '{{.Server.Version}}'])).toMatchObject({ code: 0, stdout: '27.5.1\n' });
    const login = await real(
      ['login', '--username', user!, '--password-stdin', auth.authorizationData![0]!.proxyEndpoint!],
      password,
    );
    expect(login).toMatchObject({ code: 0, stdout: 'Login Succeeded\n' });

    const ref = `${sandbox.registry}/shim-app:one`;
    const metadataFile = path.join(home, 'metadata.json');
    const pushed = await real(['buildx', 'build', '--push', '-t', ref, '--metadata-file', metadataFile, fixture]);
    expect(pushed.stderr).toContain('naming to');
    expect(pushed.code).toBe(0);
    const digest = (JSON.parse(readFileSync(metadataFile, 'utf8')) as Record<string, string>)['containerimage.digest'];
    const described = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'shim-app', imageIds: [{ imageTag: 'one' }] }),
    );
    expect(described.imageDetails?.[0]?.imageDigest).toBe(digest);

    // Another image under the same immutable tag: ECR's error, exit 1.
    const otherContext = path.join(home, 'ctx');
    mkdirSync(otherContext, { recursive: true });
    writeFileSync(path.join(otherContext, 'Dockerfile'), 'FROM node:20\nCOPY . /app\nCMD ["node", "/app/x.js"]\n');
    writeFileSync(path.join(otherContext, 'x.js'), 'console.log(2)\n');
    const taken = await real(['buildx', 'build', '--push', '-t', ref, otherContext]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('ImageTagAlreadyExistsException');

    const missing = await real(['buildx', 'build', '--push', '-t', `${sandbox.registry}/nope:1`, otherContext]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('RepositoryNotFoundException');
  });
});
