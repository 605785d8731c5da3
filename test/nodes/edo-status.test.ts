/**
 * edo-status: a УПД sent by edo-send followed to its outcome in the ЭДО Лайт emulator (the simulated
 * buyer signs or refuses, then ГИС МТ processes it), the outcome written into the 1C emulator by an
 * unchanged onec-write; Catch for a document that is not in the journal; a new 1C version after the
 * buyer signed is refused as needing a correction (УПДи), never a second УПД.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { startBed, type CzBed } from '../support/cz';
import { requireGost } from '../support/gost';
import { collect, helper, packNodes } from '../support/helper';
import { onecMessage } from '../support/onec-fixtures';

const NODES = packNodes('cz-connection', 'edo-send', 'edo-status', 'onec-connection', 'onec-write');
const REG = 'InformationRegister_ДополнительныеСведения';
type Msg = Record<string, any>;

describe('edo-status: УПД outcomes (EDO, then ГИС МТ) written back to 1C by onec-write', function () {
  this.timeout(60000);
  let bed: CzBed;
  let onec: OnecEmulator;
  let userDir: string;
  let refusing = '';

  before(async function () {
    await requireGost(this);
    bed = await startBed({
      edo: {
        buyerAction: 'sign',
        deliveryMs: 20,
        buyerDelayMs: 40,
        gisDelayMs: 40,
        refuseReason: 'Не тот товар',
      },
    });
    refusing = bed.world.counterparties[1]?.inn ?? '';
    bed.emu.edo.options.buyerRules[refusing] = 'refuse';
    onec = await startOnecEmulator({ world: bed.world });
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-edo-status-'));
    helper.settings({ userDir });
  });
  after(async () => {
    await helper.unload();
    helper.settings({ userDir: undefined });
    await onec?.stop();
    await bed?.close();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
  });

  function flow(): Array<Record<string, unknown>> {
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
      },
      { id: '1c', type: 'onec-connection', url: onec.url, timeout: 2000 },
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
        wires: [['status'], []],
      },
      {
        id: 'status',
        type: 'edo-status',
        z: 'tab',
        ...at,
        connection: 'cz',
        pollSeconds: 1,
        wires: [['write', 'accepted'], ['write', 'rejected'], ['pending']],
      },
      {
        id: 'write',
        type: 'onec-write',
        z: 'tab',
        ...at,
        connection: '1c',
        mode: 'register',
        property: 'СтатусЧестныйЗнак',
        wires: [['written']],
      },
      { id: 'accepted', type: 'helper', z: 'tab', ...at },
      { id: 'rejected', type: 'helper', z: 'tab', ...at },
      { id: 'pending', type: 'helper', z: 'tab', ...at },
      { id: 'written', type: 'helper', z: 'tab', ...at },
      { id: 'k1', type: 'catch', z: 'tab', ...at, scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab', ...at },
    ];
  }
  const creds = { '1c': { username: 'odata', password: 'odata' } };

  /** The demo sale of this comment (одежда: to the first counterparty, обувь: to the second). */
  const saleTo = (comment: string, dataVersion?: string): Msg => {
    const doc = bed.world.documents.find((d) => d.kind === 'sale' && d.comment === comment);
    assert.ok(doc, comment);
    return onecMessage(bed.world, doc, dataVersion) as unknown as Msg;
  };

  it('a signed УПД processed by ГИС МТ → output 1 with ACCEPTED, written into 1C; a refused one → output 2 with the reason', async () => {
    await helper.load(NODES, flow(), creds);
    const accepted = collect('accepted');
    const rejected = collect('rejected');
    const written = collect('written');
    const caught = collect('caught');
    const signing = bed.world.counterparties[0]?.inn ?? '';
    const ok = saleTo('одежда');
    const no = saleTo('обувь');
    helper.getNode('send').receive(ok);
    helper.getNode('send').receive(no);
    const [a] = await accepted.wait(1).catch((e: Error) => {
      throw new Error(`${e.message}; caught: ${JSON.stringify(caught.msgs.map((m) => m.error))}`);
    });
    assert.equal(a?.['cz'].status, 'ACCEPTED');
    assert.equal(a?.['edo'].status, 'ACCEPTED');
    assert.equal(a?.['edo'].gis, 'SUCCESS');
    assert.equal(a?.['edo'].edoStatus, 61);
    assert.deepEqual(a?.['cz'].errors, []);
    const doc = bed.emu.edo.document(a?.['edo'].documentId);
    assert.equal(doc?.tprUd?.state, 'SUCCESS');
    for (const c of doc?.codes ?? []) {
      assert.equal(bed.emu.registry.code(c)?.ownerInn, signing, `${c} moved to the buyer`);
    }
    const [r] = await rejected.wait(1);
    assert.equal(r?.['cz'].status, 'REFUSED');
    assert.match(r?.['cz'].errors.join(' '), /покупатель отказал/);
    assert.match(r?.['cz'].errors.join(' '), /Не тот товар/);
    await written.wait(2);
    for (const m of [ok, no]) {
      const rec = onec.store.list(REG).find((x) => x['Объект'] === m['onec'].ref);
      assert.ok(rec, 'a record in 1C');
      assert.match(String(rec['Значение']), m === ok ? /ACCEPTED/ : /REFUSED/);
    }
    assert.equal(caught.msgs.length, 0, JSON.stringify(caught.msgs.map((m) => m.error)));
  });

  it('a new 1C version after the buyer signed is refused (UPD_CORRECTION_REQUIRED), never a second УПД', async () => {
    await helper.load(NODES, flow(), creds);
    const caught = collect('caught');
    const before = bed.emu.edo.documents().length;
    helper.getNode('send').receive(saleTo('одежда', 'AAAAAAAAAAI='));
    const [c] = await caught.wait(1);
    assert.equal(c?.['error'].code, 'UPD_CORRECTION_REQUIRED');
    assert.match(c?.['error'].message, /УПДи/);
    assert.equal(bed.emu.edo.documents().length, before);
  });

  it('a document that is not in the journal goes to Catch (DOCUMENT_UNKNOWN)', async () => {
    await helper.load(NODES, flow(), creds);
    const caught = collect('caught');
    helper.getNode('status').receive({ edo: { documentId: '00000000-0000-4000-8000-000000000000' } });
    const [c] = await caught.wait(1);
    assert.equal(c?.['error'].code, 'DOCUMENT_UNKNOWN');
    assert.match(c?.['error'].message, /msg\.cz\.documentId|журнал/);
  });

  it('gives up waiting on output 3; an outcome reached while Node-RED was down goes out after the redeploy and into 1C', async () => {
    const third = bed.world.counterparties[2]?.inn ?? '';
    bed.emu.edo.options.buyerRules[third] = 'manual';
    const f = flow().map((n) => (n['id'] === 'status' ? { ...n, giveUpMinutes: 0.01 } : n));
    await helper.load(NODES, f, creds);
    const pending = collect('pending');
    const sent: Msg[] = [];
    helper.getNode('status').on('input', (m: Msg) => sent.push(m));
    const msg = saleTo('смешанная: одежда и обувь');
    helper.getNode('send').receive(msg);
    const late = await pending.wait(2);
    assert.ok(late.every((m) => m['cz'].pending === true && m['edo'].status !== 'ACCEPTED'));
    const ids = sent.map((m) => m['edo'].documentId as string);
    assert.equal(ids.length, 2, 'one УПД per product group');
    await helper.unload();
    // the buyer signs while Node-RED is down
    for (const id of ids) bed.emu.edo.buyerSign(id);
    await bed.emu.edo.settle(10000);
    await helper.load(NODES, flow(), creds);
    const accepted = collect('accepted');
    const written = collect('written');
    const got = await accepted.wait(2);
    assert.deepEqual(got.map((m) => m['edo'].documentId).sort(), [...ids].sort());
    assert.ok(got.every((m) => m['cz'].status === 'ACCEPTED' && m['onec'].ref === msg['onec'].ref));
    await written.wait(2);
    const rec = onec.store.list(REG).find((x) => x['Объект'] === msg['onec'].ref);
    for (const id of ids) assert.ok(String(rec?.['Значение']).includes(id), `${id} in 1C`);
    assert.match(String(rec?.['Значение']), /^\[lp\] .*\n\[shoes\] /, 'a line per УПД');
    // confirmed by onec-write: a further redeploy hands nothing out again
    await helper.unload();
    await helper.load(NODES, flow(), creds);
    const again = collect('accepted');
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(again.msgs.length, 0);
  });
});
