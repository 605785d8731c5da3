/**
 * One source of defaults: each node's model.ts. The runtime serves them to the editor (the exportable
 * setting `<camelType>Defaults` of registerType, read here through Node-RED's own settings export, as
 * GET /settings gives it), and each dialog builds its `defaults` from them — checked by running the node's
 * HTML script with the pack's real editor helpers (resources/znakflow-editor.js).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { CZ_CONNECTION_DEFAULTS, CZ_CONNECTION_MIGRATIONS } from '../../nodes/cz-connection/model';
import {
  CZ_MAP_CHOICES,
  CZ_MAP_DEFAULTS,
  CZ_MAP_MIGRATIONS,
  mapSettingsSchema,
} from '../../nodes/cz-map-document/model';
import { CZ_SEND_DEFAULTS, CZ_SEND_MIGRATIONS } from '../../nodes/cz-send/model';
import { CZ_STATUS_DEFAULTS, CZ_STATUS_MIGRATIONS } from '../../nodes/cz-status/model';
import { EDO_SEND_DEFAULTS, EDO_SEND_MIGRATIONS } from '../../nodes/edo-send/model';
import { EDO_STATUS_DEFAULTS, EDO_STATUS_MIGRATIONS } from '../../nodes/edo-status/model';
import { ONEC_CONNECTION_DEFAULTS, ONEC_CONNECTION_MIGRATIONS } from '../../nodes/onec-connection/model';
import { ONEC_READ_DEFAULTS, ONEC_READ_MIGRATIONS } from '../../nodes/onec-read/model';
import { ONEC_WRITE_DEFAULTS, ONEC_WRITE_MIGRATIONS } from '../../nodes/onec-write/model';
import { czConnectionSchema } from '../../lib/cz/settings';
import { onecConnectionSchema } from '../../lib/onec/settings';
import { latestVersion, migrate, type Migration, type NodeConfig } from '../../nodes/shared/migrate';
import { choicesSetting, defaultsSetting } from '../../nodes/shared/register';
import { helper, packNodes } from '../support/helper';

const ROOT = path.resolve(__dirname, '..', '..');

const MODELS: Record<string, { defaults: NodeConfig; migrations: readonly Migration[] }> = {
  'cz-connection': { defaults: CZ_CONNECTION_DEFAULTS, migrations: CZ_CONNECTION_MIGRATIONS },
  'cz-map-document': { defaults: CZ_MAP_DEFAULTS, migrations: CZ_MAP_MIGRATIONS },
  'cz-send': { defaults: CZ_SEND_DEFAULTS, migrations: CZ_SEND_MIGRATIONS },
  'cz-status': { defaults: CZ_STATUS_DEFAULTS, migrations: CZ_STATUS_MIGRATIONS },
  'edo-send': { defaults: EDO_SEND_DEFAULTS, migrations: EDO_SEND_MIGRATIONS },
  'edo-status': { defaults: EDO_STATUS_DEFAULTS, migrations: EDO_STATUS_MIGRATIONS },
  'onec-connection': { defaults: ONEC_CONNECTION_DEFAULTS, migrations: ONEC_CONNECTION_MIGRATIONS },
  'onec-read': { defaults: ONEC_READ_DEFAULTS, migrations: ONEC_READ_MIGRATIONS },
  'onec-write': { defaults: ONEC_WRITE_DEFAULTS, migrations: ONEC_WRITE_MIGRATIONS },
};

interface EditorDef {
  defaults: Record<string, { value: unknown; [k: string]: unknown }>;
}

interface ZnakFlowEditor {
  upgrade(node: Record<string, unknown>, defaults: EditorDef['defaults'], version?: number): void;
  nodeDefaults(type: string, props: Record<string, Record<string, unknown>>): EditorDef['defaults'];
}

/** The node's HTML as the editor runs it: the pack's editor helpers, then the node's own script. */
function loadDialog(type: string, settings: Record<string, unknown>): { def: EditorDef; zf: ZnakFlowEditor } {
  const html = fs.readFileSync(path.join(ROOT, 'nodes', type, `${type}.html`), 'utf8');
  const inline = [...html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map(
    (m) => m[1]!,
  );
  const defs: Record<string, EditorDef> = {};
  const ctx: Record<string, unknown> = {
    RED: {
      settings,
      nodes: {
        registerType: (t: string, d: EditorDef) => (defs[t] = d),
        eachNode: () => undefined,
        originalFlow: () => [],
      },
      events: { on: () => undefined },
      _: (k: string) => k,
    },
  };
  ctx['window'] = ctx;
  vm.createContext(ctx);
  vm.runInContext(fs.readFileSync(path.join(ROOT, 'resources', 'znakflow-editor.js'), 'utf8'), ctx);
  for (const s of inline) vm.runInContext(s, ctx);
  const def = defs[type];
  assert.ok(def, `${type}.html registers ${type}`);
  return { def, zf: ctx['ZnakFlow'] as ZnakFlowEditor };
}

/** The zod defaults of a settings schema (what lib/ takes when a field is missing). */
function schemaDefaults(schema: { shape: Record<string, unknown> }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(schema.shape)) {
    const def = (s as { _zod: { def: { type: string; defaultValue?: unknown } } })._zod.def;
    if (def.type === 'default') out[k] = def.defaultValue;
  }
  return out;
}

