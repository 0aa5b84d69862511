/**
 * The control API under /_sandbox/ (documented in sandbox/README.md): call log, faults, state,
 * reset, image builds for the docker shim, and `stack`, which creates in one call what the
 * terraform `service` stack creates in AWS.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError, type CallContext, type CallRecord, type FaultSet, type ServiceName } from './contracts.js';
import { isKnownError } from './named-errors.js';
import { newRequestId, readBody } from './protocol.js';

const KNOWN_FAULTS = [
  'throttle',
  'latencyMs',
  'failLifecycleEvent',
  'crashNewTasks',
  'unhealthyNewTasks',
  'errors',
  'skipHooklessLifecycleEvents',
  'lambdaHooks',
  'failHook',
];

export interface StackRequest {
  cluster: string;
  service: string;
  taskDefinition: string;
  containerName: string;
  containerPort: number;
  desiredCount: number;
  controller: 'CODE_DEPLOY' | 'ECS';
  strategy?: 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY';
  codedeployApplication?: string;
  deploymentGroup?: string;
  deploymentConfig?: string;
  readyWait?: 'CONTINUE' | 'STOP';
  /** Minutes a STOP ready option waits for ContinueDeployment (default 60). */
  readyWaitMinutes?: number;
  terminationWaitMinutes?: number;
  healthCheckPath?: string;
  /** Target group health checks in AWS seconds (defaults: 5 s interval, 2 healthy / 2 unhealthy). */
  healthCheckIntervalSeconds?: number;
  healthyThreshold?: number;
  unhealthyThreshold?: number;
  deregistrationDelaySeconds?: number;
  healthCheckGracePeriodSeconds?: number;
  /** ECS BLUE_GREEN, LINEAR and CANARY bake time (default 0). */
  bakeTimeInMinutes?: number;
  /** ECS LINEAR / CANARY traffic steps and lifecycle hooks, passed to CreateService as given. */
  linearConfiguration?: { stepPercent?: number; stepBakeTimeInMinutes?: number };
  canaryConfiguration?: { canaryPercent?: number; canaryBakeTimeInMinutes?: number };
  lifecycleHooks?: unknown[];
  productionPort?: number;
  testPort?: number;
  /** Real ms to wait for the initial tasks to be healthy (default 60000). */
  timeoutMs?: number;
}

export interface StackResult {
  productionUrl: string;
  testUrl: string;
  clusterArn: string;
  serviceArn: string;
  taskDefinition: string;
  targetGroups: { blue: { arn: string; name: string }; green: { arn: string; name: string } };
  listeners: { production: string; test: string };
  codedeployApplication?: string;
  deploymentGroup?: string;
}

export interface ControlContext {
  calls(): CallRecord[];
  clearCalls(): void;
  faults(): FaultSet;
  setFaults(faults: FaultSet): void;
  state(): unknown;
  reset(): Promise<void>;
  build(body: unknown): Promise<unknown>;
  stack(body: StackRequest): Promise<StackResult>;
  /** Adds secret values, by Secrets Manager ARN or SSM parameter ARN or name. */
  putSecrets?(values: Record<string, string>): void;
}

export function validateFaults(body: unknown): FaultSet {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new ControlError(400, 'The fault body must be a JSON object (FaultSet); {} clears all faults.');
  const faults = body as FaultSet;
  for (const key of Object.keys(faults)) {
    if (!KNOWN_FAULTS.includes(key)) {
      throw new ControlError(400, `Unknown fault '${key}'; known: ${KNOWN_FAULTS.join(', ')}.`);
    }
  }
  for (const [fn, answer] of Object.entries(faults.lambdaHooks ?? {})) {
    if (!['SUCCEEDED', 'FAILED', 'IN_PROGRESS'].includes(answer))
      throw new ControlError(400, `lambdaHooks.${fn} must be SUCCEEDED, FAILED or IN_PROGRESS.`);
  }
  for (const [op, code] of Object.entries(faults.errors ?? {})) {
    if (typeof code !== 'string' || !isKnownError(code)) {
      throw new ControlError(
        400,
        `errors.${op} must name an AWS error of ECR, ECS, CodeDeploy, CloudWatch Logs or STS (or a common one such as AccessDeniedException); got ${JSON.stringify(code)}.`,
      );
    }
  }
  if (faults.skipHooklessLifecycleEvents !== undefined && typeof faults.skipHooklessLifecycleEvents !== 'boolean') {
    throw new ControlError(400, 'skipHooklessLifecycleEvents must be true or false.');
  }
  for (const [op, fraction] of Object.entries(faults.throttle ?? {})) {
    if (typeof fraction !== 'number' || fraction < 0 || fraction > 1)
      throw new ControlError(400, `throttle.${op} must be a fraction from 0 to 1.`);
  }
  for (const [op, ms] of Object.entries(faults.latencyMs ?? {})) {
    if (typeof ms !== 'number' || ms < 0)
      throw new ControlError(400, `latencyMs.${op} must be a number of milliseconds.`);
  }
  if (faults.failHook && typeof faults.failHook.functionName !== 'string') {
    throw new ControlError(400, 'failHook.functionName must name the Lambda function of an AppSpec hook.');
  }
  if (faults.crashNewTasks && typeof faults.crashNewTasks.afterMs !== 'number') {
    throw new ControlError(400, 'crashNewTasks.afterMs must be a number of AWS milliseconds.');
  }
  return faults;
}

