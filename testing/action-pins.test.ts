/**
 * The committed pins table and the weekly check that each tag still resolves to its pinned
 * commit (scripts/check-pins.ts), on canned `git ls-remote` output: no network.
 */
import { checkPins, parseLsRemote, repositoryOf, tagCommit, type LsRemote } from '../scripts/check-pins.js';
import { loadPins } from './workflow-rules.js';
import { loadWorkflows } from './workflows.js';

const CHECKOUT = { action: 'actions/checkout', version: 'v7.0.1', sha: '3d3c42e5aac5ba805825da76410c181273ba90b1' };
const SARIF = {
  action: 'github/codeql-action/upload-sarif',
  version: 'v4.36.2',
  sha: '8aad20d150bbac5944a9f9d289da16a4b0d87c1e',
};
const TAG_OBJECT = '95d05d253fc3946e46f07f6b193cedeb2126df47';
const OTHER = 'b4ffde65f46336ab88eb53be808477a3936bae11';

/** ls-remote answers per repository, and the calls made. */
function fakeRemote(answers: Record<string, string>): { lsRemote: LsRemote; calls: Array<[string, string[]]> } {
  const calls: Array<[string, string[]]> = [];
  return {
    calls,
    lsRemote: (repository, refs) => {
      calls.push([repository, refs]);
      return Promise.resolve(answers[repository] ?? '');
    },
  };
}

describe('reading git ls-remote', () => {
  it('an annotated tag resolves to the commit it points at (the ^{} line), a lightweight tag to its own line', () => {
    const refs = parseLsRemote(
      `${TAG_OBJECT}\trefs/tags/v7.0.1\n${CHECKOUT.sha}\trefs/tags/v7.0.1^{}\n${OTHER}\trefs/tags/v6\n`,
    );
    expect(tagCommit(refs, 'v7.0.1')).toBe(CHECKOUT.sha);
    expect(tagCommit(refs, 'v6')).toBe(OTHER);
    expect(tagCommit(refs, 'v5')).toBeUndefined();
  });

  it('an action in a subfolder lives in its OWNER/REPO', () => {
    expect(repositoryOf(SARIF.action)).toBe('github/codeql-action');
    expect(() => repositoryOf('checkout')).toThrow(/not OWNER\/REPO/);
  });
});

describe('checkPins', () => {
  it('passes when every tag still resolves to its pinned commit, asking for the tag and its peeled commit', async () => {
    const { lsRemote, calls } = fakeRemote({
      'actions/checkout': `${TAG_OBJECT}\trefs/tags/v7.0.1\n${CHECKOUT.sha}\trefs/tags/v7.0.1^{}\n`,
      'github/codeql-action': `${SARIF.sha}\trefs/tags/v4.36.2\n`,
    });
    expect(await checkPins([CHECKOUT, SARIF], lsRemote)).toEqual([]);
    expect(calls).toEqual([
      ['actions/checkout', ['refs/tags/v7.0.1', 'refs/tags/v7.0.1^{}']],
      ['github/codeql-action', ['refs/tags/v4.36.2', 'refs/tags/v4.36.2^{}']],
    ]);
  });

  it('fails a tag that was moved, and reads the annotated tag object as no commit of its own', async () => {
    const { lsRemote } = fakeRemote({
      'actions/checkout': `${TAG_OBJECT}\trefs/tags/v7.0.1\n${OTHER}\trefs/tags/v7.0.1^{}\n`,
    });
    expect(await checkPins([CHECKOUT], lsRemote)).toEqual([
      `actions/checkout v7.0.1: the tag now points at ${OTHER}, not the pinned ${CHECKOUT.sha}; find out why before trusting either`,
    ]);
  });

  it('fails a tag that was deleted', async () => {
    const { lsRemote } = fakeRemote({ 'github/codeql-action': '' });
    expect(await checkPins([SARIF], lsRemote)).toEqual([
      `github/codeql-action/upload-sarif v4.36.2: the tag no longer exists in github/codeql-action; the pin ${SARIF.sha} names no release`,
    ]);
  });
});

describe('the committed pins table', () => {
  const pins = loadPins();

  it('has one row per action, each a full SHA and a release tag', () => {
    expect(new Set(pins.map((p) => p.action)).size).toBe(pins.length);
    for (const pin of pins) {
      expect([pin.action, pin.sha, pin.version]).toEqual([
        pin.action,
        expect.stringMatching(/^[0-9a-f]{40}$/),
        expect.stringMatching(/^v\d+\.\d+\.\d+$/),
      ]);
    }
  });

  it('records every action the workflows pin (the workflow rules check each comment against it)', () => {
    const used = new Set(
      loadWorkflows().flatMap((w) =>
        Object.values(w.jobs).flatMap((j) =>
          (j.steps ?? []).map((s) => s.uses ?? '').filter((u) => /@[0-9a-f]{40}$/.test(u)),
        ),
      ),
    );
    expect(used.size).toBeGreaterThan(5);
    for (const uses of used) {
      const [action, sha] = uses.split('@');
      expect([uses, pins.some((p) => p.action === action && p.sha === sha)]).toEqual([uses, true]);
    }
  });
});
