import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Ack, Confirmations } from '../../lib/journal/ack';
import { Journal, journalFile } from '../../lib/journal/journal';
import { stateDir } from '../../lib/store/atomic';
import { startBed, type CzBed } from '../support/cz';
import { requireGost } from '../support/gost';
import { helper, packNodes } from '../support/helper';

const NODES = packNodes('cz-connection', 'cz-send', 'cz-status');

function shipment(bed: CzBed, codes: string[], num: string): Record<string, unknown> {
  const buyer = bed.world.counterparties[0]?.inn ?? '';
  return {
    sender_inn: bed.world.organisation.inn,
    receiver_inn: buyer,
    transfer_date: '2026-11-27',
    document_num: num,
    document_date: '2026-11-27',
    turnover_type: 'SELLING',
    products: codes.map((c) => ({ uit_code: c, product_cost: '99000', product_tax: '16500' })),
  };
}

function message(body: unknown, ref: string, dataVersion = 'AAAAAAAAAAE='): Record<string, unknown> {
  return {
    payload: body,
    onec: {
      entity: 'Document_РеализацияТоваровУслуг',
      ref,
      dataVersion,
      number: `N-${ref}`,
      date: '2026-11-27T10:00:00',
    },
    cz: { type: 'LP_SHIP_GOODS', productGroup: 'lp', documentFormat: 'MANUAL' },
  };
}

interface Captured {
  msgs: Array<Record<string, any>>;
  next(): Promise<Record<string, any>>;
}

function capture(id: string): Captured {
  const msgs: Array<Record<string, any>> = [];
  const waiters: Array<(m: Record<string, any>) => void> = [];
  helper.getNode(id).on('input', (m: Record<string, any>) => {
    const w = waiters.shift();
    if (w) w(m);
    else msgs.push(m);
  });
  return {
    msgs,
    next: () =>
      new Promise((resolve, reject) => {
        const m = msgs.shift();
        if (m) return resolve(m);
        const t = setTimeout(() => reject(new Error(`no message on ${id} within 15 s`)), 15000);
        waiters.push((x) => {
          clearTimeout(t);
          resolve(x);
        });
      }),
  };
}

