/**
 * The demo: both emulators with the same demo world, a GOST test PKI for the demo organisation (made
 * with OpenSSL at start, nothing secret checked in), and the example flows ready to deploy with the
 * environment they expect. Used by `npm start`, by `znakflow-emulator demo`, and by the end-to-end tests.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createTestCa, issueTestSigner } from '../signing/pki';
import { demoWorld, type DemoOptions, type DemoWorld } from './demo-data';
import { startCzEmulator, type CzEmulator, type CzEmulatorOptions } from './cz';
import { startOnecEmulator, type OnecEmulator, type OnecEmulatorOptions } from './onec';
import { sendDemoIncoming } from './edo/demo-incoming';
import {
  createSuzEmulator,
  DEMO_OMS_CONNECTION,
  DEMO_OMS_ID,
  type SuzEmulator,
  type SuzEmulatorOptions,
} from './suz';

export interface DemoSetup {
  world: DemoWorld;
  onec: OnecEmulator;
  cz: CzEmulator;
  /** the СУЗ mounted on the True API emulator's host (same URL, docs/suz.md) */
  suz: SuzEmulator;
  /** environment for Node-RED: ONEC_URL, CZ_URL, CZ_INN, CZ_CERT, CZ_KEY, OMS_ID, OMS_CONNECTION */
  env: Record<string, string>;
  /** the 1C user of the demo publication */
  onecUser: { username: string; password: string };
  /** the example flows (standard-sync first), ids unchanged */
  flows: Array<Record<string, unknown>>;
  /** credentials for every onec-connection of `flows` */
  credentials: Record<string, Record<string, string>>;
  describe(): string[];
  stop(): Promise<void>;
}

export interface DemoStartOptions {
  /** 0 = ephemeral */
  onecPort?: number;
  czPort?: number;
  /** where the PKI goes */
  dir: string;
  world?: DemoOptions;
  onec?: Partial<OnecEmulatorOptions>;
  cz?: Partial<CzEmulatorOptions>;
  suz?: SuzEmulatorOptions;
  /** example files to deploy (default: every file in examples/, standard-sync first) */
  examples?: string[];
  /** suppliers send the demo's incoming УПД through ЭДО Лайт (default true; lib/emulators/edo/demo-incoming.ts) */
  incoming?: boolean;
}

/** The package's examples folder (dist/lib/emulators → ../../../examples, or lib/emulators from source). */
export function examplesDir(): string {
  for (const up of ['../../../examples', '../../examples']) {
    const d = path.resolve(__dirname, up);
    if (fs.existsSync(path.join(d, 'standard-sync.json'))) return d;
  }
  throw new Error('examples/ not found next to the pack');
}

