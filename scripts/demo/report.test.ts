import { describe, expect, test } from '@jest/globals';
import { formatTable, LineSplitter, renderActionLine, summariseCalls } from './report.js';

describe('action log lines', () => {
  test('workflow commands become plain text; masks, state and group ends are dropped', () => {
    expect(renderActionLine('::group::Task definition changes')).toBe('> Task definition changes');
    expect(renderActionLine('::endgroup::')).toBeUndefined();
    expect(renderActionLine('::add-mask::secret-token')).toBeUndefined();
    expect(renderActionLine('::debug::noise')).toBeUndefined();
    expect(renderActionLine('::warning file=a.ts,line=3::careful')).toBe('warning: careful');
    expect(renderActionLine('  Install: InProgress\r')).toBe('  Install: InProgress');
    expect(renderActionLine('   ')).toBeUndefined();
  });

  test('a multi-line error keeps its lines and its percent signs', () => {
    expect(renderActionLine('::error title=Deploy failed::Install failed%0A  - task 1: 100%25 unhealthy')).toBe(
      'ERROR: Install failed\n  - task 1: 100% unhealthy',
    );
  });

  test("BuildKit's per-step progress is dropped unless a step was skipped, failed or pushed", () => {
    expect(renderActionLine('#5 DONE 0.0s')).toBeUndefined();
    expect(renderActionLine('#8 SKIPPED (RUN is not executed by the sandbox)')).toBe(
      '#8 SKIPPED (RUN is not executed by the sandbox)',
    );
    expect(renderActionLine('#9 ERROR: failed to solve')).toBe('#9 ERROR: failed to solve');
    expect(renderActionLine('Build finished in 0.1s')).toBe('Build finished in 0.1s');
  });

  test('chunks are split into whole lines', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push('one\ntw');
    splitter.push('o\n');
    splitter.push('three');
    expect(lines).toEqual(['one', 'two']);
    splitter.flush();
    expect(lines).toEqual(['one', 'two', 'three']);
  });
});

describe('the closing table', () => {
  test('one aligned row per phase; UNEXPECTED for a misbehaving phase; - without a load loop', () => {
    const table = formatTable([
      { phase: '1. init', ok: true, durationMs: 2100, awsCalls: 7, note: '' },
      {
        phase: '2. deploy a change',
        ok: false,
        durationMs: 17_840,
        awsCalls: 74,
        failedRequests: 3,
        sentRequests: 2000,
        note: '',
      },
    ]);
    expect(table.split('\n')).toEqual([
      '| phase              | result     | duration | AWS calls | failed requests |',
      '|--------------------|------------|----------|-----------|-----------------|',
      '| 1. init            | ok         | 2.1 s    | 7         | -               |',
      '| 2. deploy a change | UNEXPECTED | 17.8 s   | 74        | 3 of 2000       |',
    ]);
  });

  test('calls are summarised per operation, errors apart', () => {
    expect(
      summariseCalls([
        { service: 'ecs', operation: 'DescribeServices' },
        { service: 'ecr', operation: 'DescribeImages' },
        { service: 'ecs', operation: 'DescribeServices' },
        { service: 'ecs', operation: 'DescribeServices', errorCode: 'ThrottlingException' },
      ]),
    ).toBe('ecs DescribeServices x2, ecr DescribeImages, ecs DescribeServices (ThrottlingException)');
  });
});
