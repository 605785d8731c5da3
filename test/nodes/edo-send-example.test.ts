/**
 * The example flow examples/send-upd.json works as its comment says, on both emulators of the demo
 * (one world): the sale read from 1C by reference becomes a УПД sent through ЭДО Лайт, the simulated
 * buyer signs, ГИС МТ processes it (the codes move to the buyer) and onec-write writes the outcome
 * into 1C. Debug nodes replaced by test sinks, the inject's message sent by the test.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { startBed, type CzBed } from '../support/cz';
import { requireGost } from '../support/gost';
import { collect, helper, packNodes } from '../support/helper';

const NODES = packNodes(
  'cz-connection',
  'edo-send',
  'edo-status',
  'onec-connection',
  'onec-read',
  'onec-write',
);
const FLOW = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../examples/send-upd.json'), 'utf8'),
) as Array<Record<string, any>>;
const REG = 'InformationRegister_ДополнительныеСведения';

describe('example flow send-upd.json (onec-read → edo-send → edo-status → onec-write)', function () {
  this.timeout(60000);
  let bed: CzBed;
  let onec: OnecEmulator;
  let userDir: string;
  const env = ['CZ_URL', 'CZ_INN', 'CZ_CERT', 'CZ_KEY', 'ONEC_URL'] as const;

  before(async function () {
    await requireGost(this);
    bed = await startBed({ edo: { buyerAction: 'sign', deliveryMs: 20, buyerDelayMs: 50, gisDelayMs: 50 } });
    onec = await startOnecEmulator({ world: bed.world });
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-ex-upd-'));
    helper.settings({ userDir });
    Object.assign(process.env, {
      CZ_URL: bed.emu.url,
      CZ_INN: bed.world.organisation.inn,
      CZ_CERT: bed.fx.org.certPath,
      CZ_KEY: bed.fx.org.keyPath,
      ONEC_URL: onec.url,
    });
  });
  after(async () => {
    await helper.unload();
    helper.settings({ userDir: undefined });
    for (const k of env) delete process.env[k];
    await onec?.stop();
    await bed?.close();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('sends the sale as one УПД, the buyer signs, ГИС МТ moves the codes, the outcome is in 1C', async () => {
    const creds: Record<string, Record<string, string>> = {};
    const flow = FLOW.filter((n) => n['type'] !== 'comment' && n['type'] !== 'inject').map((n) => {
      if (n['type'] === 'debug') return { id: n['id'], type: 'helper', z: n['z'] };
      if (n['type'] === 'onec-connection') {
        creds[n['id']] = { username: n['credentials'].username, password: 'odata' };
        const { credentials: _c, ...rest } = n;
        return rest;
      }
      return n;
    });
    await helper.load(NODES, flow, creds);
    const ok = collect('zf-ex-upd-debug-ok');
    const written = collect('zf-ex-upd-debug-written');
    const errors = collect('zf-ex-upd-debug-err');
    const invalid = collect('zf-ex-upd-debug-invalid');
    const inject = FLOW.find((n) => n['id'] === 'zf-ex-upd-inject')!;
    helper.getNode('zf-ex-upd-read').receive({ payload: inject['payload'] });
    const [m] = await ok.wait(1).catch((e: Error) => {
      throw new Error(
        `${e.message}; errors ${JSON.stringify(errors.msgs.map((x) => x.error))}; invalid ${JSON.stringify(invalid.msgs.map((x) => x.errors))}`,
      );
    });
    assert.equal(m.onec.ref, inject['payload']);
    assert.equal(m.cz.status, 'ACCEPTED');
    assert.equal(m.edo.gis, 'SUCCESS');
    const docs = bed.emu.edo.documents().filter((d) => d.fileId === m.edo.fileId);
    assert.equal(docs.length, 1, 'one УПД');
    const buyer = bed.world.counterparties[0]!.inn;
    for (const c of docs[0]!.codes) assert.equal(bed.emu.registry.code(c)?.ownerInn, buyer);
    await written.wait(1);
    const rec = onec.store.list(REG).find((r) => r['Объект'] === inject['payload']);
    assert.match(String(rec?.['Значение'] ?? ''), /ACCEPTED/);
    assert.ok(String(rec?.['Значение']).includes(m.edo.documentId), 'the EDO document id in 1C');
  });
});
