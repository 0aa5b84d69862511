/**
 * The bundled action (dist/index.js) as a process, against the local AWS sandbox with its docker
 * shim first on PATH: build only when the context changed, proven from the outside (outputs, the
 * sandbox's ECR call log and the shim's invocation log).
 */
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import { runAction, type ActionRun } from '../../../testing/run-action.js';
import { expectGoldenSummary } from '../../../testing/golden-summary.js';

let sandbox: RunningSandbox;
let workspace: string;
let scratch: string;
let dockerLog: string;

function write(files: Record<string, string>): void {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(workspace, file)), { recursive: true });
    writeFileSync(join(workspace, file), content);
  }
}

function git(...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'gc.auto=0', ...args], {
    cwd: workspace,
  });
}

function dockerCalls(): string[][] {
  if (!existsSync(dockerLog)) return [];
  return readFileSync(dockerLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { argv: string[] }).argv);
}

async function build(
  inputs: Record<string, string> = {},
  env: Record<string, string | undefined> = {},
): Promise<ActionRun & { docker: string[][]; ecrCalls: string[] }> {
  const dockerBefore = dockerCalls().length;
  const callsBefore = sandbox.calls().length;
  const run = await runAction('build-image', {
    cwd: workspace,
    inputs: { repository: 'app', context: 'app', ...inputs },
    env: {
      ...sandbox.clientEnv(),
      SANDBOX_DOCKER_LOG: dockerLog,
      DOCKER_CONFIG: join(scratch, 'docker-config'),
      ...env,
    },
    killAfterMs: 60_000,
  });
  return {
    ...run,
    docker: dockerCalls().slice(dockerBefore),
    ecrCalls: sandbox
      .calls()
      .slice(callsBefore)
      .filter((c) => c.service === 'ecr')
      .map((c) => c.operation),
  };
}

function expectBuilt(run: Awaited<ReturnType<typeof build>>): void {
  if (run.code !== 0) throw new Error(`action failed:\n${run.stdout}\n${run.stderr}`);
  expect(run.outputs.built).toBe('true');
  expect(run.docker.map((argv) => argv.slice(0, 2).join(' '))).toEqual([
    'version --format',
    'login --username',
    'buildx build',
    // The ECR token is not left in the docker config for later jobs on the runner.
    `logout ${sandbox.registry}`,
  ]);
}

