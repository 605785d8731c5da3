/**
 * What cz-map-document makes of its settings and of a mapping (lib/documents/options.ts): one list
 * of layout fields with onec-read, the options, the business place, the messages, the preview.
 */
import assert from 'node:assert/strict';
import { mapDocument, type MapOptions } from '../../lib/documents';
import {
  LAYOUT_FIELDS,
  mapOptions,
  mappedMessages,
  placeOverride,
  previewOf,
  unknownLayoutFields,
  type MapMessage,
  type MapNodeSettings,
} from '../../lib/documents/options';
import { demoWorld } from '../../lib/emulators/demo-data';
import { ZnakFlowError } from '../../lib/errors';
import {
  CATALOG_LAYOUT_FIELDS,
  DOCUMENT_LAYOUT_FIELDS,
  PRESETS,
  resolveLayout,
} from '../../lib/onec/presets';
import { CZ_MAP_DEFAULTS, effectiveConfig, mapSettingsSchema } from '../../nodes/cz-map-document/model';
import { onecMessage } from '../support/onec-fixtures';

const world = demoWorld({ baseDate: '2026-11-20T09:00:00' });
const TODAY = new Date('2026-11-21T12:00:00');

function settings(over: Partial<MapNodeSettings> = {}): MapNodeSettings {
  return { ...mapSettingsSchema.parse(effectiveConfig({})), ...over } as MapNodeSettings;
}

