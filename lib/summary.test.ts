import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { link, Summary, writeSummary } from './summary.js';

describe('Summary', () => {
  test('builds headings, tables, lists and folded blocks as markdown', () => {
    const md = new Summary()
      .heading('Deployment d-1')
      .table(
        ['Event', 'Status'],
        [
          ['AllowTraffic', 'Succeeded'],
          ['Odd | value\nline', undefined],
        ],
      )
      .list([link('Console', 'https://console.aws.amazon.com/')])
      .details('Task definition diff', '- a\n+ b', 'diff')
      .toMarkdown();
    expect(md).toContain('### Deployment d-1');
    expect(md).toContain('| Event | Status |\n| --- | --- |\n| AllowTraffic | Succeeded |');
    expect(md).toContain('| Odd \\| value<br>line |  |');
    expect(md).toContain('- [Console](https://console.aws.amazon.com/)');
    expect(md).toContain('<details><summary>Task definition diff</summary>');
  });

  test('an empty table adds nothing', () => {
    expect(new Summary().table(['a'], []).isEmpty()).toBe(true);
  });

  test('writeSummary appends to GITHUB_STEP_SUMMARY, and says when there is none', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'summary-')), 'summary.md');
    writeFileSync(file, 'before\n');
    expect(writeSummary(new Summary().text('hello'), { GITHUB_STEP_SUMMARY: file })).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('before\nhello\n');
    expect(writeSummary(new Summary().text('hello'), {})).toBe(false);
  });
});
