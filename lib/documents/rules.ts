/**
 * Cross-field rules of the document types («Описание True API» v553 §4.1), written as plain functions over the
 * raw body so that they run even when some field has the wrong type: the validator lists every
 * problem at once, not the first layer of them.
 */
import { kopecksValue, parseDate, dayNumber } from './common';
import { isIndividual, placeRequirement } from './place';
import {
  BUYER_INN_ALLOWED,
  BUYER_INN_REQUIRED,
  CANCEL_SHIPMENT_GROUPS,
  DOCUMENT_TYPES_BY_REASON,
  type DocumentType,
  type WithdrawalReason,
} from './schemas';

export type Rec = Record<string, unknown>;
export type Add = (path: string, code: string, ru: string, en: string) => void;

export interface RuleContext {
  productGroup?: string;
  /** today as a day number (days since 1970-01-01) */
  today: number;
}

export function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** No value: absent, null or an empty string. */
export function blank(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

/** Each object element of a list with its index (a plain loop: lists hold up to 30 000 items). */
function eachRecord(v: unknown, fn: (x: Rec, i: number) => void): void {
  if (!Array.isArray(v)) return;
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (isRec(x)) fn(x, i);
  }
}

const FIVE_YEARS = 5 * 365 + 2;

/**
 * A date that must not be in the future nor older than five years (action_date, production_date).
 * One day of slack both ways: the 1C date is the base's wall clock, `today` the machine's.
 */
function dateRange(v: unknown, path: string, ctx: RuleContext, add: Add, notOlder = true): void {
  const d = parseDate(v);
  if (!d) return; // format reported by the schema
  const n = dayNumber(d);
  if (n > ctx.today + 1) {
    add(
      path,
      'DATE_FUTURE',
      `дата ${String(v)} в будущем: она не может быть позже сегодняшней`,
      `date ${String(v)} is in the future: it cannot be later than today`,
    );
  } else if (notOlder && n < ctx.today - FIVE_YEARS - 1) {
    add(
      path,
      'DATE_TOO_OLD',
      `дата ${String(v)} старше пяти лет: допустимо не ранее, чем за 5 лет до сегодняшнего дня`,
      `date ${String(v)} is more than five years ago: at most five years back is accepted`,
    );
  }
}

function emptyList(body: Rec, key: string, add: Add): void {
  const list = body[key];
  if (Array.isArray(list) && list.length === 0) {
    add(
      key,
      'CODES_EMPTY',
      `список ${key} пуст: в документе должен быть хотя бы один код маркировки`,
      `${key} is empty: a document needs at least one marking code`,
    );
  }
}

/** `prefix[i]`: built only when a problem is reported (a list may hold 100 000 items). */
function at(prefix: string, i: number): string {
  return `${prefix}[${i}]`;
}

function oneCode(p: Rec, prefix: string, i: number, add: Add, unit = 'uit_code', pack = 'uitu_code'): void {
  const hasUnit = !blank(p[unit]);
  const hasPack = !blank(p[pack]);
  if (!hasUnit && !hasPack) {
    add(
      `${at(prefix, i)}.${unit}`,
      'CODE_MISSING',
      `не указан код: нужен ${unit} (код товара) или ${pack} (код упаковки)`,
      `no code: ${unit} (unit code) or ${pack} (package code) is required`,
    );
  } else if (hasUnit && hasPack) {
    add(
      `${at(prefix, i)}.${pack}`,
      'CODE_BOTH',
      `одновременное заполнение ${unit} и ${pack} недопустимо`,
      `${unit} and ${pack} must not both be filled`,
    );
  }
}

function introduceProducts(list: unknown, prefix: string, ctx: RuleContext, add: Add): void {
  eachRecord(list, (p, i) => {
    oneCode(p, prefix, i, add);
    const filled =
      (blank(p['certificate_document']) ? 0 : 1) +
      (blank(p['certificate_document_number']) ? 0 : 1) +
      (blank(p['certificate_document_date']) ? 0 : 1);
    if (filled > 0 && filled < 3) {
      add(
        `${at(prefix, i)}.certificate_document`,
        'CERTIFICATE_TRIO',
        'certificate_document, certificate_document_number и certificate_document_date заполняются все три или ни одного',
        'certificate_document, certificate_document_number and certificate_document_date go all three or none',
      );
    }
    const data = p['certificate_document_data'];
    if (filled > 0 && Array.isArray(data) && data.length > 0) {
      add(
        `${at(prefix, i)}.certificate_document_data`,
        'CERTIFICATE_BOTH',
        'certificate_document_data нельзя указывать вместе с certificate_document/_number/_date',
        'certificate_document_data must not be given together with certificate_document/_number/_date',
      );
    }
    if (!blank(p['production_date']))
      dateRange(p['production_date'], `${at(prefix, i)}.production_date`, ctx, add);
    if (Array.isArray(p['children'])) introduceProducts(p['children'], `${at(prefix, i)}.children`, ctx, add);
  });
}

