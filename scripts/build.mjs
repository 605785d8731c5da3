#!/usr/bin/env node
// Build: TypeScript (lib/, nodes/) → dist/ as CommonJS, then each node's editor HTML, its locales
// (with the shared catalog merged in) and the icons beside its .js, where Node-RED looks for them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

export function nodeTypes() {
  const dir = path.join(root, 'nodes');
  return fs
    .readdirSync(dir)
    .filter((t) => t !== 'shared' && fs.existsSync(path.join(dir, t, `${t}.ts`)))
    .sort();
}

function deepMerge(a, b) {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && out[k] ? deepMerge(out[k], v) : v;
  }
  return out;
}

function build() {
  fs.rmSync(dist, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')],
    {
      stdio: 'inherit',
    },
  );
  const types = nodeTypes();
  const icons = fs
    .readdirSync(path.join(root, 'icons'))
    .filter((f) => f.endsWith('.svg') || f.endsWith('.png'));
  for (const t of types) {
    const src = path.join(root, 'nodes', t);
    const out = path.join(dist, 'nodes', t);
    fs.copyFileSync(path.join(src, `${t}.html`), path.join(out, `${t}.html`));
    for (const lang of ['en-US', 'ru']) {
      const ldir = path.join(out, 'locales', lang);
      fs.mkdirSync(ldir, { recursive: true });
      const shared = JSON.parse(
        fs.readFileSync(path.join(root, 'nodes/shared/locales', lang, 'shared.json'), 'utf8'),
      );
      const own = JSON.parse(fs.readFileSync(path.join(src, 'locales', lang, `${t}.json`), 'utf8'));
      fs.writeFileSync(path.join(ldir, `${t}.json`), JSON.stringify(deepMerge(shared, own), null, 2) + '\n');
      fs.copyFileSync(path.join(src, 'locales', lang, `${t}.html`), path.join(ldir, `${t}.html`));
    }
    fs.mkdirSync(path.join(out, 'icons'), { recursive: true });
    for (const icon of icons) fs.copyFileSync(path.join(root, 'icons', icon), path.join(out, 'icons', icon));
  }
  // Editor plugins (the sidebar): the .html and the locales beside the .js.
  for (const p of fs.readdirSync(path.join(root, 'plugins'))) {
    const src = path.join(root, 'plugins', p);
    const out = path.join(dist, 'plugins', p);
    fs.copyFileSync(path.join(src, `${p}.html`), path.join(out, `${p}.html`));
    for (const lang of ['en-US', 'ru']) {
      fs.mkdirSync(path.join(out, 'locales', lang), { recursive: true });
      fs.copyFileSync(
        path.join(src, 'locales', lang, `${p}.json`),
        path.join(out, 'locales', lang, `${p}.json`),
      );
    }
  }
  const cli = path.join(dist, 'lib/emulators/cli.js');
  if (fs.existsSync(cli)) fs.chmodSync(cli, 0o755);

  // package.json must list exactly the built node types.
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const listed = Object.keys(pkg['node-red'].nodes).sort();
  const expected = Object.fromEntries(types.map((t) => [t, `dist/nodes/${t}/${t}.js`]));
  if (
    JSON.stringify(listed) !== JSON.stringify(types) ||
    types.some((t) => pkg['node-red'].nodes[t] !== expected[t])
  ) {
    console.error('package.json node-red.nodes does not match nodes/: expected', expected);
    process.exit(1);
  }
  console.log(`built ${types.length} node types: ${types.join(', ')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) build();
