/**
 * Checks JSON values against AWS's own API models (testing/aws-models/<service>.json, botocore's
 * service-2 models without documentation, refreshed by scripts/aws-models.mjs), so the sandbox and
 * the test fakes hold every request and answer to what AWS publishes rather than to our reading.
 *
 * The rules are the model's constraint traits:
 * - structure: required members present, no member the shape lacks;
 * - types as the wire carries them: JSON 1.1 writes timestamps as epoch seconds and blobs as base64
 *   text (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html#shape-serialization); the
 *   query protocol (STS) writes every scalar as text; `sdk` accepts what an SDK v3 command is handed
 *   before serialising (Date, Uint8Array), and in every form an undefined or null member is absent,
 *   as the SDK leaves it out;
 * - enum values, `min`/`max` as a length (strings in code points, lists, maps) or as a range
 *   (numbers), and `pattern`.
 *
 * Patterns are written for Java. They are not anchored (https://smithy.io/2.0/spec/constraint-traits.html#pattern-trait),
 * and most compile unchanged as JS Unicode regexes; one JS cannot express is skipped, never
 * guessed, and counted in `skippedPatterns()`.
 */
import { readFileSync } from 'node:fs';

export type ModelService = 'ecs' | 'codedeploy' | 'ecr' | 'sts' | 'elbv2' | 'logs';

interface ShapeRef {
  shape: string;
}

export interface Shape {
  type: string;
  members?: Record<string, ShapeRef>;
  required?: string[];
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  document?: boolean;
}

export interface AwsModel {
  service: ModelService;
  source: { botocore: string; file: string };
  metadata: { protocol: string; targetPrefix?: string; serviceId: string };
  operations: Record<string, { input?: ShapeRef; output?: ShapeRef; errors?: ShapeRef[] }>;
  shapes: Record<string, Shape>;
}

export type ViolationKind = 'required' | 'unknown' | 'type' | 'enum' | 'length' | 'range' | 'pattern';

export interface Violation {
  /** Where, as a reader would write it: `containerDefinitions[0].environment[1].value`. */
  path: string;
  kind: ViolationKind;
  problem: string;
}

/** How the value is written: parsed from JSON 1.1, from a query-protocol body, or as handed to an SDK command. */
export type WireForm = 'json' | 'query' | 'sdk';

const models = new Map<ModelService, AwsModel>();

export function loadModel(service: ModelService): AwsModel {
  let model = models.get(service);
  if (!model) {
    const text = readFileSync(new URL(`./aws-models/${service}.json`, import.meta.url), 'utf8');
    model = { ...(JSON.parse(text) as Omit<AwsModel, 'service'>), service };
    models.set(service, model);
  }
  return model;
}

/** `path: problem`, the form every message uses. */
export function describeViolation(violation: Violation): string {
  return `${violation.path || '(top level)'}: ${violation.problem}`;
}

/**
 * The violations of an operation's input or output. An operation the model does not have gives
 * none: the caller answers it (UnknownOperationException) as AWS does.
 */
export function validateOperation(
  model: AwsModel,
  operation: string,
  direction: 'input' | 'output',
  value: unknown,
  form: WireForm = 'json',
): Violation[] {
  const op = Object.prototype.hasOwnProperty.call(model.operations, operation)
    ? model.operations[operation]
    : undefined;
  if (!op) return [];
  const ref = op[direction];
  // No shape: the operation takes or answers nothing, so any member is unknown.
  if (!ref) return validateValue(model, { type: 'structure', members: {} }, value ?? {}, form);
  return validateShape(model, ref.shape, value, form);
}

export function validateShape(
  model: AwsModel,
  shapeName: string,
  value: unknown,
  form: WireForm = 'json',
): Violation[] {
  return validateValue(model, shapeOf(model, shapeName), value, form);
}

function shapeOf(model: AwsModel, name: string): Shape {
  const shape = model.shapes[name];
  if (!shape) throw new Error(`The ${model.service} model has no shape ${name}`);
  return shape;
}

