// The service's routes. Plain functions of (request, response) so the server module only
// deals with listening, logging and shutdown.
import { parseStressParams } from './stress.js';

/**
 * @param {{ config: import('./config.js').AppConfig, stress: import('./stress.js').CpuStress, now?: () => Date }} deps
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void}
 */
export function createHandler({ config, stress, now = () => new Date() }) {
  const { basePath } = config;
  const hostPath = `${basePath}/host`;
  const stressPrefix = `${basePath}/stress-cpu/`;

  return (req, res) => {
    const path = pathOf(req.url);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendJson(res, 405, { error: `Method ${req.method} is not allowed; use GET` });
    }
    // ALB and ECS health checks hit /health whatever BASE_PATH is.
    if (path === '/health') return sendJson(res, 200, { status: 'ok' });
    if (path === hostPath) {
      return sendJson(res, 200, {
        message: `Request handled by backend at ${now().toISOString()}`,
        imageUri: config.imageUri,
        hostname: config.hostname,
      });
    }
    if (path.startsWith(stressPrefix)) {
      const parts = path.slice(stressPrefix.length).split('/');
      if (parts.length !== 2) {
        return sendJson(res, 400, { error: `Use ${stressPrefix}<percent>/<seconds>, e.g. ${stressPrefix}50/60` });
      }
      const params = parseStressParams(decodeSegment(parts[0]), decodeSegment(parts[1]));
      if (!params.ok) return sendJson(res, 400, { error: params.error });
      const outcome = stress.start(params.percent, params.seconds);
      if (!outcome.started) {
        const { percent, seconds, until } = outcome.running;
        return sendJson(res, 409, {
          error: `A CPU stress run (${percent}% for ${seconds} s) is already in progress until ${until.toISOString()}; try again after it ends`,
        });
      }
      return sendJson(res, 202, {
        message: `Loading the CPU at ${params.percent}% for ${params.seconds} s`,
        percent: params.percent,
        seconds: params.seconds,
        until: outcome.until.toISOString(),
        hostname: config.hostname,
      });
    }
    return sendJson(res, 404, {
      error: `No route for ${path}`,
      routes: ['/health', hostPath, `${stressPrefix}<percent>/<seconds>`],
    });
  };
}

function pathOf(url = '/') {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  // Tolerate a trailing slash (/api/host/) the way most load balancer rules do.
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function decodeSegment(segment = '') {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** @param {import('node:http').ServerResponse} res */
export function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}
