/**
 * Batched resolution of documents against the emulator: embedded like $expand, codes flat with
 * aggregates, never one request per row.
 */
import assert from 'node:assert/strict';
import { onecMeta, readDocuments } from '../../lib/onec/documents';
import { resolveLayout } from '../../lib/onec/presets';
import { cloneData, resolveDocuments } from '../../lib/onec/resolve';
import { demoWorld } from '../../lib/emulators/demo-data';
import type { ODataObject } from '../../lib/onec/schemas';
import { useOnecBed } from '../support/onec-bed';

const SALES = 'Document_РеализацияТоваровУслуг';
const layout = resolveLayout('ut11', 'sales');

describe('onec resolution', function () {
  this.timeout(20000);
  const bed = useOnecBed();

  it('embeds organisation, counterparty, items (kind, ТН ВЭД) and codes with nested aggregates, as the contract says', async () => {
    const w = bed.emu.store.world;
    const boxed = w.documents.find((d) => d.comment === 'короб (SSCC)')!;
    const [out] = await readDocuments(bed.client, SALES, [boxed.ref], layout);
    assert.ok(out && out.ok, out && !out.ok ? out.error.message : 'no outcome');
    const p = out.doc.payload;
    const org = p['Организация'] as ODataObject;
    assert.equal(org['ИНН'], w.organisation.inn);
    assert.equal(org['КПП'], w.organisation.kpp);
    assert.equal((p['Контрагент'] as ODataObject)['ИНН'], w.counterparties[0]!.inn);
    const row = (p['Товары'] as ODataObject[])[0]!;
    const item = row['Номенклатура'] as ODataObject;
    assert.equal(item['ОсобенностьУчета'], 'ЛегкаяПромышленность');
    assert.equal((item['ВидНоменклатуры'] as ODataObject)['ОсобенностьУчета'], 'ЛегкаяПромышленность');
    assert.equal((item['КодТНВЭД'] as ODataObject)['Code'], '6109100000');
    assert.deepEqual(out.doc.items[w.items[0]!.ref], {
      ref: w.items[0]!.ref,
      name: 'Футболка хлопковая белая',
      article: 'TS-001',
      accounting: 'ЛегкаяПромышленность',
      tnved: '6109100000',
      gtins: [w.items[0]!.gtin],
    });
    const pkg = (p['ШтрихкодыУпаковок'] as ODataObject[])[0]!;
    const box = pkg['ШтрихкодУпаковки'] as ODataObject;
    assert.equal(box['ЗначениеШтрихкода'], w.boxes[0]!.sscc);
    const nested = box['ВложенныеШтрихкоды'] as ODataObject[];
    assert.equal(nested.length, 6);
    const leaf = nested[0]!['Штрихкод'] as ODataObject;
    assert.equal(leaf['ТипУпаковки'], 'МаркированныйТовар');
    const stored = w.codes.find((c) => c.ref === leaf['Ref_Key'])!.stored;
    assert.equal(leaf['ЗначениеШтрихкода'], stored);
    // the flat list: the box at level 0, its six codes at level 1
    const codes = out.doc.codes;
    assert.equal(codes.length, 7);
    assert.deepEqual(codes[0], {
      value: w.boxes[0]!.sscc,
      ref: w.boxes[0]!.ref,
      itemRef: w.items[0]!.ref,
      packageType: 'МонотоварнаяУпаковка',
      level: 0,
    });
    assert.ok(
      codes
        .slice(1)
        .every(
          (c) => c.level === 1 && c.parentRef === w.boxes[0]!.ref && c.packageType === 'МаркированныйТовар',
        ),
    );
    assert.ok(
      codes.some((c) => c.value.includes('\u001d')),
      'full GS1 text with GS is kept as stored',
    );
    const meta = onecMeta(SALES, p, layout, codes);
    assert.deepEqual(
      { ...meta, codes: meta.codes.length },
      {
        entity: SALES,
        ref: boxed.ref,
        dataVersion: p['DataVersion'],
        number: boxed.number,
        date: boxed.date,
        preset: 'ut11',
        kind: 'sales',
        codes: 7,
      },
    );
  });

  it('resolves many documents with a handful of requests (never one per code)', async () => {
    const w = bed.emu.store.world;
    const refs = w.documents.filter((d) => d.kind === 'sale').map((d) => d.ref);
    const codes =
      w.documents.filter((d) => d.kind === 'sale').reduce((n, d) => n + d.packageRefs.length, 0) + 6;
    const outcomes = await readDocuments(bed.client, SALES, refs, layout);
    assert.equal(outcomes.length, refs.length);
    assert.ok(outcomes.every((o) => o.ok));
    const big = outcomes.find((o) => o.ok && o.doc.codes.length === 300);
    assert.ok(big, 'the sale with hundreds of codes');
    assert.ok(
      bed.emu.requests.total <= 3 + Math.ceil(codes / 25),
      `${bed.emu.requests.total} requests for ${codes} codes`,
    );
    assert.ok(bed.emu.requests.maxUrlBytes <= 2000);
    assert.ok(
      !bed.emu.requests.log.some((e) => /Catalog_Организации|Catalog_Контрагенты/.test(e.resource)),
      'header references came expanded with the documents',
    );
  });

  it('fails only the document whose code reference is broken; the others resolve', async () => {
    const w = bed.emu.store.world;
    const broken = bed.emu.store.addSale({ lines: [{ itemRef: w.items[3]!.ref, quantity: 1 }] });
    const rec = bed.emu.store.find(SALES, String(broken['Ref_Key']))!;
    (rec['ШтрихкодыУпаковок'] as ODataObject[])[0]!['ШтрихкодУпаковки_Key'] =
      '00000000-0000-4000-a000-0000000000ff';
    const good = w.documents[1]!.ref;
    const outcomes = await readDocuments(bed.client, SALES, [String(broken['Ref_Key']), good], layout);
    const bad = outcomes[0]!;
    assert.ok(!bad.ok);
    assert.equal(bad.error.code, 'ONEC_CODE_NOT_FOUND');
    assert.equal(bad.error.field, 'ШтрихкодыУпаковок[0].ШтрихкодУпаковки_Key');
    assert.match(bad.error.message, /битая ссылка|не найден/);
    assert.ok(outcomes[1]!.ok);
  });

  it('follows overridden layout names and a composite counterparty', async () => {
    const custom = resolveLayout('ut11', 'sales', { counterparty: 'Грузополучатель_Key', codesTable: '   ' });
    assert.equal(custom.document.codesTable, 'ШтрихкодыУпаковок', 'a blank override keeps the preset');
    const doc = bed.emu.store.world.documents[0]!;
    bed.emu.store.modify(SALES, doc.ref, { Грузополучатель_Key: bed.emu.store.world.counterparties[2]!.ref });
    const [out] = await readDocuments(bed.client, SALES, [doc.ref], custom, { codes: false });
    assert.ok(out?.ok);
    assert.equal(
      (out.doc.payload['Грузополучатель'] as ODataObject)['ИНН'],
      bed.emu.store.world.counterparties[2]!.inn,
    );
    assert.deepEqual(out.doc.codes, []);
    assert.equal(
      out.doc.payload['ШтрихкодыУпаковок'] &&
        (out.doc.payload['ШтрихкодыУпаковок'] as ODataObject[])[0]!['ШтрихкодУпаковки'],
      undefined,
    );
  });
});

