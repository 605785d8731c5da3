#!/usr/bin/env node
// Runs the flow library's scorecard (node-red-dev validate) on the built pack and fails on any
// failed check. Warnings are printed; the ones we keep are listed in README.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, '.tmp', 'scorecard.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
const cli = path.join(root, 'node_modules', 'node-red-dev', 'bin', 'run');
let output;
try {
  output = execFileSync(
    process.execPath,
    ['-r', path.join(root, 'scripts/validate-preload.cjs'), cli, 'validate', '-p', root, '-o', out],
    {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
} catch (err) {
  output = `${err.stdout ?? ''}${err.stderr ?? ''}`;
  console.error(output);
  console.error('node-red-dev validate failed to run');
  process.exit(1);
}
console.log(output);
const card = JSON.parse(fs.readFileSync(out, 'utf8'));
const failed = Object.entries(card).filter(
  ([k, v]) => k !== 'package' && v && typeof v === 'object' && v.test === false,
);
for (const [k, v] of failed) console.error(`scorecard ${k} failed: ${JSON.stringify(v)}`);
if (failed.length) process.exit(1);
console.log(`scorecard: ${Object.keys(card).length - 1} checks, none failed`);
