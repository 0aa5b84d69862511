/**
 * `.dockerignore` patterns as rules: what Docker does to each line (trim, `!` exceptions, path
 * cleaning, a leading '/' dropped) and the regexp of each pattern, following Moby's
 * builder/dockerignore and pkg/fileutils, as @balena/dockerignore (a port of them) does too.
 * https://docs.docker.com/build/concepts/context/#syntax
 *
 * Our own because the package's public API only answers "is this path excluded", computing the
 * half of the answer that depends on the parent folder again for every file; for contexts of
 * 100k files contextFilter needs each rule's regexp to compute that half once per folder. The
 * package stays the reference: docker-context-rules.test.ts compares the two on generated
 * patterns and paths. POSIX separators only (contextFilter uses the package elsewhere).
 */
import * as path from 'node:path';

export interface DockerignoreRule {
  /** The pattern as matched: cleaned, without its `!`. */
  pattern: string;
  /** Its '/'-separated parts, `**` included. */
  dirs: string[];
  /** A `!` exception: a match brings the path back. */
  negative: boolean;
  regexp: RegExp;
}

/** Docker's cleaning of a pattern: Go's filepath.Clean, without a trailing '/'. */
function clean(pattern: string): string {
  return path.posix.normalize(pattern).replace(/(?<=.)\/$/, '');
}

/** The rules of `.dockerignore` lines, in order; comments, blank lines and a lone `!` make none. */
export function parseDockerignore(lines: string[]): DockerignoreRule[] {
  const rules: DockerignoreRule[] = [];
  for (const line of lines) {
    if (!line || line.startsWith('#') || line.trim() === '') continue;
    const rule = parseLine(line.trim());
    if (rule) rules.push(rule);
  }
  return rules;
}

function parseLine(line: string): DockerignoreRule | undefined {
  // builder/dockerignore: an exception's `!` is taken off, the rest cleaned and made relative...
  let pattern = line;
  const exception = pattern.startsWith('!');
  if (exception) pattern = pattern.slice(1).trim();
  if (pattern.length > 0) {
    pattern = clean(pattern);
    if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
  }
  // ...then pkg/fileutils reads the `!` again from the cleaned text (so `!!a` excludes `!a`).
  pattern = clean((exception ? `!${pattern}` : pattern).trim());
  if (pattern === '' || pattern === '!') return undefined;
  const negative = pattern.startsWith('!');
  if (negative) pattern = pattern.slice(1);
  return { pattern, dirs: pattern.split('/'), negative, regexp: compile(pattern) };
}

/**
 * The regexp of one pattern: `*` and `?` never cross '/', `**` spans any number of folders (at
 * the end, anything), `\` escapes the next character. Case-insensitive, as the package matches by
 * default. Docker's own matcher is case-sensitive (moby/patternmatcher compiles its regexps
 * without case folding, https://github.com/moby/patternmatcher/blob/main/patternmatcher.go), so
 * `*.MD` excludes README.md here and not in a build: kept equal to the package for now, because
 * changing it changes fingerprints.
 */
function compile(pattern: string): RegExp {
  let source = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') i++;
        source += pattern[i + 1] === undefined ? '.*' : '(.*/)?';
      } else {
        source += '[^/]*';
      }
    } else if (ch === '?') {
      source += '[^/]';
    } else if (ch === '.' || ch === '$') {
      source += `\\${ch}`;
    } else if (ch === '\\') {
      if (pattern[i + 1] !== undefined) source += `\\${pattern[++i]}`;
      else source += '\\';
    } else {
      source += ch;
    }
  }
  return new RegExp(`${source}$`, 'i');
}
