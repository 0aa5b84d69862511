/**
 * A small image for tests: a node:http server on $PORT answering `/health` (200 "ok") and any
 * other path with JSON `{ hostname, version, path }`, where version is the image's VERSION
 * (`options.version`, default `v1`). Exits 0 on SIGTERM. POST it to /_sandbox/build (or pass it
 * to `sandbox.build`) to get a digest in sandbox ECR.
 */
export function fixtureBuildRequest(tags: string[], options: { version?: string; healthcheck?: boolean } = {}) {
  const server = [
    "const http = require('node:http');",
    'const server = http.createServer((req, res) => {',
    "  if (req.url === '/health') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); return; }",
    "  res.writeHead(200, { 'content-type': 'application/json' });",
    '  res.end(JSON.stringify({ hostname: process.env.HOSTNAME, version: process.env.VERSION, path: req.url }));',
    '});',
    "server.listen(Number(process.env.PORT || 8080), '127.0.0.1');",
    "process.on('SIGTERM', () => server.close(() => process.exit(0)));",
    '',
  ].join('\n');
  const dockerfile = [
    'FROM node:20-alpine',
    'WORKDIR /app',
    'COPY server.js ./',
    `ENV VERSION=${options.version ?? 'v1'}`,
    'EXPOSE 8080',
    ...(options.healthcheck
      ? [
          'HEALTHCHECK --interval=5s --timeout=2s --retries=2 CMD ["node", "-e", "fetch(\'http://127.0.0.1:\'+process.env.PORT+\'/health\').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]',
        ]
      : []),
    'CMD ["node", "server.js"]',
    '',
  ].join('\n');
  return {
    tags,
    dockerfile,
    buildArgs: {},
    platform: 'linux/amd64',
    files: [
      { path: 'server.js', kind: 'file' as const, mode: 0o644, contentBase64: Buffer.from(server).toString('base64') },
    ],
  };
}
