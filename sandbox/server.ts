/**
 * The sandbox's one HTTP port: AWS JSON 1.1 (ECR, ECS, CodeDeploy) dispatched on X-Amz-Target,
 * STS and ELBv2 over the query protocol, and the control API under /_sandbox/. Every AWS call is logged;
 * faults (throttling, latency) are applied here, before the handler runs, for every service alike,
 * and every request and answer is held to AWS's API model (model-check.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AwsError,
  type CallContext,
  type CallRecord,
  type FaultSet,
  type ServiceHandlers,
  type ServiceName,
} from './contracts.js';
import { describeViolation } from '../testing/aws-model.js';
import { answerViolations, brokenAnswer, refusal, requestViolations, type ModelViolation } from './model-check.js';
import {
  credentialScope,
  internalFailure,
  jsonText,
  newRequestId,
  parseForm,
  parseJsonInput,
  parseTarget,
  QUERY_VERSIONS,
  queryInput,
  readBody,
  sendJsonError,
  sendJsonText,
  sendQueryError,
  sendQueryResult,
  unknownOperation,
} from './protocol.js';
import { namedError } from './named-errors.js';
import type { Elbv2Service } from './services/elbv2.js';
import type { StsService } from './services/sts.js';

export interface ApiServerDeps {
  account: string;
  region: string;
  /** Looked up per request, so a reset can swap services. */
  handlers(service: ServiceName): ServiceHandlers | undefined;
  sts: StsService;
  /** ELBv2 of a region (the request's credential scope's); absent: ELBv2 calls answer InvalidAction. */
  elbv2?(region: string): Elbv2Service;
  faults(): FaultSet;
  /** Handles /_sandbox/... requests. */
  control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  log(message: string): void;
  /** Written whatever the verbosity: a sandbox answer that breaks the AWS model. Default: stderr. */
  warn?(message: string): void;
}

export class ApiServer {
  readonly calls: CallRecord[] = [];
  /** Requests and answers that broke AWS's API model, oldest first. */
  readonly modelViolations: ModelViolation[] = [];
  private server?: Server;
  /** Calls seen per operation since the fault set changed, for deterministic throttling. */
  private readonly throttleCounters = new Map<string, number>();

  constructor(private readonly deps: ApiServerDeps) {}

  async listen(port = 0): Promise<number> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.deps.log(`sandbox: unexpected error answering ${req.method} ${req.url}: ${String(error)}`);
        if (!res.headersSent) sendJsonError(res, internalFailure(), newRequestId());
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 5000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  faultsChanged(): void {
    this.throttleCounters.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    if (url.pathname.startsWith('/_sandbox/') || url.pathname === '/_sandbox') {
      await this.deps.control(req, res, url);
      return;
    }
    const requestId = newRequestId();
    const started = Date.now();
    const target = req.headers['x-amz-target'];
    const targetText = Array.isArray(target) ? target[0] : target;
    const body = await readBody(req);

    if (req.method === 'POST' && !targetText && /(^|&)Action=/.test(body)) {
      await this.handleQuery(res, body, req.headers.authorization, requestId, started);
      return;
    }

    const parsed = parseTarget(targetText);
    const service: ServiceName = parsed?.service ?? 'ecs';
    const operation = parsed?.operation ?? (targetText || 'Unknown');
    const record = (errorCode?: string) =>
      this.calls.push({
        service,
        operation,
        time: new Date(started).toISOString(),
        ...(errorCode ? { errorCode } : {}),
        durationMs: Date.now() - started,
      });

    try {
      if (req.method !== 'POST' || !parsed) throw unknownOperation();
      const handler = this.deps.handlers(service)?.[operation];
      if (!handler || !Object.prototype.hasOwnProperty.call(this.deps.handlers(service), operation))
        throw unknownOperation();
      await this.applyFaults(operation, service);
      const input = parseJsonInput(body);
      this.checkRequest(service, operation, input);
      const scope = credentialScope(req.headers.authorization);
      const ctx: CallContext = {
        service,
        operation,
        requestId,
        account: this.deps.account,
        region: scope.region ?? this.deps.region,
      };
      const text = jsonText(await handler(input, ctx));
      // What the client will read, so Dates are checked as the epoch seconds they become.
      this.checkAnswer(service, operation, JSON.parse(text));
      record();
      sendJsonText(res, 200, text, requestId);
    } catch (error) {
      const awsError = this.asAwsError(error, service, operation);
      record(awsError.code);
      sendJsonError(res, awsError, requestId);
    }
  }

