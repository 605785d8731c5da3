/**
 * `znakflow-emulator cz [--port 9400] [--host 127.0.0.1] …`: the True API emulator from the command
 * line. Without `--ca` it makes (once) a demo GOST PKI in `--pki-dir` (default
 * `~/.znakflow/cz-emulator`): a test CA the emulator trusts and a signer certificate for the demo
 * organisation, and prints the paths to put into a `cz-connection` (signer `openssl`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { demoWorld } from '../demo-data';
import { createTestCa, issueTestSigner } from '../../signing/pki';
import { createSuzEmulator, DEMO_OMS_CONNECTION, DEMO_OMS_ID } from '../suz';
import { startCzEmulator, type CzEmulatorOptions } from './server';

const HELP = `usage: znakflow-emulator cz [options]

  --port N                  port (default 9400)
  --host H                  address to bind (default 127.0.0.1)
  --ca FILE                 trusted CA certificate (PEM); default: a demo PKI in --pki-dir
  --pki-dir DIR             where the demo PKI is made (default ~/.znakflow/cz-emulator)
  --processing-delay MS     time until a document gets its final status (default 1000)
  --visibility-delay MS     time a new document is invisible to doc/info (default 1500)
  --token-ttl MS            token lifetime (default 36000000 = 10 h)
  --rate-limit N            requests per second per participant (default 50, 0 = off)
  --api-rules 2027|2026     True API rules (default 2027: UUID token only, doc/list with a date
                            range; 2026: the stand before, JWT tokens, dates optional)
  --doc-list-max-range D    2027 rules: largest doc/list dateFrom…dateTo range, days (default 30)
  --latency MS | MIN-MAX    added latency per request
  --fault-429 P             share of requests answered 429 (0…1)
  --fault-5xx P             share of requests answered 5xx
  --fault-timeout P         share of requests left unanswered
  --auto-accept MS          registered buyers accept shipments after MS
  --seed N                  demo world seed
  --extra-sales N           extra demo sales (codes per sale: --codes-per-sale, default 5)
  --legacy-ship-goods       take LP_SHIP_GOODS for every product group, as stands before 1 March
                            2022 (default: furs only, as production; the rest ships by УПД)
  --quiet                   no log of received documents
`;

function num(v: string | undefined, name: string): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n)) throw new Error(`${name} needs a number`);
  return n;
}

export async function runCli(args: string[]): Promise<void> {
  const a = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const k = args[i] as string;
    if (k === '--help' || k === '-h') {
      console.log(HELP);
      return;
    }
    if (k === '--quiet' || k === '--legacy-ship-goods') {
      flags.add(k);
      continue;
    }
    if (!k.startsWith('--')) throw new Error(`unexpected argument ${k}\n${HELP}`);
    a.set(k, args[++i] ?? '');
  }
  const world = demoWorld({
    seed: a.has('--seed') ? num(a.get('--seed'), '--seed') : undefined,
    extraSales: a.has('--extra-sales') ? num(a.get('--extra-sales'), '--extra-sales') : undefined,
    codesPerSale: a.has('--codes-per-sale') ? num(a.get('--codes-per-sale'), '--codes-per-sale') : undefined,
  });
  let caCertPath = a.get('--ca');
  const lines: string[] = [];
  if (!caCertPath) {
    const dir = a.get('--pki-dir') ?? path.join(os.homedir(), '.znakflow', 'cz-emulator');
    const ca = path.join(dir, 'ca.pem');
    if (!fs.existsSync(ca)) {
      const made = await createTestCa(dir, 'ZnakFlow Demo GOST CA');
      await issueTestSigner(
        made,
        { inn: world.organisation.inn, organisation: world.organisation.name, commonName: 'Демо подписант' },
        { name: 'demo-signer', days: 3650 },
      );
    }
    caCertPath = ca;
    lines.push(
      `demo signer for ${world.organisation.name} (ИНН ${world.organisation.inn}):`,
      `  certificate ${path.join(dir, 'demo-signer.pem')}`,
      `  key         ${path.join(dir, 'demo-signer.key')}`,
    );
  }
  const latency = a.get('--latency');
  const rules = a.get('--api-rules');
  if (rules !== undefined && rules !== '2027' && rules !== '2026') {
    throw new Error('--api-rules needs 2027 or 2026');
  }
  const opts: CzEmulatorOptions = {
    port: a.has('--port') ? num(a.get('--port'), '--port') : 9400,
    host: a.get('--host') ?? '127.0.0.1',
    world,
    caCertPath,
    processingDelayMs: a.has('--processing-delay')
      ? num(a.get('--processing-delay'), '--processing-delay')
      : 1000,
    visibilityDelayMs: a.has('--visibility-delay')
      ? num(a.get('--visibility-delay'), '--visibility-delay')
      : 1500,
    tokenTtlMs: a.has('--token-ttl') ? num(a.get('--token-ttl'), '--token-ttl') : undefined,
    rateLimit: a.has('--rate-limit') ? num(a.get('--rate-limit'), '--rate-limit') : 50,
    apiRules: rules,
    docListMaxRangeMs: a.has('--doc-list-max-range')
      ? num(a.get('--doc-list-max-range'), '--doc-list-max-range') * 86400000
      : undefined,
    latencyMs: latency
      ? latency.includes('-')
        ? (latency.split('-').map((x) => num(x, '--latency')) as [number, number])
        : num(latency, '--latency')
      : undefined,
    faults: {
      rate429: a.has('--fault-429') ? num(a.get('--fault-429'), '--fault-429') : 0,
      rate5xx: a.has('--fault-5xx') ? num(a.get('--fault-5xx'), '--fault-5xx') : 0,
      rateTimeout: a.has('--fault-timeout') ? num(a.get('--fault-timeout'), '--fault-timeout') : 0,
    },
    autoAcceptMs: a.has('--auto-accept') ? num(a.get('--auto-accept'), '--auto-accept') : undefined,
    legacyShipGoods: flags.has('--legacy-ship-goods'),
    log: flags.has('--quiet') ? undefined : (l) => console.log(`${new Date().toISOString()} ${l}`),
    // the СУЗ on the same host (docs/suz.md)
    mounts: [createSuzEmulator().mount],
  };
  const emu = await startCzEmulator(opts);
  console.log(`True API emulator at ${emu.url} (use it as the custom URL of a cz-connection)`);
  console.log(`  True API rules: ${emu.options.apiRules}`);
  console.log(
    `  participants: ${[...emu.registry.participants.values()].map((p) => `${p.inn}${p.registered ? '' : ' (not registered)'}`).join(', ')}`,
  );
  console.log(`  codes: ${emu.registry.codes.size}; trusted CA: ${caCertPath}`);
  console.log(`  СУЗ at the same URL: omsId ${DEMO_OMS_ID}, omsConnection ${DEMO_OMS_CONNECTION}`);
  for (const l of lines) console.log(l);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void emu.stop().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
