/**
 * What a build shows, as buildx's plain progress does: the base images it loads, each step's
 * title (with the cache key that says whether it is CACHED), and the numbered lines on stderr.
 */
import { parseDockerfile, splitWords, substitute, takeFlags } from '../runtime/dockerfile.js';
import type { BuildFile } from '../runtime/images.js';
import { cacheSteps } from './docker-shim-cache.js';
import type { Io } from './docker-shim-io.js';

/** FROM lines with the global ARGs substituted, as BuildKit shows them. */
export function resolveFromLines(instructions: ReturnType<typeof parseDockerfile>, buildArgs: Record<string, string>) {
  const globals: Record<string, string> = {};
  let seenFrom = false;
  return instructions.map((ins) => {
    if (ins.keyword === 'ARG' && !seenFrom) {
      for (const word of splitWords(ins.args)) {
        const eq = word.indexOf('=');
        const name = eq < 0 ? word : word.slice(0, eq);
        globals[name] = buildArgs[name] ?? (eq < 0 ? '' : substitute(word.slice(eq + 1), globals));
      }
    }
    if (ins.keyword !== 'FROM') return ins;
    seenFrom = true;
    const args = substitute(ins.args, globals);
    return { ...ins, args, original: `FROM ${args}` };
  });
}

export function baseImages(instructions: ReturnType<typeof parseDockerfile>): string[] {
  const stageNames = new Set<string>();
  const bases: string[] = [];
  for (const ins of instructions) {
    if (ins.keyword !== 'FROM') continue;
    const words = splitWords(takeFlags(ins.args).rest);
    const base = words[0] ?? '';
    if (words[2]) stageNames.add(words[2].toLowerCase());
    if (!stageNames.has(base.toLowerCase()) && base !== 'scratch' && !bases.includes(base)) bases.push(base);
  }
  return bases;
}

/** BuildKit's step titles (`[stage i/n] INSTRUCTION` for FROM, WORKDIR, COPY, ADD, RUN) with their cache keys. */
export function buildSteps(
  instructions: ReturnType<typeof parseDockerfile>,
  files: BuildFile[],
  buildArgs: Record<string, string>,
  platform: string,
): { title: string; skipped: boolean; key: string; stage: number }[] {
  const steps = cacheSteps(instructions, files, { buildArgs, platform }, (ins) =>
    ['FROM', 'WORKDIR', 'COPY', 'ADD', 'RUN'].includes(ins.keyword),
  );
  const labels: string[] = [];
  for (const ins of instructions) {
    if (ins.keyword !== 'FROM') continue;
    labels.push(splitWords(takeFlags(ins.args).rest)[2] ?? `stage-${labels.length}`);
  }
  const single = labels.length === 1;
  const counts = new Map<number, number>();
  for (const step of steps) counts.set(step.stage, (counts.get(step.stage) ?? 0) + 1);
  const seen = new Map<number, number>();
  return steps.map((step) => {
    const i = (seen.get(step.stage) ?? 0) + 1;
    seen.set(step.stage, i);
    const text = step.instruction.original;
    return {
      title: `[${single ? '' : `${labels[step.stage]} `}${i}/${counts.get(step.stage)}] ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`,
      skipped: text.startsWith('RUN'),
      key: step.key,
      stage: step.stage,
    };
  });
}

/** buildx's plain progress output, on stderr. */
export class Progress {
  private next = 1;
  constructor(
    private readonly io: Io,
    private readonly quiet: boolean,
  ) {}
  line(text: string): void {
    if (!this.quiet) this.io.stderr(`${text}\n`);
  }
  step(title: string, details: string[], end = 'DONE 0.0s'): void {
    const n = this.next++;
    this.line('');
    this.line(`#${n} ${title}`);
    for (const d of details) this.line(`#${n} ${d}`);
    this.line(`#${n} ${end}`);
  }
}

export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes}B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(2)}kB`;
  return `${(bytes / 1_000_000).toFixed(2)}MB`;
}
