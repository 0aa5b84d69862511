// Structured logs: one JSON object per line on stdout, which CloudWatch Logs (awslogs) and
// Logs Insights parse field by field.

/**
 * @param {'info' | 'warn' | 'error'} level
 * @param {string} msg
 * @param {Record<string, unknown>} [fields]
 * @param {NodeJS.WritableStream} [out]
 */
export function log(level, msg, fields = {}, out = process.stdout) {
  out.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
}