beforeAll(async () => {
  sandbox = await startSandbox();
  scratch = mkdtempSync(join(tmpdir(), 'build-image-dist-'));
  dockerLog = join(scratch, 'docker.log');
  workspace = join(scratch, 'workspace');
  mkdirSync(workspace);
  write({
    'README.md': 'outside the context\n',
    'app/Dockerfile':
      'FROM node:22-alpine\nARG APP_VERSION=dev\nENV APP_VERSION=${APP_VERSION}\nWORKDIR /app\nCOPY . .\nCMD ["node", "src/server.js"]\n',
    'app/.dockerignore': 'node_modules\n*.md\n',
    'app/package.json': '{"name":"app","version":"1.0.0"}\n',
    'app/src/server.js': 'console.log("v1");\n',
    'app/notes.md': 'not sent to docker\n',
  });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'app');
  const ecr = new ECRClient({
    region: sandbox.region,
    endpoint: sandbox.endpoint,
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  await ecr.send(new CreateRepositoryCommand({ repositoryName: 'app', imageTagMutability: 'IMMUTABLE' }));
}, 60_000);

afterAll(async () => {
  await sandbox?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('build-image bundle against the sandbox', () => {
  let first: Awaited<ReturnType<typeof build>>;
  const fingerprints = new Set<string>();

  test('the first run builds and pushes, logging in with the password on stdin only', async () => {
    first = await build({ 'extra-tags': 'release-1' }, { GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567' });
    expectBuilt(first);
    expect(first.outputs.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(first.outputs['image-tag']).toBe(`fp-${first.outputs.fingerprint!.slice(0, 32)}`);
    expect(first.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.outputs.image).toBe(`${sandbox.registry}/app@${first.outputs.digest}`);
    const login = first.docker[1]!;
    expect(login).toEqual(['login', '--username', 'AWS', '--password-stdin', sandbox.registry]);
    const buildArgv = first.docker[2]!;
    expect(buildArgv).toEqual(expect.arrayContaining(['--push', '--platform', 'linux/amd64', '--provenance=false']));
    expect(buildArgv).toContain(`${sandbox.registry}/app:${first.outputs['image-tag']}`);
    // Extra tags are added through ECR once the image is pushed (BatchGetImage + PutImage).
    expect(buildArgv).not.toContain(`${sandbox.registry}/app:release-1`);
    expect(first.ecrCalls).toEqual(expect.arrayContaining(['BatchGetImage', 'PutImage']));
    expect(first.ecrCalls).toContain('GetAuthorizationToken');
    // The password is registered as a secret and goes nowhere else: not on any command line, not in the log.
    const masks = first.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'));
    const password = masks[0]?.slice('::add-mask::'.length).trim();
    expect(password).toBeTruthy();
    expect(JSON.stringify(first.docker)).not.toContain(password);
    expect(first.stdout.split('\n').filter((l) => l.includes(password!) && !l.startsWith('::add-mask::'))).toEqual([]);
    // The verdict: what, the commit and how long it took.
    expect(first.summary).toMatch(
      /^### build-image: app\n\n✅ built and pushed `fp-[0-9a-f]{32}`, new to ECR \(commit `0123456789ab`, \d/,
    );
    expect(first.summary).toContain('/ecr/repositories/private/app?region=');
    expectGoldenSummary('build-image/built', first.summary, { [scratch]: 'SCRATCH', [sandbox.registry]: 'registry' });
    fingerprints.add(first.outputs.fingerprint!);
  });

  test('a second run with no change makes no docker call and two ECR reads (the image, the repository URI)', async () => {
    const again = await build();
    expect(again.code).toBe(0);
    expect(again.outputs.built).toBe('false');
    expect(again.outputs.found).toBe('true');
    expect(again.outputs.image).toBe(first.outputs.image);
    expect(again.outputs.fingerprint).toBe(first.outputs.fingerprint);
    expect(again.docker).toEqual([]);
    expect(again.ecrCalls).toEqual(['DescribeImages', 'DescribeRepositories']);
    expect(again.summary).toMatch(/^### build-image: app\n\n➖ reused /);
    expectGoldenSummary('build-image/reused', again.summary, {
      [scratch]: 'SCRATCH',
      [sandbox.registry]: 'registry',
    });
  });

  test('a .dockerignored file and a file outside the context change nothing', async () => {
    write({
      'app/notes.md': 'edited\n',
      'app/node_modules/x/index.js': 'x\n',
      'README.md': 'edited\n',
      'other/a.txt': 'a',
    });
    const run = await build();
    expect(run.outputs.built).toBe('false');
    expect(run.outputs.fingerprint).toBe(first.outputs.fingerprint);
    expect(run.docker).toEqual([]);
    expect(run.ecrCalls).toEqual(['DescribeImages', 'DescribeRepositories']);
  });

  test('a reused image gets missing extra tags from ECR alone (no docker), and keeps an existing one', async () => {
    const run = await build({ 'extra-tags': 'release-1\nstable' });
    expect(run.code).toBe(0);
    expect(run.outputs.built).toBe('false');
    expect(run.docker).toEqual([]);
    expect(run.ecrCalls).toEqual(['DescribeImages', 'DescribeRepositories', 'BatchGetImage', 'PutImage']);
    const again = await build({ 'extra-tags': 'release-1\nstable' });
    expect(again.ecrCalls).toEqual(['DescribeImages', 'DescribeRepositories']);
  });

  const changes: [string, () => void, Record<string, string>][] = [
    ['a source file (modified, not committed)', () => write({ 'app/src/server.js': 'console.log("v2");\n' }), {}],
    ['an untracked source file', () => write({ 'app/src/extra.js': 'export {};\n' }), {}],
    [
      'the Dockerfile',
      () => write({ 'app/Dockerfile': 'FROM node:24-alpine\nWORKDIR /app\nCOPY . .\nCMD ["node", "src/server.js"]\n' }),
      {},
    ],
    ['a build arg', () => undefined, { 'build-args': 'APP_VERSION=2' }],
    ['the platform', () => undefined, { 'build-args': 'APP_VERSION=2', platform: 'linux/arm64' }],
  ];
  test.each(changes)('changing %s gives a new fingerprint and a build', async (_what, change, inputs) => {
    change();
    const run = await build(inputs);
    expectBuilt(run);
    expect(fingerprints.has(run.outputs.fingerprint!)).toBe(false);
    fingerprints.add(run.outputs.fingerprint!);
    if (inputs.platform) expect(run.docker[2]).toEqual(expect.arrayContaining(['--platform', 'linux/arm64']));
    if (inputs['build-args']) expect(run.docker[2]).toEqual(expect.arrayContaining(['--build-arg', 'APP_VERSION=2']));
  });

  test('a file named $(touch pwned).js is hashed, not executed', async () => {
    write({ 'app/$(touch pwned).js': 'x\n' });
    const run = await build();
    expectBuilt(run);
    for (const dir of [workspace, join(workspace, 'app'), scratch]) expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });

  test('an existing extra tag in an immutable repository is never pushed again', async () => {
    write({ 'app/src/server.js': 'console.log("v3");\n' });
    const run = await build({ 'extra-tags': 'release-1' });
    expectBuilt(run);
    expect(run.docker[2]).not.toContain(`${sandbox.registry}/app:release-1`);
    expect(run.stdout).toMatch(/Tag release-1 already names another image in the immutable repository/);
  });

  test('push: false only looks up, and says so', async () => {
    write({ 'app/src/server.js': 'console.log("v4");\n' });
    const run = await build({ push: 'false' });
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ built: 'false', found: 'false', image: '', digest: '' });
    expect(run.docker).toEqual([]);
    expect(run.ecrCalls).toEqual(['DescribeImages']);
  });

  test('a build that fails shows the last lines of its output', async () => {
    write({ 'app/Dockerfile': 'FROM node:22-alpine\nCOPPY . .\n' });
    const run = await build().finally(() =>
      write({ 'app/Dockerfile': 'FROM node:22-alpine\nWORKDIR /app\nCOPY . .\nCMD ["node", "src/server.js"]\n' }),
    );
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(
      /docker buildx build failed \(exit 1\)[\s\S]*Its last \d+ lines:\n[\s\S]*COPPY/i,
    );
    // One annotation, its first line buildx's own ERROR: line; the summary's verdict says the same.
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]!.split('\n')[0]).toMatch(/^ERROR:/);
    expect(run.summary).toMatch(/^### build-image: app\n\n❌ ERROR: .* — details below\n/);
    expectGoldenSummary('build-image/build-failed', run.summary, {
      [scratch]: 'SCRATCH',
      [sandbox.registry]: 'registry',
    });
  });

  test('in another region: the image is named by the repositoryUri ECR returns there, alike when built and when found', async () => {
    const region = 'eu-central-1';
    const regional = new ECRClient({
      region,
      endpoint: sandbox.endpoint,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    await regional.send(new CreateRepositoryCommand({ repositoryName: 'app' }));
    regional.destroy();
    const env = { AWS_REGION: region, AWS_DEFAULT_REGION: region };
    const built = await build({}, env);
    if (built.code !== 0) throw new Error(`action failed:\n${built.stdout}\n${built.stderr}`);
    expect(built.outputs.built).toBe('true');
    const registry = `${sandbox.account}.dkr.ecr.${region}.amazonaws.com`;
    expect(built.outputs.image).toBe(`${registry}/app@${built.outputs.digest}`);
    const found = await build({}, env);
    expect(found.outputs).toMatchObject({ built: 'false', found: 'true', image: built.outputs.image });
  });

  test('a missing repository names the command that creates it', async () => {
    const run = await build({ repository: 'missing-repo' });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toContain('aws ecr create-repository --repository-name missing-repo');
    expect(run.docker).toEqual([]);
  });

  test('a missing Dockerfile is a configuration error', async () => {
    const run = await build({ dockerfile: 'app/Dockerfile.nope' });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(/Input 'dockerfile' .*No Dockerfile at/);
  });

  test('docker missing, or its daemon down, is said plainly (checked only when a build is needed)', async () => {
    write({ 'app/src/server.js': 'console.log("v5");\n' });
    const bin = mkdtempSync(join(scratch, 'bin-'));
    const noDocker = await build({}, { PATH: `${bin}:/usr/bin:/bin` });
    expect(noDocker.code).toBe(1);
    expect(noDocker.errors.join('\n')).toMatch(/docker is not installed/);
    // A docker CLI whose daemon does not answer: the real CLI where the machine has one without a
    // daemon, else a stand-in that fails `docker version` as the CLI does.
    const realDocker = ['/usr/local/bin/docker', '/usr/bin/docker'].find((p) => existsSync(p));
    if (realDocker) symlinkSync(realDocker, join(bin, 'docker'));
    else
      writeFileSync(
        join(bin, 'docker'),
        '#!/bin/sh\necho "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2\nexit 1\n',
        { mode: 0o755 },
      );
    const down = await build({}, { PATH: `${bin}:/usr/bin:/bin` });
    expect(down.code).toBe(1);
    expect(down.errors.join('\n')).toMatch(/daemon does not answer.*Cannot connect to the Docker daemon/);
  });
});

describe('the build cache, with the sample app', () => {
  const appRoot = join(dirname(new URL(import.meta.url).pathname), '..', '..', '..', 'app');
  let cold: Awaited<ReturnType<typeof build>>;

  beforeAll(async () => {
    for (const file of ['Dockerfile', 'package.json', 'package-lock.json', 'src/server.js']) {
      write({ [`svc/${file}`]: readFileSync(join(appRoot, file), 'utf8') });
    }
    const ecr = new ECRClient({
      region: sandbox.region,
      endpoint: sandbox.endpoint,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'svc', imageTagMutability: 'IMMUTABLE' }));
    ecr.destroy();
  });

  const svc = (inputs: Record<string, string> = {}, env: Record<string, string> = {}) =>
    build({ repository: 'svc', context: 'svc', ...inputs }, env);

  test('by default the build writes a registry cache to a cache tag of its own in the same repository', async () => {
    cold = await svc();
    expectBuilt(cold);
    const argv = cold.docker[2]!;
    expect(argv).not.toContain('--cache-from');
    expect(argv[argv.indexOf('--cache-to') + 1]).toBe(
      `type=registry,ref=${sandbox.registry}/svc:cache-${cold.outputs['image-tag']},mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true`,
    );
    expect(cold.stdout).toContain('0 build steps came from the registry cache.');
  });

  test('a rebuild with one changed source file starts from that cache and reuses the dependency steps', async () => {
    const server = readFileSync(join(workspace, 'svc/src/server.js'), 'utf8');
    write({ 'svc/src/server.js': `${server}\n// one changed line\n` });
    const warm = await svc();
    expectBuilt(warm);
    const argv = warm.docker[2]!;
    expect(argv[argv.indexOf('--cache-from') + 1]).toBe(
      `type=registry,ref=${sandbox.registry}/svc:cache-${cold.outputs['image-tag']}`,
    );
    // FROM, WORKDIR, COPY package*.json and RUN npm ci come from the cache; COPY src is rebuilt.
    expect(warm.stdout).toMatch(/\] RUN npm ci[^\n]*\n#\d+ CACHED/);
    expect(warm.stdout).toMatch(/\] COPY src \.\/src\n#\d+ DONE/);
    expect(warm.stdout).toContain('4 build steps came from the registry cache.');

    // The cache is no part of the fingerprint: without it (or with gha) the same files give the
    // same fingerprint and find the image just pushed.
    for (const [cache, env] of [
      ['none', {}],
      ['gha', { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'http://127.0.0.1:9/' }],
    ] as const) {
      const lookup = await svc({ cache, push: 'false' }, env);
      expect(lookup.code).toBe(0);
      expect(lookup.outputs).toMatchObject({
        fingerprint: warm.outputs.fingerprint,
        found: 'true',
        image: warm.outputs.image,
      });
    }
  });

  test('an unknown cache is refused before any docker or ECR call, naming the input, value and choices', async () => {
    const run = await svc({ cache: 's3' });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(/Input 'cache'.*s3.*registry, gha, none/s);
    expect(run.docker).toEqual([]);
    expect(run.ecrCalls).toEqual([]);
  });
});
