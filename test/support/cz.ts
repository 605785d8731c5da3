/**
 * The Честный ЗНАК test bed: GOST fixtures for the demo organisation and a registered buyer, the
 * True API emulator trusting their CA, and clients signing with them (all over real HTTP on 127.0.0.1).
 */
import { CzClient, type CzClientOptions } from '../../lib/cz/client';
import { demoWorld, type DemoWorld } from '../../lib/emulators/demo-data';
import { startCzEmulator, type CzEmulator, type CzEmulatorOptions } from '../../lib/emulators/cz';
import { OpensslSigner } from '../../lib/signing/openssl';
import type { TestSigner } from '../../lib/signing/pki';
import { makeFixtures, type GostFixtures } from './gost';

export interface CzBed {
  world: DemoWorld;
  fx: GostFixtures;
  emu: CzEmulator;
  client(who?: TestSigner, opts?: Partial<CzClientOptions>): CzClient;
  /** codes of the demo world by product group, status and owner */
  codes(filter: { pg?: string; status?: string; free?: boolean }): string[];
  close(): Promise<void>;
}

export async function startBed(
  opts: Partial<CzEmulatorOptions> = {},
  fx?: GostFixtures,
  world: DemoWorld = demoWorld(),
): Promise<CzBed> {
  const fixtures =
    fx ??
    (await makeFixtures({
      orgInn: world.organisation.inn,
      buyerInn: (world.counterparties[0] as { inn: string }).inn,
    }));
  const emu = await startCzEmulator({
    caCertPath: fixtures.ca.certPath,
    world,
    processingDelayMs: 50,
    // the tests of sending use the demo's clothing and footwear in LP_SHIP_GOODS, as stands before
    // 1 March 2022 took it; the production rule (furs only) has its own tests (cz-emulator.test.ts)
    legacyShipGoods: true,
    ...opts,
  });
  const clients: CzClient[] = [];
  const items = new Map(world.items.map((i) => [i.ref, i]));
  return {
    world,
    fx: fixtures,
    emu,
    client(who = fixtures.org, o = {}) {
      const c = new CzClient({
        baseUrl: emu.url,
        signer: new OpensslSigner({ certPath: who.certPath, keyPath: who.keyPath }),
        retry: { baseMs: 20, maxMs: 200 },
        ...o,
      });
      clients.push(c);
      return c;
    },
    codes(filter) {
      return world.codes
        .filter((c) => {
          const rec = emu.registry.code(c.cis);
          if (!rec) return false;
          if (filter.pg && items.get(c.itemRef)?.pg !== filter.pg) return false;
          if (filter.status && rec.status !== filter.status) return false;
          if (filter.free && (rec.parent || rec.pendingShipment)) return false;
          return true;
        })
        .map((c) => c.cis);
    },
    async close() {
      for (const c of clients) c.close();
      await emu.stop();
      if (!fx) fixtures.cleanup();
    },
  };
}

/** A cz-connection node of a test flow for the bed's demo organisation (OpenSSL signer), with `extra` settings. */
export function czConnectionNode(
  bed: Pick<CzBed, 'emu' | 'world' | 'fx'>,
  id = 'cz',
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id,
    type: 'cz-connection',
    environment: 'custom',
    url: bed.emu.url,
    participantInn: bed.world.organisation.inn,
    signer: 'openssl',
    certPath: bed.fx.org.certPath,
    keyPath: bed.fx.org.keyPath,
    ...extra,
  };
}
