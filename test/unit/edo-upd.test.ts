/**
 * The УПД 5.03 seller's title builder (lib/edo/upd.ts), its windows-1251 encoder and the 1C sale
 * mapper: exact XML, sums to the kopeck, codes, file name, determinism, every problem named.
 */
import assert from 'node:assert/strict';
import { decodeCp1251, encodeCp1251, cp1251Characters, inCp1251 } from '../../lib/edo/cp1251';
import { parseXml, at, attr, childrenOf, child } from '../../lib/edo/xml';
import { isZnakFlowError } from '../../lib/errors';
import {
  buildUpd,
  prepareUpd,
  signerFromCertificate,
  stableGuid,
  vatRateOf,
  type UpdInput,
} from '../../lib/edo/upd';
import { saleToUpd } from '../../lib/edo/map';
import { demoWorld } from '../../lib/emulators/demo-data';
import { onecMessage } from '../support/onec-fixtures';
import { GTIN, GS, sampleUpd } from '../support/edo';

function ok(input: UpdInput): NonNullable<ReturnType<typeof buildUpd>> {
  const r = prepareUpd(input);
  assert.ok(r.ok, `expected a УПД, got ${JSON.stringify(!r.ok && r.errors)}`);
  return r.upd;
}

function problems(input: UpdInput): Array<{ path: string; code: string; ru: string; en: string }> {
  const r = prepareUpd(input);
  assert.ok(!r.ok, 'expected problems');
  return r.errors.map((e) => ({ path: e.path, code: e.code, ru: e.message_ru, en: e.message_en }));
}

describe('edo: windows-1251 encoder', () => {
  it('maps every character of the code page to the byte the WHATWG windows-1251 index gives', () => {
    const decoder = new TextDecoder('windows-1251');
    let mapped = 0;
    for (let b = 0x80; b <= 0xff; b++) {
      if (b === 0x98) continue; // unassigned
      const ch = decoder.decode(Buffer.from([b]));
      assert.ok(inCp1251(ch), `U+${ch.charCodeAt(0).toString(16)} should be mappable`);
      assert.deepEqual([...encodeCp1251(ch)], [b], `byte of «${ch}»`);
      assert.equal(decodeCp1251(Buffer.from([b])), ch);
      mapped++;
    }
    assert.equal(mapped, 127);
    assert.equal(cp1251Characters().length, 127);
    const all = 'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя№«»—–…€';
    assert.equal(decodeCp1251(encodeCp1251(all)), all);
    const ascii = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join('');
    assert.deepEqual(
      [...encodeCp1251(ascii)],
      Array.from({ length: 128 }, (_, i) => i),
    );
  });

  it('refuses a character it cannot map, naming it and its position', () => {
    for (const [text, ch, pos] of [
      ['Chloé', 'é', 4],
      ['ok 😀', '😀', 3],
      ['Ÿ', 'Ÿ', 0],
    ] as const) {
      assert.throws(
        () => encodeCp1251(text),
        (e: unknown) => {
          assert.ok(isZnakFlowError(e));
          assert.equal(e.code, 'CP1251_UNMAPPABLE');
          assert.ok(e.ru.includes(`«${ch}»`) && e.ru.includes(`позиция ${pos}`), e.ru);
          assert.ok(e.en.includes('windows-1251'), e.en);
          return true;
        },
      );
    }
  });
});

