/**
 * AWS wire protocols the sandbox speaks: JSON 1.1 (ECR, ECS, CodeDeploy; dispatched on
 * X-Amz-Target) and the query protocol for STS and ELBv2 (form body, XML answer; the Version
 * parameter names the service).
 *
 * Error shape: status, `{"__type": code, "message": ...}`, the `x-amzn-errortype` header and a
 * request id, which is what SDK v3 reads to raise the exception class named `code`.
 * https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html#operation-error-serialization
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError, type ServiceName } from './contracts.js';

/** X-Amz-Target prefixes, as the SDK clients send them. */
export const TARGET_PREFIXES: Record<string, ServiceName> = {
  AmazonEC2ContainerRegistry_V20150921: 'ecr',
  AmazonEC2ContainerServiceV20141113: 'ecs',
  CodeDeploy_20141006: 'codedeploy',
  Logs_20140328: 'logs',
};

export interface ParsedTarget {
  service: ServiceName;
  operation: string;
}

export function parseTarget(target: string | undefined): ParsedTarget | undefined {
  if (!target) return undefined;
  const dot = target.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const service = TARGET_PREFIXES[target.slice(0, dot)];
  if (!service) return undefined;
  return { service, operation: target.slice(dot + 1) };
}

/** Region and account hints from a SigV4 Authorization header's credential scope. */
export function credentialScope(authorization: string | undefined): { accessKeyId?: string; region?: string } {
  const match = /Credential=([^/,\s]+)\/\d{8}\/([a-z0-9-]+)\//.exec(authorization ?? '');
  if (!match) return {};
  return { accessKeyId: match[1], region: match[2] };
}

export function newRequestId(): string {
  return randomUUID();
}

export async function readBody(req: IncomingMessage, limitBytes = 64 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new AwsError('SerializationException', 'Request body too large', 413);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON 1.1 request body; an empty body is `{}` as the SDK may send for no input. */
export function parseJsonInput(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new AwsError('SerializationException', 'Start of structure or map found where not expected.');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new AwsError('SerializationException', 'Start of structure or map found where not expected.');
  }
  return value as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  sendJsonText(res, status, jsonText(body), requestId);
}

/** A handler's output as the JSON 1.1 body AWS would write. */
export function jsonText(body: unknown): string {
  return JSON.stringify(body ?? {}, jsonReplacer);
}

export function sendJsonText(res: ServerResponse, status: number, text: string, requestId: string): void {
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  res.end(text);
}

/**
 * JSON 1.1 timestamps are epoch seconds (a number with fractions), so Dates in handler output
 * are written that way.
 * https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html#shape-serialization
 */
function jsonReplacer(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Date) return raw.getTime() / 1000;
  return value;
}

export function sendJsonError(res: ServerResponse, error: AwsError, requestId: string): void {
  const text = JSON.stringify({ __type: error.code, message: error.message });
  res.writeHead(error.status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': `${error.code}:http://internal.amazon.com/coral/com.amazonaws.sandbox/`,
  });
  res.end(text);
}

/** AWS's answer to an X-Amz-Target it does not know. */
export function unknownOperation(): AwsError {
  return new AwsError('UnknownOperationException', 'The operation is not supported by this service.');
}

/** AWS's answer to a bug on its side: 500 InternalFailure. */
export function internalFailure(): AwsError {
  return new AwsError(
    'InternalFailure',
    'The request processing has failed because of an unknown error, exception or failure.',
    500,
  );
}

// ---------------------------------------------------------------------------------------------
// Query protocol (STS, ELBv2)

/**
 * Query-protocol services by the API version every request names (the models' `apiVersion`);
 * a request without one is STS's, as before ELBv2 was served.
 */
