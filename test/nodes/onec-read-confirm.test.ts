/**
 * Delivery until confirmed: onec-read in watch mode emits again what no node down the flow confirmed,
 * after a redeploy; what onec-write (or cz-send) confirmed is never emitted again.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { demoWorld } from '../../lib/emulators/demo-data';
import { DEMO_STATUS_PROPERTY, startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import type { Confirmations } from '../../lib/journal/ack';
import { helper, packNodes } from '../support/helper';

const NODES = packNodes('onec-connection', 'onec-read', 'onec-write');
type Msg = Record<string, any>;

function collector(id: string): { msgs: Msg[] } {
  const msgs: Msg[] = [];
  helper.getNode(id).on('input', (m: Msg) => msgs.push(m));
  return { msgs };
}

async function until(cond: () => boolean, ms = 10000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('onec-read: delivery until confirmed', function () {
  this.timeout(40000);
  let emu: OnecEmulator;
  let userDir: string;
  const posted = (): number =>
    emu.store.world.documents.filter((d) => d.kind === 'sale' && d.posted && !d.deletionMark).length;

  beforeEach(async () => {
    emu = await startOnecEmulator({ world: demoWorld({ baseDate: '2026-11-20T09:00:00' }) });
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-confirm-'));
    helper.settings({ userDir });
  });
  afterEach(async () => {
    await helper.unload();
    await emu.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  const creds = { c1: { username: 'odata', password: 'odata' } };
  function flow(confirm: string, withWrite: boolean): Array<Record<string, unknown>> {
    return [
      { id: 'tab', type: 'tab' },
      { id: 'c1', type: 'onec-connection', url: emu.url, version: 1 },
      {
        id: 'r1',
        type: 'onec-read',
        z: 'tab',
        x: 100,
        y: 100,
        connection: 'c1',
        mode: 'watch',
        preset: 'ut11',
        kind: 'sales',
        interval: 0,
        lookbackHours: 24 * 30,
        since: '2026-11-01',
        confirm,
        wires: [withWrite ? ['w1', 'out'] : ['out']],
        version: 1,
      },
      { id: 'out', type: 'helper', z: 'tab', x: 300, y: 100 },
      {
        id: 'w1',
        type: 'onec-write',
        z: 'tab',
        x: 300,
        y: 200,
        connection: 'c1',
        property: DEMO_STATUS_PROPERTY,
        wires: [['written']],
      },
      { id: 'written', type: 'helper', z: 'tab', x: 500, y: 200 },
    ];
  }

  it('watch with an interval: the first poll starts as soon as the flows have started, not a second later', async () => {
    const f = flow('auto', true).map((n) => (n['id'] === 'r1' ? { ...n, interval: 30 } : n));
    emu.requests.reset();
    const t0 = Date.now();
    await helper.load(NODES, f, creds);
    // listening before the first poll can answer: its messages must not pass before the test looks
    const out = collector('out');
    await until(() => emu.requests.log.length > 0, 5000);
    const waited = Date.now() - t0;
    // the listing of the watch (the connection itself asks nothing of 1C before it)
    assert.match(
      emu.requests.log[0]?.resource ?? '',
      /Document_РеализацияТоваровУслуг\?.*\$select=Ref_Key,DataVersion/,
    );
    assert.ok(waited < 800, `first request ${waited} ms after the load`);
    await until(() => out.msgs.length === posted());
  });

  it('auto: with onec-write down the flow, what it wrote is confirmed and not emitted again after a redeploy', async () => {
    await helper.load(NODES, flow('auto', true), creds);
    let out = collector('out');
    let written = collector('written');
    helper.getNode('r1').receive({ payload: 'poll' });
    await until(() => written.msgs.length === posted());
    assert.equal(out.msgs.length, posted());
    assert.equal(out.msgs[0]?.onec.watch.node, 'r1');
    await helper.setFlows(flow('auto', true), 'full', creds);
    out = collector('out');
    written = collector('written');
    helper.getNode('r1').receive({ payload: 'poll' });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(out.msgs.length, 0, 'nothing is emitted again');
  });

  it('on, with nothing that confirms: a redeploy emits every version again (at least once); off: never', async () => {
    await helper.load(NODES, flow('on', false), creds);
    let out = collector('out');
    helper.getNode('r1').receive({ payload: 'poll' });
    await until(() => out.msgs.length === posted());
    await helper.setFlows(flow('on', false), 'full', creds);
    out = collector('out');
    helper.getNode('r1').receive({ payload: 'poll' });
    await until(() => out.msgs.length === posted());

    await helper.setFlows(flow('off', false), 'full', creds);
    out = collector('out');
    helper.getNode('r1').receive({ payload: 'poll' });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(out.msgs.length, 0);
  });

  it('a watch is confirmed through the onec-connection its messages name, not through another one', async () => {
    const c2 = { id: 'c2', type: 'onec-connection', url: emu.url, version: 1 };
    const both = { ...creds, c2: { username: 'odata', password: 'odata' } };
    await helper.load(NODES, [...flow('on', false), c2], both);
    type Registry = { confirmations: Confirmations };
    const registry = (id: string): Confirmations => (helper.getNode(id) as unknown as Registry).confirmations;
    assert.deepEqual(registry('c1').registered(), ['r1'], 'onec-read registered with its own connection');
    assert.deepEqual(registry('c2').registered(), []);
    let out = collector('out');
    helper.getNode('r1').receive({ payload: 'poll' });
    await until(() => out.msgs.length === posted());
    const [first, second] = out.msgs as [Msg, Msg];
    assert.deepEqual(first.onec.watch, { connection: 'c1', node: 'r1' });
    const ack = (m: Msg) => ({
      node: 'r1',
      ref: m.onec.ref,
      dataVersion: m.onec.dataVersion,
      key: '*',
      total: 1,
    });
    assert.equal(registry('c2').confirm(ack(second)), false, 'nobody listens on the other connection');
    assert.equal(registry('c1').confirm(ack(first)), true);
    await helper.setFlows([...flow('on', false), c2], 'full', both);
    out = collector('out');
    helper.getNode('r1').receive({ payload: 'poll' });
    await until(() => out.msgs.length === posted() - 1);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(out.msgs.length, posted() - 1, 'only the version confirmed through c1 is not emitted again');
    assert.ok(!out.msgs.some((m) => m.onec.ref === first.onec.ref));
    assert.ok(out.msgs.some((m) => m.onec.ref === second.onec.ref));
  });
});
