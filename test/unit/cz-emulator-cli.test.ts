/**
 * `znakflow-emulator cz` from the command line: makes a demo PKI on first start, prints where to
 * point a cz-connection, serves True API, and the printed demo signer really authenticates.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CzClient } from '../../lib/cz/client';
import { OpensslSigner } from '../../lib/signing/openssl';
import { freePort, ROOT } from '../../scripts/lib/runtime';
import { requireGost } from '../support/gost';

function start(args: string[]): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'lib/emulators/cli.ts'), ...args],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

async function waitFor(re: RegExp, output: () => string, ms = 30000): Promise<RegExpExecArray> {
  const t0 = Date.now();
  for (;;) {
    const m = re.exec(output());
    if (m) return m;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${re}:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('znakflow-emulator cz (CLI)', function () {
  this.timeout(60000);
  let dir: string;

  before(async function () {
    await requireGost(this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'znakflow-cli-'));
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints its options with --help', async () => {
    const p = start(['cz', '--help']);
    assert.equal(await p.exited, 0);
    assert.match(p.output(), /--processing-delay MS/);
    assert.match(p.output(), /--fault-5xx P/);
  });

  it('starts on the given port with a demo PKI whose signer authenticates; stops on SIGTERM', async () => {
    const port = await freePort();
    const p = start(['cz', '--port', String(port), '--pki-dir', dir, '--processing-delay', '100']);
    try {
      const m = await waitFor(/True API emulator at (http:\/\/127\.0\.0\.1:\d+)/, p.output);
      assert.equal(m[1], `http://127.0.0.1:${port}`);
      const cert = (await waitFor(/certificate (\S+\.pem)/, p.output))[1] as string;
      const key = (await waitFor(/key\s+(\S+\.key)/, p.output))[1] as string;
      assert.ok(fs.existsSync(cert) && fs.existsSync(key));
      assert.match(p.output(), /not registered/, 'the unregistered ИП is listed as such');
      const client = new CzClient({
        baseUrl: m[1] as string,
        signer: new OpensslSigner({ certPath: cert, keyPath: key }),
      });
      assert.match(p.output(), /True API rules: 2027/);
      const info = await client.authenticate();
      assert.equal(info.kind, 'uuid');
      assert.ok((await client.balance()).length > 0);
      client.close();
    } finally {
      p.child.kill('SIGTERM');
    }
    assert.equal(await p.exited, 0);
  });

  it('--api-rules 2026 starts an old stand that still issues JWT tokens', async () => {
    const port = await freePort();
    const p = start(['cz', '--port', String(port), '--pki-dir', dir, '--api-rules', '2026']);
    try {
      const m = await waitFor(/True API emulator at (http:\/\/127\.0\.0\.1:\d+)/, p.output);
      await waitFor(/True API rules: 2026/, p.output);
      const cert = (await waitFor(/certificate (\S+\.pem)/, p.output))[1] as string;
      const key = (await waitFor(/key\s+(\S+\.key)/, p.output))[1] as string;
      const client = new CzClient({
        baseUrl: m[1] as string,
        signer: new OpensslSigner({ certPath: cert, keyPath: key }),
        tokenKind: 'jwt',
      });
      assert.equal((await client.authenticate()).kind, 'jwt');
      client.close();
    } finally {
      p.child.kill('SIGTERM');
    }
    assert.equal(await p.exited, 0);
  });
});
