import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contextFilter, listContext } from './docker-context.js';

function context(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ctx-'));
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  return dir;
}

describe('listContext', () => {
  test('follows Docker rules: root-anchored names, ** and ! exceptions', () => {
    const dir = context({
      '.dockerignore': 'node_modules\n*.md\n!README.md\nlogs/**\n!logs/keep.log\n',
      'src/index.js': '',
      'src/notes.md': '',
      'notes.md': '',
      'README.md': '',
      'node_modules/x/index.js': '',
      'logs/a.log': '',
      'logs/keep.log': '',
      'deep/node_modules/y.js': '',
    });
    expect(listContext(dir).map((e) => e.path)).toEqual([
      '.dockerignore',
      'README.md',
      'deep/node_modules/y.js',
      'logs/keep.log',
      'src/index.js',
      'src/notes.md',
    ]);
  });

  test('records executables and symlinks as such', () => {
    const dir = context({ 'run.sh': '#!/bin/sh', 'a.txt': 'a' });
    chmodSync(join(dir, 'run.sh'), 0o755);
    symlinkSync('a.txt', join(dir, 'link'));
    expect(listContext(dir)).toEqual([
      { path: 'a.txt', kind: 'file', executable: false },
      { path: 'link', kind: 'symlink', executable: false },
      { path: 'run.sh', kind: 'file', executable: true },
    ]);
  });

  test('no .dockerignore sends everything', () => {
    const dir = context({ 'a/b/c.txt': '', 'd.txt': '' });
    expect(listContext(dir).map((e) => e.path)).toEqual(['a/b/c.txt', 'd.txt']);
  });
});

describe('contextFilter', () => {
  test('agrees with @balena/dockerignore on every path of a mixed set', async () => {
    const { default: factory } = (await import('@balena/dockerignore')) as unknown as {
      default: (typeof import('@balena/dockerignore'))['default'];
    };
    const ignore = ((factory as unknown as { default?: typeof factory }).default ?? factory) as typeof factory;
    const patternSets = [
      ['node_modules', '*.md', '!README.md', 'logs/**', '!logs/keep.log'],
      ['**/*.log', 'tmp/', '.git', '!tmp/keep'],
      ['src/*/test', 'a?c', '**/dist/**', '!**/dist/keep.js', 'docs'],
      ['*', '!src', '!Dockerfile'],
      ['[ab]*.txt', 'x/**/y', '*/*/deep', '!x/keep/y', 'src/a'],
    ];
    const paths = [
      'README.md',
      'notes.md',
      'src/notes.md',
      'node_modules/x/index.js',
      'deep/node_modules/y.js',
      'logs/a.log',
      'logs/keep.log',
      'a.log',
      'x/y/z.log',
      'tmp/a',
      'tmp/keep',
      '.git/HEAD',
      'src/a/test',
      'src/a/test/x.js',
      'abc',
      'abc/d',
      'pkg/dist/a.js',
      'pkg/dist/keep.js',
      'docs/x/y.md',
      'src/index.js',
      'Dockerfile',
      'other/file',
      'a1.txt',
      'c1.txt',
      'x/y',
      'x/q/r/y',
      'x/keep/y',
      'q/r/deep',
      'q/r/deep/file',
      'src/a/b/c.js',
      'src/ab',
    ];
    for (const patterns of patternSets) {
      const reference = ignore().add(patterns);
      const included = contextFilter(patterns);
      // Twice, in two orders: the filter caches by folder.
      for (const p of [...paths, ...[...paths].reverse()]) {
        expect([patterns, p, included(p)]).toEqual([patterns, p, !reference.ignores(p)]);
      }
    }
  });
});
