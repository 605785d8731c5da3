/**
 * suz-order in a real Node-RED runtime (node-red-node-test-helper) against the СУЗ emulator on the
 * True API emulator (real HTTP, real GOST): blocks of codes with msg.parts on output 1, the order
 * closed on output 2, refusals on output 3, bad input to Catch; the balance too low stops it before
 * anything is ordered; a lost order answer orders nothing twice; a block journalled but not
 * delivered is fetched again after a restart; an order cut by a redeploy resumes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_OMS_ID } from '../../lib/emulators/suz';
import { stateDir } from '../../lib/store/atomic';
import { SANDBOX_REGISTRATION_KEY } from '../../lib/suz/settings';
import { suzJournalFile, SuzJournal, type OrderEntry } from '../../lib/suz/journal';
import { SuzOrders } from '../../lib/suz/orders';
import { requireGost } from '../support/gost';
import { helper, packNodes } from '../support/helper';
import { collect, startSuzBed, suzConnectionNode, until, type SuzBed } from '../support/suz';

const CATCH = require('@node-red/nodes/core/common/25-catch.js') as unknown;
const NODES = [...packNodes('cz-connection', 'suz-order'), CATCH];
const GTIN = '04640638345218';
type Msg = Record<string, any>;

describe('suz-order (node ↔ СУЗ emulator)', function () {
  this.timeout(60000);
  let bed: SuzBed;
  let userDir: string;

  before(async function () {
    await requireGost(this);
    bed = await startSuzBed({ emissionDelayMs: 50 });
  });
  after(async () => {
    await bed?.close();
  });
  beforeEach(() => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-suz-order-'));
    helper.settings({ userDir });
    bed.emu.registry.participant(bed.fx.orgInn)?.balances.set(1, 1000000);
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({ userDir: undefined });
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  function flow(order: Record<string, unknown> = {}): Array<Record<string, unknown>> {
    return [
      { id: 'tab', type: 'tab' },
      suzConnectionNode(bed),
      {
        id: 'order',
        type: 'suz-order',
        z: 'tab',
        connection: 'conn',
        productGroup: 'lp',
        templateId: 10,
        blockSize: 10,
        pollSeconds: 0.05,
        retrySeconds: 0.2,
        holdSeconds: 1,
        wires: [['blocks'], ['done'], ['refused']],
        ...order,
      },
      { id: 'blocks', type: 'helper', z: 'tab' },
      { id: 'done', type: 'helper', z: 'tab' },
      { id: 'refused', type: 'helper', z: 'tab' },
      { id: 'catch', type: 'catch', z: 'tab', x: 100, y: 100, scope: null, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab' },
    ];
  }
  const outs = () => ({
    blocks: collect(helper, 'blocks'),
    done: collect(helper, 'done'),
    refused: collect(helper, 'refused'),
    caught: collect(helper, 'caught'),
  });
  const ordersOf = (key: string): number => {
    const j = new SuzJournal(suzJournalFile(stateDir(userDir), DEMO_OMS_ID));
    const e = j.get<OrderEntry>(key);
    j.close();
    return [...bed.suz.orders.values()].filter((o) => o.productionOrderId === e?.productionOrderId).length;
  };

  it('a plain msg: N codes in blocks (msg.parts, raw and normalised), closed on output 2, paid once; the same msg again orders nothing', async () => {
    await helper.load(NODES, flow());
    const o = outs();
    const before = bed.balance('lp') as number;
    helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 25 }, topic: 't1' });
    await until('done', () => o.done.length === 1);
    assert.equal(o.blocks.length, 3);
    const codes = o.blocks.flatMap((m) => m['payload'] as string[]);
    assert.equal(new Set(codes).size, 25);
    assert.ok(
      codes.every((c) => c.includes('\u001d')),
      'raw codes keep GS and the crypto tail',
    );
    const cises = o.blocks.flatMap((m) => m['suz'].cises as string[]);
    assert.ok(
      cises.every((c) => /^01\d{14}21.{13}$/.test(c)),
      cises[0],
    );
    assert.deepEqual(
      o.blocks.map((m) => [m['parts'].index, m['parts'].count, m['topic']]),
      [
        [0, 3, 't1'],
        [1, 3, 't1'],
        [2, 3, 't1'],
      ],
    );
    const d = o.done[0] as Msg;
    assert.equal(d['suz'].state, 'closed');
    assert.equal(d['suz'].codes, 25);
    assert.equal(bed.suz.orders.get(d['suz'].orderId)?.status, 'CLOSED');
    assert.equal(bed.balance('lp'), before - 25 * bed.suz.options.priceKopecks);
    const n = bed.suz.orders.size;
    helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 25 }, topic: 't1' });
    await until('second done', () => o.done.length === 2);
    assert.equal(bed.suz.orders.size, n, 'not ordered twice');
    assert.equal(o.done[1]?.['suz'].codes, 0);
    assert.equal(o.blocks.length, 3);
  });

  it('msg overrides: the product group, template and key of the request win over the node', async () => {
    bed.emu.registry.participant(bed.fx.orgInn)?.balances.set(2, 1000000);
    await helper.load(NODES, flow());
    const o = outs();
    helper.getNode('order').receive({
      payload: { gtin: GTIN, quantity: 3, productGroup: 'shoes', templateId: 1, key: 'k-1' },
    });
    await until('done', () => o.done.length === 1);
    const d = o.done[0] as Msg;
    assert.equal(d['suz'].productGroup, 'shoes');
    assert.equal(d['suz'].key, 'order:key:k-1');
    assert.equal(bed.suz.orders.get(d['suz'].orderId)?.productGroup, 'shoes');
    assert.equal(bed.suz.orders.get(d['suz'].orderId)?.buffers[0]?.templateId, 1);
  });

  it('a 1C document (Document_ЗаказНаЭмиссиюКодовМаркировкиСУЗ, preset fields): ordered once per document, whatever its version', async () => {
    bed.emu.registry.participant(bed.fx.orgInn)?.balances.set(2, 1000000);
    await helper.load(NODES, flow({ productGroup: '', templateId: '' }));
    const o = outs();
    const doc = (version: string): Msg => ({
      payload: {
        Ref_Key: 'b7a1c3d4-0000-4000-8000-000000000001',
        DataVersion: version,
        Number: 'ЗК-000001',
        ВидПродукции: 'Обувь',
        СпособВводаВОборот: 'ВвезенВРФ',
        Товары: [
          {
            LineNumber: '1',
            GTIN: GTIN,
            Количество: 7,
            Шаблон: '1',
            ВидКИЗ: '',
            СпособФормированияСерийногоНомера: 'Автоматически',
          },
        ],
      },
      onec: {
        entity: 'Document_ЗаказНаЭмиссиюКодовМаркировкиСУЗ',
        ref: 'b7a1c3d4-0000-4000-8000-000000000001',
        dataVersion: version,
        number: 'ЗК-000001',
      },
    });
    helper.getNode('order').receive(doc('AAAAAAAAAAE='));
    await until('done', () => o.done.length === 1);
    const d = o.done[0] as Msg;
    assert.equal(d['suz'].productGroup, 'shoes');
    assert.equal(d['suz'].source.number, 'ЗК-000001');
    assert.equal(d['onec'].ref, 'b7a1c3d4-0000-4000-8000-000000000001', 'msg.onec kept for the write-back');
    const order = bed.suz.orders.get(d['suz'].orderId);
    assert.equal(order?.releaseMethodType, 'IMPORT');
    assert.equal(order?.buffers[0]?.templateId, 1);
    assert.equal(o.blocks.flatMap((m) => m['payload']).length, 7);
    const n = bed.suz.orders.size;
    helper.getNode('order').receive(doc('AAAAAAAAAAI='));
    await until('second done', () => o.done.length === 2);
    assert.equal(bed.suz.orders.size, n, 'a new version of the same document is not ordered (paid) again');
  });

  it("the 1C field names are the node's own: another table and columns", async () => {
    await helper.load(NODES, flow({ onecTable: 'Коды', onecGtin: 'ГТИН', onecQuantity: 'Сколько' }));
    const o = outs();
    helper.getNode('order').receive({
      payload: { Коды: [{ ГТИН: GTIN, Сколько: '2' }] },
      onec: { ref: 'c0ffee00-0000-4000-8000-000000000002', dataVersion: 'v1' },
    });
    await until('done', () => o.done.length === 1);
    assert.equal(o.blocks.flatMap((m) => m['payload']).length, 2);
    helper.getNode('order').receive({
      payload: { Коды: [{ GTIN: GTIN, Сколько: 2 }] },
      onec: { ref: 'c0ffee00-0000-4000-8000-000000000003', dataVersion: 'v1' },
    });
    await until('caught', () => o.caught.length === 1);
    assert.match((o.caught[0]?.['error'] as { message: string }).message, /Коды\[0\]\.ГТИН/);
  });

  it('no omsConnection: the installation is registered once with the registration key (credentials), kept over a redeploy', async () => {
    const noConn = (): Array<Record<string, unknown>> =>
      flow().map((n) => (n['id'] === 'conn' ? { ...n, omsConnection: '' } : n));
    const creds = { conn: { omsRegistrationKey: SANDBOX_REGISTRATION_KEY } };
    const before = bed.suz.connections.size;
    await helper.load(NODES, noConn(), creds);
    let o = outs();
    helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 2, key: 'reg-1' } });
    await until('done', () => o.done.length === 1);
    assert.equal(bed.suz.connections.size, before + 1);
    await helper.unload();
    helper.settings({ userDir });
    await helper.load(NODES, noConn(), creds);
    o = outs();
    helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 2, key: 'reg-2' } });
    await until('done again', () => o.done.length === 1);
    assert.equal(bed.suz.connections.size, before + 1, 'not registered twice');
  });

  it('config: a bad setting shows on the node and every message gets the reason (Catch); the defaults of model.ts fill an old flow', async () => {
    await helper.load(NODES, flow({ blockSize: 0, onShort: 'never' }));
    const o = outs();
    helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 1 } });
    await until('caught', () => o.caught.length === 1);
    const m = (o.caught[0]?.['error'] as { message: string }).message;
    assert.match(m, /blockSize/);
    assert.match(m, /onShort/);
    await helper.unload();
    helper.settings({ userDir });
    // a flow without the node's newer properties (version 0): the defaults apply
    const bare = flow().map((n) =>
      n['id'] === 'order'
        ? {
            id: 'order',
            type: 'suz-order',
            z: 'tab',
            connection: 'conn',
            productGroup: 'lp',
            templateId: 10,
            wires: n['wires'],
          }
        : n,
    );
    await helper.load(NODES, bare);
    const p = outs();
    helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 3, key: 'bare-1' } });
    await until('done', () => p.done.length === 1);
    assert.equal(p.blocks.length, 1, 'one block of at most 10 000 codes');
  });

  it('bad input goes to Catch naming the field (ru + en), and nothing is ordered', async () => {
    await helper.load(NODES, flow());
    const o = outs();
    const n = bed.suz.counters['order'] ?? 0;
    helper.getNode('order').receive({ payload: { gtin: '04640638345219', quantity: 5 } });
    await until('caught', () => o.caught.length === 1);
    const err = o.caught[0]?.['error'] as { message: string };
    assert.match(err.message, /payload\[0\]\.gtin/);
    assert.match(err.message, /контрольная цифра/);
    assert.match(err.message, /check digit/);
    helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 0 } });
    await until('caught 2', () => o.caught.length === 2);
    assert.match((o.caught[1]?.['error'] as { message: string }).message, /quantity/);
    assert.equal(bed.suz.counters['order'] ?? 0, n);
    assert.equal(o.blocks.length + o.done.length + o.refused.length, 0);
  });

  it('a balance too low stops it before anything is ordered, with the amounts an accountant reads (ru + en)', async () => {
    bed.emu.registry.participant(bed.fx.orgInn)?.balances.set(1, 100);
    await helper.load(NODES, flow());
    const o = outs();
    const n = bed.suz.counters['order'] ?? 0;
    helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 5 } });
    await until('refused', () => o.refused.length === 1);
    const s = o.refused[0]?.['suz'];
    assert.equal(s.state, 'refused');
    assert.equal(s.error.code, 'SUZ_BALANCE_SHORT');
    assert.match(s.error.ru, /недостаточно средств.*3,05 ₽.*1,00 ₽.*2,05 ₽.*Ничего не заказано/);
    assert.match(s.error.en, /not enough money.*3,05 ₽.*Nothing was ordered/);
    assert.equal(bed.suz.counters['order'] ?? 0, n, 'nothing ordered');
    assert.equal(o.caught.length, 0);
  });

  it('hold: waits with a notice on output 3, orders once the account is topped up', async () => {
    bed.emu.registry.participant(bed.fx.orgInn)?.balances.set(1, 100);
    await helper.load(NODES, flow({ onShort: 'hold', holdSeconds: 1 }));
    const o = outs();
    helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 5 } });
    await until('held', () => o.refused.length === 1);
    assert.equal(o.refused[0]?.['suz'].state, 'held');
    bed.emu.registry.participant(bed.fx.orgInn)?.balances.set(1, 100000);
    await until('done', () => o.done.length === 1);
    assert.equal(o.blocks.length, 1);
    assert.equal(o.refused.length, 1, 'held once');
  });

  it('the same request twice at once: one order, its codes delivered once', async () => {
    await helper.load(NODES, flow());
    const o = outs();
    const msg = { payload: { gtin: GTIN, quantity: 12, key: 'twice-1' } };
    helper.getNode('order').receive(structuredClone(msg));
    helper.getNode('order').receive(structuredClone(msg));
    await until('both done', () => o.done.length === 2);
    assert.equal(ordersOf('order:key:twice-1'), 1);
    assert.equal(o.blocks.flatMap((m) => m['payload']).length, 12);
    assert.deepEqual(o.done.map((m) => m['suz'].codes).sort(), [0, 12]);
  });

  it('a lost answer to POST order: looked up in order/list, not ordered twice', async () => {
    await helper.load(NODES, flow());
    const o = outs();
    bed.suz.loseAnswer('order');
    helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 4, key: 'lost-1' } });
    await until('done', () => o.done.length === 1);
    assert.equal(ordersOf('order:key:lost-1'), 1);
    assert.equal(o.blocks.flatMap((m) => m['payload']).length, 4);
  });

  it('a lost answer to GET codes: the block handed out is found and fetched again, no code lost or doubled', async () => {
    await helper.load(NODES, flow());
    const o = outs();
    const retries = bed.suz.counters['order/codes/retry'] ?? 0;
    bed.suz.loseAnswer('codes');
    helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 15, key: 'lost-codes' } });
    await until('done', () => o.done.length === 1);
    const codes = o.blocks.flatMap((m) => m['payload'] as string[]);
    assert.equal(codes.length, 15);
    assert.equal(new Set(codes).size, 15);
    assert.equal(bed.suz.counters['order/codes/retry'], retries + 1);
    assert.equal(o.blocks.filter((m) => m['suz'].again).length, 1);
  });

  it('a 5xx on POST order: output 3 (failed, retryable) and Catch, then the order resumes by itself, ordered once', async () => {
    await helper.load(NODES, flow());
    const o = outs();
    bed.suz.injectFault('5xx', 'order');
    helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 3, key: 'fault-1' } });
    await until('done after the resume', () => o.done.length === 1);
    assert.equal(o.refused[0]?.['suz'].state, 'failed');
    assert.equal(o.refused[0]?.['suz'].error.retryable, true);
    assert.equal(o.caught.length, 1);
    assert.equal(ordersOf('order:key:fault-1'), 1);
    assert.equal(o.blocks.flatMap((m) => m['payload']).length, 3);
    assert.equal(o.done[0]?.['suz'].state, 'closed');
  });

  it('restart: a block journalled but not delivered is fetched again (codes/retry), then the order finishes', async () => {
    // a crash between journalling a block and handing it on, by the library the node uses
    const file = suzJournalFile(stateDir(userDir), DEMO_OMS_ID);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const j = new SuzJournal(file);
    const cz = bed.client();
    const suz = bed.suzClient({ cz });
    const first: string[] = [];
    await new SuzOrders({ suz, cz, journal: j, pollMs: 30, blockSize: 10 })
      .order(
        {
          key: 'crash-1',
          owner: 'order',
          productGroup: 'lp',
          products: [{ gtin: GTIN, quantity: 15, templateId: 10 }],
        },
        async (b) => {
          first.push(...b.codes);
          throw new Error('crash');
        },
      )
      .catch(() => undefined);
    j.close();
    assert.equal(first.length, 10);
    const retries = bed.suz.counters['order/codes/retry'] ?? 0;
    await helper.load(NODES, flow());
    const o = outs();
    await until('resumed order done', () => o.done.length === 1);
    assert.equal(o.blocks[0]?.['suz'].again, true);
    assert.deepEqual(o.blocks[0]?.['payload'], first, 'the same codes again');
    assert.equal(o.blocks.flatMap((m) => m['payload']).length, 15);
    assert.equal(bed.suz.counters['order/codes/retry'], retries + 1);
    assert.equal(ordersOf('crash-1'), 1);
    assert.equal(o.done[0]?.['suz'].state, 'closed');
  });

  it('redeploy while the buffer is pending: the order resumes on the new node, ordered once', async () => {
    bed.suz.options.emissionDelayMs = 800;
    try {
      await helper.load(NODES, flow());
      helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 12, key: 'redeploy-1' } });
      await until('ordered', () => ordersOf('order:key:redeploy-1') === 1);
      await helper.unload();
      helper.settings({ userDir });
      await helper.load(NODES, flow());
      const o = outs();
      await until('done after redeploy', () => o.done.length === 1);
      assert.equal(o.blocks.flatMap((m) => m['payload']).length, 12);
      assert.equal(ordersOf('order:key:redeploy-1'), 1);
    } finally {
      bed.suz.options.emissionDelayMs = 50;
    }
  });

  it('restart without a suz-report down the flow: a delivered block is not delivered again (nothing would confirm it)', async () => {
    await helper.load(NODES, flow());
    let o = outs();
    helper.getNode('order').receive({ payload: { gtin: GTIN, quantity: 15, key: 'no-confirmer-1' } });
    await until('done', () => o.done.length === 1 && o.blocks.length === 2);
    const retries = bed.suz.counters['order/codes/retry'] ?? 0;
    await helper.unload();
    helper.settings({ userDir });
    await helper.load(NODES, flow());
    o = outs();
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(o.blocks.length, 0);
    assert.equal(bed.suz.counters['order/codes/retry'] ?? 0, retries);
  });
});
