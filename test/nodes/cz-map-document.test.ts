import assert from 'node:assert/strict';
import { demoWorld, type DemoDocument } from '../../lib/emulators/demo-data';
import { helper, packNodes } from '../support/helper';
import { bigSale, onecMessage } from '../support/onec-fixtures';

const NODES = packNodes('cz-map-document');
// Node-RED's own join and catch nodes, to check that the output works with them.
const JOIN = require('@node-red/nodes/core/sequence/17-split.js') as unknown;
const CATCH = require('@node-red/nodes/core/common/25-catch.js') as unknown;

const world = demoWorld({ baseDate: new Date().toISOString().slice(0, 10) + 'T08:00:00' });
const byComment = (c: string): DemoDocument => {
  const d = world.documents.find((x) => x.comment === c);
  if (!d) throw new Error(c);
  return d;
};

interface Msg {
  payload: any;
  cz: any;
  errors?: any[];
  parts?: any;
  [k: string]: unknown;
}

const TAB = { id: 'f1', type: 'tab', label: 'test' };

function mapper(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'map',
    type: 'cz-map-document',
    z: 'f1',
    x: 100,
    y: 100,
    wires: [['ok'], ['bad']],
    version: 1,
    ...extra,
  };
}

/** Collect what reaches the helper nodes `ok` and `bad` until `expect` messages arrived. */
function collect(expect: number): Promise<{ ok: Msg[]; bad: Msg[] }> {
  const ok: Msg[] = [];
  const bad: Msg[] = [];
  return new Promise((resolve) => {
    const check = (): void => {
      if (ok.length + bad.length >= expect) setTimeout(() => resolve({ ok, bad }), 20);
    };
    (helper.getNode('ok') as any).on('input', (m: Msg) => {
      ok.push(m);
      check();
    });
    (helper.getNode('bad') as any).on('input', (m: Msg) => {
      bad.push(m);
      check();
    });
  });
}

const sinks = [
  { id: 'ok', type: 'helper', z: 'f1', x: 100, y: 100 },
  { id: 'bad', type: 'helper', z: 'f1', x: 100, y: 100 },
];

