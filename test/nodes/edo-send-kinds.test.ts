/**
 * edo-send with the 1C documents besides a sale: a return to the supplier and a transfer to another
 * organisation go as УПД to the supplier and to the receiving organisation (real GOST, the ЭДО Лайт
 * emulator over HTTP); the node's «1C document» setting reads a message whose msg.onec names no kind;
 * a purchase goes to output 2 naming msg.onec.kind, nothing uploaded; a flow of the previous schema
 * (edo-send v1) gets the setting at its default.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { demoWorld } from '../../lib/emulators/demo-data';
import { migrate } from '../../nodes/shared/migrate';
import { EDO_SEND_MIGRATIONS } from '../../nodes/edo-send/model';
import { czConnectionNode, startBed, type CzBed } from '../support/cz';
import { requireGost } from '../support/gost';
import { collect, helper, packNodes } from '../support/helper';
import { edoSendFlow } from '../support/edo';
import { onecMessage } from '../support/onec-fixtures';

const NODES = packNodes('cz-connection', 'edo-send');
type Msg = Record<string, any>;

describe('edo-send: returns to the supplier and transfers between organisations', function () {
  this.timeout(60000);
  let bed: CzBed;
  let userDir: string;

  before(async function () {
    await requireGost(this);
    bed = await startBed(
      { edo: { buyerAction: 'manual', deliveryMs: 20 } },
      undefined,
      demoWorld({ transfers: true }),
    );
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-edo-kinds-'));
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
    edoSendFlow(czConnectionNode(bed, 'cz', { edoApi: 'true-api' }), { version: 2, ...extra });

  const message = (comment: string): Msg => {
    const doc = bed.world.documents.find((d) => d.comment === comment);
    assert.ok(doc, comment);
    return onecMessage(bed.world, doc) as unknown as Msg;
  };
  const uploaded = (documentId: string) => bed.emu.edo.documents().find((d) => d.id === documentId);

  it('a return goes to the supplier, a transfer to the receiving organisation, one УПД per group', async () => {
    await helper.load(NODES, flow());
    const sent = collect('sent');
    const invalid = collect('invalid');
    const ret = message('возврат поставщику');
    const supplier = bed.world.counterparties.find(
      (c) => c.ref === bed.world.documents.find((d) => d.comment === 'возврат поставщику')!.counterpartyRef,
    )!;
    helper.getNode('send').receive(ret);
    const [r] = await sent.wait(1);
    assert.equal(invalid.msgs.length, 0, JSON.stringify(invalid.msgs[0]?.['errors']));
    const d = uploaded(r!['edo'].documentId)!;
    assert.ok(d, 'uploaded');
    assert.deepEqual([d.sellerInn, d.buyerInn], [bed.world.organisation.inn, supplier.inn]);
    assert.equal(r!['cz'].source.kind, 'supplierReturns');

    const tr = message('передача в другую организацию: одежда и обувь');
    const receiver = bed.world.affiliates![0]!;
    helper.getNode('send').receive(tr);
    const out = (await sent.wait(3)).slice(1);
    assert.equal(invalid.msgs.length, 0, JSON.stringify(invalid.msgs[0]?.['errors']));
    assert.deepEqual(out.map((m) => m['edo'].productGroup).sort(), ['lp', 'shoes']);
    for (const m of out) assert.equal(uploaded(m['edo'].documentId)?.buyerInn, receiver.inn);
  });

  it('the node’s «1C document» setting reads a message that names no kind; a purchase goes to output 2', async () => {
    await helper.load(NODES, flow({ kind: 'intercompany' }));
    const sent = collect('sent');
    const invalid = collect('invalid');
    // another transfer (the first one's version is with its receiver: a new version of it would wait)
    const tr = message('передача: не проведена');
    delete tr['onec'].kind;
    tr['onec'].entity = '';
    helper.getNode('send').receive(tr);
    const out = await sent.wait(1);
    assert.equal(invalid.msgs.length, 0, JSON.stringify(invalid.msgs[0]?.['errors']));
    for (const m of out) assert.equal(uploaded(m['edo'].documentId)?.buyerInn, bed.world.affiliates![0]!.inn);

    await helper.unload();
    await helper.load(NODES, flow());
    const invalid2 = collect('invalid');
    const before = bed.emu.edo.documents().length;
    helper.getNode('send').receive(message('поступление'));
    const [m] = await invalid2.wait(1);
    const errors = m!['errors'] as Array<{
      path: string;
      code: string;
      message_ru: string;
      message_en: string;
    }>;
    const e = errors.find((x) => x.code === 'KIND_NOT_SHIPMENT');
    assert.ok(e, JSON.stringify(errors));
    assert.equal(e.path, 'msg.onec.kind');
    assert.ok(e.message_ru && e.message_en);
    assert.equal(bed.emu.edo.documents().length, before, 'nothing uploaded');
  });

  it('a flow of the previous schema (edo-send v1) gets «1C document» at its default', () => {
    const v1 = { id: 'n', type: 'edo-send', version: 1, preset: 'ut11', unmarked: 'skip' };
    const up = migrate(v1, EDO_SEND_MIGRATIONS);
    assert.equal(up['version'], 2);
    assert.equal(up['kind'], '');
    assert.equal(up['preset'], 'ut11');
    assert.equal(migrate({ ...v1, kind: 'supplierReturns' }, EDO_SEND_MIGRATIONS)['kind'], 'supplierReturns');
  });
});
