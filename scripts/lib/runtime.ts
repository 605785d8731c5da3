/**
 * Start a real Node-RED (the devDependency, or another install for the compatibility run) as a
 * child process, with a throw-away user directory in which the pack is installed the way a user
 * installs it: `npm pack`, then `npm install <tarball>`. Used by the end-to-end and editor tests
 * and by `npm start`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface RuntimeOptions {
  /** user directory; a fresh temporary one when not given */
  userDir?: string;
  port?: number;
  /** node binary (default: this process's) */
  nodeBin?: string;
  /** node-red package directory (default: the devDependency) */
  nodeRedDir?: string;
  /** extra settings merged into settings.js (JSON-serialisable) */
  settings?: Record<string, unknown>;
  /** raw JS appended to settings.js module.exports object, e.g. an adminAuth block */
  settingsJs?: string;
  env?: Record<string, string>;
  /** flows to put in flows.json before start */
  flows?: unknown[];
  /** keep stdout/stderr here */
  logFile?: string;
  /** skip installing the pack (userDir already has it) */
  skipInstall?: boolean;
}

export interface Runtime {
  url: string;
  port: number;
  userDir: string;
  process: ChildProcess;
  log(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  kill9(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

let packed: string | undefined;

/** Build and `npm pack` the pack once per process; returns the tarball path. */
export function packTarball(): string {
  if (packed && fs.existsSync(packed)) return packed;
  const out = path.join(ROOT, '.tmp', 'pack');
  fs.mkdirSync(out, { recursive: true });
  for (const f of fs.readdirSync(out)) fs.rmSync(path.join(out, f), { force: true, recursive: true });
  execFileSync('npm', ['pack', '--silent', '--pack-destination', out], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, npm_config_ignore_scripts: '' },
  });
  const tgz = fs.readdirSync(out).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error('npm pack produced no tarball');
  packed = path.join(out, tgz);
  return packed;
}

/**
 * A user directory with the pack installed from the tarball. The installed node_modules is
 * cached per tarball content so that many test runtimes do not each run npm.
 */
export function prepareUserDir(userDir: string): void {
  const tgz = packTarball();
  const hash = crypto.createHash('sha256').update(fs.readFileSync(tgz)).digest('hex').slice(0, 16);
  const cache = path.join(ROOT, '.tmp', `userdir-${hash}`);
  if (!fs.existsSync(path.join(cache, 'node_modules', '@znakflow', 'node-red', 'package.json'))) {
    fs.rmSync(cache, { recursive: true, force: true });
    fs.mkdirSync(cache, { recursive: true });
    fs.writeFileSync(
      path.join(cache, 'package.json'),
      JSON.stringify({ name: 'node-red-project', private: true }),
    );
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=dev', tgz], {
      cwd: cache,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  fs.mkdirSync(userDir, { recursive: true });
  fs.rmSync(path.join(userDir, 'node_modules'), { recursive: true, force: true });
  fs.cpSync(path.join(cache, 'node_modules'), path.join(userDir, 'node_modules'), {
    recursive: true,
    verbatimSymlinks: true,
  });
  fs.copyFileSync(path.join(cache, 'package.json'), path.join(userDir, 'package.json'));
}

function settingsFile(opts: RuntimeOptions, port: number): string {
  const base = {
    uiHost: '127.0.0.1',
    uiPort: port,
    flowFile: 'flows.json',
    credentialSecret: 'znakflow-test-secret',
    telemetry: { enabled: false },
    // No palette catalogue: tests and the demo run without internet access.
    editorTheme: { tours: false, palette: { catalogues: [] }, projects: { enabled: false } },
    logging: { console: { level: 'info', metrics: false, audit: false } },
    ...opts.settings,
  };
  const json = JSON.stringify(base, null, 2);
  const extra = opts.settingsJs ? `Object.assign(module.exports, ${opts.settingsJs});\n` : '';
  return `module.exports = ${json};\n${extra}`;
}

export async function startRuntime(opts: RuntimeOptions = {}): Promise<Runtime> {
  const userDir = opts.userDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'znakflow-nr-'));
  if (!opts.skipInstall) prepareUserDir(userDir);
  const port = opts.port ?? (await freePort());
  fs.writeFileSync(path.join(userDir, 'settings.js'), settingsFile(opts, port));
  if (opts.flows) fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(opts.flows, null, 2));
  const nodeRedDir =
    opts.nodeRedDir ?? process.env['ZNAKFLOW_NODE_RED_DIR'] ?? path.join(ROOT, 'node_modules', 'node-red');
  const logChunks: string[] = [];
  const logStream = opts.logFile ? fs.createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
  const child = spawn(
    opts.nodeBin ?? process.env['ZNAKFLOW_NODE_BIN'] ?? process.execPath,
    [
      path.join(nodeRedDir, 'red.js'),
      '-u',
      userDir,
      '-s',
      path.join(userDir, 'settings.js'),
      '-p',
      String(port),
    ],
    { cwd: userDir, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const onData = (d: Buffer): void => {
    const s = d.toString();
    logChunks.push(s);
    if (logChunks.length > 5000) logChunks.splice(0, 1000);
    logStream?.write(s);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`Node-RED exited with ${child.exitCode}:\n${logChunks.join('')}`);
    }
    try {
      const r = await fetch(`${url}/settings`);
      if (r.status === 200 || r.status === 401) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Node-RED did not start within 60 s:\n${logChunks.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const stop = async (signal: NodeJS.Signals = 'SIGINT'): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(t);
    }
    logStream?.end();
  };
  return {
    url,
    port,
    userDir,
    process: child,
    log: () => logChunks.join(''),
    stop,
    kill9: () => stop('SIGKILL'),
  };
}

/** Admin API helpers (no adminAuth unless a token is given). */
export async function adminGet(rt: { url: string }, p: string, token?: string): Promise<Response> {
  return fetch(`${rt.url}${p}`, {
    headers: { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
  });
}

export async function deployFlows(
  rt: { url: string },
  flows: unknown[],
  opts: {
    token?: string;
    credentials?: Record<string, unknown>;
    type?: 'full' | 'nodes' | 'flows' | 'reload';
  } = {},
): Promise<string> {
  const cur = await adminGet(rt, '/flows', opts.token);
  const { rev } = (await cur.json()) as { rev: string };
  const body: Record<string, unknown> = { rev, flows };
  if (opts.credentials) body['credentials'] = opts.credentials;
  const r = await fetch(`${rt.url}/flows`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'Node-RED-API-Version': 'v2',
      'Node-RED-Deployment-Type': opts.type ?? 'full',
      ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  if (r.status !== 200) throw new Error(`deploy failed: ${r.status} ${await r.text()}`);
  const res = (await r.json()) as { rev: string };
  return res.rev;
}
