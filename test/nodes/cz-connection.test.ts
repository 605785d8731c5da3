/**
 * cz-connection at runtime (node-red-node-test-helper): one client, signer and limiter per config
 * node, authenticated against the True API emulator with real GOST signatures, closed on redeploy;
 * and the "Test connection" admin endpoint.
 */
import assert from 'node:assert/strict';
import { CZ_CONNECTION_MIGRATIONS, type CzConnectionNode } from '../../nodes/cz-connection/model';
import { latestVersion, migrate } from '../../nodes/shared/migrate';
import { issueTestSigner } from '../../lib/signing/pki';
import { isZnakFlowError } from '../../lib/errors';
import { helper, packNodes } from '../support/helper';
import { requireGost } from '../support/gost';
import { startBed, type CzBed } from '../support/cz';

const NODES = packNodes('cz-connection');

describe('cz-connection runtime and "Test connection"', function () {
  this.timeout(60000);
  let bed: CzBed;
  let enc: { certPath: string; keyPath: string };

  before(async function () {
    await requireGost(this);
    bed = await startBed();
    enc = await issueTestSigner(
      bed.fx.ca,
      { inn: bed.fx.orgInn, organisation: 'ООО «Демо Маркировка»' },
      { name: 'enc', dir: bed.fx.dir, keyPassword: 'key-Pa55-word' },
    );
  });
  after(async () => {
    await bed?.close();
  });
  afterEach(async () => {
    await helper.unload();
  });

  function conn(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      id: 'cz',
      type: 'cz-connection',
      environment: 'custom',
      url: bed.emu.url,
      participantInn: bed.fx.orgInn,
      productGroup: 'lp',
      signer: 'openssl',
      certPath: enc.certPath,
      keyPath: enc.keyPath,
      version: 1,
      ...extra,
    };
  }

  it('holds one client and signer, shared, authenticated with the key password from credentials; closed on redeploy', async () => {
    await helper.load(NODES, [conn()], { cz: { keyPassword: 'key-Pa55-word' } });
    const n = helper.getNode('cz') as unknown as CzConnectionNode;
    assert.equal(n.problem, undefined);
    const client = n.client();
    assert.equal(n.client(), client, 'the same client for every caller');
    assert.equal(n.signer(), client.signer);
    const info = await client.authenticate();
    assert.equal(info.certificate?.participantInn, bed.fx.orgInn);
    const bal = await client.balance();
    assert.ok(bal.length > 0);
    const pending = client.rateLimiter;
    await helper.setFlows([conn({ productGroup: 'shoes' })], 'full', {
      cz: { keyPassword: 'key-Pa55-word' },
    });
    await assert.rejects(pending.acquire(), /закрыто|closed/, 'the old limiter is closed with its node');
    await assert.rejects(client.balance(), (e: unknown) => isZnakFlowError(e) && e.code === 'ABORTED');
    const again = helper.getNode('cz') as unknown as CzConnectionNode;
    assert.notEqual(again.client(), client);
    assert.equal(again.settings?.productGroup, 'shoes');
  });

  it('migration 2 → 3: an existing flow gets the UUID token and no МЧД; a version-3 choice is kept', () => {
    assert.equal(latestVersion(CZ_CONNECTION_MIGRATIONS), 5);
    for (const old of [
      conn({ version: 2, httpCaFile: '' }),
      conn({ version: 1 }),
      conn({ version: undefined }),
    ]) {
      const up = migrate(old, CZ_CONNECTION_MIGRATIONS);
      assert.equal(up['version'], 5);
      assert.equal(up['tokenKind'], 'uuid');
      assert.equal(up['mchd'], false);
      // 4 → 5: ЭДО Лайт under the True API host, no СУЗ
      assert.equal(up['edoApi'], 'true-api');
      assert.equal(up['edoUrl'], '');
      assert.equal(up['omsId'], '');
    }
    const v4 = migrate(conn({ version: 4, edoApi: 'v1', omsId: 'x' }), CZ_CONNECTION_MIGRATIONS);
    assert.equal(v4['edoApi'], 'v1', 'a value already set is kept');
    assert.equal(v4['omsId'], 'x');
    const kept = migrate(conn({ version: 3, tokenKind: 'jwt', mchd: true }), CZ_CONNECTION_MIGRATIONS);
    assert.equal(kept['tokenKind'], 'jwt');
    assert.equal(kept['mchd'], true);
  });

  it('an old flow signs in with the UUID token against a 2027 stand; jwt is a legacy choice; МЧД from ${ENV} sends the INN', async () => {
    process.env['ZF_TEST_MCHD'] = 'true';
    try {
      await helper.load(
        NODES,
        [
          conn({ id: 'old', version: 2 }),
          conn({ id: 'legacy', version: 3, tokenKind: 'jwt' }),
          conn({ id: 'mchd', version: 3, participantInn: bed.fx.buyerInn, mchd: '${ZF_TEST_MCHD}' }),
        ],
        {
          old: { keyPassword: 'key-Pa55-word' },
          legacy: { keyPassword: 'key-Pa55-word' },
          mchd: { keyPassword: 'key-Pa55-word' },
        },
      );
      const node = (id: string): CzConnectionNode => helper.getNode(id) as unknown as CzConnectionNode;
      assert.equal(node('old').settings?.tokenKind, 'uuid');
      assert.equal((await node('old').client().authenticate()).kind, 'uuid');
      assert.ok((await node('old').client().balance()).length > 0);
      const jwt = await node('legacy')
        .client()
        .authenticate()
        .catch((e: unknown) => e);
      assert.ok(isZnakFlowError(jwt));
      assert.match(jwt.remoteText ?? '', /JWT/);
      assert.equal(node('mchd').settings?.mchd, true);
      // the organisation's certificate signs for the buyer under an МЧД the buyer has not given
      const refused = await node('mchd')
        .client()
        .authenticate()
        .catch((e: unknown) => e);
      assert.ok(isZnakFlowError(refused));
      assert.match(refused.remoteText ?? '', new RegExp(`ИНН организации ${bed.fx.buyerInn} не найден`));
    } finally {
      delete process.env['ZF_TEST_MCHD'];
    }
  });

  it('reports configuration problems of the signer, naming the field', async () => {
    await helper.load(NODES, [
      conn({ id: 'c1', signer: 'command', commandPreset: 'cryptcp', thumbprint: '' }),
      conn({ id: 'c2', signer: 'http', httpUrl: 'not a url' }),
      conn({ id: 'c3', signer: 'command', commandPreset: 'custom', commandArgs: '' }),
    ]);
    const field = (id: string): string | undefined =>
      (helper.getNode(id) as unknown as CzConnectionNode).problem?.field;
    assert.equal(field('c1'), 'thumbprint');
    assert.equal(field('c2'), 'httpUrl');
    assert.equal(field('c3'), 'commandArgs');
    assert.throws(() => (helper.getNode('c1') as unknown as CzConnectionNode).client(), /thumbprint/);
  });

  describe('POST /znakflow/cz-connection/test', () => {
    beforeEach(async () => {
      await helper.load(NODES, [conn()], { cz: { keyPassword: 'key-Pa55-word' } });
    });

    const post = (body: unknown): Promise<{ status: number; body: any }> =>
      helper
        .request()
        .post('/znakflow/cz-connection/test')
        .send(body)
        .set('Content-Type', 'application/json');

    it('authenticates with the edited settings and the stored password: certificate, INN, token expiry, balance', async () => {
      const config = { ...conn(), productGroup: 'shoes' };
      const r = await post({ id: 'cz', config, credentials: { keyPassword: '__PWRD__' } });
      assert.equal(r.status, 200);
      assert.equal(r.body.ok, true, JSON.stringify(r.body.error));
      assert.equal(r.body.certificate.inn, bed.fx.orgInn);
      assert.match(r.body.certificate.subject, /ООО «Демо Маркировка»/);
      assert.ok(Date.parse(r.body.token.expiresAt) > Date.now() + 9 * 3600e3);
      const lp = r.body.balance.find((b: { productGroup: string }) => b.productGroup === 'lp');
      assert.equal(lp.roubles, 1200000);
      assert.deepEqual(r.body.warnings, []);
      assert.doesNotMatch(JSON.stringify(r.body), /key-Pa55-word|eyJ/);
    });

    it('a password typed in the dialog wins over the stored one; a wrong one gives the exact reason', async () => {
      const r = await post({ id: 'cz', config: conn(), credentials: { keyPassword: 'typo-password' } });
      assert.equal(r.body.ok, false);
      assert.equal(r.body.error.code, 'SIGNER_KEY');
      assert.match(r.body.error.message_en, /wrong key password/);
      assert.doesNotMatch(JSON.stringify(r.body), /typo-password/);
    });

    it('shows the operator text when authentication is refused (certificate of an untrusted CA)', async () => {
      const config = conn({ certPath: bed.fx.stranger.certPath, keyPath: bed.fx.stranger.keyPath });
      const r = await post({ config, credentials: {} });
      assert.equal(r.body.ok, false);
      assert.equal(r.body.error.status, 403);
      assert.match(r.body.error.remoteText, /^Подпись невалидна\. Код ошибки: /);
    });

    it('warns when the certificate INN differs from the participant INN', async () => {
      const config = conn({
        participantInn: bed.fx.buyerInn,
        certPath: bed.fx.org.certPath,
        keyPath: bed.fx.org.keyPath,
      });
      const r = await post({ config, credentials: {} });
      assert.equal(r.body.ok, true);
      assert.equal(r.body.warnings[0].code, 'INN_MISMATCH');
    });

    it('invalid settings are named field by field; ${VAR} is expanded', async () => {
      const bad = await post({ config: conn({ participantInn: '7707083894', url: '' }), credentials: {} });
      assert.equal(bad.body.ok, false);
      const fields = bad.body.error.message_en as string;
      assert.match(fields, /participantInn/);
      assert.match(fields, /url/);
      process.env['ZF_TEST_CZ_PORT'] = String(bed.emu.port);
      const ok = await post({
        config: conn({
          url: 'http://127.0.0.1:${ZF_TEST_CZ_PORT}',
          certPath: bed.fx.org.certPath,
          keyPath: bed.fx.org.keyPath,
        }),
        credentials: {},
      });
      assert.equal(ok.body.ok, true, JSON.stringify(ok.body.error));
    });

    it('an unreachable stand is reported, not hung', async () => {
      const t0 = Date.now();
      const r = await post({
        config: conn({ url: 'http://127.0.0.1:1' }),
        credentials: { keyPassword: '__PWRD__' },
      });
      assert.equal(r.body.ok, false);
      assert.equal(r.body.error.code, 'CZ_NETWORK');
      assert.ok(Date.now() - t0 < 15000);
    });
  });
});
