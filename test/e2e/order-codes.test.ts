/**
 * End to end, `examples/order-codes.json` as shipped: a real Node-RED with the pack installed from
 * `npm pack`, the 1C emulator with the demo orders of codes (`Document_ЗаказНаЭмиссиюКодовМаркировкиСУЗ`),
 * the True API emulator with the СУЗ mounted on its host. Each posted order is ordered once in СУЗ, its
 * N codes come out in blocks, are reported as applied once, introduced into circulation once
 * (`LP_INTRODUCE_GOODS`), the balance drops by exactly N × 0,61 ₽, and the outcome reaches the order in
 * 1C. An order the balance does not cover is stopped before anything is ordered, with the reason in 1C.
 */
import assert from 'node:assert/strict';
import { FULL, useStack } from '../support/e2e-run';
import { waitFor } from '../support/stack';
import {
  balanceOf,
  describeRun,
  introductions,
  orderStatuses,
  ordersFor,
  PRICE_KOPECKS,
  reportedCodes,
  runState,
  setBalance,
  wantedOrders,
  type WantedOrder,
} from '../support/suz-flow';

describe('e2e: order-codes.json — 1C order → СУЗ → codes → utilisation → introduction → 1C', function () {
  this.timeout(FULL ? 900000 : 300000);
  const before: Record<string, number> = {};
  const stack = useStack({
    examples: ['order-codes.json'],
    comms: false,
    suz: { emissionDelayMs: 300, reportDelayMs: 200 },
    cz: { processingDelayMs: 300 },
    beforeDeploy(demo) {
      for (const pg of ['lp', 'shoes']) before[pg] = balanceOf(demo, pg);
    },
  });
  let wanted: WantedOrder[] = [];

  it('every posted order: ordered once, N codes delivered once, reported once, introduced once, outcome in 1C; the balance down by N × price', async () => {
    const s = stack.s;
    const store = s.demo.onec.store;
    const items = s.demo.world.items;
    // one more order entered while the flow runs: two GTINs, two blocks
    store.addEmissionOrder({
      rows: [
        { itemRef: items[1]!.ref, quantity: 3 },
        { itemRef: items[2]!.ref, quantity: 2 },
      ],
      comment: 'e2e: заказ во время работы',
    });
    wanted = wantedOrders(s.demo);
    assert.equal(wanted.length, 3, 'two demo orders posted, one added');
    const st = await waitFor(
      async () => {
        const r = await runState(s, wanted);
        return r.done ? r : false;
      },
      FULL ? 600000 : 150000,
      async () =>
        `every order done: ${describeRun(await runState(s, wanted), wanted)}\n${s.rt.log().slice(-3000)}`,
      500,
    );
    // a little longer: a late duplicate (an order, a report, an introduction) would show now
    await new Promise((r) => setTimeout(r, 3000));
    const after = await runState(s, wanted);
    assert.deepEqual(after.twiceReported, [], 'no code reported twice');
    assert.deepEqual(after.twiceIntroduced, [], 'no code introduced twice');
    for (const w of wanted) {
      assert.equal(after.created.get(w.ref), 1, `${w.number}: one order in СУЗ`);
      const codes = st.emitted.get(w.ref) ?? [];
      assert.equal(codes.length, w.quantity, `${w.number}: exactly N codes`);
      assert.equal(new Set(codes).size, w.quantity, `${w.number}: N different codes`);
      const [o] = ordersFor(s.demo, w);
      assert.ok(
        o!.buffers.every((b) => b.status === 'EXHAUSTED' || b.status === 'CLOSED'),
        `${w.number}: buffers used up`,
      );
    }
    assert.equal(s.demo.suz.counters['order/codes/retry'] ?? 0, 0, 'no block fetched again in a calm run');
    // the money: exactly N × 61 kopecks per product group
    for (const pg of ['lp', 'shoes']) {
      const n = wanted.filter((w) => w.pg === pg).reduce((a, w) => a + w.quantity, 0);
      assert.equal(before[pg]! - balanceOf(s.demo, pg), n * PRICE_KOPECKS, `${pg}: ${n} × 0,61 ₽`);
    }
    // the codes are in circulation, owned by the organisation
    for (const d of introductions(s.demo)) assert.equal(d.status, 'CHECKED_OK', d.id);
    for (const cis of [...st.emitted.values()].flat()) {
      assert.equal(s.demo.cz.registry.code(cis)?.status, 'INTRODUCED', cis);
    }
    // … and in 1C's codes catalog, once each, with the item of their GTIN («коды → 1С» of the example)
    const catalog = store.rows('Catalog_ШтрихкодыУпаковокТоваров');
    const itemOfGtin = new Map(items.map((i) => [i.gtin, i.ref]));
    for (const cis of [...st.emitted.values()].flat()) {
      const entries = catalog.filter((e) => String(e['ЗначениеШтрихкода']).split('\u001d')[0] === cis);
      assert.equal(entries.length, 1, `${cis}: one entry in Catalog_ШтрихкодыУпаковокТоваров`);
      assert.equal(entries[0]!['Номенклатура_Key'], itemOfGtin.get(cis.slice(2, 16)), `${cis}: its item`);
    }
    assert.doesNotMatch(s.rt.log(), /Unhandled|uncaught/i);
  });

  it('a balance too low: nothing ordered, the cost, the balance and the amount missing written into the order in 1C (ru + en)', async () => {
    const s = stack.s;
    const ordersBefore = s.demo.suz.orders.size;
    const reportsBefore = reportedCodes(s.demo).sent.size;
    setBalance(s.demo, 'shoes', 100);
    const boots = s.demo.world.items.find((i) => i.pg === 'shoes' && i.article === 'BT-102')!;
    const rec = s.demo.onec.store.addEmissionOrder({
      rows: [{ itemRef: boots.ref, quantity: 7 }],
      comment: 'e2e: денег не хватает',
    });
    const ref = String(rec['Ref_Key']).toLowerCase();
    const v = await waitFor(
      async () => (await orderStatuses(s.demo)).get(ref),
      90000,
      () => `the refusal in 1C\n${s.rt.log().slice(-3000)}`,
      500,
    );
    // 7 × 0,61 ₽ = 4,27 ₽ against 1,00 ₽: 3,27 ₽ missing
    assert.match(v, /недостаточно средств/);
    assert.match(v, /not enough money/);
    assert.match(v, /4,27/);
    assert.match(v, /1,00/);
    assert.match(v, /3,27/);
    assert.equal(s.demo.suz.orders.size, ordersBefore, 'nothing ordered in СУЗ');
    assert.equal(balanceOf(s.demo, 'shoes'), 100, 'nothing debited');
    assert.equal(reportedCodes(s.demo).sent.size, reportsBefore);
  });
});
