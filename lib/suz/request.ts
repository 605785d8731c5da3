/**
 * What an order of codes is made from (the suz-order node, docs/suz.md): a 1C document
 * `Document_ЗаказНаЭмиссиюКодовМаркировкиСУЗ` of УТ 11 / ERP (header `ВидПродукции`,
 * `СпособВводаВОборот`; tabular section `Товары` with `GTIN`, `Количество`, `Шаблон`, `ВидКИЗ`,
 * `СпособФормированияСерийногоНомера` — БГосИС configuration, see docs/suz.md; every name is
 * overridable), or a plain message (`gtin`, `quantity`, `templateId`, `cisType`, `productGroup`,
 * `releaseMethodType`, or `products[]`). And the messages its blocks of codes leave as.
 *
 * Order body: «СУЗ-Облако 4.0. Руководство программиста» §4.4.1 (`releaseMethodType` PRODUCTION,
 * IMPORT, REMAINS, CROSSBORDER, REMARK, COMMISSION; `cisType` UNIT, GROUP, SET, BUNDLE, §5.3.1).
 */
import { checkGtin } from '../codes/gtin';
import { tryParseCode } from '../codes/parse';
import { productGroup as groupInfo } from '../cz/product-groups';
import { DEFAULT_GROUP_MAPPING, groupFor } from '../documents/groups';
import { ZnakFlowError } from '../errors';
import { onecOf, suzOf, type FlowMessage, type SuzMeta } from '../message';
import { orderKey, type OrderLine } from './journal';
import type { DeliveredBlock, OrderRequest } from './orders';

/** The field names of the 1C order document (preset of УТ 11 / ERP; each overridable in the node). */
export interface OnecOrderFields {
  table: string;
  gtin: string;
  quantity: string;
  template: string;
  cisType: string;
  serialType: string;
  releaseMethod: string;
  productGroup: string;
}

/** `Document_ЗаказНаЭмиссиюКодовМаркировкиСУЗ` (БГосИС in УТ 11.5 / ERP 2.5). ⚠ see docs/suz.md. */
export const ONEC_ORDER_PRESET: OnecOrderFields = {
  table: 'Товары',
  gtin: 'GTIN',
  quantity: 'Количество',
  template: 'Шаблон',
  cisType: 'ВидКИЗ',
  serialType: 'СпособФормированияСерийногоНомера',
  releaseMethod: 'СпособВводаВОборот',
  productGroup: 'ВидПродукции',
};

export const RELEASE_METHODS = [
  'PRODUCTION',
  'IMPORT',
  'REMAINS',
  'CROSSBORDER',
  'REMARK',
  'COMMISSION',
] as const;
export const CIS_TYPES = ['UNIT', 'GROUP', 'SET', 'BUNDLE'] as const;

