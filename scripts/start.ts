/**
 * `npm start`: the demo. Builds the pack if the sources changed, starts the bundled 1C OData and
 * True API emulators with matching demo data, starts Node-RED on 127.0.0.1:1880 with the pack
 * installed from `npm pack` and the standard flow deployed, and prints where to look.
 * User directory: .demo/ (git-ignored). Stop with Ctrl+C.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { deployFlows, ROOT, startRuntime } from './lib/runtime';

const PORT = Number(process.env['PORT'] ?? 1880);
const DEMO = path.join(ROOT, '.demo');

function newest(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

function buildIfNeeded(): void {
  const stamp = path.join(ROOT, 'dist', 'nodes');
  const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
  const src = Math.max(...['lib', 'nodes', 'resources', 'icons'].map((d) => newest(path.join(ROOT, d))));
  if (built === 0 || src > built) {
    console.log('building the pack…');
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  }
}

async function main(): Promise<void> {
  buildIfNeeded();
  fs.mkdirSync(DEMO, { recursive: true });
  // The built emulators (the same code users run with `npx znakflow-emulator demo`).
  const { startDemo } = (await import(
    path.join(ROOT, 'dist', 'lib', 'emulators', 'demo.js')
  )) as typeof import('../lib/emulators/demo');
  // furs: a sale of fur coats shows the one group still shipped by LP_SHIP_GOODS beside the УПД;
  // transfers: a return to the supplier and transfers to another organisation of the group, also by УПД
  const demo = await startDemo({
    onecPort: 8081,
    czPort: 9400,
    dir: DEMO,
    world: { furs: true, transfers: true },
  });
  // A fresh start every time: the demo world is made anew, so the old journal and cursors go.
  const userDir = path.join(DEMO, 'node-red');
  for (const f of ['flows.json', 'flows_cred.json', 'znakflow'])
    fs.rmSync(path.join(userDir, f), { recursive: true, force: true });
  const rt = await startRuntime({
    userDir,
    port: PORT,
    env: demo.env,
    settings: { credentialSecret: 'znakflow-demo' },
    logFile: path.join(DEMO, 'node-red.log'),
  });
  await deployFlows(rt, demo.flows, { credentials: demo.credentials });
  console.log('');
  console.log(`ZnakFlow demo is running. Open the Node-RED editor: ${rt.url}/`);
  for (const l of demo.describe()) console.log(l);
  console.log(`Node-RED log: ${path.join(DEMO, 'node-red.log')}. Stop with Ctrl+C.`);
  const shutdown = async (): Promise<void> => {
    await rt.stop();
    await demo.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
