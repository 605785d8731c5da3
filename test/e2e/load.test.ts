import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { adminGet, deployFlows, startRuntime, type Runtime, ROOT } from '../../scripts/lib/runtime';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  'node-red': { nodes: Record<string, string> };
};
const TYPES = Object.keys(pkg['node-red'].nodes);

interface NodeSet {
  id: string;
  module: string;
  types: string[];
  enabled: boolean;
  err?: string;
}

describe('e2e: the pack in a real Node-RED, installed from npm pack', function () {
  this.timeout(180000);
  let rt: Runtime;

  before(async () => {
    rt = await startRuntime({ env: { ZF_E2E_INN: '7707083893' } });
  });
  after(async () => {
    await rt?.stop();
  });

  it('registers every node type with no load error (GET /nodes)', async () => {
    const r = await adminGet(rt, '/nodes');
    assert.equal(r.status, 200);
    const sets = (await r.json()) as NodeSet[];
    const ours = sets.filter((s) => s.module === pkg.name);
    assert.equal(ours.length, TYPES.length, `sets: ${JSON.stringify(ours)}\n${rt.log()}`);
    for (const s of ours) {
      assert.equal(s.err, undefined, `${s.id}: ${s.err}`);
      assert.equal(s.enabled, true, s.id);
    }
    assert.deepEqual(ours.flatMap((s) => s.types).sort(), [...TYPES].sort());
    assert.doesNotMatch(rt.log(), /\[error\].*@znakflow/);
  });

  it('loads the sidebar plugin and answers its journal and metrics endpoints', async () => {
    const sets = (await (await adminGet(rt, '/plugins')).json()) as Array<
      NodeSet & { plugins?: Array<{ id: string }> }
    >;
    const plugin = sets.find(
      (s) => s.module === pkg.name && s.plugins?.some((p) => p.id === 'znakflow-sidebar'),
    );
    assert.ok(plugin, 'the znakflow-sidebar plugin is registered');
    assert.equal(plugin.err, undefined);
    const j = (await (await adminGet(rt, '/znakflow/journal')).json()) as { journals: unknown[] };
    assert.ok(Array.isArray(j.journals));
    const m = await adminGet(rt, '/znakflow/metrics');
    assert.equal(m.status, 200);
    assert.match(m.headers.get('content-type') ?? '', /text\/plain/);
  });

  it('serves the editor HTML, locales and the shared editor script', async () => {
    const html = await (await fetch(`${rt.url}/nodes`, { headers: { Accept: 'text/html' } })).text();
    for (const t of TYPES) assert.match(html, new RegExp(`registerType\\('${t}'`));
    const ru = await (await fetch(`${rt.url}/locales/${pkg.name}/cz-connection?lng=ru`)).json();
    assert.equal(
      (ru as { palette: { label: Record<string, string> } }).palette.label['chestny_znak'],
      'Честный ЗНАК',
    );
    const js = await fetch(`${rt.url}/resources/${pkg.name}/znakflow-editor.js`);
    assert.equal(js.status, 200);
    assert.match(await js.text(), /window\.ZnakFlow/);
  });

  it('deploys config nodes through POST /flows and never exports their credentials', async () => {
    const flows = [
      { id: 'tab1', type: 'tab', label: 'e2e' },
      { id: 'oc', type: 'onec-connection', url: 'http://127.0.0.1:1/base', name: 'demo 1C' },
      {
        id: 'cc',
        type: 'cz-connection',
        environment: 'custom',
        url: 'http://127.0.0.1:2',
        participantInn: '${ZF_E2E_INN}',
        signer: 'presigned',
      },
    ];
    await deployFlows(rt, flows, {
      credentials: { oc: { username: 'odata', password: 'e2e-secret-1C' }, cc: { pin: 'e2e-secret-pin' } },
    });
    const exported = await (await adminGet(rt, '/flows')).text();
    assert.match(exported, /"onec-connection"/);
    assert.doesNotMatch(exported, /e2e-secret/);
    const onDisk = fs.readFileSync(path.join(rt.userDir, 'flows.json'), 'utf8');
    assert.doesNotMatch(onDisk, /e2e-secret/);
    assert.doesNotMatch(rt.log(), /e2e-secret/);
    assert.doesNotMatch(rt.log(), /\[error\]/, rt.log());
  });
});
