// One Jest run for the whole workspace: unit specs (*.spec.ts), integration specs against the real broker
// and database (*.int-spec.ts) and end-to-end specs that start the built apps (*.e2e-spec.ts).
// NestJS 12 ships as ES modules; Jest's CommonJS runtime cannot require() them, so they are transpiled
// with swc like our own code (Node itself loads them natively through require(esm)).
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2023',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];
const { compilerOptions } = require('./tsconfig.base.json');
const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target.replace(/^\.\//, '')}`]),
);

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/tools', '<rootDir>/e2e'],
  testMatch: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
  transform: { '^.+\\.(ts|js|mjs)$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|uid|load-esm|file-type|@standard-schema|strtok3|token-types|@tokenizer)/)'],
  moduleNameMapper,
  globalSetup: '<rootDir>/tools/test/global-setup.js',
  globalTeardown: '<rootDir>/tools/test/global-teardown.js',
  testTimeout: 60000,
  maxWorkers: 2,
  verbose: false,
};
