/**
 * lib/documents mapping: the presets turn the demo world's 1C documents (in the shape onec-read
 * gives, built from lib/emulators/demo-data.ts) into valid Честный ЗНАК documents; product groups,
 * prices, splitting, all-or-nothing and JSONata overrides (Node-RED's own JSONata).
 */
import assert from 'node:assert/strict';
import { GS } from '../../lib/codes';
import {
  mapDocument,
  type CompileExpression,
  type MapOptions,
  type MappedDocument,
} from '../../lib/documents';
import { demoWorld, type DemoDocument } from '../../lib/emulators/demo-data';
import { bigSale, onecMessage, type OnecMessage } from '../support/onec-fixtures';

// Node-RED's JSONata, the way the node wrapper uses it (prepare + evaluate with a callback).
const RedUtil = (require('@node-red/util') as { util: any }).util;
const compile: CompileExpression = (expression) => {
  const expr = RedUtil.prepareJSONataExpression(expression, undefined);
  return (input, bindings) =>
    new Promise((resolve, reject) => {
      for (const [k, v] of Object.entries(bindings)) expr.assign(k, v);
      RedUtil.evaluateJSONataExpression(expr, input, (err: Error | null, r: unknown) =>
        err ? reject(err) : resolve(r),
      );
    });
};

const world = demoWorld({ baseDate: '2026-11-20T09:00:00' });
const TODAY = new Date('2026-11-21T12:00:00');
const ORG = world.organisation.inn;
const doc = (comment: string): DemoDocument => {
  const d = world.documents.find((x) => x.comment === comment);
  if (!d) throw new Error(comment);
  return d;
};
const msgOf = (comment: string): OnecMessage => onecMessage(world, doc(comment));
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/**
 * The demo sales are clothing and footwear: the mechanics of LP_SHIP_GOODS are tested on them as old
 * stands took them (legacyShipGoods); the refusal for those groups has its own tests below.
 */
async function map(m: OnecMessage, options: MapOptions = {}, cz?: unknown): Promise<MappedDocument[]> {
  const r = await mapDocument({ ...m, cz }, { today: TODAY, compile, legacyShipGoods: true, ...options });
  return r.documents;
}
function codesOf(d: MappedDocument): string[] {
  return (d.errors ?? []).map((e) => `${e.code}@${e.path}`);
}
function onlyValid(docs: MappedDocument[]): void {
  for (const d of docs)
    assert.deepEqual(codesOf(d), [], `${d.type}/${d.productGroup} ${JSON.stringify(d.errors)}`);
}
const products = (d: MappedDocument | undefined): any[] => (d?.body['products'] as any[]) ?? [];

