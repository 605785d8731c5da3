/**
 * End to end, examples/incoming-upd.json as shipped: a real Node-RED with the pack, both emulators of the
 * demo (whose suppliers send two УПД to the demo organisation: lib/emulators/edo/demo-incoming.ts),
 * the example deployed unchanged. Checked from the emulators (the operator's documents, ГИС МТ's
 * owners, 1C's register) and the debug sidebar — never from the pack's own view of what it did.
 */
import assert from 'node:assert/strict';
import { supplierNumber } from '../../lib/emulators/edo/demo-incoming';
import { DEMO_STATUS_PROPERTIES } from '../../lib/emulators/onec/store';
import { requireGost } from '../support/gost';
import { REGISTER, startStack, waitFor, type Stack } from '../support/stack';

type Rec = Record<string, unknown>;
const PURCHASES = 'Document_ПриобретениеТоваровУслуг';

describe('e2e: incoming УПД (examples/incoming-upd.json) in a real Node-RED against both emulators', function () {
  this.timeout(180000);
  let s: Stack;

  before(async function () {
    await requireGost(this);
    s = await startStack({ examples: ['incoming-upd.json'] });
  });
  after(async () => {
    await s?.stop();
  });

  /** The receipts' «Статус Честный ЗНАК» in 1C (OData), by Ref_Key. */
  async function inOneC(): Promise<Map<string, string>> {
    const d = s.demo;
    const url = `${d.onec.url}/odata/standard.odata/${encodeURIComponent(REGISTER)}?$format=json`;
    const auth = Buffer.from(`${d.onecUser.username}:${d.onecUser.password}`).toString('base64');
    const r = await fetch(url, { headers: { Authorization: `Basic ${auth}`, Accept: 'application/json' } });
    assert.equal(r.status, 200);
    const out = new Map<string, string>();
    for (const rec of ((await r.json()) as { value: Rec[] }).value)
      if (String(rec['Свойство_Key']) === DEMO_STATUS_PROPERTIES[PURCHASES])
        out.set(String(rec['Объект']).toLowerCase(), String(rec['Значение'] ?? ''));
    return out;
  }

  const receipt = (comment: string) => {
    const d = s.demo.world.documents.find((x) => x.comment === comment);
    assert.ok(d, comment);
    return d;
  };
  const upd = (comment: string) => {
    const number = supplierNumber(receipt(comment).number);
    const d = s.demo.cz.edo.documents().find((x) => x.number === number);
    assert.ok(d, `the supplier's УПД ${number}`);
    return d;
  };

  it('the matching УПД is signed automatically (the codes move to the organisation), the outcome in 1C', async () => {
    const good = receipt('поступление по ЭДО');
    const value = await waitFor(
      async () => {
        const doc = s.demo.cz.edo.document(upd('поступление по ЭДО').id);
        if (!doc?.buyerTitle || doc.status !== 61) return false;
        return (await inOneC()).get(good.ref.toLowerCase());
      },
      60000,
      () => `signed and written to 1C\n${s.rt.log().slice(-3000)}`,
      500,
    );
    assert.match(
      value,
      new RegExp(`Входящий УПД № ${supplierNumber(good.number)}.*подписан титул покупателя`),
    );
    const doc = s.demo.cz.edo.document(upd('поступление по ЭДО').id)!;
    assert.equal(doc.buyerTitle?.fileId.startsWith('ON_NSCHFDOPPOK_'), true);
    for (const c of doc.codes)
      assert.equal(
        s.demo.cz.registry.code(c)?.ownerInn,
        s.demo.world.organisation.inn,
        `${c}: ours in ГИС МТ`,
      );
    // the receipt «Извещение о получении» of the УПД read is signed too
    const receipts = () => s.demo.cz.edo.events().filter((e) => e.docId === doc.id && e.side === 'incoming');
    await waitFor(
      () => receipts().length > 0 && receipts().every((e) => e.signed),
      30000,
      'the receipt signed',
    );
  });

  it('the УПД with a foreign code goes to the decision output, unsigned; 1C shows it waits', async () => {
    const bad = receipt('поступление по ЭДО: чужой код');
    const held = await waitFor(
      () => s.comms?.debug('zf-in-debug-hold').at(-1),
      60000,
      () => `a message at the decision output\n${s.rt.log().slice(-3000)}`,
    );
    const m = JSON.parse(held.msg) as { edo: { incoming: Rec }; onec: Rec };
    assert.equal(m.edo.incoming['outcome'], 'hold');
    assert.equal(m.edo.incoming['number'], supplierNumber(bad.number));
    assert.deepEqual(
      (m.edo.incoming['mismatches'] as Rec[]).map((x) => x['code']),
      ['CODE_OWNER'],
    );
    assert.equal(m.onec['ref'], bad.ref);
    const doc = s.demo.cz.edo.document(upd('поступление по ЭДО: чужой код').id)!;
    assert.equal(doc.buyerTitle, undefined, 'not signed');
    assert.equal(doc.status, 13);
    const value = await waitFor(
      async () => (await inOneC()).get(bad.ref.toLowerCase()),
      30000,
      'the held outcome in 1C',
    );
    assert.match(value, /ждёт решения: владелец кода/);
    // exactly one buyer's title was uploaded in all
    assert.equal(s.demo.cz.edo.documents().filter((d) => d.buyerTitle).length, 1);
  });
});
