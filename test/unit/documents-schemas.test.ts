/**
 * lib/documents: each document type's schema accepts the reference's examples («Описание True API» v553 §4.1,
 * with real INNs and codes in place of the "…") and rejects each documented rule break with a
 * bilingual explanation at the right path.
 */
import assert from 'node:assert/strict';
import { GS, withCheckDigit } from '../../lib/codes';
import { SUPPORTED_TYPES, validateDocument } from '../../lib/documents';
import { demoWorld } from '../../lib/emulators/demo-data';

const world = demoWorld({ seed: 5, baseDate: '2026-11-20T09:00:00' });
const TODAY = new Date('2026-11-21T12:00:00');
const ORG = world.organisation.inn;
const BUYER = world.counterparties[0]?.inn as string;
const lp = world.codes.filter((c) => world.items.find((i) => i.ref === c.itemRef)?.pg === 'lp');
const C = lp.map((c) => c.cis);
const SSCC = `00${withCheckDigit('14601234560000001')}`;

type Body = Record<string, any>;

function errorsOf(type: string, body: unknown, pg = 'lp'): string[] {
  const list = validateDocument(type, body, { productGroup: pg, today: TODAY });
  for (const e of list) {
    assert.ok(e.message_ru.length > 0 && e.message_en.length > 0, `bilingual: ${e.code}`);
    assert.match(e.message_ru, /[А-Яа-яЁё]/, `Russian text for ${e.code}`);
  }
  return list.map((e) => `${e.code}@${e.path}`);
}

function valid(type: string, body: unknown, pg = 'lp'): void {
  assert.deepEqual(errorsOf(type, body, pg), [], `${type} should be valid`);
}

/** Each break is applied to a fresh copy of the example and must produce the listed error. */
function breaks(
  type: string,
  example: () => Body,
  cases: Array<[string, (b: Body) => void, string, string?]>,
): void {
  for (const [what, change, expected, pg] of cases) {
    it(`rejects: ${what}`, () => {
      const b = example();
      change(b);
      const got = errorsOf(type, b, pg ?? 'lp');
      assert.ok(got.includes(expected), `${expected} expected, got ${got.join(', ') || 'none'}`);
    });
  }
}

const introduce = (): Body => ({
  participant_inn: ORG,
  producer_inn: ORG,
  owner_inn: ORG,
  production_date: '2026-11-01',
  production_type: 'OWN_PRODUCTION',
  products: [
    {
      uit_code: C[0],
      tnved_code: '6109100000',
      certificate_document_data: [
        {
          certificate_type: 'CONFORMITY_DECLARATION',
          certificate_number: 'ЕАЭС N RU Д-RU.РА01.В.12345/21',
          certificate_date: '2021-07-07',
        },
      ],
    },
    { uitu_code: SSCC, tnved_code: '6109100000' },
  ],
});

const ship = (): Body => ({
  sender_inn: ORG,
  receiver_inn: BUYER,
  transfer_date: '2026-11-20T18:26:41.948Z',
  document_num: '4234234',
  document_date: '2026-11-20T18:26:41.948Z',
  turnover_type: 'SELLING',
  to_not_participant: false,
  products: [
    { uit_code: C[0], product_cost: '10000000', product_tax: '1300000' },
    { uit_code: C[1], product_cost: '990', product_tax: '0' },
  ],
});

const accept = (): Body => ({
  release_order_number: '8b8f4c1e-6a3f-4f39-9e0b-5a8d1b2c3d4e',
  trade_sender_inn: BUYER,
  trade_recipient_inn: ORG,
  document_number: 'УПД-17',
  document_date: '2026-11-14T00:00:00.000Z',
  transfer_date: '2026-11-14',
  acceptance_date: '2026-11-15',
  turnover_type: 'SELLING',
  products: [{ uit_code: C[0], product_cost: '2000', accepted: true }],
});

const receipt = (): Body => ({
  inn: ORG,
  action: 'RETAIL',
  action_date: '2026-11-01',
  document_type: 'RECEIPT',
  document_number: '22222',
  document_date: '2026-11-01',
  primary_document_custom_name: null,
  // the business place, required for lp RETAIL («Planned True API changes» v552.0)
  kpp: '770801001',
  fias_id: '0c5b2444-70a0-4932-980c-b4dc0d3f02b5',
  products: [{ cis: C[0], product_cost: '10000' }],
});

