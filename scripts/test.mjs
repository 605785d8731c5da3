#!/usr/bin/env node
// `npm test`: every layer, in order, with a summary. Stops at the first failing step so that a
// red run says plainly what broke.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const mocha = (...args) => [bin('mocha'), ...args];

const steps = [
  ['lint: eslint', [bin('eslint'), '.']],
  ['lint: prettier', [bin('prettier'), '--check', '.']],
  ['typecheck', [bin('tsc'), '-p', 'tsconfig.test.json']],
  ['build', [process.execPath, 'scripts/build.mjs']],
  ['unit tests (lib/)', mocha('test/unit/**/*.test.ts')],
  ['node tests (test helper)', mocha('test/nodes/**/*.test.ts')],
  ['scorecard (node-red-dev validate)', [process.execPath, 'scripts/validate.mjs']],
  ['end-to-end (real Node-RED)', mocha('--timeout', '300000', 'test/e2e/**/*.test.ts')],
  ['editor (headless Chromium)', mocha('--timeout', '300000', 'test/editor/**/*.test.ts')],
];

const only = process.argv.slice(2);
const results = [];
for (const [name, cmd] of steps) {
  if (only.length && !only.some((o) => name.startsWith(o))) continue;
  const t0 = Date.now();
  console.log(`\n=== ${name}`);
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd: root, stdio: 'inherit', env: process.env });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  results.push([name, r.status === 0, secs]);
  if (r.status !== 0) break;
}
console.log('\n=== summary');
for (const [name, ok, secs] of results) console.log(`${ok ? 'ok  ' : 'FAIL'} ${name} (${secs} s)`);
process.exit(results.every(([, ok]) => ok) && results.length > 0 ? 0 : 1);
