/**
 * One 1C sale down both routes of the standard sync (examples/standard-sync.json): the fur coat by
 * LP_SHIP_GOODS (cz-map-document with `updGroups: skip` → cz-send), the T-shirt by a УПД (edo-send).
 * The watch that emitted the version (onec-read, here a listener on the onec-connection's
 * confirmations under the watch's node id) may count it delivered only when both documents are
 * settled: while ЭДО Лайт refuses every upload, the sent LP_SHIP_GOODS and its outcome written by
 * onec-write do not settle the version — otherwise a restart (or a redeploy) in between loses the УПД.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { demoWorld } from '../../lib/emulators/demo-data';
import { startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { AckTracker, type Ack, type Confirmations } from '../../lib/journal/ack';
import { czConnectionNode, startBed, type CzBed } from '../support/cz';
import { requireGost } from '../support/gost';
import { collect, helper, packNodes } from '../support/helper';
import { onecMessage } from '../support/onec-fixtures';

const NODES = packNodes(
  'cz-connection',
  'cz-map-document',
  'cz-send',
  'edo-send',
  'onec-connection',
  'onec-write',
);
type Msg = Record<string, any>;

describe('a sale down two routes (LP_SHIP_GOODS and УПД) is settled only when both are', function () {
  this.timeout(60000);
  let bed: CzBed;
  let onec: OnecEmulator;
  let userDir: string;

  before(async function () {
    await requireGost(this);
    bed = await startBed(
      { legacyShipGoods: false, edo: { buyerAction: 'manual', deliveryMs: 20 } },
      undefined,
      demoWorld({ furs: true }),
    );
    onec = await startOnecEmulator({ world: bed.world });
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-two-routes-'));
    helper.settings({ userDir });
  });
  after(async () => {
    await helper.unload();
    helper.settings({ userDir: undefined });
    await onec?.stop();
    await bed?.close();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  const at = { z: 'tab', x: 100, y: 100 };
  const flow = (): Array<Record<string, unknown>> => [
    { id: 'tab', type: 'tab' },
    { id: 'c1', type: 'onec-connection', url: onec.url, version: 1 },
    czConnectionNode(bed, 'cz', { edoApi: 'true-api' }),
    {
      id: 'map',
      type: 'cz-map-document',
      ...at,
      documentType: 'LP_SHIP_GOODS',
      updGroups: 'skip',
      legacyShipGoods: false,
      version: 3,
      wires: [['send'], ['invalid']],
    },
    { id: 'send', type: 'cz-send', ...at, connection: 'cz', retryMinutes: 0, wires: [['sent'], ['sent']] },
    {
      id: 'edo',
      type: 'edo-send',
      ...at,
      connection: 'cz',
      signerSurname: 'Иванов',
      signerFirstName: 'Иван',
      signerPosition: 'Генеральный директор',
      sellerAddress: 'г. Москва, ул. Тверская, д. 1',
      buyerAddress: 'г. Москва, ул. Арбат, д. 2',
      retryMinutes: 0,
      wires: [['upd'], ['invalid']],
    },
    {
      id: 'write',
      type: 'onec-write',
      ...at,
      connection: 'c1',
      mode: 'register',
      register: 'InformationRegister_ДополнительныеСведения',
      propertiesSet: 'ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения',
      property: 'СтатусЧестныйЗнак',
      retryMinutes: 0,
      version: 2,
      wires: [['written']],
    },
    { id: 'sent', type: 'helper', ...at },
    { id: 'upd', type: 'helper', ...at },
    { id: 'invalid', type: 'helper', ...at },
    { id: 'written', type: 'helper', ...at },
    { id: 'k1', type: 'catch', ...at, scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', ...at },
  ];

  it('the sent furs and their outcome in 1C leave the version open while the УПД is not uploaded; the УПД closes it, once', async () => {
    await helper.load(NODES, flow(), { c1: { username: 'odata', password: 'odata' } });
    const registry = (helper.getNode('c1') as unknown as { confirmations: Confirmations }).confirmations;
    const tracker = new AckTracker();
    const acks: Ack[] = [];
    const settled: string[] = [];
    const off = registry.register('r1', (a) => {
      acks.push(a);
      if (tracker.add(a)) settled.push(`${a.ref}:${a.dataVersion}`);
    });
    const sent = collect('sent');
    const upd = collect('upd');
    const written = collect('written');
    const invalid = collect('invalid');
    const caught = collect('caught');

    const doc = bed.world.documents.find((d) => d.comment === 'меха и одежда: LP_SHIP_GOODS и УПД');
    assert.ok(doc, 'the demo sale of a coat and a T-shirt');
    const msg = (): Msg => {
      const m = onecMessage(bed.world, doc) as unknown as Msg;
      m['onec'].watch = { connection: 'c1', node: 'r1' };
      return m;
    };
    // ЭДО Лайт answers every upload with a server error
    bed.emu.options.faults = { routes: ['edo/upload'], rate5xx: 1 };
    helper.getNode('map').receive(msg());
    helper.getNode('edo').receive(msg());
    const [furs] = await sent.wait(1);
    await caught.wait(1);
    assert.equal(invalid.msgs.length, 0, JSON.stringify(invalid.msgs[0]?.['errors']));
    assert.equal(furs?.['cz'].productGroup, 'furs');
    assert.equal(furs?.['cz'].total, 2, 'cz-map-document counts the УПД of the T-shirt into the version');
    assert.deepEqual(settled, [], 'the sent LP_SHIP_GOODS alone does not settle the version');
    assert.ok(acks.length >= 1, 'cz-send confirmed its document');

    // the furs' outcome reaches 1C: still one document of two
    helper.getNode('write').receive(furs);
    await written.wait(1);
    assert.deepEqual(settled, [], 'the outcome of the furs in 1C does not settle the version either');
    assert.equal(acks.at(-1)?.key, furs?.['cz'].key, 'onec-write confirms the document it wrote');

    // ЭДО Лайт is back: the version delivered again goes through edo-send, its УПД settles the version
    bed.emu.options.faults = {};
    helper.getNode('edo').receive(msg());
    const [m] = await upd.wait(1);
    assert.equal(m?.['cz'].total, 2, 'edo-send counts the LP_SHIP_GOODS of the coat into the version');
    const v = msg()['onec'];
    assert.deepEqual(settled, [`${v.ref}:${v.dataVersion}`], 'settled once both documents are');
    const tshirt = bed.emu.edo.documents().filter((d) => d.fileId === m?.['edo'].fileId);
    assert.equal(tshirt.length, 1, 'one УПД');
    assert.equal(tshirt[0]?.pg, 'lp');
    off();
  });
});
