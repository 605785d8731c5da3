/**
 * The parts of the СУЗ emulator the end-to-end runs lean on, and the 1C order of codes beside it:
 * random faults (429 and 5xx that do nothing, lost answers after the work was done), the demo setup
 * that mounts the СУЗ on the True API emulator's host, and `Document_ЗаказНаЭмиссиюКодовМаркировкиСУЗ`
 * of the 1C emulator over real OData.
 */
import assert from 'node:assert/strict';
import { isZnakFlowError } from '../../lib/errors';
import { prng } from '../../lib/emulators/demo-data';
import { DEMO_STATUS_PROPERTIES, startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { requireGost } from '../support/gost';
import { startSuzBed, type SuzBed } from '../support/suz';
const LP_GTIN = '04640638345218';

const ORDERS = 'Document_ЗаказНаЭмиссиюКодовМаркировкиСУЗ';
const AUTH = `Basic ${Buffer.from('odata:odata').toString('base64')}`;

describe('СУЗ emulator: random faults', function () {
  this.timeout(60000);
  let bed: SuzBed;

  before(async function () {
    await requireGost(this);
    bed = await startSuzBed();
  });
  after(async () => {
    await bed?.close();
  });
  afterEach(() => {
    bed.suz.faults = {};
  });

  it('429 and 5xx answered without doing anything, counted per kind', async () => {
    const c = bed.suzClient({ retry: { baseMs: 1, maxMs: 2, retries: 0 } });
    await c.ping();
    bed.suz.faults = { rate429: 1, routes: ['order/list'] };
    const e429 = await c.listOrders().catch((e: unknown) => e);
    assert.ok(isZnakFlowError(e429) && e429.status === 429, String(e429));
    bed.suz.faults = { rate5xx: 1, routes: ['order'] };
    const n = bed.suz.orders.size;
    const e5xx = await c
      .createOrder({
        productGroup: 'lp',
        products: [{ gtin: LP_GTIN, quantity: 1, serialNumberType: 'OPERATOR', templateId: 10 }],
      })
      .catch((e: unknown) => e);
    assert.ok(isZnakFlowError(e5xx), String(e5xx));
    assert.equal(bed.suz.orders.size, n, 'a 5xx creates nothing');
    assert.ok((bed.suz.counters['faults/429'] ?? 0) >= 1);
    assert.ok((bed.suz.counters['faults/5xx'] ?? 0) >= 1);
  });

  it('a lost answer does the work: the order exists, the client is left uncertain', async () => {
    const c = bed.suzClient();
    await c.ping();
    bed.suz.faults = { rateLost: 1, routes: ['order'] };
    const n = bed.suz.orders.size;
    const e = await c
      .createOrder({
        productGroup: 'lp',
        products: [{ gtin: LP_GTIN, quantity: 2, serialNumberType: 'OPERATOR', templateId: 10 }],
      })
      .catch((x: unknown) => x);
    assert.ok(isZnakFlowError(e) && e.code === 'SUZ_UNCERTAIN', String(e));
    assert.equal(bed.suz.orders.size, n + 1);
    assert.equal(bed.suz.counters['faults/lost'], 1);
  });

  it('a seeded rate fails about that share of the calls, the rest untouched', async () => {
    const c = bed.suzClient({ retry: { baseMs: 1, maxMs: 2, retries: 0 } });
    await c.ping();
    bed.suz.faults = { rate429: 0.05, rate5xx: 0.05, random: prng(7), routes: ['ping'] };
    let failed = 0;
    for (let i = 0; i < 200; i++)
      if (
        await c.ping().then(
          () => false,
          () => true,
        )
      )
        failed++;
    assert.ok(failed > 5 && failed < 45, `${failed} of 200 failed at 10 %`);
  });
});

describe('1C emulator: orders of codes from СУЗ (Document_ЗаказНаЭмиссиюКодовМаркировкиСУЗ)', () => {
  let emu: OnecEmulator;
  before(async () => {
    emu = await startOnecEmulator();
  });
  after(async () => {
    await emu?.stop();
  });

  const get = async (rel: string): Promise<{ value: Array<Record<string, unknown>> }> => {
    const r = await fetch(emu.serviceRoot + rel, { headers: { Authorization: AUTH } });
    assert.equal(r.status, 200, rel);
    return (await r.json()) as { value: Array<Record<string, unknown>> };
  };

  it('demo orders with the header and the goods table as БГосИС has them; a draft not posted', async () => {
    const all = await get(`${encodeURIComponent(ORDERS)}?$format=json`);
    assert.equal(all.value.length, 3);
    const [first] = all.value;
    assert.equal(first!['ВидПродукции'], 'ЛегкаяПромышленность');
    assert.equal(first!['СпособВводаВОборот'], 'ПроизводствоВРоссийскойФедерации');
    const rows = first!['Товары'] as Array<Record<string, unknown>>;
    assert.equal(rows.length, 2);
    assert.match(String(rows[0]!['GTIN']), /^\d{14}$/);
    assert.equal(rows[0]!['Количество'], 6);
    assert.equal(rows[0]!['Шаблон'], 10);
    assert.equal(rows[0]!['СпособФормированияСерийногоНомера'], 'ФормируетсяОператором');
    assert.ok(Array.isArray(first!['СерийныеНомера']));
    assert.deepEqual(
      all.value.map((o) => o['Posted']),
      [true, true, false],
    );
    const posted = await get(`${encodeURIComponent(ORDERS)}?$format=json&$filter=Posted eq true`);
    assert.equal(posted.value.length, 2);
  });

  it('an order entered while running gets a number, a state in СтатусыДокументовИСМП and a status property', async () => {
    const item = emu.store.world.items.find((i) => i.pg === 'shoes')!;
    const rec = emu.store.addEmissionOrder({ rows: [{ itemRef: item.ref, quantity: 7 }] });
    assert.match(String(rec['Number']), /^ДМЗ0-\d{6}$/);
    const row = (rec['Товары'] as Array<Record<string, unknown>>)[0]!;
    assert.equal(row['GTIN'], item.gtin);
    assert.equal(row['Шаблон'], 1);
    assert.equal(rec['ВидПродукции'], 'Обувь');
    const states = emu.store
      .rows('InformationRegister_СтатусыДокументовИСМП')
      .filter((r) => r['Документ'] === rec['Ref_Key']);
    assert.equal(states.length, 1);
    assert.ok(DEMO_STATUS_PROPERTIES[ORDERS]);
    assert.ok(
      emu.store.get(
        'ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения',
        DEMO_STATUS_PROPERTIES[ORDERS]!,
      ),
    );
  });
});
