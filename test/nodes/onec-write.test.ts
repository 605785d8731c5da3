/**
 * onec-write in the test helper against the emulator: idempotent write-back, patch mode, refusals.
 */
import assert from 'node:assert/strict';
import {
  DEMO_PROPERTY_SETS,
  DEMO_STATUS_PROPERTIES,
  DEMO_STATUS_PROPERTY,
  startOnecEmulator,
  type OnecEmulator,
} from '../../lib/emulators/onec';
import { helper, nextInput, packNodes } from '../support/helper';

const NODES = packNodes('onec-connection', 'onec-write');
const SALES = 'Document_РеализацияТоваровУслуг';
const REG = 'InformationRegister_ДополнительныеСведения';
type Msg = Record<string, any>;

const next = nextInput;

describe('onec-write node', function () {
  this.timeout(20000);
  let emu: OnecEmulator;
  beforeEach(async () => {
    emu = await startOnecEmulator();
  });
  afterEach(async () => {
    await helper.unload();
    await emu.stop();
  });

  const flow = (extra: Record<string, unknown>) => [
    { id: 'tab', type: 'tab' },
    { id: 'c1', type: 'onec-connection', url: emu.url, version: 1 },
    { id: 'w1', type: 'onec-write', z: 'tab', connection: 'c1', version: 1, wires: [['out']], ...extra },
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'k1', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['err']] },
    { id: 'err', type: 'helper', z: 'tab' },
  ];
  const creds = { c1: { username: 'odata', password: 'odata' } };
  const input = (ref: string, status = 'CHECKED_OK'): Msg => ({
    payload: { some: 'document' },
    onec: { entity: SALES, ref, number: 'X' },
    cz: {
      status,
      documentId: 'b4f1c2d3-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      errors: status === 'CHECKED_OK' ? [] : ['14: Код не найден'],
    },
  });

  it('writes the outcome of cz-status to additional information; twice leaves one record (idempotent)', async () => {
    await helper.load(NODES, flow({ mode: 'register', property: DEMO_STATUS_PROPERTY }), creds);
    const ref = emu.store.world.documents[0]!.ref;
    const w1 = helper.getNode('w1');
    let p = next('out');
    w1.receive(input(ref));
    let m = await p;
    assert.equal(m['onec'].write.action, 'created');
    assert.equal(m['onec'].number, 'X', 'msg.onec is kept');
    assert.deepEqual(m['payload'], { some: 'document' });
    assert.equal(
      m['onec'].write.value,
      'Проверен [CHECKED_OK], документ ЧЗ b4f1c2d3-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    );
    p = next('out');
    w1.receive(input(ref));
    m = await p;
    assert.equal(m['onec'].write.action, 'unchanged');
    p = next('out');
    w1.receive(input(ref, 'CHECKED_NOT_OK'));
    m = await p;
    assert.equal(m['onec'].write.action, 'updated');
    const recs = emu.store.list(REG).filter((r) => r['Объект'] === ref);
    assert.equal(recs.length, 1);
    assert.match(String(recs[0]!['Значение']), /^Есть ошибки \[CHECKED_NOT_OK\].*: 14: Код не найден$/);
  });

  it('takes any value and any field from typed inputs (e.g. msg.payload, a property by name)', async () => {
    await helper.load(
      NODES,
      flow({
        mode: 'register',
        property: 'statusProperty',
        propertyType: 'msg',
        value: 'payload',
        valueType: 'msg',
        ref: 'docRef',
        refType: 'msg',
        entity: SALES,
        entityType: 'str',
      }),
      creds,
    );
    const ref = emu.store.world.documents[1]!.ref;
    const p = next('out');
    helper
      .getNode('w1')
      .receive({ payload: 'отправлено вручную', docRef: ref, statusProperty: 'СтатусЧестныйЗнак' });
    const m = await p;
    assert.equal(m['onec'].write.action, 'created');
    assert.equal(emu.store.list(REG).find((r) => r['Объект'] === ref)?.['Значение'], 'отправлено вручную');
  });

  it('marking codes into the codes catalog: a block of codes in msg.payload, once; no codes goes to Catch naming the value', async () => {
    await helper.load(NODES, flow({ mode: 'codes', valueType: 'auto' }), creds);
    const item = emu.store.world.items[0]!;
    const codes = ['A1b2C3d', 'E4f5G6h'].map((serial) => `01${item.gtin}21${serial}\u001d93dGVz`);
    const catalog = () =>
      emu.store
        .rows('Catalog_ШтрихкодыУпаковокТоваров')
        .filter((e) => codes.includes(String(e['ЗначениеШтрихкода'])));
    const w1 = helper.getNode('w1');
    let p = next('out');
    // a block message of suz-order: its 1C order and watch are not touched
    w1.receive({ payload: codes, suz: { blockId: 'b-1' }, onec: { entity: 'Document_X', ref: 'r' } });
    let m = await p;
    assert.equal(m['onec'].write.mode, 'codes');
    assert.equal(m['onec'].write.action, 'created');
    assert.deepEqual(m['onec'].write.codes, { created: 2, present: 0 });
    assert.deepEqual(m['payload'], codes, 'the block goes on as it came');
    assert.equal(catalog().length, 2);
    assert.ok(catalog().every((e) => e['Номенклатура_Key'] === item.ref));
    p = next('out');
    w1.receive({ payload: codes.join('\n') });
    m = await p;
    assert.deepEqual(m['onec'].write.codes, { created: 0, present: 2 });
    assert.equal(catalog().length, 2, 'the same codes again create nothing');
    const e = next('err');
    w1.receive({ payload: [] });
    const err = await e;
    assert.match(err['error'].message, /value: .*нет кодов маркировки/);
    assert.match(err['error'].message, /no marking codes to write/);
  });

  it('patches an attribute of the document, idempotently', async () => {
    await helper.load(NODES, flow({ mode: 'patch', attribute: 'Комментарий' }), creds);
    const ref = emu.store.world.documents[2]!.ref;
    let p = next('out');
    helper.getNode('w1').receive(input(ref));
    assert.equal((await p)['onec'].write.action, 'updated');
    const dv = emu.store.get(SALES, ref)!['DataVersion'];
    p = next('out');
    helper.getNode('w1').receive(input(ref));
    assert.equal((await p)['onec'].write.action, 'unchanged');
    assert.equal(emu.store.get(SALES, ref)!['DataVersion'], dv);
    assert.match(String(emu.store.get(SALES, ref)!['Комментарий']), /^Проверен \[CHECKED_OK\]/);
  });

  it('refuses 1C’s own ИС МП registers, a missing reference, a missing property — all catchable', async () => {
    await helper.load(
      NODES,
      flow({
        mode: 'register',
        property: DEMO_STATUS_PROPERTY,
        register: 'InformationRegister_СтатусыДокументовИСМП',
      }),
      creds,
    );
    let e = next('err');
    helper.getNode('w1').receive(input(emu.store.world.documents[0]!.ref));
    let m = await e;
    assert.equal(m['error'].code, 'ONEC_WRITE_FORBIDDEN');
    assert.equal(emu.requests.total, 0);
    e = next('err');
    helper.getNode('w1').receive({ cz: { status: 'CHECKED_OK' } });
    m = await e;
    assert.match(m['error'].message, /ref: .*msg\.onec\.ref/);
    await helper.setFlows(flow({ mode: 'register', property: 'Нет такого сведения' }), 'full', creds);
    e = next('err');
    helper.getNode('w1').receive(input(emu.store.world.documents[0]!.ref));
    m = await e;
    assert.equal(m['error'].code, 'ONEC_PROPERTY');
  });

  it('a БСП base: the property named as in the examples (СтатусЧестныйЗнак) gets the outcome of each kind of document in its own set', async () => {
    await helper.load(NODES, flow({ mode: 'register', property: 'СтатусЧестныйЗнак' }), creds);
    for (const kind of ['sale', 'writeOff', 'marking'] as const) {
      const d = emu.store.world.documents.find((x) => x.kind === kind && x.posted)!;
      const entity = {
        sale: SALES,
        writeOff: 'Document_СписаниеНедостачТоваров',
        marking: 'Document_МаркировкаТоваровИСМП',
      }[kind];
      const p = next('out');
      helper.getNode('w1').receive({ ...input(d.ref), onec: { entity, ref: d.ref } });
      const m = await p;
      assert.equal(m['onec'].write.action, 'created', kind);
      const rec = emu.store.list(REG).filter((r) => r['Объект'] === d.ref);
      assert.equal(rec.length, 1, kind);
      assert.equal(rec[0]!['Свойство_Key'], DEMO_STATUS_PROPERTIES[entity], kind);
      assert.match(String(rec[0]!['Значение']), /^Проверен \[CHECKED_OK\]/);
    }
  });

  it('«Check property» endpoint: the property a name resolves to (GUID, title, set), the candidates, or why none', async () => {
    await helper.load(NODES, flow({ mode: 'register', property: 'СтатусЧестныйЗнак' }), creds);
    const check = async (body: Record<string, unknown>): Promise<Msg> => {
      const res = await helper.request().post('/znakflow/onec-write/property').send(body);
      assert.equal(res.status, 200);
      return res.body as Msg;
    };
    const ok = await check({ connection: 'c1', property: 'СтатусЧестныйЗнак', entity: SALES });
    assert.equal(ok['ok'], true, JSON.stringify(ok));
    assert.equal(ok['ref'], DEMO_STATUS_PROPERTY);
    assert.equal(ok['reason'], 'set');
    assert.equal(ok['chosen'].title, 'Статус Честный ЗНАК');
    assert.equal(ok['chosen'].set, DEMO_PROPERTY_SETS[SALES]!.description);
    assert.equal(ok['candidates'].length, Object.keys(DEMO_STATUS_PROPERTIES).length);
    // no document kind known in the dialog (msg.onec.entity): the candidates, and why none is chosen
    const amb = await check({ connection: 'c1', property: 'СтатусЧестныйЗнак' });
    assert.equal(amb['ok'], false);
    assert.equal(amb['code'], 'ONEC_PROPERTY_AMBIGUOUS');
    assert.deepEqual(
      amb['candidates'].map((c: Msg) => c['ref']).sort(),
      Object.values(DEMO_STATUS_PROPERTIES).sort(),
    );
    for (const r of Object.values(DEMO_STATUS_PROPERTIES)) assert.ok(String(amb['message']).includes(r));
    const none = await check({ connection: 'c1', property: 'Нет такого сведения', entity: SALES });
    assert.equal(none['ok'], false);
    assert.equal(none['code'], 'ONEC_PROPERTY');
    assert.match(String(none['message']), /Дополнительные реквизиты и сведения/);
    const byGuid = await check({
      connection: 'c1',
      property: DEMO_STATUS_PROPERTIES['Document_МаркировкаТоваровИСМП'],
    });
    assert.equal(byGuid['ok'], true);
    assert.equal(byGuid['chosen'].set, 'Маркировка товаров ИС МП');
    const noConn = await check({ connection: 'nope', property: 'СтатусЧестныйЗнак' });
    assert.equal(noConn['ok'], false);
    assert.equal(noConn['code'], 'INVALID_CONFIG');
    assert.match(String(noConn['message']), /deploy/);
  });
});
