/**
 * cz-map-document in Node-RED: the business place of LK_RECEIPT (kpp, fias_id) from the 1C
 * warehouse, the typed inputs `kpp` / `fiasId` (msg, env, flow…), the business-places table, a flow
 * of version 1 migrated, output 2 naming the field and what to fill in 1C, the preview endpoint.
 */
import assert from 'node:assert/strict';
import { demoWorld, type DemoDocument } from '../../lib/emulators/demo-data';
import { CZ_MAP_MIGRATIONS } from '../../nodes/cz-map-document/model';
import { migrate } from '../../nodes/shared/migrate';
import { helper, packNodes } from '../support/helper';
import { onecMessage } from '../support/onec-fixtures';

const NODES = packNodes('cz-map-document');
const CATCH = require('@node-red/nodes/core/common/25-catch.js') as unknown;
const world = demoWorld({ baseDate: new Date().toISOString().slice(0, 10) + 'T08:00:00' });
const writeOff = (): DemoDocument => world.documents.find((d) => d.kind === 'writeOff')!;
const WH = world.warehouses![0]!;
const HOUSE = String(WH.address['houseId']);
const OTHER_FIAS = '0c5b2444-70a0-4932-980c-b4dc0d3f02b5';

interface Msg {
  payload: any;
  cz: any;
  errors?: any[];
  [k: string]: unknown;
}

const TAB = { id: 'f1', type: 'tab', label: 'test' };
const sinks = [
  { id: 'ok', type: 'helper', z: 'f1', x: 100, y: 100 },
  { id: 'bad', type: 'helper', z: 'f1', x: 100, y: 100 },
];
function mapper(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'map',
    type: 'cz-map-document',
    z: 'f1',
    x: 100,
    y: 100,
    wires: [['ok'], ['bad']],
    documentType: 'LK_RECEIPT',
    withdrawalReason: 'RETAIL',
    version: 2,
    ...extra,
  };
}
function first(): Promise<{ out: 'ok' | 'bad'; msg: Msg }> {
  return new Promise((resolve) => {
    (helper.getNode('ok') as any).on('input', (m: Msg) => resolve({ out: 'ok', msg: m }));
    (helper.getNode('bad') as any).on('input', (m: Msg) => resolve({ out: 'bad', msg: m }));
  });
}
const input = (): Record<string, unknown> => JSON.parse(JSON.stringify(onecMessage(world, writeOff())));

describe('cz-map-document node: business place of LK_RECEIPT', function () {
  this.timeout(20000);
  afterEach(async () => {
    await helper.unload();
    delete process.env['ZF_TEST_FIAS'];
  });

  it('a flow of version 1 (no place settings) maps RETAIL with the place from 1C: houseId and the organisation КПП', async () => {
    const v1 = mapper({ version: 1 });
    const migrated = migrate(v1, CZ_MAP_MIGRATIONS);
    assert.equal(migrated['version'], 3);
    assert.deepEqual(
      [migrated['kpp'], migrated['kppType'], migrated['fiasId'], migrated['fiasIdType'], migrated['places']],
      ['', 'str', '', 'str', []],
    );
    await helper.load(NODES, [TAB, v1, ...sinks]);
    const got = first();
    helper.getNode('map').receive(input() as any);
    const { out, msg } = await got;
    assert.equal(out, 'ok', JSON.stringify(msg.errors));
    assert.equal(msg.payload.fias_id, HOUSE);
    assert.equal(msg.payload.kpp, world.organisation.kpp);
  });

  it('typed inputs: kpp from msg, fiasId from env; they win over the table', async () => {
    process.env['ZF_TEST_FIAS'] = OTHER_FIAS;
    await helper.load(NODES, [
      TAB,
      mapper({
        kpp: 'shop.kpp',
        kppType: 'msg',
        fiasId: 'ZF_TEST_FIAS',
        fiasIdType: 'env',
        places: [{ warehouse: WH.name, kpp: '770845001', fiasId: HOUSE }],
      }),
      ...sinks,
    ]);
    const got = first();
    helper.getNode('map').receive({ ...input(), shop: { kpp: '770899001' } } as any);
    const { out, msg } = await got;
    assert.equal(out, 'ok', JSON.stringify(msg.errors));
    assert.deepEqual([msg.payload.kpp, msg.payload.fias_id], ['770899001', OTHER_FIAS]);
  });

  it('the business-places table pins the warehouse to a shop under its own КПП', async () => {
    await helper.load(NODES, [TAB, mapper({ places: [{ warehouse: WH.ref, kpp: '770845001' }] }), ...sinks]);
    const got = first();
    helper.getNode('map').receive(input() as any);
    const { out, msg } = await got;
    assert.equal(out, 'ok', JSON.stringify(msg.errors));
    assert.deepEqual([msg.payload.kpp, msg.payload.fias_id], ['770845001', HOUSE]);
  });

  it('a warehouse without an address: output 2 naming fias_id and what to fill in 1C', async () => {
    await helper.load(NODES, [TAB, mapper(), ...sinks]);
    const got = first();
    const m = input();
    ((m['payload'] as any)['Склад'] as any)['КонтактнаяИнформация'] = [];
    helper.getNode('map').receive(m as any);
    const { out, msg } = await got;
    assert.equal(out, 'bad');
    assert.equal(msg.errors?.length, 1);
    assert.equal(msg.errors?.[0].path, 'fias_id');
    assert.equal(msg.errors?.[0].code, 'PLACE_FIAS_MISSING_1C');
    assert.match(msg.errors?.[0].message_ru, /склада «Основной склад» не заполнен адрес/);
    assert.match(msg.errors?.[0].message_en, /warehouse «Основной склад» has no address/);
  });

  it('a bad table row is a configuration error reaching a Catch node', async () => {
    await helper.load(
      [...NODES, CATCH],
      [
        mapper({ places: [{ warehouse: WH.name, kpp: '12345' }] }),
        { id: 'catcher', type: 'catch', z: 'f1', x: 100, y: 100, scope: null, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'f1', x: 100, y: 100 },
        ...sinks,
      ],
    );
    const caught = new Promise<any>((resolve) => (helper.getNode('caught') as any).on('input', resolve));
    helper.getNode('map').receive(input() as any);
    const m = await caught;
    assert.match(m.error.message, /places/);
    assert.match(m.error.message, /КПП — 9 цифр.*KPP: 9 digits/);
  });

  it('preview: the dialog’s place settings apply to the pasted example', async () => {
    await helper.load(NODES, [TAB, mapper(), ...sinks]);
    const res = await (helper as any)
      .request()
      .post('/znakflow/cz-map-document/preview')
      .send({
        config: {
          documentType: 'LK_RECEIPT',
          withdrawalReason: 'RETAIL',
          fiasId: OTHER_FIAS,
          fiasIdType: 'str',
          places: [{ warehouse: WH.name, kpp: '770845001' }],
        },
        msg: JSON.stringify(input()),
      })
      .expect(200);
    const d = res.body.documents[0];
    assert.deepEqual(d.errors, []);
    assert.deepEqual([d.payload.kpp, d.payload.fias_id], ['770845001', OTHER_FIAS]);
  });
});
