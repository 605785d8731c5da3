/**
 * onec-read in the Node-RED test helper against the 1C emulator over real HTTP: the three modes,
 * msg overrides, Catch on each error class, redeploy and restart (the watch cursor persists).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { demoWorld } from '../../lib/emulators/demo-data';
import { startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { helper, packNodes } from '../support/helper';

const NODES = packNodes('onec-connection', 'onec-read');
const SALES = 'Document_РеализацияТоваровУслуг';
type Msg = Record<string, any>;

function collect(id: string): { msgs: Msg[]; next(n?: number, ms?: number): Promise<Msg[]> } {
  const msgs: Msg[] = [];
  const waiters: Array<() => void> = [];
  helper.getNode(id).on('input', (m: Msg) => {
    msgs.push(m);
    waiters.splice(0).forEach((w) => w());
  });
  return {
    msgs,
    async next(n = 1, ms = 8000) {
      const t0 = Date.now();
      while (msgs.length < n) {
        if (Date.now() - t0 > ms) throw new Error(`timeout: ${msgs.length}/${n} messages`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      return msgs.splice(0, n);
    },
  };
}

/** Wait until the node has finished an input (its done() was called). */
function completed(id: string): Promise<void> {
  return new Promise((resolve) => {
    const n = helper.getNode(id);
    const check = (call: { args: Array<Record<string, unknown>> }): void => {
      const s = call.args[0];
      if (s && (s['fill'] === 'green' || s['fill'] === 'red')) {
        (n['removeListener'] as (e: string, h: unknown) => void)('call:status', check);
        resolve();
      }
    };
    n.on('call:status', check);
  });
}

