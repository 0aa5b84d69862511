// The sample service: node:http, no dependencies. Logs one JSON line per request and shuts down
// gracefully on SIGTERM (what ECS sends when it stops a task): stop accepting, let in-flight
// requests finish, exit before ECS's SIGKILL.
import { createServer } from 'node:http';
import { readConfig } from './config.js';
import { log } from './log.js';
import { createHandler } from './routes.js';
import { CpuStress } from './stress.js';

const config = readConfig();
const stress = new CpuStress((msg, fields) => log('info', msg, fields));
const handle = createHandler({ config, stress });
let shuttingDown = false;

const server = createServer((req, res) => {
  const started = process.hrtime.bigint();
  // While draining, ask keep-alive clients to reconnect (to another task) after this response.
  if (shuttingDown) res.setHeader('Connection', 'close');
  res.once('finish', () => {
    log('info', 'request', {
      method: req.method,
      path: req.url,
      status: res.statusCode,
      durationMs: Number(process.hrtime.bigint() - started) / 1e6,
      remoteAddress: req.socket.remoteAddress,
      userAgent: req.headers['user-agent'],
    });
  });
  try {
    handle(req, res);
  } catch (error) {
    log('error', 'request failed', { path: req.url, error: String(error) });
    if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: 'Internal error' }));
  }
});

// Keep idle keep-alive connections open longer than the ALB's 60 s idle timeout, so the load
// balancer closes them first and never sends a request on a connection the task just closed.
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html#connection-idle-timeout
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

server.listen(config.port, () => {
  const address = server.address();
  log('info', 'listening', {
    port: typeof address === 'object' && address ? address.port : config.port,
    basePath: config.basePath,
    imageUri: config.imageUri,
    hostname: config.hostname,
  });
});

function shutdown(signal) {
  if (shuttingDown) return;
  shuttingDown = true;
  log('info', 'shutting down', { signal, timeoutMs: config.shutdownTimeoutMs });
  const deadline = setTimeout(() => {
    log('warn', 'shutdown timed out; closing the remaining connections', { timeoutMs: config.shutdownTimeoutMs });
    server.closeAllConnections();
    process.exit(0);
  }, config.shutdownTimeoutMs);
  deadline.unref();
  void stress.stop();
  // close() stops accepting and waits for in-flight requests; idle keep-alive connections
  // would hold it open, so they are closed now and busy ones after their response.
  server.close(() => {
    log('info', 'stopped', { signal });
    process.exit(0);
  });
  server.closeIdleConnections();
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
