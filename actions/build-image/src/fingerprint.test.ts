import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintBuild, gitBlobId, parseFileRecord, tagOf, type Fingerprint } from './fingerprint.js';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function write(root: string, files: Record<string, string>): void {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), content);
  }
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'gc.auto=0', ...args], {
    cwd,
    encoding: 'utf8',
  });
}

/** A committed repository: the context is `app/`, with a file beside it outside the context. */
function repository(): { root: string; context: string } {
  const root = mkdtempSync(join(tmpdir(), 'fp-test-'));
  roots.push(root);
  write(root, {
    'README.md': 'outside the context\n',
    '.gitignore': '*.tmp\n',
    'app/Dockerfile': 'FROM node:22\nCOPY . /app\n',
    'app/.dockerignore': 'node_modules\n*.md\n!KEEP.md\n',
    'app/src/index.js': 'console.log(1);\n',
    'app/src/lib/util.js': 'export const x = 1;\n',
    'app/package.json': '{"name":"app"}\n',
    'app/run.sh': '#!/bin/sh\necho hi\n',
    'app/notes.md': 'ignored by docker\n',
    'app/KEEP.md': 'kept by an exception\n',
    'app/node_modules/dep/index.js': 'module.exports = 1;\n',
  });
  chmodSync(join(root, 'app/run.sh'), 0o755);
  symlinkSync('src/index.js', join(root, 'app/entry.js'));
  git(root, 'init', '-q');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'initial');
  return { root, context: join(root, 'app') };
}

async function fp(
  context: string,
  options: {
    mode?: 'auto' | 'read';
    dockerfile?: string;
    args?: Record<string, string>;
    platform?: string;
    git?: string;
  } = {},
): Promise<Fingerprint> {
  return fingerprintBuild({
    context,
    dockerfile: options.dockerfile ?? join(context, 'Dockerfile'),
    buildArgs: new Map(Object.entries(options.args ?? {})),
    platform: options.platform ?? 'linux/amd64',
    mode: options.mode ?? 'auto',
    git: options.git,
  });
}

/** Fingerprints with the fast path and with a full read; they must agree. */
async function both(context: string): Promise<Fingerprint> {
  const fast = await fp(context);
  const full = await fp(context, { mode: 'read' });
  expect(fast.method).toBe('git');
  expect(full.method).toBe('read');
  expect(fast.listFiles()).toEqual(full.listFiles());
  expect(fast.fileCount).toBe(full.fileCount);
  expect(fast.fingerprint).toBe(full.fingerprint);
  return fast;
}

const paths = (f: Fingerprint) => f.listFiles().map((r) => parseFileRecord(r).path);

