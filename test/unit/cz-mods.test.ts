/**
 * Business places (МОД) in the True API emulator and the client: `GET mods/list` (query params,
 * paging, shape), the LK_RECEIPT check of the place («Описание True API» v553 §LK_RECEIPT: a given
 * place must be a unique registered МОД, else the document is processed with an error; «Planned
 * True API changes» v552.0: required for lp RETAIL), and `CzClient.modsList` paging through it.
 */
import assert from 'node:assert/strict';
import type { CzClient } from '../../lib/cz/client';
import { makeCode, prng } from '../../lib/emulators/demo-data';
import type { EmulatorDocument } from '../../lib/emulators/cz';
import { OpensslSigner } from '../../lib/signing/openssl';
import { startBed, type CzBed } from '../support/cz';

const V3 = '/api/v3/true-api';
const today = (): string => new Date().toISOString().slice(0, 10);

/** A token of the demo organisation, signed in by hand (the client keeps its own to itself). */
async function rawToken(bed: CzBed): Promise<string> {
  const key = (await (await fetch(`${bed.emu.url}${V3}/auth/key`)).json()) as { uuid: string; data: string };
  const signer = new OpensslSigner({ certPath: bed.fx.org.certPath, keyPath: bed.fx.org.keyPath });
  const data = await signer.sign(Buffer.from(key.data), 'attached');
  const r = await fetch(`${bed.emu.url}${V3}/auth/simpleSignIn`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ uuid: key.uuid, data, unitedToken: true }),
  });
  const j = (await r.json()) as { token?: string; uuidToken?: string };
  return (j.uuidToken ?? j.token) as string;
}

