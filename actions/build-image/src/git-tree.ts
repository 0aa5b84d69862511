/**
 * What git knows about a folder, from two listings run side by side, each started with an
 * argument array (no shell) and NUL-separated, so no file name is ever interpreted:
 *
 *   git ls-files -z -v -t -s -c -o      every index entry (`H <mode> <blob> <stage>\t<path>`) and
 *                                       `? <path>` for each untracked file, git-ignored ones
 *                                       included (Docker sends those)
 *   git diff-files --name-only -z       tracked files whose working copy differs or is gone: one
 *                                       lstat per file against the index's stat cache, spread over
 *                                       threads (core.preloadIndex); content only where stat changed
 *
 * Lowercase tags (assume-unchanged), S (skip-worktree) and stages other than 0 (unmerged) are
 * entries git cannot vouch for either. Paths are relative to the folder (git runs in it).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * One index record as `git ls-files -s -v -t -z` prints it: `<tag> <mode> <blob> <stage>\t<path>`.
 * Kept as the raw string (100k of them must not cost 100k objects); read it with the helpers.
 */
export type IndexRecord = string;
/** The path. */
export const recordPath = (r: IndexRecord): string => r.slice(52);
/** `<mode> <blob>`, e.g. `100644 e69de29bb2d1d6434b8b29ae775ad8c2e48c5391`. */
export const recordModeAndBlob = (r: IndexRecord): string => r.slice(2, 49);
/** '100644' | '100755' | '120000' | '160000' (a submodule). */
export const recordMode = (r: IndexRecord): string => r.slice(2, 8);

export interface GitTree {
  /** Index records of the folder, in git's (byte) order. */
  tracked: IndexRecord[];
  /** Tracked paths git cannot vouch for: modified, deleted, unmerged, assume-unchanged, skip-worktree. */
  untrusted: Set<string>;
  /** Untracked and ignored paths; a trailing '/' names a nested repository. */
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
  const text = buffer.toString('utf8');
  const parts = text.split('\0');
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
      run(['config', '--get', 'core.autocrlf']).catch(() => Buffer.from('')),
      run(['ls-files', '-z', '-v', '-t', '-s', '-c', '-o']),
      run(['diff-files', '--name-only', '--relative', '-z']),
    ]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      reason: code === 'ENOENT' ? 'git is not installed' : `git cannot read ${folder}: ${(error as Error).message}`,
    };
  }
  const [revParse, autocrlf, listing, modified] = results;
  const [top = '', gitDir = '', objectFormat = '', prefix = ''] = revParse.toString('utf8').split('\n');
  if (objectFormat !== 'sha1') return { reason: `the repository uses ${objectFormat} object ids` };
  if (/^(true|input)$/i.test(autocrlf.toString('utf8').trim())) {
    return { reason: 'core.autocrlf converts line endings, so blob ids differ from the files' };
  }

  const tracked: IndexRecord[] = [];
  const untrusted = new Set<string>();
  const attributeFiles = [path.join(gitDir, 'info', 'attributes')];
  // Ancestors between the repository top and the folder hold attributes that apply here too.
  const ancestors = prefix.split('/').filter(Boolean);
  for (let i = 0; i <= ancestors.length; i++) {
    attributeFiles.push(path.join(top, ...ancestors.slice(0, i), '.gitattributes'));
  }
  const other: string[] = [];
  // Tag H is a plain cached entry at stage 0 (merged). The layout is fixed for sha1 ids (checked
  // above), so fields are cut by position.
  for (const record of splitNul(listing)) {
    if (record[0] === '?' && record[1] === ' ') {
      other.push(record.slice(2));
      continue;
    }
    if (record.length < 53 || record[51] !== '\t') continue;
    if (record[0] !== 'H' || record[50] !== '0') untrusted.add(recordPath(record));
    tracked.push(record);
    if (record.endsWith('.gitattributes')) {
      const entryPath = recordPath(record);
      if (entryPath === '.gitattributes' || entryPath.endsWith('/.gitattributes')) {
        attributeFiles.push(path.join(folder, entryPath));
      }
    }
  }
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
  return { tracked, untrusted, other, atTop: prefix === '' };
}
