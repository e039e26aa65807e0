// Type checking runs separately (`npm run typecheck`, part of `npm test`), so ts-jest only
// transpiles: isolatedModules keeps the suite fast.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  testTimeout: 30000,
  globalSetup: '<rootDir>/test/global-setup.js',
  collectCoverageFrom: ['src/**/*.ts'],
};