describe('editor defaults: model.ts → runtime → dialog', function () {
  let served: Record<string, unknown>;

  before(async () => {
    // Node-RED's own settings module (@node-red/runtime/lib/settings): registerType hands it the node
    // settings, GET /settings exports them. The test helper's runtime has a plain settings object, so its
    // registrations are passed on to the real module here.
    const runtimeSettings = require('@node-red/runtime/lib/settings') as {
      init(local: Record<string, unknown>): void;
      registerNodeSettings(type: string, opts: Record<string, unknown>): void;
      exportNodeSettings(into: Record<string, unknown>): void;
    };
    runtimeSettings.init({});
    helper.settings({
      registerNodeSettings: (type: string, opts: Record<string, unknown>) =>
        runtimeSettings.registerNodeSettings(type, opts),
    });
    await helper.load(packNodes(...Object.keys(MODELS)), []);
    served = {};
    runtimeSettings.exportNodeSettings(served);
  });
  after(async () => {
    await helper.unload();
    helper.settings({ registerNodeSettings: undefined });
  });

  for (const [type, model] of Object.entries(MODELS)) {
    it(`${type}: the runtime serves every default of model.ts and the current version`, () => {
      assert.deepEqual(served[defaultsSetting(type)], {
        ...model.defaults,
        version: latestVersion(model.migrations),
      });
    });

    it(`${type}: the dialog's defaults are exactly the served ones, and upgrade() fills them`, () => {
      const values = served[defaultsSetting(type)] as Record<string, unknown>;
      const { def, zf } = loadDialog(type, served);
      assert.deepEqual(Object.keys(def.defaults).sort(), Object.keys(values).sort());
      for (const [k, v] of Object.entries(values))
        assert.deepEqual(def.defaults[k]!.value, v, `${type}.${k}`);
      // a flow from before versioning: every property gets the model's default, the version the current one
      const node: Record<string, unknown> = { id: 'n1', type };
      zf.upgrade(node, def.defaults);
      // (through JSON: the copies upgrade() makes belong to the dialog's realm)
      assert.deepEqual(JSON.parse(JSON.stringify(node)), { id: 'n1', type, ...values });
    });
  }

  it("cz-map-document: the dialog's lists are the values its schema takes, served by the runtime (no hand copy in the HTML)", () => {
    const choices = served[choicesSetting('cz-map-document')] as Record<string, string[]>;
    assert.deepEqual(choices, JSON.parse(JSON.stringify(CZ_MAP_CHOICES)));
    const shape = mapSettingsSchema.shape as unknown as Record<string, { options: string[] }>;
    for (const [prop, values] of Object.entries(choices)) {
      // the schema's enum without the dialog's fixed first option ('' = from the message, 'auto')
      const taken = shape[prop]!.options.filter((v) => v !== '' && v !== 'auto');
      assert.deepEqual([...values].sort(), [...taken].sort(), prop);
    }
    assert.ok(choices['kind']!.includes('intercompany') && choices['kind']!.includes('supplierReturns'));
    const html = fs.readFileSync(path.join(ROOT, 'nodes', 'cz-map-document', 'cz-map-document.html'), 'utf8');
    for (const v of ['supplierReturns', 'KM_SPOILED', 'NOT_FOR_SALE_RETURN', 'VETERINARY_USE'])
      assert.doesNotMatch(html, new RegExp(`'${v}'`), `${v} is not copied into the dialog`);
    const { zf } = loadDialog('cz-map-document', served);
    const list = (zf as unknown as { choices(t: string, p: string): string[] }).choices;
    assert.deepEqual(JSON.parse(JSON.stringify(list('cz-map-document', 'kind'))), choices['kind']);
    assert.throws(() => list('cz-map-document', 'nothing'), /czMapDocumentChoices\.nothing/);
  });

  it('a dialog property the runtime does not declare is refused', () => {
    const { zf } = loadDialog('cz-send', served);
    assert.throws(
      () => zf.nodeDefaults('cz-send', { retryMinute: { required: true } }),
      /cz-send\.retryMinute/,
    );
    assert.throws(() => loadDialog('cz-send', {}), /czSendDefaults/);
  });

  it('the connections default like the settings schemas of lib/ (where those have a default)', () => {
    for (const [defaults, schema] of [
      [CZ_CONNECTION_DEFAULTS, czConnectionSchema],
      [ONEC_CONNECTION_DEFAULTS, onecConnectionSchema],
    ] as const) {
      const lib = schemaDefaults(schema as unknown as { shape: Record<string, unknown> });
      assert.ok(Object.keys(lib).length > 0);
      for (const [k, v] of Object.entries(lib)) assert.deepEqual((defaults as NodeConfig)[k], v, k);
    }
  });

  it('cz-send: the document type is `documentType` in the model, the migrations and the dialog (not `type`); test/nodes/cz-send-status.test.ts sends with it', () => {
    assert.ok('documentType' in CZ_SEND_DEFAULTS && !('type' in CZ_SEND_DEFAULTS));
    const old = migrate({ id: 's', type: 'cz-send', connection: 'c' }, CZ_SEND_MIGRATIONS);
    assert.equal(old['type'], 'cz-send', 'the node type is not overwritten');
    assert.equal(old['documentType'], '');
    const html = fs.readFileSync(path.join(ROOT, 'nodes', 'cz-send', 'cz-send.html'), 'utf8');
    assert.match(html, /id="node-input-documentType"/);
    assert.doesNotMatch(html, /id="node-input-type"/);
    assert.ok(!('type' in loadDialog('cz-send', served).def.defaults));
  });
});
