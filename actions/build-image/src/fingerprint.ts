/**
 * The fingerprint of a build: sha256 over everything that shapes the image (the Dockerfile, the
 * build args, the platform and every file Docker sends in the context), computed without reading
 * the files git already vouches for.
 *
 * Each context file contributes `H <mode> <git blob id> 0\t<path>\0`: the very bytes
 * `git ls-files -z -v -t -s` prints for a clean entry, where the blob id is git's sha1 of
 * `blob <length>\0<content>` (for a symlink, of its target); records are sorted by path. For a
 * tracked, unmodified file those bytes are hashed straight from git's output (no string, no
 * copy); for anything else they are built here from the file. Both give the same bytes, so the
 * fast path and a full read agree on the same tree.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readlinkSync, lstatSync } from 'node:fs';
import * as path from 'node:path';
import { contextFilter, dockerignoreFor, listContext } from '../../../lib/docker-context.js';
import { PATH_AT, readGitTree, type GitTree } from './git-tree.js';

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

/** One context file as hashed, without its ending NUL: `H <mode> <blob> 0\t<path>`. */
export type FileRecord = string;

export function fileRecord(filePath: string, mode: FileMode, blob: string): FileRecord {
  return `H ${mode} ${blob} 0\t${filePath}`;
}

export function parseFileRecord(record: FileRecord): { path: string; mode: FileMode; blob: string } {
  return { path: record.slice(PATH_AT), mode: record.slice(2, 8) as FileMode, blob: record.slice(9, 49) };
}

export interface Fingerprint {
  /** sha256 hex of everything below. */
  fingerprint: string;
  /** The image tag: `fp-` and the first 32 hex of the fingerprint. */
  tag: string;
  /** sha256 of each part, so two runs can tell which part changed. */
  parts: { dockerfile: string; buildArgs: string; platform: string; files: string };
  /** How many context files Docker sends. */
  fileCount: number;
  /** Every context file Docker sends, sorted by path (built on demand: the hash never needs it). */
  listFiles(): FileRecord[];
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

  let files: HashedFiles | undefined;
  let changedInWorkingTree: string[] = [];
  let fallbackReason: string | undefined = input.mode === 'read' ? 'full read requested' : undefined;
  if (input.mode !== 'read') {
    const tree = await readGitTree(input.context, input.git ?? 'git');
    if ('reason' in tree) {
      fallbackReason = tree.reason;
    } else {
      ({ files, changedInWorkingTree } = filesFromGit(input.context, patterns, tree));
    }
  }
  const method = files ? 'git' : 'read';
  files ??= fromRecords(filesByReading(input.context, patterns, ''), 0);
  const hashed = files;

