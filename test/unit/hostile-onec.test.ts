/**
 * Hostile 1C answers through lib/onec: the 1C emulator behind a hostile proxy that truncates JSON,
 * answers HTML error pages, XML error bodies, empty bodies, values of the wrong type, documents
 * without their tabular sections, huge arrays, unknown fields, 406, a slow drip, resets and
 * silence. Every call of the client (list, paged list, by key, $count, batched look-ups, document
 * resolution, the watch, writing back) must either succeed or fail with a catchable error whose
 * code names the cause; a spoiled answer is never taken for a good one; no unhandled rejection.
 */
import assert from 'node:assert/strict';
import { OnecClient } from '../../lib/onec/client';
import { readDocuments } from '../../lib/onec/documents';
import { resolveLayout } from '../../lib/onec/presets';
import { DocumentWatcher } from '../../lib/onec/watch';
import { writeAdditionalInfo } from '../../lib/onec/write';
import { startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { DEMO_STATUS_PROPERTY } from '../../lib/emulators/onec/store';
import {
  assertCatchable,
  count,
  forSeeds,
  printTally,
  Rand,
  ROUNDS,
  watchUnhandled,
} from '../support/hostile';
import {
  allowedCodes,
  MUST_FAIL,
  MUST_PASS,
  ONEC_EXPECT as ALLOWED,
  pickMutation,
  spoilCase,
  startHostileProxy,
  type HostileProxy,
} from '../support/hostile-http';

const PASSWORD = 'Hostile-1C-pass-93';
const SALES = 'Document_РеализацияТоваровУслуг';

interface Op {
  name: string;
  /** reads must fail on a spoiled answer; writes and $count may take an empty or odd body */
  kind: 'read' | 'write' | 'count';
  run(client: OnecClient, errors: unknown[]): Promise<void>;
}

describe('hostile inputs: 1C answers through lib/onec (1C emulator behind a hostile proxy)', function () {
  this.timeout(600000);
  let emu: OnecEmulator;
  let proxy: HostileProxy;
  const unhandled = watchUnhandled();
  const layout = resolveLayout('ut11', 'sales', {});
  let saleRefs: string[] = [];
  let codeRefs: string[] = [];

  before(async () => {
    emu = await startOnecEmulator({ users: { odata: PASSWORD } });
    proxy = await startHostileProxy(emu.url.replace(/\/demo$/, ''), new Rand(1));
    const world = emu.store.world;
    saleRefs = world.documents.filter((d) => d.kind === 'sale' && d.posted).map((d) => d.ref);
    codeRefs = world.codes.slice(0, 30).map((c) => c.ref);
  });
  after(async () => {
    unhandled.stop();
    await proxy?.stop();
    await emu?.stop();
    printTally('hostile 1C answers (lib/onec)', ['onec:']);
  });

  const OPS: Op[] = [
    { name: 'list', kind: 'read', run: async (c) => void (await c.list('Catalog_Номенклатура', { top: 5 })) },
    {
      name: 'listAll',
      kind: 'read',
      run: async (c) =>
        void (await c.listAll(
          SALES,
          {
            filter: { field: 'Posted', op: 'eq', value: true, type: 'boolean' },
            select: ['Ref_Key', 'Number'],
          },
          { pageSize: 3 },
        )),
    },
    { name: 'get', kind: 'read', run: async (c) => void (await c.get(SALES, saleRefs[0] as string)) },
    { name: 'count', kind: 'count', run: async (c) => void (await c.count('Catalog_Номенклатура')) },
    {
      name: 'getMany',
      kind: 'read',
      run: async (c) => void (await c.getMany('Catalog_ШтрихкодыУпаковокТоваров', codeRefs)),
    },
    { name: 'testConnection', kind: 'read', run: async (c) => void (await c.testConnection()) },
    {
      name: 'readDocuments',
      kind: 'read',
      run: async (c, errors) => {
        for (const o of await readDocuments(c, SALES, saleRefs.slice(0, 3), layout)) {
          if (!o.ok) errors.push(o.error);
        }
      },
    },
    {
      name: 'watch',
      kind: 'read',
      run: async (c, errors) => {
        const w = new DocumentWatcher(c, { entity: SALES, layout, since: '2020-01-01T00:00:00' });
        await w.poll(
          () => undefined,
          (err) => void errors.push(err),
        );
      },
    },
    {
      name: 'writeAdditionalInfo',
      kind: 'write',
      run: async (c) =>
        void (await writeAdditionalInfo(c, {
          objectEntity: SALES,
          objectRef: saleRefs[0] as string,
          property: DEMO_STATUS_PROPERTY,
          value: `Проверен [CHECKED_OK] ${Math.random()}`,
        })),
    },
  ];

  function plainClient(timeout = 300): OnecClient {
    return new OnecClient({
      url: `${proxy.url}/demo`,
      username: 'odata',
      password: PASSWORD,
      timeout,
      retries: 0,
    });
  }

  it('a server dripping its answer one byte at a time is cut off at the timeout (ONEC_TIMEOUT)', async () => {
    proxy.choose = () => 'slowDrip';
    const client = plainClient(500);
    const t0 = Date.now();
    try {
      await assert.rejects(client.list('Catalog_Номенклатура', { top: 2 }), (err: unknown) => {
        assertCatchable(err, { codes: ['ONEC_TIMEOUT'] });
        return true;
      });
      assert.ok(Date.now() - t0 < 5000, 'not held past the timeout');
    } finally {
      proxy.choose = () => 'pass';
      await client.close();
    }
  });

  it('a server that ignores $top and $skip does not make a paged read loop forever', async () => {
    // every page: 2 000 copies of the first row (as if paging were ignored)
    proxy.choose = (req) => (req.path.includes('$top') ? 'hugeArray' : 'pass');
    const client = plainClient(10000);
    try {
      const rows = await client.listAll(SALES, { select: ['Ref_Key', 'Number'] }, { pageSize: 3 });
      assert.ok(rows.length >= 1 && rows.length <= 3, `rows: ${rows.length}`);
      const regs = await client.listAll('InformationRegister_ДополнительныеСведения', {}, { pageSize: 3 });
      assert.ok(regs.length <= 20000, `rows: ${regs.length}`);
    } finally {
      proxy.choose = () => 'pass';
      await client.close();
    }
  });

  it('an empty or non-numeric answer to $count is an error, not zero', async () => {
    const client = plainClient();
    try {
      for (const m of ['empty', 'textForJson', 'jsonForText'] as const) {
        proxy.choose = () => m;
        proxy.rand = new Rand(3);
        await assert.rejects(client.count('Catalog_Номенклатура'), (err: unknown) => {
          assertCatchable(err, { codes: ['ONEC_BAD_RESPONSE', 'ONEC_SERVER'] });
          return true;
        });
      }
    } finally {
      proxy.choose = () => 'pass';
      await client.close();
    }
  });

  it('every call succeeds or fails with a catchable error naming the cause; spoiled answers are never accepted', async () => {
    await forSeeds(async (seed, r) => {
      proxy.rand = new Rand(seed + 1);
      for (let i = 0; i < 150 * ROUNDS; i++) {
        const op = r.pick(OPS);
        const mutation = pickMutation(r);
        // the spoiling hits every request of the case, or only one of them (the others pass)
        const only = r.bool(0.3) ? r.int(0, 3) : -1;
        const context = spoilCase(proxy, op.name, mutation, only, i);
        count(`onec:${mutation}`);
        const client = new OnecClient({
          url: `${proxy.url}/demo`,
          username: 'odata',
          password: PASSWORD,
          timeout: 300,
          retries: 1,
          retryDelayMs: 5,
          pageSize: 3,
        });
        const errors: unknown[] = [];
        try {
          await op.run(client, errors);
        } catch (err) {
          errors.push(err);
        } finally {
          await client.close();
        }
        proxy.choose = () => 'pass';
        for (const err of errors) {
          const allowed = allowedCodes(ALLOWED, mutation, only);
          assertCatchable(err, { codes: allowed, secrets: [PASSWORD], context });
        }
        if (MUST_PASS.has(mutation)) {
          assert.deepEqual(
            errors.map((e) => (e as Error).message.slice(0, 300)),
            [],
            `a tolerable answer was refused: ${context}`,
          );
        }
        if (only < 0 && op.kind === 'read' && MUST_FAIL.has(mutation)) {
          assert.ok(errors.length > 0, `a spoiled answer was accepted: ${context}`);
        }
      }
    });
    assert.deepEqual(unhandled.errors, [], 'no unhandled rejection or uncaught exception');
  });
});