function validateValue(model: AwsModel, shape: Shape, value: unknown, form: WireForm): Violation[] {
  const out: Violation[] = [];
  walk(model, shape, value, [], form, out);
  return out;
}

/** Where the walk is, as member names and list indexes; turned into text only for a violation. */
type Path = (string | number)[];

function report(out: Violation[], at: Path, kind: ViolationKind, problem: string): void {
  out.push({ path: pathText(at), kind, problem });
}

function walk(model: AwsModel, shape: Shape, value: unknown, at: Path, form: WireForm, out: Violation[]): void {
  switch (shape.type) {
    case 'structure': {
      if (shape.document) return;
      if (!isPlainObject(value)) return report(out, at, 'type', `expected a structure, got ${kindOf(value)}`);
      const members = shape.members ?? {};
      for (const name of shape.required ?? []) {
        if (value[name] === undefined || value[name] === null) {
          report(out, [...at, name], 'required', 'required member is missing');
        }
      }
      for (const name in value) {
        const item = value[name];
        if (item === undefined || item === null) continue;
        const ref = Object.prototype.hasOwnProperty.call(members, name) ? members[name] : undefined;
        at.push(name);
        if (!ref) report(out, at, 'unknown', 'member not in the model');
        else walk(model, shapeOf(model, ref.shape), item, at, form, out);
        at.pop();
      }
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) return report(out, at, 'type', `expected a list, got ${kindOf(value)}`);
      checkLength(shape, value.length, 'items', out, at);
      const itemShape = shapeOf(model, shape.member!.shape);
      for (let i = 0; i < value.length; i++) {
        at.push(i);
        const item: unknown = value[i];
        if (item === null || item === undefined) report(out, at, 'type', 'null in a list');
        else walk(model, itemShape, item, at, form, out);
        at.pop();
      }
      return;
    }
    case 'map': {
      if (!isPlainObject(value)) return report(out, at, 'type', `expected a map, got ${kindOf(value)}`);
      const entries = Object.entries(value).filter(([, v]) => v !== undefined);
      checkLength(shape, entries.length, 'entries', out, at);
      const keyShape = shapeOf(model, shape.key!.shape);
      const valueShape = shapeOf(model, shape.value!.shape);
      for (const [key, item] of entries) {
        at.push(key);
        const keyViolations: Violation[] = [];
        walk(model, keyShape, key, at, form, keyViolations);
        for (const v of keyViolations) out.push({ ...v, problem: `map key: ${v.problem}` });
        if (item === null) report(out, at, 'type', 'null map value');
        else walk(model, valueShape, item, at, form, out);
        at.pop();
      }
      return;
    }
    case 'string': {
      if (typeof value !== 'string') return report(out, at, 'type', `expected a string, got ${kindOf(value)}`);
      if (shape.enum && !shape.enum.includes(value)) {
        return report(out, at, 'enum', `${JSON.stringify(value)} is not one of ${shape.enum.join(', ')}`);
      }
      if (shape.min !== undefined || shape.max !== undefined)
        checkLength(shape, codePoints(value), 'characters', out, at);
      if (shape.pattern !== undefined) {
        const regex = compilePattern(shape.pattern);
        if (regex && !regex.test(value)) {
          report(out, at, 'pattern', `${JSON.stringify(truncate(value))} does not match the pattern ${shape.pattern}`);
        }
      }
      return;
    }
    case 'integer':
    case 'long': {
      const n = numberIn(value, form);
      if (n === undefined || !Number.isInteger(n)) {
        return report(out, at, 'type', `expected an integer, got ${kindOf(value)}`);
      }
      return checkRange(shape, n, out, at);
    }
    case 'double':
    case 'float': {
      const n = numberIn(value, form);
      if (n === undefined) return report(out, at, 'type', `expected a number, got ${kindOf(value)}`);
      return checkRange(shape, n, out, at);
    }
    case 'boolean': {
      const ok = typeof value === 'boolean' || (form === 'query' && (value === 'true' || value === 'false'));
      if (!ok) report(out, at, 'type', `expected a boolean, got ${kindOf(value)}`);
      return;
    }
    case 'timestamp': {
      const ok =
        (form !== 'query' && typeof value === 'number' && Number.isFinite(value)) ||
        (form === 'sdk' && value instanceof Date && !Number.isNaN(value.getTime())) ||
        (form === 'query' && typeof value === 'string' && !Number.isNaN(Date.parse(value)));
      if (!ok) {
        const expected = form === 'query' ? 'an ISO 8601 time' : 'epoch seconds (a number)';
        report(out, at, 'type', `expected a timestamp as ${expected}, got ${kindOf(value)}`);
      }
      return;
    }
    case 'blob': {
      const ok = typeof value === 'string' || (form === 'sdk' && value instanceof Uint8Array);
      if (!ok) report(out, at, 'type', `expected a blob (base64 text), got ${kindOf(value)}`);
      return;
    }
    default:
      // A type these models do not use (union, document outside a structure): nothing to hold it to.
      return;
  }
}

