import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../testing/run-action.js';
import { changelogSection, checkRelease, parseVersion } from './release-check.js';

const changelog = `# Changelog

Intro.

## [Unreleased]

## [1.1.0] - 2026-12-20

### Added

- A new input.

## [1.0.0] - 2026-12-02

### Added

- Everything.

[Unreleased]: https://github.com/o/r/compare/v1.1.0...HEAD
[1.1.0]: https://github.com/o/r/releases/tag/v1.1.0
`;

describe('the CHANGELOG section', () => {
  test('is the text under the version heading, up to the next one', () => {
    expect(changelogSection(changelog, '1.1.0')).toBe('### Added\n\n- A new input.');
    expect(changelogSection(changelog, '1.0.0')).toBe('### Added\n\n- Everything.');
    expect(changelogSection('## 2.0.0\n\n- Plain heading.\n', '2.0.0')).toBe('- Plain heading.');
  });

  test('is not found for another version, nor for one that only starts the same', () => {
    expect(changelogSection(changelog, '1.0.1')).toBeUndefined();
    expect(changelogSection('## [1.0.10] - 2027-01-01\n\n- x\n', '1.0.1')).toBeUndefined();
  });
});

describe('the release check', () => {
  test('a matching tag gives the version, the major tag and the notes', () => {
    expect(checkRelease({ tag: 'v1.1.0', packageVersion: '1.1.0', changelog })).toEqual({
      version: '1.1.0',
      tag: 'v1.1.0',
      major: 'v1',
      moveMajor: true,
      notes: '### Added\n\n- A new input.',
    });
    // A manual run types the version without the v.
    expect(checkRelease({ tag: '1.1.0', packageVersion: '1.1.0', changelog }).tag).toBe('v1.1.0');
  });

  test('a tag that does not match package.json fails, saying what to change', () => {
    expect(() => checkRelease({ tag: 'v1.1.0', packageVersion: '1.0.0', changelog })).toThrow(
      `tag v1.1.0 does not match package.json's version 1.0.0: set "version": "1.1.0" in package.json`,
    );
  });

  test('a version the CHANGELOG has no section for fails, saying what to add', () => {
    expect(() => checkRelease({ tag: 'v1.2.0', packageVersion: '1.2.0', changelog })).toThrow(
      'CHANGELOG.md has no section for 1.2.0: add "## [1.2.0] - YYYY-MM-DD" above the previous release',
    );
    expect(() =>
      checkRelease({ tag: 'v1.2.0', packageVersion: '1.2.0', changelog: '## [1.2.0] - 2027-01-01\n\n## [1.1.0]\n' }),
    ).toThrow("CHANGELOG.md's section for 1.2.0 is empty");
  });

  test('both problems are reported in one run', () => {
    expect(() => checkRelease({ tag: 'v9.0.0', packageVersion: '1.0.0', changelog })).toThrow(
      /does not match package.json's version 1.0.0.*\nCHANGELOG.md has no section for 9.0.0/s,
    );
  });

  test('a tag that is not vX.Y.Z fails before anything else', () => {
    for (const tag of ['v1', 'v1.2', 'release-1.0.0', 'v1.0.0-rc.1', 'v01.0.0'])
      expect(() => parseVersion(tag)).toThrow(`the tag '${tag}' is not a version: use vMAJOR.MINOR.PATCH`);
  });

  test('the major tag moves only to the newest release of its major', () => {
    const existingTags = ['refs/tags/v1.0.0', 'refs/tags/v1.1.0', 'refs/tags/v1', 'refs/tags/v2.0.0', 'refs/tags/x'];
    const plan = (tag: string) =>
      checkRelease({ tag, packageVersion: tag.slice(1), changelog: `## ${tag.slice(1)}\n\n- x\n`, existingTags });
    expect(plan('v1.1.1').moveMajor).toBe(true);
    expect(plan('v1.0.1').moveMajor).toBe(false); // a patch to an older line leaves v1 on 1.1.0
    expect(plan('v2.0.1')).toMatchObject({ major: 'v2', moveMajor: true });
  });
});

describe('this repository', () => {
  test('package.json, package-lock.json and CHANGELOG.md agree on the version, so it can be released', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
      version: string;
      packages: Record<string, { version?: string }>;
    };
    expect([lock.version, lock.packages['']?.version]).toEqual([pkg.version, pkg.version]);
    const plan = checkRelease({
      tag: `v${pkg.version}`,
      packageVersion: pkg.version,
      changelog: readFileSync(join(repoRoot, 'CHANGELOG.md'), 'utf8'),
    });
    expect(plan.notes).toMatch(/^### Added$/m);
    for (const heading of plan.notes.match(/^### .*/gm) ?? [])
      expect(['### Added', '### Changed', '### Fixed', '### Security', '### Removed', '### Deprecated']).toContain(
        heading,
      );
  });

  test('as the release workflow runs it: outputs and notes on success, ::error and exit 1 on a mismatch', () => {
    const dir = mkdtempSync(join(tmpdir(), 'release-check-'));
    try {
      const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
      const tags = join(dir, 'tags');
      writeFileSync(tags, `refs/tags/v${version}\n`);
      const run = (tag: string) =>
        spawnSync(
          process.execPath,
          [
            join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
            'scripts/release-check.ts',
            tag,
            '--existing-tags',
            tags,
            '--notes-file',
            join(dir, 'notes.md'),
          ],
          { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, GITHUB_OUTPUT: join(dir, 'output') } },
        );
      const ok = run(`v${version}`);
      expect(ok.status).toBe(0);
      const major = `v${version.split('.')[0]}`;
      expect(readFileSync(join(dir, 'output'), 'utf8')).toBe(
        `version=${version}\ntag=v${version}\nmajor=${major}\nmove-major=true\n`,
      );
      expect(readFileSync(join(dir, 'notes.md'), 'utf8')).toMatch(/^### Added$/m);

      const bad = run('v99.0.0');
      expect(bad.status).toBe(1);
      expect(bad.stdout).toContain(
        `::error title=Release check::tag v99.0.0 does not match package.json's version ${version}`,
      );
      expect(bad.stdout).toContain('::error title=Release check::CHANGELOG.md has no section for 99.0.0');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
