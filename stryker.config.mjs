// Mutation testing of the core promises (issue 14). Run through `npm run test:mutation`
// (scripts/mutation.mjs), which runs Stryker once per module below, each with only the tests
// that cover that module, each with its own incremental file. One module:
// `npm run test:mutation -- journal` (or ZNAKFLOW_MUTATION_MODULE=journal npx stryker run).
import fs from 'node:fs';

/** The 0-based index of the first line of `file` from `from` on that matches `re`. */
function find(file, lines, re, from = 0) {
  for (let i = from; i < lines.length; i++) if (re.test(lines[i])) return i;
  throw new Error(`stryker.config.mjs: ${re} not found in ${file}`);
}

/**
 * `file:a-b` from the line matching `start` to the line matching `end` after it — by default the
 * line closing the block (the first line `<indent>}` after it, or `<indent>]` for a table).
 * Found by their declarations, so that edits elsewhere in the file do not shift them.
 */
function range(file, start, end) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const a = find(file, lines, start);
  const indent = /^\s*/.exec(lines[a])[0];
  const b = end && end.test(lines[a]) ? a : find(file, lines, end ?? new RegExp(`^${indent}[}\\]]`), a + 1);
  return `${file}:${a + 1}-${b + 1}`;
}

/** The lines of `file` outside the block that `start` opens (see `range`): two ranges. */
function outside(file, start) {
  const n = fs.readFileSync(file, 'utf8').replace(/\n$/, '').split('\n').length;
  const [a, b] = range(file, start)
    .slice(file.length + 1)
    .split('-')
    .map(Number);
  return [`${file}:1-${a - 1}`, `${file}:${b + 1}-${n}`];
}

/**
 * The token handling of the True API client: the JWT/expireDate readers, sign-in (authenticate …
 * doAuthenticate), when to renew (tokenTimes), bearer, invalidateToken, forgetting the token on
 * close; in the transport, the one re-authentication on a 401 and releaseClient (token forgotten).
 */