export const QUERY_VERSIONS: Record<string, { service: ServiceName; namespace: string }> = {
  '2011-06-15': { service: 'sts', namespace: 'https://sts.amazonaws.com/doc/2011-06-15/' },
  '2015-12-01': { service: 'elbv2', namespace: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/' },
};

/**
 * A query-protocol body as the input structure: `Names.member.1=a` is `{ Names: ["a"] }`,
 * `Attributes.member.1.Key=k` is `{ Attributes: [{ Key: "k" }] }`; Action and Version name the call.
 * https://smithy.io/2.0/aws/protocols/aws-query-protocol.html#query-key-resolution
 */
export function queryInput(params: Record<string, string>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (key === 'Action' || key === 'Version') continue;
    const parts = key.split('.');
    // `member.N` is the N-th item (from 1) of the list named before it.
    const path: (string | number)[] = [];
    for (let i = 0; i < parts.length; i++) {
      if (parts[i] === 'member' && /^\d+$/.test(parts[i + 1] ?? '')) path.push(Number(parts[++i]) - 1);
      else path.push(parts[i]!);
    }
    let node = input as Record<string | number, unknown>;
    for (let i = 0; i < path.length - 1; i++) {
      node = (node[path[i]!] ??= typeof path[i + 1] === 'number' ? [] : {}) as Record<string | number, unknown>;
    }
    node[path[path.length - 1]!] = value;
  }
  return input;
}

/** A value as query-protocol XML: lists as `<member>` elements, timestamps in ISO 8601. */
function queryXml(value: unknown): string {
  if (Array.isArray(value)) return value.map((item) => `<member>${queryXml(item)}</member>`).join('');
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `<${k}>${queryXml(v)}</${k}>`)
      .join('');
  }
  return xmlEscape(String(value));
}

export function parseForm(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(body)) out[key] = value;
  return out;
}

export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `<Action>Response><Action>Result>...` with ResponseMetadata, as the query protocol answers. */
export function sendQueryResult(
  res: ServerResponse,
  action: string,
  namespace: string,
  fields: Record<string, unknown>,
  requestId: string,
): void {
  const inner = queryXml(fields);
  const text =
    `<${action}Response xmlns="${namespace}"><${action}Result>${inner}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
  res.writeHead(200, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  res.end(text);
}

/**
 * Query protocol error document.
 * https://smithy.io/2.0/aws/protocols/aws-query-protocol.html#operation-error-serialization
 */
export function sendQueryError(res: ServerResponse, error: AwsError, requestId: string): void {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  const text =
    `<ErrorResponse><Error><Type>${type}</Type><Code>${xmlEscape(error.code)}</Code>` +
    `<Message>${xmlEscape(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  res.writeHead(error.status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  res.end(text);
}

// ---------------------------------------------------------------------------------------------
// Small input helpers shared by the service handlers

export function str(input: Record<string, unknown>, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsError('SerializationException', `${key} must be a string`);
  return value;
}

export function requireStr(input: Record<string, unknown>, key: string, code = 'InvalidParameterException'): string {
  const value = str(input, key);
  if (value === undefined || value === '') throw new AwsError(code, `${key} can not be blank.`);
  return value;
}

export function num(input: Record<string, unknown>, key: string): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new AwsError('SerializationException', `${key} must be a number`);
  return value;
}

export function bool(input: Record<string, unknown>, key: string): boolean | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new AwsError('SerializationException', `${key} must be a boolean`);
  return value;
}

export function strList(input: Record<string, unknown>, key: string): string[] | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new AwsError('SerializationException', `${key} must be a list of strings`);
  }
  return value as string[];
}

export function obj(input: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw new AwsError('SerializationException', `${key} must be a structure`);
  return value as Record<string, unknown>;
}

export function list(input: Record<string, unknown>, key: string): Record<string, unknown>[] | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new AwsError('SerializationException', `${key} must be a list`);
  return value as Record<string, unknown>[];
}

/** Opaque pagination: the token is the next offset, base64 encoded. */
export function paginate<T>(
  items: T[],
  nextToken: string | undefined,
  maxResults: number | undefined,
  defaultMax = 100,
) {
  let start = 0;
  if (nextToken) {
    const decoded = Number(Buffer.from(nextToken, 'base64').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0) throw new AwsError('InvalidParameterException', 'Invalid nextToken');
    start = decoded;
  }
  const size = maxResults && maxResults > 0 ? maxResults : defaultMax;
  const page = items.slice(start, start + size);
  const next = start + size < items.length ? Buffer.from(String(start + size)).toString('base64') : undefined;
  return { page, nextToken: next };
}
