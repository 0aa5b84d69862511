/**
 * The fingerprint of a build: sha256 over everything that shapes the image (the Dockerfile, the
 * build args, the platform and every file Docker sends in the context), computed without reading
 * the files git already vouches for.
 *
 * Each context file contributes `<mode> <git blob id> 0\t<path>\0`, the very record
 * `git ls-files -s -z` prints for it, where the blob id is git's sha1 of `blob <length>\0<content>`
 * (for a symlink, of its target), and records are sorted by path. For a tracked, unmodified file
 * the record comes straight from git's index; for anything else it is computed here from the file.
 * Both give the same bytes, so the fast path and a full read agree on the same tree.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readlinkSync, lstatSync } from 'node:fs';
import * as path from 'node:path';
import { contextFilter, dockerignoreFor, listContext } from '../../../lib/docker-context.js';
import { readGitTree, recordMode, recordPath, type GitTree } from './git-tree.js';

/** Bumped whenever the hashed bytes change meaning, so old tags are never mistaken for new. */
export const FINGERPRINT_VERSION = 'build-image-fingerprint/v1';

export interface FingerprintInput {
  /** Absolute path of the build context. */
  context: string;
  /** Absolute path of the Dockerfile. */
  dockerfile: string;
  buildArgs: ReadonlyMap<string, string>;
  platform: string;
  /** 'auto' uses git where it can; 'read' reads every file (the benchmark's baseline and a fallback). */
  mode?: 'auto' | 'read';
  /** The git executable ('git' on PATH by default). */
  git?: string;
}

export type FileMode = '100644' | '100755' | '120000';

/** One context file as hashed: `<mode> <blob> 0\t<path>` (git's index listing; `\0` ends it). */
export type FileRecord = string;

/** Where the path starts in a record: 6 (mode) + 1 + 40 (blob) + 1 + 1 (stage) + 1 (tab). */
const PATH_OFFSET = 50;

export function fileRecord(filePath: string, mode: FileMode, blob: string): FileRecord {
  return `${mode} ${blob} 0\t${filePath}`;
}

export function parseFileRecord(record: FileRecord): { path: string; mode: FileMode; blob: string } {
  return { path: record.slice(PATH_OFFSET), mode: record.slice(0, 6) as FileMode, blob: record.slice(7, 47) };
}

export interface Fingerprint {
  /** sha256 hex of everything below. */
  fingerprint: string;
  /** The image tag: `fp-` and the first 32 hex of the fingerprint. */
  tag: string;
  /** sha256 of each part, so two runs can tell which part changed. */
  parts: { dockerfile: string; buildArgs: string; platform: string; files: string };
  /** Every context file Docker sends, sorted by path. */
  files: FileRecord[];
  /** How many ids came from git's index, and how many files were read here. */
  fromGit: number;
  read: number;
  /** How the files were found: 'git' (index + what git cannot vouch for) or 'read' (full walk). */
  method: 'git' | 'read';
  /** Why the git fast path was not used, when it was not. */
  fallbackReason?: string;
  /** Context paths git reported as modified, deleted, untracked or ignored (read here). */
  changedInWorkingTree: string[];
  /** The .dockerignore file that applied, if any. */
  dockerignore?: string;
  /** The context sends a `.git` folder or file: the fingerprint then changes with every git operation. */
  sendsGitFolder: boolean;
}

export class DockerfileMissingError extends Error {
  override readonly name = 'DockerfileMissingError';
}

export const FINGERPRINT_TAG_PREFIX = 'fp-';

export function tagOf(fingerprint: string): string {
  return `${FINGERPRINT_TAG_PREFIX}${fingerprint.slice(0, 32)}`;
}

