/** What onec-write does with a message (lib/onec/write-back.ts), against the 1C emulator. */
import assert from 'node:assert/strict';
import { DEMO_STATUS_PROPERTY } from '../../lib/emulators/onec';
import { describeProperty } from '../../lib/onec/property';
import { DEFAULT_PROPERTIES } from '../../lib/onec/write';
import { outcomeLabel, outcomeValue, propertyCheckView, writeBack } from '../../lib/onec/write-back';
import { useOnecBed } from '../support/onec-bed';

const SALES = 'Document_РеализацияТоваровУслуг';
const REG = 'InformationRegister_ДополнительныеСведения';

describe('onec write-back of a message', function () {
  this.timeout(20000);
  const bed = useOnecBed();

  it('labels one line per ЧЗ document only when the 1C document became several', () => {
    assert.equal(outcomeLabel(undefined), '');
    assert.equal(outcomeLabel({ productGroup: 'lp' }), '');
    assert.equal(outcomeLabel({ productGroup: 'lp', total: 2 }), 'lp');
    assert.equal(outcomeLabel({ productGroup: 'lp', total: 3, part: 2, parts: 3 }), 'lp 2/3');
    assert.equal(outcomeLabel({ total: 2 }), '', 'no group, no label');
  });

  it('the outcome in 1C’s words, the check’s errors included', () => {
    assert.match(outcomeValue({ czStatus: 'CHECKED_OK', documentId: 'D1' }), /CHECKED_OK/);
    const refused = outcomeValue({
      invalid: [{ field: 'inn', message_ru: 'неверный ИНН', message_en: 'bad INN' }],
    });
    assert.ok(refused.length > 0);
    assert.notEqual(refused, outcomeValue({}));
  });

  it('writes the register (merging labelled lines) or patches an attribute', async () => {
    const doc = bed.emu.store.world.documents[6]!;
    const spec = {
      mode: 'register' as const,
      entity: SALES,
      ref: doc.ref,
      attribute: '',
      property: DEMO_STATUS_PROPERTY,
      value: 'Проверен [CHECKED_OK]',
    };
    assert.equal((await writeBack(bed.client, spec, 'shoes')).action, 'created');
    assert.equal((await writeBack(bed.client, { ...spec, value: 'Отклонён' }, 'lp')).action, 'updated');
    const rec = bed.emu.store.list(REG).filter((r) => r['Объект'] === doc.ref);
    assert.equal(rec.length, 1);
    assert.equal(rec[0]!['Значение'], '[lp] Отклонён\n[shoes] Проверен [CHECKED_OK]');
    const patch = { ...spec, mode: 'patch' as const, attribute: 'Комментарий', value: 'ЧЗ: Проверен' };
    assert.equal((await writeBack(bed.client, patch)).action, 'updated');
    assert.equal(bed.emu.store.get(SALES, doc.ref)!['Комментарий'], 'ЧЗ: Проверен');
    assert.equal((await writeBack(bed.client, patch)).action, 'unchanged');
  });

  it('the «Check» answer: the property chosen, its candidates; an error without secrets', async () => {
    const report = await describeProperty(bed.client, DEMO_STATUS_PROPERTY, {
      propertiesSet: DEFAULT_PROPERTIES,
      objectEntity: SALES,
    });
    const view = propertyCheckView(SALES, report);
    assert.equal(view['ok'], true);
    assert.equal(view['entity'], SALES);
    assert.ok(typeof view['ref'] === 'string' && (view['candidates'] as unknown[]).length > 0);
    const broken = await describeProperty(bed.client, 'Нет такого свойства', {
      propertiesSet: DEFAULT_PROPERTIES,
    });
    const bad = propertyCheckView('', broken);
    assert.equal(bad['ok'], false);
  });
});
