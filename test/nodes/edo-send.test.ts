/**
 * edo-send: a 1C sale as onec-read gives it → one УПД per product group, signed (real GOST) and
 * uploaded to the ЭДО Лайт emulator over HTTP exactly once; problems to output 2 with the field
 * named; bad input to Catch; a lost upload answer and an upload whose every answer was lost
 * (uploaded again from the journal, never a second document); a redeploy keeps the journal.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeCp1251 } from '../../lib/edo/cp1251';
import { czConnectionNode, startBed, type CzBed } from '../support/cz';
import { edoSendFlow } from '../support/edo';
import { requireGost } from '../support/gost';
import { collect, helper, packNodes } from '../support/helper';
import { onecMessage } from '../support/onec-fixtures';

const NODES = packNodes('cz-connection', 'edo-send');
type Msg = Record<string, any>;

describe('edo-send: 1C sale → УПД through ЭДО Лайт, exactly once', function () {
  this.timeout(60000);
  let bed: CzBed;
  let userDir: string;

  before(async function () {
    await requireGost(this);
    bed = await startBed({ edo: { buyerAction: 'manual', deliveryMs: 20 } });
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-edo-send-'));
    helper.settings({ userDir });
  });
  after(async () => {
    await helper.unload();
    helper.settings({ userDir: undefined });
    await bed?.close();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
  });

  const flow = (extra: Record<string, unknown> = {}): Array<Record<string, unknown>> =>
    edoSendFlow(czConnectionNode(bed, 'cz', { edoApi: 'true-api' }), extra);

  const sale = (number: string, dataVersion?: string): Msg => {
    const doc = bed.world.documents.find((d) => d.number === number);
    assert.ok(doc, number);
    return onecMessage(bed.world, doc, dataVersion) as unknown as Msg;
  };
  const docsOf = (fileId: string) => bed.emu.edo.documents().filter((d) => d.fileId === fileId);

  it('sends one УПД per product group with exactly their codes; the same version again is answered from the journal', async () => {
    await helper.load(NODES, flow());
    const sent = collect('sent');
    const invalid = collect('invalid');
    const caught = collect('caught');
    if (process.env['DBG'])
      setTimeout(
        () =>
          console.log(
            JSON.stringify({ c: caught.msgs, i: invalid.msgs.map((m) => m['errors']) }, null, 1).slice(
              0,
              3000,
            ),
          ),
        5000,
      );
    const msg = sale('ДМ00-000003');
    helper.getNode('send').receive(msg);
    const out = (await sent.wait(2)).slice(0, 2);
    assert.equal(invalid.msgs.length, 0, JSON.stringify(invalid.msgs[0]?.['errors']));
    assert.deepEqual(out.map((m) => m['edo'].productGroup).sort(), ['lp', 'shoes']);
    for (const m of out) {
      assert.equal(m['parts'].count, 2);
      assert.match(m['edo'].fileId, /^ON_NSCHFDOPPR_2LT-/);
      assert.equal(m['cz'].documentId, m['edo'].documentId);
      assert.equal(m['cz'].type, 'UPD');
      assert.equal(m['edo'].fromJournal, false);
      const [doc, ...more] = docsOf(m['edo'].fileId);
      assert.ok(doc);
      assert.equal(more.length, 0);
      assert.equal(doc.id, m['edo'].documentId);
      assert.equal(doc.pg, m['edo'].productGroup);
      assert.equal(doc.codes.length, m['edo'].codes);
    }
    const before = bed.emu.edo.documents().length;
    helper.getNode('send').receive(sale('ДМ00-000003'));
    const again = await sent.wait(4);
    assert.ok(again.slice(2).every((m) => m['edo'].fromJournal === true));
    assert.deepEqual(
      again
        .slice(2)
        .map((m) => m['edo'].documentId)
        .sort(),
      out.map((m) => m['edo'].documentId).sort(),
    );
    assert.equal(bed.emu.edo.documents().length, before, 'nothing uploaded again');
  });

  it('sends every problem found before sending to output 2 with the field named (ru + en), nothing uploaded', async () => {
    await helper.load(NODES, flow({ signerPosition: '', buyerAddress: '' }));
    const invalid = collect('invalid');
    const before = bed.emu.edo.documents().length;
    helper.getNode('send').receive(sale('ДМ00-000001'));
    const [m] = await invalid.wait(1);
    const errors = m?.['errors'] as Array<{ path: string; message_ru: string; message_en: string }>;
    const paths = errors.map((e) => e.path);
    assert.ok(paths.includes('signer.position'), paths.join(', '));
    assert.ok(paths.includes('buyer.address'), paths.join(', '));
    for (const e of errors) assert.ok(e.message_ru && e.message_en);
    assert.equal(m?.['edo'].productGroup, 'lp');
    assert.equal(m?.['edo'].documentId, undefined);
    assert.equal(bed.emu.edo.documents().length, before);
  });

  it('takes the function and the signer position from the message (typed inputs)', async () => {
    await helper.load(
      NODES,
      flow({ updFunction: 'fn', updFunctionType: 'msg', signerPosition: 'who', signerPositionType: 'msg' }),
    );
    const sent = collect('sent');
    helper.getNode('send').receive({ ...sale('ДМ00-000001'), fn: 'ДОП', who: 'Кладовщик' });
    const [m] = await sent.wait(1);
    assert.equal(m?.['edo'].function, 'ДОП');
    const doc = bed.emu.edo.document(m?.['edo'].documentId);
    assert.equal(doc?.function, 'ДОП');
    assert.match(decodeCp1251(doc?.bytes ?? Buffer.alloc(0)), /Должн="Кладовщик"/);
  });

  it('bad input and bad overrides go to Catch with the field named', async () => {
    await helper.load(NODES, flow({ updFunction: 'fn', updFunctionType: 'msg' }));
    const caught = collect('caught');
    helper
      .getNode('send')
      .receive({ payload: 'not a document', onec: { ref: 'x', dataVersion: 'y' }, fn: 'ДОП' });
    helper.getNode('send').receive({ payload: {}, onec: {}, fn: 'ДОП' });
    helper.getNode('send').receive({ ...sale('ДМ00-000002'), fn: 'СЧФ' });
    const c = await caught.wait(3);
    const by = new Map(c.map((m) => [m['error'].code as string, m['error'].message as string]));
    assert.deepEqual([...by.keys()].sort(), ['INVALID_VALUE', 'NO_DOCUMENT', 'NO_JOURNAL_KEY']);
    assert.match(by.get('NO_DOCUMENT') ?? '', /msg\.payload/);
    assert.match(by.get('NO_JOURNAL_KEY') ?? '', /msg\.onec\.ref/);
    assert.match(by.get('INVALID_VALUE') ?? '', /function.*СЧФДОП или ДОП/);
  });

  it('a lost upload answer: the same file again, one document', async () => {
    await helper.load(NODES, flow());
    const sent = collect('sent');
    bed.emu.edo.loseAnswers(1);
    helper.getNode('send').receive(sale('ДМ00-000002'));
    const [m] = await sent.wait(1);
    const docs = docsOf(m?.['edo'].fileId);
    assert.equal(docs.length, 1);
    assert.equal(docs[0]?.id, m?.['edo'].documentId);
  });

  it('every answer lost: Catch, then the redeployed flow uploads the journalled bytes again — still one document', async function () {
    this.timeout(60000);
    await helper.load(NODES, flow());
    const caught = collect('caught');
    bed.emu.edo.loseAnswers(5);
    const msg = sale('ДМ00-000004');
    helper.getNode('send').receive(msg);
    const [c] = await caught.wait(1, 40000);
    assert.equal(c?.['error'].code, 'EDO_SERVER_ERROR');
    const stored = bed.emu.edo.documents().filter((d) => d.number === msg['onec'].number);
    assert.equal(stored.length, 1, 'the operator has the file, its answer was lost');
    await helper.unload();
    // redeploy: the journal entry is `unknown`; the service uploads the same bytes again on start
    await helper.load(NODES, flow());
    const sent = collect('sent');
    helper.getNode('send').receive(sale('ДМ00-000004'));
    const [m] = await sent.wait(1);
    assert.equal(m?.['edo'].documentId, stored[0]?.id);
    assert.equal(m?.['edo'].fileId, stored[0]?.fileId);
    assert.equal(bed.emu.edo.documents().filter((d) => d.number === msg['onec'].number).length, 1);
    // and after one more redeploy the journal answers
    await helper.unload();
    await helper.load(NODES, flow());
    const again = collect('sent');
    helper.getNode('send').receive(sale('ДМ00-000004'));
    const [a] = await again.wait(1);
    assert.equal(a?.['edo'].fromJournal, true);
    assert.equal(a?.['edo'].documentId, stored[0]?.id);
  });

  it('signs under the МЧД of the dialog (СпосПодтПолном 3 + СвДоверЭл); a malformed МЧД number goes to Catch', async () => {
    const poa = '0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0';
    await helper.load(NODES, flow({ poaNumber: poa, poaIssuedAt: '2026-01-15' }));
    const sent = collect('sent');
    helper.getNode('send').receive(sale('ДМ00-000005'));
    const [m] = await sent.wait(1);
    const xml = decodeCp1251(bed.emu.edo.document(m?.['edo'].documentId)?.bytes ?? Buffer.alloc(0));
    assert.match(xml, /СпосПодтПолном="3"/);
    assert.match(xml, new RegExp(`<СвДоверЭл НомДовер="${poa}" ДатаВыдДовер="15.01.2026"`));
    await helper.unload();
    await helper.load(NODES, flow({ poaNumber: 'not-a-guid', poaIssuedAt: '2026-01-15' }));
    const caught = collect('caught');
    helper.getNode('send').receive(sale('ДМ00-000005', 'AAAAAAAAAAI='));
    const [c] = await caught.wait(1);
    assert.match(c?.['error'].message, /poa\.number.*GUID/);
  });

  it("a buyer ЭДО Лайт does not reach (another operator without roaming, not registered) goes to output 2 with the operator's text", async () => {
    const other = bed.world.counterparties[1]!.inn;
    bed.emu.edo.options.roamingMissing.add(other);
    try {
      await helper.load(NODES, flow());
      const invalid = collect('invalid');
      const before = bed.emu.edo.documents().length;
      helper.getNode('send').receive(sale('ДМ00-000002', 'AAAAAAAAAAM='));
      helper.getNode('send').receive(sale('ДМ00-000008'));
      const got = await invalid.wait(2);
      const texts = got.map((m) =>
        (m['errors'] as Array<{ path: string; message_ru: string }>)
          .filter((e) => e.path === 'buyer.edoId')
          .map((e) => e.message_ru)
          .join(' '),
      );
      assert.ok(
        texts.some((t) => /другого оператора ЭДО/.test(t)),
        texts.join(' | '),
      );
      assert.ok(
        texts.some((t) => /не зарегистрирована/.test(t)),
        texts.join(' | '),
      );
      assert.equal(bed.emu.edo.documents().length, before);
    } finally {
      bed.emu.edo.options.roamingMissing.delete(other);
    }
  });
});
