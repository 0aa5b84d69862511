/**
 * Compares recordings of real AWS answers (scripts/aws-record.ts, uploaded by the e2e-aws
 * workflow) with the sandbox's answers to the same calls after the same steps, and lists every
 * difference that is behaviour rather than identity: a member one side answers and the other
 * lacks, another default, another enum value (and whether AWS's API model lists it), another type
 * or another number of items. Ids, ARNs, digests, times and redacted values are ignored.
 *
 *   DEMO_RECORD_DIR=recordings/sandbox npm run demo
 *   tsx scripts/aws-compare.ts recordings/aws recordings/sandbox
 *
 * Each difference is a candidate sandbox fix and a row of the ledger in sandbox/README.md.
 * Exits 1 when there are differences, 0 when the answers match, 2 on bad arguments.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../testing/run-action.js';
import type { RecordedCall, Recording } from './aws-record.js';

export type DifferenceKind =
  | 'member only AWS answers'
  | 'member only the sandbox answers'
  | 'other value'
  | 'other enum value'
  | 'enum value missing from the API model'
  | 'other type'
  | 'other number of items'
  | 'call only AWS answered'
  | 'call only the sandbox answered'
  | 'other error';

export interface Difference {
  phase: string;
  service?: RecordedCall['service'];
  operation: string;
  /** Where in the answer, e.g. `services[].deploymentController.type` (list items as `[]`). */
  path: string;
  kind: DifferenceKind;
  aws?: unknown;
  sandbox?: unknown;
}

// ---------------------------------------------------------------------------------------------
// The API models, to tell enums and timestamps apart from free text

interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  member?: { shape: string };
  value?: { shape: string };
  enum?: string[];
}

interface Model {
  operations: Record<string, { output?: { shape: string } }>;
  shapes: Record<string, Shape>;
}

const MODEL_FILES: Record<RecordedCall['service'], string> = {
  ecs: 'ecs.json',
  codedeploy: 'codedeploy.json',
  ecr: 'ecr.json',
};
const models = new Map<string, Model>();

function model(service: RecordedCall['service']): Model | undefined {
  const file = join(repoRoot, 'testing', 'aws-models', MODEL_FILES[service]);
  if (!models.has(file) && existsSync(file)) models.set(file, JSON.parse(readFileSync(file, 'utf8')) as Model);
  return models.get(file);
}

function child(m: Model | undefined, shape: Shape | undefined, key: string | number): Shape | undefined {
  if (!m || !shape) return undefined;
  const ref =
    shape.type === 'structure'
      ? shape.members?.[key]
      : shape.type === 'list'
        ? shape.member
        : shape.type === 'map'
          ? shape.value
          : undefined;
  return ref ? m.shapes[ref.shape] : undefined;
}

// ---------------------------------------------------------------------------------------------
// What never compares: identity and time

const VOLATILE_VALUE = [
  /^arn:/, // ARNs (redacted or not)
  /<account>|<redacted>/,
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/, // times, as the recordings write them
  /^d-[A-Z0-9]{9}$/, // CodeDeploy deployment ids
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, // uuids
  /^[0-9a-f]{32}$/, // ECS task and deployment ids
  /sha256:[0-9a-f]{64}/, // image digests and images by digest
  /^ecs-svc\/\d+$/, // ECS primary deployment ids
];

/** Members that are identity or size of the moment, whatever their type. */
const VOLATILE_MEMBER =
  /^(id|.*Id|.*Arn|.*Arns|.*At|.*Date|.*Time|createdBy|updatedBy|registeredBy|imageSizeInBytes|revision|imageTags)$/;

function volatile(key: string, value: unknown, shape: Shape | undefined): boolean {
  if (VOLATILE_MEMBER.test(key) || shape?.type === 'timestamp') return true;
  return typeof value === 'string' && VOLATILE_VALUE.some((pattern) => pattern.test(value));
}

function typeOf(value: unknown): string {
  return Array.isArray(value) ? 'list' : value === null ? 'null' : typeof value;
}

// ---------------------------------------------------------------------------------------------
// The comparison

