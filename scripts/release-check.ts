/**
 * The checks a release makes before anything is tagged: the tag is vX.Y.Z, it names the
 * version package.json holds, and CHANGELOG.md has a section for that version, which becomes
 * the release notes. Also decides whether the major tag (v1) moves: only to the newest
 * release of that major, so a patch to an older line never pulls v1 back.
 *
 *   tsx scripts/release-check.ts <vX.Y.Z | X.Y.Z> [--existing-tags <file>] [--notes-file <file>]
 *
 * Writes version, tag, major and move-major to $GITHUB_OUTPUT when it is set.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export class ReleaseCheckError extends Error {}

export interface Version {
  major: number;
  minor: number;
  patch: number;
}

const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** `v1.2.3` or `1.2.3` (a manual run types the version without the v). */
export function parseVersion(text: string, what = 'the tag'): Version {
  const match = SEMVER.exec(text.trim());
  if (!match) {
    throw new ReleaseCheckError(
      `${what} '${text}' is not a version: use vMAJOR.MINOR.PATCH, e.g. v1.2.0 (a manual run takes 1.2.0 or v1.2.0)`,
    );
  }
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

export function formatVersion(v: Version): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

function compare(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/**
 * The body of the CHANGELOG section for `version` (the lines under `## [1.2.0] - 2025-01-31`
 * or `## 1.2.0`, up to the next `## ` heading), trimmed.
 */
export function changelogSection(changelog: string, version: string): string | undefined {
  const lines = changelog.split(/\r?\n/);
  const escaped = version.replace(/\./g, '\\.');
  const heading = new RegExp(`^##\\s+\\[?v?${escaped}\\]?(\\s|$)`);
  const start = lines.findIndex((line) => heading.test(line));
  if (start < 0) return undefined;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => /^##\s/.test(line));
  const body = (end < 0 ? rest : rest.slice(0, end)).join('\n');
  // Link reference definitions ([1.2.0]: https://...) at the foot belong to the whole file.
  return body.replace(/(\n\[[^\]]+\]:\s*\S+)+\s*$/, '').trim();
}

export interface ReleasePlan {
  /** 1.2.0 */
  version: string;
  /** v1.2.0 */
  tag: string;
  /** v1 */
  major: string;
  /** Whether the major tag moves to this release (it is the newest of its major). */
  moveMajor: boolean;
  /** The CHANGELOG section: the release notes. */
  notes: string;
}

export interface ReleaseInputs {
  /** The pushed tag (v1.2.0) or the version a manual run was given (1.2.0). */
  tag: string;
  /** package.json's version. */
  packageVersion: string;
  changelog: string;
  /** Tags that exist already (refs/tags/v1.1.0 or v1.1.0); other names are ignored. */
  existingTags?: string[];
}

/** Every problem at once, so one failed run says everything that has to change. */
export function checkRelease(inputs: ReleaseInputs): ReleasePlan {
  const requested = parseVersion(inputs.tag);
  const version = formatVersion(requested);
  const problems: string[] = [];
  if (inputs.packageVersion !== version) {
    problems.push(
      `tag v${version} does not match package.json's version ${inputs.packageVersion}: set "version": "${version}" in package.json and package-lock.json (npm version ${version} --no-git-tag-version), commit, and release that commit`,
    );
  }
  const notes = changelogSection(inputs.changelog, version);
  if (notes === undefined) {
    problems.push(
      `CHANGELOG.md has no section for ${version}: add "## [${version}] - YYYY-MM-DD" above the previous release, with its Added, Changed, Fixed or Security notes`,
    );
  } else if (notes === '') {
    problems.push(
      `CHANGELOG.md's section for ${version} is empty: list what changed (Added, Changed, Fixed, Security)`,
    );
  }
  if (problems.length > 0) throw new ReleaseCheckError(problems.join('\n'));

  const sameMajor = (inputs.existingTags ?? [])
    .map((ref) => ref.trim().replace(/^refs\/tags\//, ''))
    .filter((name) => SEMVER.test(name) && name.startsWith('v'))
    .map((name) => parseVersion(name))
    .filter((v) => v.major === requested.major);
  const moveMajor = sameMajor.every((v) => compare(v, requested) <= 0);
  return { version, tag: `v${version}`, major: `v${requested.major}`, moveMajor, notes: notes! };
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index < 0 ? undefined : process.argv[index + 1];
}

function main(): number {
  const root = new URL('..', import.meta.url).pathname;
  const tag = process.argv[2];
  if (!tag || tag.startsWith('--')) {
    console.error('usage: tsx scripts/release-check.ts <vX.Y.Z> [--existing-tags <file>] [--notes-file <file>]');
    return 2;
  }
  const tagsFile = argument('--existing-tags');
  const notesFile = argument('--notes-file');
  try {
    const plan = checkRelease({
      tag,
      packageVersion: (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
      changelog: readFileSync(join(root, 'CHANGELOG.md'), 'utf8'),
      existingTags: tagsFile ? readFileSync(tagsFile, 'utf8').split('\n').filter(Boolean) : [],
    });
    if (notesFile) writeFileSync(notesFile, `${plan.notes}\n`);
    const outputs = `version=${plan.version}\ntag=${plan.tag}\nmajor=${plan.major}\nmove-major=${plan.moveMajor}\n`;
    if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, outputs);
    console.log(
      `${plan.tag}: package.json and CHANGELOG.md agree; ${plan.major} ${plan.moveMajor ? 'moves to it' : 'stays on a newer release'}`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof ReleaseCheckError)) throw error;
    for (const line of error.message.split('\n')) console.log(`::error title=Release check::${line}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main();
