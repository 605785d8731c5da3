/**
 * cz-map-document and the УПД route: LP_SHIP_GOODS only for furs (Честный ЗНАК since 1 March 2022), the
 * other groups refused to output 2 naming the УПД route or skipped for another branch; the legacy switch
 * and the migration that keeps nodes of earlier versions making LP_SHIP_GOODS as before.
 */
import assert from 'node:assert/strict';
import { demoWorld, type DemoDocument } from '../../lib/emulators/demo-data';
import { CZ_MAP_MIGRATIONS, effectiveConfig, mapSettingsSchema } from '../../nodes/cz-map-document/model';
import { migrate } from '../../nodes/shared/migrate';
import { helper, packNodes } from '../support/helper';
import { onecMessage } from '../support/onec-fixtures';

const NODES = packNodes('cz-map-document');
const world = demoWorld({ baseDate: new Date().toISOString().slice(0, 10) + 'T08:00:00' });
const byComment = (c: string): DemoDocument => {
  const d = world.documents.find((x) => x.comment === c);
  if (!d) throw new Error(c);
  return d;
};
const TAB = { id: 'f1', type: 'tab', label: 'test' };
const sinks = [
  { id: 'ok', type: 'helper', z: 'f1' },
  { id: 'bad', type: 'helper', z: 'f1' },
];
const mapper = (extra: Record<string, unknown>): Record<string, unknown> => ({
  id: 'map',
  type: 'cz-map-document',
  z: 'f1',
  wires: [['ok'], ['bad']],
  ...extra,
});

/** Messages reaching `ok` and `bad` within `ms` of sending `comment`'s sale to the node. */
async function run(comment: string, ms = 400): Promise<{ ok: any[]; bad: any[] }> {
  const ok: any[] = [];
  const bad: any[] = [];
  (helper.getNode('ok') as any).on('input', (m: unknown) => ok.push(m));
  (helper.getNode('bad') as any).on('input', (m: unknown) => bad.push(m));
  helper.getNode('map').receive(onecMessage(world, byComment(comment)) as any);
  await new Promise((r) => setTimeout(r, ms));
  return { ok, bad };
}

describe('cz-map-document: LP_SHIP_GOODS for furs, УПД for the other groups', function () {
  this.timeout(20000);
  afterEach(async () => {
    await helper.unload();
  });

  it('a node of this version refuses a clothing sale to output 2 with the УПД route named', async () => {
    await helper.load(NODES, [TAB, mapper({ version: 3, documentType: 'LP_SHIP_GOODS' }), ...sinks]);
    const { ok, bad } = await run('одежда');
    assert.equal(ok.length, 0);
    assert.equal(bad.length, 1);
    const e = bad[0].errors.find((x: any) => x.code === 'SHIP_GOODS_UPD_ONLY');
    assert.ok(e, JSON.stringify(bad[0].errors));
    assert.match(e.message_ru, /УПД.*edo-send/s);
    assert.match(e.message_en, /УПД.*edo-send/s);
    assert.equal(bad[0].cz.type, 'LP_SHIP_GOODS');
  });

  it('a node saved by an earlier version (LP_SHIP_GOODS) keeps making it for clothing', async () => {
    await helper.load(NODES, [TAB, mapper({ version: 2, documentType: 'LP_SHIP_GOODS' }), ...sinks]);
    const { ok, bad } = await run('одежда');
    assert.equal(bad.length, 0, JSON.stringify(bad[0]?.errors));
    assert.deepEqual(
      ok.map((m) => [m.cz.type, m.cz.productGroup]),
      [['LP_SHIP_GOODS', 'lp']],
    );
  });

  it('updGroups skip: only the furs part of a mixed sale leaves, the rest is left to the УПД branch', async () => {
    await helper.load(NODES, [
      TAB,
      mapper({
        version: 3,
        documentType: 'LP_SHIP_GOODS',
        updGroups: 'skip',
        groupMapping: [{ value: 'ОбувнаяПродукция', pg: 'furs' }],
      }),
      ...sinks,
    ]);
    const { ok, bad } = await run('смешанная: одежда и обувь');
    assert.equal(bad.length, 0, JSON.stringify(bad[0]?.errors));
    assert.deepEqual(
      ok.map((m) => [m.cz.type, m.cz.productGroup, m.cz.total, m.parts]),
      // total: this document and the УПД of the clothes down the other branch — the version is settled
      // only when both are (lib/journal/ack.ts)
      [['LP_SHIP_GOODS', 'furs', 2, undefined]],
    );
    await helper.unload();
    await helper.load(NODES, [
      TAB,
      mapper({ version: 3, documentType: 'LP_SHIP_GOODS', updGroups: 'skip' }),
      ...sinks,
    ]);
    const none = await run('обувь');
    assert.deepEqual([none.ok.length, none.bad.length], [0, 0], 'a sale without furs makes no document here');
  });

  it('migration to version 3: legacyShipGoods on for LP_SHIP_GOODS and auto nodes, off for others', () => {
    const up = (c: Record<string, unknown>): Record<string, unknown> => migrate(c, CZ_MAP_MIGRATIONS);
    assert.deepEqual(
      [
        up({ version: 2, documentType: 'LP_SHIP_GOODS' }),
        up({ version: 2, documentType: 'auto' }),
        up({}),
        up({ version: 2, documentType: 'LK_RECEIPT' }),
      ].map((c) => [c['version'], c['legacyShipGoods'], c['updGroups']]),
      [
        [3, true, 'refuse'],
        [3, true, 'refuse'],
        [3, true, 'refuse'],
        [3, false, 'refuse'],
      ],
    );
    assert.equal(up({ version: 3, documentType: 'LP_SHIP_GOODS' })['legacyShipGoods'], undefined);
    assert.equal(effectiveConfig({ version: 3, documentType: 'LP_SHIP_GOODS' })['legacyShipGoods'], false);
  });

  it('config: updGroups other than refuse/skip is a configuration error', () => {
    const ok = mapSettingsSchema.safeParse(effectiveConfig({ version: 3, updGroups: 'skip' }));
    assert.equal(ok.success, true);
    const bad = mapSettingsSchema.safeParse(effectiveConfig({ version: 3, updGroups: 'maybe' }));
    assert.equal(bad.success, false);
    assert.ok(bad.error?.issues.some((i) => i.path[0] === 'updGroups'));
  });
});