describe('edo: УПД 5.03 seller title', () => {
  it('writes the reference structure: parties, line, sums, codes without crypto tail, escaped', () => {
    const upd = ok(sampleUpd());
    assert.match(
      upd.fileId,
      /^ON_NSCHFDOPPR_2LT-222222222_2LT-111111111_20260601_[0-9a-f-]{36}_0_1_0_0_0_00$/,
    );
    assert.equal(upd.fileName, `${upd.fileId}.xml`);
    assert.equal(
      upd.bytes.subarray(0, 44).toString('latin1'),
      '<?xml version="1.0" encoding="windows-1251"?>'.slice(0, 44),
    );
    const text = decodeCp1251(upd.bytes);
    assert.equal(text, upd.xml);
    const root = parseXml(text);
    assert.equal(attr(root, 'ИдФайл'), upd.fileId);
    assert.equal(attr(root, 'ВерсФорм'), '5.03');
    const doc = child(root, 'Документ');
    assert.equal(attr(doc, 'КНД'), '1115131');
    assert.equal(attr(doc, 'Функция'), 'СЧФДОП');
    assert.equal(attr(doc, 'ДатаИнфПр'), '01.06.2026');
    assert.equal(attr(doc, 'ВремИнфПр'), '12.30.00', 'Moscow time');
    assert.equal(attr(at(doc, 'СвСчФакт'), 'НомерДок'), 'РН-000123');
    assert.equal(attr(at(doc, 'СвСчФакт/СвПрод/ИдСв/СвЮЛУч'), 'ИННЮЛ'), '7708123450');
    assert.equal(attr(at(doc, 'СвСчФакт/СвПокуп/ИдСв/СвЮЛУч'), 'КПП'), '770001001');
    const line = at(doc, 'ТаблСчФакт/СведТов');
    assert.deepEqual(Object.fromEntries(line?.attrs ?? []), {
      НомСтр: '1',
      НаимТов: 'Футболка мужская, белая, 48',
      ОКЕИ_Тов: '796',
      НаимЕдИзм: 'шт',
      КолТов: '2',
      ЦенаТов: '1000.00',
      СтТовБезНДС: '2000.00',
      НалСт: '22%',
      СтТовУчНал: '2440.00',
    });
    assert.equal(attr(child(line, 'ДопСведТов'), 'ГТИН'), GTIN);
    const kiz = childrenOf(at(line, 'ДопСведТов/НомСредИдентТов'), 'КИЗ').map((k) => k.text);
    assert.deepEqual(kiz, [`010460123456789321ABCDEFGHIJK<M`, `0104601234567893215'"&AbCdEfGhI`]);
    assert.ok(text.includes('<КИЗ>010460123456789321ABCDEFGHIJK&lt;M</КИЗ>'), 'escaped <');
    assert.ok(text.includes(`<КИЗ>0104601234567893215'"&amp;AbCdEfGhI</КИЗ>`), 'escaped &');
    assert.ok(!text.includes(GS) && !text.includes('91EE11'), 'no GS, no crypto tail');
    assert.equal(at(line, 'СумНал/СумНал')?.text, '440.00');
    assert.equal(attr(at(doc, 'ТаблСчФакт/ВсегоОпл'), 'СтТовУчНалВсего'), '2440.00');
    assert.equal(at(doc, 'ТаблСчФакт/ВсегоОпл/СумНалВсего/СумНал')?.text, '440.00');
    assert.equal(attr(at(doc, 'Подписант'), 'Должн'), 'Генеральный директор');
    assert.equal(attr(at(doc, 'Подписант'), 'СпосПодтПолном'), '1');
    assert.deepEqual(upd.totals, { withoutVatKop: 200000, vatKop: 44000, withVatKop: 244000 });
    assert.equal(upd.codes.length, 2);
  });

  it('is deterministic: the same input gives the same bytes; another key another GUID', () => {
    const a = ok(sampleUpd());
    const b = ok(sampleUpd());
    assert.ok(a.bytes.equals(b.bytes));
    assert.equal(a.sha256, b.sha256);
    assert.ok(a.fileId.includes(stableGuid('ref-1:AAAAAAAAAAE=:upd:lp')));
    const c = ok(sampleUpd({ key: 'ref-1:AAAAAAAAAAI=:upd:lp' }));
    assert.notEqual(c.fileId, a.fileId);
    const d = ok(sampleUpd({ guid: '0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0' }));
    assert.ok(d.fileId.includes('_0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0_'));
  });

  it('sums to the kopeck: VAT from the line total, prices without VAT, без НДС, totals = sum of lines', () => {
    const upd = ok(
      sampleUpd({
        productGroup: '',
        lines: [
          { name: 'A', okei: '796', quantity: 3, vatRate: '22%', price: 333.33 },
          { name: 'B', okei: '796', quantity: 7, vatRate: 10, totalKop: 100000 },
          { name: 'C', okei: '796', quantity: 1, vatRate: 'БезНДС', totalKop: 12345 },
          { name: 'D', okei: '166', quantity: 1.5, vatRate: 'НДС0', totalKop: 1000 },
        ],
      }),
    );
    // 999.99 incl. 22 %: VAT = 999.99 × 22 / 122 = 180.3260… → 180.33
    assert.deepEqual(
      upd.lines.map((l) => [l.withVatKop, l.vatKop, l.withoutVatKop]),
      [
        [99999, 18033, 81966],
        [100000, 9091, 90909],
        [12345, 0, 12345],
        [1000, 0, 1000],
      ],
    );
    assert.deepEqual(upd.totals, { withVatKop: 213344, vatKop: 27124, withoutVatKop: 186220 });
    const doc = child(parseXml(upd.xml), 'Документ');
    const rows = childrenOf(at(doc, 'ТаблСчФакт'), 'СведТов');
    assert.equal(attr(rows[0], 'ЦенаТов'), '273.22', '819.66 / 3');
    assert.equal(attr(rows[1], 'ЦенаТов'), '129.87', '909.09 / 7');
    assert.equal(attr(rows[2], 'НалСт'), 'без НДС');
    assert.equal(at(rows[2], 'СумНал/БезНДС')?.text, 'без НДС');
    assert.equal(attr(rows[3], 'КолТов'), '1.5');
    assert.equal(attr(rows[3], 'ЦенаТов'), '6.66666666667');
    assert.equal(at(doc, 'ТаблСчФакт/ВсегоОпл/СумНалВсего/СумНал')?.text, '271.24');
    assert.ok(upd.fileId.endsWith('_0_0_0_0_0_00'), 'no codes: N3 = 0');
    // prices without VAT: VAT added on top
    const net = ok(
      sampleUpd({
        productGroup: '',
        pricesIncludeVat: false,
        lines: [{ name: 'A', okei: '796', quantity: 3, vatRate: '22%', price: 100.01 }],
      }),
    );
    assert.deepEqual(
      [net.lines[0]?.withoutVatKop, net.lines[0]?.vatKop, net.lines[0]?.withVatKop],
      [30003, 6601, 36604],
    );
    const allFree = ok(
      sampleUpd({
        productGroup: '',
        lines: [{ name: 'C', okei: '796', quantity: 1, vatRate: 'без НДС', totalKop: 500 }],
      }),
    );
    assert.equal(
      at(parseXml(allFree.xml), 'Документ/ТаблСчФакт/ВсегоОпл/СумНалВсего/БезНДС')?.text,
      'без НДС',
    );
  });

  it('reads VAT rates as 1C keeps them', () => {
    assert.equal(vatRateOf('НДС22'), '22%');
    assert.equal(vatRateOf('22%'), '22%');
    assert.equal(vatRateOf(22), '22%');
    assert.equal(vatRateOf('НДС10'), '10%');
    assert.equal(vatRateOf('НДС0'), '0%');
    assert.equal(vatRateOf('БезНДС'), 'без НДС');
    assert.equal(vatRateOf('без НДС'), 'без НДС');
    assert.equal(vatRateOf('НДС20'), '20%');
    assert.equal(vatRateOf('НДС18/118'), undefined);
    assert.equal(vatRateOf('13%'), undefined);
  });

  it('writes aggregates as НомУпак, an МЧД signer with СвДоверЭл, an entrepreneur with СвИП, characters outside cp1251 as references', () => {
    const upd = ok(
      sampleUpd({
        function: 'ДОП',
        seller: {
          name: '',
          inn: '771012345630',
          person: { surname: 'Петров', firstName: 'Пётр' },
          address: 'г. Москва',
          edoId: '2LT-333',
        },
        buyer: { name: 'Chloé SARL', inn: '7720345675', kpp: '770001001', edoId: '2LT-222222222' },
        signer: {
          surname: 'Сидоров',
          firstName: 'Сидор',
          position: 'Менеджер',
          poa: { number: 'A1B2C3D4-0000-4000-8000-000000000001', issuedAt: '2026-01-15' },
        },
        lines: [
          {
            name: 'Коробка',
            okei: '796',
            quantity: 10,
            vatRate: '22%',
            totalKop: 100000,
            gtin: GTIN,
            packages: ['146012345678900017'],
          },
        ],
      }),
    );
    const text = upd.xml;
    assert.ok(text.includes('<НомУпак>146012345678900017</НомУпак>'));
    assert.ok(text.includes('НаимОрг="Chlo&#233; SARL"'));
    const doc = child(parseXml(text), 'Документ');
    assert.equal(attr(doc, 'Функция'), 'ДОП');
    assert.equal(attr(at(doc, 'СвСчФакт/СвПрод/ИдСв/СвИП'), 'ИННФЛ'), '771012345630');
    assert.equal(attr(at(doc, 'СвСчФакт/СвПрод/ИдСв/СвИП/ФИО'), 'Фамилия'), 'Петров');
    assert.equal(attr(at(doc, 'Подписант'), 'СпосПодтПолном'), '3');
    const poa = at(doc, 'Подписант/СвДоверЭл');
    assert.equal(attr(poa, 'НомДовер'), 'a1b2c3d4-0000-4000-8000-000000000001');
    assert.equal(attr(poa, 'ДатаВыдДовер'), '15.01.2026');
    assert.equal(attr(poa, 'ИдСистХран'), 'https://m4d.nalog.gov.ru/');
  });

  it('lists every problem before building, naming the field in Russian and English', () => {
    const p = problems(
      sampleUpd({
        seller: { name: 'ООО', inn: '7708123451', kpp: '77000100', address: '', edoId: '2LT_1' },
        buyer: { name: 'ООО', inn: '', address: 'x' },
        signer: { surname: 'Иванов', firstName: 'Иван', position: '' },
        lines: [
          { name: 'A', okei: '', quantity: 1, vatRate: '22%', totalKop: 100 },
          {
            name: 'B',
            okei: '796',
            quantity: 2,
            vatRate: '18%',
            totalKop: 100,
            gtin: GTIN,
            codes: ['0104601234567893215ABCDEFGHIJKL', '0104680000000000215ABCDEFGHIJKL'],
          },
          { name: '', okei: '79a', quantity: 0, vatRate: '22%' },
        ],
      }),
    );
    const byPath = new Map(p.map((x) => [x.path, x]));
    for (const path of [
      'seller.inn',
      'seller.kpp',
      'seller.address',
      'seller.edoId',
      'buyer.inn',
      'buyer.edoId',
      'signer.position',
      'lines[0].okei',
      'lines[1].vatRate',
      'lines[1].codes[1]',
      'lines[1].codes',
      'lines[2].name',
      'lines[2].okei',
      'lines[2].quantity',
      'lines[2].price',
    ]) {
      const d = byPath.get(path);
      assert.ok(d, `a problem at ${path}; got ${p.map((x) => x.path).join(', ')}`);
      assert.ok(d.ru.length > 5 && d.en.length > 5 && d.ru !== d.en, `${path}: ru and en`);
    }
    assert.equal(byPath.get('lines[1].codes[1]')?.code, 'CODE_GTIN_MISMATCH');
    assert.ok(byPath.get('lines[1].codes[1]')?.ru.includes('04680000000000'));
    assert.equal(byPath.get('lines[1].codes')?.code, 'CODES_QUANTITY');
    assert.equal(byPath.get('lines[0].okei')?.code, 'FIELD_REQUIRED');
    assert.throws(
      () => buildUpd(sampleUpd({ buyer: { ...sampleUpd().buyer, kpp: 'abc' } })),
      (e: unknown) => isZnakFlowError(e) && e.field === 'buyer.kpp' && /КПП|KPP/.test(e.message),
    );
  });

  it('refuses a code listed twice, a code that is not a code, and an input without key or guid', () => {
    const c = '0104601234567893215ABCDEFGHIJKL';
    const p = problems(
      sampleUpd({
        key: undefined,
        lines: [
          { name: 'A', okei: '796', quantity: 1, vatRate: '22%', totalKop: 100, codes: [c] },
          { name: 'B', okei: '796', quantity: 2, vatRate: '22%', totalKop: 100, codes: [c, 'hello'] },
        ],
      }),
    );
    const paths = p.map((x) => `${x.path}:${x.code}`);
    assert.ok(paths.includes('lines[1].codes[0]:CODE_DUPLICATE'), paths.join(' '));
    assert.ok(
      p.some((x) => x.path === 'lines[1].codes[1]'),
      paths.join(' '),
    );
    assert.ok(
      p.some((x) => x.path === 'key'),
      paths.join(' '),
    );
  });

  it('takes the signer from the certificate subject (SN, G, T)', () => {
    const s = signerFromCertificate({
      subject: [
        { name: 'CN', value: 'ООО «Демо»' },
        { name: 'SN', value: 'Иванов' },
        { name: 'G', value: 'Иван Иванович' },
        { name: 'T', value: 'Генеральный директор' },
      ],
    });
    assert.deepEqual(s, {
      surname: 'Иванов',
      firstName: 'Иван',
      middleName: 'Иванович',
      position: 'Генеральный директор',
    });
    const t = signerFromCertificate(
      {
        subject: [
          { name: 'SN', value: 'Петров' },
          { name: 'G', value: 'Пётр' },
        ],
      },
      { position: 'Кладовщик' },
    );
    assert.equal(t.position, 'Кладовщик');
    assert.equal(t.middleName, undefined);
  });
});

