/**
 * GOST fixtures made at test start with OpenSSL and the GOST engine (no keys in the repository).
 * Without the engine the GOST tests skip with a printed reason, except in CI (CI=true), where a
 * missing engine fails the run: CI installs libengine-gost-openssl.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { completeInn } from '../../lib/codes/inn';
import { runProcess } from '../../lib/signing/process';
import { probeGostEngine } from '../../lib/signing/openssl';
import { createTestCa, issueTestSigner, type TestCa, type TestSigner } from '../../lib/signing/pki';

let probe: Promise<{ ok: true } | { ok: false; reason: string }> | undefined;

/** Call in `before`: skips the suite (or fails it in CI) when OpenSSL has no GOST engine. */
export async function requireGost(ctx: Mocha.Context): Promise<void> {
  probe ??= probeGostEngine();
  const r = await probe;
  if (r.ok) return;
  const why = `OpenSSL GOST engine not available (apt-get install libengine-gost-openssl): ${r.reason}`;
  if (process.env['CI']) throw new Error(why);
  console.log(`      skipped: ${why}`);
  ctx.skip();
}

export interface GostFixtures {
  dir: string;
  ca: TestCa;
  /** the demo organisation */
  org: TestSigner;
  orgInn: string;
  /** a registered counterparty */
  buyer: TestSigner;
  buyerInn: string;
  /** a signer from another CA (not trusted by the emulator) */
  stranger: TestSigner;
  /** a signer whose INN is not registered */
  unregistered: TestSigner;
  unregisteredInn: string;
  cleanup(): void;
}

export async function makeFixtures(opts: {
  orgInn: string;
  buyerInn: string;
  unregisteredInn?: string;
}): Promise<GostFixtures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'znakflow-gost-'));
  const ca = await createTestCa(path.join(dir, 'ca'));
  const other = await createTestCa(path.join(dir, 'other'), 'Some Other CA');
  const unregisteredInn = opts.unregisteredInn ?? completeInn('9909123456');
  const [org, buyer, stranger, unregistered] = await Promise.all([
    issueTestSigner(ca, { inn: opts.orgInn, organisation: 'ООО «Демо Маркировка»' }, { name: 'org' }),
    issueTestSigner(ca, { inn: opts.buyerInn, organisation: 'ООО «Модный Дом»' }, { name: 'buyer' }),
    issueTestSigner(other, { inn: opts.orgInn, organisation: 'ООО «Демо Маркировка»' }, { name: 'stranger' }),
    issueTestSigner(ca, { inn: unregisteredInn, commonName: 'ИП Нетов' }, { name: 'unregistered' }),
  ]);
  return {
    dir,
    ca,
    org,
    orgInn: opts.orgInn,
    buyer,
    buyerInn: opts.buyerInn,
    stranger,
    unregistered,
    unregisteredInn,
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** `openssl cms -verify` of a base64 signature; detached when `content` is given. */
export async function opensslVerify(
  b64: string,
  caPath: string,
  content?: Buffer,
): Promise<{ ok: boolean; content: Buffer; stderr: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'znakflow-verify-'));
  try {
    const args = [
      'cms',
      '-verify',
      '-engine',
      'gost',
      '-binary',
      '-cades',
      '-purpose',
      'any',
      '-inform',
      'DER',
    ];
    args.push('-CAfile', caPath);
    if (content) {
      const p = path.join(dir, 'content.bin');
      fs.writeFileSync(p, content);
      args.push('-content', p);
    }
    const r = await runProcess('openssl', args, { input: Buffer.from(b64, 'base64'), timeoutMs: 20000 });
    return { ok: r.code === 0, content: r.stdout, stderr: r.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
