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
import { startBed, type CzBed } from '../support/cz';
import { requireGost } from '../support/gost';
import { helper, packNodes } from '../support/helper';
import { onecMessage } from '../support/onec-fixtures';

const NODES = packNodes('cz-connection', 'edo-send');
type Msg = Record<string, any>;

function collect(id: string): { msgs: Msg[]; wait(n: number, ms?: number): Promise<Msg[]> } {
  const msgs: Msg[] = [];
  helper.getNode(id).on('input', (m: Msg) => msgs.push(m));
  return {
    msgs,
    async wait(n, ms = 20000) {
      const deadline = Date.now() + ms;
      while (msgs.length < n) {
        if (Date.now() > deadline) throw new Error(`${id}: ${msgs.length} of ${n} messages within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return msgs;
    },
  };
}

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

  function flow(extra: Record<string, unknown> = {}): Array<Record<string, unknown>> {
    const at = { x: 100, y: 100 };
    return [
      { id: 'tab', type: 'tab' },
      {
        id: 'cz',
        type: 'cz-connection',
        environment: 'custom',
        url: bed.emu.url,
        participantInn: bed.world.organisation.inn,
        signer: 'openssl',
        certPath: bed.fx.org.certPath,
        keyPath: bed.fx.org.keyPath,
        edoApi: 'true-api',
      },
      {
        id: 'send',
        type: 'edo-send',
        z: 'tab',
        ...at,
        connection: 'cz',
        signerSurname: 'Иванов',
        signerFirstName: 'Иван',
        signerPosition: 'Генеральный директор',
        sellerAddress: 'г. Москва, ул. Тверская, д. 1',
        buyerAddress: 'г. Москва, ул. Арбат, д. 2',
        retryMinutes: 0,
        ...extra,
        wires: [['sent'], ['invalid']],
      },
      { id: 'sent', type: 'helper', z: 'tab', ...at },
      { id: 'invalid', type: 'helper', z: 'tab', ...at },
      { id: 'k1', type: 'catch', z: 'tab', ...at, scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab', ...at },
    ];
  }

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
});
