/**
 * The package as a library: `require('@znakflow/node-red')` (package.json `main` → dist/lib/index.js)
 * gives the documented API, and README «Use as a library» runs as written against the bundled
 * emulators. The block is taken from README itself, so the documentation cannot drift from the code.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireGost } from '../support/gost';

const ROOT = path.resolve(__dirname, '../..');

/** The js block right after the `<!-- library-example -->` marker of README. */
function readmeExample(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const m = /<!-- library-example -->\s*```js\n([\s\S]*?)```/.exec(readme);
  assert.ok(m, 'README has a «Use as a library» example after <!-- library-example -->');
  return m[1] as string;
}

/** A folder where `require('@znakflow/node-red')` resolves to this checkout, as after `npm install`. */
function consumerDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'znakflow-lib-'));
  const scope = path.join(dir, 'node_modules', '@znakflow');
  fs.mkdirSync(scope, { recursive: true });
  fs.symlinkSync(ROOT, path.join(scope, 'node-red'), 'dir');
  return dir;
}

describe('e2e: the package as a library', function () {
  this.timeout(120000);
  let dir: string;

  before(function () {
    assert.ok(
      fs.existsSync(path.join(ROOT, 'dist', 'lib', 'index.js')),
      'dist/ is built (npm run build) before the end-to-end suite',
    );
    dir = consumerDir();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('require() gives the documented entry points, with their types beside them', () => {
    const probe = path.join(dir, 'probe.js');
    fs.writeFileSync(
      probe,
      `const zf = require('@znakflow/node-red');
       const out = {};
       for (const k of Object.keys(zf)) out[k] = typeof zf[k];
       for (const ns of ['onec', 'cz', 'codes', 'documents', 'edo', 'suz', 'signing', 'journal', 'message', 'emulators'])
         out[ns + '.keys'] = Object.keys(zf[ns] || {}).length;
       out.code = zf.parseCode('(01)04650117240408(21)ABCDEFGHIJKLM', 'lp').cis;
       console.log(JSON.stringify(out));`,
    );
    const r = spawnSync(process.execPath, [probe], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, string | number>;
    for (const fn of [
      'OnecClient',
      'CzClient',
      'createSigner',
      'parseCode',
      'normalizeCode',
      'checkGtin',
      'checkInn',
      'buildQuery',
      'readDocuments',
      'onecMeta',
      'resolveLayout',
      'DocumentWatcher',
      'writeAdditionalInfo',
      'mapDocument',
      'validateDocument',
      'Journal',
      'Outbox',
      'StatusTracker',
      'startOnecEmulator',
      'startCzEmulator',
      'startDemo',
      'ZnakFlowError',
      'onecOf',
      'czOf',
      'withCz',
    ]) {
      assert.equal(out[fn], 'function', `${fn} is exported as a function`);
    }
    for (const ns of [
      'onec',
      'cz',
      'codes',
      'documents',
      'edo',
      'suz',
      'signing',
      'journal',
      'message',
      'emulators',
    ]) {
      assert.ok(Number(out[`${ns}.keys`]) > 3, `namespace ${ns} has its API`);
    }
    assert.equal(out['code'], '010465011724040821ABCDEFGHIJKLM');
    const types = fs.readFileSync(path.join(ROOT, 'dist', 'lib', 'index.d.ts'), 'utf8');
    assert.match(types, /OnecClient/);
    assert.match(types, /CzClient/);
    assert.match(types, /OnecMeta/);
    assert.match(types, /CzMeta/);
  });

  it('README «Use as a library» runs as written: a 1C document read, mapped, signed and sent', async function () {
    await requireGost(this);
    const file = path.join(dir, 'example.js');
    fs.writeFileSync(file, readmeExample());
    const r = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 100000 });
    assert.equal(r.status, 0, `example failed: ${r.stderr}`);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    assert.ok(lines.length >= 1, 'at least one document sent');
    for (const l of lines) {
      assert.equal(l['type'], 'LP_INTRODUCE_GOODS');
      assert.match(String(l['id']), /\S{8,}/, 'Честный ЗНАК answered a document id');
    }
  });
});
