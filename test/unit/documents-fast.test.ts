/**
 * The allocation-free item check of long lists (lib/documents/fast.ts) never vouches for an item
 * its zod schema would refuse: property test over generated and mutated items of every type.
 */
import assert from 'node:assert/strict';
import { validateDocument } from '../../lib/documents';
import { FAST_ITEM } from '../../lib/documents/fast';
import { ITEM_SCHEMAS, type DocumentType } from '../../lib/documents/schemas';
import { demoWorld, prng } from '../../lib/emulators/demo-data';

const world = demoWorld({ seed: 11 });
const CODE = world.codes[0]?.cis as string;
const TEMPLATES: Partial<Record<DocumentType, Record<string, unknown>>> = {
  LP_SHIP_GOODS: { uit_code: CODE, product_cost: '99000', product_tax: '16500' },
  LP_ACCEPT_GOODS: { uit_code: CODE, product_cost: '2000', accepted: true },
  LP_INTRODUCE_GOODS: { uit_code: CODE, tnved_code: '6109100000' },
  LP_GOODS_IMPORT: { uitu_code: CODE, tnved_code: '6109100000' },
  LK_RECEIPT: { cis: CODE, product_cost: '10000' },
  LP_RETURN: { ki: CODE },
  DISAGGREGATION_DOCUMENT: { uitu: CODE },
  AGGREGATION_DOCUMENT: {
    unitSerialNumber: '046012345600160000001',
    aggregationType: 'AGGREGATION',
    sntins: [CODE],
  },
  LK_REMARK: { last_uin: CODE, new_uin: `${CODE}x`, tnved_10: '6109100000' },
};
const FIELDS = [
  'uit_code',
  'uitu_code',
  'cis',
  'ki',
  'uitu',
  'tnved_code',
  'product_cost',
  'product_tax',
  'product_description',
  'accepted',
  'children',
  'partial_quantity',
  'primary_document_type',
  'primary_document_date',
  'certificate_document_data',
  'production_date',
  'paid',
  'unknown_field',
  'unitSerialNumber',
  'aggregationType',
  'sntins',
  'last_uin',
  'new_uin',
  'tnved_10',
  'color',
];
const VALUES: unknown[] = [
  undefined,
  null,
  '',
  'abc',
  0,
  -1,
  1.5,
  99000,
  '99000',
  '99000.00',
  '10.5',
  '-5',
  '1e5',
  true,
  false,
  {},
  [],
  [{}],
  '6109100000',
  '61091',
  '2026-11-20',
  'x'.repeat(300),
  CODE,
  'AGGREGATION',
  '(00)046012345600160000',
  '020460123456001637100',
  'short',
  [CODE, ''],
  [CODE, 5],
  [CODE, CODE],
];

describe('lib/documents: fast list-item check', () => {
  for (const [type, template] of Object.entries(TEMPLATES) as Array<
    [DocumentType, Record<string, unknown>]
  >) {
    it(`${type}: whatever it accepts, zod accepts (and it accepts the plain item)`, () => {
      const fast = FAST_ITEM[type];
      const schema = ITEM_SCHEMAS[type];
      assert.ok(fast && schema);
      assert.ok(fast(template), 'the plain item takes the fast path');
      assert.ok(schema.safeParse(template).success);
      const rand = prng(type.length * 31);
      let vouched = 0;
      for (let n = 0; n < 4000; n++) {
        const item: Record<string, unknown> = { ...template };
        const changes = 1 + Math.floor(rand() * 3);
        for (let k = 0; k < changes; k++) {
          const f = FIELDS[Math.floor(rand() * FIELDS.length)] as string;
          const v = VALUES[Math.floor(rand() * VALUES.length)];
          if (rand() < 0.15) delete item[f];
          else item[f] = v;
        }
        const candidate: unknown = rand() < 0.03 ? VALUES[Math.floor(rand() * VALUES.length)] : item;
        if (fast(candidate)) {
          vouched++;
          const r = schema.safeParse(candidate);
          assert.ok(r.success, `fast path accepted ${JSON.stringify(candidate)}: ${r.error?.message}`);
        }
      }
      assert.ok(vouched > 100, `${vouched} vouched`);
    });
  }

  it('in a long list, problems still name their items', () => {
    const products = Array.from({ length: 200 }, (_, i) => ({
      uit_code: `0104601234560016215${i.toString(36).padStart(12, '0')}`,
      product_cost: '99000',
      product_tax: '16500',
    }));
    (products[5] as Record<string, unknown>)['product_cost'] = '99.5';
    (products[170] as Record<string, unknown>)['uit_code'] = 17;
    const errors = validateDocument(
      'LP_SHIP_GOODS',
      {
        sender_inn: world.organisation.inn,
        receiver_inn: world.counterparties[0]?.inn,
        transfer_date: '2026-11-20',
        document_num: '1',
        document_date: '2026-11-20',
        turnover_type: 'SELLING',
        products,
      },
      { productGroup: 'lp' },
    ).map((e) => `${e.code}@${e.path}`);
    assert.ok(errors.includes('MONEY_FORMAT@products[5].product_cost'), errors.join());
    assert.ok(errors.includes('FIELD_TYPE@products[170].uit_code'), errors.join());
  });

  it('long LK_REMARK and AGGREGATION_DOCUMENT lists: problems still name their items', () => {
    const products = Array.from({ length: 100 }, (_, i) => ({
      last_uin: `0104601234560016215${i.toString(36).padStart(12, '0')}`,
      new_uin: `0104601234560016215${i.toString(36).padStart(12, 'z')}`,
    }));
    (products[70] as Record<string, unknown>)['tnved_10'] = '61091';
    const remark = validateDocument('LK_REMARK', {
      participant_inn: world.organisation.inn,
      remarking_date: '2026-11-20',
      remarking_cause: 'KM_SPOILED',
      products,
    }).map((e) => `${e.code}@${e.path}`);
    assert.ok(remark.includes('TNVED_FORMAT@products[70].tnved_10'), remark.join());
    const units = Array.from({ length: 100 }, (_, i) => ({
      unitSerialNumber: `0460123456001${String(i).padStart(8, '0')}`,
      aggregationType: 'AGGREGATION',
      sntins: [`0104601234560016215${i.toString(36).padStart(12, '0')}`],
    }));
    (units[80] as Record<string, unknown>)['unitSerialNumber'] = '(00)046012345600100080';
    (units[90] as Record<string, unknown>)['sntins'] = [''];
    const agg = validateDocument('AGGREGATION_DOCUMENT', {
      participantId: world.organisation.inn,
      aggregationUnits: units,
    }).map((e) => `${e.code}@${e.path}`);
    assert.ok(agg.includes('AGGREGATE_BRACKETS@aggregationUnits[80].unitSerialNumber'), agg.join());
    assert.ok(
      agg.some((e) => e.startsWith('FIELD_REQUIRED@aggregationUnits[90].sntins[0]')),
      agg.join(),
    );
  });
});