describe('lib/documents: mapping 1C documents', () => {
  describe('sales → LP_SHIP_GOODS', () => {
    it('sender, receiver, number, dates, normalised codes, one document', async () => {
      const d = doc('одежда');
      const docs = await map(msgOf('одежда'));
      onlyValid(docs);
      assert.equal(docs.length, 1);
      const b = docs[0]?.body as any;
      assert.equal(docs[0]?.type, 'LP_SHIP_GOODS');
      assert.equal(docs[0]?.key, `${d.ref}:AAAAAAAAAAE=:LP_SHIP_GOODS:lp:1`);
      assert.deepEqual(
        [b.sender_inn, b.receiver_inn, b.document_num, b.document_date, b.transfer_date, b.turnover_type],
        [ORG, world.counterparties[0]?.inn, d.number, d.date.slice(0, 10), d.date.slice(0, 10), 'SELLING'],
      );
      const expected = world.codes.filter((c) => d.packageRefs.includes(c.ref)).map((c) => c.cis);
      assert.deepEqual(
        b.products.map((p: any) => p.uit_code),
        expected,
      );
      assert.ok(
        b.products.every((p: any) => !p.uit_code.includes(GS)),
        'codes stored with GS and tail are normalised',
      );
    });

    it('price incl. VAT and VAT per code come from the goods row of the same item, to the kopeck', async () => {
      const m = msgOf('одежда');
      const docs = await map(m);
      const rows = m.payload['Товары'] as any[];
      const byItem = new Map<string, { cost: number; tax: number }>();
      const codes = m.onec.codes ?? [];
      products(docs[0]).forEach((p, i) => {
        const it = codes[i]?.itemRef as string;
        const acc = byItem.get(it) ?? { cost: 0, tax: 0 };
        acc.cost += Number(p.product_cost);
        acc.tax += Number(p.product_tax);
        byItem.set(it, acc);
        assert.match(p.product_cost, /^\d+$/, 'kopecks as an integer string');
      });
      for (const r of rows.filter((x) => byItem.has(x['Номенклатура_Key']))) {
        const got = byItem.get(r['Номенклатура_Key']);
        assert.equal(got?.cost, Math.round(r['СуммаСНДС'] * 100));
        assert.equal(got?.tax, Math.round(r['СуммаНДС'] * 100));
      }
      // 3 T-shirts at 990.00 incl. VAT 20 %: 99000 kopecks each, VAT 49500 split 16500 × 3
      assert.deepEqual(
        products(docs[0])
          .slice(0, 3)
          .map((p) => [p.product_cost, p.product_tax]),
        [
          ['99000', '16500'],
          ['99000', '16500'],
          ['99000', '16500'],
        ],
      );
    });

    it('a row amount that does not divide evenly is spread so that the units add up', async () => {
      const m = msgOf('обувь');
      const row = (m.payload['Товары'] as any[])[0];
      row['СуммаСНДС'] = 100.0;
      row['СуммаНДС'] = 16.67;
      const docs = await map(m);
      const first = products(docs[0]).slice(0, 2);
      assert.deepEqual(
        first.map((p) => p.product_cost),
        ['5000', '5000'],
      );
      assert.deepEqual(
        first.map((p) => p.product_tax),
        ['834', '833'],
      );
    });

    it('a sale of two product groups becomes one document per group under the same number', async () => {
      const d = doc('смешанная: одежда и обувь');
      const docs = await map(msgOf('смешанная: одежда и обувь'));
      onlyValid(docs);
      assert.deepEqual(
        docs.map((x) => [x.productGroup, x.part, x.parts, products(x).length]),
        [
          ['lp', 1, 1, 2],
          ['shoes', 1, 1, 1],
        ],
      );
      assert.ok(docs.every((x) => (x.body as any).document_num === d.number));
      assert.notEqual(docs[0]?.key, docs[1]?.key);
    });

    it('a box (SSCC) is listed as its units, or kept as the package code with the summed price', async () => {
      const d = doc('короб (SSCC)');
      const box = world.boxes[0];
      const units = await map(msgOf('короб (SSCC)'));
      onlyValid(units);
      assert.equal(products(units[0]).length, 6);
      assert.ok(products(units[0]).every((p) => p.uit_code && !p.uitu_code));
      const kept = await map(msgOf('короб (SSCC)'), { aggregates: 'keep' });
      onlyValid(kept);
      assert.deepEqual(products(kept[0]), [
        { uitu_code: box?.sscc, product_cost: '594000', product_tax: '99000' },
      ]);
      assert.equal(kept[0]?.codes, 1);
      assert.equal(d.rows[0]?.quantity, 6);
    });

    it('a sale marked in 1C as a withdrawal (donation) becomes LK_RECEIPT with the buyer', async () => {
      const m = msgOf('одежда');
      m.payload['ВариантВыбытияМаркируемойПродукции'] = 'БезвозмезднаяПередачаПокупателю';
      const docs = await map(m);
      onlyValid(docs);
      const b = docs[0]?.body as any;
      assert.equal(docs[0]?.type, 'LK_RECEIPT');
      assert.deepEqual(
        [b.inn, b.action, b.buyer_inn, b.document_type, b.primary_document_custom_name, b.document_number],
        [
          ORG,
          'DONATION',
          world.counterparties[0]?.inn,
          'OTHER',
          'Универсальный передаточный документ',
          doc('одежда').number,
        ],
      );
      assert.ok(b.products.every((p: any) => p.cis && p.product_cost));
    });

    it('LK_RECEIPT chosen for a sale to a non-participant: own use with the buyer', async () => {
      const docs = await map(msgOf('покупатель не зарегистрирован в ГИС МТ'), { documentType: 'LK_RECEIPT' });
      onlyValid(docs);
      assert.equal((docs[0]?.body as any).action, 'OWN_USE');
      assert.equal((docs[0]?.body as any).buyer_inn, world.counterparties[3]?.inn);
    });

    it('LK_RECEIPT with reason RETAIL: a receipt, no buyer', async () => {
      const docs = await map(msgOf('одежда'), { documentType: 'LK_RECEIPT', withdrawalReason: 'RETAIL' });
      onlyValid(docs);
      const b = docs[0]?.body as any;
      assert.deepEqual([b.action, b.document_type, 'buyer_inn' in b], ['RETAIL', 'RECEIPT', false]);
    });
  });

  describe('other kinds', () => {
    it('МаркировкаТоваровИСМП → LP_INTRODUCE_GOODS with owner, producer, ТН ВЭД, production date', async () => {
      const d = doc('ввод в оборот (МаркировкаТоваровИСМП)');
      const docs = await map(msgOf('ввод в оборот (МаркировкаТоваровИСМП)'));
      onlyValid(docs);
      const b = docs[0]?.body as any;
      assert.equal(docs[0]?.type, 'LP_INTRODUCE_GOODS');
      assert.deepEqual(
        [b.participant_inn, b.producer_inn, b.owner_inn, b.production_type, b.production_date],
        [ORG, ORG, ORG, 'OWN_PRODUCTION', d.date.slice(0, 10)],
      );
      const tnved = new Map(world.items.map((i) => [i.ref, i.tnved]));
      const codes = world.codes.filter((c) => d.packageRefs.includes(c.ref));
      assert.deepEqual(
        b.products.map((p: any) => p.tnved_code),
        codes.map((c) => tnved.get(c.itemRef)),
      );
    });

    it('a domestic purchase → LP_ACCEPT_GOODS, which needs the shipment id (from msg.cz)', async () => {
      const without = await map(msgOf('поступление'));
      assert.equal(without[0]?.type, 'LP_ACCEPT_GOODS');
      assert.ok(codesOf(without[0] as MappedDocument).includes('FIELD_REQUIRED@release_order_number'));
      const docs = await map(msgOf('поступление'), {}, { releaseOrderNumber: 'd0c1d-shipment' });
      onlyValid(docs);
      const b = docs[0]?.body as any;
      assert.deepEqual(
        [b.release_order_number, b.trade_sender_inn, b.trade_recipient_inn],
        ['d0c1d-shipment', world.counterparties[2]?.inn, ORG],
      );
      assert.ok(b.products.every((p: any) => p.accepted === true));
    });

    it('a purchase from abroad → LP_GOODS_IMPORT with the declaration from the goods rows', async () => {
      const m = msgOf('поступление');
      (m.payload['Контрагент'] as any)['ИНН'] = '';
      (m.payload['Товары'] as any[])[0]['НомерГТД'] = { Code: '10702070/011126/0012345' };
      const docs = await map(m);
      onlyValid(docs);
      const b = docs[0]?.body as any;
      assert.equal(docs[0]?.type, 'LP_GOODS_IMPORT');
      assert.deepEqual(
        [b.participant_inn, b.declaration_number, b.declaration_date, b.customs_code],
        [ORG, '10702070/011126/0012345', '2026-11-01', '10702070'],
      );
    });

    it('a write-off → LK_RECEIPT (loss) with the act as the primary document', async () => {
      const m = msgOf('одежда');
      m.onec.kind = 'writeOff';
      const docs = await map(m);
      onlyValid(docs);
      const b = docs[0]?.body as any;
      assert.deepEqual(
        [b.action, b.document_type, b.primary_document_custom_name, 'buyer_inn' in b],
        ['LOSS', 'OTHER', 'Акт о списании товаров', false],
      );
    });

    it('a customer return → LP_RETURN', async () => {
      const m = msgOf('одежда');
      m.onec.kind = 'returns';
      const docs = await map(m);
      onlyValid(docs);
      const b = docs[0]?.body as any;
      assert.equal(docs[0]?.type, 'LP_RETURN');
      assert.deepEqual([b.trade_participant_inn, b.return_type], [ORG, 'RETAIL_RETURN']);
      assert.equal(b.products_list.length, 5);
      assert.ok(b.products_list.every((p: any) => /^01\d{14}21/.test(p.ki)));
    });

    it('aggregation and disaggregation from the packages of the document', async () => {
      const box = world.boxes[0];
      const agg = await map(msgOf('короб (SSCC)'), { documentType: 'AGGREGATION_DOCUMENT' });
      onlyValid(agg);
      const u = (agg[0]?.body as any).aggregationUnits;
      assert.equal((agg[0]?.body as any).participantId, ORG);
      assert.equal(u.length, 1);
      assert.equal(u[0].unitSerialNumber, box?.sscc);
      assert.equal(u[0].sntins.length, 6);
      assert.equal(agg[0]?.codes, 7);
      const dis = await map(msgOf('короб (SSCC)'), { documentType: 'DISAGGREGATION_DOCUMENT' });
      onlyValid(dis);
      assert.deepEqual((dis[0]?.body as any).products_list, [{ uitu: box?.sscc }]);
    });

    it('re-marking needs the new codes: an override supplies them', async () => {
      const plain = await map(msgOf('обувь'), { documentType: 'LK_REMARK' });
      assert.ok(codesOf(plain[0] as MappedDocument).includes('FIELD_REQUIRED@products[0].new_uin'));
      const docs = await map(msgOf('обувь'), {
        documentType: 'LK_REMARK',
        overrides: [
          {
            path: 'products[].new_uin',
            expression: '$substring($code.cis, 0, 18) & "5NEWSERIAL00" & $string($index)',
          },
        ],
      });
      onlyValid(docs);
      assert.match(products(docs[0])[0].new_uin, /^01\d{14}215NEWSERIAL000$/);
    });

    it('shipment cancellation takes the shipment id from msg.cz.documentId', async () => {
      const docs = await map(
        msgOf('обувь'),
        { documentType: 'LP_CANCEL_SHIPMENT' },
        { documentId: 'f0a1-shipment' },
      );
      onlyValid(docs);
      assert.deepEqual(docs[0]?.body, { participant_inn: ORG, shipment_number: 'f0a1-shipment' });
      assert.equal(docs[0]?.productGroup, 'shoes');
    });

    it('a kind without a default document asks for a type', async () => {
      const m = msgOf('одежда');
      m.onec.kind = 'transfers';
      const docs = await map(m);
      assert.deepEqual(codesOf(docs[0] as MappedDocument), ['TYPE_UNKNOWN@type']);
    });
  });

  describe('product groups', () => {
    it('a fixed group flags codes of items of another group', async () => {
      const docs = await map(msgOf('смешанная: одежда и обувь'), { productGroup: 'lp' });
      assert.equal(docs.length, 1);
      const e = codesOf(docs[0] as MappedDocument);
      assert.ok(e.includes('CODE_OTHER_GROUP@products[2].uit_code'), e.join());
      const msg = docs[0]?.errors.find((x) => x.code === 'CODE_OTHER_GROUP');
      assert.match(msg?.message_ru ?? '', /Кроссовки беговые.*группе shoes.*группе lp/);
    });

    it("the item kind's ОсобенностьУчета and the site's mapping rows are used", async () => {
      const m = msgOf('одежда');
      for (const r of m.payload['Товары'] as any[]) {
        if (!r['Номенклатура']['ОсобенностьУчета']) continue;
        r['Номенклатура']['ВидНоменклатуры']['ОсобенностьУчета'] = 'ОдеждаНашаОсобая';
        r['Номенклатура']['ОсобенностьУчета'] = '';
      }
      const unknown = await map(m);
      assert.ok(codesOf(unknown[0] as MappedDocument).includes('PG_UNKNOWN@productGroup'));
      const docs = await map(m, { groupMapping: { ОдеждаНашаОсобая: 'lp' } });
      onlyValid(docs);
      assert.equal(docs[0]?.productGroup, 'lp');
    });

    it('a code whose item has no group, beside others that have one', async () => {
      const m = msgOf('одежда');
      (m.payload['Товары'] as any[])[1]['Номенклатура']['ОсобенностьУчета'] = '';
      const docs = await map(m);
      const e = codesOf(docs[0] as MappedDocument);
      assert.ok(e.includes('CODE_GROUP_UNKNOWN@products[3].uit_code'), e.join());
      assert.match(docs[0]?.errors.find((x) => x.code === 'CODE_GROUP_UNKNOWN')?.message_ru ?? '', /Джинсы/);
    });
  });

  describe('what the 1C document lacks is explained', () => {
    it('a counterparty that was not expanded, or has no INN', async () => {
      const m = msgOf('обувь');
      delete m.payload['Контрагент'];
      assert.ok(codesOf((await map(m))[0] as MappedDocument).includes('PARTY_NOT_EXPANDED@receiver_inn'));
      const n = msgOf('обувь');
      (n.payload['Контрагент'] as any)['ИНН'] = '   ';
      const e = (await map(n))[0]?.errors ?? [];
      assert.deepEqual(
        e.map((x) => x.code),
        ['INN_MISSING_1C'],
      );
      assert.match(e[0]?.message_ru ?? '', /ООО «Обувной Мир».*не заполнен ИНН/);
    });

    it('a duplicated code in the 1C document, an empty document', async () => {
      const m = msgOf('обувь');
      const codes = m.onec.codes ?? [];
      codes.push({ ...(codes[0] as any) });
      const e = codesOf((await map(m))[0] as MappedDocument);
      assert.ok(e.includes('CODE_DUPLICATE@products[3].uit_code'), e.join());
      const empty = msgOf('обувь');
      empty.onec.codes = [];
      assert.ok(codesOf((await map(empty))[0] as MappedDocument).includes('CODES_EMPTY@products'));
    });

    it('a payload that is not a 1C document', async () => {
      const r = await mapDocument({ payload: 'text' }, { today: TODAY });
      assert.equal(r.valid, false);
      assert.deepEqual(codesOf(r.documents[0] as MappedDocument), ['SOURCE_NOT_OBJECT@payload']);
    });
  });

  describe('reading the 1C document', () => {
    it('the codes are read from the payload when msg.onec.codes is absent', async () => {
      const m = msgOf('короб (SSCC)');
      const withList = await map(m);
      const n = clone(m);
      Reflect.deleteProperty(n.onec, 'codes');
      const fromPayload = await map(n);
      assert.deepEqual(fromPayload[0]?.body, withList[0]?.body);
    });

    it('codes kept without their GS separator are cut by the group template', async () => {
      const m = msgOf('обувь');
      const d = doc('обувь');
      const full = world.codes.filter((c) => d.packageRefs.includes(c.ref));
      (m.onec.codes ?? []).forEach((c, i) => (c.value = (full[i]?.full ?? '').split(GS).join('')));
      const docs = await map(m);
      onlyValid(docs);
      assert.deepEqual(
        products(docs[0]).map((p) => p.uit_code),
        full.map((c) => c.cis),
      );
    });

    it('БП 3.0: amounts without VAT when СуммаВключаетНДС is false', async () => {
      const m = msgOf('обувь');
      m.onec.preset = 'bp3';
      m.payload['СуммаВключаетНДС'] = false;
      for (const r of m.payload['Товары'] as any[]) {
        r['Сумма'] = 1000;
        r['СуммаНДС'] = 200;
        delete r['СуммаСНДС'];
      }
      const docs = await map(m);
      onlyValid(docs);
      assert.equal(products(docs[0])[0].product_cost, String(Math.round((1200 * 100) / 2)));
    });

    it('Розница 3.0: goods in Запасы with Всего, and per-node field names', async () => {
      const m = msgOf('обувь');
      m.onec.preset = 'retail3';
      m.onec.entity = 'Document_РасходнаяНакладная';
      m.onec.kind = 'sales';
      const rows = m.payload['Товары'] as any[];
      delete m.payload['Товары'];
      m.payload['Запасы'] = rows.map((r) => ({ ...r, Всего: r['СуммаСНДС'], СуммаСНДС: undefined }));
      const docs = await map(m);
      onlyValid(docs);
      assert.equal(products(docs[0])[0].product_cost, '599000');
      // a customised base names the table differently: layout override
      m.payload['ТоварыСайта'] = m.payload['Запасы'];
      delete m.payload['Запасы'];
      const custom = await map(m, { layout: { goodsTable: 'ТоварыСайта' } });
      onlyValid(custom);
      assert.equal(products(custom[0])[0].product_cost, '599000');
    });
  });

  describe('splitting', () => {
    it('a 100 000-code sale: four balanced parts, each valid, every code once', async () => {
      const m = bigSale(world, 100000);
      const docs = await map(m, { numbering: 'suffix' });
      onlyValid(docs);
      assert.deepEqual(
        docs.map((d) => [d.part, d.parts, d.codes]),
        [
          [1, 4, 25000],
          [2, 4, 25000],
          [3, 4, 25000],
          [4, 4, 25000],
        ],
      );
      assert.deepEqual(
        docs.map((d) => (d.body as any).document_num),
        [1, 2, 3, 4].map((k) => `${m.onec.number}/${k}`),
      );
      assert.deepEqual(
        docs.map((d) => d.key.split(':').at(-1)),
        ['1', '2', '3', '4'],
      );
      const all = new Set(docs.flatMap((d) => products(d).map((p) => p.uit_code)));
      assert.equal(all.size, 100000);
      assert.ok(docs.every((d) => (d.body as any).receiver_inn === (docs[0]?.body as any).receiver_inn));
    });

    it('a size limit splits by measured bytes: every part under it, every code once', async () => {
      const m = msgOf('большая отгрузка: сотни кодов');
      const maxBytes = 20000;
      const docs = await map(m, {
        maxBytes,
        overrides: [
          { path: 'products[].product_description', expression: '"Джинсы мужские синие, размер 48"' },
        ],
      });
      onlyValid(docs);
      assert.ok(docs.length > 1, `${docs.length} parts`);
      for (const d of docs) {
        assert.ok(Buffer.byteLength(JSON.stringify(d.body), 'utf8') <= maxBytes, `part ${d.part}`);
        assert.equal(d.parts, docs.length);
      }
      assert.equal(
        docs.reduce((a, d) => a + d.codes, 0),
        300,
      );
    });

    it('a lower limit set in the node, errors located in their part', async () => {
      const m = msgOf('одежда');
      (m.onec.codes as any[])[4].value = '0104601234560019215BROKENCODE12';
      const docs = await map(m, { maxCodes: 2 });
      assert.deepEqual(
        docs.map((d) => [d.part, d.parts, d.codes]),
        [
          [1, 3, 2],
          [2, 3, 2],
          [3, 3, 1],
        ],
      );
      assert.ok(codesOf(docs[2] as MappedDocument).includes('CODE_GTIN_CHECK@products[0].uit_code'));
      assert.deepEqual(codesOf(docs[0] as MappedDocument), ['SIBLING_INVALID@(document)']);
    });

    it('all or nothing: one invalid group document holds back the others of the same 1C document', async () => {
      const m = msgOf('смешанная: одежда и обувь');
      const codes = m.onec.codes as any[];
      codes[2].value = codes[2].value.replace(/^01(\d{13})\d/, '01$10');
      const docs = await mapDocument({ ...m }, { today: TODAY, legacyShipGoods: true });
      assert.equal(docs.valid, false);
      assert.deepEqual(
        docs.documents.map((d) => [d.productGroup, d.errors[0]?.code]),
        [
          ['lp', 'SIBLING_INVALID'],
          ['shoes', 'CODE_GTIN_CHECK'],
        ],
      );
    });
  });

  describe('field overrides (Node-RED JSONata)', () => {
    it('document and per-product fields, with $doc, $item, $index, $code, $row', async () => {
      const docs = await map(msgOf('обувь'), {
        overrides: [
          { path: 'document_num', expression: '"ЧЗ-" & payload.Number' },
          { path: 'turnover_type', expression: '"COMMISSION"' },
          {
            path: 'products[].product_description',
            expression: '$row.Номенклатура.Description & " " & $string($index + 1)',
          },
          { path: 'products[].product_cost', expression: '$string($number($item.product_cost) + 1)' },
          { path: 'products[].product_tax', expression: '$code.itemRef = "none" ? "0" : undefined' },
          { path: 'extra.note', expression: '$doc.document_num' },
        ],
      });
      const b = docs[0]?.body as any;
      assert.equal(b.document_num, `ЧЗ-${doc('обувь').number}`);
      assert.equal(b.turnover_type, 'COMMISSION');
      assert.deepEqual(
        b.products.map((p: any) => p.product_description),
        ['Кроссовки беговые 1', 'Кроссовки беговые 2', 'Ботинки кожаные 3'],
      );
      assert.equal(b.products[0].product_cost, '599001');
      assert.ok(b.products.every((p: any) => !('product_tax' in p)));
      assert.equal(b.extra.note, b.document_num);
    });

    it('a bad path, a syntax error, an evaluation error and a missing list are reported, not thrown', async () => {
      const docs = await map(msgOf('обувь'), {
        overrides: [
          { path: 'products[0].x', expression: '1' },
          { path: 'document_num', expression: '"open' },
          { path: 'document_date', expression: '$notAFunction()' },
          { path: 'things[].x', expression: '1' },
        ],
      });
      const e = docs[0]?.errors.map((x) => x.code) ?? [];
      assert.deepEqual(e.slice(0, 4), [
        'OVERRIDE_PATH',
        'OVERRIDE_SYNTAX',
        'OVERRIDE_FAILED',
        'OVERRIDE_PATH',
      ]);
      assert.match(docs[0]?.errors[1]?.message_en ?? '', /override of document_num/);
    });

    it('an override result is validated like the preset (an override cannot smuggle a bad value)', async () => {
      const docs = await map(msgOf('обувь'), {
        overrides: [{ path: 'receiver_inn', expression: '"1234567890"' }],
      });
      assert.ok(codesOf(docs[0] as MappedDocument).includes('INN_CHECKSUM@receiver_inn'));
    });
  });
});

