/**
 * What git knows about a folder, from two listings run side by side, each started with an
 * argument array (no shell) and NUL-separated, so no file name is ever interpreted:
 *
 *   git ls-files -z -v -t -s -c -o --directory
 *                                       every index entry (`H <mode> <blob> <stage>\t<path>`) and
 *                                       `? <path>` for each untracked file, git-ignored ones
 *                                       included (Docker sends those); a folder holding no tracked
 *                                       file is named once (`? dir/`), not entered, so a
 *                                       node_modules that .dockerignore excludes costs nothing
 *   git diff-files --name-only -z       tracked files whose working copy differs or is gone: one
 *                                       lstat per file against the index's stat cache, spread over
 *                                       threads (core.preloadIndex); content only where stat changed
 *
 * Lowercase tags (assume-unchanged), S (skip-worktree) and stages other than 0 (unmerged) are
 * entries git cannot vouch for either. Paths are relative to the folder (git runs in it).
 */
import { isAscii } from 'node:buffer';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const TAB = 0x09;
const TAG_CLEAN = 0x48; // 'H': a cached entry
const TAG_OTHER = 0x3f; // '?': an untracked (or ignored) file
const STAGE_MERGED = 0x30; // '0'
const MODE_GITLINK_SECOND = 0x36; // '6': mode 160000 is the only one with 6 second
/** In `<tag> <mode> <blob> <stage>\t<path>` with a sha1 blob: where the stage, tab and path are. */
export const STAGE_AT = 50;
export const PATH_AT = 52;
const GITATTRIBUTES = '.gitattributes';

/**
 * A `-z` listing from git, kept as the one Buffer git wrote: 100k records cost no string until a
 * caller asks for a path. When every byte is ASCII (the usual case) it is also read through a
 * latin1 string, whose character offsets are byte offsets, because string scans are cheaper
 * than Buffer calls per record.
 */
export class Listing {
  private readonly text: string | undefined;
  constructor(readonly bytes: Buffer) {
    this.text = isAscii(bytes) ? bytes.toString('latin1') : undefined;
  }

  /** Calls `each(start, end)` for each NUL-ended record; `end` is the NUL's offset. */
  forEach(each: (start: number, end: number) => void): void {
    const { text, bytes } = this;
    const length = bytes.length;
    let start = 0;
    while (start < length) {
      let end = text !== undefined ? text.indexOf('\0', start) : bytes.indexOf(0, start);
      if (end < 0) end = length;
      each(start, end);
      start = end + 1;
    }
  }

  at(offset: number): number {
    return this.text !== undefined ? this.text.charCodeAt(offset) : this.bytes[offset]!;
  }

  /** Text from `start` to `end` (UTF-8). */
  slice(start: number, end: number): string {
    return this.text !== undefined ? this.text.slice(start, end) : this.bytes.toString('utf8', start, end);
  }

  /** True for an index record (`H 100644 <blob> 0\t<path>`, any tag) as opposed to `? <path>`. */
  isIndexRecord(start: number, end: number): boolean {
    return end - start > PATH_AT && this.at(start + STAGE_AT + 1) === TAB;
  }

  /** A clean, merged entry: git vouches for its blob id. */
  isCleanRecord(start: number): boolean {
    return this.at(start) === TAG_CLEAN && this.at(start + STAGE_AT) === STAGE_MERGED;
  }

  isGitlink(start: number): boolean {
    return this.at(start + 3) === MODE_GITLINK_SECOND;
  }

  recordPath(start: number, end: number): string {
    return this.slice(start + PATH_AT, end);
  }
}

export interface GitTree {
  /**
   * The `git ls-files -z -v -t -s -c -o --directory` output: index records
   * (`<tag> <mode> <blob> <stage>\t<path>\0`) in git's order (byte order of paths), and
   * `? <path>\0` records for untracked files.
   */
  listing: Listing;
  /** Tracked paths git cannot vouch for: modified, deleted, unmerged, assume-unchanged, skip-worktree. */
  untrusted: Set<string>;
  /** Submodules (mode 160000): their files are not in this index. */
  gitlinks: string[];
  /** Untracked and ignored paths; a trailing '/' names a folder with no tracked file (or a nested repository). */
  other: string[];
  /** The folder is the top of the working tree, so its `.git` (which git never lists) is inside. */
  atTop: boolean;
}

/**
 * Read-only settings for every call: report mode and symlink changes even where the checkout
 * turned them off, so a file whose working copy differs from the index in any way Docker sees
 * is read rather than trusted.
 */
const GIT_CONFIG = ['-c', 'core.fileMode=true', '-c', 'core.symlinks=true', '-c', 'core.quotePath=false'];

