/**
 * The "Test connection" endpoint in a real Node-RED with adminAuth on (the pack installed from
 * `npm pack`): refused without a token and for a read-only user, answered for a user with write
 * permission, using the True API emulator with real GOST signatures.
 */
import assert from 'node:assert/strict';
import { startRuntime, type Runtime } from '../../scripts/lib/runtime';
import { requireGost } from '../support/gost';
import { startBed, type CzBed } from '../support/cz';
import { adminViewerSettings, login } from '../support/admin-auth';

describe('cz-connection "Test connection" with adminAuth (real Node-RED)', function () {
  this.timeout(300000);
  let rt: Runtime;
  let bed: CzBed;

  before(async function () {
    await requireGost(this);
    bed = await startBed();
    rt = await startRuntime({
      settingsJs: adminViewerSettings(),
    });
  });
  after(async () => {
    await rt?.stop();
    await bed?.close();
  });

  const body = (): string =>
    JSON.stringify({
      config: {
        environment: 'custom',
        url: bed.emu.url,
        participantInn: bed.fx.orgInn,
        signer: 'openssl',
        certPath: bed.fx.org.certPath,
        keyPath: bed.fx.org.keyPath,
        version: 1,
      },
      credentials: {},
    });

  const post = (token?: string): Promise<Response> =>
    fetch(`${rt.url}/znakflow/cz-connection/test`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: body(),
    });

  it('refuses a caller without a token', async () => {
    const r = await post();
    assert.equal(r.status, 401);
    assert.equal(bed.emu.counters['auth/key'] ?? 0, 0, 'nothing reached Честный ЗНАК');
  });

  it('refuses a read-only user (cz-connection.write is needed)', async () => {
    const token = await login(rt, 'viewer', 'read');
    const r = await post(token);
    assert.equal(r.status, 401);
    assert.equal(bed.emu.counters['auth/key'] ?? 0, 0);
  });

  it('answers a user with write permission: authenticated, certificate INN and balance', async () => {
    const token = await login(rt, 'admin');
    const r = await post(token);
    assert.equal(r.status, 200);
    const j = (await r.json()) as { ok: boolean; certificate: { inn: string }; balance: unknown[] };
    assert.equal(j.ok, true, JSON.stringify(j));
    assert.equal(j.certificate.inn, bed.fx.orgInn);
    assert.ok(j.balance.length > 0);
    assert.equal(bed.emu.counters['auth/simpleSignIn'], 1);
  });
});
