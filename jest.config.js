// Jest runs the TypeScript sources as native ES modules (the package is "type": "module"
// because @actions/core 3.x ships ESM only). ts-jest transpiles per file; type checking
// is `npm run build`'s job, so tests stay fast.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/actions/.*/dist/'],
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/scripts/totals-reporter.js'],
};
