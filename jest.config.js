// Jest runs the TypeScript sources as native ES modules (the package is "type": "module"
// because @actions/core 3.x ships ESM only). ts-jest transpiles per file; type checking
// is `npm run build`'s job, so tests stay fast.
//
// Two projects: `unit` (pure logic and fakes: no child process, no socket, no sandbox, no
// terraform), which `npm run test:unit` runs in seconds while editing, and `integration` (bundles
// run as processes, the sandbox, terraform, the demo's steps, local servers), which
// `npm run test:integration` runs. `npm test` runs both.
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url)).replace(/\/$/, '');

/**
 * The integration tests, as regexps over the path relative to the repository root ('/'
 * separators), each starting with ^. Every other *.test.ts is a unit test:
 * testing/test-projects.test.ts fails when one of those starts a process, opens a socket or
 * imports the sandbox, and names the file to add here.
 */
export const INTEGRATION_TESTS = [
  // Whole areas: the sandbox, terraform, the demo's steps, the sample app (started as a process).
  '^sandbox/',
  '^terraform/',
  '^scripts/demo/',
  '^app/',
  // Bundles run as processes (testing/run-action.ts), and end-to-end runs against the sandbox.
  '^(?:.*/)?bundle[^/]*\\.test\\.ts$',
  '^(?:.*/)?dist\\.test\\.ts$',
  '^.*\\.e2e\\.test\\.ts$',
  // Files that run processes or local servers.
  '^actions/build-image/src/fingerprint\\.test\\.ts$', // git
  '^actions/provision/src/terraform-cli\\.test\\.ts$', // a stand-in terraform binary
  '^actions/smoke-test/src/smoke-test\\.test\\.ts$', // the bundle against local servers
  '^bench/harness\\.test\\.ts$', // the fingerprint benchmark as a process
  '^lib/action\\.test\\.ts$', // a bundle as a process
  '^lib/aws\\.test\\.ts$', // a local server
  '^lib/http/client\\.test\\.ts$', // local servers
  '^testing/shellcheck\\.test\\.ts$', // shellcheck
  '^testing/workflows\\.test\\.ts$', // actionlint
  '^testing/(?:consumer|e2e-aws|plan-lock|release-workflow|suite-checkout|workflow-guards)\\.test\\.ts$', // actionlint, bash, terraform
  '^scripts/(?:docs|release-check)\\.test\\.ts$', // the scripts as processes
];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A root-relative regexp as Jest needs it: over the absolute path, and of a *.test.ts only. */
const absolute = (pattern) => `^${escape(root)}/(?=.*\\.test\\.ts$)${pattern.slice(1)}`;

const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
  modulePathIgnorePatterns: ['<rootDir>/actions/.*/dist/'],
};
const ALWAYS_IGNORED = ['/node_modules/', '/dist/'];

/** @type {import('jest').Config} */
export default {
  testTimeout: 60000,
  // Most of the integration project's time is waiting (the sandbox's clock, child processes,
  // terraform), not CPU: two workers take npm test from about 300 s to about 175 s on a 2-core
  // machine, where Jest's default (cores - 1) would run one.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/scripts/totals-reporter.js'],
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/**/*.test.ts'],
      testPathIgnorePatterns: [...ALWAYS_IGNORED, ...INTEGRATION_TESTS.map(absolute)],
    },
    {
      ...shared,
      displayName: 'integration',
      testRegex: INTEGRATION_TESTS.map(absolute),
      testPathIgnorePatterns: ALWAYS_IGNORED,
    },
  ],
};
