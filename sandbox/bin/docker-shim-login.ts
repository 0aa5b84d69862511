/**
 * `docker login` / `docker logout`: the credentials a push needs, kept in the docker config's
 * `auths` as the docker CLI keeps them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ExitError, required, type Io } from './docker-shim-io.js';

/** The registry host a login or reference names (`https://host/` -> `host`). */
function registryHost(text: string): string {
  return text.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

/** The registry of an image reference, Docker's rule: a first component with '.' or ':' or 'localhost'. */
export function registryOfRef(ref: string): string {
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  return first && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

interface DockerConfig {
  auths?: Record<string, { auth?: string }>;
  [key: string]: unknown;
}

export function readConfig(configDir: string): DockerConfig {
  const file = path.join(configDir, 'config.json');
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DockerConfig;
  } catch {
    throw new ExitError(`Error: ${file} is not valid JSON`);
  }
}

/** `docker logout <registry>`: forgets the stored credentials, as docker does (a no-op when there are none). */
export function logout(args: string[], io: Io, configDir: string): void {
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

export async function login(args: string[], io: Io, configDir: string): Promise<void> {
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
