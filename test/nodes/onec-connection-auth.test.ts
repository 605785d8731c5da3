/**
 * The "Test connection" endpoint of onec-connection in a real Node-RED with adminAuth on (the pack
 * installed from `npm pack`): refused without a token and for a read-only user, answered for a user
 * with write permission — with the password stored in the deployed connection's credentials.
 */
import assert from 'node:assert/strict';
import { deployFlows, startRuntime, type Runtime } from '../../scripts/lib/runtime';
import { startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { adminViewerSettings, login } from '../support/admin-auth';

describe('onec-connection "Test connection" with adminAuth (real Node-RED)', function () {
  this.timeout(300000);
  let rt: Runtime;
  let emu: OnecEmulator;

  before(async () => {
    emu = await startOnecEmulator();
    rt = await startRuntime({
      settingsJs: adminViewerSettings(),
    });
    const token = await login(rt, 'admin');
    await deployFlows(
      rt,
      [
        { id: 'c1', type: 'onec-connection', name: '1C', url: 'http://127.0.0.1:1/old', version: 1 },
        { id: 'c2', type: 'onec-connection', name: '1C demo', url: emu.url, version: 1 },
      ],
      {
        token,
        credentials: {
          c1: { username: 'odata', password: 'odata' },
          c2: { username: 'odata', password: 'odata' },
        },
      },
    );
  });
  after(async () => {
    await rt?.stop();
    await emu?.stop();
  });

  const post = (token?: string): Promise<Response> =>
    fetch(`${rt.url}/znakflow/onec-connection/test`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ id: 'c1', url: emu.url, username: 'odata', password: '__PWRD__' }),
    });

  it('refuses callers without a token or without write permission', async () => {
    assert.equal((await post()).status, 401);
    const viewer = await login(rt, 'viewer', 'read');
    const r = await post(viewer);
    assert.ok(r.status === 401 || r.status === 403, `status ${r.status}`);
    assert.equal(emu.requests.total, 0, '1C was not asked');
    const presets = await fetch(`${rt.url}/znakflow/onec-read/presets`, {
      headers: { Authorization: `Bearer ${viewer}` },
    });
    assert.equal(presets.status, 200, 'reading the presets needs only read permission');
  });

  it('tests the dialog’s settings with the stored password for a user with write permission', async () => {
    const admin = await login(rt, 'admin');
    const r = await post(admin);
    assert.equal(r.status, 200);
    const body = (await r.json()) as { ok: boolean; entitySets: string[]; status: number };
    assert.equal(body.ok, true, JSON.stringify(body));
    assert.equal(body.status, 200);
    assert.ok(body.entitySets.includes('Catalog_ШтрихкодыУпаковокТоваров'));
    assert.doesNotMatch(rt.log(), /odata:odata|b2RhdGE6b2RhdGE=/, 'no credentials in the log');
  });

  it('onec-write «Check property»: refused without write permission, answered with the property for an admin', async () => {
    const check = (token?: string): Promise<Response> =>
      fetch(`${rt.url}/znakflow/onec-write/property`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({
          connection: 'c2',
          property: 'СтатусЧестныйЗнак',
          entity: 'Document_РеализацияТоваровУслуг',
        }),
      });
    emu.requests.reset();
    assert.equal((await check()).status, 401);
    const viewer = await login(rt, 'viewer', 'read');
    const v = await check(viewer);
    assert.ok(v.status === 401 || v.status === 403, `status ${v.status}`);
    assert.equal(emu.requests.total, 0, '1C was not asked');
    const r = await check(await login(rt, 'admin'));
    assert.equal(r.status, 200);
    const body = (await r.json()) as { ok: boolean; ref: string; chosen: { set: string } };
    assert.equal(body.ok, true, JSON.stringify(body));
    assert.equal(body.ref, '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0001');
    assert.equal(body.chosen.set, 'Реализация товаров и услуг');
  });
});
