/**
 * cz-status → onec-write: an outcome counts as reported only once onec-write confirms it is in 1C.
 * When 1C is away (or Node-RED dies between the two nodes), the outcome goes out again after the
 * restart — and a 1C document that became several ЧЗ documents keeps one line per document in 1C.
 * Both emulators over HTTP, real GOST signatures.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { startBed, type CzBed } from '../support/cz';
import { requireGost } from '../support/gost';
import { collect, helper, packNodes } from '../support/helper';

const NODES = packNodes('cz-connection', 'cz-send', 'cz-status', 'onec-connection', 'onec-write');
const SALES = 'Document_РеализацияТоваровУслуг';
const REG = 'InformationRegister_ДополнительныеСведения';
type Msg = Record<string, any>;

describe('cz-status → onec-write: outcomes written into 1C survive 1C outages and restarts', function () {
  this.timeout(60000);
  let bed: CzBed;
  let onec: OnecEmulator;

  before(async function () {
    await requireGost(this);
    bed = await startBed({ processingDelayMs: 100 });
    onec = await startOnecEmulator({ world: bed.world });
    helper.settings({ userDir: fs.mkdtempSync(path.join(os.tmpdir(), 'zf-writeback-')) });
  });
  after(async () => {
    await helper.unload();
    helper.settings({ userDir: undefined });
    await onec?.stop();
    await bed?.close();
  });

  function flow(onecUrl: string, retryMinutes = 10): Array<Record<string, unknown>> {
    const at = { x: 100, y: 100 };
    return [
      { id: 'tab', type: 'tab' },
      {
        id: 'cz',
        type: 'cz-connection',
        environment: 'custom',
        url: bed.emu.url,
        participantInn: bed.world.organisation.inn,
        signer: 'openssl',
        certPath: bed.fx.org.certPath,
        keyPath: bed.fx.org.keyPath,
      },
      { id: '1c', type: 'onec-connection', url: onecUrl, timeout: 2000 },
      {
        id: 'send',
        type: 'cz-send',
        z: 'tab',
        ...at,
        connection: 'cz',
        settleSeconds: 0,
        wires: [['status'], ['status']],
      },
      {
        id: 'status',
        type: 'cz-status',
        z: 'tab',
        ...at,
        connection: 'cz',
        mode: 'documents',
        pollSeconds: 1,
        followJournal: true,
        wires: [['write'], ['write'], []],
      },
      {
        id: 'write',
        type: 'onec-write',
        z: 'tab',
        ...at,
        connection: '1c',
        mode: 'register',
        property: 'СтатусЧестныйЗнак',
        retryMinutes,
        wires: [['written']],
      },
      { id: 'written', type: 'helper', z: 'tab', ...at },
      { id: 'k1', type: 'catch', z: 'tab', ...at, scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab', ...at },
    ];
  }
  const creds = { '1c': { username: 'odata', password: 'odata' } };

  it('writes both documents of a mixed sale into 1C after 1C comes back and Node-RED restarts', async () => {
    const sale = bed.world.documents.find((d) => d.comment === 'смешанная: одежда и обувь')!;
    const shipment = (pg: string): Record<string, unknown> => ({
      sender_inn: bed.world.organisation.inn,
      receiver_inn: bed.world.counterparties[2]!.inn,
      transfer_date: '2026-11-27',
      document_num: sale.number,
      document_date: '2026-11-27',
      turnover_type: 'SELLING',
      products: bed
        .codes({ pg, status: 'INTRODUCED', free: true })
        .slice(0, 1)
        .map((c) => ({ uit_code: c, product_cost: '99000', product_tax: '16500' })),
    });
    const msg = (pg: string): Msg => ({
      payload: shipment(pg),
      onec: {
        entity: SALES,
        ref: sale.ref,
        dataVersion: 'AAAAAAAAAAE=',
        number: sale.number,
        date: sale.date,
      },
      cz: { type: 'LP_SHIP_GOODS', productGroup: pg, documentFormat: 'MANUAL', part: 1, parts: 1, total: 2 },
    });
    // 1C is away: the outcomes reach onec-write, which cannot write them (and, with no retry
    // window here, gives up at once: the restart below is what must bring them back).
    await helper.load(NODES, flow('http://127.0.0.1:9/demo', 0), creds);
    const caught = collect('caught');
    helper.getNode('send').receive(msg('lp'));
    helper.getNode('send').receive(msg('shoes'));
    await caught.wait(2);
    assert.ok(
      caught.msgs.every((m) => m.error.source.type === 'onec-write'),
      JSON.stringify(caught.msgs[0]?.error),
    );
    const ids = bed.emu
      .documents()
      .filter((d) => d.type === 'LP_SHIP_GOODS')
      .map((d) => d.number);
    assert.equal(ids.length, 2);
    await helper.unload();

    // 1C is back and Node-RED starts again (same user directory): the outcomes go out again.
    await helper.load(NODES, flow(onec.url), creds);
    const written = collect('written');
    const caught2 = collect('caught');
    await written.wait(2).catch((e: Error) => {
      throw new Error(`${e.message}; caught: ${JSON.stringify(caught2.msgs.map((m) => m.error))}`);
    });
    const rec = onec.store.list(REG).find((r) => r['Объект'] === sale.ref);
    const value = String(rec?.['Значение'] ?? '');
    for (const id of ids) assert.ok(value.includes(id), `${id} in «${value}»`);
    assert.match(value, /^\[lp\] .*\n\[shoes\] /);
    assert.equal(
      bed.emu.documents().filter((d) => d.type === 'LP_SHIP_GOODS').length,
      2,
      'nothing sent again',
    );

    // Confirmed: a further restart hands nothing out again.
    await helper.unload();
    await helper.load(NODES, flow(onec.url), creds);
    const again = collect('written');
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(again.msgs.length, 0);
  });
});
