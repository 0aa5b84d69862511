import { countedProblems, percentile, perSecond } from './stats.js';

test('percentile is nearest-rank', () => {
  const samples = Array.from({ length: 20 }, (_, i) => i + 1);
  expect(percentile(samples, 50)).toBe(10);
  expect(percentile(samples, 95)).toBe(19);
  expect(percentile(samples, 100)).toBe(20);
  expect(percentile([7], 95)).toBe(7);
  expect(percentile([], 50)).toBeUndefined();
});

test('perSecond is requests over the measured time, 0 when none was measured', () => {
  expect(perSecond(30, 1500)).toBe(20);
  expect(perSecond(7, 3000)).toBe(2.3);
  expect(perSecond(5, 0)).toBe(0);
});

test('countedProblems counts each distinct problem, the most frequent first', () => {
  expect(
    countedProblems([
      ['status: expected 200, got 500'],
      [],
      ['status: expected 200, got 502', 'imageUri: expected "a", got "b"'],
      ['status: expected 200, got 500'],
    ]),
  ).toEqual([
    '2 × status: expected 200, got 500',
    '1 × status: expected 200, got 502',
    '1 × imageUri: expected "a", got "b"',
  ]);
});
