/**
 * The СУЗ test bed: the True API emulator with the СУЗ emulator mounted on its host, and СУЗ clients
 * signing with the demo organisation's GOST certificate (real HTTP on 127.0.0.1).
 */
import { CzClient } from '../../lib/cz/client';
import { productGroup } from '../../lib/cz/product-groups';
import type { CzEmulatorOptions } from '../../lib/emulators/cz';
import {
  createSuzEmulator,
  DEMO_OMS_CONNECTION,
  DEMO_OMS_ID,
  type SuzEmulator,
  type SuzEmulatorOptions,
} from '../../lib/emulators/suz';
import { OpensslSigner } from '../../lib/signing/openssl';
import type { Signer } from '../../lib/signing/types';
import { SuzClient, type SuzClientOptions } from '../../lib/suz/client';
import { startBed, type CzBed } from './cz';

export interface SuzBed extends CzBed {
  suz: SuzEmulator;
  /** a СУЗ client of the demo organisation (its own True API client underneath) */
  suzClient(o?: Partial<SuzClientOptions> & { signer?: Signer }): SuzClient;
  /** the demo organisation's balance of a product group, kopecks */
  balance(pg: string): number | undefined;
}

export async function startSuzBed(
  suzOpts: SuzEmulatorOptions = {},
  czOpts: Partial<CzEmulatorOptions> = {},
): Promise<SuzBed> {
  const suz = createSuzEmulator({ emissionDelayMs: 100, reportDelayMs: 100, ...suzOpts });
  const bed = await startBed({ ...czOpts, mounts: [suz.mount] });
  const clients: SuzClient[] = [];
  return {
    ...bed,
    suz,
    suzClient(o = {}) {
      const cz: CzClient = bed.client(bed.fx.org, o.signer ? { signer: o.signer } : {});
      const c = new SuzClient({
        cz,
        baseUrl: bed.emu.url,
        omsId: DEMO_OMS_ID,
        omsConnection: DEMO_OMS_CONNECTION,
        retry: { baseMs: 20, maxMs: 200 },
        ...o,
      });
      clients.push(c);
      return c;
    },
    balance(pg) {
      const part = bed.emu.registry.participant(bed.fx.orgInn);
      const id = productGroup(pg)?.id;
      return typeof id === 'number' ? part?.balances.get(id) : undefined;
    },
    async close() {
      for (const c of clients) c.close();
      await bed.close();
    },
  };
}

export function orgSigner(bed: CzBed): OpensslSigner {
  return new OpensslSigner({ certPath: bed.fx.org.certPath, keyPath: bed.fx.org.keyPath });
}

/** A cz-connection node of the demo organisation with the demo station (node tests). */
export function suzConnectionNode(bed: SuzBed, id = 'conn'): Record<string, unknown> {
  return {
    id,
    type: 'cz-connection',
    environment: 'custom',
    url: bed.emu.url,
    participantInn: bed.world.organisation.inn,
    signer: 'openssl',
    certPath: bed.fx.org.certPath,
    keyPath: bed.fx.org.keyPath,
    rateLimit: 50,
    omsId: DEMO_OMS_ID,
    omsConnection: DEMO_OMS_CONNECTION,
  };
}

/** Every message that reaches the node `id` from now on (a helper node of node-red-node-test-helper). */
export function collect(
  helper: { getNode(id: string): { on(e: string, h: (m: any) => void): void } },
  id: string,
) {
  const got: Array<Record<string, any>> = [];
  helper.getNode(id).on('input', (m: Record<string, any>) => got.push(m));
  return got;
}

/** Wait until `ok()` (polled every 20 ms), or fail naming `what`. */
export async function until(what: string, ok: () => boolean, ms = 15000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
