/**
 * The sandbox's `docker` command (sandbox/bin/docker runs this through tsx). It answers the
 * invocations build-image makes, like the docker CLI with buildx would:
 *
 *   docker --version | version | info | buildx version
 *   docker login --username AWS --password-stdin <registry>
 *   docker buildx build [--push] [--platform p] [-f Dockerfile] [--build-arg K=V]... [-t ref]...
 *                       [--metadata-file path] [--iidfile path] [--provenance=false] [--progress plain]
 *                       [--cache-from spec]... [--cache-to spec]... [--no-cache] <context>
 *
 * A build snapshots the context (honouring .dockerignore, with lib/docker-context.ts) and POSTs
 * it to `${AWS_ENDPOINT_URL_ECR ?? AWS_ENDPOINT_URL}/_sandbox/build`, which builds the image
 * and tags it in sandbox ECR. See sandbox/runtime/README.md. A --cache-from/--cache-to layer
 * cache is kept by docker-shim-cache.ts: a rebuild shows the steps it reuses as CACHED.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { parseDockerfile, splitWords, substitute, takeFlags } from '../runtime/dockerfile.js';
import { contextFiles, type BuildFile, type BuildRequest } from '../runtime/images.js';
import {
  cacheDir,
  cacheSteps,
  CacheSpecError,
  exportCache,
  importCache,
  parseCacheSpec,
  type CacheSpec,
} from './docker-shim-cache.js';

const CLIENT_VERSION = '27.5.1';
const BUILDX_VERSION = 'v0.20.1';

class ExitError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

interface Io {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<string>;
}

/** Runs one docker invocation; resolves with the exit code. */
export async function main(io: Io): Promise<number> {
  logInvocation(io);
  try {
    await dispatch(io);
    return 0;
  } catch (error) {
    if (error instanceof ExitError) {
      io.stderr(`${error.message}\n`);
      return error.code;
    }
    io.stderr(`ERROR: ${(error as Error).message}\n`);
    return 1;
  }
}

// Options of `docker login` / `docker buildx build` that carry secrets are never logged.
const SECRET_OPTIONS = new Set(['-p', '--password', '--secret']);

/** One JSON line per invocation in $SANDBOX_DOCKER_LOG, so tests can count docker calls. */
function logInvocation(io: Io): void {
  const file = io.env.SANDBOX_DOCKER_LOG;
  if (!file) return;
  const argv: string[] = [];
  for (let i = 0; i < io.argv.length; i++) {
    const arg = io.argv[i]!;
    const eq = arg.indexOf('=');
    if (SECRET_OPTIONS.has(arg)) {
      argv.push(arg, '***');
      i++;
    } else if (eq > 0 && SECRET_OPTIONS.has(arg.slice(0, eq))) {
      argv.push(`${arg.slice(0, eq)}=***`);
    } else {
      argv.push(arg);
    }
  }
  appendFileSync(file, `${JSON.stringify({ argv, cwd: io.cwd, time: new Date().toISOString() })}\n`);
}

async function dispatch(io: Io): Promise<void> {
  const args = [...io.argv];
  // Global options before the command.
  let configDir = io.env.DOCKER_CONFIG || path.join(io.env.HOME || homedir(), '.docker');
  while (args[0]?.startsWith('-')) {
    const option = args.shift()!;
    if (option === '--version' || option === '-v') {
      io.stdout(`Docker version ${CLIENT_VERSION}, build sandbox\n`);
      return;
    }
    if (option === '--config') configDir = required(args.shift(), '--config');
    else if (option.startsWith('--config=')) configDir = option.slice('--config='.length);
    else if (option === '-D' || option === '--debug') continue;
    else if (option === '-l' || option === '--log-level') args.shift();
    else if (option === '--help' || option === '-h') {
      io.stdout(USAGE);
      return;
    } else throw new ExitError(`unknown flag: ${option}\nSee 'docker --help'.`, 125);
  }
  const command = args.shift();
  switch (command) {
    case 'version':
    case 'info':
      await describe(command, args, io);
      return;
    case 'login':
      await login(args, io, configDir);
      return;
    case 'logout':
      logout(args, io, configDir);
      return;
    case 'buildx': {
      const sub = args.shift();
      if (sub === 'version') {
        io.stdout(`github.com/docker/buildx ${BUILDX_VERSION} sandbox\n`);
        return;
      }
      if (sub === 'build' || sub === 'b') {
        await build(args, io, configDir);
        return;
      }
      throw new ExitError(
        `docker buildx ${sub ?? ''}: not supported by the sandbox's docker shim (supported: buildx version, buildx build)`,
      );
    }
    case 'build':
      // `docker build` is buildx build with the default builder.
      await build(args, io, configDir);
      return;
    case undefined:
      io.stdout(USAGE);
      return;
    default:
      throw new ExitError(
        `docker ${command}: not supported by the sandbox's docker shim (supported: --version, version, info, login, buildx version, buildx build, build)`,
      );
  }
}