describe('fingerprintBuild', () => {
  test('the git fast path and a full read give the same fingerprint, and git vouches for clean files', async () => {
    const { context } = repository();
    const result = await both(context);
    expect(result.tag).toBe(tagOf(result.fingerprint));
    expect(result.tag).toMatch(/^fp-[0-9a-f]{32}$/);
    expect(paths(result)).toEqual([
      '.dockerignore',
      'Dockerfile',
      'KEEP.md',
      'entry.js',
      'package.json',
      'run.sh',
      'src/index.js',
      'src/lib/util.js',
    ]);
    expect(result.fromGit).toBe(8);
    expect(result.read).toBe(0);
    expect(result.changedInWorkingTree).toEqual([]);
  });

  test('the blob id is git’s own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fp-blob-'));
    roots.push(dir);
    writeFileSync(join(dir, 'f'), 'hello\n');
    const expected = execFileSync('git', ['hash-object', join(dir, 'f')], { encoding: 'utf8' }).trim();
    expect(gitBlobId(Buffer.from('hello\n'))).toBe(expected);
  });

  test('modified, untracked, git-ignored and deleted files count, on both paths alike', async () => {
    const { context } = repository();
    const clean = await both(context);

    write(context, { 'src/index.js': 'console.log(2);\n' });
    const modified = await both(context);
    expect(modified.fingerprint).not.toBe(clean.fingerprint);
    expect(modified.changedInWorkingTree).toEqual(['src/index.js']);

    write(context, { 'src/new.js': 'new\n' });
    const untracked = await both(context);
    expect(untracked.fingerprint).not.toBe(modified.fingerprint);
    expect(paths(untracked)).toContain('src/new.js');

    // Ignored by git, but Docker sends it: it counts.
    write(context, { 'cache.tmp': 'generated\n' });
    const gitIgnored = await both(context);
    expect(gitIgnored.fingerprint).not.toBe(untracked.fingerprint);
    expect(paths(gitIgnored)).toContain('cache.tmp');

    unlinkSync(join(context, 'package.json'));
    const deleted = await both(context);
    expect(paths(deleted)).not.toContain('package.json');
    expect(deleted.fingerprint).not.toBe(gitIgnored.fingerprint);
  });

  test('.dockerignored files and files outside the context do not count', async () => {
    const { root, context } = repository();
    const before = await both(context);
    write(context, { 'notes.md': 'changed\n', 'node_modules/dep/index.js': 'changed\n', 'node_modules/new.js': 'x' });
    write(root, { 'README.md': 'changed\n', 'other/file.txt': 'new\n' });
    const after = await both(context);
    expect(after.fingerprint).toBe(before.fingerprint);
    // ... but an exception (!KEEP.md) does.
    write(context, { 'KEEP.md': 'changed\n' });
    expect((await both(context)).fingerprint).not.toBe(before.fingerprint);
  });

  test('a file named $(touch pwned).js is hashed, and nothing is executed', async () => {
    const { root, context } = repository();
    const before = await both(context);
    const names = [
      '$(touch pwned).js',
      '`touch pwned`.js',
      'a;touch pwned',
      'new\nline.js',
      '-rf',
      ' lead space',
      'Ａ.js',
      '😀.js',
    ];
    for (const name of names) write(context, { [name]: 'x' });
    const untracked = await both(context);
    for (const name of names) expect(paths(untracked)).toContain(name);
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'odd names');
    const committed = await both(context);
    expect(committed.fingerprint).toBe(untracked.fingerprint);
    expect(committed.fingerprint).not.toBe(before.fingerprint);
    write(context, { '$(touch pwned).js': 'changed' });
    const changed = await both(context);
    expect(changed.changedInWorkingTree).toEqual(['$(touch pwned).js']);
    for (const dir of [root, context, process.cwd()]) {
      expect(readdirSync(dir)).not.toContain('pwned');
    }
    expect(existsSync(join(tmpdir(), 'pwned'))).toBe(false);
  });

  test('the executable bit and symlink targets count; a link is hashed as a link', async () => {
    const { context } = repository();
    const before = await both(context);
    chmodSync(join(context, 'run.sh'), 0o644);
    const notExecutable = await both(context);
    expect(notExecutable.fingerprint).not.toBe(before.fingerprint);

    unlinkSync(join(context, 'entry.js'));
    symlinkSync('src/lib/util.js', join(context, 'entry.js'));
    const retargeted = await both(context);
    expect(retargeted.fingerprint).not.toBe(notExecutable.fingerprint);

    // A regular file with the link's target as content differs from the link.
    unlinkSync(join(context, 'entry.js'));
    writeFileSync(join(context, 'entry.js'), 'src/lib/util.js');
    const asFile = await both(context);
    expect(asFile.fingerprint).not.toBe(retargeted.fingerprint);
  });

  test('the Dockerfile, a build arg and the platform each change it; arg order does not', async () => {
    const { context } = repository();
    const base = await fp(context, { args: { A: '1', B: '2' } });
    expect((await fp(context, { args: { B: '2', A: '1' } })).fingerprint).toBe(base.fingerprint);
    expect((await fp(context, { args: { A: '1', B: '3' } })).fingerprint).not.toBe(base.fingerprint);
    expect((await fp(context, { args: { A: '1' } })).fingerprint).not.toBe(base.fingerprint);
    const arm = await fp(context, { args: { A: '1', B: '2' }, platform: 'linux/arm64' });
    expect(arm.fingerprint).not.toBe(base.fingerprint);
    expect(arm.parts.platform).not.toBe(base.parts.platform);
    expect(arm.parts.files).toBe(base.parts.files);

    // A Dockerfile outside the context counts by its content.
    const other = join(context, '..', 'Dockerfile.prod');
    writeFileSync(other, 'FROM node:22\nCOPY . /app\n');
    const outside = await fp(context, { args: { A: '1', B: '2' }, dockerfile: other });
    expect(outside.fingerprint).toBe(base.fingerprint);
    writeFileSync(other, 'FROM node:24\nCOPY . /app\n');
    const changed = await fp(context, { args: { A: '1', B: '2' }, dockerfile: other });
    expect(changed.fingerprint).not.toBe(base.fingerprint);
    expect(changed.parts.dockerfile).not.toBe(base.parts.dockerfile);
  });

  test('the context at the repository top: .git is sent unless ignored, and both paths agree', async () => {
    const { root } = repository();
    write(root, { Dockerfile: 'FROM scratch\n' });
    const withGit = await both(root);
    expect(withGit.sendsGitFolder).toBe(true);
    write(root, { '.dockerignore': '.git\napp/node_modules\n' });
    const withoutGit = await both(root);
    expect(withoutGit.sendsGitFolder).toBe(false);
    expect(paths(withoutGit)).toContain('app/src/index.js');
  });

  test('untracked folders are walked with .dockerignore applied, on both paths alike', async () => {
    const { context } = repository();
    const before = await both(context);
    write(context, {
      'generated/a.js': 'a\n',
      'generated/deep/b.js': 'b\n',
      'generated/notes.md': 'excluded by *.md? no: *.md is root-anchored\n',
      'node_modules/new-dep/index.js': 'excluded\n',
      'node_modules/other/x/y.js': 'excluded\n',
    });
    const after = await both(context);
    expect(paths(after)).toEqual(
      expect.arrayContaining(['generated/a.js', 'generated/deep/b.js', 'generated/notes.md']),
    );
    expect(paths(after).some((p) => p.startsWith('node_modules/'))).toBe(false);
    expect(after.fingerprint).not.toBe(before.fingerprint);
    expect(after.read).toBe(3);
  });

  test('nested repositories inside the context are read in full', async () => {
    const { context } = repository();
    write(context, { 'vendor/lib/a.js': 'a\n', '.dockerignore': 'node_modules\n*.md\n!KEEP.md\n**/.git\n' });
    git(join(context, 'vendor/lib'), 'init', '-q');
    const result = await both(context);
    expect(paths(result)).toContain('vendor/lib/a.js');
  });

  test('without git (not a repository, or no git binary) every file is read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fp-nogit-'));
    roots.push(dir);
    write(dir, { Dockerfile: 'FROM scratch\n', 'a.txt': 'a' });
    const notRepo = await fp(dir);
    expect(notRepo.method).toBe('read');
    expect(notRepo.fallbackReason).toMatch(/git cannot read/);

    const { context } = repository();
    const noGit = await fp(context, { git: join(dir, 'no-such-git') });
    expect(noGit.method).toBe('read');
    expect(noGit.fallbackReason).toBe('git is not installed');
    expect(noGit.fingerprint).toBe((await fp(context)).fingerprint);
  });

  test('line-ending conversions turn the fast path off rather than give a different answer', async () => {
    const { root, context } = repository();
    write(root, { '.gitattributes': '*.js eol=crlf\n' });
    const result = await fp(context);
    expect(result.method).toBe('read');
    expect(result.fallbackReason).toMatch(/\.gitattributes declares filters or conversions/);
  });

  test('core.eol=crlf turns the fast path off as well', async () => {
    const { root, context } = repository();
    git(root, 'config', 'core.eol', 'crlf');
    const result = await fp(context);
    expect(result.method).toBe('read');
    expect(result.fallbackReason).toMatch(/core\.eol=crlf/);
  });

  test('a context folder git does not track is read, with .dockerignore applied', async () => {
    const { root } = repository();
    write(root, {
      '.gitignore': '*.tmp\nbuild/\n',
      'build/docker/Dockerfile': 'FROM scratch\nCOPY . /\n',
      'build/docker/.dockerignore': 'node_modules\n*.log\n',
      'build/docker/a.js': 'a\n',
      'build/docker/debug.log': 'excluded\n',
      'build/docker/node_modules/x/i.js': 'excluded\n',
    });
    const context = join(root, 'build/docker');
    const fast = await fp(context);
    const full = await fp(context, { mode: 'read' });
    expect(fast.fallbackReason).toMatch(/not tracked by git/);
    expect(fast.fingerprint).toBe(full.fingerprint);
    expect(paths(full)).toEqual(['.dockerignore', 'Dockerfile', 'a.js']);
  });

  test('only the owner execute bit counts, as git records it, so both paths agree', async () => {
    const { context } = repository();
    chmodSync(join(context, 'src/index.js'), 0o654);
    const result = await both(context);
    expect(result.method).toBe('git');
  });

  test('a missing Dockerfile is a clear error', async () => {
    const { context } = repository();
    await expect(fp(context, { dockerfile: join(context, 'Nope') })).rejects.toThrow(
      /No Dockerfile at .*Nope: set the 'dockerfile' input/,
    );
  });
});
