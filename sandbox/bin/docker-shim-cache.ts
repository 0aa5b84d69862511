/**
 * The docker shim's BuildKit layer cache: which build steps a --cache-from would let BuildKit
 * reuse, and what a --cache-to keeps for the next build.
 *
 * A step's cache key chains, as BuildKit's do, the key of the step before it, the instruction and,
 * for COPY/ADD, the content of the files it copies; so changing one source file invalidates the
 * COPY that takes it and every step after, and nothing before.
 * https://docs.docker.com/build/cache/invalidation/
 *
 * Where the sandbox differs from BuildKit: the cache holds the step keys only (the sandbox builds
 * every image whole anyway), and a registry or gha cache is kept in a folder beside the docker
 * config (SANDBOX_BUILD_CACHE_DIR overrides it) under the name of its ref or scope, not in the
 * sandbox's ECR. Build args count for every step of a stage, not only from their ARG on.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { splitWords, takeFlags, type Instruction } from '../runtime/dockerfile.js';
import type { BuildFile } from '../runtime/images.js';

export interface CacheSpec {
  type: 'registry' | 'gha' | 'inline';
  /** registry: the cache image reference; gha: the scope. */
  name: string;
  mode: 'min' | 'max';
  ignoreError: boolean;
  attributes: Record<string, string>;
}

export class CacheSpecError extends Error {}

/**
 * A --cache-from / --cache-to value: CSV `key=value` attributes, or a bare reference, which
 * --cache-from reads as a registry cache. https://docs.docker.com/reference/cli/docker/buildx/build/#cache-from
 */