describe('cz-send and cz-status (against the True API emulator, real GOST signatures)', function () {
  this.timeout(60000);
  let bed: CzBed;
  let userDir: string;

  before(async function () {
    await requireGost(this);
    bed = await startBed({ processingDelayMs: 100 });
  });
  after(async () => {
    await bed?.close();
  });
  beforeEach(() => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-send-'));
    helper.settings({ userDir });
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({ userDir: undefined });
  });

  /** Nodes on a tab need a position, or the runtime takes them for config nodes. */
  function placed(nodes: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
    return nodes.map((n) => (n['z'] && n['x'] === undefined ? { x: 100, y: 100, ...n } : n));
  }

  function flow(extra: Record<string, unknown> = {}): Array<Record<string, unknown>> {
    return placed([
      { id: 'tab', type: 'tab' },
      {
        id: 'conn',
        type: 'cz-connection',
        environment: 'custom',
        url: bed.emu.url,
        participantInn: bed.world.organisation.inn,
        signer: 'openssl',
        certPath: bed.fx.org.certPath,
        keyPath: bed.fx.org.keyPath,
        rateLimit: 50,
      },
      {
        id: 'send',
        type: 'cz-send',
        z: 'tab',
        connection: 'conn',
        settleSeconds: 0,
        retryMinutes: 1,
        wires: [['sent', 'status'], ['dup']],
        ...extra,
      },
      {
        id: 'status',
        type: 'cz-status',
        z: 'tab',
        connection: 'conn',
        mode: 'documents',
        pollSeconds: 1,
        giveUpMinutes: 5,
        followJournal: false,
        wires: [['ok'], ['bad'], ['late']],
      },
      { id: 'sent', type: 'helper', z: 'tab' },
      { id: 'dup', type: 'helper', z: 'tab' },
      { id: 'ok', type: 'helper', z: 'tab' },
      { id: 'bad', type: 'helper', z: 'tab' },
      { id: 'late', type: 'helper', z: 'tab' },
      { id: 'k1', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab' },
    ]);
  }

  it('sends a document once, answers a repeat from the journal, and follows it to ACCEPTED-side statuses', async () => {
    await helper.load(NODES, flow());
    const sent = capture('sent');
    const dup = capture('dup');
    const ok = capture('ok');
    const codes = bed.codes({ pg: 'lp', status: 'INTRODUCED', free: true }).slice(0, 3);
    const before = bed.emu.documents().length;
    helper.getNode('send').receive(message(shipment(bed, codes, 'S-1'), 'ref-once'));
    const m1 = await sent.next();
    assert.match(m1.cz.documentId, /^[0-9a-f-]{36}$/);
    assert.equal(m1.cz.duplicate, false);
    assert.ok(Date.parse(m1.cz.sentAt));
    const outcome = await ok.next();
    assert.equal(outcome.cz.documentId, m1.cz.documentId);
    assert.ok(['WAIT_ACCEPTANCE', 'CHECKED_OK', 'ACCEPTED'].includes(outcome.cz.status), outcome.cz.status);

    helper.getNode('send').receive(message(shipment(bed, codes, 'S-1'), 'ref-once'));
    const m2 = await dup.next();
    assert.equal(m2.cz.duplicate, true);
    assert.equal(m2.cz.documentId, m1.cz.documentId);
    assert.equal(bed.emu.documents().length, before + 1, 'Честный ЗНАК received exactly one document');
    const doc = bed.emu.document(m1.cz.documentId);
    assert.equal(doc?.type, 'LP_SHIP_GOODS');
  });

  it('a message without msg.cz.type is sent as the node`s documentType (the property of model, dialog and runtime)', async () => {
    await helper.load(NODES, flow({ documentType: 'LP_SHIP_GOODS', documentTypeType: 'str' }));
    const sent = capture('sent');
    const codes = bed.codes({ pg: 'lp', status: 'INTRODUCED', free: true }).slice(8, 9);
    const msg = message(shipment(bed, codes, 'S-DT'), 'ref-doctype');
    msg['cz'] = { productGroup: 'lp' };
    helper.getNode('send').receive(msg);
    const m = await sent.next();
    assert.equal(m.cz.type, 'LP_SHIP_GOODS');
    assert.equal(m.cz.key, 'ref-doctype:AAAAAAAAAAE=:LP_SHIP_GOODS:lp:1');
    assert.equal(
      bed.emu.document(m.cz.documentId)?.type,
      'LP_SHIP_GOODS',
      'Честный ЗНАК received it as such',
    );
  });

  it('routes a document Честный ЗНАК rejects to output 2 with the operator errors', async () => {
    await helper.load(NODES, flow());
    const bad = capture('bad');
    // codes that exist but belong to nobody we own: APPLIED codes cannot be shipped
    const applied = bed.codes({ status: 'APPLIED' }).slice(0, 1);
    helper.getNode('send').receive(message(shipment(bed, applied, 'S-2'), 'ref-rejected'));
    const m = await bad.next();
    assert.equal(m.cz.status, 'CHECKED_NOT_OK');
    assert.ok(Array.isArray(m.cz.errors) && m.cz.errors.length > 0);
    assert.match(m.cz.errors[0], /^\d+: /);
  });

  it('without a journal key ends in Catch with a bilingual message; a business error too, and is not retried', async () => {
    await helper.load(NODES, flow());
    const caught = capture('caught');
    helper.getNode('send').receive({ payload: { a: 1 }, cz: { type: 'LP_SHIP_GOODS', productGroup: 'lp' } });
    const e1 = await caught.next();
    assert.match(e1.error.message, /msg\.cz\.key.*exactly once/);
    assert.match(e1.error.message, /ровно один раз/);

    const creates = bed.emu.counters['lk/documents/create'] ?? 0;
    const msg = message({ not: 'a shipment' }, 'ref-bad-type');
    (msg['cz'] as Record<string, unknown>)['type'] = 'NO_SUCH_TYPE';
    helper.getNode('send').receive(msg);
    const e2 = await caught.next();
    assert.match(e2.error.message, /HTTP 4\d\d/);
    assert.equal(
      (bed.emu.counters['lk/documents/create'] ?? 0) - creates,
      1,
      'a business error is not retried',
    );
  });

  it('acknowledges a refused document to onec-read, never a refused sign-in (the version comes again)', async () => {
    const acks: Ack[] = [];
    // the watch that emitted the version registers with its onec-connection's confirmations
    const onec = { id: 'onec', type: 'onec-connection', url: 'http://127.0.0.1:9/odata/standard.odata' };
    const listen = (): (() => void) =>
      (helper.getNode('onec') as unknown as { confirmations: Confirmations }).confirmations.register(
        'watch-1',
        (a) => acks.push(a),
      );
    let off = (): void => undefined;
    try {
      // A certificate Честный ЗНАК does not accept: the sign-in is refused, the document never left.
      const nodes = flow().map((n) =>
        n['id'] === 'conn'
          ? { ...n, certPath: bed.fx.unregistered.certPath, keyPath: bed.fx.unregistered.keyPath }
          : n,
      );
      await helper.load([...NODES, ...packNodes('onec-connection')], [...nodes, onec]);
      off = listen();
      const caught = capture('caught');
      const msg = message({ a: 1 }, 'ref-auth');
      (msg['onec'] as Record<string, unknown>)['watch'] = { connection: 'onec', node: 'watch-1' };
      helper.getNode('send').receive(msg);
      const e = await caught.next();
      assert.equal(e.error.code, 'AUTH_FAILED', e.error.message);
      assert.match(e.error.message, /Авторизация невозможна/);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(acks.length, 0, 'not acknowledged: the document is delivered again later');
      await helper.unload();
      // Refused by Честный ЗНАК itself (a business error): that is the document's outcome.
      await helper.load([...NODES, ...packNodes('onec-connection')], [...flow(), onec]);
      off = listen();
      const caught2 = capture('caught');
      const bad = message({ not: 'a shipment' }, 'ref-refused');
      (bad['cz'] as Record<string, unknown>)['type'] = 'NO_SUCH_TYPE';
      (bad['onec'] as Record<string, unknown>)['watch'] = { connection: 'onec', node: 'watch-1' };
      helper.getNode('send').receive(bad);
      await caught2.next();
      assert.equal(acks.length, 1);
      assert.equal(acks[0]?.ref, 'ref-refused');
    } finally {
      off();
    }
  });

  it('adopts a document whose send answer was lost instead of sending it twice', async () => {
    await helper.load(NODES, flow());
    const sent = capture('sent');
    const dup = capture('dup');
    const caught = capture('caught');
    const codes = bed.codes({ pg: 'lp', status: 'INTRODUCED', free: true }).slice(3, 5);
    const faults = bed.emu.options.faults;
    const saved = { ...faults };
    faults.afterProcessing = 1;
    faults.random = () => 0;
    bed.emu.injectFault('5xx', 1, 'lk/documents/create');
    const before = bed.emu.documents().length;
    try {
      helper.getNode('send').receive(message(shipment(bed, codes, 'S-3'), 'ref-lost'));
      // the node retries by itself: it looks the document up and adopts it
      const m = await Promise.race([
        dup.next(),
        sent.next(),
        caught.next().then((e) => Promise.reject(new Error(e.error.message))),
      ]);
      assert.equal(m.cz.adopted, true, JSON.stringify(m.cz));
      assert.equal(bed.emu.documents().length, before + 1, 'received once, never twice');
      assert.equal(m.cz.documentId, bed.emu.documents().at(-1)?.number);
    } finally {
      Object.assign(faults, saved);
      delete faults.random;
    }
  });

  it('keeps the journal across a redeploy and a reopen: the same version is never sent again', async () => {
    await helper.load(NODES, flow());
    const sent = capture('sent');
    const codes = bed.codes({ pg: 'lp', status: 'INTRODUCED', free: true }).slice(5, 6);
    helper.getNode('send').receive(message(shipment(bed, codes, 'S-4'), 'ref-redeploy'));
    const first = await sent.next();
    await helper.setFlows(flow({ name: 'renamed' }), 'full');
    const dup = capture('dup');
    helper.getNode('send').receive(message(shipment(bed, codes, 'S-4'), 'ref-redeploy'));
    const again = await dup.next();
    assert.equal(again.cz.documentId, first.cz.documentId);
    const file = journalFile(stateDir(userDir), bed.emu.url, bed.world.organisation.inn);
    assert.ok(fs.existsSync(file));
    await helper.unload();
    const j = Journal.open(file);
    assert.equal(j.byDocumentId(first.cz.documentId)?.source.number, 'N-ref-redeploy');
    j.release();
  });

  it('reports outcomes from the journal after a restart (follow journal), rebuilding msg.onec', async () => {
    const f = flow();
    await helper.load(NODES, f);
    const sent = capture('sent');
    const codes = bed.codes({ pg: 'lp', status: 'INTRODUCED', free: true }).slice(6, 7);
    // no cz-status wired: the outcome is not reported before the "restart"
    const send = f.find((n) => n['id'] === 'send') as Record<string, unknown>;
    send['wires'] = [['sent'], ['dup']];
    await helper.setFlows(f, 'full');
    const sent2 = capture('sent');
    helper.getNode('send').receive(message(shipment(bed, codes, 'S-5'), 'ref-follow'));
    const m = await sent2.next();
    void sent;
    await bed.emu.settle();
    const st = f.find((n) => n['id'] === 'status') as Record<string, unknown>;
    st['followJournal'] = true;
    await helper.setFlows(f, 'full');
    const ok = capture('ok');
    let out = await ok.next();
    while (out.cz.documentId !== m.cz.documentId) out = await ok.next();
    assert.equal(out.onec.ref, 'ref-follow');
    assert.equal(out.onec.number, 'N-ref-follow');
    assert.ok(out.cz.status);
  });

  it('reports an outcome even when another connection of the same participant polled it first (one journal)', async () => {
    const f = flow();
    const conn = f.find((n) => n['id'] === 'conn') as Record<string, unknown>;
    f.push(
      { ...conn, id: 'conn2' },
      {
        id: 'status2',
        type: 'cz-status',
        z: 'tab',
        x: 100,
        y: 100,
        connection: 'conn2',
        mode: 'documents',
        pollSeconds: 1,
        giveUpMinutes: 5,
        followJournal: false,
        wires: [[], [], []],
      },
    );
    await helper.load(NODES, placed(f));
    const ok = capture('ok');
    const sent = capture('sent');
    const codes = bed.codes({ pg: 'lp', status: 'INTRODUCED', free: true }).slice(7, 8);
    helper.getNode('send').receive(message(shipment(bed, codes, 'S-6'), 'ref-two-connections'));
    const m = await sent.next();
    const out = await ok.next();
    assert.equal(out.cz.documentId, m.cz.documentId);
  });

  it('codes mode answers cises/info; balance mode answers in roubles', async () => {
    const f = flow();
    f.push(
      {
        id: 'codesNode',
        type: 'cz-status',
        z: 'tab',
        connection: 'conn',
        mode: 'codes',
        codes: 'payload',
        codesType: 'msg',
        wires: [['codesOut'], [], []],
      },
      { id: 'codesOut', type: 'helper', z: 'tab' },
      {
        id: 'balNode',
        type: 'cz-status',
        z: 'tab',
        connection: 'conn',
        mode: 'balance',
        productGroup: '',
        productGroupType: 'str',
        wires: [['balOut'], [], []],
      },
      { id: 'balOut', type: 'helper', z: 'tab' },
    );
    await helper.load(NODES, placed(f));
    const codesOut = capture('codesOut');
    const balOut = capture('balOut');
    const known = bed.codes({ pg: 'shoes' }).slice(0, 2);
    helper.getNode('codesNode').receive({ payload: `${known.join('\n')}\n0104600000000000215UNKNOWN00000` });
    const c = await codesOut.next();
    assert.equal(c.payload.length, 3);
    assert.deepEqual(c.cz.codes, { total: 3, found: 2, notFound: 1 });
    assert.equal(c.payload[0].cisInfo.status, 'INTRODUCED');
    helper.getNode('balNode').receive({ payload: '' });
    const b = await balOut.next();
    assert.ok(Array.isArray(b.payload) && b.payload.length > 0);
    assert.equal(typeof b.cz.balance.roubles, 'number');
  });
});