describe('cz-map-document settings and messages (lib/documents/options)', function () {
  it('one list of layout fields: every field of every preset, the same that onec-read takes', () => {
    assert.deepEqual(LAYOUT_FIELDS, [...DOCUMENT_LAYOUT_FIELDS, ...CATALOG_LAYOUT_FIELDS]);
    for (const p of Object.values(PRESETS)) {
      for (const kind of Object.keys(p.documents)) {
        const l = resolveLayout(p.id, kind);
        const keys = [...Object.keys(l.document), ...Object.keys(l.catalogs)].filter(
          (k) => k !== 'uncertain',
        );
        assert.deepEqual(
          unknownLayoutFields(Object.fromEntries(keys.map((k) => [k, 'x']))),
          [],
          `${p.id}/${kind}`,
        );
      }
    }
    // catalog fields onec-read knows are no longer refused by cz-map-document (were 12 of 21)
    const layout = { itemBarcodes: 'InformationRegister_ШтрихкодыНоменклатуры', items: 'Catalog_Товары' };
    const ok = mapSettingsSchema.safeParse({ ...effectiveConfig({}), layout: JSON.stringify(layout) });
    assert.ok(ok.success, ok.success ? '' : ok.error.message);
    const bad = mapSettingsSchema.safeParse({ ...effectiveConfig({}), layout: '{"товар":"x"}' });
    assert.ok(!bad.success && /неизвестное поле раскладки «товар»/.test(bad.error.message));
    assert.deepEqual(unknownLayoutFields({ товар: 'x', inn: 'ИНН' }), ['товар']);
  });

  it('options: layout split into document and catalog fields, group mapping, overrides, places', () => {
    const o = mapOptions(
      settings({
        layout: { counterparty: 'Покупатель_Key', inn: 'ИННКонтрагента', itemBarcodes: 'R' },
        groupMapping: [{ value: 'Обувь', pg: 'shoes' }],
        overrides: [{ path: 'doc.comment', expr: '"x"' }],
        places: [{ warehouse: 'Склад 1', kpp: '770801001' }],
        preset: '',
        kind: 'sales',
      }),
    );
    assert.deepEqual(o.layout, { counterparty: 'Покупатель_Key' });
    assert.deepEqual(o.catalogs, { inn: 'ИННКонтрагента', itemBarcodes: 'R' });
    assert.deepEqual(o.groupMapping, { Обувь: 'shoes' });
    assert.deepEqual(o.overrides, [{ path: 'doc.comment', expression: '"x"' }]);
    assert.deepEqual(o.places, [{ warehouse: 'Склад 1', kpp: '770801001', fiasId: '' }]);
    assert.equal(o.preset, undefined, 'a blank preset is none');
    assert.equal(o.kind, 'sales');
    assert.equal(o.maxCodes, CZ_MAP_DEFAULTS.maxCodes);
  });

  it('business place: evaluated per message, digits of a number taken; a failing value names its field', async () => {
    const s = { kpp: 'msg.kpp', kppType: 'msg', fiasId: '', fiasIdType: 'str' };
    assert.deepEqual(await placeOverride(s, async () => 770801001), { kpp: '770801001' });
    assert.equal(await placeOverride(s, async () => '  '), undefined);
    assert.equal(await placeOverride({ ...s, kpp: '' }, async () => assert.fail('not evaluated')), undefined);
    await assert.rejects(
      placeOverride(s, async () => {
        throw new Error('нет такого свойства');
      }),
      (e: unknown) =>
        e instanceof ZnakFlowError &&
        e.code === 'CONFIG_INVALID' &&
        e.field === 'kpp' &&
        /msg/.test(e.message),
    );
  });

  it('messages: one per ЧЗ document, split ones as msg.parts copies, invalid ones apart; the preview cuts lists', async () => {
    const mixed = world.documents.find((d) => d.comment === 'смешанная: одежда и обувь')!;
    const m = onecMessage(world, mixed);
    const options: MapOptions = { ...mapOptions(settings()), today: TODAY };
    const result = await mapDocument({ payload: m.payload, onec: m.onec }, options);
    assert.equal(result.documents.length, 2);
    let ids = 0;
    const input: MapMessage = { ...m, keep: 'me', parts: { id: 'outer', index: 0, count: 1 } };
    const out = mappedMessages(input, result, {
      generateId: () => `id${++ids}`,
      cloneMessage: (x) => JSON.parse(JSON.stringify(x)) as MapMessage,
    });
    const all = [...out.valid, ...out.invalid];
    assert.equal(all.length, 2);
    assert.equal(ids, 1, 'one parts id for the split');
    for (const [i, o] of all.entries()) {
      assert.equal(o['keep'], 'me');
      const cz = o['cz'] as Record<string, unknown>;
      assert.equal(cz['total'], 2);
      assert.equal(cz['key'], result.documents[i]!.key);
      assert.deepEqual(o.payload, result.documents[i]!.body);
      assert.deepEqual(o.parts, { id: 'id1', index: i, count: 2, type: 'array', len: 1, parts: input.parts });
      assert.notEqual(o, input, 'copies, not the input');
    }
    const clothes = onecMessage(
      world,
      world.documents.find((d) => d.comment === 'одежда')!,
    );
    const one = await mapDocument({ payload: clothes.payload, onec: clothes.onec }, options);
    assert.equal(one.documents.length, 1);
    const single: MapMessage = { ...clothes };
    const outOne = mappedMessages(single, one, {
      generateId: () => assert.fail('no parts for one document'),
      cloneMessage: () => assert.fail('no copy for one document'),
    });
    assert.equal([...outOne.valid, ...outOne.invalid][0], single, 'one document: the input message itself');
    assert.equal(single.parts, undefined);
    const preview = previewOf(result, 0);
    assert.equal(preview['valid'], result.valid);
    const docs = preview['documents'] as Array<{ payload: Record<string, unknown> }>;
    const lists = docs.flatMap((d) =>
      Object.values(d.payload).filter((v): v is unknown[] => Array.isArray(v)),
    );
    const cut = lists.filter((l) => l.length > 0);
    assert.ok(cut.length > 0, 'the mapped documents have lists');
    for (const l of cut) {
      assert.equal(l.length, 1);
      assert.match(String(l[0]), /^… \+\d+$/);
    }
  });
});