export function parseCacheSpec(text: string, env: NodeJS.ProcessEnv): CacheSpec {
  const attributes: Record<string, string> = {};
  if (!text.includes('=')) {
    attributes.type = 'registry';
    attributes.ref = text;
  } else {
    for (const part of text.split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new CacheSpecError(`invalid value ${part} in cache option ${text}`);
      attributes[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim();
    }
  }
  const type = attributes.type ?? 'registry';
  const mode = attributes.mode === 'max' ? 'max' : 'min';
  const ignoreError = attributes['ignore-error'] === 'true';
  if (type === 'registry') {
    if (!attributes.ref) throw new CacheSpecError(`type=registry needs ref= in cache option ${text}`);
    return { type, name: attributes.ref, mode, ignoreError, attributes };
  }
  if (type === 'gha') {
    // buildx fills the token and URL in from the runner's environment when they are not given.
    const token = attributes.token ?? env.ACTIONS_RUNTIME_TOKEN;
    const url = attributes.url ?? env.ACTIONS_CACHE_URL ?? env.ACTIONS_RESULTS_URL;
    if (!token || !url) {
      throw new CacheSpecError('type=gha needs ACTIONS_RUNTIME_TOKEN and ACTIONS_CACHE_URL (or token= and url=)');
    }
    return { type, name: attributes.scope ?? 'buildkit', mode, ignoreError, attributes };
  }
  if (type === 'inline') return { type, name: '', mode: 'min', ignoreError, attributes };
  throw new CacheSpecError(
    `cache type ${type} is not supported by the sandbox's docker shim (registry, gha, inline are)`,
  );
}

export interface CacheStep {
  title: string;
  /** The step's cache key: the same only when it and everything before it are the same. */
  key: string;
  /** Index of the stage the step belongs to. */
  stage: number;
}

const sha = (...parts: string[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
};

/** A COPY/ADD source as a test on context paths (`.`, a file, a folder, or a * ? glob). */
function sourceMatcher(source: string): (file: string) => boolean {
  const clean = source.replace(/^\.\//, '').replace(/^\/+/, '').replace(/\/+$/, '');
  if (clean === '' || clean === '.') return () => true;
  if (/[*?[]/.test(clean)) {
    const pattern = new RegExp(
      `^${clean
        .split('')
        .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : /[\\^$+.()|{}]/.test(c) ? `\\${c}` : c))
        .join('')}(/.*)?$`,
    );
    return (file) => pattern.test(file);
  }
  return (file) => file === clean || file.startsWith(`${clean}/`);
}

function copySources(args: string): string[] {
  const rest = takeFlags(args).rest.trim();
  let words: string[];
  if (rest.startsWith('[')) {
    try {
      words = JSON.parse(rest) as string[];
    } catch {
      words = splitWords(rest);
    }
  } else words = splitWords(rest);
  return words.slice(0, -1);
}

/**
 * The cache key of every step BuildKit shows (`stepTitle` gives its title), in order.
 * `shown` says which instructions are steps; the others (ENV, ARG, ...) still change later keys.
 */
export function cacheSteps(
  instructions: Instruction[],
  files: BuildFile[],
  context: { buildArgs: Record<string, string>; platform: string },
  shown: (instruction: Instruction) => boolean,
): { key: string; stage: number; instruction: Instruction }[] {
  const steps: { key: string; stage: number; instruction: Instruction }[] = [];
  const stageKeys: string[] = [];
  const stageNames = new Map<string, number>();
  const root = sha(context.platform, JSON.stringify(Object.entries(context.buildArgs).sort()));
  let chain = root;
  let stage = -1;
  for (const ins of instructions) {
    let input = '';
    if (ins.keyword === 'FROM') {
      stage++;
      chain = root;
      const words = splitWords(takeFlags(ins.args).rest);
      if (words[2]) stageNames.set(words[2].toLowerCase(), stage);
      const base = stageNames.get((words[0] ?? '').toLowerCase());
      // FROM an earlier stage continues from that stage's last key.
      if (base !== undefined && base < stage) input = stageKeys[base] ?? '';
    } else if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
      const from = takeFlags(ins.args).flags.from;
      if (from !== undefined) {
        const index = stageNames.get(from.toLowerCase()) ?? (/^\d+$/.test(from) ? Number(from) : undefined);
        input = index !== undefined ? (stageKeys[index] ?? '') : `image:${from}`;
      } else {
        const matchers = copySources(ins.args).map(sourceMatcher);
        const hash = createHash('sha256');
        for (const file of files) {
          if (!matchers.some((m) => m(file.path))) continue;
          hash.update(`${file.path}\0${file.mode}\0${file.contentBase64 ?? ''}\0${file.linkTarget ?? ''}\0`);
        }
        input = hash.digest('hex');
      }
    }
    chain = sha(chain, ins.original, input, JSON.stringify(ins.heredocs));
    stageKeys[stage] = chain;
    if (shown(ins)) steps.push({ key: chain, stage, instruction: ins });
  }
  return steps;
}

/** The folder the shim keeps exported caches in. */
export function cacheDir(env: NodeJS.ProcessEnv, configDir: string): string {
  return env.SANDBOX_BUILD_CACHE_DIR || path.join(configDir, 'buildx', 'sandbox-cache');
}

function cacheFile(dir: string, spec: CacheSpec): string {
  return path.join(dir, `${spec.type}-${sha(spec.type, spec.name).slice(0, 32)}.json`);
}

/** The step keys a cache holds, or undefined when there is no such cache. */
export function importCache(dir: string, spec: CacheSpec): Set<string> | undefined {
  const file = cacheFile(dir, spec);
  if (!existsSync(file)) return undefined;
  const data = JSON.parse(readFileSync(file, 'utf8')) as { keys: string[] };
  return new Set(data.keys);
}

/** Keeps the keys for the next build: every stage's with mode=max, the final stage's with min. */
export function exportCache(dir: string, spec: CacheSpec, steps: { key: string; stage: number }[]): number {
  const last = Math.max(-1, ...steps.map((s) => s.stage));
  const keys = steps.filter((s) => spec.mode === 'max' || s.stage === last).map((s) => s.key);
  mkdirSync(dir, { recursive: true });
  writeFileSync(cacheFile(dir, spec), `${JSON.stringify({ name: spec.name, keys }, null, 2)}\n`);
  return keys.length;
}
