/**
 * The benchmark harness, not the figures (benchmarks are not tests): the docs section is replaced
 * in place without touching the prose around it, the table renders, and the change-detection part
 * still reads what bench/fingerprint.ts prints (a real run at a tiny size).
 */
import { describe, expect, test } from '@jest/globals';
import { measureChangeDetection, parseFingerprintTable } from './change-detection.js';
import { isRead, markdownTable, median, ratio } from './measure.js';
import { BEGIN, END, generatedSection, replaceGeneratedSection } from './report.js';

describe('docs/benchmarks.md section', () => {
  const section = (figure: string) => generatedSection([{ area: 'a', measure: 'm', suite: figure }], ['- Date: now']);

  test('replaces only the generated section, keeping the prose and the fingerprint section', () => {
    const before = `# Benchmarks\n\nProse.\n\n${section('1 ms')}\n\n## Fingerprint\n\nTheirs.\n`;
    const after = replaceGeneratedSection(before, section('2 ms'));
    expect(after).toContain('Prose.');
    expect(after).toContain('## Fingerprint\n\nTheirs.');
    expect(after).toContain('| 2 ms |');
    expect(after).not.toContain('| 1 ms |');
    expect(after.split(BEGIN).length).toBe(2);
    expect(after.split(END).length).toBe(2);
  });

  test('appends the section to a file without one, and creates a titled file from nothing', () => {
    expect(replaceGeneratedSection('# Benchmarks\n\n## Fingerprint\n', section('1 ms'))).toMatch(
      /## Fingerprint\n\n<!-- bench:begin/,
    );
    expect(replaceGeneratedSection('', section('1 ms'))).toMatch(/^# Benchmarks\n\n<!-- bench:begin/);
  });
});

describe('table and figures', () => {
  test('a missed target is bold with who is responsible; pipes in cells are escaped', () => {
    const table = markdownTable([
      { area: 'x', measure: 'a|b', suite: '5', target: '<= 4', met: false, note: 'deploy-bluegreen' },
      { area: 'y', measure: 'c', suite: '3', target: '<= 4', met: true },
    ]);
    expect(table).toContain('| x | a\\|b | 5 |  |  | <= 4 | **no** (deploy-bluegreen) |');
    expect(table).toContain('| y | c | 3 |  |  | <= 4 | yes |');
  });

  test('reads and writes, medians, ratios', () => {
    expect(['DescribeServices', 'GetDeployment', 'ListDeployments', 'BatchGetImage'].every(isRead)).toBe(true);
    expect(['RegisterTaskDefinition', 'CreateDeployment', 'PutImage', 'GetAuthorizationToken'].map(isRead)).toEqual([
      false,
      false,
      false,
      true,
    ]);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(ratio(10, 4)).toBe('2.5x');
  });
});

describe('change detection through bench/fingerprint.ts', () => {
  test('parses its table; at 100k files the build-image target is judged', () => {
    const rows = parseFingerprintTable(
      '| files | fast | full | ratio |\n|---:|---:|---:|---:|\n| 1000 | 12 | 30 | 2.5x | 5 | 9 |\n| 100,000 | **900** | 2700 | **3.0x** |\n',
      5,
    );
    expect(rows.map((r) => [r.suite, r.baseline, r.ratio, r.met])).toEqual([
      ['git fast path 12 ms', 'full read 30 ms', '2.5x', undefined],
      ['git fast path 900 ms', 'full read 2700 ms', '3.0x', false],
    ]);
  });

  test('a real run at 200 files gives one row with both timings', async () => {
    const rows = await measureChangeDetection([200], 1);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.suite).toMatch(/^git fast path \d+(\.\d+)? ms$/);
    expect(rows[0]!.baseline).toMatch(/^full read \d+(\.\d+)? ms$/);
  }, 20_000);
});
