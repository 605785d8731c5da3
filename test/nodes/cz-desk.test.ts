/**
 * The desk a cz-connection owns (lib/cz/desk.ts), seen from the nodes: cz-send and cz-status
 * register with it and deregister on close, the connection's failure (bad settings, a refused
 * sign-in) shows on every node that uses it, a redeploy (modified nodes, full) keeps or replaces the
 * desk as the deploy says, and the send slots are the connection's `concurrency` (taken over from
 * an older flow's cz-send nodes by the migration).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openJournals } from '../../lib/journal/journal';
import type { CzConnectionNode } from '../../nodes/cz-connection/model';
import { startBed, type CzBed } from '../support/cz';
import { requireGost } from '../support/gost';
import { helper, packNodes } from '../support/helper';

const NODES = packNodes('cz-connection', 'cz-send', 'cz-status');

interface Status {
  fill?: string;
  shape?: string;
  text?: string;
}

function statuses(id: string): Status[] {
  // the helper's spy on status is shared by all nodes: keep the calls made on this one
  const spy = (
    helper.getNode(id) as unknown as { status: { args: Status[][]; thisValues: Array<{ id?: string }> } }
  ).status;
  return spy.args.filter((_a, i) => spy.thisValues[i]?.id === id).map((a) => a[0] ?? {});
}

function desk(id = 'conn'): CzConnectionNode['desk'] {
  return (helper.getNode(id) as unknown as CzConnectionNode).desk;
}

async function until(what: string, ok: () => boolean, ms = 15000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('cz-connection desk: register/deregister, status fan-out, redeploy, concurrency', function () {
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
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-desk-'));
    helper.settings({ userDir });
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({ userDir: undefined });
  });

  function conn(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      id: 'conn',
      type: 'cz-connection',
      environment: 'custom',
      url: bed.emu.url,
      participantInn: bed.world.organisation.inn,
      signer: 'openssl',
      certPath: bed.fx.org.certPath,
      keyPath: bed.fx.org.keyPath,
      rateLimit: 50,
      ...extra,
    };
  }

  function flow(connExtra: Record<string, unknown> = {}, sendExtra: Record<string, unknown> = {}) {
    return [
      { id: 'tab', type: 'tab' },
      conn(connExtra),
      {
        id: 'send',
        type: 'cz-send',
        z: 'tab',
        x: 100,
        y: 100,
        connection: 'conn',
        settleSeconds: 0,
        retryMinutes: 1,
        wires: [['sent'], ['dup']],
        ...sendExtra,
      },
      {
        id: 'status',
        type: 'cz-status',
        z: 'tab',
        x: 100,
        y: 200,
        connection: 'conn',
        mode: 'documents',
        pollSeconds: 1,
        followJournal: false,
        wires: [[], [], []],
      },
      {
        id: 'codes',
        type: 'cz-status',
        z: 'tab',
        x: 100,
        y: 300,
        connection: 'conn',
        mode: 'codes',
        wires: [[]],
      },
      { id: 'sent', type: 'helper', z: 'tab', x: 300, y: 100 },
      { id: 'dup', type: 'helper', z: 'tab', x: 300, y: 150 },
      {
        id: 'k1',
        type: 'catch',
        z: 'tab',
        x: 100,
        y: 400,
        scope: null,
        uncaught: false,
        wires: [['caught']],
      },
      { id: 'caught', type: 'helper', z: 'tab', x: 300, y: 400 },
    ];
  }

  function shipment(num: string): Record<string, unknown> {
    const codes = bed.codes({ pg: 'lp', status: 'INTRODUCED', free: true }).slice(0, 2);
    return {
      payload: {
        sender_inn: bed.world.organisation.inn,
        receiver_inn: bed.world.counterparties[0]?.inn ?? '',
        transfer_date: '2026-11-27',
        document_num: num,
        document_date: '2026-11-27',
        turnover_type: 'SELLING',
        products: codes.map((c) => ({ uit_code: c, product_cost: '99000', product_tax: '16500' })),
      },
      onec: { ref: `ref-${num}`, dataVersion: 'AAAAAAAAAAE=', number: num },
      cz: { type: 'LP_SHIP_GOODS', productGroup: 'lp' },
    };
  }

  it('a refused sign-in shows red on every node using the connection, not only on the one that sent', async () => {
    // a certificate Честный ЗНАК does not know: its sign-in is refused
    await helper.load(
      NODES,
      flow({ certPath: bed.fx.unregistered.certPath, keyPath: bed.fx.unregistered.keyPath }),
    );
    assert.deepEqual(desk().registered().sort(), ['codes', 'send', 'status']);
    const caught = new Promise<Record<string, any>>((r) => helper.getNode('caught').on('input', r));
    helper.getNode('send').receive(shipment('D-1'));
    const e = await caught;
    assert.equal(e['error'].code, 'AUTH_FAILED', e['error'].message);
    assert.equal(desk().state.kind, 'failed');
    for (const id of ['status', 'codes']) {
      const last = statuses(id).at(-1);
      assert.equal(last?.fill, 'red', `${id}: ${JSON.stringify(statuses(id))}`);
      assert.match(
        last?.text ?? '',
        /sign-in|AUTH_FAILED/,
        `${id} says why: ${JSON.stringify(statuses(id))}`,
      );
    }
  });

  it('bad settings show on every node at start, the code-check cz-status too', async () => {
    await helper.load(NODES, flow({ participantInn: '123' }));
    for (const id of ['send', 'status', 'codes']) {
      const s = statuses(id);
      assert.ok(
        s.some((x) => x.fill === 'red' && /invalid-config/.test(x.text ?? '')),
        `${id}: ${JSON.stringify(s)}`,
      );
    }
  });

  it('a redeploy of modified nodes keeps the desk for a changed cz-send and replaces it for a changed connection; the journal is released at the end', async () => {
    await helper.load(NODES, flow());
    const first = desk();
    const file = first.journal().journal.file;
    const sent = (): Promise<Record<string, any>> =>
      new Promise((r) => helper.getNode('sent').on('input', r));
    let got = sent();
    helper.getNode('send').receive(shipment('D-2'));
    assert.match((await got)['cz'].documentId, /^[0-9a-f-]{36}$/);

    // only cz-send changes: same connection, same desk, the new node registered, the old gone
    await helper.setFlows(flow({}, { retryMinutes: 2 }), 'nodes');
    assert.equal(desk(), first, 'the connection did not change: its desk stays');
    assert.deepEqual(first.registered().sort(), ['codes', 'send', 'status']);
    assert.equal(first.state.kind, 'ready');
    got = sent();
    helper.getNode('send').receive(shipment('D-3'));
    assert.match((await got)['cz'].documentId, /^[0-9a-f-]{36}$/, 'the journal stayed open under it');

    // the connection changes: its old desk is closed, a new one serves the restarted nodes
    await helper.setFlows(flow({ rateLimit: 40 }), 'nodes');
    const second = desk();
    assert.notEqual(second, first);
    assert.equal(first.state.kind, 'closed');
    assert.deepEqual(first.registered(), []);
    assert.deepEqual(second.registered().sort(), ['codes', 'send', 'status']);
    const dup = new Promise<Record<string, any>>((r) => helper.getNode('dup').on('input', r));
    helper.getNode('send').receive(shipment('D-2'));
    assert.equal((await dup)['cz'].duplicate, true, 'the new desk has the same journal: no second send');

    // full redeploy, then stop: nothing stays open
    await helper.setFlows(flow(), 'full');
    assert.equal(second.state.kind, 'closed');
    await helper.unload();
    await until('the journal to be released', () => !openJournals().some((j) => j.file === file));
  });

  it('concurrency belongs to the connection: an older flow takes it from its cz-send nodes; 1…16', async () => {
    const old = flow({ version: 3 }, { concurrency: 2 });
    old.push({
      id: 'send2',
      type: 'cz-send',
      z: 'tab',
      x: 100,
      y: 500,
      connection: 'conn',
      concurrency: 6,
      wires: [],
    });
    await helper.load(NODES, old);
    assert.equal(desk().concurrency, 6, 'the largest a cz-send of the connection asked for');
    await helper.unload();

    await helper.load(NODES, flow({ version: 4, concurrency: 3 }, { concurrency: 8 }));
    assert.equal(desk().concurrency, 3, 'a version-4 connection keeps its own setting');
    await helper.unload();

    await helper.load(NODES, flow({ version: 3 }, { concurrency: undefined }));
    assert.equal(desk().concurrency, 4, 'the default');
    await helper.unload();

    await helper.load(NODES, flow({ version: 4, concurrency: 17 }));
    assert.equal(desk().problem?.field, 'concurrency');
  });
});
