/**
 * onec-write flows exported by version 1 (status path in `status`), and ones the editor had already spoiled
 * (the node's status display `{text, fill, shape}` saved over that path), load, are repaired and write their
 * outcome to 1C with its status again (issue 15).
 */
import assert from 'node:assert/strict';
import { DEMO_STATUS_PROPERTY, startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { migrate } from '../../nodes/shared/migrate';
import { ONEC_WRITE_MIGRATIONS } from '../../nodes/onec-write/model';
import { helper, nextInput, packNodes } from '../support/helper';

const NODES = packNodes('onec-connection', 'onec-write');
const SALES = 'Document_РеализацияТоваровУслуг';
const REG = 'InformationRegister_ДополнительныеСведения';
const DOC_ID = 'b4f1c2d3-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
type Msg = Record<string, any>;

/** onec-write as examples/standard-sync.json exported it in version 1. */
const V1 = {
  type: 'onec-write',
  name: 'Статус в 1С',
  mode: 'register',
  register: 'InformationRegister_ДополнительныеСведения',
  propertiesSet: 'ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения',
  property: DEMO_STATUS_PROPERTY,
  propertyType: 'str',
  entity: 'onec.entity',
  entityType: 'msg',
  ref: 'onec.ref',
  refType: 'msg',
  value: '',
  valueType: 'auto',
  status: 'cz.status',
  statusType: 'msg',
  documentId: 'cz.documentId',
  documentIdType: 'msg',
  errors: 'cz.errors',
  errorsType: 'msg',
  version: 1,
};
/** What a Deploy / Export from the editor made of it once the node had shown «обновлено». */
const SPOILED = { ...V1, status: { text: 'обновлено', fill: 'green', shape: 'dot' } };

const next = nextInput;

describe('onec-write migration of the status path (status → czStatus)', function () {
  this.timeout(20000);

  it('moves a string path, repairs a spoiled or missing one, drops the old key', () => {
    const moved = migrate({ ...V1, status: 'payload.state', statusType: 'flow' }, ONEC_WRITE_MIGRATIONS);
    assert.equal(moved['czStatus'], 'payload.state');
    assert.equal(moved['czStatusType'], 'flow');
    assert.equal(moved['version'], 2);
    assert.ok(!('status' in moved) && !('statusType' in moved), 'the old keys are gone');
    for (const bad of [
      SPOILED,
      { ...V1, status: 42 },
      { ...V1, status: null },
      { ...V1, status: undefined },
    ]) {
      const fixed = migrate(bad, ONEC_WRITE_MIGRATIONS);
      assert.equal(fixed['czStatus'], 'cz.status', JSON.stringify(bad.status));
      assert.equal(fixed['czStatusType'], 'msg');
      assert.ok(!('status' in fixed), 'the old key is gone');
    }
    // before versioning (version 0, no status at all): the default path
    const v0 = migrate({ type: 'onec-write', property: 'x' }, ONEC_WRITE_MIGRATIONS);
    assert.equal(v0['czStatus'], 'cz.status');
    assert.ok(!('status' in v0));
    // a current flow is left alone
    const v2 = { ...V1, status: undefined, czStatus: 'cz.other', czStatusType: 'msg', version: 2 };
    assert.equal(migrate(v2, ONEC_WRITE_MIGRATIONS)['czStatus'], 'cz.other');
  });

  describe('in Node-RED against the 1C emulator', () => {
    let emu: OnecEmulator;
    beforeEach(async () => {
      emu = await startOnecEmulator();
    });
    afterEach(async () => {
      await helper.unload();
      await emu.stop();
    });

    const flow = (w: Record<string, unknown>) => [
      { id: 'tab', type: 'tab' },
      { id: 'c1', type: 'onec-connection', url: emu.url, version: 1 },
      { id: 'w1', z: 'tab', connection: 'c1', wires: [['out']], ...w },
      { id: 'out', type: 'helper', z: 'tab' },
      { id: 'k1', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['err']] },
      { id: 'err', type: 'helper', z: 'tab' },
    ];
    const creds = { c1: { username: 'odata', password: 'odata' } };

    for (const [title, w, status, expect] of [
      ['an old export (status: "cz.status")', V1, 'CHECKED_OK', /^Проверен \[CHECKED_OK\], документ ЧЗ /],
      [
        'an export spoiled by the editor (status: {text, fill, shape})',
        SPOILED,
        'CHECKED_OK',
        /^Проверен \[CHECKED_OK\], документ ЧЗ /,
      ],
      [
        'a spoiled export, a rejected document',
        SPOILED,
        'CHECKED_NOT_OK',
        /^Есть ошибки \[CHECKED_NOT_OK\].*: 14: Код не найден$/,
      ],
      [
        'an old export with its own status path',
        { ...V1, status: 'payload.state' },
        'CHECKED_OK',
        /^Проверен \[CHECKED_OK\]/,
      ],
    ] as const) {
      it(`${title}: the outcome reaches 1C with its status`, async () => {
        await helper.load(NODES, flow(w), creds);
        const ref = emu.store.world.documents[0]!.ref;
        const cz = {
          status,
          documentId: DOC_ID,
          errors: status === 'CHECKED_OK' ? [] : ['14: Код не найден'],
        };
        const msg: Msg = { onec: { entity: SALES, ref }, cz };
        if (w.status === 'payload.state') {
          msg['payload'] = { state: status };
          msg['cz'] = { ...cz, status: 'NOT_THIS_ONE' };
        }
        const p = next('out');
        helper.getNode('w1').receive(msg);
        const m = await p;
        assert.equal(m['onec'].write.action, 'created');
        const recs = emu.store.list(REG).filter((r) => r['Объект'] === ref);
        assert.equal(recs.length, 1);
        assert.match(String(recs[0]!['Значение']), expect);
        assert.match(String(recs[0]!['Значение']), new RegExp(DOC_ID));
      });
    }
  });
});
