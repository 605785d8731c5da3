/**
 * The buyer's side of a УПД 5.03 (ЕД-7-26/970@): the seller's title read back, the buyer's title
 * (ON_NSCHFDOPPOK, КНД 1115132) built from it and the clarification request УОУ (DP_UVUTOCH).
 * ⚠ No ФНС XSD of the buyer's title is vendored (docs/edo.md): these are structure tests; the
 * emulated operator's acceptance of the title is in edo-client.test.ts.
 */
import assert from 'node:assert/strict';
import { buildUpd } from '../../lib/edo/upd';
import {
  buildBuyerTitle,
  buildClarification,
  prepareBuyerTitle,
  readSellerTitle,
  type BuyerTitleInput,
} from '../../lib/edo/buyer';
import { decodeCp1251 } from '../../lib/edo/cp1251';
import { at, attr, child, parseXml } from '../../lib/edo/xml';
import { isZnakFlowError } from '../../lib/errors';
import { sampleUpd } from '../support/edo';

describe('edo: the buyer title and the clarification request', () => {
  const upd = buildUpd(sampleUpd());
  const seller = readSellerTitle(upd.bytes);
  const input = (over: Partial<BuyerTitleInput> = {}): BuyerTitleInput => ({
    seller,
    signer: { surname: 'Петров', firstName: 'Пётр', middleName: 'Петрович', position: 'Директор' },
    acceptance: { code: 1 },
    formedAt: new Date('2026-06-02T07:15:00Z'),
    ...over,
  });

  it('reads the seller title back: file id, function, number, parties, lines with GTIN and codes', () => {
    assert.equal(seller.fileId, upd.fileId);
    assert.equal(seller.function, 'СЧФДОП');
    assert.equal(seller.number, 'РН-000123');
    assert.equal(seller.date, '01.06.2026');
    assert.equal(seller.isoDate, '2026-06-01');
    assert.equal(seller.formedTime, '12.30.00');
    assert.equal(seller.seller.inn, '7708123450');
    assert.equal(seller.buyer.inn, '7720345675');
    assert.equal(seller.receiverEdoId, '2LT-222222222');
    assert.equal(seller.senderEdoId, '2LT-111111111');
    assert.equal(seller.flags, '0_1_0_0_0_00');
    assert.equal(seller.lines.length, 1);
    assert.equal(seller.lines[0]?.gtin, '04601234567893');
    assert.equal(seller.lines[0]?.quantity, 2);
    assert.deepEqual(seller.codes, upd.codes, 'escaped serials come back exactly');
  });

  it('refuses a file that is not a seller title 5.03, naming why', () => {
    assert.throws(
      () => readSellerTitle(upd.xml.replace('КНД="1115131"', 'КНД="1115132"')),
      (e: unknown) => isZnakFlowError(e) && /1115132/.test(e.ru) && /seller's title/.test(e.en),
    );
  });

  it('builds the buyer title: file name, ИдИнфПрод pointing at the seller file, СодФХЖ4, acceptance, signer', () => {
    const t = buildBuyerTitle(input({ sellerSignature: 'TUlJQ0FB\nQUFB' }));
    const guid = /_(\w{8}-\w{4}-\w{4}-\w{4}-\w{12})_/.exec(t.fileId)?.[1];
    assert.equal(t.fileId, `ON_NSCHFDOPPOK_2LT-111111111_2LT-222222222_20260602_${guid}_0_1_0_0_0_00`);
    assert.equal(t.fileName, `${t.fileId}.xml`);
    const text = decodeCp1251(t.bytes);
    assert.ok(text.startsWith('<?xml version="1.0" encoding="windows-1251"?>\n'));
    const root = parseXml(text);
    assert.equal(attr(root, 'ИдФайл'), t.fileId);
    assert.equal(attr(root, 'ВерсФорм'), '5.03');
    const doc = child(root, 'Документ');
    assert.equal(attr(doc, 'КНД'), '1115132');
    assert.equal(attr(doc, 'ДатаИнфПок'), '02.06.2026');
    assert.equal(attr(doc, 'ВремИнфПок'), '10.15.00', 'Moscow time');
    const id = child(doc, 'ИдИнфПрод');
    assert.equal(attr(id, 'ИдФайлИнфПр'), upd.fileId);
    assert.equal(attr(id, 'ДатаФайлИнфПр'), '01.06.2026');
    assert.equal(attr(id, 'ВремФайлИнфПр'), '12.30.00');
    assert.equal(child(id, 'ЭП')?.text, 'TUlJQ0FBQUFB');
    const fhj = child(doc, 'СодФХЖ4');
    assert.equal(attr(fhj, 'Функция'), 'СЧФДОП');
    assert.equal(attr(fhj, 'ПорНомДокИнфПр'), 'РН-000123');
    assert.equal(attr(fhj, 'ДатаДокИнфПр'), '01.06.2026');
    assert.match(attr(fhj, 'НаимДокОпрПр') ?? '', /^Счет-фактура и документ об отгрузке/);
    assert.equal(attr(at(fhj, 'СвПрин'), 'ДатаПрин'), '02.06.2026');
    assert.match(attr(at(fhj, 'СвПрин'), 'СодОпер') ?? '', /приняты без расхождений/);
    assert.equal(attr(at(fhj, 'СвПрин/КодСодОпер'), 'КодИтога'), '1');
    const signer = child(doc, 'Подписант');
    assert.equal(attr(signer, 'Должн'), 'Директор');
    assert.equal(attr(signer, 'СпосПодтПолном'), '1');
    assert.equal(attr(child(signer, 'ФИО'), 'Фамилия'), 'Петров');
    assert.deepEqual(
      doc?.children.map((c) => c.name),
      ['ИдИнфПрод', 'СодФХЖ4', 'Подписант'],
      'the order of the format',
    );
    // the same seller file gives the same buyer file id (one title per УПД), bytes are deterministic
    assert.ok(buildBuyerTitle(input({ sellerSignature: 'TUlJQ0FB\nQUFB' })).bytes.equals(t.bytes));
  });

  it('acceptance with discrepancies / not accepted, and under an МЧД', () => {
    const t = buildBuyerTitle(
      input({
        acceptance: { code: 3, date: '2026-06-03' },
        signer: {
          surname: 'Петров',
          firstName: 'Пётр',
          position: 'Кладовщик',
          poa: { number: '0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0', issuedAt: '2026-01-10' },
        },
      }),
    );
    const doc = child(parseXml(t.xml), 'Документ');
    assert.equal(attr(at(doc, 'СодФХЖ4/СвПрин/КодСодОпер'), 'КодИтога'), '3');
    assert.match(attr(at(doc, 'СодФХЖ4/СвПрин'), 'СодОпер') ?? '', /не приняты/);
    assert.equal(attr(at(doc, 'СодФХЖ4/СвПрин'), 'ДатаПрин'), '03.06.2026');
    assert.equal(attr(child(doc, 'Подписант'), 'СпосПодтПолном'), '3');
    assert.equal(attr(at(doc, 'Подписант/СвДоверЭл'), 'НомДовер'), '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0');
  });

  it('reports every problem with its field in ru and en', () => {
    const r = prepareBuyerTitle(
      input({
        seller: { ...seller, function: 'СЧФ' },
        acceptance: { code: 4 as 1, date: '2026-13-01' },
        signer: { surname: '', firstName: 'Пётр', position: '' },
        sellerSignature: 'не base64',
      }),
    );
    assert.equal(r.ok, false);
    const paths = r.errors.map((e) => e.path).sort();
    assert.deepEqual(paths, [
      'acceptance.code',
      'acceptance.date',
      'seller.function',
      'sellerSignature',
      'signer.position',
      'signer.surname',
    ]);
    for (const e of r.errors) assert.ok(e.message_ru && e.message_en);
  });

  it('the clarification request УОУ carries the reason and names the seller file', () => {
    const u = buildClarification({
      seller,
      reason: 'Код 0104601234567893215… принадлежит не продавцу',
      signer: { surname: 'Петров', firstName: 'Пётр', position: 'Директор' },
      formedAt: new Date('2026-06-02T07:15:00Z'),
    });
    assert.match(u.fileId, /^DP_UVUTOCH_2LT-111111111_2LT-222222222_20260602_[0-9a-f-]{36}$/);
    const root = parseXml(decodeCp1251(u.bytes));
    const doc = child(root, 'Документ');
    assert.equal(attr(doc, 'КНД'), '1115113');
    assert.equal(
      at(doc, 'СвУведУточ/ТекстУведУточ')?.text,
      'Код 0104601234567893215… принадлежит не продавцу',
    );
    assert.equal(attr(at(doc, 'СвУведУточ/СведПолФайл'), 'ИмяПостФайла'), `${upd.fileId}.xml`);
    assert.throws(
      () =>
        buildClarification({
          seller,
          reason: ' ',
          signer: { surname: 'П', firstName: 'П', position: 'Д' },
          formedAt: new Date(),
        }),
      (e: unknown) => isZnakFlowError(e) && e.field === 'reason',
    );
  });
});
