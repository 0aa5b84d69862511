/**
 * COPY and ADD: files from the build context, or from an earlier stage of a multi-stage build,
 * placed in the stage's file system as Docker places them.
 * https://docs.docker.com/reference/dockerfile/#copy
 */
import * as posix from 'node:path/posix';
import {
  DockerfileError,
  execForm,
  splitWords,
  substitute,
  takeFlags,
  unescapeDollar,
  type Instruction,
} from './dockerfile-parser.js';
import type { FsNode, ImageFs } from './image-fs.js';

/** What COPY reads and writes of a build stage. */
export interface CopyStage {
  name?: string;
  fs: ImageFs;
  config: { workdir: string };
}

const GLOB_CHARS = /[*?[]/;

export function copyInstruction(
  ins: Instruction,
  stage: CopyStage,
  stages: CopyStage[],
  context: ImageFs,
  vars: Record<string, string>,
): void {
  const { flags, rest } = takeFlags(ins.args);
  const allowed = ins.keyword === 'COPY' ? ['from', 'chown', 'chmod', 'link'] : ['chown', 'chmod', 'link', 'checksum'];
  for (const flag of Object.keys(flags)) {
    if (!allowed.includes(flag)) {
      throw new DockerfileError(
        `${ins.keyword} --${flag} is not supported by the sandbox (supported: ${allowed.map((f) => `--${f}`).join(', ')})`,
        ins.line,
      );
    }
  }
  let mode: number | undefined;
  if (flags.chmod !== undefined) {
    if (!/^[0-7]{3,4}$/.test(flags.chmod)) {
      throw new DockerfileError(`--chmod=${flags.chmod}: the sandbox takes octal modes such as 755`, ins.line);
    }
    mode = parseInt(flags.chmod, 8);
  }

  let source = context;
  let sourceName = 'the build context';
  if (flags.from !== undefined) {
    const from = substitute(flags.from, vars).toLowerCase();
    const index = /^\d+$/.test(from) ? Number(from) : -1;
    const found = index >= 0 ? stages[index] : stages.find((st) => st.name === from);
    if (!found || found === stage) {
      throw new DockerfileError(
        `COPY --from=${flags.from}: only an earlier stage of this Dockerfile can be copied from in the sandbox (images are not pulled)`,
        ins.line,
      );
    }
    source = found.fs;
    sourceName = `stage ${found.name ?? from}`;
  }

  const words = execForm(rest) ?? splitWords(rest);
  const expanded = words.map((w) => unescapeDollar(substitute(w, vars)));
  if (expanded.length < 2)
    throw new DockerfileError(`${ins.keyword} needs at least one source and a destination`, ins.line);
  const destRaw = expanded[expanded.length - 1]!;
  const sources = expanded.slice(0, -1);
  const destIsDir = destRaw.endsWith('/') || destRaw === '.' || destRaw.endsWith('/.');
  const dest = posix.resolve(stage.config.workdir, destRaw);

  const heredocs = new Map(ins.heredocs.map((h) => [h.name, h.content]));
  type Item = { path: string; fromHeredoc?: string };
  const items: Item[] = [];
  for (const src of sources) {
    const heredoc = /^<<-?(["']?)([A-Za-z_][A-Za-z0-9_]*)\1$/.exec(src);
    if (heredoc) {
      items.push({ path: heredoc[2]!, fromHeredoc: heredocs.get(heredoc[2]!) ?? '' });
      continue;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(src) || /^git@/.test(src)) {
      throw new DockerfileError(
        `${ins.keyword} ${src}: remote sources are not fetched by the sandbox; copy a local file`,
        ins.line,
      );
    }
    if (ins.keyword === 'ADD' && /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz)$/i.test(src)) {
      throw new DockerfileError(
        `ADD ${src}: local archives are not extracted by the sandbox; use COPY with the extracted files`,
        ins.line,
      );
    }
    const matches = matchSource(source, src);
    if (matches.length === 0) {
      throw new DockerfileError(
        `${ins.keyword} failed: "${src}" not found in ${sourceName}${flags.from === undefined ? ' (or excluded by .dockerignore)' : ' (RUN steps are not executed by the sandbox, so files they would create do not exist)'}`,
        ins.line,
      );
    }
    items.push(...matches.map((p) => ({ path: p })));
  }
  const multiple = items.length > 1 || sources.some((s) => GLOB_CHARS.test(s));
  if (multiple && !destIsDir && !stage.fs.isDir(dest)) {
    throw new DockerfileError(
      `When using ${ins.keyword} with more than one source file, the destination must be a directory and end with a /`,
      ins.line,
    );
  }

  for (const item of items) {
    if (item.fromHeredoc !== undefined) {
      const target = destIsDir || stage.fs.isDir(dest) ? posix.join(dest, item.path) : dest;
      stage.fs.put(target, { kind: 'file', mode: mode ?? 0o644, content: Buffer.from(item.fromHeredoc) });
      continue;
    }
    const node = source.get(item.path)!;
    if (node.kind === 'dir') {
      // A folder's contents are copied, not the folder itself.
      stage.fs.mkdirp(dest);
      for (const child of source.descendants(item.path)) {
        const relative = posix.relative(item.path === '/' ? '/' : item.path, child);
        placeNode(stage.fs, posix.join(dest, relative), source.get(child)!, mode);
      }
    } else {
      const target = destIsDir || stage.fs.isDir(dest) ? posix.join(dest, posix.basename(item.path)) : dest;
      placeNode(stage.fs, target, node, mode);
    }
  }
}

function placeNode(fs: ImageFs, path: string, node: FsNode, mode: number | undefined): void {
  if (node.kind === 'dir') fs.mkdirp(path, mode ?? node.mode);
  else if (node.kind === 'file') fs.put(path, { ...node, mode: mode ?? node.mode });
  else fs.put(path, node);
}

/** Paths in `fs` that a COPY source names: exact, or Go filepath.Match globs per segment. */
function matchSource(fs: ImageFs, src: string): string[] {
  const cleaned = posix.normalize(`/${src}`);
  if (posix.normalize(src).startsWith('..')) return [];
  if (!GLOB_CHARS.test(cleaned)) return fs.get(cleaned) ? [cleaned === '/' ? '/' : cleaned.replace(/\/$/, '')] : [];
  const patternSegments = cleaned.split('/').filter(Boolean).map(globToRegExp);
  return [...fs.nodes.keys()]
    .filter((p) => {
      const segments = p.split('/').filter(Boolean);
      return segments.length === patternSegments.length && segments.every((seg, i) => patternSegments[i]!.test(seg));
    })
    .sort();
}

function globToRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${segment
          .slice(i + 1, end)
          .replace(/^\^|^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < segment.length) re += `\\${segment[++i]}`;
    else re += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
