/**
 * edo-incoming in a Node-RED runtime (node-red-node-test-helper) against both emulators over HTTP,
 * with real GOST signatures: the demo's suppliers send their УПД (lib/emulators/edo/demo-incoming.ts),
 * the matching one is signed automatically, the one with a foreign code waits for a person, a
 * decision comes back in, a redeploy repeats nothing, and a lost answer does not make a second title.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeReceiptCodes } from '../../lib/edo/receipts';
import type { OnecConnectionNode } from '../../nodes/onec-connection/model';
import { sendDemoIncoming, supplierNumber } from '../../lib/emulators/edo/demo-incoming';
import { startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { czConnectionNode, startBed, type CzBed } from '../support/cz';
import { edoParty } from '../support/edo';
import { requireGost } from '../support/gost';
import { collect, helper, packNodes } from '../support/helper';

const NODES = packNodes('cz-connection', 'onec-connection', 'edo-incoming');
const PURCHASES = 'Document_ПриобретениеТоваровУслуг';
type Msg = Record<string, any>;

describe('edo-incoming: incoming УПД from suppliers, exactly once', function () {
  this.timeout(60000);
  let bed: CzBed;
  let onec: OnecEmulator;
  let userDir: string;

  before(async function () {
    await requireGost(this);
    bed = await startBed({ edo: { deliveryMs: 20, buyerDelayMs: 30, gisDelayMs: 30 } });
    onec = await startOnecEmulator({ world: bed.world });
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-edo-in-'));
    helper.settings({ userDir });
  });
  after(async () => {
    await helper.unload();
    helper.settings({ userDir: undefined });
    await onec?.stop();
    await bed?.close();
  });
  afterEach(async () => {
    await helper.unload();
  });

  const creds = { '1c': { username: 'odata', password: 'odata' } };
  function flow(over: Record<string, unknown> = {}): Array<Record<string, unknown>> {
    const at = { x: 100, y: 100 };
    return [
      { id: 'tab', type: 'tab' },
      czConnectionNode(bed, 'cz', { edoApi: 'true-api' }),
      { id: '1c', type: 'onec-connection', url: onec.url, timeout: 5000 },
      {
        id: 'in',
        type: 'edo-incoming',
        z: 'tab',
        ...at,
        connection: 'cz',
        onecConnection: '1c',
        preset: 'ut11',
        pollSeconds: 3600,
        ...over,
        wires: [['signed'], ['hold'], ['refused'], ['error']],
      },
      { id: 'signed', type: 'helper', z: 'tab', ...at },
      { id: 'hold', type: 'helper', z: 'tab', ...at },
      { id: 'refused', type: 'helper', z: 'tab', ...at },
      { id: 'error', type: 'helper', z: 'tab', ...at },
      { id: 'k1', type: 'catch', z: 'tab', ...at, scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab', ...at },
    ];
  }
  const outs = () => ({
    signed: collect('signed'),
    hold: collect('hold'),
    refused: collect('refused'),
    error: collect('error'),
    caught: collect('caught'),
  });
  const receipt = (comment: string) => bed.world.documents.find((d) => d.comment === comment)!;
  // the emulator counts routes with every second segment as {id}
  const titleUploads = (): number => bed.emu.edo.counters['edo/POST incoming/xml/{id}/title/{id}'] ?? 0;

  it('config: a bad rule is shown on the node and a message to it reaches Catch with the field', async () => {
    await helper.load(NODES, flow({ refuseOn: 'CODE_OWNER, BOGUS' }), creds);
    const o = outs();
    helper.getNode('in').receive({ payload: 'poll' });
    const [m] = await o.caught.wait(1);
    assert.match(String(m?.error?.message), /refuseOn/);
    assert.match(String(m?.error?.message), /код расхождения/);
    assert.match(String(m?.error?.message), /a mismatch code/);
  });

  it('a matching УПД is signed automatically; the one with a foreign code waits for a decision', async () => {
    const sent = sendDemoIncoming(bed.world, bed.emu.edo);
    assert.equal(sent.length, 2);
    await helper.load(NODES, flow(), creds);
    const o = outs();
    const [signed] = await o.signed.wait(1);
    const [held] = await o.hold.wait(1);
    const good = receipt('поступление по ЭДО');
    const bad = receipt('поступление по ЭДО: чужой код');
    // signed: the buyer's title is with the operator, the codes move to the organisation in ГИС МТ
    assert.equal(signed?.edo.incoming.number, supplierNumber(good.number));
    assert.equal(signed?.edo.incoming.outcome, 'signed');
    assert.equal(signed?.edo.incoming.matchedBy, 'number');
    assert.deepEqual([signed?.onec.entity, signed?.onec.ref], [PURCHASES, good.ref]);
    assert.match(String(signed?.payload), /подписан титул покупателя/);
    const doc = bed.emu.edo.document(String(signed?.edo.incoming.documentId))!;
    assert.ok(doc.buyerTitle, 'a buyer title at the operator');
    await bed.emu.edo.settle();
    for (const c of doc.codes) assert.equal(bed.emu.registry.code(c)?.ownerInn, bed.world.organisation.inn);
    // held: matched to its receipt, the foreign code named
    assert.equal(held?.edo.incoming.number, supplierNumber(bad.number));
    assert.equal(held?.onec.ref, bad.ref);
    const codes = (held?.edo.incoming.mismatches as Msg[]).map((m) => m['code']);
    assert.deepEqual(codes, ['CODE_OWNER']);
    assert.equal(
      bed.emu.edo.document(String(held?.edo.incoming.documentId))?.status,
      13,
      'viewed, not signed',
    );
    // the receipts («Извещение о получении» of each УПД read) are signed
    const receipts = () =>
      bed.emu.edo.events().filter((e) => e.side === 'incoming' && sent.some((d) => d.id === e.docId));
    for (let i = 0; i < 100 && !receipts().every((e) => e.signed); i++)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(receipts().length, 2);
    assert.ok(
      receipts().every((e) => e.signed),
      'both receipts signed',
    );
    assert.equal(titleUploads(), 1);
    assert.equal(o.error.msgs.length, 0);
  });

  it('bad decision input reaches Catch naming the field, in Russian and English', async () => {
    await helper.load(NODES, flow(), creds);
    const o = outs();
    helper.getNode('in').receive({ edo: { incoming: { documentId: 'x', decision: 'maybe' } } });
    const [m] = await o.caught.wait(1);
    assert.match(String(m?.error?.message), /edo\.incoming\.decision/);
    assert.match(String(m?.error?.message), /должно быть/);
    assert.match(String(m?.error?.message), /must be/);
    helper.getNode('in').receive({ edo: { incoming: { documentId: 'no-such', decision: 'sign' } } });
    const [, n] = await o.caught.wait(2);
    assert.match(String(n?.error?.message), /не найден в журнале/);
    const held = bed.emu.edo.documents().find((d) => d.status === 13)!;
    helper.getNode('in').receive({ edo: { incoming: { documentId: held.id, decision: 'refuse' } } });
    const [, , r] = await o.caught.wait(3);
    assert.match(String(r?.error?.message), /нужна причина/);
  });

  it('a decision message back: refuse with a reason → the УОУ, status 8; again → from the journal', async () => {
    await helper.load(NODES, flow(), creds);
    const o = outs();
    const held = bed.emu.edo.documents().find((d) => d.status === 13)!;
    const msg = () => ({
      edo: { incoming: { documentId: held.id, decision: 'refuse', reason: 'Чужой код в УПД' } },
    });
    helper.getNode('in').receive(msg());
    const [r] = await o.refused.wait(1);
    assert.equal(r?.edo.incoming.outcome, 'refused');
    assert.equal(r?.edo.incoming.decidedBy, 'person');
    assert.equal(r?.onec.ref, receipt('поступление по ЭДО: чужой код').ref);
    assert.equal(bed.emu.edo.document(held.id)?.status, 8);
    assert.equal(bed.emu.edo.document(held.id)?.refusal?.text, 'Чужой код в УПД');
    helper.getNode('in').receive(msg());
    const [, again] = await o.refused.wait(2);
    assert.equal(again?.edo.incoming.duplicate, true);
    assert.equal(bed.emu.edo.counters['edo/POST incoming/xml/{id}'], 1, 'one УОУ');
  });

  it('redeploy: nothing is signed, refused or reported again', async () => {
    const before = titleUploads();
    await helper.load(NODES, flow(), creds);
    const o = outs();
    await new Promise((r) => setTimeout(r, 300));
    helper.getNode('in').receive({ payload: 'poll' });
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(o.signed.msgs.length + o.hold.msgs.length + o.refused.msgs.length + o.error.msgs.length, 0);
    assert.equal(titleUploads(), before);
  });

  it("exactly once after a lost answer: the operator's state is looked up, one buyer's title", async () => {
    const world = bed.world;
    const supplier = world.counterparties[2]!;
    const org = world.organisation;
    const codes = bed
      .codes({ pg: 'lp', status: 'INTRODUCED', free: true })
      .filter((x) => bed.emu.registry.code(x)?.ownerInn === org.inn);
    const gtin = codes[0]!.slice(2, 16);
    const mine = codes.filter((x) => x.slice(2, 16) === gtin).slice(-2);
    for (const x of mine) (bed.emu.registry.code(x) as { ownerInn: string }).ownerInn = supplier.inn;
    const sent = bed.emu.edo.sendIncoming({
      function: 'СЧФДОП',
      number: 'БЕЗ-ПОСТУПЛЕНИЯ-1',
      date: '2026-11-30',
      formedAt: new Date(),
      key: `lost:${Math.random()}`,
      productGroup: 'lp',
      seller: edoParty(bed, supplier, 'г. Новосибирск'),
      buyer: edoParty(bed, org),
      signer: { surname: 'Петров', firstName: 'Пётр', position: 'Директор' },
      lines: [{ name: 'Футболка', okei: '796', quantity: 2, vatRate: '22%', totalKop: 244000, codes: mine }],
    });
    await helper.load(NODES, flow(), creds);
    const o = outs();
    const [held] = await o.hold.wait(1);
    assert.equal(held?.edo.incoming.documentId, sent.id);
    assert.ok((held?.edo.incoming.mismatches as Msg[]).some((m) => m['code'] === 'NO_RECEIPT'));
    assert.equal(held?.onec, undefined, 'no receipt, no msg.onec');
    const before = titleUploads();
    bed.emu.edo.loseBuyerAnswers(1);
    helper.getNode('in').receive({ edo: { incoming: { ...held?.edo.incoming, decision: 'sign' } } });
    const [s] = await o.signed.wait(1);
    assert.equal(s?.edo.incoming.adopted, true, 'found signed with the operator after the lost answer');
    assert.equal(s?.edo.incoming.decidedBy, 'person');
    assert.ok(bed.emu.edo.document(sent.id)?.buyerTitle);
    assert.ok(titleUploads() - before <= 2, 'the upload and at most one repeat, refused as already signed');
    // a repeat of the decision, and a redeploy: from the journal, no upload
    const after = titleUploads();
    helper.getNode('in').receive({ edo: { incoming: { documentId: sent.id, decision: 'sign' } } });
    const [, dup] = await o.signed.wait(2);
    assert.equal(dup?.edo.incoming.duplicate, true);
    await helper.unload();
    await helper.load(NODES, flow(), creds);
    const o2 = outs();
    helper.getNode('in').receive({ payload: 'poll' });
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(o2.signed.msgs.length + o2.hold.msgs.length + o2.error.msgs.length, 0);
    assert.equal(titleUploads(), after);
  });
  it("a person signs a УПД whose 1C receipt has no codes: the codes go into the receipt's codes table, once", async () => {
    const world = bed.world;
    const supplier = world.counterparties[0]!;
    const org = world.organisation;
    const tshirt = world.items[0]!;
    const used = new Set(bed.emu.edo.documents().flatMap((d) => d.codes));
    const code = bed
      .codes({ pg: 'lp', status: 'INTRODUCED', free: true })
      .find(
        (x) =>
          x.slice(2, 16) === tshirt.gtin && bed.emu.registry.code(x)?.ownerInn === org.inn && !used.has(x),
      )!;
    (bed.emu.registry.code(code) as { ownerInn: string }).ownerInn = supplier.inn;
    // a code this 1C base has never seen (the demo base knows every code of the demo world)
    for (const c of onec.store.rows('Catalog_ШтрихкодыУпаковокТоваров'))
      if (String(c['ЗначениеШтрихкода']).startsWith(code))
        onec.store.remove('Catalog_ШтрихкодыУпаковокТоваров', String(c['Ref_Key']));
    // the receipt as an accountant enters it when the goods arrive: no codes yet
    const rec = onec.store.addSale({
      entity: PURCHASES,
      counterpartyRef: supplier.ref,
      lines: [{ itemRef: tshirt.ref, quantity: 1 }],
      codes: [],
      posted: false,
    });
    const ref = String(rec['Ref_Key']);
    onec.store.modify(PURCHASES, ref, {
      НомерВходящегоДокумента: 'ВХ-К-1',
      ДатаВходящегоДокумента: String(rec['Date']),
    });
    bed.emu.edo.sendIncoming({
      function: 'СЧФДОП',
      number: 'ВХ-К-1',
      date: String(rec['Date']).slice(0, 10),
      formedAt: new Date(),
      key: `codes:${Math.random()}`,
      productGroup: 'lp',
      seller: edoParty(bed, supplier, 'г. Москва'),
      buyer: edoParty(bed, org),
      signer: { surname: 'Петров', firstName: 'Пётр', position: 'Директор' },
      lines: [
        { name: tshirt.name, okei: '796', quantity: 1, vatRate: '22%', totalKop: 99000, codes: [code] },
      ],
    });
    await helper.load(NODES, flow(), creds);
    const o = outs();
    const [held] = await o.hold.wait(1);
    assert.equal(held?.onec.ref, ref, 'matched by the supplier number');
    helper
      .getNode('in')
      .receive({ edo: { incoming: { documentId: held?.edo.incoming.documentId, decision: 'sign' } } });
    const [s] = await o.signed.wait(1);
    assert.deepEqual(s?.edo.incoming.codesWritten, { added: 1, created: 1, present: 0 });
    const table = onec.store.find(PURCHASES, ref)!['ШтрихкодыУпаковок'] as Msg[];
    assert.equal(table.length, 1);
    const entry = onec.store.find(
      'Catalog_ШтрихкодыУпаковокТоваров',
      String(table[0]!['ШтрихкодУпаковки_Key']),
    )!;
    assert.equal(entry['ЗначениеШтрихкода'], code);
    assert.equal(entry['Номенклатура_Key'], tshirt.ref);
    // again (a redelivered outcome): nothing added
    const again = await writeReceiptCodes(
      (helper.getNode('1c') as unknown as OnecConnectionNode).getClient(),
      s?.edo.incoming.receipt,
      [code],
      {
        preset: 'ut11',
      },
    );
    assert.deepEqual(again, { added: 0, created: 0, present: 1 });
    assert.equal((onec.store.find(PURCHASES, ref)!['ШтрихкодыУпаковок'] as Msg[]).length, 1);
  });
});
