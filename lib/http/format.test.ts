import { seconds } from './format.js';

test('seconds shows tenths under ten seconds when not whole, else whole seconds', () => {
  expect([250, 1000, 1500, 9950, 12_345, 60_000].map(seconds)).toEqual([
    '0.3 s',
    '1 s',
    '1.5 s',
    '9.9 s',
    '12 s',
    '60 s',
  ]);
});