/** git's blob id of some bytes: sha1 of `blob <length>\0<content>`. */
export function gitBlobId(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

/** Platforms as one canonical string: trimmed, de-duplicated, sorted (their order does not shape the image). */
export function canonicalPlatform(platform: string): string {
  return [
    ...new Set(
      platform
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    ),
  ]
    .sort()
    .join(',');
}

export async function fingerprintBuild(input: FingerprintInput): Promise<Fingerprint> {
  let dockerfileContent: Buffer;
  try {
    dockerfileContent = readFileSync(input.dockerfile);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DockerfileMissingError(
      code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR'
        ? `No Dockerfile at ${input.dockerfile}: set the 'dockerfile' input to its path (relative to the workspace), or put a Dockerfile in the context ${input.context}.`
        : `Cannot read the Dockerfile ${input.dockerfile}: ${(error as Error).message}`,
    );
  }
  const { patterns, file: dockerignore } = dockerignoreFor(input.context, input.dockerfile);

  let files: FileRecord[] | undefined;
  let changedInWorkingTree: string[] = [];
  let read = 0;
  let fallbackReason: string | undefined = input.mode === 'read' ? 'full read requested' : undefined;
  if (input.mode !== 'read') {
    const tree = await readGitTree(input.context, input.git ?? 'git');
    if ('reason' in tree) {
      fallbackReason = tree.reason;
    } else {
      ({ files, changedInWorkingTree, read } = filesFromGit(input.context, patterns, tree));
    }
  }
  const method = files ? 'git' : 'read';
  if (!files) {
    files = filesByReading(input.context, patterns, '');
    read = files.length;
  }

  const parts = {
    dockerfile: sha256(dockerfileContent),
    buildArgs: sha256(
      [...input.buildArgs.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}\n`)
        .join(''),
    ),
    platform: sha256(canonicalPlatform(input.platform)),
    files: filesDigest(files),
  };
  const fingerprint = sha256(
    `${FINGERPRINT_VERSION}\ndockerfile ${parts.dockerfile}\nbuild-args ${parts.buildArgs}\nplatform ${parts.platform}\nfiles ${parts.files}\n`,
  );
  return {
    fingerprint,
    tag: tagOf(fingerprint),
    parts,
    files,
    fromGit: files.length - read,
    read,
    method,
    fallbackReason,
    changedInWorkingTree,
    dockerignore,
    sendsGitFolder: files.some((f) => {
      const p = f.slice(PATH_OFFSET);
      return p === '.git' || p.startsWith('.git/') || p.includes('/.git/');
    }),
  };
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 over the sorted records, each ended by NUL, fed in batches rather than one update per file. */
function filesDigest(files: FileRecord[]): string {
  const hash = createHash('sha256');
  for (let i = 0; i < files.length; i += 4096) hash.update(`${files.slice(i, i + 4096).join('\0')}\0`);
  return hash.digest('hex');
}

const byRecordPath = (a: FileRecord, b: FileRecord): number => {
  const pa = a.slice(PATH_OFFSET);
  const pb = b.slice(PATH_OFFSET);
  return pa < pb ? -1 : pa > pb ? 1 : 0;
};

/** Reads one entry of the working tree; undefined when it is gone or is not a file or link. */
function readEntry(context: string, relativePath: string): FileRecord | undefined {
  const absolute = path.join(context, relativePath);
  let stat;
  try {
    stat = lstatSync(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
  if (stat.isSymbolicLink()) {
    return fileRecord(relativePath, '120000', gitBlobId(readlinkSync(absolute, { encoding: 'buffer' })));
  }
  if (!stat.isFile()) return undefined;
  return fileRecord(relativePath, (stat.mode & 0o111) !== 0 ? '100755' : '100644', gitBlobId(readFileSync(absolute)));
}

function kindOf(absolute: string): 'dir' | 'file' | undefined {
  try {
    return lstatSync(absolute).isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

/** The full read: walk the context as Docker would and hash every file, in path order (optionally one folder only). */
export function filesByReading(context: string, patterns: string[], under: string): FileRecord[] {
  const files: FileRecord[] = [];
  // listContext lists in path order.
  for (const entry of listContext(context, patterns, under)) {
    const file = readEntry(context, entry.path);
    if (file) files.push(file);
  }
  return files;
}

/**
 * The fast path: git's index ids for the files git vouches for, and a read of the rest: tracked
 * files that differ from the index (or that git flags as unmerged, assume-unchanged or
 * skip-worktree), untracked and git-ignored files (Docker sends those too), the insides of
 * nested repositories and submodules, which the outer index only names, and the `.git` itself.
 */
function filesFromGit(
  context: string,
  patterns: string[],
  tree: GitTree,
): { files: FileRecord[]; changedInWorkingTree: string[]; read: number } {
  const included = contextFilter(patterns);
  // Git's own records, in index order (byte order of paths).
  const vouched: FileRecord[] = [];
  let inOrder = true;
  let previous = '';
  const folders: string[] = [];
  const checkUntrusted = tree.untrusted.size > 0;
  for (const record of tree.tracked) {
    const filePath = recordPath(record);
    if (checkUntrusted && tree.untrusted.has(filePath)) continue;
    // Mode 160000 (a submodule) is the only one starting '16'.
    if (record[2] === '1' && record[3] === '6' && recordMode(record) === '160000') folders.push(filePath);
    else if (included(filePath)) {
      vouched.push(record.slice(2));
      if (filePath <= previous) inOrder = false;
      previous = filePath;
    }
  }
  const toRead = new Set(tree.untrusted);
  for (const p of tree.other) {
    if (p.endsWith('/')) folders.push(p.slice(0, -1));
    else toRead.add(p);
  }
  // Docker sends the repository's own .git unless .dockerignore excludes it; git never lists it.
  if (tree.atTop) {
    const kind = kindOf(path.join(context, '.git'));
    if (kind === 'dir') folders.push('.git');
    else if (kind === 'file') toRead.add('.git');
  }
  const changedInWorkingTree: string[] = [];
  const read: FileRecord[] = [];
  for (const p of toRead) {
    if (!included(p)) continue;
    changedInWorkingTree.push(p);
    const file = readEntry(context, p);
    if (file) read.push(file);
    // A tracked path that became a folder, or an unmerged submodule: read what is inside.
    else if (kindOf(path.join(context, p)) === 'dir') folders.push(p);
  }
  for (const folder of folders) read.push(...filesByReading(context, patterns, folder));
  if (!inOrder) vouched.sort(byRecordPath);
  read.sort(byRecordPath);
  return { files: mergeByPath(vouched, read), changedInWorkingTree: changedInWorkingTree.sort(), read: read.length };
}

/**
 * Merges the few records read here into git's many, both sorted by path: each read record is
 * placed by binary search, so the large list is copied once and compared only log(n) times per
 * read record. A path in both (say, a folder read twice) is kept once, the read record winning.
 */
function mergeByPath(many: FileRecord[], few: FileRecord[]): FileRecord[] {
  if (few.length === 0) return many;
  const merged: FileRecord[] = [];
  let from = 0;
  let last: string | undefined;
  for (const record of few) {
    const p = record.slice(PATH_OFFSET);
    if (p === last) continue;
    last = p;
    let lo = from;
    let hi = many.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (many[mid]!.slice(PATH_OFFSET) < p) lo = mid + 1;
      else hi = mid;
    }
    for (let k = from; k < lo; k++) merged.push(many[k]!);
    merged.push(record);
    from = lo < many.length && many[lo]!.slice(PATH_OFFSET) === p ? lo + 1 : lo;
  }
  for (let k = from; k < many.length; k++) merged.push(many[k]!);
  return merged;
}
