// Our .dockerignore rules against @balena/dockerignore's public matcher, the port of Docker's
// code they follow: the same answer for every path, over hand-picked edge cases and over
// patterns and paths generated from a fixed seed.
import dockerignore from '@balena/dockerignore';
import { contextFilter } from './docker-context.js';
import { parseDockerignore } from './docker-context-rules.js';

const ignore = ((dockerignore as unknown as { default?: typeof dockerignore }).default ??
  dockerignore) as unknown as typeof dockerignore.default;

/** Paths the reference excludes that our filter sends, or the reverse. */
function disagreements(patterns: string[], paths: string[]): string[] {
  const reference = ignore().add(patterns);
  const ours = contextFilter(patterns);
  return paths.filter((p) => ours(p) === reference.ignores(p)).map((p) => `${JSON.stringify(patterns)} ${p}`);
}

describe('parseDockerignore', () => {
  test('reads lines as Docker does: comments, blanks, `!` exceptions, cleaning, a leading slash', () => {
    const rules = parseDockerignore([
      '# comment',
      '',
      '   ',
      ' #not a comment',
      '  spaced/  ',
      '!keep.md',
      '! spaced-exception',
      '/rooted',
      './here/../there/',
      '!',
      '!!bang',
      '**/*.log',
    ]);
    expect(rules.map(({ pattern, negative, dirs }) => ({ pattern, negative, dirs }))).toEqual([
      { pattern: '#not a comment', negative: false, dirs: ['#not a comment'] },
      { pattern: 'spaced', negative: false, dirs: ['spaced'] },
      { pattern: 'keep.md', negative: true, dirs: ['keep.md'] },
      { pattern: 'spaced-exception', negative: true, dirs: ['spaced-exception'] },
      { pattern: 'rooted', negative: false, dirs: ['rooted'] },
      { pattern: 'there', negative: false, dirs: ['there'] },
      { pattern: '!bang', negative: true, dirs: ['!bang'] },
      { pattern: '**/*.log', negative: false, dirs: ['**', '*.log'] },
    ]);
  });

  test('compiles * and ? within a folder, ** across folders, and \\ as an escape', () => {
    const [star, question, double, trailing, escaped] = parseDockerignore([
      'a/*.js',
      'v?',
      'x/**/y',
      'logs/**',
      'a\\*b',
    ]);
    expect(['a/b.js', 'a/b/c.js'].map((p) => star!.regexp.test(p))).toEqual([true, false]);
    expect(['v1', 'v12', 'v/'].map((p) => question!.regexp.test(p))).toEqual([true, false, false]);
    expect(['x/y', 'x/a/b/y', 'x/a/b/z'].map((p) => double!.regexp.test(p))).toEqual([true, true, false]);
    expect(['logs/a', 'logs/a/b'].map((p) => trailing!.regexp.test(p))).toEqual([true, true]);
    expect(['a*b', 'axb'].map((p) => escaped!.regexp.test(p))).toEqual([true, false]);
  });
});

describe('contextFilter agrees with @balena/dockerignore', () => {
  test('on edge cases', () => {
    const paths = [
      'README.md',
      'readme.MD',
      'src/x',
      'a',
      'a/b',
      'a/b/c',
      '!bang',
      '#x',
      'x.$',
      'xy$',
      'a*b',
      'ab',
      'there/x',
    ];
    for (const patterns of [
      ['*.md', '!README.md'],
      ['!!bang', '#x', ' #x'],
      ['x.$', 'a\\*b'],
      ['/a/b', './there/'],
      ['a/**', '!a/b/**', 'a/b/c'],
      ['**', '!a'],
      ['*/', '!'],
      ['*.MD', 'SRC/'],
    ]) {
      expect(disagreements(patterns, paths)).toEqual([]);
    }
  });

  test('on generated patterns and paths', () => {
    // A small linear congruential generator: the same cases on every run.
    let seed = 17;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pick = <T>(items: T[]) => items[next(items.length)]!;
    const names = ['a', 'b', 'src', 'node_modules', 'x.log', 'README.md', '.git', 'dist'];
    const parts = [...names, '*', '?', '**', '*.log', 'a?', '*.md', 'b*', 'SRC', '*.LOG'];
    const paths = Array.from({ length: 120 }, () => Array.from({ length: 1 + next(4) }, () => pick(names)).join('/'));
    const found: string[] = [];
    for (let set = 0; set < 150; set++) {
      const patterns = Array.from({ length: 1 + next(4) }, () => {
        const pattern = Array.from({ length: 1 + next(3) }, () => pick(parts)).join('/');
        return `${next(4) === 0 ? '!' : ''}${next(6) === 0 ? '/' : ''}${pattern}${next(6) === 0 ? '/' : ''}`;
      });
      found.push(...disagreements(patterns, paths));
    }
    expect(found).toEqual([]);
  });
});
