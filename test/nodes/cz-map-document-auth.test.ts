/**
 * The preview endpoint of the cz-map-document dialog in a real Node-RED with adminAuth on (the pack
 * installed from `npm pack`): refused without a token and for a read-only user, answered for a user
 * with write permission.
 */
import assert from 'node:assert/strict';
import { demoWorld } from '../../lib/emulators/demo-data';
import { startRuntime, type Runtime } from '../../scripts/lib/runtime';
import { onecMessage } from '../support/onec-fixtures';
import { adminViewerSettings, login } from '../support/admin-auth';

describe('cz-map-document preview with adminAuth (real Node-RED)', function () {
  this.timeout(300000);
  let rt: Runtime;
  const world = demoWorld();
  const example = onecMessage(world, world.documents[1] as (typeof world.documents)[number]);

  before(async () => {
    rt = await startRuntime({
      settingsJs: adminViewerSettings(),
    });
  });
  after(async () => {
    await rt?.stop();
  });

  const post = (token?: string): Promise<Response> =>
    fetch(`${rt.url}/znakflow/cz-map-document/preview`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ config: { documentType: 'auto' }, msg: JSON.stringify(example) }),
    });

  it('refuses a caller without a token', async () => {
    assert.equal((await post()).status, 401);
  });

  it('refuses a read-only user (cz-map-document.write is needed)', async () => {
    // Node-RED answers a token without the permission with 401, like a missing token
    assert.equal((await post(await login(rt, 'viewer', 'read'))).status, 401);
  });

  it('maps the example for a user allowed to edit cz-map-document', async () => {
    const r = await post(await login(rt, 'admin'));
    assert.equal(r.status, 200);
    const j = (await r.json()) as {
      valid: boolean;
      documents: Array<{ type: string; productGroup: string }>;
    };
    assert.equal(j.valid, true);
    assert.deepEqual(
      j.documents.map((d) => [d.type, d.productGroup]),
      [['LP_SHIP_GOODS', 'shoes']],
    );
  });
});
