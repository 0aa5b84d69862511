/**
 * The build context as Docker sends it: every file under the context folder that `.dockerignore`
 * does not exclude, with Docker's own matching rules (including `!` exceptions): our rules
 * (docker-context-rules.ts), held equal to @balena/dockerignore, a port of Docker's Go code.
 * https://docs.docker.com/build/concepts/context/#dockerignore-files
 *
 * Shared by build-image (the fingerprint) and the sandbox's docker shim (the image's files), so
 * both agree on what an image is made of.
 */
import dockerignore from '@balena/dockerignore';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseDockerignore } from './docker-context-rules.js';

// The package is CommonJS with an ES-style default: Node's ESM loader hands us module.exports,
// whose `default` is the factory (bundlers may hand us the factory itself).
const ignore = ((dockerignore as unknown as { default?: typeof dockerignore }).default ??
  dockerignore) as unknown as typeof dockerignore.default;

export interface ContextEntry {
  /** Path relative to the context, with '/' separators. */
  path: string;
  kind: 'file' | 'symlink';
  executable: boolean;
}

export type ContextFilter = (relativePath: string) => boolean;

/** The patterns of `<context>/.dockerignore` (none when the file is absent). */
export function readDockerignore(contextDir: string): string[] {
  let text: string;
  try {
    text = readFileSync(path.join(contextDir, '.dockerignore'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text.split(/\r?\n/);
}

/**
 * The patterns that apply to a build: `<Dockerfile>.dockerignore` next to the Dockerfile when it
 * exists (BuildKit prefers it), else `<context>/.dockerignore`.
 * https://docs.docker.com/build/concepts/context/#filename-and-location
 */
export function dockerignoreFor(contextDir: string, dockerfile?: string): { patterns: string[]; file?: string } {
  if (dockerfile) {
    const specific = `${dockerfile}.dockerignore`;
    try {
      return { patterns: readFileSync(specific, 'utf8').split(/\r?\n/), file: specific };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  const patterns = readDockerignore(contextDir);
  return { patterns, file: patterns.length ? path.join(contextDir, '.dockerignore') : undefined };
}

/**
 * True for paths Docker sends in the context. For large contexts (100k files) the matcher's
 * per-path cost matters, so Docker's algorithm is run with the half that depends only on the
 * parent folder (does a rule match the folder or one of its ancestors) computed once per folder,
 * from our own rules (docker-context-rules.ts says why). Paths must be clean ('a/b', no './').
 */
export function contextFilter(patterns: string[]): ContextFilter {
  if (path.sep !== '/') {
    // Backslash separators: the package's own matcher, one path at a time.
    const matcher = ignore().add(patterns);
    return (relativePath) => !matcher.ignores(relativePath);
  }
  const rules = parseDockerignore(patterns);
  if (rules.length === 0) return () => true;
  const regexps = rules.map((rule) => rule.regexp);
  // A rule made only of literal characters, '/', '*' and '?' (no '**', classes or escapes) becomes
  // a regexp in which nothing matches '/' but the pattern's own slashes: it can only match a path
  // with as many segments as the pattern. Knowing that skips most regexp tests in big contexts.
  const segments = rules.map((rule, i) =>
    /^[A-Za-z0-9_.\-/*?@~,=:% ]*$/.test(rule.pattern) && !regexps[i]!.source.includes('.*') ? rule.dirs.length : -1,
  );
  const parentMatches = new Map<string, { matches: boolean[]; depth: number }>();
  // Moby's fileutils.Matches (as @balena/dockerignore's matcher runs it), the parent half per folder.
  const forParent = (parentPath: string): { matches: boolean[]; depth: number } => {
    let cached = parentMatches.get(parentPath);
    if (cached) return cached;
    const parentDirs = parentPath.split('/');
    const matches = rules.map((rule, i) => {
      if (parentPath === '.') return false;
      const regexp = regexps[i]!;
      if (rule.dirs.includes('**')) {
        for (let n = rule.dirs.filter((x) => x !== '**').length; n <= parentDirs.length; n++) {
          if (regexp.test(parentDirs.slice(0, n).join('/'))) return true;
        }
        return false;
      }
      return rule.dirs.length <= parentDirs.length && regexp.test(parentDirs.slice(0, rule.dirs.length).join('/'));
    });
    cached = { matches, depth: parentPath === '.' ? 0 : parentDirs.length };
    parentMatches.set(parentPath, cached);
    return cached;
  };
  // Files come grouped by folder (walks and git's index both list a folder's files together).
  let lastParent = '';
  let last = forParent('.');
  return (relativePath) => {
    if (!relativePath) return false;
    const slash = relativePath.lastIndexOf('/');
    if (slash < 0) {
      if (lastParent !== '.') last = forParent((lastParent = '.'));
    } else if (slash !== lastParent.length || !relativePath.startsWith(lastParent)) {
      lastParent = relativePath.slice(0, slash);
      last = forParent(lastParent);
    }
    const depth = last.depth + 1;
    let excluded = false;
    for (let i = 0; i < rules.length; i++) {
      const fixed = segments[i]!;
      if (last.matches[i] || ((fixed < 0 || fixed === depth) && regexps[i]!.test(relativePath))) {
        excluded = !rules[i]!.negative;
      }
    }
    return !excluded;
  };
}

/**
 * Walks the context and lists what Docker would send, sorted by path. A folder that is excluded
 * is not entered unless some `!` pattern could bring part of it back. `under` (a path relative to
 * the context, '/' separators) limits the walk to one folder, still matched from the context root.
 */
export function listContext(contextDir: string, patterns = readDockerignore(contextDir), under = ''): ContextEntry[] {
  const included = contextFilter(patterns);
  const hasExceptions = patterns.some((p) => p.trim().startsWith('!'));
  const entries: ContextEntry[] = [];
  const walk = (relativeDir: string) => {
    const absoluteDir = path.join(contextDir, relativeDir);
    for (const name of readdirSync(absoluteDir)) {
      const relativePath = relativeDir ? `${relativeDir}/${name}` : name;
      const stat = lstatSync(path.join(absoluteDir, name));
      if (stat.isDirectory()) {
        if (included(relativePath) || hasExceptions) walk(relativePath);
      } else if ((stat.isFile() || stat.isSymbolicLink()) && included(relativePath)) {
        entries.push({
          path: relativePath,
          kind: stat.isSymbolicLink() ? 'symlink' : 'file',
          // The owner bit, as git records it (100755 or 100644).
          executable: stat.isFile() && (stat.mode & 0o100) !== 0,
        });
      }
    }
  };
  const start = under.replace(/\/+$/, '');
  if (start === '' || included(start) || hasExceptions) walk(start);
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