const ret = (): Body => ({
  trade_participant_inn: ORG,
  return_type: 'OWN_USE_RETURN',
  products_list: [{ ki: C[0] }],
});

const aggregation = (): Body => ({
  participantId: ORG,
  aggregationUnits: [{ unitSerialNumber: SSCC, aggregationType: 'AGGREGATION', sntins: [C[0], C[1]] }],
});

const remark = (): Body => ({
  participant_inn: ORG,
  remarking_date: '2026-11-10',
  remarking_cause: 'KM_SPOILED',
  products: [{ last_uin: C[0], new_uin: C[1], tnved_10: '6109100000' }],
});

describe('lib/documents: schemas and rules', () => {
  it('lists exactly the ten supported types', () => {
    assert.deepEqual([...SUPPORTED_TYPES].sort(), [
      'AGGREGATION_DOCUMENT',
      'DISAGGREGATION_DOCUMENT',
      'LK_RECEIPT',
      'LK_REMARK',
      'LP_ACCEPT_GOODS',
      'LP_CANCEL_SHIPMENT',
      'LP_GOODS_IMPORT',
      'LP_INTRODUCE_GOODS',
      'LP_RETURN',
      'LP_SHIP_GOODS',
    ]);
    assert.deepEqual(errorsOf('LP_FTS_INTRODUCE', {}), ['DOC_TYPE@type']);
    assert.deepEqual(errorsOf('LP_SHIP_GOODS', [1, 2]), ['DOC_NOT_OBJECT@(root)']);
  });

  describe('LP_INTRODUCE_GOODS', () => {
    it('accepts the reference example', () => valid('LP_INTRODUCE_GOODS', introduce()));
    it('accepts the legacy certificate trio and omitted/null optional fields', () => {
      const b = introduce();
      b['production_date'] = null;
      b['products'][0] = {
        uit_code: C[0],
        tnved_code: '6109100000',
        certificate_document: 'CONFORMITY_CERTIFICATE',
        certificate_document_number: '123',
        certificate_document_date: '07.07.2021',
        vsd_number: '8d2f14a6-3f0b-4a61-9b9d-0c5e1f2a3b4c',
      };
      valid('LP_INTRODUCE_GOODS', b);
    });
    breaks('LP_INTRODUCE_GOODS', introduce, [
      [
        'production_type other than OWN_PRODUCTION',
        (b) => (b['production_type'] = 'CONTRACT_PRODUCTION'),
        'FIELD_VALUE@production_type',
      ],
      [
        'a ТН ВЭД code without 10 digits',
        (b) => (b['products'][0].tnved_code = '61091'),
        'TNVED_FORMAT@products[0].tnved_code',
      ],
      [
        'a product without tnved_code',
        (b) => delete b['products'][1].tnved_code,
        'FIELD_REQUIRED@products[1].tnved_code',
      ],
      [
        'uit_code and uitu_code together',
        (b) => (b['products'][0].uitu_code = SSCC.replace(/.$/, '0')),
        'CODE_BOTH@products[0].uitu_code',
      ],
      ['no code at all', (b) => delete b['products'][1].uitu_code, 'CODE_MISSING@products[1].uit_code'],
      [
        'a partial legacy certificate trio',
        (b) => (b['products'][1].certificate_document_number = '1'),
        'CERTIFICATE_TRIO@products[1].certificate_document',
      ],
      [
        'certificate_document_data together with the trio',
        (b) =>
          Object.assign(b['products'][0], {
            certificate_document: 'X',
            certificate_document_number: '1',
            certificate_document_date: '2021-01-01',
          }),
        'CERTIFICATE_BOTH@products[0].certificate_document_data',
      ],
      [
        'an unknown certificate type',
        (b) => (b['products'][0].certificate_document_data[0].certificate_type = 'ISO'),
        'FIELD_VALUE@products[0].certificate_document_data[0].certificate_type',
      ],
      [
        'a production date in the future',
        (b) => (b['production_date'] = '2027-01-01'),
        'DATE_FUTURE@production_date',
      ],
      [
        'a production date over five years ago',
        (b) => (b['production_date'] = '2020-01-01'),
        'DATE_TOO_OLD@production_date',
      ],
      ['an impossible date', (b) => (b['production_date'] = '2026-02-30'), 'DATE_FORMAT@production_date'],
      ['an empty product list', (b) => (b['products'] = []), 'CODES_EMPTY@products'],
      ['an INN with a wrong check digit', (b) => (b['owner_inn'] = '7707083894'), 'INN_CHECKSUM@owner_inn'],
      [
        'a malformed VSD number',
        (b) => (b['products'][0].vsd_number = 'VSD-1'),
        'VSD_FORMAT@products[0].vsd_number',
      ],
      ['a missing participant', (b) => delete b['participant_inn'], 'FIELD_REQUIRED@participant_inn'],
    ]);
  });

  describe('LP_GOODS_IMPORT', () => {
    const imp = (): Body => ({
      participant_inn: ORG,
      declaration_number: '10702070/011126/0012345',
      declaration_date: '2026-11-01',
      customs_code: '10702070',
      decision_code: '10',
      products: [{ uit_code: C[0], tnved_code: '6109100000' }],
    });
    it('accepts a declaration with its products', () => valid('LP_GOODS_IMPORT', imp()));
    breaks('LP_GOODS_IMPORT', imp, [
      [
        'a malformed declaration number',
        (b) => (b['declaration_number'] = '10702070-011126-12345'),
        'DECLARATION_FORMAT@declaration_number',
      ],
      ['a customs code without 8 digits', (b) => (b['customs_code'] = '107'), 'CUSTOMS_CODE@customs_code'],
      [
        'a declaration dated in the future',
        (b) => (b['declaration_date'] = '2030-01-01'),
        'DATE_FUTURE@declaration_date',
      ],
      ['no products', (b) => (b['products'] = []), 'CODES_EMPTY@products'],
    ]);
  });

  describe('LP_SHIP_GOODS', () => {
    it('accepts the reference example', () => valid('LP_SHIP_GOODS', ship()));
    it('accepts money as whole numbers and dates as dd.MM.yyyy', () => {
      const b = ship();
      b['products'][1].product_cost = 990;
      b['transfer_date'] = '20.11.2026';
      b['document_date'] = '20.11.2026 10:15';
      valid('LP_SHIP_GOODS', b);
    });
    breaks('LP_SHIP_GOODS', ship, [
      ['an unknown turnover type', (b) => (b['turnover_type'] = 'SALE'), 'FIELD_VALUE@turnover_type'],
      ['no receiver', (b) => delete b['receiver_inn'], 'FIELD_REQUIRED@receiver_inn'],
      [
        'a document number over 255 characters',
        (b) => (b['document_num'] = 'N'.repeat(256)),
        'FIELD_LENGTH@document_num',
      ],
      [
        'money in roubles with kopecks',
        (b) => (b['products'][0].product_cost = '100.50'),
        'MONEY_FORMAT@products[0].product_cost',
      ],
      [
        'a price below its VAT',
        (b) => (b['products'][0].product_tax = '20000000'),
        'COST_BELOW_TAX@products[0].product_cost',
      ],
      [
        'furs without a price',
        (b) => delete b['products'][0].product_cost,
        'COST_REQUIRED@products[0].product_cost',
        'furs',
      ],
      ['a malformed date', (b) => (b['transfer_date'] = '2026/11/20'), 'DATE_FORMAT@transfer_date'],
      ['a duplicated code', (b) => (b['products'][1].uit_code = C[0]), 'CODE_DUPLICATE@products[1].uit_code'],
      [
        'a code with its crypto tail',
        (b) => (b['products'][0].uit_code = `${C[0]}${GS}93ABCD`),
        'CODE_NOT_NORMALISED@products[0].uit_code',
      ],
      ['a code of another group template', (b) => void b, 'CODE_GROUP@products[0].uit_code', 'milk'],
      [
        'a malformed code',
        (b) => (b['products'][0].uit_code = '0104601234567890'),
        'CODE_GTIN_CHECK@products[0].uit_code',
      ],
      ['no code list', (b) => (b['products'] = []), 'CODES_EMPTY@products'],
    ]);
  });

  describe('LP_ACCEPT_GOODS', () => {
    it('accepts the reference example', () => valid('LP_ACCEPT_GOODS', accept()));
    it('accepts an empty list with accept_all', () => {
      const b = accept();
      b['products'] = [];
      b['accept_all'] = true;
      valid('LP_ACCEPT_GOODS', b);
    });
    breaks('LP_ACCEPT_GOODS', accept, [
      [
        'accept_all and reject_all together',
        (b) => Object.assign(b, { accept_all: true, reject_all: true }),
        'ACCEPT_REJECT_BOTH@reject_all',
      ],
      ['an empty list without accept_all/reject_all', (b) => (b['products'] = []), 'CODES_EMPTY@products'],
      [
        'a product without accepted',
        (b) => delete b['products'][0].accepted,
        'FIELD_REQUIRED@products[0].accepted',
      ],
      ['no shipment id', (b) => delete b['release_order_number'], 'FIELD_REQUIRED@release_order_number'],
    ]);
  });

  describe('LP_CANCEL_SHIPMENT', () => {
    const cancel = (): Body => ({
      participant_inn: ORG,
      shipment_number: '8b8f4c1e-6a3f-4f39-9e0b-5a8d1b2c3d4e',
    });
    it('accepts participant and shipment', () => valid('LP_CANCEL_SHIPMENT', cancel()));
    breaks('LP_CANCEL_SHIPMENT', cancel, [
      ['a group where it is not available', (b) => void b, 'TYPE_NOT_FOR_GROUP@type', 'milk'],
      ['no shipment number', (b) => (b['shipment_number'] = ''), 'FIELD_REQUIRED@shipment_number'],
    ]);
  });

  describe('LK_RECEIPT', () => {
    it('accepts the reference example', () => valid('LK_RECEIPT', receipt()));
    it('accepts buyer_inn where allowed, EAS_TRADE with its country, OTHER with its text', () => {
      valid('LK_RECEIPT', { ...receipt(), action: 'OWN_USE', document_type: 'UTD', buyer_inn: BUYER });
      valid('LK_RECEIPT', { ...receipt(), action: 'DONATION', document_type: 'UTD', buyer_inn: BUYER });
      valid('LK_RECEIPT', {
        ...receipt(),
        action: 'EAS_TRADE',
        document_type: 'UTD',
        destination_country_code: '112',
        importer_id: 'BY123',
      });
      valid('LK_RECEIPT', {
        ...receipt(),
        action: 'OTHER',
        withdrawal_type_other: 'пересорт',
        document_type: 'OTHER',
        primary_document_custom_name: 'Акт',
      });
      valid('LK_RECEIPT', {
        ...receipt(),
        action: 'STATE_SECRET',
        document_type: 'OTHER',
        primary_document_custom_name: 'ГК',
        state_contract_id: '1234567890121234567890123',
      });
      valid('LK_RECEIPT', { inn: ORG, action: 'LOSS', action_date: '2026-11-01', products: [{ cis: C[0] }] });
    });
    breaks('LK_RECEIPT', receipt, [
      ['buyer_inn with RETAIL', (b) => (b['buyer_inn'] = BUYER), 'BUYER_INN_FORBIDDEN@buyer_inn'],
      [
        'DONATION without buyer_inn',
        (b) => Object.assign(b, { action: 'DONATION', document_type: 'UTD' }),
        'BUYER_INN_REQUIRED@buyer_inn',
      ],
      [
        'OTHER without its description',
        (b) =>
          Object.assign(b, { action: 'OTHER', document_type: 'OTHER', primary_document_custom_name: 'x' }),
        'WITHDRAWAL_OTHER_REQUIRED@withdrawal_type_other',
      ],
      [
        'withdrawal_type_other without OTHER',
        (b) => (b['withdrawal_type_other'] = 'x'),
        'WITHDRAWAL_OTHER_FORBIDDEN@withdrawal_type_other',
      ],
      [
        'RETAIL without document_type',
        (b) => delete b['document_type'],
        'DOCUMENT_TYPE_REQUIRED@document_type',
      ],
      [
        'a document kind the reason does not allow',
        (b) => (b['document_type'] = 'DESTRUCTION_ACT'),
        'DOCUMENT_TYPE_REASON@document_type',
      ],
      [
        'document_type without number',
        (b) => delete b['document_number'],
        'DOCUMENT_NUMBER_REQUIRED@document_number',
      ],
      [
        'document_type without date',
        (b) => delete b['document_date'],
        'DOCUMENT_DATE_REQUIRED@document_date',
      ],
      [
        'document_type OTHER without its name',
        (b) => (b['document_type'] = 'OTHER'),
        'CUSTOM_NAME_REQUIRED@primary_document_custom_name',
      ],
      [
        'document_date with a time',
        (b) => (b['document_date'] = '2026-11-01T10:00:00'),
        'DATE_FORMAT@document_date',
      ],
      ['action_date in the future', (b) => (b['action_date'] = '2026-12-31'), 'DATE_FUTURE@action_date'],
      [
        'action_date over five years ago',
        (b) => (b['action_date'] = '2021-01-01'),
        'DATE_TOO_OLD@action_date',
      ],
      [
        'a malformed state-secret contract id',
        (b) =>
          Object.assign(b, {
            action: 'STATE_SECRET',
            document_type: 'OTHER',
            primary_document_custom_name: 'x',
            state_contract_id: '1234567890124234567890123',
          }),
        'STATE_CONTRACT_FORMAT@state_contract_id',
      ],
      [
        'a contract id with another reason',
        (b) => (b['state_contract_id'] = '1'),
        'STATE_CONTRACT_FORBIDDEN@state_contract_id',
      ],
      [
        'a destination country without EAS_TRADE',
        (b) => (b['destination_country_code'] = '112'),
        'EAS_ONLY@destination_country_code',
      ],
      [
        'an unknown EAEU country',
        (b) =>
          Object.assign(b, { action: 'EAS_TRADE', document_type: 'UTD', destination_country_code: '643' }),
        'FIELD_VALUE@destination_country_code',
      ],
      ['an unknown reason', (b) => (b['action'] = 'SALE'), 'FIELD_VALUE@action'],
      ['a malformed KPP', (b) => (b['kpp'] = '77080100'), 'KPP_FORMAT@kpp'],
      [
        'a per-code OTHER without its name',
        (b) => (b['products'][0].primary_document_type = 'OTHER'),
        'CUSTOM_NAME_REQUIRED@products[0].primary_document_custom_name',
      ],
    ]);
  });

  describe('LP_RETURN', () => {
    it('accepts the reference example', () => valid('LP_RETURN', ret()));
    breaks('LP_RETURN', ret, [
      ['paid without REMOTE_SALE_RETURN', (b) => (b['paid'] = true), 'PAID_FORBIDDEN@paid'],
      [
        'a contract id without STATE_CONTRACT_RETURN',
        (b) => (b['state_contract_id'] = '1'),
        'STATE_CONTRACT_FORBIDDEN@state_contract_id',
      ],
      ['an unknown return type', (b) => (b['return_type'] = 'BACK'), 'FIELD_VALUE@return_type'],
      ['no codes', (b) => (b['products_list'] = []), 'CODES_EMPTY@products_list'],
    ]);
  });

  describe('AGGREGATION_DOCUMENT', () => {
    it('accepts the reference example (camelCase fields)', () =>
      valid('AGGREGATION_DOCUMENT', aggregation()));
    breaks('AGGREGATION_DOCUMENT', aggregation, [
      [
        'another aggregation type',
        (b) => (b['aggregationUnits'][0].aggregationType = 'REAGGREGATION'),
        'FIELD_VALUE@aggregationUnits[0].aggregationType',
      ],
      [
        'a package code with brackets',
        (b) => (b['aggregationUnits'][0].unitSerialNumber = `(00)${SSCC.slice(2)}`),
        'AGGREGATE_BRACKETS@aggregationUnits[0].unitSerialNumber',
      ],
      [
        'a package code matching 02…37…',
        (b) => (b['aggregationUnits'][0].unitSerialNumber = '020460123456789337100'),
        'AGGREGATE_BULK@aggregationUnits[0].unitSerialNumber',
      ],
      [
        'package codes of different lengths',
        (b) =>
          b['aggregationUnits'].push({
            unitSerialNumber: SSCC.slice(2),
            aggregationType: 'AGGREGATION',
            sntins: [C[2]],
          }),
        'AGGREGATE_LENGTH@aggregationUnits[1].unitSerialNumber',
      ],
      [
        'an empty package',
        (b) => (b['aggregationUnits'][0].sntins = []),
        'CODES_EMPTY@aggregationUnits[0].sntins',
      ],
      [
        'an SSCC with a wrong check digit',
        (b) =>
          (b['aggregationUnits'][0].unitSerialNumber = SSCC.slice(0, -1) + ((Number(SSCC.at(-1)) + 1) % 10)),
        'CODE_SSCC_CHECK@aggregationUnits[0].unitSerialNumber',
      ],
      ['a participant with a bad INN', (b) => (b['participantId'] = '123'), 'INN_LENGTH@participantId'],
    ]);
  });

  describe('DISAGGREGATION_DOCUMENT', () => {
    const dis = (): Body => ({ participant_inn: ORG, products_list: [{ uitu: SSCC }] });
    it('accepts the reference example', () => valid('DISAGGREGATION_DOCUMENT', dis()));
    breaks('DISAGGREGATION_DOCUMENT', dis, [
      ['no packages', (b) => (b['products_list'] = []), 'CODES_EMPTY@products_list'],
      [
        'a package without its code',
        (b) => (b['products_list'] = [{}]),
        'FIELD_REQUIRED@products_list[0].uitu',
      ],
    ]);
  });

  describe('LK_REMARK', () => {
    it('accepts the reference example', () => valid('LK_REMARK', remark()));
    breaks('LK_REMARK', remark, [
      [
        'the new code equal to the old',
        (b) => (b['products'][0].new_uin = C[0]),
        'REMARK_SAME_CODE@products[0].new_uin',
      ],
      ['an unknown cause', (b) => (b['remarking_cause'] = 'BROKEN'), 'FIELD_VALUE@remarking_cause'],
      ['a date in the future', (b) => (b['remarking_date'] = '2027-01-01'), 'DATE_FUTURE@remarking_date'],
      ['no new code', (b) => (b['products'][0].new_uin = null), 'FIELD_REQUIRED@products[0].new_uin'],
    ]);
  });

  it('lists every problem of a document, not only the first', () => {
    const b = ship();
    b['receiver_inn'] = '7707083894';
    b['turnover_type'] = 'X';
    b['products'][0].product_cost = 'abc';
    b['products'][1].uit_code = C[0];
    b['document_date'] = 'yesterday';
    const got = errorsOf('LP_SHIP_GOODS', b);
    for (const e of [
      'INN_CHECKSUM@receiver_inn',
      'FIELD_VALUE@turnover_type',
      'MONEY_FORMAT@products[0].product_cost',
      'CODE_DUPLICATE@products[1].uit_code',
      'DATE_FORMAT@document_date',
    ]) {
      assert.ok(got.includes(e), `${e} in ${got.join(', ')}`);
    }
  });

  it('enforces the limits of one document: 30 000 codes, 30 MB', () => {
    const products = Array.from({ length: 30001 }, (_, i) => ({
      cis: `0104601234560016215${i.toString(36).padStart(12, '0')}`,
    }));
    const got = errorsOf('LK_RECEIPT', { inn: ORG, action: 'LOSS', action_date: '2026-11-01', products });
    assert.deepEqual(got, ['DOC_TOO_MANY_CODES@(root)']);
    const small = validateDocument(
      'LK_RECEIPT',
      { ...receipt(), primary_document_custom_name: 'x'.repeat(2000) },
      { maxBytes: 1000, today: TODAY },
    );
    assert.deepEqual(
      small.map((e) => e.code),
      ['DOC_TOO_LARGE'],
    );
  });
});
