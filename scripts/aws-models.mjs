#!/usr/bin/env node
/**
 * Refreshes testing/aws-models/<service>.json from the API models AWS publishes with botocore
 * (data/<service>/<version>/service-2.json.gz). Only what a validator needs is kept: metadata,
 * operations (input, output, errors) and shapes, with every documentation string dropped.
 *
 *   node scripts/aws-models.mjs [--botocore DIR]
 *
 * Without --botocore the folder is asked of python3 (`import botocore`). The output is committed,
 * so the tests never need Python; run this only to move to newer models.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** Our name for each service, and botocore's folder for it. */
export const SERVICES = {
  ecs: 'ecs',
  codedeploy: 'codedeploy',
  ecr: 'ecr',
  sts: 'sts',
  elbv2: 'elbv2',
  logs: 'logs',
};

/** Members a validator never reads. */
const DROPPED_KEYS = new Set(['documentation', 'documentationUrl', 'examples', 'deprecatedMessage', 'docs']);

/** A copy of `value` without documentation strings, at any depth. */
export function stripDocumentation(value) {
  if (Array.isArray(value)) return value.map(stripDocumentation);
  if (value && typeof value === 'object') {
    const out = {};
    for (const [key, item] of Object.entries(value)) {
      if (DROPPED_KEYS.has(key)) continue;
      out[key] = stripDocumentation(item);
    }
    return out;
  }
  return value;
}

/** The part of a botocore service-2 model the repository keeps. */
export function extractModel(model, source) {
  const operations = {};
  for (const [name, op] of Object.entries(model.operations ?? {})) {
    operations[name] = stripDocumentation({
      ...(op.input ? { input: op.input } : {}),
      ...(op.output ? { output: op.output } : {}),
      ...(op.errors ? { errors: op.errors } : {}),
    });
  }
  const { metadata = {} } = model;
  return {
    source,
    metadata: stripDocumentation({
      apiVersion: metadata.apiVersion,
      protocol: metadata.protocol,
      jsonVersion: metadata.jsonVersion,
      targetPrefix: metadata.targetPrefix,
      serviceId: metadata.serviceId,
      signingName: metadata.signingName,
    }),
    operations,
    shapes: stripDocumentation(model.shapes ?? {}),
  };
}

function botocoreInfo(explicitDir) {
  if (explicitDir) {
    let version = 'unknown';
    try {
      const init = readFileSync(join(explicitDir, '__init__.py'), 'utf8');
      version = /__version__\s*=\s*['"]([^'"]+)['"]/.exec(init)?.[1] ?? version;
    } catch {
      // a bare data folder: the version stays unknown
    }
    return { dir: explicitDir, version };
  }
  const out = execFileSync(
    'python3',
    ['-c', 'import botocore, os; print(botocore.__version__); print(os.path.dirname(botocore.__file__))'],
    { encoding: 'utf8' },
  ).trim();
  const [version, dir] = out.split('\n');
  return { dir, version };
}

function main() {
  const args = process.argv.slice(2);
  const flag = args.indexOf('--botocore');
  const { dir, version } = botocoreInfo(flag >= 0 ? args[flag + 1] : undefined);
  const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'testing', 'aws-models');
  mkdirSync(outDir, { recursive: true });
  for (const [name, folder] of Object.entries(SERVICES)) {
    const base = join(dir, 'data', folder);
    const apiVersion = readdirSync(base).sort().at(-1);
    const raw = JSON.parse(gunzipSync(readFileSync(join(base, apiVersion, 'service-2.json.gz'))).toString('utf8'));
    const model = extractModel(raw, { botocore: version, file: `data/${folder}/${apiVersion}/service-2.json.gz` });
    writeFileSync(join(outDir, `${name}.json`), JSON.stringify(model, null, 1) + '\n');
    console.log(
      `${name}: ${Object.keys(model.operations).length} operations, ${Object.keys(model.shapes).length} shapes (botocore ${version})`,
    );
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
