/**
 * Exactly-once orders of codes against the СУЗ emulator (real HTTP, real GOST): the cost checked
 * against the balance before anything is ordered, one order per key whatever answers are lost, every
 * block handed on (again with codes/retry after a failed hand-off or a reopened journal), reports sent
 * once.
 */
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tryParseCode } from '../../lib/codes/parse';
import type { CzClient } from '../../lib/cz/client';
import { isZnakFlowError, type ZnakFlowError } from '../../lib/errors';
import type { SuzClient } from '../../lib/suz/client';
import { SuzJournal, type BlockEntry, type OrderEntry } from '../../lib/suz/journal';
import { orderCost, SuzOrders, type DeliveredBlock, type SuzOrdersOptions } from '../../lib/suz/orders';
import { requireGost } from '../support/gost';
import { startSuzBed, type SuzBed } from '../support/suz';

const GTIN = '04640638345218';

function zf(err: unknown): ZnakFlowError {
  assert.ok(isZnakFlowError(err), `ZnakFlowError expected, got ${String(err)}`);
  return err;
}

describe('СУЗ orders and reports, exactly once (lib/suz/orders.ts ↔ СУЗ emulator)', function () {
  this.timeout(60000);
  let bed: SuzBed;
  let dir: string;
  let cz: CzClient;
  let suz: SuzClient;

  before(async function () {
    await requireGost(this);
    bed = await startSuzBed({ emissionDelayMs: 50, reportDelayMs: 150 });
    cz = bed.client();
    suz = bed.suzClient({ cz });
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'znakflow-suz-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  after(async () => {
    await bed?.close();
  });

  const service = (journal: SuzJournal, o: Partial<SuzOrdersOptions> = {}): SuzOrders =>
    new SuzOrders({ suz, cz, journal, pollMs: 30, blockSize: 10, reportSettleMs: 3000, ...o });
  const collect = (): {
    blocks: DeliveredBlock[];
    codes(): string[];
    deliver(b: DeliveredBlock): Promise<void>;
  } => {
    const blocks: DeliveredBlock[] = [];
    return {
      blocks,
      codes: () => blocks.flatMap((b) => b.codes),
      deliver: async (b) => {
        blocks.push(b);
      },
    };
  };
  const ordersOfKey = (j: SuzJournal, key: string): number => {
    const e = j.get<OrderEntry>(key);
    return [...bed.suz.orders.values()].filter((o) => o.productionOrderId === e?.productionOrderId).length;
  };

  it('N codes → exactly N delivered once in blocks, the balance drops by N × price, the order closed; run again: nothing', async () => {
    const j = new SuzJournal(path.join(dir, 'suz.jsonl'));
    const s = service(j);
    const out = collect();
    const before = bed.balance('lp') as number;
    const r = await s.order(
      {
        productGroup: 'lp',
        products: [{ gtin: GTIN, quantity: 25, templateId: 10 }],
        source: { ref: 'ref-1', dataVersion: 'v1' },
      },
      out.deliver,
    );
    assert.equal(r.codes, 25);
    assert.equal(r.blocks, 3);
    assert.equal(new Set(out.codes()).size, 25);
    for (const c of out.codes()) assert.ok(tryParseCode(c, 'lp').ok, c);
    assert.equal(bed.balance('lp'), before - 25 * bed.suz.options.priceKopecks);
    assert.equal(
      r.costKopecks,
      orderCost(25),
      'the cost checked is what the station debits (50 коп. + 22 % VAT)',
    );
    assert.equal(bed.suz.orders.get(r.orderId)?.status, 'CLOSED');
    assert.equal(j.get<OrderEntry>(r.key)?.state, 'closed');
    assert.deepEqual(
      j.blocksOf(r.key).map((b) => b.state),
      ['delivered', 'delivered', 'delivered'],
    );
    const n = bed.suz.orders.size;
    const again = await s.order(
      {
        productGroup: 'lp',
        products: [{ gtin: GTIN, quantity: 25, templateId: 10 }],
        source: { ref: 'ref-1', dataVersion: 'v1' },
      },
      out.deliver,
    );
    assert.equal(again.codes, 0);
    assert.equal(bed.suz.orders.size, n, 'not ordered twice');
    j.close();
  });

  it('a balance too low stops the order before anything is ordered, naming the amounts (ru + en)', async () => {
    bed.emu.registry.participant(bed.fx.orgInn)?.balances.set(2, 100);
    const j = new SuzJournal(path.join(dir, 'suz.jsonl'));
    const before = bed.suz.counters['order'] ?? 0;
    const e = zf(
      await service(j)
        .order(
          { productGroup: 'shoes', products: [{ gtin: GTIN, quantity: 5, templateId: 1 }] },
          async () => undefined,
        )
        .catch((x: unknown) => x),
    );
    assert.equal(e.code, 'SUZ_BALANCE_SHORT');
    assert.match(
      e.ru,
      /заказ 5 кодов стоит 3,05 ₽ \(5 × 0,61 ₽ с НДС 22 %\), на счёте 1,00 ₽; пополните счёт не меньше чем на 2,05 ₽/,
    );
    assert.match(e.en, /costs 3,05 ₽ .* the balance is 1,00 ₽/);
    assert.equal(bed.suz.counters['order'] ?? 0, before, 'nothing sent to СУЗ');
    assert.equal(j.all().length, 0, 'nothing journalled');
    j.close();
  });

  for (const echo of [true, false]) {
    it(`a lost answer to POST order: found in order/list (${echo ? 'by productionOrderId' : 'by GTIN, quantity and time'}), not ordered again`, async () => {
      bed.suz.options.echoProductionOrderId = echo;
      try {
        const j = new SuzJournal(path.join(dir, 'suz.jsonl'));
        const out = collect();
        const n = bed.suz.orders.size;
        bed.suz.loseAnswer('order');
        const r = await service(j).order(
          {
            productGroup: 'lp',
            products: [{ gtin: GTIN, quantity: 12, templateId: 10 }],
            key: `lost-${echo}`,
          },
          out.deliver,
        );
        assert.equal(bed.suz.counters['lost/order'] !== undefined, true);
        assert.equal(bed.suz.orders.size, n + 1, 'one order');
        assert.equal(out.codes().length, 12);
        assert.equal(j.get<OrderEntry>(r.key)?.orderId, r.orderId);
        j.close();
      } finally {
        bed.suz.options.echoProductionOrderId = true;
      }
    });
  }

  it('interrupted after a lost answer (the look-up failed too): the reopened journal resumes the same order', async () => {
    const file = path.join(dir, 'suz.jsonl');
    const j1 = new SuzJournal(file);
    bed.suz.loseAnswer('order');
    bed.suz.injectFault('5xx', 'order/list', 20);
    const e = zf(
      await service(j1)
        .order(
          { productGroup: 'lp', products: [{ gtin: GTIN, quantity: 4, templateId: 10 }], key: 'crash-1' },
          async () => undefined,
        )
        .catch((x: unknown) => x),
    );
    assert.ok(['SUZ_UNCERTAIN', 'SUZ_SERVER_ERROR'].includes(e.code), e.code);
    assert.equal(j1.get<OrderEntry>('crash-1')?.state, 'unknown');
    j1.close();
    // drain the remaining injected faults
    bed.suz.injectFault('5xx', 'order/list', 0);
    while ((bed.suz.counters['faults/order/list'] ?? 0) < 20) await suz.listOrders().catch(() => undefined);
    const j2 = new SuzJournal(file);
    const out = collect();
    const [r] = await service(j2).resume(out.deliver);
    assert.equal(r?.codes, 4);
    assert.equal(ordersOfKey(j2, 'crash-1'), 1, 'one order in СУЗ for the key');
    j2.close();
  });

  it('a block fetched but not handed on is fetched again with codes/retry after the journal is reopened', async () => {
    const file = path.join(dir, 'suz.jsonl');
    const j1 = new SuzJournal(file);
    let first: string[] = [];
    const req = {
      productGroup: 'lp',
      products: [{ gtin: GTIN, quantity: 15, templateId: 10 }],
      key: 'handoff-1',
    };
    await assert.rejects(
      service(j1).order(req, async (b) => {
        first = b.codes;
        throw new Error('printer offline');
      }),
      /printer offline/,
    );
    const fetched = j1.blocksOf('handoff-1');
    assert.deepEqual(
      fetched.map((b) => b.state),
      ['fetched'],
    );
    j1.close();
    const j2 = new SuzJournal(file);
    const out = collect();
    const before = bed.suz.counters['order/codes/retry'] ?? 0;
    const r = await service(j2).order(req, out.deliver);
    assert.equal((bed.suz.counters['order/codes/retry'] ?? 0) - before, 1);
    assert.equal(out.blocks[0]?.again, true);
    assert.deepEqual(out.blocks[0]?.codes, first, 'the same codes, not new ones');
    assert.equal(new Set(out.codes()).size, 15);
    assert.equal(
      [...bed.suz.blocks.values()].filter((b) => b.orderId === r.orderId).length,
      2,
      'no block lost, none extra',
    );
    j2.close();
  });

  it('a lost answer to GET codes: the block is found (codes/blocks) and fetched again, never lost', async () => {
    const j = new SuzJournal(path.join(dir, 'suz.jsonl'));
    const out = collect();
    bed.suz.loseAnswer('codes');
    const r = await service(j).order(
      { productGroup: 'lp', products: [{ gtin: GTIN, quantity: 20, templateId: 10 }], key: 'lost-codes' },
      out.deliver,
    );
    assert.equal(bed.suz.counters['lost/codes'] !== undefined, true);
    const emitted = [...bed.suz.blocks.values()].filter((b) => b.orderId === r.orderId);
    assert.equal(emitted.length, 2);
    assert.deepEqual(new Set(out.codes()), new Set(emitted.flatMap((b) => b.codes)));
    assert.equal(out.codes().length, 20);
    assert.ok(j.blocksOf('lost-codes').every((b: BlockEntry) => b.state === 'delivered'));
    j.close();
  });

  it('a utilisation report with a lost answer is sent once: found by the codes’ status, then not sent again', async () => {
    bed.emu.registry.participant(bed.fx.orgInn)?.balances.set(8, 100000);
    const j = new SuzJournal(path.join(dir, 'suz.jsonl'));
    const s = service(j);
    const out = collect();
    await s.order(
      { productGroup: 'milk', products: [{ gtin: GTIN, quantity: 3, templateId: 20 }], key: 'milk-1' },
      out.deliver,
    );
    const n = bed.suz.reports.size;
    bed.suz.loseAnswer('utilisation');
    const r = await s.report('utilisation', 'milk-1', { productGroup: 'milk', sntins: out.codes() });
    assert.equal(r.state, 'final');
    assert.equal(r.status, 'SUCCESS');
    assert.equal(r.inferred, true);
    assert.equal(bed.suz.reports.size, n + 1, 'one report');
    const again = await s.report('utilisation', 'milk-1', { productGroup: 'milk', sntins: out.codes() });
    assert.equal(again.state, 'final');
    assert.equal(bed.suz.reports.size, n + 1, 'not sent twice');
    for (const c of out.codes()) {
      const p = tryParseCode(c, 'milk');
      assert.ok(p.ok);
      assert.equal(bed.emu.registry.code(p.value.cis)?.status, 'APPLIED');
    }
    j.close();
  });

  it('the introduction that follows is checked against the emitted codes: refused while EMITTED, accepted once APPLIED', async () => {
    bed.emu.registry.participant(bed.fx.orgInn)?.balances.set(8, 100000);
    const j = new SuzJournal(path.join(dir, 'suz.jsonl'));
    const s = service(j);
    const out = collect();
    await s.order(
      { productGroup: 'milk', products: [{ gtin: GTIN, quantity: 2, templateId: 20 }], key: 'milk-3' },
      out.deliver,
    );
    const cis = out.codes().map((c) => {
      const p = tryParseCode(c, 'milk');
      assert.ok(p.ok);
      return p.value.cis;
    });
    const intro = async (): Promise<string> => {
      const id = await cz.createDocument({
        type: 'LP_INTRODUCE_GOODS',
        productGroup: 'milk',
        body: {
          participant_inn: bed.fx.orgInn,
          producer_inn: bed.fx.orgInn,
          owner_inn: bed.fx.orgInn,
          production_date: new Date().toISOString().slice(0, 10),
          production_type: 'OWN_PRODUCTION',
          products: cis.map((c) => ({ uit_code: c, tnved_code: '0401201100' })),
        },
      });
      await bed.emu.settle();
      return (await cz.documentInfo(id)).status as string;
    };
    assert.equal(await intro(), 'CHECKED_NOT_OK', 'EMITTED codes cannot be introduced');
    const r = await s.report('utilisation', 'milk-3', { productGroup: 'milk', sntins: out.codes() });
    assert.equal(r.status, 'SUCCESS');
    assert.equal(await intro(), 'CHECKED_OK');
    assert.equal(bed.emu.registry.code(cis[0] as string)?.status, 'INTRODUCED');
    j.close();
  });

  it('a dropout report followed to its final status through report/info', async () => {
    bed.emu.registry.participant(bed.fx.orgInn)?.balances.set(8, 100000);
    const j = new SuzJournal(path.join(dir, 'suz.jsonl'));
    const s = service(j);
    const out = collect();
    await s.order(
      { productGroup: 'milk', products: [{ gtin: GTIN, quantity: 2, templateId: 20 }], key: 'milk-2' },
      out.deliver,
    );
    const r = await s.report('dropout', 'milk-2', {
      productGroup: 'milk',
      dropoutReason: 'DEFECT',
      sntins: out.codes(),
    });
    assert.equal(r.state, 'final');
    assert.equal(r.status, 'SUCCESS');
    assert.ok(r.reportId);
    assert.equal(r.inferred, undefined);
    j.close();
  });

  it('a delivered block is confirmed by its final report; the unconfirmed ones are delivered again (codes/retry); no abort listener left behind', async () => {
    const j = new SuzJournal(path.join(dir, 'suz.jsonl'));
    const s = service(j);
    const out = collect();
    // one long-lived signal for every call, like a node's: each call must stop listening when done
    const life = new AbortController();
    const call = { signal: life.signal };
    const r = await s.order(
      { productGroup: 'lp', products: [{ gtin: GTIN, quantity: 15, templateId: 10 }], key: 'confirm-1' },
      out.deliver,
      call,
    );
    const [b1, b2] = j.blocksOf(r.key);
    assert.ok(b1 && b2);
    assert.deepEqual(
      j.unconfirmedBlocks().map((b) => b.blockId),
      [b1.blockId, b2.blockId],
      'delivered, nobody reported them yet',
    );
    const first = out.blocks.find((b) => b.blockId === b1.blockId) as DeliveredBlock;
    const rep = await s.report(
      'utilisation',
      `block:${b1.blockId}`,
      { productGroup: 'lp', sntins: first.codes },
      call,
    );
    assert.equal(rep.state, 'final');
    assert.equal(j.blockConfirmed(b1.blockId), true);
    assert.deepEqual(
      j.unconfirmedBlocks().map((b) => b.blockId),
      [b2.blockId],
    );
    const again = collect();
    const retries = bed.suz.counters['order/codes/retry'] ?? 0;
    const n = await s.redeliverUnconfirmed(j.unconfirmedBlocks(), again.deliver, call);
    assert.deepEqual(n, { blocks: 1, failed: 0 });
    assert.equal(again.blocks[0]?.blockId, b2.blockId);
    assert.equal(again.blocks[0]?.again, true);
    assert.deepEqual(again.codes(), out.blocks.find((b) => b.blockId === b2.blockId)?.codes);
    assert.equal(bed.suz.counters['order/codes/retry'], retries + 1);
    assert.equal(getEventListeners(life.signal, 'abort').length, 0, 'every call stopped listening');
    j.close();
  });
});
