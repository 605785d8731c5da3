/**
 * End to end, standard-sync.json as shipped: a return to the supplier (`Document_ВозвратТоваровПоставщику`)
 * and a transfer to another organisation of the base (`Document_ПередачаТоваровМеждуОрганизациями`) each
 * reach their receiver — the supplier, the receiving organisation — as one УПД per product group with
 * exactly the codes of 1C, once; the receiver's signature moves the codes in ГИС МТ; the outcome is in the
 * document's «Статус Честный ЗНАК» in 1C. What is checked comes from the emulators, never from the pack.
 */
import assert from 'node:assert/strict';
import { DEMO_STATUS_PROPERTIES } from '../../lib/emulators/onec/store';
import { requireGost } from '../support/gost';
import {
  cisOf,
  duplicates,
  sentUpds,
  startStack,
  waitFor,
  writtenBackAll,
  type Stack,
} from '../support/stack';

type Rec = Record<string, unknown>;

const RETURNS = 'Document_ВозвратТоваровПоставщику';
const TRANSFERS = 'Document_ПередачаТоваровМеждуОрганизациями';

describe('e2e: returns to the supplier and transfers between organisations go as УПД (standard-sync.json)', function () {
  this.timeout(300000);
  let s: Stack;

  before(async function () {
    await requireGost(this);
    s = await startStack({ world: { transfers: true } });
  });
  after(async () => {
    await s?.stop();
  });

  /** The receiver's INN and the codes of a 1C document, by product group, from the 1C emulator. */
  function expected(
    entity: string,
    comment: string,
  ): { doc: Rec; receiverInn: string; byPg: Map<string, string[]> } {
    const store = s.demo.onec.store;
    const doc = store.rows(entity).find((d) => d['Комментарий'] === comment);
    assert.ok(doc, `${entity}: «${comment}» in the demo base`);
    const receiverRef = String(doc[entity === TRANSFERS ? 'ОрганизацияПолучатель_Key' : 'Контрагент_Key']);
    const catalog = entity === TRANSFERS ? 'Catalog_Организации' : 'Catalog_Контрагенты';
    const receiver = store.find(catalog, receiverRef);
    assert.ok(receiver, `the receiver of «${comment}» in ${catalog}`);
    const items = new Map(s.demo.world.items.map((i) => [i.ref, i]));
    const byPg = new Map<string, string[]>();
    for (const row of (doc['ШтрихкодыУпаковок'] as Rec[] | undefined) ?? []) {
      const code = store.find('Catalog_ШтрихкодыУпаковокТоваров', String(row['ШтрихкодУпаковки_Key']));
      const pg = items.get(String(code?.['Номенклатура_Key']))?.pg ?? '';
      const list = byPg.get(pg) ?? [];
      list.push(cisOf(String(code?.['ЗначениеШтрихкода'])));
      byPg.set(pg, list);
    }
    return { doc, receiverInn: String(receiver['ИНН']), byPg };
  }

  it('each reaches its receiver as one УПД per product group with exactly its codes, signed, the codes moved, the outcome in 1C', async () => {
    const cases = [
      {
        entity: RETURNS,
        ...expected(RETURNS, 'возврат поставщику'),
        operation: 'Возврат товаров поставщику',
      },
      {
        entity: TRANSFERS,
        ...expected(TRANSFERS, 'передача в другую организацию: одежда и обувь'),
        operation: 'Товары переданы',
      },
    ];
    assert.equal(cases[1]!.byPg.size, 2, 'the transfer holds two product groups');
    await waitFor(
      async () => {
        const sent = sentUpds(s.demo);
        for (const c of cases) {
          const mine = sent.filter((d) => d.number === c.doc['Number']);
          if (mine.length < c.byPg.size || mine.some((d) => d.status !== 'ACCEPTED')) return false;
          const v = (await writtenBackAll(s.demo, DEMO_STATUS_PROPERTIES[c.entity]!)).get(
            String(c.doc['Ref_Key']).toLowerCase(),
          );
          if (!v || !mine.every((d) => v.includes(d.id))) return false;
        }
        return true;
      },
      180000,
      () =>
        `the return and the transfer accepted and written back: ${sentUpds(s.demo)
          .map((d) => `${d.number}/${d.pg}:${d.status}`)
          .join(', ')}\n${s.rt.log().slice(-3000)}`,
      500,
    );
    const sent = sentUpds(s.demo);
    assert.deepEqual(duplicates(sent), [], 'no document twice');
    const org = s.demo.world.organisation.inn;
    for (const c of cases) {
      const mine = sent.filter((d) => d.number === c.doc['Number']);
      assert.deepEqual(
        mine.map((d) => d.pg).sort(),
        [...c.byPg.keys()].sort(),
        `${c.entity}: one УПД per group`,
      );
      for (const d of mine) {
        const t = d.upd!.title;
        assert.deepEqual([t.seller.inn, t.buyer.inn, d.receiverInn], [org, c.receiverInn, c.receiverInn]);
        assert.deepEqual(
          d.codes,
          [...(c.byPg.get(d.pg) ?? [])].sort(),
          `${c.entity}/${d.pg}: the codes of 1C`,
        );
        assert.equal(t.isoDate, String(c.doc['Date']).slice(0, 10));
        const xml = d.upd!.xml;
        assert.ok(xml.includes(`СодОпер="${c.operation}"`), `${c.entity}: СодОпер «${c.operation}»`);
        for (const code of d.codes)
          assert.equal(s.demo.cz.registry.code(code)?.ownerInn, c.receiverInn, `${code} now the receiver's`);
      }
      const v = (await writtenBackAll(s.demo, DEMO_STATUS_PROPERTIES[c.entity]!)).get(
        String(c.doc['Ref_Key']).toLowerCase(),
      );
      assert.ok(v && mine.every((d) => v.includes(d.id) && v.includes('[ACCEPTED]')), `${c.entity}: «${v}»`);
    }
    // a transfer not posted is never sent
    const draft = expected(TRANSFERS, 'передача: не проведена');
    assert.equal(sent.filter((d) => d.number === draft.doc['Number']).length, 0, 'the draft never sent');
  });
});