describe('lib/documents: LP_SHIP_GOODS only where Честный ЗНАК takes it (furs), УПД for the rest', () => {
  const ship = async (comment: string, options: MapOptions = {}): Promise<MappedDocument[]> =>
    (await mapDocument(msgOf(comment), { today: TODAY, documentType: 'LP_SHIP_GOODS', ...options }))
      .documents;
  const furs = { ЛегкаяПромышленность: 'furs' };

  it('refuses a clothing sale by default, naming the УПД route in Russian and English', async () => {
    const docs = await ship('одежда');
    assert.equal(docs.length, 1);
    const e = docs[0]?.errors.find((x) => x.code === 'SHIP_GOODS_UPD_ONLY');
    assert.ok(e, JSON.stringify(docs[0]?.errors));
    assert.equal(e.path, 'productGroup');
    assert.match(
      e.message_ru,
      /LP_SHIP_GOODS.*«Одежда, бельё, текстиль» \(lp\).*1 марта 2022.*УПД.*ЭДО.*edo-send/s,
    );
    assert.match(e.message_en, /LP_SHIP_GOODS.*\(lp\).*1 March 2022.*УПД.*EDO.*edo-send.*legacyShipGoods/s);
  });

  it('auto picks LP_SHIP_GOODS for a sale and refuses it the same way; both groups of a mixed sale', async () => {
    const auto = await ship('одежда', { documentType: 'auto' });
    assert.equal(auto[0]?.type, 'LP_SHIP_GOODS');
    assert.ok(auto[0]?.errors.some((x) => x.code === 'SHIP_GOODS_UPD_ONLY'));
    const mixed = await ship('смешанная: одежда и обувь');
    assert.deepEqual(
      mixed.map((d) => [d.productGroup, d.errors.some((x) => x.code === 'SHIP_GOODS_UPD_ONLY')]),
      [
        ['lp', true],
        ['shoes', true],
      ],
    );
  });

  it('takes furs: the same sale with its items mapped to furs is a valid LP_SHIP_GOODS', async () => {
    const docs = await ship('одежда', { groupMapping: furs });
    assert.deepEqual(
      docs.map((d) => [d.type, d.productGroup, d.errors]),
      [['LP_SHIP_GOODS', 'furs', []]],
    );
  });

  it('updGroups skip: only the furs document of a mixed sale is made, none when nothing is furs', async () => {
    const mixed = await ship('смешанная: одежда и обувь', { groupMapping: furs, updGroups: 'skip' });
    assert.deepEqual(
      mixed.map((d) => [d.productGroup, d.errors.length, d.parts]),
      [['furs', 0, 1]],
    );
    assert.deepEqual(await ship('обувь', { updGroups: 'skip' }), []);
    const r = await mapDocument(msgOf('обувь'), {
      today: TODAY,
      documentType: 'LP_SHIP_GOODS',
      updGroups: 'skip',
    });
    assert.equal(r.valid, false, 'nothing to send is not a valid mapping');
  });

  it('legacyShipGoods: every group as old stands took it (updGroups then does nothing)', async () => {
    const docs = await ship('смешанная: одежда и обувь', { legacyShipGoods: true, updGroups: 'skip' });
    assert.deepEqual(
      docs.map((d) => [d.productGroup, d.errors]),
      [
        ['lp', []],
        ['shoes', []],
      ],
    );
  });

  it('other document types are not concerned (LK_RECEIPT of clothing)', async () => {
    const docs = await ship('одежда', { documentType: 'LK_RECEIPT', withdrawalReason: 'OWN_USE' });
    assert.ok(docs.every((d) => !d.errors.some((x) => x.code === 'SHIP_GOODS_UPD_ONLY')));
  });
});