export function loadExamples(names?: string[]): Array<Record<string, unknown>> {
  const dir = examplesDir();
  const files = names ?? [
    'standard-sync.json',
    ...fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json') && f !== 'standard-sync.json')
      .sort(),
  ];
  return files.flatMap(
    (f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Array<Record<string, unknown>>,
  );
}

export async function startDemo(opts: DemoStartOptions): Promise<DemoSetup> {
  const world = demoWorld(opts.world);
  const pkiDir = path.join(opts.dir, 'pki');
  fs.rmSync(pkiDir, { recursive: true, force: true });
  const ca = await createTestCa(path.join(pkiDir, 'ca'), 'ZnakFlow Demo GOST CA');
  const org = await issueTestSigner(
    ca,
    {
      inn: world.organisation.inn,
      organisation: world.organisation.name,
      commonName: 'Демо Подписант',
      // the УПД's signer block comes from these (SN, GN, title), as from a head's КЭП
      surname: 'Подписантов',
      givenName: 'Демо Демович',
      title: 'Генеральный директор',
    },
    { name: 'demo-org', dir: path.join(pkiDir, 'org') },
  );
  const onecUser = { username: 'odata', password: 'odata' };
  const onec = await startOnecEmulator({
    port: opts.onecPort ?? 0,
    world,
    users: { [onecUser.username]: onecUser.password },
    ...opts.onec,
  });
  let cz: CzEmulator;
  const suz = createSuzEmulator(opts.suz);
  try {
    cz = await startCzEmulator({
      port: opts.czPort ?? 0,
      caCertPath: ca.certPath,
      world,
      processingDelayMs: 1500,
      // ЭДО Лайт: the demo buyers check the codes of a УПД and sign it (or refuse naming the codes)
      // within a few seconds, then ГИС МТ moves the codes to them
      edo: { buyerAction: 'check', deliveryMs: 300, buyerDelayMs: 1500, gisDelayMs: 1000 },
      ...opts.cz,
      mounts: [...(opts.cz?.mounts ?? []), suz.mount],
    });
  } catch (err) {
    await onec.stop();
    throw err;
  }
  if (opts.incoming !== false) sendDemoIncoming(world, cz.edo);
  const flows = loadExamples(opts.examples);
  const credentials: Record<string, Record<string, string>> = {};
  for (const n of flows) if (n['type'] === 'onec-connection') credentials[String(n['id'])] = { ...onecUser };
  const env = {
    ONEC_URL: onec.url,
    CZ_URL: cz.url,
    CZ_INN: world.organisation.inn,
    CZ_CERT: org.certPath,
    CZ_KEY: org.keyPath,
    OMS_ID: DEMO_OMS_ID,
    OMS_CONNECTION: DEMO_OMS_CONNECTION,
  };
  return {
    world,
    onec,
    cz,
    suz,
    env,
    onecUser,
    flows,
    credentials,
    describe: () => {
      const sales = world.documents.filter((d) => d.kind === 'sale');
      return [
        `1C emulator (УТ 11 demo base): ${onec.url}/odata/standard.odata/  user ${onecUser.username} / ${onecUser.password}`,
        `  sales: ${sales.length} (${sales.filter((d) => d.posted && !d.deletionMark).length} posted; one unposted, one marked for deletion)`,
        `True API emulator: ${cz.url}/api/v3/true-api/…  participant INN ${world.organisation.inn}  (True API rules ${cz.options.apiRules})`,
        `  GOST test signer of the demo organisation: ${org.certPath}`,
        `СУЗ at the same URL: omsId ${DEMO_OMS_ID}, omsConnection ${DEMO_OMS_CONNECTION} (orders of codes: «ZnakFlow: order codes» tab)`,
        `ЭДО Лайт (CRPT's EDO) on the same host: ${cz.url}/api/v3/true-api/edo/…  demo EDO id ${cz.edo.edoId(world.organisation.inn) ?? '—'}; the buyers check the codes and sign`,
        'What to look at: the «ZnakFlow: standard sync» tab — within a minute every posted sale goes to its buyer as one УПД per',
        '  product group through ЭДО Лайт (furs, if any, as LP_SHIP_GOODS); the buyer signs and ГИС МТ moves the codes to it.',
        ...(world.affiliates?.length
          ? [
              `  Likewise by УПД: the return to the supplier (Document_ВозвратТоваровПоставщику) and the transfer to ${world.affiliates.map((a) => a.name).join(', ')} (Document_ПередачаТоваровМеждуОрганизациями).`,
            ]
          : []),
        '  The «Честный ЗНАК» sidebar tab lists the documents with their EDO and ГИС МТ states, and 1C gets the outcome in',
        `  ${onec.url}/odata/standard.odata/InformationRegister_ДополнительныеСведения?$format=json`,
        ...(opts.incoming !== false
          ? [
              'Incoming УПД (ЭДО Лайт): two suppliers sent the demo organisation a УПД each — the «ZnakFlow: incoming УПД»',
              '  tab signs the one matching its 1C receipt and holds the one with a foreign code for a decision.',
            ]
          : []),
      ];
    },
    stop: async () => {
      await Promise.allSettled([onec.stop(), cz.stop()]);
    },
  };
}
