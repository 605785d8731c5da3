/**
 * The business place of a withdrawal (LK_RECEIPT `kpp`, `fias_id`): the rule table (CRPT «Planned
 * True API changes» v552.0; «Описание True API» v553 §LK_RECEIPT), the place taken from 1C the way
 * 1C's own exchange takes it (warehouse → КонтактнаяИнформация, Тип = Адрес → JSON houseId, else id;
 * КПП of the organisation), the node's table and override, and what the accountant is told to fill
 * in 1C when it is missing. Also: onec-read's batched resolution brings the warehouse with it.
 */
import assert from 'node:assert/strict';
import { completeInn } from '../../lib/codes/inn';
import { mapDocument, placeRequirement, type MapOptions, type MappedDocument } from '../../lib/documents';
import { demoWorld, type DemoDocument } from '../../lib/emulators/demo-data';
import { startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { OnecClient } from '../../lib/onec/client';
import { onecMeta, readDocuments } from '../../lib/onec/documents';
import { resolveDocuments } from '../../lib/onec/resolve';
import { resolveLayout } from '../../lib/onec/presets';
import { onecMessage, type OnecMessage } from '../support/onec-fixtures';

const world = demoWorld({ baseDate: '2026-11-20T09:00:00' });
const TODAY = new Date('2026-11-21T12:00:00');
const WH = world.warehouses![0]!;
const SHOP = world.warehouses![1]!;
const HOUSE = String(WH.address['houseId']);
const STREET = String(WH.address['id']);
const writeOff = (): DemoDocument => world.documents.find((d) => d.kind === 'writeOff')!;
const msg = (): OnecMessage => JSON.parse(JSON.stringify(onecMessage(world, writeOff()))) as OnecMessage;
const RETAIL: MapOptions = { documentType: 'LK_RECEIPT', withdrawalReason: 'RETAIL', today: TODAY };

async function one(m: OnecMessage, opts: MapOptions = {}): Promise<MappedDocument> {
  const r = await mapDocument(m, { ...RETAIL, ...opts });
  assert.equal(r.documents.length, 1);
  return r.documents[0]!;
}
const codes = (d: MappedDocument): string[] => d.errors.map((e) => `${e.code}@${e.path}`);
/** The address row of the document's embedded warehouse. */
const addressRow = (m: OnecMessage): Record<string, unknown> =>
  (
    (m.payload['Склад'] as Record<string, unknown>)['КонтактнаяИнформация'] as Array<Record<string, unknown>>
  )[0]!;
const setAddress = (m: OnecMessage, change: (a: Record<string, unknown>) => void): void => {
  const row = addressRow(m);
  const a = JSON.parse(String(row['Значение'])) as Record<string, unknown>;
  change(a);
  row['Значение'] = JSON.stringify(a);
};

describe('LK_RECEIPT business place (kpp, fias_id)', () => {
  describe('the rule table', () => {
    const inn = world.organisation.inn;
    const ip = completeInn('7710123456');
    it('lp, shoes, perfumery, toys, gadgets, construction, tires: both for RETAIL, DISTANCE, BY_SAMPLES, VENDING', () => {
      for (const pg of ['lp', 'shoes', 'perfumery', 'toys', 'gadgets', 'construction', 'tires'])
        for (const a of ['RETAIL', 'DISTANCE', 'BY_SAMPLES', 'VENDING'])
          assert.deepEqual(placeRequirement(pg, a, inn), { kpp: true, fias: true }, `${pg} ${a}`);
      assert.deepEqual(placeRequirement('lp', 'LOSS', inn), { kpp: false, fias: false });
      assert.deepEqual(placeRequirement('milk', 'RETAIL', inn), { kpp: false, fias: false });
      // an individual entrepreneur has no КПП
      assert.deepEqual(placeRequirement('lp', 'RETAIL', ip), { kpp: false, fias: true });
    });
    it('tobacco/otp/ncp and alcohol/beer as «Описание True API» v553 lists them', () => {
      for (const pg of ['tobacco', 'otp', 'ncp']) {
        assert.deepEqual(placeRequirement(pg, 'RETAIL', inn), { kpp: false, fias: true });
        assert.deepEqual(placeRequirement(pg, 'LOSS', inn), { kpp: false, fias: true });
        assert.deepEqual(placeRequirement(pg, 'EAS_TRADE', inn), { kpp: true, fias: false });
        assert.deepEqual(placeRequirement(pg, 'BEYOND_EEC_EXPORT', ip), { kpp: false, fias: true });
        assert.deepEqual(placeRequirement(pg, 'OWN_USE', inn), { kpp: false, fias: false });
      }
      for (const pg of ['alcohol', 'beer']) {
        assert.deepEqual(placeRequirement(pg, 'OWN_USE', inn), { kpp: true, fias: true });
        assert.deepEqual(placeRequirement(pg, 'STATE_CONTRACT', inn), { kpp: false, fias: false });
      }
    });
  });

  describe('taken from 1C', () => {
    it('fias_id from the warehouse address houseId, kpp of the organisation: valid', async () => {
      const d = await one(msg());
      assert.deepEqual(codes(d), []);
      assert.equal(d.body['fias_id'], HOUSE);
      assert.equal(d.body['kpp'], world.organisation.kpp);
    });

    it('an address without houseId gives the id of its deepest address object', async () => {
      const m = msg();
      setAddress(m, (a) => delete a['houseId']);
      const d = await one(m);
      assert.deepEqual(codes(d), []);
      assert.equal(d.body['fias_id'], STREET);
    });

    it('sent also where it is optional (write-off LOSS), as 1C sends it; omitted when 1C has none', async () => {
      const d = await one(msg(), { withdrawalReason: 'auto' });
      assert.equal(d.body['action'], 'LOSS');
      assert.deepEqual([d.body['kpp'], d.body['fias_id']], [world.organisation.kpp, HOUSE]);
      const m = msg();
      delete m.payload['Склад_Key'];
      delete m.payload['Склад'];
      const none = await one(m, { withdrawalReason: 'auto' });
      assert.deepEqual(codes(none), []);
      assert.ok(!('fias_id' in none.body) && !('kpp' in none.body));
    });

    it('the warehouse of the goods rows when the header has none', async () => {
      const m = msg();
      const wh = m.payload['Склад'];
      delete m.payload['Склад_Key'];
      delete m.payload['Склад'];
      const row = (m.payload['Товары'] as Array<Record<string, unknown>>)[0]!;
      row['Склад_Key'] = WH.ref;
      row['Склад'] = wh;
      const d = await one(m);
      assert.deepEqual(codes(d), []);
      assert.equal(d.body['fias_id'], HOUSE);
    });
  });

  describe('pinned and overridden', () => {
    it('a warehouse pinned in the table (by name or Ref_Key) takes its own kpp / fias_id', async () => {
      const fias = String(SHOP.address['houseId']);
      const byName = await one(msg(), { places: [{ warehouse: WH.name, kpp: '770845001', fiasId: fias }] });
      assert.deepEqual(codes(byName), []);
      assert.deepEqual([byName.body['kpp'], byName.body['fias_id']], ['770845001', fias]);
      const byRef = await one(msg(), { places: [{ warehouse: WH.ref.toUpperCase(), kpp: '770845001' }] });
      assert.deepEqual([byRef.body['kpp'], byRef.body['fias_id']], ['770845001', HOUSE]);
      const other = await one(msg(), { places: [{ warehouse: 'Другой склад', kpp: '770845001' }] });
      assert.equal(other.body['kpp'], world.organisation.kpp);
    });

    it('the node override wins over the table and over 1C', async () => {
      const fias = '0c5b2444-70a0-4932-980c-b4dc0d3f02b5';
      const d = await one(msg(), {
        places: [{ warehouse: WH.name, kpp: '770845001' }],
        placeOverride: { kpp: '770899001', fiasId: fias },
      });
      assert.deepEqual(codes(d), []);
      assert.deepEqual([d.body['kpp'], d.body['fias_id']], ['770899001', fias]);
      const bad = await one(msg(), { placeOverride: { fiasId: 'Лесная 5' } });
      assert.deepEqual(codes(bad), ['FIAS_ID_FORMAT@fias_id']);
    });
  });

  describe('missing where required → output 2 naming the field and what to fill in 1C', () => {
    it('no warehouse in the document', async () => {
      const m = msg();
      delete m.payload['Склад_Key'];
      delete m.payload['Склад'];
      const d = await one(m);
      assert.deepEqual(codes(d), ['PLACE_FIAS_MISSING_1C@fias_id']);
      assert.match(d.errors[0]!.message_ru, /не указан склад \(Склад_Key\)/);
      assert.match(d.errors[0]!.message_en, /names no warehouse \(Склад_Key\)/);
    });

    it('a warehouse without an address; an address typed without the classifier (no ids)', async () => {
      const m = msg();
      (m.payload['Склад'] as Record<string, unknown>)['КонтактнаяИнформация'] = [];
      const d = await one(m);
      assert.deepEqual(codes(d), ['PLACE_FIAS_MISSING_1C@fias_id']);
      assert.match(d.errors[0]!.message_ru, /у склада «Основной склад» не заполнен адрес/);
      assert.match(d.errors[0]!.message_en, /has no address in 1C/);
      const free = msg();
      setAddress(free, (a) => {
        delete a['houseId'];
        delete a['id'];
        a['addressType'] = 'ВСвободнойФорме';
      });
      const f = await one(free);
      assert.deepEqual(codes(f), ['PLACE_FIAS_MISSING_1C@fias_id']);
      assert.match(f.errors[0]!.message_ru, /по адресному классификатору/);
      assert.match(f.errors[0]!.message_en, /address classifier/);
      // a legacy XML-only row carries no FIAS id either
      const xml = msg();
      addressRow(xml)['Значение'] = '';
      addressRow(xml)['ЗначенияПолей'] = '<КонтактнаяИнформация Представление="Москва"/>';
      assert.deepEqual(codes(await one(xml)), ['PLACE_FIAS_MISSING_1C@fias_id']);
    });

    it('a warehouse not read with the document', async () => {
      const m = msg();
      delete m.payload['Склад'];
      const d = await one(m);
      assert.deepEqual(codes(d), ['PLACE_FIAS_MISSING_1C@fias_id']);
      assert.match(d.errors[0]!.message_en, /onec-read/);
    });

    it('an organisation without КПП', async () => {
      const m = msg();
      (m.payload['Организация'] as Record<string, unknown>)['КПП'] = '';
      const d = await one(m);
      assert.deepEqual(codes(d), ['PLACE_KPP_MISSING_1C@kpp']);
      assert.match(d.errors[0]!.message_ru, /у организации «ООО «Демо Маркировка»» не заполнен КПП/);
      assert.match(d.errors[0]!.message_en, /has no КПП in 1C/);
    });

    it('an individual entrepreneur needs no КПП (and must not send one)', async () => {
      const m = msg();
      const org = m.payload['Организация'] as Record<string, unknown>;
      org['ИНН'] = completeInn('7710123456');
      org['КПП'] = '';
      const d = await one(m);
      assert.deepEqual(codes(d), []);
      assert.ok(!('kpp' in d.body));
      assert.equal(d.body['fias_id'], HOUSE);
      const given = await one(m, { placeOverride: { kpp: '770801001' } });
      assert.deepEqual(codes(given), ['KPP_FOR_INDIVIDUAL@kpp']);
    });
  });

  describe('onec-read resolution (1C emulator)', function () {
    this.timeout(20000);
    let emu: OnecEmulator;
    before(async () => {
      emu = await startOnecEmulator();
    });
    after(async () => {
      await emu.stop();
    });

    it('the warehouse comes expanded with the documents (no request per document), with its address; mapped → houseId', async () => {
      const client = new OnecClient({ url: emu.url, username: 'odata', password: 'odata' });
      try {
        const entity = 'Document_СписаниеНедостачТоваров';
        const layout = resolveLayout('ut11', 'writeOff');
        const docs = emu.store.world.documents.filter((d) => d.kind === 'writeOff');
        emu.requests.reset();
        const [out] = await readDocuments(client, entity, [docs[0]!.ref], layout);
        assert.ok(out && out.ok, out && !out.ok ? out.error.message : 'no outcome');
        assert.ok(
          !emu.requests.log.some((e) => /Catalog_Склады/.test(e.resource)),
          'the warehouse came expanded with the document',
        );
        const wh = out.doc.payload['Склад'] as Record<string, unknown>;
        assert.equal(wh['Description'], 'Основной склад');
        const meta = onecMeta(entity, out.doc.payload, layout, out.doc.codes);
        const r = await mapDocument(
          { payload: out.doc.payload, onec: meta },
          { ...RETAIL, today: new Date() },
        );
        const d = r.documents[0]!;
        assert.deepEqual(codes(d), []);
        assert.equal(d.body['fias_id'], emu.store.world.warehouses![0]!.address['houseId']);
        assert.equal(d.body['kpp'], emu.store.world.organisation.kpp);
      } finally {
        await client.close();
      }
    });

    it('a base that leaves the tabular section out of the expansion: the warehouses are read in one batch', async () => {
      const client = new OnecClient({ url: emu.url, username: 'odata', password: 'odata' });
      try {
        const layout = resolveLayout('ut11', 'sales');
        const sales = emu.store.world.documents.filter((d) => d.kind === 'sale').slice(0, 3);
        const payloads = sales.map((s) => {
          const p = emu.store.get('Document_РеализацияТоваровУслуг', s.ref)!;
          p['Склад'] = { Ref_Key: p['Склад_Key'], Description: 'Основной склад' };
          return p;
        });
        emu.requests.reset();
        const outs = await resolveDocuments(client, payloads, layout, { codes: false });
        const whRequests = emu.requests.log.filter((e) => /Catalog_Склады/.test(e.resource));
        assert.equal(whRequests.length, 1, 'one batch for the three documents');
        for (const o of outs) {
          assert.ok(o.ok);
          const rows = (o.doc.payload['Склад'] as Record<string, unknown>)['КонтактнаяИнформация'];
          assert.ok(Array.isArray(rows) && rows.length === 1);
        }
      } finally {
        await client.close();
      }
    });
  });
});