describe('onec-read node', function () {
  this.timeout(30000);
  let emu: OnecEmulator;
  let userDir: string;

  beforeEach(async () => {
    emu = await startOnecEmulator({ world: demoWorld({ baseDate: '2026-11-20T09:00:00' }) });
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-nr-'));
    helper.settings({ userDir });
  });
  afterEach(async () => {
    await helper.unload();
    await emu.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  const conn = (url = emu.url) => ({ id: 'c1', type: 'onec-connection', url, version: 1 });
  const creds = { c1: { username: 'odata', password: 'odata' } };
  const read = (extra: Record<string, unknown>) => ({
    id: 'r1',
    type: 'onec-read',
    z: 'tab',
    connection: 'c1',
    preset: 'ut11',
    kind: 'sales',
    interval: 0,
    lookbackHours: 24 * 30,
    since: '2026-11-01',
    wires: [['out']],
    version: 1,
    ...extra,
  });
  const flow = (
    extra: Record<string, unknown>,
    more: Array<Record<string, unknown>> = [],
  ): Array<Record<string, unknown>> => [
    { id: 'tab', type: 'tab' },
    conn(),
    read(extra),
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'k1', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['err']] },
    { id: 'err', type: 'helper', z: 'tab' },
    ...more,
  ];

  it('watch: each posted document once, with references and codes embedded per the contract', async () => {
    await helper.load(NODES, flow({ mode: 'watch' }), creds);
    const out = collect('out');
    const r1 = helper.getNode('r1');
    const expected = emu.store.world.documents.filter(
      (d) => d.kind === 'sale' && d.posted && !d.deletionMark,
    );
    r1.receive({ payload: 'poll', topic: 'tick' });
    const docs = await out.next(expected.length);
    assert.deepEqual(
      docs.map((m) => m['onec'].number),
      expected.map((d) => d.number),
    );
    const boxed = docs.find((m) => m['onec'].codes.length === 7)!;
    assert.equal(boxed['topic'], SALES);
    assert.equal(boxed['onec'].entity, SALES);
    assert.equal(boxed['onec'].preset, 'ut11');
    assert.equal(boxed['onec'].kind, 'sales');
    assert.equal(boxed['onec'].ref, boxed['payload'].Ref_Key);
    assert.equal(boxed['onec'].dataVersion, boxed['payload'].DataVersion);
    assert.equal(boxed['payload']['Организация'].ИНН, emu.store.world.organisation.inn);
    assert.equal(boxed['payload']['Товары'][0]['Номенклатура']['КодТНВЭД'].Code, '6109100000');
    assert.equal(
      boxed['payload']['ШтрихкодыУпаковок'][0]['ШтрихкодУпаковки']['ВложенныеШтрихкоды'].length,
      6,
    );
    assert.equal(docs[0]!['_msgid'] !== undefined, true);
    // nothing new on the next poll; a changed version once
    r1.receive({ payload: 'poll' });
    await completed('r1');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(out.msgs.length, 0);
    emu.store.touch(SALES, expected[2]!.ref);
    r1.receive({ payload: 'poll' });
    const [again] = await out.next(1);
    assert.equal(again!['onec'].ref, expected[2]!.ref);
  });

  it('watch: the cursor survives a redeploy and a restart (default memory-only context)', async () => {
    const f = flow({ mode: 'watch' });
    await helper.load(NODES, f, creds);
    let out = collect('out');
    helper.getNode('r1').receive({});
    const n = emu.store.world.documents.filter(
      (d) => d.kind === 'sale' && d.posted && !d.deletionMark,
    ).length;
    await out.next(n);
    const files = fs.readdirSync(path.join(userDir, 'znakflow', 'onec-read'));
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^r1-[0-9a-f]{10}\.json$/);

    // redeploy (full): the node is recreated with a new config
    await helper.setFlows(flow({ mode: 'watch', name: 'renamed' }), 'full', creds);
    out = collect('out');
    helper.getNode('r1').receive({});
    await completed('r1');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(out.msgs.length, 0, 'nothing re-emitted after the redeploy');

    // restart: a fresh runtime, same user directory
    await helper.unload();
    helper.settings({ userDir });
    await helper.load(NODES, f, creds);
    out = collect('out');
    const sale = emu.store.addSale({
      lines: [{ itemRef: emu.store.world.items[4]!.ref, quantity: 1 }],
      date: '2026-11-21T08:00:00',
    });
    helper.getNode('r1').receive({});
    const [fresh] = await out.next(1);
    assert.equal(fresh!['onec'].ref, sale['Ref_Key']);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(out.msgs.length, 0);
  });

  it('watch: polls on its interval without input, and msg.reset forgets the cursor', async () => {
    await helper.load(NODES, flow({ mode: 'watch', interval: 1 }), creds);
    const out = collect('out');
    const n = emu.store.world.documents.filter(
      (d) => d.kind === 'sale' && d.posted && !d.deletionMark,
    ).length;
    await out.next(n, 10000);
    helper.getNode('r1').receive({ reset: true });
    await completed('r1');
    await out.next(n, 10000);
  });

  it('query: conditions from msg, one message per object with msg.parts, or one array', async () => {
    const buyer = emu.store.world.counterparties[0]!;
    const conditions = [
      { field: 'Контрагент/ИНН', op: 'eq', type: 'string', value: 'payload', valueType: 'msg' },
      { field: 'Posted', op: 'eq', type: 'boolean', value: 'true', valueType: 'bool' },
    ];
    await helper.load(NODES, flow({ mode: 'query', conditions, orderby: 'Date desc' }), creds);
    const out = collect('out');
    helper.getNode('r1').receive({ payload: buyer.inn, keep: 'me' });
    const expected = emu.store.world.documents.filter(
      (d) => d.kind === 'sale' && d.posted && d.counterpartyRef === buyer.ref,
    );
    const msgs = await out.next(expected.length);
    assert.deepEqual(
      msgs.map((m) => m['onec'].number),
      expected.map((d) => d.number).reverse(),
    );
    assert.ok(
      msgs.every(
        (m, i) =>
          m['parts'].index === i &&
          m['parts'].count === expected.length &&
          m['parts'].id === msgs[0]!['parts'].id,
      ),
    );
    assert.ok(
      msgs.every((m) => m['keep'] === 'me'),
      'properties of the input message are kept',
    );
    assert.ok(msgs[0]!['payload']['Контрагент'].ИНН === buyer.inn);

    await helper.setFlows(
      flow({
        mode: 'query',
        output: 'array',
        entity: 'Catalog_Контрагенты',
        select: 'Ref_Key,ИНН',
        top: 2,
        topType: 'num',
        resolve: false,
      }),
      'full',
      creds,
    );
    const out2 = collect('out');
    helper.getNode('r1').receive({ payload: 'x' });
    const [arr] = await out2.next(1);
    assert.equal(arr!['payload'].length, 2);
    assert.deepEqual(Object.keys(arr!['payload'][0]).sort(), ['ИНН', 'Ref_Key'].sort());
    assert.equal(arr!['onec'].count, 2);
  });

  it('query: hostile values from msg never change the meaning of the filter', async () => {
    const conditions = [{ field: 'Number', op: 'eq', type: 'string', value: 'payload', valueType: 'msg' }];
    await helper.load(NODES, flow({ mode: 'query', conditions, output: 'array' }), creds);
    const out = collect('out');
    const errs = collect('err');
    const hostile = [
      "' or Posted eq true or Number eq '",
      ') or (1 eq 1',
      '%27 or 1 eq 1',
      "x'\nor Posted eq true",
      'ДМ00-000001%27%29%20or%20%28true',
    ];
    for (const h of hostile) {
      helper.getNode('r1').receive({ payload: h });
      const [m] = await out.next(1);
      assert.deepEqual(m!['payload'], [], `hostile value matched: ${h}`);
    }
    helper.getNode('r1').receive({ payload: emu.store.world.documents[0]!.number });
    const [ok] = await out.next(1);
    assert.equal(ok!['payload'].length, 1);
    assert.equal(errs.msgs.length, 0);
    // a hostile field name in the flow is refused, naming the field
    await helper.setFlows(
      flow({
        mode: 'query',
        conditions: [
          { field: "Number eq 'x' or Posted", op: 'eq', type: 'boolean', value: 'true', valueType: 'bool' },
        ],
      }),
      'full',
      creds,
    );
    const err2 = collect('err');
    helper.getNode('r1').receive({});
    const [e] = await err2.next(1);
    assert.equal(e!['error'].code ?? e!['error'].source?.code, e!['error'].code);
    assert.match(e!['error'].message, /недопустимое имя реквизита/);
  });

  it('by reference: one document from msg.payload; a bad or missing reference goes to Catch', async () => {
    await helper.load(NODES, flow({ mode: 'ref' }), creds);
    const out = collect('out');
    const err = collect('err');
    const doc = emu.store.world.documents.find((d) => d.comment === 'большая отгрузка: сотни кодов')!;
    helper.getNode('r1').receive({ payload: doc.ref });
    const [m] = await out.next(1);
    assert.equal(m!['onec'].codes.length, 300);
    assert.equal(m!['onec'].number, doc.number);
    helper.getNode('r1').receive({ payload: "x' or '1'='1" });
    const [e1] = await err.next(1);
    assert.equal(e1!['error'].code, 'ONEC_BAD_VALUE');
    assert.match(e1!['error'].message, /ref: .* \/ /);
    helper.getNode('r1').receive({ payload: '00000000-0000-4000-a000-000000000042' });
    const [e2] = await err.next(1);
    assert.equal(e2!['error'].code, 'ONEC_NOT_FOUND');
    assert.match(e2!['error'].message, /Экземпляр сущности/);
  });

  it('Catch receives each error class with its code, in both languages, without the password', async () => {
    await helper.load(NODES, flow({ mode: 'ref' }), { c1: { username: 'odata', password: 'odata' } });
    const err = collect('err');
    const r1 = helper.getNode('r1');
    const doc = emu.store.world.documents[0]!.ref;
    const cases: Array<[Parameters<OnecEmulator['faults']['add']>[0], string]> = [
      [{ kind: 'business' }, 'ONEC_BUSINESS'],
      [{ kind: 'html404' }, 'ONEC_HTML'],
      [{ kind: 'html200' }, 'ONEC_HTML'],
      [{ kind: 'badJson' }, 'ONEC_BAD_JSON'],
      [{ kind: 'forbidden' }, 'ONEC_FORBIDDEN'],
    ];
    for (const [fault, code] of cases) {
      emu.faults.add(fault);
      r1.receive({ payload: doc });
      const [e] = await err.next(1);
      assert.equal(e!['error'].code, code);
      assert.match(e!['error'].message, / \/ /);
    }
    // wrong password
    await helper.setFlows(flow({ mode: 'ref' }), 'full', {
      c1: { username: 'odata', password: 'not-the-pw-1' },
    });
    const err2 = collect('err');
    helper.getNode('r1').receive({ payload: doc });
    const [auth] = await err2.next(1);
    assert.equal(auth!['error'].code, 'ONEC_AUTH');
    assert.doesNotMatch(JSON.stringify(auth), /not-the-pw-1/);
    // not published
    await emu.stop();
    emu = await startOnecEmulator({ unpublished: [SALES], port: 0 });
    await helper.setFlows(
      [
        { id: 'tab', type: 'tab' },
        conn(emu.url),
        read({ mode: 'ref' }),
        { id: 'out', type: 'helper', z: 'tab' },
        { id: 'k1', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['err']] },
        { id: 'err', type: 'helper', z: 'tab' },
      ],
      'full',
      creds,
    );
    const err3 = collect('err');
    helper.getNode('r1').receive({ payload: doc });
    const [np] = await err3.next(1);
    assert.equal(np!['error'].code, 'ONEC_NOT_PUBLISHED');
    assert.match(np!['error'].message, /Document_РеализацияТоваровУслуг/);
    // timeout (a 1 s connection timeout)
    await helper.setFlows(
      [
        { id: 'tab', type: 'tab' },
        { ...conn(emu.url), timeout: 1000 },
        read({ mode: 'query', entity: 'Catalog_Организации' }),
        { id: 'out', type: 'helper', z: 'tab' },
        { id: 'k1', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['err']] },
        { id: 'err', type: 'helper', z: 'tab' },
      ],
      'full',
      creds,
    );
    const err4 = collect('err');
    emu.faults.add({ kind: 'timeout', times: 3 });
    helper.getNode('r1').receive({});
    const [to] = await err4.next(1, 15000);
    assert.equal(to!['error'].code, 'ONEC_TIMEOUT');
  });

  it('without a connection: a catchable NO_CONNECTION error', async () => {
    await helper.load(NODES, [
      { id: 'tab', type: 'tab' },
      read({ mode: 'query', connection: '' }),
      { id: 'out', type: 'helper', z: 'tab' },
      { id: 'k1', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['err']] },
      { id: 'err', type: 'helper', z: 'tab' },
    ]);
    const err = collect('err');
    helper.getNode('r1').receive({});
    const [e] = await err.next(1);
    assert.equal(e!['error'].code, 'NO_CONNECTION');
  });

  it('shares one client per connection among nodes and closes it on redeploy', async () => {
    const two = [...flow({ mode: 'query' }), { ...read({ mode: 'ref' }), id: 'r2' }];
    await helper.load(NODES, two, creds);
    const c1 = helper.getNode('c1') as unknown as { getClient(): { isClosed: boolean } };
    const client = c1.getClient();
    assert.equal(c1.getClient(), client);
    await helper.setFlows(
      [...two.slice(0, 1), { ...conn(), name: 'changed' }, ...two.slice(2)],
      'full',
      creds,
    );
    assert.equal(client.isClosed, true);
    assert.notEqual((helper.getNode('c1') as unknown as { getClient(): unknown }).getClient(), client);
  });
});