describe('business places (МОД): True API emulator and client', function () {
  this.timeout(90000);
  let bed: CzBed;
  let org: CzClient;
  const rand = prng(5150);

  before(async () => {
    bed = await startBed();
    org = bed.client();
  });
  after(async () => {
    await bed?.close();
  });

  async function send(type: string, pg: string, body: unknown): Promise<EmulatorDocument> {
    const id = await org.createDocument({ type, productGroup: pg, body: body as object });
    await bed.emu.settle();
    const d = bed.emu.document(id);
    assert.ok(d);
    return d;
  }
  function fresh(): string {
    const gtin = bed.world.items.find((i) => i.pg === 'lp')?.gtin as string;
    const { cis } = makeCode(rand, gtin);
    bed.emu.registry.addCode({ cis, pg: 'lp', status: 'INTRODUCED', ownerInn: bed.fx.orgInn });
    return cis;
  }
  const retail = (cis: string, place: Record<string, unknown>): Record<string, unknown> => ({
    inn: bed.fx.orgInn,
    action: 'RETAIL',
    action_date: today(),
    document_type: 'RECEIPT',
    document_number: 'R-1',
    document_date: today(),
    ...place,
    products: [{ cis, product_cost: '99000' }],
  });
  const mod = (i = 0): { kpp: string; fiasId: string; address: string } => {
    const m = bed.world.mods?.[i];
    assert.ok(m, 'the demo world registers МОДs');
    return m;
  };

  it('GET mods/list: the participant’s МОДs matching the demo warehouses, {result, total, nextPage}', async () => {
    const token = await rawToken(bed);
    const r = await fetch(`${bed.emu.url}${V3}/mods/list?inns=${bed.fx.orgInn}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(r.status, 200);
    const j = (await r.json()) as {
      result: Array<Record<string, unknown>>;
      total: number;
      nextPage: boolean;
    };
    assert.equal(j.total, 2);
    assert.equal(j.nextPage, false);
    const houses = (bed.world.warehouses ?? []).map((w) => w.address['houseId']);
    assert.deepEqual(
      j.result.map((m) => m['fiasId']),
      houses,
    );
    assert.deepEqual(
      j.result.map((m) => m['kpp']),
      [bed.world.organisation.kpp, '770845001'],
    );
    assert.match(String(j.result[0]?.['address']), /Лесная/);
    // filters, paging, limits
    const q = async (query: string): Promise<{ status: number; body: any }> => {
      const res = await fetch(`${bed.emu.url}${V3}/mods/list?${query}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      return { status: res.status, body: await res.json() };
    };
    const byKpp = await q(`kpp=770845001`);
    assert.deepEqual([byKpp.body.total, byKpp.body.result[0].fiasId], [1, houses[1]]);
    const byFias = await q(`fiasId=${String(houses[0]).toUpperCase()}`);
    assert.equal(byFias.body.total, 1);
    assert.equal((await q('productGroups=tobacco')).body.total, 0);
    const p0 = await q('limit=1&page=0');
    const p1 = await q('limit=1&page=1');
    assert.deepEqual([p0.body.result.length, p0.body.nextPage, p0.body.total], [1, true, 2]);
    assert.deepEqual([p1.body.result[0].fiasId, p1.body.nextPage], [houses[1], false]);
    assert.equal((await q('limit=1001')).status, 400);
    const eleven = Array.from({ length: 11 }, (_, i) => `inns=77000000${String(i).padStart(2, '0')}`).join(
      '&',
    );
    assert.equal((await q(eleven)).status, 400);
    const anon = await fetch(`${bed.emu.url}${V3}/mods/list`);
    assert.equal(anon.status, 401);
  });

  it('CzClient.modsList pages through every МОД (one request per page); modsPage gives one page', async () => {
    const before = bed.emu.counters['mods/list'] ?? 0;
    const all = await org.modsList({ inns: [bed.fx.orgInn], limit: 1 });
    assert.equal((bed.emu.counters['mods/list'] ?? 0) - before, 2);
    assert.deepEqual(
      all.map((m) => [m.kpp, m.fiasId]),
      [
        [mod(0).kpp, mod(0).fiasId],
        [mod(1).kpp, mod(1).fiasId],
      ],
    );
    assert.deepEqual(all[0]?.productGroups, ['lp', 'shoes']);
    const page = await org.modsPage({ kpp: '770845001' });
    assert.deepEqual([page.total, page.nextPage, page.result[0]?.address], [1, false, mod(1).address]);
    await assert.rejects(org.modsPage({ limit: 5000 }), /limit/);
  });

  it('LK_RECEIPT with a registered place passes; the codes are retired', async () => {
    const cis = fresh();
    const d = await send('LK_RECEIPT', 'lp', retail(cis, { kpp: mod(0).kpp, fias_id: mod(0).fiasId }));
    assert.equal(d.status, 'CHECKED_OK', d.errors.join('\n'));
    assert.equal(bed.emu.registry.code(cis)?.status, 'RETIRED');
    // the shop under its own КПП, its FIAS id in upper case
    const shop = fresh();
    const d2 = await send(
      'LK_RECEIPT',
      'lp',
      retail(shop, { kpp: mod(1).kpp, fias_id: mod(1).fiasId.toUpperCase() }),
    );
    assert.equal(d2.status, 'CHECKED_OK', d2.errors.join('\n'));
  });

  it('LK_RECEIPT with a place that is not a registered МОД: processed with the МОД error, nothing changes', async () => {
    const cis = fresh();
    const fias = '11111111-2222-4333-8444-555555555555';
    const d = await send('LK_RECEIPT', 'lp', retail(cis, { kpp: mod(0).kpp, fias_id: fias }));
    assert.equal(d.status, 'CHECKED_NOT_OK');
    assert.deepEqual(d.errors, [
      `70: МОД по указанным ИНН ${bed.fx.orgInn}, КПП ${mod(0).kpp}, ФИАС ${fias} не найдены`,
    ]);
    assert.equal(bed.emu.registry.code(cis)?.status, 'INTRODUCED');
    // the FIAS id of one МОД with the КПП of the other is no МОД either
    const mixed = await send(
      'LK_RECEIPT',
      'lp',
      retail(fresh(), { kpp: mod(1).kpp, fias_id: mod(0).fiasId }),
    );
    assert.equal(mixed.status, 'CHECKED_NOT_OK');
    assert.match(mixed.errors.join(), /МОД по указанным ИНН .* не найдены/);
  });

  it('LK_RECEIPT for lp RETAIL without a place is refused; LOSS without one still passes', async () => {
    const cis = fresh();
    const d = await send('LK_RECEIPT', 'lp', retail(cis, {}));
    assert.equal(d.status, 'CHECKED_NOT_OK');
    assert.ok(
      d.errors.some((e) => /^50: fias_id: /.test(e)),
      d.errors.join('\n'),
    );
    assert.ok(
      d.errors.some((e) => /^50: kpp: /.test(e)),
      d.errors.join('\n'),
    );
    assert.equal(bed.emu.registry.code(cis)?.status, 'INTRODUCED');
    const loss = await send('LK_RECEIPT', 'lp', {
      inn: bed.fx.orgInn,
      action: 'LOSS',
      action_date: today(),
      products: [{ cis }],
    });
    assert.equal(loss.status, 'CHECKED_OK', loss.errors.join('\n'));
  });

  it('the emulator’s own business rule refuses a missing place even without the structural validator', async () => {
    const other = await startBed({ validate: () => [] }, bed.fx);
    try {
      const c = other.client();
      const gtin = other.world.items.find((i) => i.pg === 'lp')?.gtin as string;
      const { cis } = makeCode(rand, gtin);
      other.emu.registry.addCode({ cis, pg: 'lp', status: 'INTRODUCED', ownerInn: other.fx.orgInn });
      const id = await c.createDocument({ type: 'LK_RECEIPT', productGroup: 'lp', body: retail(cis, {}) });
      await other.emu.settle();
      const d = other.emu.document(id);
      assert.equal(d?.status, 'CHECKED_NOT_OK');
      assert.deepEqual(d?.errors, [
        '50: fias_id: обязательно для товарной группы lp при причине RETAIL',
        '50: kpp: обязательно для товарной группы lp при причине RETAIL',
      ]);
    } finally {
      await other.close();
    }
  });
});