const USAGE = `Usage:  docker [OPTIONS] COMMAND  (the AWS sandbox's docker shim)

Commands:
  login         Log in to a registry (--username AWS --password-stdin <registry>)
  buildx build  Build an image from a Dockerfile into the sandbox's ECR (--push)
  version       Show the version information
  info          Display system-wide information
`;

function required(value: string | undefined, option: string): string {
  if (value === undefined) throw new ExitError(`flag needs an argument: ${option}`, 125);
  return value;
}

function endpointOf(env: NodeJS.ProcessEnv): string | undefined {
  return (env.AWS_ENDPOINT_URL_ECR || env.AWS_ENDPOINT_URL || undefined)?.replace(/\/+$/, '');
}

// ---------------------------------------------------------------------------------------------
// version, info

/**
 * `docker version` / `docker info`, with `--format` Go templates for the fields scripts read
 * (`{{.Server.Version}}`, `{{json .}}`). Like Docker, they fail when the "daemon" (here: the
 * sandbox at AWS_ENDPOINT_URL) does not answer, after printing what the client knows.
 */
async function describe(command: 'version' | 'info', args: string[], io: Io): Promise<void> {
  let format: string | undefined;
  while (args.length) {
    const arg = args.shift()!;
    if (arg === '--format' || arg === '-f') format = required(args.shift(), arg);
    else if (arg.startsWith('--format=')) format = arg.slice('--format='.length);
    else throw new ExitError(`unknown flag: ${arg}\nSee 'docker ${command} --help'.`, 125);
  }
  const endpoint = endpointOf(io.env);
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const client = { Version: CLIENT_VERSION, ApiVersion: '1.47', Os: process.platform, Arch: arch, Context: 'sandbox' };
  const daemonError = await probe(endpoint);
  const server = daemonError
    ? undefined
    : {
        Platform: { Name: 'AWS sandbox (images built by the sandbox; RUN steps are not executed)' },
        Version: CLIENT_VERSION,
        ApiVersion: '1.47',
        Os: 'linux',
        Arch: arch,
        Endpoint: endpoint,
      };
  const data =
    command === 'version'
      ? { Client: client, Server: server ?? null }
      : {
          ClientInfo: { ...client, Plugins: [{ Name: 'buildx', Version: BUILDX_VERSION }] },
          ServerVersion: server?.Version ?? '',
          OperatingSystem: 'AWS sandbox',
          OSType: 'linux',
          Architecture: arch,
          Endpoint: endpoint ?? '',
        };
  if (format !== undefined) {
    // Docker prints nothing for a template when the daemon is unreachable, only the error.
    if (!daemonError) io.stdout(`${renderTemplate(format, data)}\n`);
  } else if (command === 'version') {
    const lines = [
      'Client:',
      ` Version:           ${CLIENT_VERSION}`,
      ' API version:       1.47',
      ` OS/Arch:           ${process.platform}/${arch}`,
      ' Context:           sandbox',
    ];
    if (server)
      lines.push(
        '',
        `Server: ${server.Platform.Name}`,
        ' Engine:',
        `  Version:          ${server.Version}`,
        `  Endpoint:         ${endpoint}`,
      );
    io.stdout(`${lines.join('\n')}\n`);
  } else {
    const lines = [
      'Client:',
      ` Version:    ${CLIENT_VERSION}`,
      ' Context:    sandbox',
      ' Plugins:',
      '  buildx: Docker Buildx (Docker Inc.)',
      `    Version:  ${BUILDX_VERSION}`,
    ];
    if (server)
      lines.push(
        '',
        'Server:',
        ` Server Version: ${server.Version}`,
        ' Operating System: AWS sandbox',
        ` Endpoint: ${endpoint}`,
      );
    io.stdout(`${lines.join('\n')}\n`);
  }
  if (daemonError) throw new ExitError(daemonError);
}

