/**
 * Checks that every row of .github/action-pins.json still holds upstream: the tag it names
 * resolves (annotated tags dereferenced to their commit) to the SHA the workflows pin. A tag
 * that was moved, or deleted, fails the run: the pinned commit is no longer the release it
 * claims to be, and someone should look before the next Dependabot update.
 *
 * Run by .github/workflows/pins.yml (Node 24 runs this file as it is: only erasable
 * TypeScript, no imports of other project files). Tests: testing/action-pins.test.ts.
 *   node scripts/check-pins.ts [path/to/action-pins.json]
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

export interface Pin {
  action: string;
  version: string;
  sha: string;
}

/** `git ls-remote` output for one repository, as text. */
export type LsRemote = (repository: string, refs: string[]) => Promise<string>;

/** The repository an action lives in: `github/codeql-action` for `github/codeql-action/upload-sarif`. */
export function repositoryOf(action: string): string {
  const [owner, name] = action.split('/');
  if (!owner || !name) throw new Error(`action ${action} is not OWNER/REPO[/PATH]`);
  return `${owner}/${name}`;
}

/** Ref name -> SHA from `git ls-remote` lines (`<sha>\t<ref>`). */
export function parseLsRemote(text: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]{40})\s+(\S+)$/.exec(line.trim());
    if (match) refs.set(match[2]!, match[1]!);
  }
  return refs;
}

/**
 * The commit a tag points at: an annotated tag is an object of its own, and git lists the
 * commit it points to as `refs/tags/<tag>^{}` (git-ls-remote(1), "peeled" tags); a lightweight
 * tag points at the commit directly.
 */
export function tagCommit(refs: Map<string, string>, tag: string): string | undefined {
  return refs.get(`refs/tags/${tag}^{}`) ?? refs.get(`refs/tags/${tag}`);
}

/** One message per pin whose tag no longer resolves to its SHA; empty when all hold. */
export async function checkPins(pins: Pin[], lsRemote: LsRemote): Promise<string[]> {
  const problems: string[] = [];
  for (const pin of pins) {
    const repository = repositoryOf(pin.action);
    const refs = parseLsRemote(await lsRemote(repository, [`refs/tags/${pin.version}`, `refs/tags/${pin.version}^{}`]));
    const commit = tagCommit(refs, pin.version);
    if (!commit) {
      problems.push(
        `${pin.action} ${pin.version}: the tag no longer exists in ${repository}; the pin ${pin.sha} names no release`,
      );
    } else if (commit !== pin.sha) {
      problems.push(
        `${pin.action} ${pin.version}: the tag now points at ${commit}, not the pinned ${pin.sha}; find out why before trusting either`,
      );
    }
  }
  return problems;
}

/** `git ls-remote` over HTTPS, no shell, no credentials. */
const gitLsRemote: LsRemote = async (repository, refs) => {
  const { stdout } = await promisify(execFile)('git', ['ls-remote', `https://github.com/${repository}.git`, ...refs], {
    timeout: 60_000,
  });
  return stdout;
};

async function main(file: string): Promise<number> {
  const { pins } = JSON.parse(readFileSync(file, 'utf8')) as { pins: Pin[] };
  const problems = await checkPins(pins, gitLsRemote);
  for (const problem of problems) console.log(`::error title=Pin no longer matches its tag::${problem}`);
  console.log(`${pins.length - problems.length} of ${pins.length} pins match their tags upstream.`);
  return problems.length === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv[2] ?? '.github/action-pins.json').then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.log(`::error title=Pin check failed::${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
