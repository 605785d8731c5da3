/**
 * cz-status in codes and balance mode when the operator names product groups the pack's list does
 * not know, or knows only since the 2026 catalogue (54 groups): shown as they are, never refused.
 * Against the True API emulator (real HTTP, real GOST signatures).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withCheckDigit } from '../../lib/codes';
import { startBed, type CzBed } from '../support/cz';
import { requireGost } from '../support/gost';
import { helper, packNodes } from '../support/helper';

const NODES = packNodes('cz-connection', 'cz-status');

describe('cz-status: product groups the catalogue does not know (codes and balance modes)', function () {
  this.timeout(60000);
  let bed: CzBed;
  let userDir: string;
  const GTIN = withCheckDigit('0463003407010');
  const HOMEWARE = `01${GTIN}21HOMEWARE00001`;
  const STRANGER = `01${GTIN}21STRANGER00001`;

  before(async function () {
    await requireGost(this);
    bed = await startBed({ processingDelayMs: 50 });
    const inn = bed.world.organisation.inn;
    bed.emu.registry.addCode({ cis: HOMEWARE, pg: 'homeware', ownerInn: inn });
    bed.emu.registry.addCode({ cis: STRANGER, pg: 'stranger', ownerInn: inn });
    const me = bed.emu.registry.participant(inn);
    me?.balances.set(54, 250000);
    me?.balances.set(777, 1000);
  });
  after(async () => {
    await bed?.close();
  });
  beforeEach(() => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-open-'));
    helper.settings({ userDir });
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({ userDir: undefined });
  });

  function flow(node: Record<string, unknown>): Array<Record<string, unknown>> {
    return [
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
      },
      {
        id: 'st',
        type: 'cz-status',
        z: 'tab',
        x: 100,
        y: 100,
        connection: 'conn',
        wires: [['out'], [], []],
        ...node,
      },
      { id: 'out', type: 'helper', z: 'tab', x: 300, y: 100 },
      { id: 'catch', type: 'catch', z: 'tab', x: 100, y: 200, scope: null, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab', x: 300, y: 200 },
    ];
  }

  function answer(msg: Record<string, unknown>): Promise<Record<string, any>> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no answer within 15 s')), 15000);
      helper.getNode('out').on('input', (m: Record<string, any>) => {
        clearTimeout(t);
        resolve(m);
      });
      helper.getNode('caught').on('input', (m: Record<string, any>) => {
        clearTimeout(t);
        reject(new Error(`caught: ${JSON.stringify(m['error'])}`));
      });
      helper.getNode('st').receive(msg);
    });
  }

  it('balance of every account: a 2026 group by its code, an unknown one by its id', async () => {
    await helper.load(NODES, flow({ mode: 'balance', productGroup: '', productGroupType: 'str' }));
    const m = await answer({ payload: '' });
    const byId = new Map((m.payload as Array<Record<string, any>>).map((e) => [e['productGroupId'], e]));
    assert.equal(byId.get(54)?.['productGroup'], 'homeware');
    assert.equal(byId.get(54)?.['balanceRoubles'], 2500);
    assert.equal(byId.get(777)?.['productGroup'], '777');
    assert.equal(byId.get(777)?.['balanceRoubles'], 10);
    assert.equal(byId.get(1)?.['productGroup'], 'lp');
  });

  it('balance of one group given by a 2026 code, or by a numeric id the list does not have', async () => {
    await helper.load(NODES, flow({ mode: 'balance', productGroup: 'payload', productGroupType: 'msg' }));
    const h = await answer({ payload: 'homeware' });
    assert.deepEqual(
      (h.payload as Array<Record<string, any>>).map((e) => [
        e['productGroupId'],
        e['productGroup'],
        e['balanceRoubles'],
      ]),
      [[54, 'homeware', 2500]],
    );
    const u = await answer({ payload: '777' });
    assert.deepEqual(
      (u.payload as Array<Record<string, any>>).map((e) => [
        e['productGroupId'],
        e['productGroup'],
        e['balanceRoubles'],
      ]),
      [[777, '777', 10]],
    );
  });

  it('codes of a 2026 group and of a group unknown to the pack are shown with their groups', async () => {
    await helper.load(NODES, flow({ mode: 'codes', codes: 'payload', codesType: 'msg' }));
    const m = await answer({ payload: [HOMEWARE, STRANGER] });
    assert.deepEqual(m.cz.codes, { total: 2, found: 2, notFound: 0 });
    assert.deepEqual(
      (m.payload as Array<Record<string, any>>).map((i) => [
        i['cisInfo']?.productGroup,
        i['cisInfo']?.productGroupId,
      ]),
      [
        ['homeware', 54],
        ['stranger', null],
      ],
    );
  });
});
