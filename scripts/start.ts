/**
 * `npm start`: the demo. Builds the pack if the sources changed, starts the bundled 1C OData and
 * True API emulators with matching demo data, starts Node-RED on 127.0.0.1:1880 with the pack
 * installed from `npm pack` and the standard flow deployed, and prints where to look.
 * User directory: .demo/ (git-ignored). Stop with Ctrl+C.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, startRuntime } from './lib/runtime';

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

interface DemoModule {
  startDemo(opts: { onecPort: number; czPort: number; dir: string }): Promise<{
    flows: unknown[];
    credentials: Record<string, Record<string, string>>;
    env: Record<string, string>;
    describe(): string[];
    stop(): Promise<void>;
  }>;
}

async function main(): Promise<void> {
  buildIfNeeded();
  fs.mkdirSync(DEMO, { recursive: true });
  const demoPath = path.join(ROOT, 'dist', 'lib', 'emulators', 'demo.js');
  let flows: unknown[] = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'examples', 'connections.json'), 'utf8'),
  ) as unknown[];
  let env: Record<string, string> = {};
  let lines: string[] = [];
  let stopDemo = async (): Promise<void> => {};
  let credentials: Record<string, Record<string, string>> = {};
  if (fs.existsSync(demoPath)) {
    const demo = (await import(demoPath)) as DemoModule;
    const d = await demo.startDemo({ onecPort: 8081, czPort: 9400, dir: DEMO });
    flows = d.flows;
    env = d.env;
    credentials = d.credentials;
    lines = d.describe();
    stopDemo = () => d.stop();
  }
  // The demo's credentials are written in clear only into the demo user dir's flows_cred.json
  // by Node-RED itself (encrypted with the demo secret).
  const userDir = path.join(DEMO, 'node-red');
  fs.rmSync(path.join(userDir, 'flows.json'), { force: true });
  fs.rmSync(path.join(userDir, 'flows_cred.json'), { force: true });
  const rt = await startRuntime({
    userDir,
    port: PORT,
    env,
    settings: { credentialSecret: 'znakflow-demo' },
    logFile: path.join(DEMO, 'node-red.log'),
  });
  const { deployFlows } = await import('./lib/runtime');
  await deployFlows(rt, flows, { credentials });
  console.log('');
  console.log(`ZnakFlow demo is running. Open the Node-RED editor: ${rt.url}/`);
  for (const l of lines) console.log(l);
  console.log(`Node-RED log: ${path.join(DEMO, 'node-red.log')}. Stop with Ctrl+C.`);
  const shutdown = async (): Promise<void> => {
    await rt.stop();
    await stopDemo();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
