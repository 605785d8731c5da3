/**
 * The per-connection rate limiter under a burst: 500 calls issued at once through one client
 * against the True API emulator (50 requests/s per participant, 429 above). The emulator must never
 * answer 429 and throughput must stay ≥ 90 % of the allowed rate. Baseline, measured in the same
 * run: the same burst with the limiter opened up, to show what the emulator does without it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchResult } from './run';
import { CzClient } from '../lib/cz/client';
import { RateLimiter } from '../lib/cz/limiter';
import { demoWorld } from '../lib/emulators/demo-data';
import { startCzEmulator } from '../lib/emulators/cz';
import { OpensslSigner, probeGostEngine } from '../lib/signing/openssl';
import { createTestCa, issueTestSigner } from '../lib/signing/pki';

export const name = 'True API rate limiter: burst of 500 calls at 50 requests/s';

const CALLS = 500;
const ALLOWED = 50;

export async function run(): Promise<BenchResult[]> {
  const probe = await probeGostEngine();
  if (!probe.ok) {
    console.log(`  skipped: OpenSSL GOST engine not available (libengine-gost-openssl): ${probe.reason}`);
    return [];
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'znakflow-bench-'));
  const world = demoWorld();
  const ca = await createTestCa(dir);
  const s = await issueTestSigner(ca, { inn: world.organisation.inn });
  const emu = await startCzEmulator({ caCertPath: ca.certPath, world, rateLimit: ALLOWED });
  const code = world.codes[0]?.cis as string;
  const signer = (): OpensslSigner => new OpensslSigner({ certPath: s.certPath, keyPath: s.keyPath });
  try {
    // Baseline: the limiter opened up, no retries: how many 429 does the same burst get?
    const open = new CzClient({
      baseUrl: emu.url,
      signer: signer(),
      limiter: new RateLimiter({ perSecond: 100000, windowMs: 1000, marginMs: 0 }),
      retry: { retries: 0 },
    });
    await open.authenticate();
    const settled = await Promise.allSettled(Array.from({ length: CALLS }, () => open.cisesInfo([code])));
    const baseline429 = settled.filter((r) => r.status === 'rejected').length;
    open.close();
    await new Promise((r) => setTimeout(r, 1200)); // let the participant's window empty

    // The pack's client: one limiter at the allowed rate.
    const client = new CzClient({ baseUrl: emu.url, signer: signer(), rateLimit: ALLOWED });
    await client.authenticate();
    await new Promise((r) => setTimeout(r, 1200));
    const before429 = emu.counters['responses/429'] ?? 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CALLS }, () => client.cisesInfo([code])));
    const secs = (performance.now() - t0) / 1000;
    const got429 = (emu.counters['responses/429'] ?? 0) - before429;
    client.close();
    const rps = CALLS / secs;
    return [
      {
        what: `throughput of ${CALLS} calls issued at once through one connection`,
        value: rps,
        unit: 'req/s',
        baseline: { what: 'allowed rate', value: ALLOWED },
        target: `≥ ${0.9 * ALLOWED} req/s (ratio ≥ 0.90)`,
        met: rps >= 0.9 * ALLOWED,
      },
      {
        what: '429 answers with the limiter',
        value: got429,
        unit: 'answers',
        baseline: { what: 'same burst with the limiter opened up', value: baseline429 },
        target: '0',
        met: got429 === 0,
      },
    ];
  } finally {
    await emu.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
