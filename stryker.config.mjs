// Mutation testing of the core promises (issue 14): `npm run test:mutation`.
// One module at a time: `npm run test:mutation -- --mutate lib/redact.ts`.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'mocha',
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  mutate: [
    'lib/journal/**/*.ts',
    'lib/codes/**/*.ts',
    'lib/onec/query.ts',
    'lib/cz/limiter.ts',
    'lib/redact.ts',
    // token handling of the True API client: jwtExpiry, doAuthenticate and bearer
    'lib/cz/client.ts:203-220',
    'lib/cz/client.ts:618-709',
  ],
  mochaOptions: {
    config: '.mocharc.json',
    spec: [
      'test/unit/promises.test.ts',
      'test/unit/core-promises.test.ts',
      'test/unit/journal.test.ts',
      'test/unit/outbox-versions.test.ts',
      'test/unit/codes-gtin.test.ts',
      'test/unit/codes-parse.test.ts',
      'test/unit/inn.test.ts',
      'test/unit/onec-query.test.ts',
      'test/unit/cz-limiter.test.ts',
      'test/unit/cz-client.test.ts',
      'test/nodes/cz-send-status.test.ts',
    ],
  },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 20000,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, reportTests: false, logTests: false },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