describe('onec resolution: copies of 1C data', () => {
  it('cloneData gives what structuredClone gives for parsed JSON, sharing nothing with the original', () => {
    const doc = JSON.parse(
      JSON.stringify({
        Ref_Key: 'a',
        Number: 'ДМ-1',
        n: 1.5,
        posted: true,
        none: null,
        Товары: [{ LineNumber: '1', Номенклатура: { Description: 'x', Вид: { ОсобенностьУчета: 'Обувь' } } }],
        '10': 'integer-like key first',
        empty: [],
        nested: [[1, [2, { deep: 'Ж\u001d' }]]],
      }),
    ) as Record<string, unknown>;
    const copy = cloneData(doc);
    assert.deepStrictEqual(copy, structuredClone(doc));
    assert.deepEqual(Object.keys(copy), Object.keys(doc), 'the same key order');
    const rows = copy['Товары'] as Array<Record<string, Record<string, unknown>>>;
    rows[0]!['Номенклатура']!['Description'] = 'changed';
    assert.equal(
      (
        (doc['Товары'] as Array<Record<string, Record<string, unknown>>>)[0]!['Номенклатура'] as Record<
          string,
          unknown
        >
      )['Description'],
      'x',
    );
    const when = { at: new Date(0) };
    assert.deepStrictEqual(
      cloneData(when),
      structuredClone(when),
      'anything else as structuredClone copies it',
    );
  });
});

describe('onec resolution: a transfer between organisations (its receiver in Catalog_Организации)', function () {
  this.timeout(20000);
  const bed = useOnecBed({ world: demoWorld({ transfers: true }) });
  const TRANSFERS = 'Document_ПередачаТоваровМеждуОрганизациями';

  it('reads the receiver from ОрганизацияПолучатель, expanded by 1C or looked up in Catalog_Организации', async () => {
    const w = bed.emu.store.world;
    const receiver = w.affiliates![0]!;
    const doc = w.documents.find((d) => d.comment === 'передача в другую организацию: одежда и обувь')!;
    const layout = resolveLayout('ut11', 'intercompany');
    const [out] = await readDocuments(bed.client, TRANSFERS, [doc.ref], layout);
    assert.ok(out?.ok, out && !out.ok ? out.error.message : 'no outcome');
    assert.equal((out.doc.payload['ОрганизацияПолучатель'] as ODataObject)['ИНН'], receiver.inn);
    assert.equal(out.doc.codes.length, 3);
    // unexpanded (as a base that refuses $expand gives it): the look-up goes to the layout's catalog
    const plain = await bed.client.getMany(TRANSFERS, [doc.ref]);
    const [res] = await resolveDocuments(bed.client, [...plain.values()], layout, { codes: false });
    assert.ok(res?.ok, res && !res.ok ? res.error.message : 'no outcome');
    const got = res.doc.payload['ОрганизацияПолучатель'] as ODataObject;
    assert.deepEqual([got['ИНН'], got['КПП']], [receiver.inn, receiver.kpp]);
  });
});
