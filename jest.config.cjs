// One jest run for the whole workspace: the real Kafka broker and PostgreSQL are brought up once
// (libs/testing global setup) and shared by every test file.
const { compilerOptions } = require('./tsconfig.base.json');
const { pathsToModuleNameMapper } = require('./tools/jest/paths.cjs');

const swc = {
  jsc: {
    target: 'es2023',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    keepClassNames: true,
    // aliases are rewritten at compile time too, so files loaded outside jest's module registry
    // (global setup) resolve them
    baseUrl: __dirname,
    paths: compilerOptions.paths,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/tools'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: pathsToModuleNameMapper(),
  globalSetup: '<rootDir>/libs/testing/src/global-setup.cjs',
  globalTeardown: '<rootDir>/libs/testing/src/global-teardown.cjs',
  testTimeout: 60000,
  maxWorkers: 2,
};
