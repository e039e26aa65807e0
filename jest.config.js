// Type checking runs separately (`npm run typecheck`, part of `npm test`), so ts-jest only
// transpiles: tsconfig.json's isolatedModules makes it do so, which keeps the suite fast.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 30000,
  globalSetup: '<rootDir>/test/global-setup.js',
  globalTeardown: '<rootDir>/test/global-teardown.js',
  collectCoverageFrom: ['src/**/*.ts'],
};
