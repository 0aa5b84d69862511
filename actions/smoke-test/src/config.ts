/** smoke-test inputs, parsed and validated before any request is sent. */
import { ConfigurationError } from '../../../lib/errors.js';
import type { HttpCheckSpec } from '../../../lib/http-checks.js';
import type { Inputs } from '../../../lib/inputs.js';

/** smoke-test's inputs are exactly the shared HTTP checks' spec (deploy-bluegreen's test gate uses it too). */
export type SmokeTestConfig = HttpCheckSpec;

export function parseUrl(input: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(input, value, 'an absolute http:// or https:// URL, e.g. https://app.example.com');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError(input, value, 'an http:// or https:// URL');
  }
  return url;
}

export function parseConfig(inputs: Inputs): SmokeTestConfig {
  const url = parseUrl('url', inputs.string('url', 'the base URL of the service, e.g. https://app.example.com'));
  const path = inputs.optionalString('path') ?? '/host';
  if (!path.startsWith('/')) throw new ConfigurationError('path', path, "a path starting with '/', e.g. /host");
  const expectJson = inputs.keyValues('expect-json', { what: 'field.path=expected value' });
  for (const field of expectJson.keys()) {
    if (!/^[^.\s]+(\.[^.\s]+)*$/.test(field)) {
      throw new ConfigurationError('expect-json', field, 'a dotted field path such as imageUri or build.commit');
    }
  }
  return {
    url: url.toString(),
    path,
    expectStatus: inputs.integer('expect-status', { min: 100, max: 599, fallback: 200 }),
    expectJson,
    requests: inputs.integer('requests', { min: 1, max: 10_000, fallback: 20 }),
    concurrency: inputs.integer('concurrency', { min: 1, max: 256, fallback: 4 }),
    timeoutMs: inputs.integer('timeout-seconds', { min: 1, max: 3600, fallback: 300 }) * 1000,
    requestTimeoutMs: inputs.integer('request-timeout-seconds', { min: 1, max: 300, fallback: 10 }) * 1000,
    maxP95Ms: inputs.optionalInteger('max-p95-ms', { min: 1, max: 600_000 }),
    followRedirects: inputs.boolean('follow-redirects', false),
  };
}
