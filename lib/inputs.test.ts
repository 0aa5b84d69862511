import { ConfigurationError } from './errors.js';
import { envInputReader, formatDuration, Inputs, parseDuration } from './inputs.js';

const inputs = (values: Record<string, string>) => new Inputs((name) => values[name] ?? '');

function configError(fn: () => unknown): ConfigurationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

describe('Inputs', () => {
  test('reads INPUT_ variables the way the runner names them', () => {
    const read = envInputReader({ 'INPUT_TIMEOUT-MINUTES': ' 5 ', INPUT_MY_INPUT: 'x' });
    expect(read('timeout-minutes')).toBe('5');
    expect(read('my input')).toBe('x');
    expect(read('absent')).toBe('');
  });

  test('a missing required string names the input and what to set', () => {
    const error = configError(() => inputs({}).string('service', 'the ECS service name'));
    expect(error.message).toBe("Input 'service' is required: the ECS service name");
  });

  test('booleans accept only true and false', () => {
    expect(inputs({ a: 'true' }).boolean('a', false)).toBe(true);
    expect(inputs({ a: 'false' }).boolean('a', true)).toBe(false);
    expect(inputs({}).boolean('a', true)).toBe(true);
    for (const bad of ['yes', 'True', '1', 'on']) {
      const error = configError(() => inputs({ a: bad }).boolean('a', false));
      expect(error.message).toContain(`Input 'a' has the value "${bad}"`);
      expect(error.message).toContain('true or false');
    }
  });

  test('integers are bounded and name the accepted range', () => {
    const bounds = { min: 1, max: 360, fallback: 60 };
    expect(inputs({}).integer('timeout-minutes', bounds)).toBe(60);
    expect(inputs({ 'timeout-minutes': '90' }).integer('timeout-minutes', bounds)).toBe(90);
    for (const bad of ['-3', '0', '361', '1.5', 'ten', '1e3']) {
      const error = configError(() => inputs({ 'timeout-minutes': bad }).integer('timeout-minutes', bounds));
      expect(error.message).toContain("'timeout-minutes'");
      expect(error.message).toContain('from 1 to 360');
    }
  });

  test('durations take units and bare numbers, within bounds', () => {
    const opts = { unit: 's' as const, minMs: 0, maxMs: 3_600_000 };
    expect(inputs({ d: '5m' }).duration('d', opts)).toBe(300_000);
    expect(inputs({ d: '1h' }).duration('d', opts)).toBe(3_600_000);
    expect(inputs({ d: '90' }).duration('d', opts)).toBe(90_000);
    expect(inputs({ d: '1m30s' }).duration('d', opts)).toBe(90_000);
    expect(configError(() => inputs({ d: '2h' }).duration('d', opts)).message).toContain('from 0s to 1h');
    expect(configError(() => inputs({ d: 'soon' }).duration('d', opts)).message).toContain("'d'");
  });

  test('KEY=VALUE lists keep = in values and refuse duplicates and lines with no =', () => {
    const list = inputs({ env: 'A=1\n\n# comment\nB = x=y \n' }).keyValues('env');
    expect([...list]).toEqual([
      ['A', '1'],
      ['B', 'x=y'],
    ]);
    expect(configError(() => inputs({ env: 'A=1\nA=2' }).keyValues('env')).message).toMatch(/'A' is given twice/);
    expect(configError(() => inputs({ env: 'A=1\nNOEQUALS' }).keyValues('env')).message).toMatch(/line 2 has no '='/);
    expect(configError(() => inputs({ env: '=x' }).keyValues('env')).message).toMatch(/no key/);
    expect(
      configError(() => inputs({ env: '1BAD=x' }).keyValues('env', { keyPattern: /^[A-Z_]+$/ })).message,
    ).toContain("key '1BAD'");
  });

  test('oneOf lists the choices', () => {
    expect(inputs({}).oneOf('mode', ['wait', 'fail'], 'wait')).toBe('wait');
    expect(configError(() => inputs({ mode: 'later' }).oneOf('mode', ['wait', 'fail'])).message).toContain(
      'use one of wait, fail',
    );
  });

  test('JSON is parsed, and bad JSON says why', () => {
    expect(inputs({ j: '{"a":1}' }).json('j')).toEqual({ a: 1 });
    expect(inputs({}).json('j')).toBeUndefined();
    expect(configError(() => inputs({ j: '{a:1}' }).json('j')).message).toContain("Input 'j'");
  });

  test('lines drop blanks and comments', () => {
    expect(inputs({ t: 'a\n\n # c\n b ' }).lines('t')).toEqual(['a', 'b']);
  });

  test('long values are cut in messages', () => {
    const error = configError(() => inputs({ a: 'x'.repeat(500) }).boolean('a', false));
    expect(error.message.length).toBeLessThan(250);
  });
});

describe('durations', () => {
  test('parse and format', () => {
    expect(parseDuration('', 's')).toBeUndefined();
    expect(parseDuration('5x', 's')).toBeUndefined();
    expect(parseDuration('2', 'm')).toBe(120_000);
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0s');
  });
});
