// ESLint flat config: typescript-eslint's recommended rules over the TypeScript sources, and the
// import boundaries of the repository (docs/architecture.md, "Where things are").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The boundaries are `no-restricted-imports` regexps over the import string. A relative import
// says where it lands only together with the importing file's folder, so each area gets one block
// per folder depth: `(../){n}` then means the same place for every file of the block. Deeper files
// get no block: testing/lint-boundaries.test.ts fails when a source file has no boundary rule.
const DEPTHS = [0, 1, 2, 3];
const TOOLING = '(?:sandbox|testing|bench|scripts)(?:/|$)';
const TEST_SUFFIXES = ['test.ts', 'test-helpers.ts'];
const TEST_FILES = TEST_SUFFIXES.map((suffix) => `**/*.${suffix}`);

export const BOUNDARY_MESSAGES = {
  tooling:
    'The product (actions/*/src and lib/) never imports sandbox/, testing/, bench/ or scripts/: they are test and tooling code, not shipped in a bundle.',
  otherAction: 'No action imports another action: move what they share to lib/.',
  actionOnlyLib: 'An action imports only its own src/, lib/ and packages.',
  libNoAction: 'lib/ imports no action: it is shared by all of them; take what it needs as a parameter.',
  libOnlyLib: 'lib/ imports only lib/ and packages.',
  app: 'app/ runs alone in its container: it imports only node: built-ins and its own files (nothing of the suite, no packages).',
  dynamic:
    "The product imports statically, so the lint can check its boundaries; the one exception is a string literal naming a module of the same folder called *.lazy.js (e.g. import('./deploy.lazy.js')), whose own imports the lint checks.",
};

/** The only `import()` the product may make: a module of the same folder named *.lazy.js. */
const LAZY_MODULE = '/^\\.\\/[A-Za-z0-9_-]+\\.lazy\\.js$/';

const up = (n) => `^(?:\\.\\./){${n}}`;
const globsAt = (root, depth, extensions) => extensions.map((ext) => `${root}/${'*/'.repeat(depth)}*.${ext}`);
const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

/** A file in actions/<name>/src at `depth`: leaving src takes depth+1 `../`, the repository root depth+3. */
function actionPatterns(depth, { test }) {
  const otherAction = {
    regex: `${up(depth + 2)}(?:\\.\\./actions(?:/|$)|(?!\\.\\.?/)[^/])`,
    message: BOUNDARY_MESSAGES.otherAction,
  };
  if (test) return [otherAction];
  return [
    { regex: `${up(depth + 3)}${TOOLING}`, message: BOUNDARY_MESSAGES.tooling },
    otherAction,
    {
      // Out of src, and neither into lib/ nor one of the places named above.
      regex: `${up(depth + 1)}(?!\\.\\./\\.\\./(?:lib/|actions(?:/|$)|${TOOLING}))(?!\\.\\./(?!\\.\\.?/))`,
      message: BOUNDARY_MESSAGES.actionOnlyLib,
    },
  ];
}

/** A file in lib/ at `depth`: the repository root is depth+1 `../` away. */
function libPatterns(depth, { test }) {
  const noAction = { regex: `${up(depth + 1)}actions(?:/|$)`, message: BOUNDARY_MESSAGES.libNoAction };
  if (test) return [noAction];
  return [
    { regex: `${up(depth + 1)}${TOOLING}`, message: BOUNDARY_MESSAGES.tooling },
    noAction,
    { regex: `${up(depth + 1)}(?!actions(?:/|$)|${TOOLING})`, message: BOUNDARY_MESSAGES.libOnlyLib },
  ];
}

/** A file in app/ at `depth`: out of app/, or any package. */
function appPatterns(depth) {
  return [
    { regex: up(depth + 1), message: BOUNDARY_MESSAGES.app },
    { regex: '^(?![./]|node:)', message: BOUNDARY_MESSAGES.app },
  ];
}

const boundaries = DEPTHS.flatMap((depth) => [
  {
    files: globsAt('actions/*/src', depth, ['ts']),
    ignores: TEST_FILES,
    rules: restrict(actionPatterns(depth, { test: false })),
  },
  { files: globsAt('actions/*/src', depth, TEST_SUFFIXES), rules: restrict(actionPatterns(depth, { test: true })) },
  { files: globsAt('lib', depth, ['ts']), ignores: TEST_FILES, rules: restrict(libPatterns(depth, { test: false })) },
  { files: globsAt('lib', depth, TEST_SUFFIXES), rules: restrict(libPatterns(depth, { test: true })) },
  {
    files: globsAt('app', depth, ['js', 'mjs', 'cjs', 'ts']),
    ignores: TEST_FILES,
    rules: restrict(appPatterns(depth)),
  },
]);

export default tseslint.config(
  { ignores: ['**/dist/**', 'node_modules/**', 'coverage/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...boundaries,
  {
    // `import()` is not seen by no-restricted-imports, so the product imports statically, with one
    // narrow exception for start-up: an action may defer what a run needs only after its inputs
    // are valid (the AWS SDK) to a sibling module named *.lazy.ts, loaded by a literal
    // `import('./x.lazy.js')`. That module's own imports are static, so its boundaries still hold.
    files: ['actions/*/src/**/*.ts', 'lib/**/*.ts', 'app/**/*.js'],
    ignores: TEST_FILES,
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: `ImportExpression:not([source.type='Literal'][source.value=${LAZY_MODULE}])`,
          message: BOUNDARY_MESSAGES.dynamic,
        },
      ],
    },
  },
  {
    // lib/ and app/ get no exception: lib is loaded by every action anyway, app has no bundle.
    files: ['lib/**/*.ts', 'app/**/*.js'],
    ignores: TEST_FILES,
    rules: { 'no-restricted-syntax': ['error', { selector: 'ImportExpression', message: BOUNDARY_MESSAGES.dynamic }] },
  },
);
