/**
 * The HTTP client of the checks: one GET over node:http/https with keep-alive sockets, a time
 * limit per request, cancellation, optional redirects, and network failures turned into one plain
 * sentence a user can act on.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { cancelledFrom } from '../cancel.js';
import { seconds } from './format.js';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as text (at most MAX_BODY_BYTES of it). */
  body: string;
  /** The URL that answered (differs from the one asked when redirects were followed). */
  url: string;
}

/** Sends one GET. Rejects with HttpRequestError for network failures, CancelledError on abort. */
export type HttpGet = (
  url: URL,
  options: { timeoutMs: number; followRedirects: boolean; signal?: AbortSignal },
) => Promise<HttpResponse>;

export const MAX_BODY_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 5;

/** A network-level failure, with a message a user can act on. */
export class HttpRequestError extends Error {
  override readonly name = 'HttpRequestError';
  constructor(
    message: string,
    readonly kind: 'refused' | 'dns' | 'tls' | 'timeout' | 'reset' | 'redirect' | 'other',
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The first value of a header node may give as a list. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function createNodeHttpGet(options: { maxSockets: number }): { get: HttpGet; close(): void } {
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets }),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets: options.maxSockets }),
  };
  const once = (url: URL, timeoutMs: number, signal?: AbortSignal): Promise<HttpResponse> =>
    new Promise((resolve, reject) => {
      const isHttps = url.protocol === 'https:';
      const send = isHttps ? httpsRequest : httpRequest;
      const req = send(url, {
        method: 'GET',
        agent: isHttps ? agents['https:'] : agents['http:'],
        headers: { accept: 'application/json, */*;q=0.5', 'user-agent': 'fargate-bluegreen-suite smoke-test' },
      });
      const timer = setTimeout(
        () =>
          req.destroy(
            new HttpRequestError(`no complete response within ${seconds(timeoutMs)} (request timeout)`, 'timeout'),
          ),
        timeoutMs,
      );
      const onAbort = () => req.destroy(cancelledFrom(signal!));
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (chunk: Buffer) => {
          if (kept < MAX_BODY_BYTES) {
            chunks.push(chunk);
            kept += chunk.length;
          }
        });
        res.on('end', () => {
          done();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'),
            url: url.toString(),
          });
        });
        res.on('error', (error) => {
          done();
          reject(describeNetworkError(error, url));
        });
      });
      req.on('error', (error) => {
        done();
        reject(error instanceof HttpRequestError ? error : signal?.aborted ? error : describeNetworkError(error, url));
      });
      req.end();
    });

  const get: HttpGet = async (url, { timeoutMs, followRedirects, signal }) => {
    let current = url;
    for (let hop = 0; ; hop++) {
      const response = await once(current, timeoutMs, signal);
      const location = headerValue(response.headers.location);
      if (!followRedirects || response.status < 300 || response.status >= 400 || !location) return response;
      if (hop === MAX_REDIRECTS) {
        throw new HttpRequestError(`more than ${MAX_REDIRECTS} redirects, the last to ${location}`, 'redirect');
      }
      try {
        current = new URL(location, current);
      } catch {
        throw new HttpRequestError(`redirected to ${JSON.stringify(location)}, which is not a valid URL`, 'redirect');
      }
      if (current.protocol !== 'http:' && current.protocol !== 'https:') {
        throw new HttpRequestError(
          `redirected to ${current.protocol} URL ${location}, which cannot be followed`,
          'redirect',
        );
      }
    }
  };

  return {
    get,
    close: () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** Turns node's network errors into one plain sentence naming the host. */
export function describeNetworkError(error: Error, url: URL): HttpRequestError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const where = url.host;
  if (code === 'ECONNREFUSED')
    return new HttpRequestError(`connection refused by ${where} (nothing is listening there yet)`, 'refused', code);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return new HttpRequestError(
      `DNS lookup of ${url.hostname} failed (${code}): check the URL, or wait for the DNS record`,
      'dns',
      code,
    );
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || error.message === 'socket hang up') {
    return new HttpRequestError(
      `connection to ${where} was closed before the response was complete (${code || 'socket hang up'})`,
      'reset',
      code,
    );
  }
  if (code === 'ETIMEDOUT' || code === 'ECONNABORTED') {
    return new HttpRequestError(`connection to ${where} timed out (${code})`, 'timeout', code);
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return new HttpRequestError(
      `${where} is unreachable (${code}): check the network path and security groups`,
      'other',
      code,
    );
  }
  if (TLS_CODES.has(code) || /certificate|ssl|tls/i.test(error.message)) {
    return new HttpRequestError(
      `TLS error talking to ${where}: ${error.message}${code ? ` (${code})` : ''}`,
      'tls',
      code,
    );
  }
  return new HttpRequestError(`request to ${where} failed: ${error.message}${code ? ` (${code})` : ''}`, 'other', code);
}
