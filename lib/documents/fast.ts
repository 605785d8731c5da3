/**
 * Fast acceptance of plain list items (a document may hold 30 000 of them): a check with no
 * allocation that returns true only when the item's zod schema (schemas.ts ITEM_SCHEMAS) would
 * accept it. Items it does not vouch for (unusual fields, wrong values) are parsed by zod as usual,
 * so messages are zod's; the property test in test/unit/documents-fast.test.ts keeps the two in step.
 */
import type { DocumentType } from './schemas';

type Rec = Record<string, unknown>;

const KOPECKS = /^\d{1,17}(?:\.0+)?$/;

function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function nullish(v: unknown): boolean {
  return v === undefined || v === null;
}
/** codeString: a non-empty string */
function code(v: unknown): boolean {
  return typeof v === 'string' && v.length > 0;
}
function optCode(v: unknown): boolean {
  return nullish(v) || code(v);
}
function optString(v: unknown): boolean {
  return nullish(v) || typeof v === 'string';
}
function optKopecks(v: unknown): boolean {
  if (nullish(v)) return true;
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0;
  return typeof v === 'string' && KOPECKS.test(v);
}
function tnved(v: unknown): boolean {
  if (typeof v !== 'string' || v.length !== 10) return false;
  for (let i = 0; i < 10; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
/** Fields the fast path does not look into: present (not null) → zod decides. */
function absent(o: Rec, keys: readonly string[]): boolean {
  for (const k of keys) if (!nullish(o[k])) return false;
  return true;
}

const INTRODUCE_OTHER = [
  'certificate_document_data',
  'certificate_document',
  'certificate_document_number',
  'certificate_document_date',
  'vsd_number',
  'production_date',
  'licences',
  'children',
] as const;
const RECEIPT_OTHER = [
  'partial_quantity',
  'primary_document_type',
  'primary_document_number',
  'primary_document_date',
  'primary_document_custom_name',
] as const;
const RETURN_OTHER = [
  'paid',
  'primary_document_type',
  'primary_document_number',
  'primary_document_date',
  'primary_document_custom_name',
] as const;

const REMARK_OTHER = [
  'production_country',
  'color',
  'product_size',
  'certificate_document_data',
  'primary_document_type',
  'primary_document_number',
  'primary_document_date',
  'primary_document_custom_name',
  'paid',
] as const;

function optTnved(v: unknown): boolean {
  return nullish(v) || tnved(v);
}

/** A package code the aggregation schema accepts: its characters, no brackets, not a bulk code. */
const AGGREGATE_CHARS = /^[A-Za-z0-9%&'"()*+,\-_./:;<=>?!]{18,74}$/;
function packageCode(v: unknown): boolean {
  return (
    typeof v === 'string' &&
    AGGREGATE_CHARS.test(v) &&
    !/^\((?:00|01|21)\)/.test(v) &&
    !/^02\d{14}37\d+$/.test(v)
  );
}
function codes(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (!code(v[i])) return false;
  return true;
}

export type FastItemCheck = (item: unknown) => boolean;

export const FAST_ITEM: Partial<Record<DocumentType, FastItemCheck>> = {
  LP_SHIP_GOODS: (o) =>
    isRec(o) &&
    optCode(o['uit_code']) &&
    optCode(o['uitu_code']) &&
    optString(o['product_description']) &&
    optKopecks(o['product_cost']) &&
    optKopecks(o['product_tax']),
  LP_ACCEPT_GOODS: (o) =>
    isRec(o) &&
    optCode(o['uit_code']) &&
    optCode(o['uitu_code']) &&
    optKopecks(o['product_cost']) &&
    optKopecks(o['product_tax']) &&
    typeof o['accepted'] === 'boolean' &&
    nullish(o['children']),
  LP_INTRODUCE_GOODS: (o) =>
    isRec(o) &&
    optCode(o['uit_code']) &&
    optCode(o['uitu_code']) &&
    tnved(o['tnved_code']) &&
    absent(o, INTRODUCE_OTHER),
  LP_GOODS_IMPORT: (o) =>
    isRec(o) &&
    optCode(o['uit_code']) &&
    optCode(o['uitu_code']) &&
    tnved(o['tnved_code']) &&
    absent(o, INTRODUCE_OTHER),
  LK_RECEIPT: (o) => isRec(o) && code(o['cis']) && optKopecks(o['product_cost']) && absent(o, RECEIPT_OTHER),
  LP_RETURN: (o) => isRec(o) && code(o['ki']) && absent(o, RETURN_OTHER),
  DISAGGREGATION_DOCUMENT: (o) => isRec(o) && code(o['uitu']),
  AGGREGATION_DOCUMENT: (o) =>
    isRec(o) &&
    packageCode(o['unitSerialNumber']) &&
    o['aggregationType'] === 'AGGREGATION' &&
    codes(o['sntins']),
  LK_REMARK: (o) =>
    isRec(o) &&
    code(o['last_uin']) &&
    code(o['new_uin']) &&
    optTnved(o['tnved_10']) &&
    absent(o, REMARK_OTHER),
};
