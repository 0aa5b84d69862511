/**
 * What every command of the docker shim shares: the process's streams and environment, the error
 * that ends a command with docker's exit code, and the versions the shim answers as.
 */
export const CLIENT_VERSION = '27.5.1';
export const BUILDX_VERSION = 'v0.20.1';

export class ExitError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

export interface Io {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<string>;
}

export function required(value: string | undefined, option: string): string {
  if (value === undefined) throw new ExitError(`flag needs an argument: ${option}`, 125);
  return value;
}

export function endpointOf(env: NodeJS.ProcessEnv): string | undefined {
  return (env.AWS_ENDPOINT_URL_ECR || env.AWS_ENDPOINT_URL || undefined)?.replace(/\/+$/, '');
}
