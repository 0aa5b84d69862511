// Settings come from the environment only, as ECS passes them (task definition `environment`).
import { hostname } from 'node:os';

/**
 * @typedef {object} AppConfig
 * @property {number} port              PORT, default 3000 (0 picks a free port)
 * @property {string} basePath          BASE_PATH normalised to '' or '/segment[/segment...]'
 * @property {string} imageUri          IMAGE_URI: the image this task runs, echoed by /host
 * @property {string} hostname          HOSTNAME (Docker and ECS set it per container), else the OS's
 * @property {number} shutdownTimeoutMs how long SIGTERM waits for in-flight requests (below ECS's 30 s stopTimeout)
 */

/** @param {NodeJS.ProcessEnv} env @returns {AppConfig} */
export function readConfig(env = process.env) {
  return {
    port: readPort(env.PORT),
    basePath: normaliseBasePath(env.BASE_PATH ?? ''),
    imageUri: env.IMAGE_URI ?? '',
    hostname: env.HOSTNAME || hostname(),
    shutdownTimeoutMs: readShutdownTimeout(env.SHUTDOWN_TIMEOUT_MS),
  };
}

/** '' , '/', 'api', '/api/', '//api//v1' -> '', '', '/api', '/api', '/api/v1' */
export function normaliseBasePath(value) {
  const segments = value.split('/').filter((s) => s !== '');
  return segments.length ? `/${segments.join('/')}` : '';
}

function readPort(value) {
  if (value === undefined || value === '') return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a whole number from 0 to 65535, got ${JSON.stringify(value)}`);
  }
  return port;
}

// ECS sends SIGTERM, then SIGKILL after stopTimeout (30 s by default on Fargate); finish well before.
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html (stopTimeout)
function readShutdownTimeout(value) {
  if (value === undefined || value === '') return 25_000;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0) {
    throw new Error(`SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds, got ${JSON.stringify(value)}`);
  }
  return ms;
}