/** Undefined when the sandbox answers, else Docker's "cannot connect" message. */
async function probe(endpoint: string | undefined): Promise<string | undefined> {
  if (!endpoint) {
    return "Cannot connect to the Docker daemon: this is the AWS sandbox's docker shim; set AWS_ENDPOINT_URL to the sandbox endpoint (npm run sandbox prints it).";
  }
  try {
    const res = await fetch(`${endpoint}/_sandbox/health`, { signal: AbortSignal.timeout(3000) });
    await res.body?.cancel();
    return undefined;
  } catch (error) {
    const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    return `Cannot connect to the Docker daemon at ${endpoint}. Is the sandbox running? (${reason})`;
  }
}

/** The part of Go's text/template that docker --format strings use: {{.A.B}} and {{json .A}}. */
export function renderTemplate(template: string, data: unknown): string {
  return template.replace(
    /\{\{\s*(json\s+)?(\.[A-Za-z0-9_.]*)\s*\}\}/g,
    (_, json: string | undefined, fieldPath: string) => {
      let value: unknown = data;
      for (const key of fieldPath.split('.').filter(Boolean)) {
        if (value === null || typeof value !== 'object' || !(key in value)) {
          throw new ExitError(`template: :1: executing "" at <${fieldPath}>: can't evaluate field ${key}`);
        }
        value = (value as Record<string, unknown>)[key];
      }
      if (json) return JSON.stringify(value);
      if (value === null || value === undefined) return '<no value>';
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
    },
  );
}

// ---------------------------------------------------------------------------------------------
// login

/** The registry host a login or reference names (`https://host/` -> `host`). */
function registryHost(text: string): string {
  return text.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

/** The registry of an image reference, Docker's rule: a first component with '.' or ':' or 'localhost'. */
function registryOfRef(ref: string): string {
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  return first && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

interface DockerConfig {
  auths?: Record<string, { auth?: string }>;
  [key: string]: unknown;
}

function readConfig(configDir: string): DockerConfig {
  const file = path.join(configDir, 'config.json');
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DockerConfig;
  } catch {
    throw new ExitError(`Error: ${file} is not valid JSON`);
  }
}

/** `docker logout <registry>`: forgets the stored credentials, as docker does (a no-op when there are none). */
function logout(args: string[], io: Io, configDir: string): void {
  const server = args.find((a) => !a.startsWith('-'));
  if (!server)
    throw new ExitError('Error: the sandbox shim needs the registry to log out of (docker logout <registry>)');
  const host = registryHost(server);
  const config = readConfig(configDir);
  if (!config.auths?.[host]) {
    io.stdout(`Not logged in to ${host}\n`);
    return;
  }
  delete config.auths[host];
  writeFileSync(path.join(configDir, 'config.json'), `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 });
  io.stdout(`Removing login credentials for ${host}\n`);
}

async function login(args: string[], io: Io, configDir: string): Promise<void> {
  let username: string | undefined;
  let password: string | undefined;
  let passwordStdin = false;
  let server: string | undefined;
  while (args.length) {
    const arg = args.shift()!;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    if (flag === '-u' || flag === '--username') username = inline ?? required(args.shift(), flag);
    else if (flag === '-p' || flag === '--password') password = inline ?? required(args.shift(), flag);
    else if (flag === '--password-stdin') passwordStdin = true;
    else if (flag.startsWith('-')) throw new ExitError(`unknown flag: ${flag}\nSee 'docker login --help'.`, 125);
    else if (server === undefined) server = arg;
    else throw new ExitError('"docker login" requires at most 1 argument.', 125);
  }
  if (password !== undefined && passwordStdin)
    throw new ExitError('--password and --password-stdin are mutually exclusive');
  if (password !== undefined) io.stderr('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  if (passwordStdin) {
    if (!username) throw new ExitError('Must provide --username with --password-stdin');
    password = (await io.readStdin()).replace(/\r?\n$/, '');
  }
  if (!username || !password) {
    throw new ExitError(
      'Error: Cannot perform an interactive login from a non TTY device (use --username and --password-stdin)',
    );
  }
  if (!server)
    throw new ExitError('Error: the sandbox shim needs the registry to log in to (docker login ... <registry>)');
  const host = registryHost(server);
  const config = readConfig(configDir);
  config.auths = {
    ...(config.auths ?? {}),
    [host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') },
  };
  mkdirSync(configDir, { recursive: true });
  writeFileSync(path.join(configDir, 'config.json'), `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 });
  io.stderr(`WARNING! Your password will be stored unencrypted in ${path.join(configDir, 'config.json')}.\n`);
  io.stdout('Login Succeeded\n');
}

