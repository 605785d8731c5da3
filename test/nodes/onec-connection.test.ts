/**
 * onec-connection's "Test connection" admin endpoint, and the example flows of onec-read and
 * onec-write run against the emulator.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { helper, packNodes } from '../support/helper';

const NODES = packNodes('onec-connection', 'onec-read', 'onec-write');
const ROOT = path.resolve(__dirname, '..', '..');
type Msg = Record<string, any>;

describe('onec-connection test endpoint', function () {
  this.timeout(20000);
  let emu: OnecEmulator;
  before(async () => {
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
  });
  beforeEach(async () => {
    emu = await startOnecEmulator();
  });
  afterEach(async () => {
    await helper.unload();
    await emu.stop();
  });

  async function test(body: Record<string, unknown>): Promise<Msg> {
    const res = await helper.request().post('/znakflow/onec-connection/test').send(body);
    assert.equal(res.status, 200);
    return res.body as Msg;
  }

  it('tests the settings being edited, with the stored password when the dialog did not change it', async () => {
    // deployed with a wrong URL; the dialog has the right one
    await helper.load(
      NODES,
      [{ id: 'c1', type: 'onec-connection', url: 'http://127.0.0.1:1/nowhere', version: 1 }],
      {
        c1: { username: 'odata', password: 'odata' },
      },
    );
    const ok = await test({
      id: 'c1',
      url: emu.url,
      timeout: '5000',
      username: 'odata',
      password: '__PWRD__',
    });
    assert.equal(ok['ok'], true, JSON.stringify(ok));
    assert.equal(ok['status'], 200);
    assert.match(ok['server'], /1C/);
    assert.equal(ok['dataServiceVersion'], '3.0');
    assert.ok(ok['entitySets'].includes('Document_РеализацияТоваровУслуг'));
    assert.ok(ok['expected'].every((x: { visible: boolean }) => x.visible));
    assert.equal(emu.requests.log[0]?.resource.includes('$format=json'), true);
  });

  it('uses a password typed in the dialog; reports a bad one without echoing it', async () => {
    await helper.load(NODES, [{ id: 'c1', type: 'onec-connection', url: emu.url, version: 1 }], {
      c1: { username: 'odata', password: 'odata' },
    });
    const bad = await test({ id: 'c1', url: emu.url, username: 'odata', password: 'typed-wrong-pw' });
    assert.equal(bad['ok'], false);
    assert.equal(bad['code'], 'ONEC_AUTH');
    assert.match(bad['message'], /401/);
    assert.doesNotMatch(JSON.stringify(bad), /typed-wrong-pw/);
    const fresh = await test({ id: 'not-deployed', url: emu.url, username: 'odata', password: 'odata' });
    assert.equal(fresh['ok'], true);
  });

  it('reports sets missing from the OData composition, and a bad URL naming the field', async () => {
    await emu.stop();
    emu = await startOnecEmulator({ unpublished: ['Catalog_ШтрихкодыУпаковокТоваров'] });
    await helper.load(NODES, [{ id: 'c1', type: 'onec-connection', url: emu.url, version: 1 }], {
      c1: { username: 'odata', password: 'odata' },
    });
    const r = await test({ id: 'c1', url: emu.url, password: '__PWRD__' });
    assert.equal(r['ok'], true);
    assert.deepEqual(
      r['expected'].filter((x: { visible: boolean }) => !x.visible).map((x: { entity: string }) => x.entity),
      ['Catalog_ШтрихкодыУпаковокТоваров'],
    );
    const badUrl = await test({ id: 'c1', url: 'ftp://x' });
    assert.equal(badUrl['ok'], false);
    assert.match(badUrl['message'], /^url: /);
  });
});

describe('example flows against the emulator', function () {
  this.timeout(30000);
  let emu: OnecEmulator;
  let userDir: string;
  beforeEach(async () => {
    emu = await startOnecEmulator();
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-ex-'));
    helper.settings({ userDir });
  });
  afterEach(async () => {
    await helper.unload();
    await emu.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  /** The example as a test flow: debug → helper, inject dropped (its message is sent by the test), our URL. */
  function example(file: string): {
    flow: Msg[];
    injects: Msg[];
    creds: Record<string, Record<string, string>>;
  } {
    const all = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', file), 'utf8')) as Msg[];
    const creds: Record<string, Record<string, string>> = {};
    const injects = all.filter((n) => n['type'] === 'inject');
    const flow = all
      .filter((n) => n['type'] !== 'inject' && n['type'] !== 'comment')
      .map((n) => {
        if (n['type'] === 'debug') return { id: n['id'], type: 'helper', z: n['z'] };
        if (n['type'] === 'onec-connection') {
          creds[n['id']] = { username: n['credentials'].username, password: 'odata' };
          const { credentials: _c, ...rest } = n;
          return { ...rest, url: emu.url };
        }
        return n;
      });
    return { flow, injects, creds };
  }

  function injected(inject: Msg): Msg {
    const m: Msg = {};
    for (const p of inject['props']) {
      if (p.p === 'payload') m['payload'] = inject['payload'];
      else m[p.p] = p.vt === 'json' ? JSON.parse(p.v) : p.v;
    }
    return m;
  }

  function next(id: string, n = 1, ms = 10000): Promise<Msg[]> {
    const got: Msg[] = [];
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${id}: ${got.length}/${n}`)), ms);
      helper.getNode(id).on('input', (m: Msg) => {
        got.push(m);
        if (got.length === n) {
          clearTimeout(t);
          resolve(got);
        }
      });
    });
  }

  it('examples/onec-read.json works: watch, query by INN, document by reference', async () => {
    const { flow, injects, creds } = example('onec-read.json');
    await helper.load(NODES, flow, creds);
    const watched = next('zf-ex-1cr-debug-watch', 6, 15000); // the watch polls on its own a second after start
    const docs = await watched;
    assert.ok(docs.every((m) => m['onec'].entity === 'Document_РеализацияТоваровУслуг' && m['onec'].codes));
    const inn = injects.find((n) => n['id'] === 'zf-ex-1cr-inject-inn')!;
    const found = next('zf-ex-1cr-debug-query', 3);
    helper.getNode('zf-ex-1cr-query').receive(injected(inn));
    const q = await found;
    assert.ok(q.every((m) => m['payload']['Контрагент'].ИНН === inn['payload']));
    const refInject = injects.find((n) => n['id'] === 'zf-ex-1cr-inject-ref')!;
    const one = next('zf-ex-1cr-debug-ref');
    helper.getNode('zf-ex-1cr-ref').receive(injected(refInject));
    const [doc] = await one;
    assert.equal(doc!['onec'].ref, refInject['payload']);
    assert.ok(doc!['onec'].codes.length > 0);
  });

  it('examples/onec-write.json works: the second identical write changes nothing', async () => {
    const { flow, injects, creds } = example('onec-write.json');
    await helper.load(NODES, flow, creds);
    const ok = injects.find((n) => n['id'] === 'zf-ex-1cw-inject-ok')!;
    let p = next('zf-ex-1cw-debug');
    helper.getNode('zf-ex-1cw-register').receive(injected(ok));
    assert.equal((await p)[0]!['onec'].write.action, 'created');
    p = next('zf-ex-1cw-debug');
    helper.getNode('zf-ex-1cw-register').receive(injected(ok));
    assert.equal((await p)[0]!['onec'].write.action, 'unchanged');
    p = next('zf-ex-1cw-debug');
    helper
      .getNode('zf-ex-1cw-patch')
      .receive(injected(injects.find((n) => n['id'] === 'zf-ex-1cw-inject-patch')!));
    assert.equal((await p)[0]!['onec'].write.action, 'updated');
  });
});
