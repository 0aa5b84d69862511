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
 *
 * Each command has its file: docker-shim-describe.ts (version, info), docker-shim-login.ts
 * (login, logout), docker-shim-build.ts (buildx build, with its options, progress and cache).
 */
import { appendFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { build } from './docker-shim-build.js';
import { describe } from './docker-shim-describe.js';
import { BUILDX_VERSION, CLIENT_VERSION, ExitError, required, type Io } from './docker-shim-io.js';
import { login, logout } from './docker-shim-login.js';

export { renderTemplate } from './docker-shim-describe.js';

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