/** Attributes that make git's stored blob differ from the bytes in the working tree. */
const CONVERTING_ATTRIBUTES = /(^|\s)(filter|working-tree-encoding|ident|eol=crlf)(\s|=|$)/m;

function git(gitBinary: string, cwd: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      gitBinary,
      [...GIT_CONFIG, ...args],
      {
        cwd,
        encoding: 'buffer',
        maxBuffer: 1 << 30,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        if (error) {
          const detail = (stderr?.toString() ?? '').trim().split('\n')[0] || error.message;
          reject(Object.assign(new Error(detail), { code: (error as NodeJS.ErrnoException).code }));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

function splitNul(buffer: Buffer): string[] {
  const parts = buffer.toString('utf8').split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/**
 * The git view of `folder`, or `{ reason }` when git cannot be used (not a repository, git not
 * installed, a conversion that makes blob ids differ from the working tree bytes).
 */
export async function readGitTree(folder: string, gitBinary = 'git'): Promise<GitTree | { reason: string }> {
  const run = (args: string[]) => git(gitBinary, folder, args);
  let results: [Buffer, Buffer, Buffer, Buffer];
  try {
    results = await Promise.all([
      run(['rev-parse', '--show-toplevel', '--absolute-git-dir', '--show-object-format', '--show-prefix']),
      run(['config', '--get-regexp', '^core\\.(autocrlf|eol)$']).catch(() => Buffer.from('')),
      run(['ls-files', '-z', '-v', '-t', '-s', '-c', '-o', '--directory']),
      run(['diff-files', '--name-only', '--relative', '-z']),
    ]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      reason: code === 'ENOENT' ? 'git is not installed' : `git cannot read ${folder}: ${(error as Error).message}`,
    };
  }
  const [revParse, lineEndings, listing, modified] = results;
  const [top = '', gitDir = '', objectFormat = '', prefix = ''] = revParse.toString('utf8').split('\n');
  if (objectFormat !== 'sha1') return { reason: `the repository uses ${objectFormat} object ids` };
  // Either setting can make the checked-out bytes differ from the blobs git reports as clean.
  const lineEndingSettings = lineEndings.toString('utf8');
  if (/^core\.autocrlf (true|input)$/im.test(lineEndingSettings)) {
    return { reason: 'core.autocrlf converts line endings, so blob ids differ from the files' };
  }
  if (/^core\.eol crlf$/im.test(lineEndingSettings)) {
    return { reason: 'core.eol=crlf converts line endings, so blob ids differ from the files' };
  }

  const untrusted = new Set<string>();
  const gitlinks: string[] = [];
  const other: string[] = [];
  const attributeFiles = [path.join(gitDir, 'info', 'attributes')];
  // Ancestors between the repository top and the folder hold attributes that apply here too.
  const ancestors = prefix.split('/').filter(Boolean);
  for (let i = 0; i <= ancestors.length; i++) {
    attributeFiles.push(path.join(top, ...ancestors.slice(0, i), '.gitattributes'));
  }
  // Only the exceptions become strings here; clean records stay bytes for the fingerprint.
  const list = new Listing(listing);
  let folderUntracked = false;
  list.forEach((start, end) => {
    if (list.at(start) === TAG_OTHER) {
      const entry = list.slice(start + 2, end);
      // `./`: the whole folder is untracked or ignored; git vouches for nothing in it.
      if (entry === './') folderUntracked = true;
      else other.push(entry);
      return;
    }
    if (!list.isIndexRecord(start, end)) return;
    if (!list.isCleanRecord(start)) untrusted.add(list.recordPath(start, end));
    else if (list.isGitlink(start)) gitlinks.push(list.recordPath(start, end));
    // Cheap test on the last byte first: most paths do not end in 's'.
    if (list.at(end - 1) === 0x73 && list.slice(end - GITATTRIBUTES.length, end) === GITATTRIBUTES) {
      const entryPath = list.recordPath(start, end);
      if (entryPath === GITATTRIBUTES || entryPath.endsWith(`/${GITATTRIBUTES}`)) {
        attributeFiles.push(path.join(folder, entryPath));
      }
    }
  });
  if (folderUntracked) return { reason: `${folder} is not tracked by git (untracked or ignored)` };
  for (const p of splitNul(modified)) untrusted.add(p);
  for (const file of attributeFiles) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    if (CONVERTING_ATTRIBUTES.test(text)) {
      return { reason: `${file} declares filters or conversions, so blob ids differ from the files` };
    }
  }
  return { listing: list, untrusted, gitlinks, other, atTop: prefix === '' };
}
