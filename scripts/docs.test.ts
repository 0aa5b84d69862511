import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../testing/run-action.js';
import {
  END_MARKER,
  START_MARKER,
  docs,
  loadActions,
  marketplaceProblems,
  renderReference,
  replaceBetweenMarkers,
  type ActionMetadata,
} from './docs.js';

const readme = (between: string) => `# Title\n\nBefore.\n\n${START_MARKER}\n${between}\n${END_MARKER}\n\nAfter.\n`;

describe('the markers', () => {
  test('only the text between them is replaced', () => {
    const result = replaceBetweenMarkers(readme('old table'), '| new |');
    expect(result).toBe(`# Title\n\nBefore.\n\n${START_MARKER}\n\n| new |\n\n${END_MARKER}\n\nAfter.\n`);
    // Running it again changes nothing.
    expect(replaceBetweenMarkers(result, '| new |')).toBe(result);
  });

  test('a missing, doubled or reversed marker is a clear error', () => {
    expect(() => replaceBetweenMarkers('# no markers', 'x')).toThrow(
      `README.md must hold the line ${START_MARKER} exactly once (found 0)`,
    );
    expect(() => replaceBetweenMarkers(readme('x') + START_MARKER, 'x')).toThrow(/exactly once \(found 2\)/);
    expect(() => replaceBetweenMarkers(`${END_MARKER}\n${START_MARKER}`, 'x')).toThrow(/comes before/);
  });
});

const sample: ActionMetadata = {
  folder: 'greet',
  name: 'Greet',
  description: 'Says hello.',
  author: 'someone',
  branding: { icon: 'package', color: 'blue' },
  inputs: {
    who: { description: 'Whom to greet, e.g. a|b.', required: true },
    lines: { description: 'One per line:\n  first\n  second', required: false, default: 'a\nb' },
    empty: { description: 'Empty by default.', default: '' },
  },
  outputs: { greeting: { description: 'The <text> said.' } },
};

describe('the table', () => {
  test('lists every input with required and default, and every output, as valid table cells', () => {
    const text = renderReference([sample]);
    expect(text).toContain('#### [`greet`](actions/greet/action.yml)\n\nSays hello.');
    expect(text).toContain('| `who` | yes |  | Whom to greet, e.g. a\\|b. |');
    expect(text).toContain('| `lines` |  | `a\\nb` | One per line: first second |');
    expect(text).toContain("| `empty` |  | `''` | Empty by default. |");
    expect(text).toContain('| `greeting` | The &lt;text&gt; said. |');
  });

  test("lists each of this repository's actions with all its inputs and outputs", () => {
    const actions = loadActions(repoRoot);
    expect(actions.map((a) => a.folder)).toEqual(['build-image', 'deploy-bluegreen', 'provision', 'smoke-test']);
    const text = renderReference(actions);
    for (const action of actions) {
      for (const name of [...Object.keys(action.inputs), ...Object.keys(action.outputs)])
        expect(text).toContain(`| \`${name}\` |`);
    }
  });
});

describe('the Marketplace rules', () => {
  test("this repository's actions keep them", () => {
    expect(marketplaceProblems(loadActions(repoRoot))).toEqual([]);
  });

  test('a shared name, a long description, no author and unknown branding are each reported', () => {
    const bad: ActionMetadata = {
      ...sample,
      folder: 'other',
      name: 'greet',
      description: 'x'.repeat(125),
      author: '',
      branding: { icon: 'coffee', color: 'pink' },
    };
    expect(marketplaceProblems([sample, bad])).toEqual([
      "actions/other/action.yml: name 'greet' is also the name of actions/greet",
      'actions/other/action.yml: description is 125 characters; the Marketplace takes under 125',
      'actions/other/action.yml: author is missing',
      "actions/other/action.yml: branding.icon 'coffee' is not one of GitHub's Feather icons, e.g. package",
      "actions/other/action.yml: branding.color 'pink' must be one of white, black, yellow, blue, green, orange, red, purple, gray-dark",
    ]);
  });
});

describe('npm run docs -- --check', () => {
  test('finds the table stale after an input is added, and fresh once rewritten', () => {
    const root = mkdtempSync(join(tmpdir(), 'docs-'));
    try {
      mkdirSync(join(root, 'actions', 'greet'), { recursive: true });
      const action = (extra: string) =>
        writeFileSync(
          join(root, 'actions', 'greet', 'action.yml'),
          `name: Greet\ndescription: Says hello.\nauthor: someone\nbranding: { icon: package, color: blue }\ninputs:\n  who:\n    description: Whom to greet.\n    required: true\n${extra}outputs: {}\nruns: { using: node24, main: dist/index.js }\n`,
        );
      action('');
      writeFileSync(join(root, 'README.md'), readme(''));
      const first = docs(root);
      expect(first.fresh).toBe(false);
      writeFileSync(join(root, 'README.md'), first.expected);
      expect(docs(root).fresh).toBe(true);

      action('  loud:\n    description: Shout.\n    default: "false"\n');
      const stale = docs(root);
      expect(stale.fresh).toBe(false);
      expect(stale.expected).toContain('| `loud` |  | `false` | Shout. |');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("this repository's README holds the current table (run npm run docs when this fails)", () => {
    expect(docs(repoRoot).fresh).toBe(true);
  });
});