function checkLength(shape: Shape, length: number, unit: string, out: Violation[], at: Path): void {
  if (shape.min !== undefined && length < shape.min)
    report(out, at, 'length', `${length} ${unit}, the minimum is ${shape.min}`);
  if (shape.max !== undefined && length > shape.max)
    report(out, at, 'length', `${length} ${unit}, the maximum is ${shape.max}`);
}

function checkRange(shape: Shape, n: number, out: Violation[], at: Path): void {
  if (shape.min !== undefined && n < shape.min) report(out, at, 'range', `${n} is below the minimum ${shape.min}`);
  if (shape.max !== undefined && n > shape.max) report(out, at, 'range', `${n} is above the maximum ${shape.max}`);
}

function numberIn(value: unknown, form: WireForm): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (form === 'query' && typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

const compiled = new Map<string, RegExp | null>();
const skipped = new Set<string>();

/**
 * A Java pattern as a JS regex, or null when JS cannot express it. Java-only syntax (possessive
 * quantifiers, \A \Z \z, inline flags, class intersection) is skipped; otherwise a Unicode regex is
 * tried first (for \p{L} and the like) and a plain one second (Java accepts escapes such as \:
 * that a Unicode regex rejects).
 */
export function compilePattern(pattern: string): RegExp | null {
  const cached = compiled.get(pattern);
  if (cached !== undefined) return cached;
  let regex: RegExp | null = null;
  if (!/\\[AZz]|[*+?}]\+|\(\?[a-zA-Z]|&&/.test(pattern)) {
    regex = tryRegExp(pattern, 'u') ?? (/\\p\{/i.test(pattern) ? null : tryRegExp(pattern, ''));
  }
  if (!regex) skipped.add(pattern);
  compiled.set(pattern, regex);
  return regex;
}

function tryRegExp(pattern: string, flags: string): RegExp | null {
  try {
    return new RegExp(pattern, flags);
  } catch {
    return null;
  }
}

/** Patterns met so far that JS cannot express, so were not checked. */
export function skippedPatterns(): string[] {
  return [...skipped];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a Date';
  if (typeof value === 'object') return 'a structure';
  if (typeof value === 'string') return `the string ${JSON.stringify(truncate(value))}`;
  return `the ${typeof value} ${String(value)}`;
}

/** `containerDefinitions[0].environment[1].value`; a name that is not an identifier in brackets. */
function pathText(at: Path): string {
  let text = '';
  for (const part of at) {
    if (typeof part === 'number') text += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) text += text ? `.${part}` : part;
    else text += `[${JSON.stringify(part)}]`;
  }
  return text;
}

function codePoints(text: string): number {
  // Fast path: no surrogate pairs, so UTF-16 units are code points.
  return /[\uD800-\uDFFF]/.test(text) ? [...text].length : text.length;
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