function costAndTax(p: Rec, prefix: string, i: number, add: Add): void {
  const cost = kopecksValue(p['product_cost']);
  const tax = kopecksValue(p['product_tax']);
  if (cost === null || tax === null) return;
  if (cost < tax || (cost === tax && tax > 0)) {
    add(
      `${at(prefix, i)}.product_cost`,
      'COST_BELOW_TAX',
      `цена с НДС (${cost} коп.) должна быть больше суммы НДС (${tax} коп.)`,
      `price including VAT (${cost} kopecks) must exceed the VAT amount (${tax} kopecks)`,
    );
  }
}

const RULES: Record<DocumentType, (body: Rec, ctx: RuleContext, add: Add) => void> = {
  LP_INTRODUCE_GOODS(body, ctx, add) {
    emptyList(body, 'products', add);
    if (!blank(body['production_date'])) dateRange(body['production_date'], 'production_date', ctx, add);
    introduceProducts(body['products'], 'products', ctx, add);
  },
  LP_GOODS_IMPORT(body, ctx, add) {
    emptyList(body, 'products', add);
    dateRange(body['declaration_date'], 'declaration_date', ctx, add, false);
    introduceProducts(body['products'], 'products', ctx, add);
  },
  LP_SHIP_GOODS(body, ctx, add) {
    emptyList(body, 'products', add);
    eachRecord(body['products'], (p, i) => {
      oneCode(p, 'products', i, add);
      if (ctx.productGroup === 'furs' && blank(p['product_cost'])) {
        add(
          `${at('products', i)}.product_cost`,
          'COST_REQUIRED',
          'для меховых изделий нужна цена с НДС в копейках (product_cost)',
          'fur products need the price including VAT in kopecks (product_cost)',
        );
      }
      costAndTax(p, 'products', i, add);
    });
  },
  LP_ACCEPT_GOODS(body, _ctx, add) {
    const all = body['accept_all'] === true;
    const none = body['reject_all'] === true;
    if (all && none) {
      add(
        'reject_all',
        'ACCEPT_REJECT_BOTH',
        'accept_all и reject_all не могут быть оба true',
        'accept_all and reject_all cannot both be true',
      );
    }
    if (!all && !none) emptyList(body, 'products', add);
    const walk = (list: unknown, prefix: string): void => {
      eachRecord(list, (p, i) => {
        if (blank(p['uit_code']) && blank(p['uitu_code'])) {
          add(
            `${at(prefix, i)}.uit_code`,
            'CODE_MISSING',
            'не указан код (uit_code или uitu_code)',
            'no code (uit_code or uitu_code)',
          );
        }
        costAndTax(p, prefix, i, add);
        if (Array.isArray(p['children'])) walk(p['children'], `${at(prefix, i)}.children`);
      });
    };
    walk(body['products'], 'products');
  },
  LP_CANCEL_SHIPMENT(_body, ctx, add) {
    if (ctx.productGroup && !CANCEL_SHIPMENT_GROUPS.includes(ctx.productGroup)) {
      add(
        'type',
        'TYPE_NOT_FOR_GROUP',
        `отмена отгрузки (LP_CANCEL_SHIPMENT) недоступна для товарной группы ${ctx.productGroup}; доступна для: ${CANCEL_SHIPMENT_GROUPS.join(', ')}`,
        `LP_CANCEL_SHIPMENT is not available for product group ${ctx.productGroup}; available for: ${CANCEL_SHIPMENT_GROUPS.join(', ')}`,
      );
    }
  },
  LK_RECEIPT(body, ctx, add) {
    emptyList(body, 'products', add);
    const a = typeof body['action'] === 'string' ? (body['action'] as WithdrawalReason) : undefined;
    dateRange(body['action_date'], 'action_date', ctx, add);
    if (a === undefined) return; // reported by the schema
    if (BUYER_INN_REQUIRED.includes(a) && blank(body['buyer_inn'])) {
      add(
        'buyer_inn',
        'BUYER_INN_REQUIRED',
        `при причине ${a} нужно указать ИНН получателя (buyer_inn)`,
        `buyer_inn is required for reason ${a}`,
      );
    }
    if (!BUYER_INN_ALLOWED.includes(a) && !blank(body['buyer_inn'])) {
      add(
        'buyer_inn',
        'BUYER_INN_FORBIDDEN',
        `buyer_inn указывается только при причинах DONATION, OWN_USE, PRODUCTION_USE, а не ${a}`,
        `buyer_inn is allowed only for DONATION, OWN_USE, PRODUCTION_USE, not ${a}`,
      );
    }
    const other = body['withdrawal_type_other'];
    if (a === 'OTHER' && blank(other)) {
      add(
        'withdrawal_type_other',
        'WITHDRAWAL_OTHER_REQUIRED',
        'при причине OTHER нужно описать причину в withdrawal_type_other (1–1024 знака)',
        'reason OTHER needs withdrawal_type_other (1–1024 characters)',
      );
    }
    if (a !== 'OTHER' && !blank(other)) {
      add(
        'withdrawal_type_other',
        'WITHDRAWAL_OTHER_FORBIDDEN',
        `withdrawal_type_other указывается только при причине OTHER, а не ${a}`,
        `withdrawal_type_other is allowed only with reason OTHER, not ${a}`,
      );
    }
    const sc = body['state_contract_id'];
    if (!blank(sc)) {
      const s = String(sc);
      if (a === 'STATE_SECRET' && !/^\d{12}[123]\d{12}$/.test(s)) {
        add(
          'state_contract_id',
          'STATE_CONTRACT_FORMAT',
          'идентификатор госконтракта для STATE_SECRET: 25 цифр, 13-я — 1, 2 или 3',
          'state contract id for STATE_SECRET: 25 digits, the 13th being 1, 2 or 3',
        );
      } else if (a === 'STATE_CONTRACT' && s.length > 255) {
        add(
          'state_contract_id',
          'STATE_CONTRACT_FORMAT',
          'идентификатор госконтракта: 1–255 знаков',
          'state contract id: 1–255 characters',
        );
      } else if (a !== 'STATE_SECRET' && a !== 'STATE_CONTRACT') {
        add(
          'state_contract_id',
          'STATE_CONTRACT_FORBIDDEN',
          `state_contract_id указывается только при причинах STATE_SECRET и STATE_CONTRACT, а не ${a}`,
          `state_contract_id is allowed only for STATE_SECRET and STATE_CONTRACT, not ${a}`,
        );
      }
    }
    const docType = body['document_type'];
    if (a === 'RETAIL' && blank(docType)) {
      add(
        'document_type',
        'DOCUMENT_TYPE_REQUIRED',
        'при причине RETAIL нужен вид первичного документа (document_type: RECEIPT, SALES_RECEIPT или OTHER)',
        'reason RETAIL needs the primary document kind (document_type: RECEIPT, SALES_RECEIPT or OTHER)',
      );
    }
    const allowed = DOCUMENT_TYPES_BY_REASON[a];
    if (typeof docType === 'string' && docType !== '' && allowed && !allowed.includes(docType)) {
      add(
        'document_type',
        'DOCUMENT_TYPE_REASON',
        `вид документа ${docType} не подходит к причине ${a}; допустимы: ${allowed.join(', ')}`,
        `document kind ${docType} does not go with reason ${a}; allowed: ${allowed.join(', ')}`,
      );
    }
    if (!blank(docType)) {
      if (blank(body['document_number'])) {
        add(
          'document_number',
          'DOCUMENT_NUMBER_REQUIRED',
          'при указанном document_type нужен номер документа (document_number, 1–255 знаков)',
          'document_number (1–255 characters) is required when document_type is set',
        );
      }
      if (blank(body['document_date'])) {
        add(
          'document_date',
          'DOCUMENT_DATE_REQUIRED',
          'при указанном document_type нужна дата документа (document_date)',
          'document_date is required when document_type is set',
        );
      }
    }
    if (docType === 'OTHER' && blank(body['primary_document_custom_name'])) {
      add(
        'primary_document_custom_name',
        'CUSTOM_NAME_REQUIRED',
        'при document_type = OTHER нужно наименование документа (primary_document_custom_name)',
        'primary_document_custom_name is required when document_type is OTHER',
      );
    }
    if (a !== 'EAS_TRADE') {
      for (const f of ['destination_country_code', 'importer_id']) {
        if (!blank(body[f])) {
          add(
            f,
            'EAS_ONLY',
            `${f} указывается только при причине EAS_TRADE`,
            `${f} is allowed only with reason EAS_TRADE`,
          );
        }
      }
    }
    // Business place (place.ts: the table and its sources)
    const need = placeRequirement(ctx.productGroup, a, body['inn']);
    if (need.fias && blank(body['fias_id'])) {
      add(
        'fias_id',
        'FIAS_ID_REQUIRED',
        `не указан код ФИАС места деятельности (fias_id): для товарной группы ${ctx.productGroup ?? ''} при причине ${a} он обязателен`,
        `the FIAS id of the business place (fias_id) is missing: it is required for product group ${ctx.productGroup ?? ''} with reason ${a}`,
      );
    }
    if (need.kpp && blank(body['kpp'])) {
      add(
        'kpp',
        'KPP_REQUIRED',
        `не указан КПП места деятельности (kpp): для товарной группы ${ctx.productGroup ?? ''} при причине ${a} он обязателен`,
        `the KPP of the business place (kpp) is missing: it is required for product group ${ctx.productGroup ?? ''} with reason ${a}`,
      );
    }
    if (isIndividual(body['inn']) && !blank(body['kpp'])) {
      add(
        'kpp',
        'KPP_FOR_INDIVIDUAL',
        'КПП (kpp) указывается только для юридических лиц, а ИНН участника — индивидуального предпринимателя (12 цифр)',
        'kpp is given only for legal entities; the participant INN is an individual entrepreneur’s (12 digits)',
      );
    }
    eachRecord(body['products'], (p, i) => {
      if (p['primary_document_type'] === 'OTHER' && blank(p['primary_document_custom_name'])) {
        add(
          `products[${i}].primary_document_custom_name`,
          'CUSTOM_NAME_REQUIRED',
          'при primary_document_type = OTHER нужно наименование документа',
          'primary_document_custom_name is required when primary_document_type is OTHER',
        );
      }
    });
  },
  LP_RETURN(body, _ctx, add) {
    emptyList(body, 'products_list', add);
    const rt = String(body['return_type'] ?? '');
    if (!blank(body['paid']) && rt !== 'REMOTE_SALE_RETURN') {
      add(
        'paid',
        'PAID_FORBIDDEN',
        `paid указывается только при REMOTE_SALE_RETURN, а не ${rt}`,
        `paid is allowed only with REMOTE_SALE_RETURN, not ${rt}`,
      );
    }
    if (!blank(body['state_contract_id']) && rt !== 'STATE_CONTRACT_RETURN') {
      add(
        'state_contract_id',
        'STATE_CONTRACT_FORBIDDEN',
        `state_contract_id указывается только при STATE_CONTRACT_RETURN, а не ${rt}`,
        `state_contract_id is allowed only with STATE_CONTRACT_RETURN, not ${rt}`,
      );
    }
  },
  AGGREGATION_DOCUMENT(body, _ctx, add) {
    emptyList(body, 'aggregationUnits', add);
    let first: number | undefined;
    eachRecord(body['aggregationUnits'], (u, i) => {
      const usn = u['unitSerialNumber'];
      if (Array.isArray(u['sntins']) && u['sntins'].length === 0) {
        add(
          `aggregationUnits[${i}].sntins`,
          'CODES_EMPTY',
          'в упаковке нет вложенных кодов (sntins пуст)',
          'the package has no nested codes (sntins is empty)',
        );
      }
      if (typeof usn !== 'string') return;
      if (first === undefined) first = usn.length;
      else if (usn.length !== first) {
        add(
          `aggregationUnits[${i}].unitSerialNumber`,
          'AGGREGATE_LENGTH',
          `коды упаковок в одном документе должны быть одной длины (${first}), а этот — ${usn.length}`,
          `package codes in one document must have the same length (${first}); this one has ${usn.length}`,
        );
      }
    });
  },
  DISAGGREGATION_DOCUMENT(body, _ctx, add) {
    emptyList(body, 'products_list', add);
  },
  LK_REMARK(body, ctx, add) {
    emptyList(body, 'products', add);
    dateRange(body['remarking_date'], 'remarking_date', ctx, add, false);
    eachRecord(body['products'], (p, i) => {
      if (!blank(p['last_uin']) && p['last_uin'] === p['new_uin']) {
        add(
          `products[${i}].new_uin`,
          'REMARK_SAME_CODE',
          'новый код (new_uin) совпадает со старым (last_uin)',
          'the new code (new_uin) equals the old one (last_uin)',
        );
      }
    });
  },
};

export function applyRules(type: DocumentType, body: Rec, ctx: RuleContext, add: Add): void {
  RULES[type](body, ctx, add);
}
