/**
 * AWS client configuration shared by every action, and the one formatter for AWS errors.
 *
 * Region and credentials come from the environment as every AWS tool reads them; the endpoint
 * is left to the SDK's own AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> handling, so no code
 * path knows whether it talks to AWS or to the local sandbox.
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
 */
import type { MetadataBearer, MiddlewareStack } from '@smithy/types';
import { ConfigurationError } from './errors.js';
import { SUITE_NAME, SUITE_VERSION } from './version.js';

export type RetryMode = 'standard' | 'adaptive' | 'legacy';

export interface AwsClientConfig {
  region: string;
  maxAttempts: number;
  retryMode: RetryMode;
  customUserAgent: [string, string][];
}

/**
 * Long deploys poll for tens of minutes: a throttled poll must be retried, not fail the deploy.
 * Adaptive mode adds client-side rate limiting on top of the standard backoff.
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
export const DEFAULT_MAX_ATTEMPTS = 10;
export const DEFAULT_RETRY_MODE: RetryMode = 'adaptive';

/** Reads region, retry mode and attempts from the environment; ConfigurationError when malformed. */
export function awsClientConfig(env: NodeJS.ProcessEnv = process.env, actionName?: string): AwsClientConfig {
  const region = (env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? '').trim();
  if (region === '') {
    throw new ConfigurationError(
      'AWS_REGION',
      '',
      'no AWS region is set; set the AWS_REGION environment variable (aws-actions/configure-aws-credentials sets it from its aws-region input)',
    );
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new ConfigurationError('AWS_REGION', region, 'a region name such as eu-west-1');
  }

  const attemptsText = (env.AWS_MAX_ATTEMPTS ?? '').trim();
  let maxAttempts = DEFAULT_MAX_ATTEMPTS;
  if (attemptsText !== '') {
    maxAttempts = Number(attemptsText);
    if (!/^\d+$/.test(attemptsText) || maxAttempts < 1 || maxAttempts > 50) {
      throw new ConfigurationError('AWS_MAX_ATTEMPTS', attemptsText, 'a whole number from 1 to 50');
    }
  }

  const modeText = (env.AWS_RETRY_MODE ?? '').trim();
  let retryMode = DEFAULT_RETRY_MODE;
  if (modeText !== '') {
    if (!['standard', 'adaptive', 'legacy'].includes(modeText)) {
      throw new ConfigurationError('AWS_RETRY_MODE', modeText, 'use standard, adaptive or legacy');
    }
    retryMode = modeText as RetryMode;
  }

  const customUserAgent: [string, string][] = [[SUITE_NAME, SUITE_VERSION]];
  if (actionName) customUserAgent.push([`action/${actionName}`, SUITE_VERSION]);
  return { region, maxAttempts, retryMode, customUserAgent };
}

/**
 * Labels every error thrown by the client with the operation that failed (from the SDK's own
 * handler context, since minified bundles lose class names), so formatAwsError can name it.
 */
export function labelOperations<T extends { middlewareStack: unknown }>(client: T): T {
  const stack = client.middlewareStack as MiddlewareStack<object, MetadataBearer>;
  stack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (error && typeof error === 'object' && context.commandName) {
          Object.defineProperty(error, '$operation', {
            value: context.commandName.replace(/Command$/, ''),
            enumerable: false,
            configurable: true,
          });
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'suiteOperationLabel', override: true },
  );
  return client;
}

export interface AwsErrorLike {
  name?: string;
  message?: string;
  Code?: string;
  code?: string;
  $operation?: string;
  $metadata?: { requestId?: string; httpStatusCode?: number };
}

/** The AWS error code of an error (`ServiceNotFoundException`, ...), or undefined. */
export function awsErrorCode(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as AwsErrorLike;
  return e.Code ?? e.code ?? e.name;
}

/**
 * `Operation on resource failed: Code: message (request id)`: one line a user can act on.
 * `operation` overrides the label set by labelOperations.
 */
export function formatAwsError(error: unknown, resource: string, operation?: string): string {
  const e = (error && typeof error === 'object' ? error : { message: String(error) }) as AwsErrorLike;
  const op = operation ?? e.$operation ?? 'AWS call';
  const code = awsErrorCode(e) ?? 'Error';
  const message = (e.message ?? '').trim() || 'no message';
  const requestId = e.$metadata?.requestId;
  return `${op} on ${resource} failed: ${code}: ${message}${requestId ? ` (request id ${requestId})` : ''}`;
}

/** An AWS failure, already formatted; keeps the code for callers that branch on it. */
export class AwsCallError extends Error {
  override readonly name = 'AwsCallError';
  constructor(
    readonly code: string | undefined,
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

/** Runs one AWS call and turns any failure into an AwsCallError naming the resource. */
export async function awsCall<T>(resource: string, call: () => Promise<T>, operation?: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if ((error as Error)?.name === 'AbortError') throw error;
    throw new AwsCallError(awsErrorCode(error), formatAwsError(error, resource, operation), error);
  }
}