export interface OrderDefaults {
  productGroup?: string;
  templateId?: number;
  cisType: string;
  releaseMethodType: string;
  fields: OnecOrderFields;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(field: string, ru: string, en: string): ZnakFlowError {
  return new ZnakFlowError({
    code: 'SUZ_INVALID_ARGUMENT',
    field,
    ru: `${field}: ${ru}`,
    en: `${field}: ${en}`,
    source: 'input',
  });
}

/** 1C enum values of СпособВводаВОборот (⚠ names not established) or the СУЗ value itself. */
export function releaseMethodOf(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const s = v.trim();
  if ((RELEASE_METHODS as readonly string[]).includes(s.toUpperCase())) return s.toUpperCase();
  if (/трансгран|еаэс/i.test(s)) return 'CROSSBORDER';
  if (/перемарк/i.test(s)) return 'REMARK';
  if (/комисс/i.test(s)) return 'COMMISSION';
  if (/остат/i.test(s)) return 'REMAINS';
  if (/ввоз|ввез|импорт/i.test(s)) return 'IMPORT';
  if (/производ/i.test(s)) return 'PRODUCTION';
  return undefined;
}

/** 1C values of ВидКИЗ (⚠) or the СУЗ value itself. */
export function cisTypeOf(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const s = v.trim();
  if (/^[A-Z_]+$/.test(s)) return s;
  if (/групп/i.test(s)) return 'GROUP';
  if (/набор/i.test(s)) return 'SET';
  if (/комплект/i.test(s)) return 'BUNDLE';
  if (/единиц|штуч|потребит/i.test(s)) return 'UNIT';
  return undefined;
}

function intOf(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

function line(
  r: Rec,
  i: number,
  names: { gtin: string; quantity: string; template: string; cisType: string },
  where: string,
  d: OrderDefaults,
): OrderLine {
  const at = (n: string): string => `${where}[${i}].${n}`;
  const gtin = String(r[names.gtin] ?? '').trim();
  const g = checkGtin(gtin);
  if (!g.ok) throw bad(at(names.gtin), g.ru, g.en);
  const quantity = intOf(r[names.quantity]);
  if (quantity === undefined || !Number.isInteger(quantity) || quantity < 1) {
    throw bad(
      at(names.quantity),
      'количество кодов — целое число от 1',
      'the quantity of codes is a whole number from 1',
    );
  }
  const templateId = intOf(r[names.template]) ?? d.templateId;
  if (templateId === undefined || !Number.isInteger(templateId) || templateId < 1) {
    throw bad(
      at(names.template),
      'не указан шаблон КМ (templateId, число из справочника СУЗ «Шаблоны КМ»), и в узле его нет',
      'no code template (templateId, a number of the СУЗ «Шаблоны КМ» dictionary), and the node has none',
    );
  }
  const cisType = cisTypeOf(r[names.cisType]) ?? d.cisType;
  return { gtin: g.gtin14, quantity, templateId, cisType };
}

function groupOf(v: unknown, d: OrderDefaults, field: string): string {
  const pg = groupFor(v, DEFAULT_GROUP_MAPPING) ?? d.productGroup;
  if (!pg || !groupInfo(pg)) {
    throw bad(
      field,
      `не указана или неизвестна товарная группа${typeof v === 'string' && v ? ` «${v}»` : ''} (код pg, например lp, или ВидПродукции 1С)`,
      `the product group is missing or unknown${typeof v === 'string' && v ? ` "${v}"` : ''} (a pg code, e.g. lp, or the 1C ВидПродукции)`,
    );
  }
  return pg;
}

/** Is the message a 1C document (msg.onec.ref and the table of goods)? */
export function isOnecOrder(msg: FlowMessage, fields: OnecOrderFields): boolean {
  return isRec(msg.payload) && Array.isArray(msg.payload[fields.table]) && !!onecOf(msg).ref;
}

/** The order a message asks for (1C document or plain request), with its key. */
export function orderRequestOf(msg: FlowMessage, d: OrderDefaults): OrderRequest {
  const given = suzOf(msg).key;
  if (isOnecOrder(msg, d.fields)) {
    const doc = msg.payload as Rec;
    const f = d.fields;
    const rows = doc[f.table] as unknown[];
    if (rows.length === 0) throw bad(f.table, 'в документе нет товаров', 'the document has no goods');
    const products = rows.map((r, i) => {
      if (!isRec(r)) throw bad(`${f.table}[${i}]`, 'не строка табличной части', 'not a row of the table');
      const serial = r[f.serialType];
      if (typeof serial === 'string' && /самост|self/i.test(serial)) {
        throw bad(
          `${f.table}[${i}].${f.serialType}`,
          'серийные номера, заданные самостоятельно (SELF_MADE), не поддерживаются: закажите коды с номерами от оператора',
          'self-made serial numbers (SELF_MADE) are not supported: order codes with serials from the operator',
        );
      }
      return line(r, i, f, f.table, d);
    });
    const onec = onecOf(msg);
    const source = { ref: onec.ref as string, dataVersion: onec.dataVersion, number: onec.number };
    const releaseMethodType = releaseMethodOf(doc[f.releaseMethod]) ?? d.releaseMethodType;
    return {
      // one order per 1C document (not per version: a document changed after ordering is not paid twice)
      key: given ?? orderKey({ ref: source.ref }),
      productGroup: groupOf(doc[f.productGroup], d, f.productGroup),
      products,
      source,
      attributes: { releaseMethodType },
    };
  }
  const p = isRec(msg.payload) ? msg.payload : {};
  const names = { gtin: 'gtin', quantity: 'quantity', template: 'templateId', cisType: 'cisType' };
  const list = Array.isArray(p['products']) ? p['products'] : [p];
  if (list.length === 0) throw bad('payload.products', 'в заказе нет товаров', 'the order has no products');
  const products = list.map((r, i) =>
    line(isRec(r) ? r : {}, i, names, Array.isArray(p['products']) ? 'payload.products' : 'payload', d),
  );
  const releaseMethodType =
    releaseMethodOf(p['releaseMethodType'] ?? p['releaseMethod']) ?? d.releaseMethodType;
  const productGroup = groupOf(p['productGroup'], d, 'payload.productGroup');
  const key = given ?? (typeof p['key'] === 'string' && p['key'] ? `order:key:${p['key']}` : undefined);
  const req: OrderRequest = { productGroup, products, attributes: { releaseMethodType } };
  return key ? { ...req, key } : req;
}

/** The fields of a block message's `msg.suz` (the codes themselves go in msg.payload). */
export function blockMeta(
  b: DeliveredBlock,
  o: { omsId: string; productGroup: string; index: number; source?: SuzMeta['source'] },
): Partial<SuzMeta> {
  return {
    key: b.orderKey,
    omsId: o.omsId,
    orderId: b.orderId,
    productGroup: o.productGroup,
    state: 'block',
    gtin: b.gtin,
    blockId: b.blockId,
    block: o.index,
    again: b.again,
    codes: b.codes.length,
    cises: b.codes.map((c) => {
      const r = tryParseCode(c, o.productGroup);
      return r.ok ? r.value.cis : c;
    }),
    ...(o.source ? { source: o.source } : {}),
  };
}
