/**
 * What a response must be: the expected status and JSON fields, how one response measures up
 * against them, and how that is shown (the checks table, the body excerpt of a failure).
 */
import { headerValue, type HttpResponse } from './client.js';
import { redactSecrets, shownValue } from './redact.js';

export interface Expectations {
  expectStatus: number;
  /** Dotted JSON paths and the exact string each must equal. */
  expectJson: Map<string, string>;
}

/** What one request came to: a response (and whether it met the expectations) or an error. */
export interface Outcome {
  response?: HttpResponse;
  error?: string;
  problems: string[];
  latencyMs: number;
  host?: string;
}

/** One row of the checks table (job summaries). */
export interface CheckRow {
  check: string;
  expected: string;
  observed: string;
  passed: boolean;
}

export const BODY_EXCERPT_CHARS = 500;

/** Status, JSON fields and the task's hostname of one response. */
export function evaluate(spec: Expectations, response: HttpResponse): { problems: string[]; host?: string } {
  const problems: string[] = [];
  if (response.status !== spec.expectStatus) {
    const location = headerValue(response.headers.location);
    if (response.status >= 300 && response.status < 400 && location) {
      problems.push(
        `status: expected ${spec.expectStatus}, got a redirect (${response.status}) to ${resolveLocation(location, response.url)}, not followed` +
          ' (set follow-redirects: true to follow it, or point the URL at the final address)',
      );
    } else {
      problems.push(`status: expected ${spec.expectStatus}, got ${response.status}`);
    }
  }
  let json: unknown;
  let isJson = false;
  try {
    json = JSON.parse(response.body);
    isJson = true;
  } catch {
    // Not JSON: only a problem when fields are expected.
  }
  if (spec.expectJson.size > 0) {
    if (!isJson) {
      const type = headerValue(response.headers['content-type']) ?? 'no content-type';
      const fields = [...spec.expectJson.keys()].join(', ');
      problems.push(
        `body: expected JSON with ${fields}, got a body that is not JSON (${type}, ${response.body.length} characters)`,
      );
    } else {
      for (const [field, expected] of spec.expectJson) {
        const actual = fieldText(json, field);
        if (actual === undefined)
          problems.push(`${field}: expected ${JSON.stringify(expected)}, but the field is missing`);
        else if (actual !== expected)
          problems.push(`${field}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(shownValue(actual))}`);
      }
    }
  }
  const host = isJson ? fieldText(json, 'hostname') : undefined;
  return { problems, host };
}

/** The value at a dotted path, as text (strings as they are, other values as JSON). */
export function fieldText(json: unknown, dottedPath: string): string | undefined {
  let value: unknown = json;
  for (const key of dottedPath.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key))
      return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function describeExpectations(spec: Expectations): string {
  return [
    `status ${spec.expectStatus}`,
    ...[...spec.expectJson].map(([field, value]) => `${field} = ${JSON.stringify(value)}`),
  ].join(', ');
}

export function responseExcerpt(response: HttpResponse | undefined): string[] {
  if (!response) return [];
  // Redact before cutting, so a secret that straddles the cut is still recognised whole.
  const redacted = redactSecrets(response.body);
  const body = redacted.length > BODY_EXCERPT_CHARS ? `${redacted.slice(0, BODY_EXCERPT_CHARS)}…` : redacted;
  return [
    `Response: status ${response.status}${response.url ? ` from ${response.url}` : ''}; body (first ${BODY_EXCERPT_CHARS} characters, secrets redacted): ${body || '(empty)'}`,
  ];
}

/** Table rows: each expectation, with what phase 1's last answer and phase 2's requests showed. */
export function expectationRows(spec: Expectations, first: Outcome, outcomes: Outcome[]): CheckRow[] {
  const all = [first, ...outcomes];
  const rows: CheckRow[] = [];
  const statuses = distinct(all.map((o) => (o.response ? String(o.response.status) : (o.error ?? 'no response'))));
  rows.push({
    check: 'status',
    expected: String(spec.expectStatus),
    observed: statuses.join(', '),
    passed: statuses.length === 1 && statuses[0] === String(spec.expectStatus),
  });
  for (const [field, expected] of spec.expectJson) {
    const seen = distinct(all.filter((o) => o.response).map((o) => fieldOf(o.response!, field) ?? '(missing)'));
    rows.push({
      check: field,
      expected,
      observed: seen.length ? seen.map((value) => shownValue(value)).join(', ') : 'no response',
      passed: seen.length === 1 && seen[0] === expected,
    });
  }
  return rows;
}

function fieldOf(response: HttpResponse, field: string): string | undefined {
  try {
    return fieldText(JSON.parse(response.body), field);
  } catch {
    return '(not JSON)';
  }
}

function distinct(values: string[]): string[] {
  return [...new Set(values)];
}

/** A Location header made absolute; left as sent when it is not a valid URL reference. */
function resolveLocation(location: string, base: string): string {
  try {
    return new URL(location, base).toString();
  } catch {
    return location;
  }
}
