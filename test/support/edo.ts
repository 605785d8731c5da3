/**
 * Test support for the ЭДО Лайт / УПД tests: a complete seller's-title input (the reference example).
 */
import type { UpdInput } from '../../lib/edo/upd';

export const GS = '\u001d';
export const GTIN = '04601234567893';

export function sampleUpd(over: Partial<UpdInput> = {}): UpdInput {
  return {
    function: 'СЧФДОП',
    number: 'РН-000123',
    date: '2026-06-01',
    formedAt: new Date('2026-06-01T09:30:00Z'),
    key: 'ref-1:AAAAAAAAAAE=:upd:lp',
    productGroup: 'lp',
    seller: {
      name: 'ООО "Продавец"',
      inn: '7708123450',
      kpp: '770001001',
      address: 'г. Москва, ул. Тверская, д. 1',
      edoId: '2LT-111111111',
    },
    buyer: {
      name: 'ООО «Покупатель»',
      inn: '7720345675',
      kpp: '770001001',
      address: 'г. Москва, ул. Арбат, д. 2',
      edoId: '2LT-222222222',
    },
    signer: {
      surname: 'Иванов',
      firstName: 'Иван',
      middleName: 'Иванович',
      position: 'Генеральный директор',
    },
    lines: [
      {
        name: 'Футболка мужская, белая, 48',
        okei: '796',
        unitName: 'шт',
        quantity: 2,
        vatRate: 'НДС22',
        totalKop: 244000,
        codes: [
          `010460123456789321ABCDEFGHIJK<M${GS}91EE11${GS}92${'abcdefghijk'.repeat(4)}`,
          `(01)04601234567893(21)5'"&AbCdEfGhI`,
        ],
      },
    ],
    ...over,
  };
}
