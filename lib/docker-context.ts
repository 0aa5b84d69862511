/**
 * The build context as Docker sends it: every file under the context folder that `.dockerignore`
 * does not exclude, with Docker's own matching rules (including `!` exceptions), through
 * @balena/dockerignore, a port of Docker's Go implementation.
 * https://docs.docker.com/build/concepts/context/#dockerignore-files
 *
 * Shared by build-image (the fingerprint) and the sandbox's docker shim (the image's files), so
 * both agree on what an image is made of.
 */
import dockerignore from '@balena/dockerignore';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

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

/** True for paths Docker sends in the context. */
export function contextFilter(patterns: string[]): ContextFilter {
  const matcher = ignore().add(patterns);
  return (relativePath) => !matcher.ignores(relativePath);
}

/**
 * Walks the context and lists what Docker would send, sorted by path. A folder that is excluded
 * is not entered unless some `!` pattern could bring part of it back.
 */
export function listContext(contextDir: string, patterns = readDockerignore(contextDir)): ContextEntry[] {
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
          executable: stat.isFile() && (stat.mode & 0o111) !== 0,
        });
      }
    }
  };
  walk('');
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
