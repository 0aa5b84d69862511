import { BUILDX_VERSION, CLIENT_VERSION, endpointOf, ExitError, required, type Io } from './docker-shim-io.js';

/**
 * `docker version` / `docker info`, with `--format` Go templates for the fields scripts read
 * (`{{.Server.Version}}`, `{{json .}}`). Like Docker, they fail when the "daemon" (here: the
 * sandbox at AWS_ENDPOINT_URL) does not answer, after printing what the client knows.
 */
export async function describe(command: 'version' | 'info', args: string[], io: Io): Promise<void> {
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