// ---------------------------------------------------------------------------------------------
// buildx build

interface BuildOptions {
  context?: string;
  file?: string;
  tags: string[];
  buildArgs: Record<string, string>;
  platform?: string;
  push: boolean;
  metadataFile?: string;
  iidFile?: string;
  quiet: boolean;
  cacheFrom: string[];
  cacheTo: string[];
  noCache: boolean;
}

// Options that take a value and do not change what the sandbox builds.
const ACCEPTED_VALUE_OPTIONS = new Set(['--progress', '--provenance', '--sbom', '--builder', '--network']);
const ACCEPTED_SWITCHES = new Set(['--pull', '--load', '--rm', '--force-rm']);

function parseBuildArgs(args: string[], env: NodeJS.ProcessEnv): BuildOptions {
  const options: BuildOptions = {
    tags: [],
    buildArgs: {},
    push: false,
    quiet: false,
    cacheFrom: [],
    cacheTo: [],
    noCache: false,
  };
  while (args.length) {
    const arg = args.shift()!;
    if (!arg.startsWith('-') || arg === '-') {
      if (options.context !== undefined)
        throw new ExitError('ERROR: "docker buildx build" requires exactly 1 argument.', 1);
      options.context = arg;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = () => inline ?? required(args.shift(), flag);
    switch (flag) {
      case '-t':
      case '--tag':
        options.tags.push(value());
        break;
      case '-f':
      case '--file':
        options.file = value();
        break;
      case '--build-arg': {
        const kv = value();
        const i = kv.indexOf('=');
        // `--build-arg NAME` takes the value from the environment, as docker does.
        if (i < 0) {
          if (env[kv] !== undefined) options.buildArgs[kv] = env[kv];
        } else options.buildArgs[kv.slice(0, i)] = kv.slice(i + 1);
        break;
      }
      case '--platform':
        options.platform = value();
        break;
      case '--push':
        options.push = true;
        break;
      case '--output':
      case '-o': {
        const output = value();
        if (/(^|,)type=registry(,|$)/.test(output) || /(^|,)push=true(,|$)/.test(output)) options.push = true;
        break;
      }
      case '--metadata-file':
        options.metadataFile = value();
        break;
      case '--iidfile':
        options.iidFile = value();
        break;
      case '--cache-from':
        options.cacheFrom.push(value());
        break;
      case '--cache-to':
        options.cacheTo.push(value());
        break;
      case '--no-cache':
        options.noCache = true;
        break;
      case '-q':
      case '--quiet':
        options.quiet = true;
        break;
      default:
        if (ACCEPTED_VALUE_OPTIONS.has(flag)) {
          // --provenance and --sbom may be given as bare switches too.
          if (
            inline === undefined &&
            (flag === '--provenance' || flag === '--sbom') &&
            (args[0] === undefined || args[0].startsWith('-') || !/^(true|false|mode=|[a-z]+=)/.test(args[0]))
          )
            break;
          value();
          break;
        }
        if (ACCEPTED_SWITCHES.has(flag)) break;
        throw new ExitError(
          `ERROR: unknown flag: ${flag} (the sandbox's docker shim accepts the flags build-image uses; see sandbox/runtime/README.md)`,
        );
    }
  }
  return options;
}

async function build(args: string[], io: Io, configDir: string): Promise<void> {
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

/** FROM lines with the global ARGs substituted, as BuildKit shows them. */
function resolveFromLines(instructions: ReturnType<typeof parseDockerfile>, buildArgs: Record<string, string>) {
  const globals: Record<string, string> = {};
  let seenFrom = false;
  return instructions.map((ins) => {
    if (ins.keyword === 'ARG' && !seenFrom) {
      for (const word of splitWords(ins.args)) {
        const eq = word.indexOf('=');
        const name = eq < 0 ? word : word.slice(0, eq);
        globals[name] = buildArgs[name] ?? (eq < 0 ? '' : substitute(word.slice(eq + 1), globals));
      }
    }
    if (ins.keyword !== 'FROM') return ins;
    seenFrom = true;
    const args = substitute(ins.args, globals);
    return { ...ins, args, original: `FROM ${args}` };
  });
}

function baseImages(instructions: ReturnType<typeof parseDockerfile>): string[] {
  const stageNames = new Set<string>();
  const bases: string[] = [];
  for (const ins of instructions) {
    if (ins.keyword !== 'FROM') continue;
    const words = splitWords(takeFlags(ins.args).rest);
    const base = words[0] ?? '';
    if (words[2]) stageNames.add(words[2].toLowerCase());
    if (!stageNames.has(base.toLowerCase()) && base !== 'scratch' && !bases.includes(base)) bases.push(base);
  }
  return bases;
}

/** BuildKit's step titles (`[stage i/n] INSTRUCTION` for FROM, WORKDIR, COPY, ADD, RUN) with their cache keys. */
function buildSteps(
  instructions: ReturnType<typeof parseDockerfile>,
  files: BuildFile[],
  buildArgs: Record<string, string>,
  platform: string,
): { title: string; skipped: boolean; key: string; stage: number }[] {
  const steps = cacheSteps(instructions, files, { buildArgs, platform }, (ins) =>
    ['FROM', 'WORKDIR', 'COPY', 'ADD', 'RUN'].includes(ins.keyword),
  );
  const labels: string[] = [];
  for (const ins of instructions) {
    if (ins.keyword !== 'FROM') continue;
    labels.push(splitWords(takeFlags(ins.args).rest)[2] ?? `stage-${labels.length}`);
  }
  const single = labels.length === 1;
  const counts = new Map<number, number>();
  for (const step of steps) counts.set(step.stage, (counts.get(step.stage) ?? 0) + 1);
  const seen = new Map<number, number>();
  return steps.map((step) => {
    const i = (seen.get(step.stage) ?? 0) + 1;
    seen.set(step.stage, i);
    const text = step.instruction.original;
    return {
      title: `[${single ? '' : `${labels[step.stage]} `}${i}/${counts.get(step.stage)}] ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`,
      skipped: text.startsWith('RUN'),
      key: step.key,
      stage: step.stage,
    };
  });
}

/** buildx's plain progress output, on stderr. */
class Progress {
  private next = 1;
  constructor(
    private readonly io: Io,
    private readonly quiet: boolean,
  ) {}
  line(text: string): void {
    if (!this.quiet) this.io.stderr(`${text}\n`);
  }
  step(title: string, details: string[], end = 'DONE 0.0s'): void {
    const n = this.next++;
    this.line('');
    this.line(`#${n} ${title}`);
    for (const d of details) this.line(`#${n} ${d}`);
    this.line(`#${n} ${end}`);
  }
}

function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes}B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(2)}kB`;
  return `${(bytes / 1_000_000).toFixed(2)}MB`;
}

// ---------------------------------------------------------------------------------------------

function readAllStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

const code = await main({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  readStdin: readAllStdin,
});
process.exitCode = code;