/** Differences between one AWS answer and the sandbox's answer to the same call. */
export function compareAnswers(
  aws: unknown,
  sandbox: unknown,
  where: { phase: string; operation: string; service?: RecordedCall['service'] },
): Difference[] {
  const differences: Difference[] = [];
  const m = where.service ? model(where.service) : undefined;
  const outputShape = m?.shapes[m.operations[where.operation]?.output?.shape ?? ''];
  const add = (path: string, kind: DifferenceKind, a?: unknown, s?: unknown) =>
    differences.push({
      ...where,
      path,
      kind,
      ...(a !== undefined ? { aws: a } : {}),
      ...(s !== undefined ? { sandbox: s } : {}),
    });

  const walk = (a: unknown, s: unknown, path: string, key: string, shape: Shape | undefined): void => {
    if (volatile(key, a, shape) || volatile(key, s, shape)) return;
    if (typeOf(a) !== typeOf(s)) {
      add(path, 'other type', a, s);
      return;
    }
    if (Array.isArray(a) && Array.isArray(s)) {
      if (a.length !== s.length) add(path, 'other number of items', a.length, s.length);
      for (let i = 0; i < Math.min(a.length, s.length); i++) walk(a[i], s[i], `${path}[]`, key, child(m, shape, i));
      return;
    }
    if (a && typeof a === 'object' && s && typeof s === 'object') {
      const ao = a as Record<string, unknown>;
      const so = s as Record<string, unknown>;
      for (const k of new Set([...Object.keys(ao), ...Object.keys(so)])) {
        const at = path ? `${path}.${k}` : k;
        const memberShape = child(m, shape, k);
        if (!(k in so)) {
          if (!volatile(k, ao[k], memberShape)) add(at, 'member only AWS answers', ao[k]);
        } else if (!(k in ao)) {
          if (!volatile(k, so[k], memberShape)) add(at, 'member only the sandbox answers', undefined, so[k]);
        } else walk(ao[k], so[k], at, k, memberShape);
      }
      return;
    }
    if (a === s) return;
    if (shape?.enum) {
      add(path, shape.enum.includes(String(a)) ? 'other enum value' : 'enum value missing from the API model', a, s);
    } else add(path, 'other value', a, s);
  };
  walk(aws, sandbox, '', '', outputShape);
  return differences;
}

/** Differences between two recordings of the same phase, call by call (matched by operation, in order). */
export function compareRecordings(aws: Recording, sandbox: Recording): Difference[] {
  const differences: Difference[] = [];
  const remaining = [...sandbox.calls];
  for (const call of aws.calls) {
    const index = remaining.findIndex((c) => c.operation === call.operation);
    const where = { phase: aws.phase, operation: call.operation, service: call.service };
    if (index < 0) {
      differences.push({ ...where, path: '', kind: 'call only AWS answered', aws: call.error?.name ?? 'answered' });
      continue;
    }
    const [other] = remaining.splice(index, 1);
    if (call.error || other!.error) {
      if (call.error?.name !== other!.error?.name) {
        differences.push({
          ...where,
          path: '',
          kind: 'other error',
          aws: call.error?.name ?? 'answered',
          sandbox: other!.error?.name ?? 'answered',
        });
      }
      continue;
    }
    differences.push(...compareAnswers(call.response, other!.response, where));
  }
  for (const call of remaining) {
    differences.push({
      phase: aws.phase,
      service: call.service,
      operation: call.operation,
      path: '',
      kind: 'call only the sandbox answered',
      sandbox: call.error?.name ?? 'answered',
    });
  }
  return differences;
}

/** Reads a recording file, or every `*.json` recording in a folder, by phase. */
export function readRecordings(path: string): Map<string, Recording> {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => join(path, f))
    : [path];
  const byPhase = new Map<string, Recording>();
  for (const file of files) {
    const recording = JSON.parse(readFileSync(file, 'utf8')) as Recording;
    if (typeof recording.phase !== 'string' || !Array.isArray(recording.calls)) {
      throw new Error(`${file} is not a recording of scripts/aws-record.ts (no phase and calls)`);
    }
    byPhase.set(recording.phase, recording);
  }
  return byPhase;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

export function formatDifference(d: Difference): string {
  const values = [
    'aws' in d ? `AWS ${show(d.aws)}` : undefined,
    'sandbox' in d ? `sandbox ${show(d.sandbox)}` : undefined,
  ].filter(Boolean);
  return `${d.phase} ${d.operation}${d.path ? ` ${d.path}` : ''}: ${d.kind}${values.length ? ` (${values.join(', ')})` : ''}`;
}

/** Every difference over the phases both sides recorded, and the phases only one side has. */
export function compareFolders(
  awsPath: string,
  sandboxPath: string,
): { differences: Difference[]; unpaired: string[] } {
  const aws = readRecordings(awsPath);
  const sandbox = readRecordings(sandboxPath);
  const differences: Difference[] = [];
  const unpaired: string[] = [];
  for (const [phase, recording] of aws) {
    const other = sandbox.get(phase);
    if (other) differences.push(...compareRecordings(recording, other));
    else unpaired.push(`${phase}: recorded on AWS only`);
  }
  for (const phase of sandbox.keys()) if (!aws.has(phase)) unpaired.push(`${phase}: recorded in the sandbox only`);
  return { differences, unpaired };
}

function main(): void {
  const [awsPath, sandboxPath] = process.argv.slice(2);
  if (!awsPath || !sandboxPath || !existsSync(awsPath) || !existsSync(sandboxPath)) {
    console.error(
      'usage: tsx scripts/aws-compare.ts <AWS recordings: folder or file> <sandbox recordings: folder or file>\n' +
        'e.g. tsx scripts/aws-compare.ts e2e-aws-recordings/recordings recordings/sandbox',
    );
    process.exitCode = 2;
    return;
  }
  const { differences, unpaired } = compareFolders(awsPath, sandboxPath);
  for (const line of unpaired) console.log(`(${line})`);
  for (const d of differences) console.log(formatDifference(d));
  console.log(
    differences.length
      ? `${differences.length} differences: each is a sandbox fix to make (with a test) and a row of the ledger in sandbox/README.md.`
      : 'The sandbox answered as AWS did for every recorded call.',
  );
  process.exitCode = differences.length ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
