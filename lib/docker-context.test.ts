import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listContext } from './docker-context.js';

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