  private async handleQuery(
    res: ServerResponse,
    body: string,
    authorization: string | undefined,
    requestId: string,
    started: number,
  ): Promise<void> {
    const params = parseForm(body);
    const action = params.Action ?? '';
    const { service, namespace } = QUERY_VERSIONS[params.Version ?? ''] ?? QUERY_VERSIONS['2011-06-15']!;
    const record = (errorCode?: string) =>
      this.calls.push({
        service,
        operation: action,
        time: new Date(started).toISOString(),
        ...(errorCode ? { errorCode } : {}),
        durationMs: Date.now() - started,
      });
    try {
      await this.applyFaults(action, service);
      const input = queryInput(params);
      this.checkRequest(service, action, input);
      const scope = credentialScope(authorization);
      const elbv2 = this.deps.elbv2?.(scope.region ?? this.deps.region);
      if (service === 'elbv2' && !elbv2) throw new AwsError('InvalidAction', `Could not find operation ${action}`);
      const fields =
        service === 'elbv2' ? elbv2!.handle(action, input) : this.deps.sts.handle(action, params, scope.accessKeyId);
      this.checkAnswer(service, action, fields);
      record();
      sendQueryResult(res, action, namespace, fields, requestId);
    } catch (error) {
      const awsError = this.asAwsError(error, service, action);
      record(awsError.code);
      sendQueryError(res, awsError, requestId);
    }
  }

  private checkRequest(service: ServiceName, operation: string, input: Record<string, unknown>): void {
    const violations = requestViolations(service, operation, input);
    if (violations.length === 0) return;
    const error = refusal(service, violations);
    this.modelViolations.push({
      service,
      operation,
      direction: 'request',
      violations: violations.map(describeViolation),
    });
    this.deps.log(`sandbox: ${service}.${operation}: ${error.message}`);
    throw error;
  }

  private checkAnswer(service: ServiceName, operation: string, output: unknown): void {
    const violations = answerViolations(service, operation, output);
    if (violations.length === 0) return;
    const error = brokenAnswer(service, operation, violations);
    this.modelViolations.push({
      service,
      operation,
      direction: 'answer',
      violations: violations.map(describeViolation),
    });
    (this.deps.warn ?? ((m: string) => process.stderr.write(`${m}\n`)))(`[sandbox] BUG: ${error.message}`);
    throw error;
  }

  private asAwsError(error: unknown, service: ServiceName, operation: string): AwsError {
    if (error instanceof AwsError) return error;
    // A bug in a handler: AWS's 500, the server keeps serving.
    this.deps.log(
      `sandbox: ${service}.${operation} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return internalFailure();
  }

  /**
   * Throttling is deterministic: with fraction f, the n-th call of an operation is throttled when
   * floor(n*f) grows, so exactly that share of calls fails and a retrying client always gets through
   * when f < 1. ECS, CodeDeploy and STS answer ThrottlingException with 400; ECR throttles with
   * HTTP 429 (Too Many Requests).
   * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/CommonErrors.html
   * https://docs.aws.amazon.com/botocore/latest/reference/services/codedeploy/client/exceptions/ThrottlingException.html
   * https://docs.aws.amazon.com/AmazonECR/latest/userguide/common-errors.html
   */
  private async applyFaults(operation: string, service: ServiceName): Promise<void> {
    const faults = this.deps.faults();
    const latency = faults.latencyMs?.[operation] ?? faults.latencyMs?.['*'];
    if (latency && latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    const fraction = faults.throttle?.[operation] ?? faults.throttle?.['*'];
    if (fraction && fraction > 0) {
      const n = this.throttleCounters.get(operation) ?? 0;
      this.throttleCounters.set(operation, n + 1);
      if (Math.floor((n + 1) * fraction) > Math.floor(n * fraction)) {
        // STS (query protocol) names it Throttling.
        if (service === 'sts') throw new AwsError('Throttling', 'Rate exceeded', 400);
        throw new AwsError('ThrottlingException', 'Rate exceeded', service === 'ecr' ? 429 : 400);
      }
    }
    const named = faults.errors?.[operation];
    if (named) throw namedError(service, named);
  }
}
