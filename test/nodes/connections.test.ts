import assert from 'node:assert/strict';
import { helper, packNodes } from '../support/helper';
import type { OnecConnectionNode } from '../../nodes/onec-connection/model';
import type { CzConnectionNode } from '../../nodes/cz-connection/model';

const NODES = packNodes('onec-connection', 'cz-connection');

describe('config nodes', () => {
  afterEach(async () => {
    await helper.unload();
  });

  it('onec-connection validates the URL, expands ${ENV} inside it, keeps credentials out of settings', async () => {
    process.env['ZF_TEST_HOST'] = '127.0.0.1:8081';
    await helper.load(
      NODES,
      [{ id: 'c1', type: 'onec-connection', url: 'http://${ZF_TEST_HOST}/demo/odata/standard.odata/' }],
      { c1: { username: 'Администратор', password: 'pa55-word' } },
    );
    const c1 = helper.getNode('c1') as unknown as OnecConnectionNode;
    assert.equal(c1.problem, undefined);
    assert.equal(c1.settings?.url, 'http://127.0.0.1:8081/demo');
    assert.equal(c1.settings?.timeout, 30000, 'version-0 flow gets the default');
    assert.equal(c1.username, 'Администратор');
    assert.ok(!JSON.stringify(c1.settings).includes('pa55-word'));
  });

  it('onec-connection reports a bad URL naming the field, in both languages', async () => {
    await helper.load(NODES, [{ id: 'c1', type: 'onec-connection', url: 'ftp://x' }]);
    const c1 = helper.getNode('c1') as unknown as OnecConnectionNode;
    assert.equal(c1.settings, undefined);
    assert.equal(c1.problem?.field, 'url');
    assert.match(c1.problem?.message ?? '', /адрес публикации 1С.*\/ a 1C publication URL/);
  });

  it('cz-connection validates the INN checksum and the custom URL', async () => {
    await helper.load(NODES, [
      {
        id: 'ok',
        type: 'cz-connection',
        environment: 'custom',
        url: 'http://127.0.0.1:9400',
        participantInn: '7707083893',
        signer: 'presigned',
      },
      {
        id: 'bad',
        type: 'cz-connection',
        environment: 'custom',
        url: '',
        participantInn: '7707083894',
        signer: 'openssl',
      },
    ]);
    const ok = helper.getNode('ok') as unknown as CzConnectionNode;
    assert.equal(ok.problem, undefined);
    assert.equal(ok.settings?.rateLimit, 50);
    assert.equal(ok.settings?.productGroup, 'lp');
    const bad = helper.getNode('bad') as unknown as CzConnectionNode;
    const paths = bad.problem?.details?.map((d) => d.path).sort();
    assert.deepEqual(paths, ['certPath', 'keyPath', 'participantInn', 'url']);
    assert.match(bad.problem?.message ?? '', /контрольная цифра/);
  });

  it('cz-connection accepts the INN from ${ENV} and survives a redeploy', async () => {
    process.env['ZF_TEST_INN'] = '7736207543';
    const flow = [
      {
        id: 'c',
        type: 'cz-connection',
        environment: 'sandbox',
        participantInn: '${ZF_TEST_INN}',
        signer: 'presigned',
        version: 1,
      },
    ];
    await helper.load(NODES, flow);
    assert.equal((helper.getNode('c') as unknown as CzConnectionNode).settings?.participantInn, '7736207543');
    await helper.setFlows([{ ...flow[0], productGroup: 'shoes' }], 'full');
    const again = helper.getNode('c') as unknown as CzConnectionNode;
    assert.equal(again.settings?.productGroup, 'shoes');
  });
});
