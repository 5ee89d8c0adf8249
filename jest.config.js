/** Jest runs the TypeScript sources directly through ts-jest (transpile only; `npm run typecheck` checks types). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  setupFiles: ['<rootDir>/test/setup/polyfills.ts'],
  testTimeout: 60000,
  // Tests that start servers or train models are heavy; two cores, so two test files at a time.
  maxWorkers: 2,
  // Longest files first (measured seconds when jest has no timings of its own).
  testSequencer: '<rootDir>/test/setup/sequencer.js',
};
