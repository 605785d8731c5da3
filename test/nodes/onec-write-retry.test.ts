/**
 * onec-write while 1C is unreachable: the outcome waits and is written once 1C is back (writes are
 * idempotent), the status says why and when; errors that will not pass go to Catch at once; a
 * redeploy ends the wait without leaving a timer or writing later.
 */
import assert from 'node:assert/strict';
import { DEMO_STATUS_PROPERTY, startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { helper, nextInput, packNodes } from '../support/helper';

const NODES = packNodes('onec-connection', 'onec-write');
const SALES = 'Document_РеализацияТоваровУслуг';
const REG = 'InformationRegister_ДополнительныеСведения';
type Msg = Record<string, any>;

const next = (id: string, ms = 15000): Promise<Msg> => nextInput(id, ms);

describe('onec-write node: 1C unreachable', function () {
  this.timeout(30000);
  let emu: OnecEmulator;
  let statuses: Array<{ fill?: string; text?: string }>;
  beforeEach(async () => {
    emu = await startOnecEmulator();
    statuses = [];
  });
  afterEach(async () => {
    await helper.unload();
    await emu.stop();
  });

  const load = async (extra: Record<string, unknown> = {}): Promise<void> => {
    await helper.load(
      NODES,
      [
        { id: 'tab', type: 'tab' },
        { id: 'c1', type: 'onec-connection', url: emu.url, version: 1 },
        {
          id: 'w1',
          type: 'onec-write',
          z: 'tab',
          connection: 'c1',
          mode: 'register',
          property: DEMO_STATUS_PROPERTY,
          version: 1,
          wires: [['out']],
          ...extra,
        },
        { id: 'out', type: 'helper', z: 'tab' },
        { id: 'k1', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['err']] },
        { id: 'err', type: 'helper', z: 'tab' },
      ],
      { c1: { username: 'odata', password: 'odata' } },
    );
    helper.getNode('w1').on('call:status', (call: { args: Array<{ fill?: string; text?: string }> }) => {
      statuses.push(call.args[0] ?? {});
    });
  };
  const input = (ref: string): Msg => ({
    onec: { entity: SALES, ref, number: 'X' },
    cz: { status: 'CHECKED_OK', documentId: 'b4f1c2d3-5e6f-4a7b-8c9d-0e1f2a3b4c5d', errors: [] },
  });
  const records = (ref: string): number => emu.store.list(REG).filter((r) => r['Объект'] === ref).length;

  it('keeps the outcome while 1C answers 503, says so in the status, and writes it once 1C is back', async () => {
    await load();
    const ref = emu.store.world.documents[0]!.ref;
    emu.faults.add({ kind: 'server503', times: 1000 });
    const errors: Msg[] = [];
    helper.getNode('err').on('input', (m: Msg) => errors.push(m));
    const out = next('out');
    helper.getNode('w1').receive(input(ref));
    await new Promise((r) => setTimeout(r, 3500));
    assert.equal(records(ref), 0);
    const retrying = statuses.filter((s) => s.fill === 'yellow');
    assert.ok(retrying.length >= 2, `retrying statuses: ${JSON.stringify(statuses)}`);
    // (the text is translated by the runtime: the e2e outage test reads it in a real Node-RED)
    assert.match(String(retrying[0]?.text), /retrying|HTTP 503/);
    emu.faults.clear();
    const m = await out;
    assert.equal(m['onec'].write.action, 'created');
    assert.equal(records(ref), 1);
    assert.deepEqual(errors, [], 'nothing went to Catch');
    assert.equal(statuses[statuses.length - 1]?.fill, 'green');
  });

  it('an error that will not pass (1C refuses the write) goes to Catch at once', async () => {
    await load();
    emu.faults.add({ kind: 'business', times: 1, method: 'POST' });
    const err = next('err', 5000);
    const t0 = Date.now();
    helper.getNode('w1').receive(input(emu.store.world.documents[1]!.ref));
    const e = await err;
    assert.ok(Date.now() - t0 < 3000);
    assert.equal(e['error'].source.id, 'w1');
    assert.match(String(e['error'].message), /ONEC_BUSINESS|1С отказала/);
    assert.ok(!statuses.some((s) => s.fill === 'yellow'), 'no retry');
  });

  it('retryMinutes 0: an unreachable 1C goes to Catch at once', async () => {
    await load({ retryMinutes: 0 });
    emu.faults.add({ kind: 'server503', times: 1000 });
    const err = next('err', 8000);
    helper.getNode('w1').receive(input(emu.store.world.documents[1]!.ref));
    const e = await err;
    assert.match(String(e['error'].message), /503/);
    assert.ok(!statuses.some((s) => s.fill === 'yellow'));
  });

  it('a redeploy ends the wait at once; nothing is written afterwards', async () => {
    await load();
    const ref = emu.store.world.documents[2]!.ref;
    emu.faults.add({ kind: 'server503', times: 1000 });
    helper.getNode('w1').receive(input(ref));
    await new Promise((r) => setTimeout(r, 1800));
    assert.ok(statuses.some((s) => s.fill === 'yellow'));
    const t0 = Date.now();
    await helper.unload();
    assert.ok(Date.now() - t0 < 1500, `closed in ${Date.now() - t0} ms`);
    emu.faults.clear();
    await new Promise((r) => setTimeout(r, 4000));
    assert.equal(records(ref), 0);
  });
});