export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req, 512 * 1024 * 1024);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ControlError(400, 'The request body is not valid JSON.');
  }
}

export function createControlHandler(ctx: ControlContext) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const route = `${req.method ?? 'GET'} ${url.pathname.replace(/\/+$/, '')}`;
    try {
      switch (route) {
        case 'GET /_sandbox/calls': {
          const all = ctx.calls();
          const since = Number(url.searchParams.get('since') ?? '0');
          send(res, 200, Number.isInteger(since) && since > 0 ? all.slice(since) : all);
          return;
        }
        case 'DELETE /_sandbox/calls':
          ctx.clearCalls();
          send(res, 200, {});
          return;
        case 'GET /_sandbox/faults':
          send(res, 200, ctx.faults());
          return;
        case 'POST /_sandbox/faults':
          ctx.setFaults(validateFaults(await jsonBody(req)));
          send(res, 200, ctx.faults());
          return;
        case 'GET /_sandbox/state':
          send(res, 200, ctx.state());
          return;
        case 'POST /_sandbox/reset':
          await ctx.reset();
          send(res, 200, {});
          return;
        case 'POST /_sandbox/build':
          send(res, 200, await ctx.build(await jsonBody(req)));
          return;
        case 'POST /_sandbox/stack':
          send(res, 200, await ctx.stack(validateStack(await jsonBody(req))));
          return;
        case 'POST /_sandbox/secrets': {
          const body = await jsonBody(req);
          const entries = body && typeof body === 'object' && !Array.isArray(body) ? Object.entries(body) : [];
          if (entries.length === 0 || entries.some(([, value]) => typeof value !== 'string')) {
            throw new ControlError(
              400,
              'The secrets body must be a JSON object of string values by ARN, e.g. {"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf": "{\\"password\\":\\"...\\"}"}.',
            );
          }
          ctx.putSecrets?.(Object.fromEntries(entries) as Record<string, string>);
          // Only the names come back: a value never leaves the store.
          send(res, 200, { stored: entries.map(([key]) => key) });
          return;
        }
        case 'GET /_sandbox/health':
          send(res, 200, { ok: true });
          return;
        default:
          send(res, 404, { message: `No control route ${route}; see sandbox/README.md` });
      }
    } catch (error) {
      if (error instanceof AwsError) send(res, error.status, { __type: error.code, message: error.message });
      else if (error instanceof ControlError) send(res, error.status, { message: error.message });
      else send(res, 500, { message: error instanceof Error ? error.message : String(error) });
    }
  };
}

export function validateStack(body: unknown): StackRequest {
  if (!body || typeof body !== 'object') throw new ControlError(400, 'The stack body must be a JSON object.');
  const b = body as Record<string, unknown>;
  const need = (key: string, type: 'string' | 'number') => {
    if (typeof b[key] !== type) throw new ControlError(400, `Stack field '${key}' must be a ${type}.`);
  };
  need('cluster', 'string');
  need('service', 'string');
  need('taskDefinition', 'string');
  need('containerName', 'string');
  need('containerPort', 'number');
  need('desiredCount', 'number');
  if (b.controller !== 'CODE_DEPLOY' && b.controller !== 'ECS')
    throw new ControlError(400, "Stack field 'controller' must be CODE_DEPLOY or ECS.");
  if (
    b.controller === 'ECS' &&
    b.strategy !== undefined &&
    !['ROLLING', 'BLUE_GREEN', 'LINEAR', 'CANARY'].includes(String(b.strategy))
  ) {
    throw new ControlError(400, "Stack field 'strategy' must be ROLLING, BLUE_GREEN, LINEAR or CANARY.");
  }
  if (b.controller === 'CODE_DEPLOY') {
    need('codedeployApplication', 'string');
    need('deploymentGroup', 'string');
  }
  if (b.readyWait !== undefined && b.readyWait !== 'CONTINUE' && b.readyWait !== 'STOP') {
    throw new ControlError(400, "Stack field 'readyWait' must be CONTINUE or STOP.");
  }
  return b as unknown as StackRequest;
}

/** Calls a handler as the sandbox itself (not logged in the call list, no faults). */
export async function callInternal(
  handlers: Record<string, (input: Record<string, unknown>, ctx: CallContext) => unknown>,
  service: ServiceName,
  operation: string,
  input: Record<string, unknown>,
  account: string,
  region: string,
): Promise<Record<string, unknown>> {
  const handler = handlers[operation];
  if (!handler) throw new Error(`${service} has no operation ${operation}`);
  return (await handler(input, { service, operation, requestId: newRequestId(), account, region })) as Record<
    string,
    unknown
  >;
}