describe('edo: 1C sale → УПД per product group', () => {
  const world = demoWorld();
  const signer = { surname: 'Иванов', firstName: 'Иван', position: 'Директор' };
  const edoIds = Object.fromEntries(
    [world.organisation, ...world.counterparties].map((p, i) => [p.inn, `2LT-${100000000 + i}`]),
  );

  it('splits a sale with two groups and an unmarked row into three УПД, each with exactly its codes', () => {
    const doc = world.documents.find((d) => d.number === 'ДМ00-000003');
    assert.ok(doc);
    const msg = onecMessage(world, doc);
    const r = saleToUpd(msg.payload, msg.onec, {
      signer,
      edoIds,
      formedAt: new Date('2026-06-01T09:00:00Z'),
      seller: { address: 'г. Москва' },
      buyer: { address: 'г. Санкт-Петербург' },
    });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.documents.map((d) => d.productGroup),
      ['lp', 'shoes', ''],
    );
    assert.deepEqual(
      r.documents.map((d) => d.input.number),
      ['ДМ00-000003/1', 'ДМ00-000003/2', 'ДМ00-000003/3'],
    );
    const items = new Map(world.items.map((i) => [i.ref, i]));
    const all: string[] = [];
    for (const d of r.documents) {
      const built = ok(d.input);
      assert.equal(built.fileId.split('_')[7], d.productGroup ? '1' : '0', 'N3');
      for (const l of built.lines) {
        for (const c of l.codes) {
          const demo = world.codes.find((x) => x.cis === c);
          assert.ok(demo, `code ${c} of the demo world`);
          assert.equal(items.get(demo.itemRef)?.pg, d.productGroup);
        }
      }
      all.push(...built.codes);
      assert.equal(d.key, `${doc.ref}:AAAAAAAAAAE=:upd:${d.productGroup}`);
    }
    const expected = msg.onec.codes?.filter((c) => c.level === 0).length ?? 0;
    assert.equal(all.length, expected, 'every code once');
    assert.equal(new Set(all).size, all.length);
    // 1C's amounts to the kopeck (demo: 20 % VAT inside the row sum)
    const first = ok(r.documents[0]!.input);
    const row = (msg.payload['Товары'] as Array<Record<string, number>>)[0]!;
    assert.equal(first.lines[0]?.withVatKop, Math.round(row['СуммаСНДС']! * 100));
    assert.equal(first.lines[0]?.vatKop, Math.round(row['СуммаНДС']! * 100));
    assert.equal(first.lines[0]?.vatRate, '20%');
  });

  it('writes the consignee 1C names (Грузополучатель) in ГрузПолуч, the buyer in СвПокуп', () => {
    const doc = world.documents.find((d) => d.number === 'ДМ00-000004');
    assert.ok(doc);
    const msg = onecMessage(world, doc);
    const other = world.counterparties[1] as (typeof world.counterparties)[number];
    msg.payload['Грузополучатель_Key'] = other.ref;
    msg.payload['Грузополучатель'] = {
      Ref_Key: other.ref,
      Description: other.name,
      ИНН: other.inn,
      КПП: other.kpp,
    };
    const r = saleToUpd(msg.payload, msg.onec, {
      signer,
      edoIds,
      seller: { address: 'г. Москва' },
      buyer: { address: 'г. Москва' },
    });
    const built = ok(r.documents[0]!.input);
    const root = child(parseXml(built.xml), 'Документ');
    assert.equal(attr(at(root, 'СвСчФакт/ГрузПолуч/ИдСв/СвЮЛУч'), 'ИННЮЛ'), other.inn);
    assert.notEqual(other.inn, attr(at(root, 'СвСчФакт/СвПокуп/ИдСв/СвЮЛУч'), 'ИННЮЛ'));
  });

  it('reports what 1C does not give: the buyer without an EDO id', () => {
    const doc = world.documents.find((d) => d.number === 'ДМ00-000004');
    assert.ok(doc);
    const msg = onecMessage(world, doc);
    const r = saleToUpd(msg.payload, msg.onec, {
      signer,
      edoIds: { [world.organisation.inn]: '2LT-1' },
      seller: { address: 'г. Москва' },
      buyer: { address: 'г. Москва' },
    });
    assert.equal(r.documents.length, 1);
    const res = prepareUpd(r.documents[0]!.input);
    assert.ok(!res.ok);
    assert.deepEqual(
      res.errors.map((e) => e.path),
      ['buyer.edoId'],
    );
  });
});
