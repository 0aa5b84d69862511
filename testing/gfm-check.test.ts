// The GFM check catches what breaks a summary on GitHub, and every golden summary passes it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkGfm } from './gfm-check.js';
import { GOLDEN_DIR, maskSummary } from './golden-summary.js';

describe('checkGfm', () => {
  test('a well-formed table, a folded block and a fence pass', () => {
    const md =
      '### t\n\n| a | b |\n| --- | --- |\n| x \\| y | [link](https://example.com/' +
      'p'.repeat(200) +
      ') |\n\n<details><summary>s</summary>\n\n```\n| not a table\n```\n\n</details>\n';
    expect(checkGfm(md)).toEqual([]);
  });

  test('rows with a missing cell, no delimiter row, an empty header, no blank line before', () => {
    expect(checkGfm('| a | b |\n| --- | --- |\n| x |\n')).toEqual(['line 3: 1 cells where the header has 2']);
    expect(checkGfm('| a | b |\n| x | y |\n')[0]).toContain('second row must be its delimiter row');
    expect(checkGfm('|  |  |\n| --- | --- |\n| x | y |\n')).toEqual(['line 1: the header row is empty']);
    expect(checkGfm('text\n| a |\n| --- |\n')).toEqual(['line 2: a table needs a blank line before it']);
  });

  test('a cell over 80 visible characters, an unclosed fence or <details>', () => {
    expect(checkGfm(`| a |\n| --- |\n| ${'x'.repeat(81)} |\n`)[0]).toMatch(/^line 3: a cell of 81 characters/);
    expect(checkGfm('```\ncode\n')).toEqual(['line 1: a code fence is never closed']);
    expect(checkGfm('<details><summary>x</summary>\n')[0]).toContain('unclosed');
  });
});

describe('golden summaries', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = join(dir, name);
      return statSync(full).isDirectory() ? files(full) : name.endsWith('.md') && name !== 'README.md' ? [full] : [];
    });
  const goldens = files(GOLDEN_DIR);

  test('there is one for each scenario the bundle tests run', () => {
    expect(goldens.length).toBeGreaterThanOrEqual(9);
  });

  test.each(goldens.map((f) => [f.slice(GOLDEN_DIR.length + 1), f]))(
    '%s passes the GFM check, starting with its verdict',
    (_name, file) => {
      const md = readFileSync(file, 'utf8');
      expect(checkGfm(md)).toEqual([]);
      expect(md).toMatch(/^### .+\n\n(✅|➖|❌|⏹️|⏱️|⚠️) \S/);
    },
  );

  test('with tasksVary, the counts and lists that depend on timing are masked', () => {
    const md =
      '❌ failed at Install: 2 tasks stopped: x\nStopped tasks:\n  - task a: x\n  - task b: y\nLatest service events:\n  - e1\n' +
      '- [Logs of stopped task HEX32](u)\n- [Logs of stopped task HEX32](u)\n';
    expect(maskSummary(md, {}, { tasksVary: true })).toBe(
      '❌ failed at Install: N tasks stopped: x\nStopped tasks: (vary from run to run)\n' +
        'Latest service events: (vary from run to run)\n- [Logs of stopped task HEX32](u)\n',
    );
  });

  test('masking hides times, ids, ports and digests', () => {
    expect(maskSummary('d-ABCDEFGH1 at 12:03:04 took 10 min 12 s on 127.0.0.1:4567 sha256:' + 'a'.repeat(64))).toBe(
      'd-DEPLOYMENT at hh:mm:ss took N min N s on 127.0.0.1:PORT sha256:DIGEST',
    );
  });
});
