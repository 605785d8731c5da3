/**
 * The СУЗ service of a desk (lib/suz/desk.ts) against the СУЗ emulator on the True API emulator (real
 * HTTP, real GOST): one service per connection, closed with the desk; the installation registered
 * once with the registration key and the id kept in the state directory (a restart does not register
 * it again); the sidebar summary of orders, blocks, reports and balances; and the «Test connection»
 * ping of СУЗ (lib/cz/connection.ts) that reports without failing the True API part.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testConnection } from '../../lib/cz/connection';
import { CzDesk } from '../../lib/cz/desk';
import { czConnectionSchema } from '../../lib/cz/settings';
import { isZnakFlowError } from '../../lib/errors';
import { DEMO_OMS_CONNECTION, DEMO_OMS_ID } from '../../lib/emulators/suz';
import { suzConnectionFile, suzService } from '../../lib/suz/desk';
import { SANDBOX_REGISTRATION_KEY } from '../../lib/suz/settings';
import { requireGost } from '../support/gost';
import { startSuzBed, type SuzBed } from '../support/suz';

const GTIN = '04640638345218';

describe('lib/suz/desk: the СУЗ service of a connection (СУЗ emulator)', function () {
  this.timeout(60000);
  let bed: SuzBed;
  let dir: string;
  const desks: CzDesk[] = [];

  before(async function () {
    await requireGost(this);
    bed = await startSuzBed({ emissionDelayMs: 50 });
  });
  after(async () => {
    await bed?.close();
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-suz-desk-'));
    bed.emu.registry.participant(bed.fx.orgInn)?.balances.set(1, 500000);
  });
  afterEach(() => {
    for (const d of desks.splice(0)) d.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const settings = (extra: Record<string, unknown> = {}) =>
    czConnectionSchema.parse({
      environment: 'custom',
      url: bed.emu.url,
      participantInn: bed.world.organisation.inn,
      signer: 'openssl',
      certPath: bed.fx.org.certPath,
      keyPath: bed.fx.org.keyPath,
      omsId: DEMO_OMS_ID,
      omsConnection: DEMO_OMS_CONNECTION,
      ...extra,
    });
  const desk = (extra: Record<string, unknown> = {}, key?: string): CzDesk => {
    const d = new CzDesk({ settings: settings(extra), stateDir: dir, omsRegistrationKey: key });
    desks.push(d);
    return d;
  };

  it('one service per connection: orders through it, the summary shows orders, blocks, codes and the balance; closed with the desk', async () => {
    const d = desk();
    const svc = suzService(d);
    assert.equal(suzService(d), svc, 'made once');
    const r = await svc
      .orders({ pollMs: 30, blockSize: 4 })
      .order(
        { productGroup: 'lp', products: [{ gtin: GTIN, quantity: 10, templateId: 10 }] },
        async () => undefined,
      );
    assert.equal(r.codes, 10);
    const s = svc.summary();
    assert.equal(s.kind, 'suz');
    const lp = s.rows.find((x) => x['productGroup'] === 'lp');
    assert.ok(lp, JSON.stringify(s.rows));
    assert.equal(lp['orders'], 1);
    assert.equal(lp['open'], 0);
    assert.equal(lp['blocks'], 3);
    assert.equal(lp['codes'], 10);
    assert.equal(lp['balanceKopecks'], 500000, 'the balance read before ordering');
    assert.equal(lp['balance'], '5\u00a0000,00 ₽');
    assert.equal(s.counters?.['codes'], 10);
    assert.equal(s.warning, undefined);
    assert.deepEqual(
      d.summaries().map((x) => x.kind),
      ['suz'],
    );
    d.close();
    assert.equal(svc.isClosed, true);
  });

  it('no omsConnection: registered once with the registration key, the id kept for the next start', async () => {
    const before = bed.suz.connections.size;
    const d1 = desk({ omsConnection: undefined }, SANDBOX_REGISTRATION_KEY);
    const svc = suzService(d1);
    assert.equal(svc.client.omsConnection, undefined);
    await Promise.all([svc.ready(), svc.ready()]);
    assert.equal(bed.suz.connections.size, before + 1, 'registered once');
    const id = suzService(d1).client.omsConnection ?? '';
    assert.ok(bed.suz.connections.has(id));
    const kept = JSON.parse(fs.readFileSync(suzConnectionFile(dir, DEMO_OMS_ID), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(kept['omsConnection'], id);
    const ping = await svc.client.ping();
    assert.equal(ping.omsId, DEMO_OMS_ID);
    d1.close();

    const d2 = desk({ omsConnection: undefined }, SANDBOX_REGISTRATION_KEY);
    const again = suzService(d2);
    assert.equal(again.client.omsConnection, id, 'the kept id');
    await again.ready();
    await again.client.ping();
    assert.equal(bed.suz.connections.size, before + 1, 'not registered twice');
  });

  it('bad settings: no omsId, or neither a connection id nor a registration key → a clear error', () => {
    const codes: string[] = [];
    for (const [extra, key] of [
      [{ omsId: undefined }, undefined],
      [{ omsConnection: undefined }, undefined],
    ] as const) {
      try {
        suzService(desk(extra, key));
        assert.fail('expected an error');
      } catch (err) {
        assert.ok(isZnakFlowError(err));
        assert.match(err.ru, /omsId|omsConnection/);
        assert.match(err.en, /omsId|omsConnection/);
        codes.push(err.code);
      }
    }
    assert.deepEqual(codes, ['SUZ_NO_OMS', 'SUZ_NO_CONNECTION_ID']);
  });

  it('«Test connection» pings СУЗ: ok with the station; a wrong connection id fails the СУЗ part only', async () => {
    const ok = await testConnection(settings(), {});
    assert.equal(ok.ok, true);
    assert.equal(ok.suz?.ok, true);
    assert.equal(ok.suz?.omsId, DEMO_OMS_ID);
    const wrong = await testConnection(settings({ omsConnection: randomUUID() }), {});
    assert.equal(wrong.ok, true, 'the True API part stands');
    assert.equal(wrong.suz?.ok, false);
    assert.ok(wrong.suz?.error?.message_ru);
    const none = await testConnection(settings({ omsId: undefined, omsConnection: undefined }), {});
    assert.equal(none.suz, undefined, 'no omsId, no СУЗ check');
    const noConn = await testConnection(settings({ omsConnection: undefined }), {});
    assert.equal(noConn.suz?.ok, false);
    assert.equal(noConn.suz?.error?.code, 'SUZ_NO_CONNECTION_ID');
  });
});