describe('cz-map-document node', function () {
  this.timeout(20000);
  afterEach(async () => {
    await helper.unload();
  });

  it('maps a demo sale to one LP_SHIP_GOODS message with msg.cz and the journal key', async () => {
    await helper.load(NODES, [TAB, mapper(), ...sinks]);
    const got = collect(1);
    const doc = byComment('одежда');
    helper.getNode('map').receive(onecMessage(world, doc) as any);
    const { ok, bad } = await got;
    assert.equal(bad.length, 0, JSON.stringify(bad[0]?.errors));
    assert.equal(ok.length, 1);
    const m = ok[0] as Msg;
    assert.equal(m.cz.type, 'LP_SHIP_GOODS');
    assert.equal(m.cz.productGroup, 'lp');
    assert.equal(m.cz.documentFormat, 'MANUAL');
    assert.equal(m.cz.key, `${doc.ref}:AAAAAAAAAAE=:LP_SHIP_GOODS:lp:1`);
    assert.deepEqual([m.cz.part, m.cz.parts], [1, 1]);
    assert.equal(m.cz.source.ref, doc.ref);
    assert.equal(m.parts, undefined, 'a single document is not a sequence');
    assert.equal(m.payload.sender_inn, world.organisation.inn);
    assert.equal(m.payload.receiver_inn, world.counterparties[0]?.inn);
    assert.equal(m.payload.document_num, doc.number);
    assert.equal(m.payload.products.length, 5, '3 T-shirts + 2 jeans; the unmarked bag has no codes');
    const calls = (helper.getNode('map') as any).status.args.map((a: any[]) => a[0]);
    const last = calls.at(-1);
    assert.deepEqual([last.fill, last.shape], ['green', 'dot']);
    // the test helper has no message catalogs: RED._ gives the key back (a real runtime translates it)
    assert.equal(last.text, 'cz-map-document.status.mapped');
  });

  it('splits a sale of two product groups into a sequence a join node gathers', async () => {
    await helper.load(
      [...NODES, JOIN],
      [
        TAB,
        mapper({ wires: [['ok', 'joiner'], ['bad']] }),
        { id: 'joiner', type: 'join', z: 'f1', x: 100, y: 100, mode: 'auto', wires: [['joined']] },
        ...sinks,
        { id: 'joined', type: 'helper', z: 'f1', x: 100, y: 100 },
      ],
    );
    const got = collect(2);
    const joined = new Promise<Msg>((resolve) => (helper.getNode('joined') as any).on('input', resolve));
    const doc = byComment('смешанная: одежда и обувь');
    helper.getNode('map').receive(onecMessage(world, doc) as any);
    const { ok, bad } = await got;
    assert.equal(bad.length, 0);
    assert.deepEqual(
      ok.map((m) => m.cz.productGroup),
      ['lp', 'shoes'],
    );
    assert.ok(
      ok.every((m) => m.payload.document_num === doc.number),
      'same 1C number for both',
    );
    assert.deepEqual(
      ok.map((m) => [m.parts.index, m.parts.count]),
      [
        [0, 2],
        [1, 2],
      ],
    );
    const j = await joined;
    assert.equal(j.payload.length, 2);
    assert.deepEqual(j.payload.map((b: any) => b.products.length).sort(), [1, 2]);
  });

  it('keeps an upstream sequence: the new msg.parts nests the incoming one', async () => {
    await helper.load(NODES, [TAB, mapper(), ...sinks]);
    const got = collect(2);
    const m = onecMessage(world, byComment('смешанная: одежда и обувь')) as any;
    m.parts = { id: 'upstream', index: 3, count: 7, type: 'array', len: 1 };
    helper.getNode('map').receive(m);
    const { ok } = await got;
    assert.equal(ok.length, 2);
    assert.notEqual(ok[0]?.parts.id, 'upstream');
    assert.equal(ok[0]?.parts.id, ok[1]?.parts.id);
    assert.deepEqual(ok[0]?.parts.parts, { id: 'upstream', index: 3, count: 7, type: 'array', len: 1 });
    assert.notEqual(ok[0], ok[1], 'separate message objects');
    assert.notEqual(ok[0]?.onec, ok[1]?.onec, 'msg.onec cloned per message');
  });

  it('sends an invalid document to output 2 with every problem, and nothing to output 1', async () => {
    await helper.load(NODES, [TAB, mapper({ productGroup: 'lp' }), ...sinks]);
    const got = collect(1);
    const msg = onecMessage(world, byComment('смешанная: одежда и обувь'));
    (msg.payload['Контрагент'] as any)['ИНН'] = '7707083894';
    helper.getNode('map').receive(msg as any);
    const { ok, bad } = await got;
    assert.equal(ok.length, 0);
    assert.equal(bad.length, 1);
    const codes = (bad[0]?.errors ?? []).map((e) => `${e.code}@${e.path}`);
    assert.ok(codes.includes('INN_CHECKSUM@receiver_inn'), codes.join());
    assert.ok(codes.includes('CODE_OTHER_GROUP@products[2].uit_code'), codes.join());
    for (const e of bad[0]?.errors ?? []) {
      assert.ok(e.message_ru && e.message_en && e.path && e.code);
    }
  });

  it('applies JSONata overrides with Node-RED JSONata, per document and per product', async () => {
    await helper.load(NODES, [
      mapper({
        overrides: [
          { path: 'document_num', expr: '"ЧЗ-" & payload.Number' },
          { path: 'to_not_participant', expr: '$count(payload.Товары) > 99' },
          {
            path: 'products[].product_description',
            expr: '$row.Номенклатура.Артикул & "#" & $string($index)',
          },
          { path: 'products[].product_tax', expr: '$code.itemRef = "nothing" ? "1" : undefined' },
        ],
      }),
      ...sinks,
    ]);
    const got = collect(1);
    const doc = byComment('обувь');
    helper.getNode('map').receive(onecMessage(world, doc) as any);
    const { ok, bad } = await got;
    assert.equal(bad.length, 0, JSON.stringify(bad[0]?.errors));
    const body = ok[0]?.payload;
    assert.equal(body.document_num, `ЧЗ-${doc.number}`);
    assert.equal(body.to_not_participant, false);
    assert.deepEqual(
      body.products.map((p: any) => p.product_description),
      ['SN-101#0', 'SN-101#1', 'BT-102#2'],
    );
    assert.ok(
      body.products.every((p: any) => !('product_tax' in p)),
      'undefined removes the field',
    );
  });

  it('reports a broken override expression on output 2 instead of failing', async () => {
    await helper.load(NODES, [
      mapper({ overrides: [{ path: 'document_num', expr: '"unterminated' }] }),
      ...sinks,
    ]);
    const got = collect(1);
    helper.getNode('map').receive(onecMessage(world, byComment('обувь')) as any);
    const { ok, bad } = await got;
    assert.equal(ok.length, 0);
    assert.equal(bad[0]?.errors?.[0]?.code, 'OVERRIDE_SYNTAX');
  });

  it('splits a 70 000-code sale into three parts of at most 30 000 codes', async () => {
    await helper.load(NODES, [TAB, mapper(), ...sinks]);
    const got = collect(3);
    helper.getNode('map').receive(bigSale(world, 70000) as any);
    const { ok, bad } = await got;
    assert.equal(bad.length, 0);
    assert.equal(ok.length, 3);
    const sizes = ok.map((m) => m.payload.products.length);
    assert.ok(
      sizes.every((n) => n <= 30000),
      String(sizes),
    );
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      70000,
    );
    assert.deepEqual(
      ok.map((m) => [m.cz.part, m.cz.parts]),
      [
        [1, 3],
        [2, 3],
        [3, 3],
      ],
    );
    assert.equal(new Set(ok.map((m) => m.cz.key)).size, 3);
    const all = new Set(ok.flatMap((m) => m.payload.products.map((p: any) => p.uit_code)));
    assert.equal(all.size, 70000, 'every code exactly once');
  });

  it('an invalid node configuration reaches a Catch node as a bilingual error', async () => {
    await helper.load(
      [...NODES, CATCH],
      [
        mapper({ maxCodes: 50000 }),
        { id: 'catcher', type: 'catch', z: 'f1', x: 100, y: 100, scope: null, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'f1', x: 100, y: 100 },
        ...sinks,
      ],
    );
    const caught = new Promise<any>((resolve) => (helper.getNode('caught') as any).on('input', resolve));
    helper.getNode('map').receive(onecMessage(world, byComment('обувь')) as any);
    const m = await caught;
    assert.match(m.error.message, /maxCodes/);
    assert.match(m.error.message, /не больше 30 000.*at most 30 000/);
  });

  it('a flow with blank or missing fields gets the defaults (maxCodes, layout, lists)', async () => {
    await helper.load(NODES, [
      TAB,
      {
        id: 'map',
        type: 'cz-map-document',
        z: 'f1',
        x: 100,
        y: 100,
        wires: [['ok'], ['bad']],
        maxCodes: '',
        layout: '',
        version: 1,
      },
      ...sinks,
    ]);
    const got = collect(1);
    helper.getNode('map').receive(onecMessage(world, byComment('обувь')) as any);
    const { ok, bad } = await got;
    assert.equal(bad.length, 0);
    assert.equal(ok[0]?.cz.type, 'LP_SHIP_GOODS');
  });

  it('a message without a 1C document goes to output 2, it does not crash', async () => {
    await helper.load(NODES, [TAB, mapper(), ...sinks]);
    const got = collect(1);
    helper.getNode('map').receive({ payload: 'hello' } as any);
    const { ok, bad } = await got;
    assert.equal(ok.length, 0);
    assert.equal(bad[0]?.errors?.[0]?.code, 'SOURCE_NOT_OBJECT');
  });

  it('preview endpoint maps a pasted example with the dialog settings', async () => {
    await helper.load(NODES, [TAB, mapper(), ...sinks]);
    const example = onecMessage(world, byComment('большая отгрузка: сотни кодов'));
    const res = await (helper as any)
      .request()
      .post('/znakflow/cz-map-document/preview')
      .send({
        config: { documentType: 'LK_RECEIPT', withdrawalReason: 'OWN_USE' },
        msg: JSON.stringify(example),
      })
      .expect(200);
    const d = res.body.documents[0];
    assert.equal(d.type, 'LK_RECEIPT');
    assert.equal(d.codes, 300);
    assert.equal(d.payload.action, 'OWN_USE');
    assert.equal(d.payload.products.length, 4, 'three products and a "… +297" marker');
    assert.equal(d.payload.products[3], '… +297');
    const bad = await (helper as any)
      .request()
      .post('/znakflow/cz-map-document/preview')
      .send({ config: { documentType: 'NOPE' }, msg: '{}' })
      .expect(400);
    assert.match(bad.body.message, /documentType/);
  });
});
