/**
 * lib/edo/map.ts for the 1C documents besides a sale that pass goods with codes to another participant:
 * a return to the supplier (`Document_ВозвратТоваровПоставщику`: the supplier receives the УПД, its
 * `СодОпер` says so) and a transfer to another organisation of the base
 * (`Document_ПередачаТоваровМеждуОрганизациями`: the receiver is `ОрганизацияПолучатель`, a
 * Catalog_Организации item). A document of a kind that passes nothing (a purchase) is refused, naming
 * msg.onec.kind. The presets and the by-reference resolution know where the receiver is.
 */
import assert from 'node:assert/strict';
import { saleToUpd } from '../../lib/edo/map';
import { prepareUpd } from '../../lib/edo/upd';
import { decodeCp1251 } from '../../lib/edo/cp1251';
import { demoWorld } from '../../lib/emulators/demo-data';
import { PRESETS, resolveLayout } from '../../lib/onec/presets';
import { onecMessage } from '../support/onec-fixtures';

const world = demoWorld({ baseDate: '2026-11-20T09:00:00', transfers: true });
const byComment = (comment: string) => {
  const d = world.documents.find((x) => x.comment === comment);
  if (!d) throw new Error(comment);
  return { doc: d, ...onecMessage(world, d) };
};
const edoIds = Object.fromEntries(
  [world.organisation, ...world.counterparties, ...(world.affiliates ?? [])].map((p, i) => [
    p.inn,
    `2LT-${100000000 + i}`,
  ]),
);
const opts = {
  signer: { surname: 'Иванов', firstName: 'Иван', position: 'Директор' },
  formedAt: new Date('2026-11-20T10:00:00Z'),
  edoIds,
  seller: { address: 'г. Москва' },
  buyer: { address: 'г. Москва' },
};
const xmlOf = (input: Parameters<typeof prepareUpd>[0]): string => {
  const r = prepareUpd(input);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return decodeCp1251(r.upd.bytes);
};

describe('lib/edo saleToUpd: returns to the supplier and transfers between organisations', () => {
  it('the presets: where a return and a transfer keep their receiver', () => {
    const ret = resolveLayout('ut11', 'supplierReturns');
    assert.equal(ret.document.entity, 'Document_ВозвратТоваровПоставщику');
    assert.equal(ret.document.counterparty, 'Контрагент_Key');
    const tr = resolveLayout('erp2', 'intercompany');
    assert.equal(tr.document.entity, 'Document_ПередачаТоваровМеждуОрганизациями');
    assert.equal(tr.document.counterparty, 'ОрганизацияПолучатель_Key');
    assert.equal(tr.document.counterpartyCatalog, 'Catalog_Организации');
    assert.equal(PRESETS.bp3.documents.supplierReturns?.entity, 'Document_ВозвратТоваровПоставщику');
    assert.equal(PRESETS.bp3.documents.supplierReturns?.pricesIncludeVat, 'СуммаВключаетНДС');
  });

  it('a return to the supplier: one УПД to the supplier with the codes, «Возврат товаров поставщику»', () => {
    const m = byComment('возврат поставщику');
    assert.equal(m.onec.kind, 'supplierReturns');
    const supplier = world.counterparties.find((c) => c.ref === m.doc.counterpartyRef)!;
    const r = saleToUpd(m.payload, m.onec, opts);
    assert.deepEqual(r.errors, []);
    const marked = r.documents.filter((d) => d.productGroup !== '');
    assert.deepEqual(
      marked.map((d) => d.productGroup),
      ['lp'],
    );
    const d = marked[0]!;
    assert.equal(d.input.seller.inn, world.organisation.inn);
    assert.equal(d.input.buyer.inn, supplier.inn);
    assert.equal(d.input.buyer.kpp, supplier.kpp);
    assert.equal(d.input.buyer.edoId, edoIds[supplier.inn]);
    assert.equal(d.input.number, m.doc.number);
    const codes = world.codes.filter((c) => m.doc.packageRefs.includes(c.ref)).map((c) => c.cis);
    const built = prepareUpd(d.input);
    assert.ok(built.ok);
    assert.deepEqual([...built.upd.codes].sort(), codes.sort());
    assert.match(xmlOf(d.input), /<СвПер СодОпер="Возврат товаров поставщику"/);
  });

  it('a transfer to another organisation: the receiver from ОрганизацияПолучатель, one УПД per group', () => {
    const m = byComment('передача в другую организацию: одежда и обувь');
    assert.equal(m.onec.kind, 'intercompany');
    const receiver = world.affiliates?.find((a) => a.ref === m.doc.counterpartyRef);
    assert.ok(receiver, 'the receiving organisation of the base');
    assert.equal(m.payload['Контрагент_Key'], undefined, 'a transfer has no Контрагент');
    const r = saleToUpd(m.payload, m.onec, opts);
    assert.deepEqual(r.errors, []);
    const marked = r.documents.filter((d) => d.productGroup !== '');
    assert.deepEqual(
      marked.map((d) => [d.productGroup, d.input.number]),
      [
        ['lp', `${m.doc.number}/1`],
        ['shoes', `${m.doc.number}/2`],
      ],
    );
    for (const d of marked) {
      assert.deepEqual(
        [d.input.seller.inn, d.input.buyer.inn, d.input.buyer.kpp, d.input.buyer.name],
        [world.organisation.inn, receiver.inn, receiver.kpp, receiver.fullName],
      );
      assert.match(xmlOf(d.input), /<СвПер СодОпер="Товары переданы"/);
    }
    // read as a sale (the wrong layout), the receiver is not found: the layout is what finds it
    const asSale = saleToUpd(m.payload, { ...m.onec, kind: 'sales' }, opts);
    assert.notEqual(asSale.documents[0]?.input.buyer.inn, receiver.inn);
  });

  it('a document that passes goods to nobody (a purchase) is refused, naming msg.onec.kind (ru + en)', () => {
    const d = world.documents.find((x) => x.kind === 'purchase')!;
    const m = onecMessage(world, d);
    const r = saleToUpd(m.payload, m.onec, opts);
    const e = r.errors.find((x) => x.code === 'KIND_NOT_SHIPMENT');
    assert.ok(e, JSON.stringify(r.errors));
    assert.equal(e.path, 'msg.onec.kind');
    assert.match(e.message_ru, /purchases/);
    assert.match(e.message_en, /does not pass goods/);
    // an entity of no known kind is taken as a sale
    const sale = onecMessage(
      world,
      world.documents.find((x) => x.kind === 'sale')!,
    );
    const free = saleToUpd(
      sale.payload,
      { ...sale.onec, kind: undefined, entity: 'Document_МояОтгрузка' },
      opts,
    );
    assert.equal(free.errors.filter((x) => x.code === 'KIND_NOT_SHIPMENT').length, 0);
  });
});