function tokenRanges(client, transport) {
  return [
    range(client, /^function jwtExpiry\(/),
    range(client, /^function expireDate\(/),
    range(client, /^ {2}invalidateToken\(/),
    range(client, /^ {2}authenticate\(opts/),
    range(client, /^ {2}private async authenticateAfresh\(/),
    range(client, /^ {2}close\(\): void \{/),
    range(client, /^ {2}private async tokenTimes\(/),
    range(client, /^ {2}private async doAuthenticate\(/),
    range(client, /^ {2}private async bearer\(/),
    range(transport, /^ {6}if \(status === 401 && spec\.auth/),
    range(transport, /^export function releaseClient\(/),
  ];
}

/** Each module: the files (or ranges) mutated, and the tests that cover them. */
export const MODULES = {
  redact: {
    mutate: ['lib/redact.ts'],
    spec: ['test/unit/promises.test.ts', 'test/unit/core-promises.test.ts', 'test/unit/shared.test.ts'],
  },
  // codes: the checks of GTINs, INNs, KPPs and the templates of the product groups
  codes: {
    mutate: ['lib/codes/gtin.ts', 'lib/codes/inn.ts', 'lib/codes/index.ts', 'lib/codes/templates.ts'],
    spec: [
      'test/unit/codes-gtin.test.ts',
      'test/unit/codes-parse.test.ts',
      'test/unit/inn.test.ts',
      'test/unit/codes-promises.test.ts',
    ],
  },
  // the marking-code parser (the largest file of the scope, ~900 mutants) but its fast check
  'codes-parse': {
    get mutate() {
      return outside('lib/codes/parse.ts', /^export function isNormalisedUnit\(/);
    },
    spec: [
      'test/unit/codes-parse.test.ts',
      'test/unit/codes-parse-promises.test.ts',
      'test/unit/codes-gtin.test.ts',
      'test/unit/codes-promises.test.ts',
      'test/unit/documents-schemas.test.ts',
    ],
    // not the fuzz comparison of the fast check with the full parser (0.5 s, run again for every
    // mutant of the parser it covers: most of them): it is the test of `codes-fast`
    grep: '^(?!.*fast normalised-form check never accepts)',
  },
  // the fast normalised-form check of the parser (isNormalisedUnit), with the fuzz comparison
  'codes-fast': {
    get mutate() {
      return [range('lib/codes/parse.ts', /^export function isNormalisedUnit\(/)];
    },
    spec: ['test/unit/codes-parse.test.ts', 'test/unit/codes-parse-promises.test.ts'],
  },
  query: {
    mutate: ['lib/onec/query.ts'],
    spec: ['test/unit/onec-query.test.ts', 'test/unit/onec-query-promises.test.ts'],
  },
  limiter: {
    mutate: ['lib/cz/limiter.ts'],
    spec: ['test/unit/cz-limiter.test.ts', 'test/unit/cz-limiter-promises.test.ts'],
    // not the even-spacing test of cz-limiter.test.ts: it measures gaps of a few milliseconds, which
    // a machine under load ≈ 30 does not keep (it failed Stryker's initial run twice); the window
    // bound itself is held by cz-limiter-promises
    grep: '^(?!.*paces them evenly)',
  },
  // the journal, the outbox (journal before send, look-up before any repeat), the tracker and the
  // status classification (isAccepted / isRejected in journal.ts); ack.ts is not in scope
  journal: {
    mutate: ['lib/journal/journal.ts', 'lib/journal/outbox.ts', 'lib/journal/tracker.ts'],
    spec: [
      'test/unit/status-promises.test.ts',
      'test/unit/promises.test.ts',
      'test/unit/core-promises.test.ts',
      'test/unit/journal.test.ts',
      'test/unit/outbox-versions.test.ts',
      'test/unit/journal-promises.test.ts',
      'test/unit/cz-tolerance.test.ts',
    ],
    // not the SIGKILL test of journal.test.ts: its writer is a child process started with tsx, which
    // on a loaded machine may not start within the test's 1.5–2.5 s, failing Stryker's initial run
    grep: '^(?!.*killed with SIGKILL)',
  },
  token: {
    // a getter: the ranges are looked up only when this module runs
    get mutate() {
      return tokenRanges('lib/cz/client.ts', 'lib/cz/transport.ts');
    },
    spec: [
      'test/unit/cz-client.test.ts',
      'test/unit/cz-api2027.test.ts',
      'test/unit/core-promises.test.ts',
      'test/unit/promises.test.ts',
      'test/unit/cz-tolerance.test.ts',
      'test/unit/edo-client.test.ts',
      'test/unit/metrics.test.ts',
    ],
    // only the tests of signing in, renewing (a JWT of a stand whose clock is behind, a 401 from
    // ЭДО Лайт, the renewals counted by reason) and masking the token: every other test of these
    // files signs in too (so covers every token mutant), and running all of them (~30 s) again for
    // each mutant does not fit the 30 minutes
    grep: '(authentication |sign-in |True API token|clock is behind|renews the token once|token renewals)',
  },
};

const name = process.env.ZNAKFLOW_MUTATION_MODULE ?? 'redact';
const typecheck = process.env.ZNAKFLOW_MUTATION_TYPECHECK === '1';
const mod = MODULES[name];
if (!mod) throw new Error(`stryker.config.mjs: unknown module ${name} (${Object.keys(MODULES).join(', ')})`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'mocha',
  // The TypeScript checker (each mutant type-checked before its tests run) costs 2–6 s of a loaded
  // core per mutant here, far more than running the tests of most mutants (a type-invalid mutant
  // still runs: tsx strips the types). So by default no checker runs; scripts/mutation.mjs then
  // type-checks only the survivors (scripts/stryker-typecheck-survivors.mjs) and counts those tsc
  // refuses as rejected. ZNAKFLOW_MUTATION_TYPECHECK=1 (`-- --typecheck`) checks every mutant.
  checkers: typecheck ? ['typescript'] : [],
  // the type check of each mutant: lib only (nodes/ and plugins/ only consume lib's types)
  tsconfigFile: 'tsconfig.stryker.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  plugins: ['@stryker-mutator/*', './scripts/stryker-message-ignorer.mjs'],
  ignorers: ['bilingual-messages'],
  mutate: mod.mutate,
  mochaOptions: { config: '.mocharc.json', spec: mod.spec, ...(mod.grep ? { grep: mod.grep } : {}) },
  // A static mutant (code run only while the modules load: top-level regexes, tables) needs a fresh
  // test process per mutant that runs every test of the module, ~5 s each on this machine against
  // ~0.3 s for the others: they are ignored (not counted). Mutants run both at load and in tests
  // ("hybrid") are tested with the tests that cover them. Stryker never mutates inside `x as T`
  // (a TSAsExpression counts as a type): the `[…] as const` status tables of journal.ts are checked
  // by hand-made mutants instead (README «Measured»).
  ignoreStatic: mod.ignoreStatic ?? true,
  // each mutant runs only the tests that executed its code in the dry run
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.ZNAKFLOW_MUTATION_CONCURRENCY ?? 3),
  // a mutant that loops (e.g. a limiter that never frees a slot) is cut after
  // timeoutFactor × the test's own time + timeoutMS and counts as killed (Timeout)
  timeoutMS: 5000,
  incremental: true,
  incrementalFile: `reports/stryker-incremental-${name}.json`,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  clearTextReporter: { allowColor: false, reportTests: false, logTests: false, maxTestsToLog: 0 },
  thresholds: { high: 90, low: 85, break: null },
  // not copied into the sandboxes: other modules' sandboxes, reports, build output
  ignorePatterns: ['.stryker-tmp', 'reports', 'dist', '.compat', '.demo', '.tmp', 'test/e2e', 'test/editor'],
  tempDirName: `.stryker-tmp/${name}`,
  // no node_modules symlink in the sandboxes: Node finds the project's own by walking up from
  // .stryker-tmp/<module>/sandbox-…; the search for node_modules to link would walk the sandboxes
  // of the modules running alongside (`--lanes`), which come and go
  symlinkNodeModules: false,
  cleanTempDir: true,
};