  const parts = {
    dockerfile: sha256(dockerfileContent),
    buildArgs: sha256(
      [...input.buildArgs.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}\n`)
        .join(''),
    ),
    platform: sha256(canonicalPlatform(input.platform)),
    files: hashed.digest,
  };
  const fingerprint = sha256(
    `${FINGERPRINT_VERSION}\ndockerfile ${parts.dockerfile}\nbuild-args ${parts.buildArgs}\nplatform ${parts.platform}\nfiles ${parts.files}\n`,
  );
  return {
    fingerprint,
    tag: tagOf(fingerprint),
    parts,
    fileCount: hashed.count,
    listFiles: hashed.list,
    fromGit: hashed.fromGit,
    read: hashed.count - hashed.fromGit,
    method,
    fallbackReason,
    changedInWorkingTree,
    dockerignore,
    sendsGitFolder: hashed.sendsGitFolder,
  };
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The context files as hashed: their digest, count and (on demand) list. */
interface HashedFiles {
  digest: string;
  count: number;
  fromGit: number;
  sendsGitFolder: boolean;
  list(): FileRecord[];
}

const pathOf = (record: FileRecord): string => record.slice(PATH_AT);

const byRecordPath = (a: FileRecord, b: FileRecord): number => {
  const pa = pathOf(a);
  const pb = pathOf(b);
  return pa < pb ? -1 : pa > pb ? 1 : 0;
};

const isGitFolderPath = (p: string): boolean => p === '.git' || p.startsWith('.git/') || p.includes('/.git/');

/** Path-sorted records, each hashed with its ending NUL, in batches. */
function fromRecords(records: FileRecord[], fromGit: number): HashedFiles {
  const hash = createHash('sha256');
  for (let i = 0; i < records.length; i += 4096) hash.update(`${records.slice(i, i + 4096).join('\0')}\0`);
  return {
    digest: hash.digest('hex'),
    count: records.length,
    fromGit,
    sendsGitFolder: records.some((r) => isGitFolderPath(pathOf(r))),
    list: () => records,
  };
}

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
  return fileRecord(relativePath, (stat.mode & 0o100) !== 0 ? '100755' : '100644', gitBlobId(readFileSync(absolute)));
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
 * The fast path: git's own records for the files git vouches for, and a read of the rest: tracked
 * files that differ from the index (or that git flags as unmerged, assume-unchanged or
 * skip-worktree), untracked and git-ignored files (Docker sends those too), the insides of
 * nested repositories and submodules, which the outer index only names, and the `.git` itself.
 *
 * The few read records are sorted first; then one pass over git's listing hashes each run of
 * clean, included records as one slice of git's output, with the read records merged in by path.
 */
function filesFromGit(
  context: string,
  patterns: string[],
  tree: GitTree,
): { files: HashedFiles; changedInWorkingTree: string[] } {
  const included = contextFilter(patterns);
  const toRead = new Set(tree.untrusted);
  const folders = [...tree.gitlinks];
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
  const readRecords: FileRecord[] = [];
  for (const p of toRead) {
    if (!included(p)) continue;
    changedInWorkingTree.push(p);
    const file = readEntry(context, p);
    if (file) readRecords.push(file);
    // A tracked path that became a folder, or a changed submodule: read what is inside.
    else if (kindOf(path.join(context, p)) === 'dir') folders.push(p);
  }
  for (const folder of folders) readRecords.push(...filesByReading(context, patterns, folder));
  readRecords.sort(byRecordPath);
  const readPaths = readRecords.map(pathOf);

  const streamed = hashListing(tree, included, readRecords, readPaths);
  // git lists in byte order, which differs from JS order only around surrogate pairs (emoji
  // next to CJK, say): then fall back to sorting strings.
  const files = streamed ?? sortedRecords(tree, included, readRecords, readPaths);
  return { files, changedInWorkingTree: changedInWorkingTree.sort() };
}

function hashListing(
  tree: GitTree,
  included: (p: string) => boolean,
  readRecords: FileRecord[],
  readPaths: string[],
): HashedFiles | undefined {
  const { listing, untrusted } = tree;
  const hash = createHash('sha256');
  const runs: [number, number][] = [];
  const pieces: (FileRecord | [number, number])[] = [];
  let runStart = -1;
  let runEnd = -1;
  let next = 0;
  let fromGit = 0;
  let count = 0;
  let previous = '';
  let ordered = true;
  let sendsGitFolder = false;
  const flush = () => {
    if (runStart < 0) return;
    hash.update(listing.bytes.subarray(runStart, runEnd));
    const run: [number, number] = [runStart, runEnd];
    runs.push(run);
    pieces.push(run);
    runStart = -1;
  };
  const emitRead = (record: FileRecord) => {
    flush();
    hash.update(`${record}\0`);
    pieces.push(record);
    count++;
  };
  const checkUntrusted = untrusted.size > 0;
  listing.forEach((start, end) => {
    if (!ordered || !listing.isIndexRecord(start, end) || !listing.isCleanRecord(start)) return;
    const p = listing.recordPath(start, end);
    if (p <= previous) {
      ordered = false;
      return;
    }
    previous = p;
    if ((checkUntrusted && untrusted.has(p)) || listing.isGitlink(start) || !included(p)) return;
    while (next < readPaths.length && readPaths[next]! < p) emitRead(readRecords[next++]!);
    // A path read here too (a folder walked twice) is taken as read.
    if (next < readPaths.length && readPaths[next] === p) return;
    if (runStart >= 0 && runEnd === start) runEnd = end + 1;
    else {
      flush();
      runStart = start;
      runEnd = end + 1;
    }
    if (isGitFolderPath(p)) sendsGitFolder = true;
    fromGit++;
    count++;
  });
  if (!ordered) return undefined;
  while (next < readRecords.length) emitRead(readRecords[next++]!);
  flush();
  return {
    digest: hash.digest('hex'),
    count,
    fromGit,
    sendsGitFolder: sendsGitFolder || readPaths.some(isGitFolderPath),
    list: () =>
      pieces.flatMap((piece) =>
        typeof piece === 'string' ? [piece] : listing.slice(piece[0], piece[1] - 1).split('\0'),
      ),
  };
}

/** The same records as hashListing, as strings sorted in JS order (the rare fallback). */
function sortedRecords(
  tree: GitTree,
  included: (p: string) => boolean,
  readRecords: FileRecord[],
  readPaths: string[],
): HashedFiles {
  const { listing, untrusted } = tree;
  const read = new Set(readPaths);
  const records = [...readRecords];
  listing.forEach((start, end) => {
    if (!listing.isIndexRecord(start, end) || !listing.isCleanRecord(start)) return;
    const p = listing.recordPath(start, end);
    if (untrusted.has(p) || listing.isGitlink(start) || !included(p) || read.has(p)) return;
    records.push(listing.slice(start, end));
  });
  return fromRecords(records.sort(byRecordPath), records.length - readRecords.length);
}
