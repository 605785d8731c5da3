/**
 * zod schemas of the document bodies (`product_document`, `document_format` MANUAL = JSON) with the
 * exact field names of the reference («Описание True API» v553 §4.1.2–4.1.19). Optional fields may be omitted or
 * `null` («Описание True API» v553.0 §1.2 asks clients to send `null`; an emulator accepts both).
 *
 * Rules that depend on the product group, on today's date or on the codes themselves are checked by
 * `validateDocument` after the schema, so that every problem is listed in one pass.
 */
import { z } from 'zod';
import { codeString, dateField, inn, issue, kopecks, kpp, text, tnved10 } from './common';
import { FIAS_ID } from './place';

export const DOCUMENT_TYPES = [
  'LP_INTRODUCE_GOODS',
  'LP_GOODS_IMPORT',
  'LP_SHIP_GOODS',
  'LP_ACCEPT_GOODS',
  'LP_CANCEL_SHIPMENT',
  'LK_RECEIPT',
  'LP_RETURN',
  'AGGREGATION_DOCUMENT',
  'DISAGGREGATION_DOCUMENT',
  'LK_REMARK',
] as const;

export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** The document types this pack builds and validates (JSON, `document_format` MANUAL). */
export const SUPPORTED_TYPES: readonly string[] = DOCUMENT_TYPES;

export const TURNOVER_TYPES = ['SELLING', 'COMMISSION', 'AGENT'] as const;

export const CERTIFICATE_TYPES = [
  'CONFORMITY_CERTIFICATE',
  'CONFORMITY_DECLARATION',
  'STATE_REGISTRATION_CERTIFICATE',
  'REGISTRATION_CERTIFICATE',
  'REGISTRATION_VET_CERTIFICATE',
] as const;

/** Withdrawal reasons valid for LK_RECEIPT (v553 «Справочник "Причины выбытия"»). */
export const WITHDRAWAL_REASONS = [
  'RETAIL',
  'BEYOND_EEC_EXPORT',
  'BY_SAMPLES',
  'CONFISCATION',
  'DESTRUCTION',
  'DISTANCE',
  'DONATION',
  'EAS_TRADE',
  'EXPIRATION',
  'LOSS',
  'MEDICAL_USE',
  'MISMATCH',
  'OTHER',
  'OWN_USE',
  'PACKING',
  'PRODUCTION_USE',
  'RECALL',
  'RETURN',
  'STATE_CONTRACT',
  'STATE_SECRET',
  'UTILIZATION',
  'VENDING',
  'VETERINARY_USE',
] as const;
export type WithdrawalReason = (typeof WITHDRAWAL_REASONS)[number];

/** Kinds of the primary document of a withdrawal (LK_RECEIPT `document_type`). */
export const PRIMARY_DOCUMENT_TYPES = [
  'CONSIGNMENT_NOTE',
  'CUSTOMS_DECLARATION',
  'DESTRUCTION_ACT',
  'DIGITAL_CERTIFICATE',
  'ORTHOPEDIC_PRODUCT_ACT',
  'OTHER',
  'RECEIPT',
  'SALES_RECEIPT',
  'UTD',
] as const;

/**
 * `document_type` allowed per reason where the reference gives the mapping (it says "e.g.": for
 * the other reasons any kind is accepted — tolerant).
 */
export const DOCUMENT_TYPES_BY_REASON: Partial<Record<WithdrawalReason, readonly string[]>> = {
  RETAIL: ['RECEIPT', 'SALES_RECEIPT', 'OTHER'],
  DESTRUCTION: ['DESTRUCTION_ACT', 'OTHER'],
  BEYOND_EEC_EXPORT: ['CUSTOMS_DECLARATION', 'OTHER'],
};

/** `buyer_inn`: required for DONATION, allowed for OWN_USE and PRODUCTION_USE, forbidden otherwise. */
export const BUYER_INN_REQUIRED: readonly string[] = ['DONATION'];
export const BUYER_INN_ALLOWED: readonly string[] = ['DONATION', 'OWN_USE', 'PRODUCTION_USE'];

export const EAS_COUNTRIES = ['112', '417', '398', '051'] as const;

export const RETURN_TYPES = [
  'REMOTE_SALE_RETURN',
  'RETAIL_RETURN',
  'OWN_USE_RETURN',
  'STATE_CONTRACT_RETURN',
  'VENDING_RETURN',
  'NOT_FOR_SALE_RETURN',
] as const;

export const RETURN_PRIMARY_DOCUMENT_TYPES = ['RECEIPT', 'SALES_RECEIPT', 'OTHER'] as const;

export const REMARKING_CAUSES = [
  'KM_SPOILED',
  'DESCRIPTION_ERRORS',
  'RETAIL_RETURN',
  'REMOTE_SALE_RETURN',
  'LEGAL_RETURN',
  'INTERNAL_RETURN',
  'EEC_EXPORT_RETURN',
  // older name, still seen in peers
  'KM_SPOILED_OR_LOST',
] as const;

/** Groups for which LP_CANCEL_SHIPMENT is available (§4.6). */
export const CANCEL_SHIPMENT_GROUPS: readonly string[] = [
  'bicycle',
  'perfumery',
  'shoes',
  'lp',
  'furs',
  'water',
  'electronics',
  'tires',
];

const opt = <T extends z.ZodType>(s: T) => s.nullish();

const certificate = z.object({
  certificate_type: z.enum(CERTIFICATE_TYPES),
  certificate_number: text(255),
  certificate_date: dateField(),
  well_number: opt(z.string()),
});

/** ВетИС VSD: a UUID, or 8 groups of 4 hex digits (tolerant: 32 hex digits without dashes). */
const vsd = z.string().superRefine((v, ctx) => {
  const ok =
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v) ||
    /^(?:[0-9a-f]{4}-){7}[0-9a-f]{4}$/i.test(v) ||
    /^[0-9a-f]{32}$/i.test(v);
  if (!ok)
    issue(ctx, [], 'VSD_FORMAT', `номер ВСД «${v}» не в формате UUID`, `VSD number "${v}" is not a UUID`);
});

const introduceProductBase = {
  uit_code: opt(codeString),
  uitu_code: opt(codeString),
  certificate_document_data: opt(z.array(certificate)),
  certificate_document: opt(z.string()),
  certificate_document_number: opt(z.string()),
  certificate_document_date: opt(dateField()),
  vsd_number: opt(vsd),
  production_date: opt(dateField()),
};

interface IntroduceChild {
  children?: IntroduceChild[] | null;
  [k: string]: unknown;
}

const introduceChild: z.ZodType<IntroduceChild> = z.lazy(() =>
  z.object({ ...introduceProductBase, tnved_code: opt(tnved10), children: opt(z.array(introduceChild)) }),
);

const introduceProduct = z.object({
  ...introduceProductBase,
  tnved_code: tnved10,
  licences: opt(z.array(z.object({ licence_number: text(255), licence_date: dateField() }))),
  children: opt(z.array(introduceChild)),
});

/** Emptiness of the code list is a rule of its own (CODES_EMPTY), see rules.ts. */
const list = <T extends z.ZodType>(item: T) => z.array(item);

export const lpIntroduceGoods = z.object({
  participant_inn: inn,
  producer_inn: inn,
  owner_inn: inn,
  production_date: opt(dateField()),
  production_type: z.literal('OWN_PRODUCTION'),
  products: list(introduceProduct),
});

export const lpGoodsImport = z.object({
  participant_inn: inn,
  declaration_number: z.string().superRefine((v, ctx) => {
    if (!/^\d{8}\/\d{6}\/\d{7}$/.test(v))
      issue(
        ctx,
        [],
        'DECLARATION_FORMAT',
        `номер декларации «${v}» должен иметь вид 12345678/123456/1234567`,
        `declaration number "${v}" must look like 12345678/123456/1234567`,
      );
  }),
  declaration_date: dateField(),
  // ⚠ required-ness not marked in the reference: accepted when absent, format checked when present
  customs_code: opt(
    z.string().superRefine((v, ctx) => {
      if (!/^\d{8}$/.test(v))
        issue(
          ctx,
          [],
          'CUSTOMS_CODE',
          `код таможни «${v}»: нужно 8 цифр`,
          `customs code "${v}": 8 digits expected`,
        );
    }),
  ),
  decision_code: opt(
    z.string().superRefine((v, ctx) => {
      if (!/^\d{2,3}$/.test(v))
        issue(
          ctx,
          [],
          'DECISION_CODE',
          `код решения «${v}»: нужно 2–3 цифры (например 10)`,
          `decision code "${v}": 2–3 digits expected (e.g. 10)`,
        );
    }),
  ),
  products: list(introduceProduct),
});

const shipProduct = z.object({
  uit_code: opt(codeString),
  uitu_code: opt(codeString),
  product_description: opt(z.string()),
  product_cost: opt(kopecks),
  product_tax: opt(kopecks),
});

export const lpShipGoods = z.object({
  sender_inn: opt(inn),
  receiver_inn: inn,
  transfer_date: dateField(),
  document_num: text(255),
  document_date: dateField(),
  turnover_type: z.enum(TURNOVER_TYPES),
  to_not_participant: opt(z.boolean()),
  products: list(shipProduct),
});

interface AcceptChild {
  children?: AcceptChild[] | null;
  [k: string]: unknown;
}

const acceptProduct: z.ZodType<AcceptChild> = z.lazy(() =>
  z.object({
    uit_code: opt(codeString),
    uitu_code: opt(codeString),
    product_cost: opt(kopecks),
    product_tax: opt(kopecks),
    accepted: z.boolean(),
    children: opt(z.array(acceptProduct)),
  }),
);

export const lpAcceptGoods = z.object({
  release_order_number: text(255),
  document_number: text(255),
  document_date: dateField(),
  accept_all: opt(z.boolean()),
  reject_all: opt(z.boolean()),
  transfer_date: dateField(),
  acceptance_date: dateField(),
  trade_sender_inn: inn,
  trade_recipient_inn: inn,
  turnover_type: z.enum(TURNOVER_TYPES),
  request_type: opt(z.string()),
  products: list(acceptProduct),
});

export const lpCancelShipment = z.object({
  participant_inn: inn,
  shipment_number: text(255),
});

const receiptProduct = z.object({
  cis: codeString,
  product_cost: opt(kopecks),
  partial_quantity: opt(z.union([z.number().int().positive(), z.string().regex(/^\d+$/)])),
  primary_document_type: opt(z.enum(PRIMARY_DOCUMENT_TYPES)),
  primary_document_number: opt(text(255)),
  primary_document_date: opt(dateField(true)),
  primary_document_custom_name: opt(text(255)),
});

export const lkReceipt = z.object({
  inn,
  buyer_inn: opt(inn),
  action: z.enum(WITHDRAWAL_REASONS),
  action_date: dateField(),
  withdrawal_type_other: opt(z.string().max(1024)),
  state_contract_id: opt(z.string()),
  document_type: opt(z.enum(PRIMARY_DOCUMENT_TYPES)),
  document_number: opt(z.string().max(255)),
  document_date: opt(dateField(true)),
  primary_document_custom_name: opt(z.string()),
  destination_country_code: opt(z.enum(EAS_COUNTRIES)),
  importer_id: opt(z.string()),
  kpp: opt(kpp),
  fias_id: opt(
    z.string().superRefine((v, ctx) => {
      if (!FIAS_ID.test(v))
        issue(
          ctx,
          [],
          'FIAS_ID_FORMAT',
          `код ФИАС места деятельности (fias_id) «${v}» — не UUID вида xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`,
          `the FIAS id of the business place (fias_id) "${v}" is not a UUID xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`,
        );
    }),
  ),
  products: list(receiptProduct),
});

const returnProduct = z.object({
  ki: codeString,
  paid: opt(z.boolean()),
  primary_document_type: opt(z.enum(RETURN_PRIMARY_DOCUMENT_TYPES)),
  primary_document_number: opt(text(255)),
  primary_document_date: opt(dateField()),
  primary_document_custom_name: opt(text(255)),
});

export const lpReturn = z.object({
  trade_participant_inn: inn,
  return_type: z.enum(RETURN_TYPES),
  paid: opt(z.boolean()),
  state_contract_id: opt(z.string()),
  primary_document_type: opt(z.enum(RETURN_PRIMARY_DOCUMENT_TYPES)),
  primary_document_number: opt(text(255)),
  primary_document_date: opt(dateField()),
  primary_document_custom_name: opt(text(255)),
  certificate_type: opt(z.enum(CERTIFICATE_TYPES)),
  certificate_number: opt(z.string()),
  certificate_date: opt(dateField()),
  products_list: list(returnProduct),
});

const AGGREGATE_CHARS = /^[A-Za-z0-9%&'"()*+,\-_./:;<=>?!]{18,74}$/;

const aggregationUnit = z.object({
  unitSerialNumber: z.string().superRefine((v, ctx) => {
    if (!AGGREGATE_CHARS.test(v))
      issue(
        ctx,
        [],
        'AGGREGATE_FORMAT',
        `код упаковки «${v}»: 18–74 знака из A–Z a–z 0–9 % & ' " ( ) * + , - _ . / : ; < = > ? !`,
        `package code "${v}": 18–74 characters of A–Z a–z 0–9 % & ' " ( ) * + , - _ . / : ; < = > ? !`,
      );
    else if (/^\((?:00|01|21)\)/.test(v))
      issue(
        ctx,
        [],
        'AGGREGATE_BRACKETS',
        `код упаковки «${v}»: идентификаторы применения пишутся без скобок`,
        `package code "${v}": application identifiers are written without brackets`,
      );
    else if (/^02\d{14}37\d+$/.test(v))
      issue(
        ctx,
        [],
        'AGGREGATE_BULK',
        `код упаковки «${v}» совпадает с маской 02[GTIN]37[количество], такой код не допускается`,
        `package code "${v}" matches the 02[GTIN]37[count] mask, which is not allowed`,
      );
  }),
  aggregationType: z.literal('AGGREGATION'),
  sntins: list(codeString),
});

export const aggregationDocument = z.object({
  participantId: inn,
  aggregationUnits: list(aggregationUnit),
});

const disaggregationItem = z.object({ uitu: codeString });

export const disaggregationDocument = z.object({
  participant_inn: inn,
  products_list: list(disaggregationItem),
});

const remarkProduct = z.object({
  last_uin: codeString,
  new_uin: codeString,
  tnved_10: opt(tnved10),
  production_country: opt(z.string()),
  color: opt(z.string()),
  product_size: opt(z.string()),
  certificate_document_data: opt(z.array(certificate)),
  primary_document_type: opt(z.string()),
  primary_document_number: opt(z.string()),
  primary_document_date: opt(dateField()),
  primary_document_custom_name: opt(z.string()),
  paid: opt(z.boolean()),
});

export const lkRemark = z.object({
  participant_inn: inn,
  remarking_date: dateField(),
  remarking_cause: z.enum(REMARKING_CAUSES),
  products: list(remarkProduct),
});

export const DOCUMENT_SCHEMAS: Record<DocumentType, z.ZodType> = {
  LP_INTRODUCE_GOODS: lpIntroduceGoods,
  LP_GOODS_IMPORT: lpGoodsImport,
  LP_SHIP_GOODS: lpShipGoods,
  LP_ACCEPT_GOODS: lpAcceptGoods,
  LP_CANCEL_SHIPMENT: lpCancelShipment,
  LK_RECEIPT: lkReceipt,
  LP_RETURN: lpReturn,
  AGGREGATION_DOCUMENT: aggregationDocument,
  DISAGGREGATION_DOCUMENT: disaggregationDocument,
  LK_REMARK: lkRemark,
};

/** The schema of one element of the coded list, for the types whose list can be long. */
export const ITEM_SCHEMAS: Partial<Record<DocumentType, z.ZodType>> = {
  LP_INTRODUCE_GOODS: introduceProduct,
  LP_GOODS_IMPORT: introduceProduct,
  LP_SHIP_GOODS: shipProduct,
  LP_ACCEPT_GOODS: acceptProduct,
  LK_RECEIPT: receiptProduct,
  LP_RETURN: returnProduct,
  AGGREGATION_DOCUMENT: aggregationUnit,
  DISAGGREGATION_DOCUMENT: disaggregationItem,
  LK_REMARK: remarkProduct,
};

/** Name of the list of coded items in each document type ('' = none). */
export const CODE_LIST: Record<DocumentType, string> = {
  LP_INTRODUCE_GOODS: 'products',
  LP_GOODS_IMPORT: 'products',
  LP_SHIP_GOODS: 'products',
  LP_ACCEPT_GOODS: 'products',
  LP_CANCEL_SHIPMENT: '',
  LK_RECEIPT: 'products',
  LP_RETURN: 'products_list',
  AGGREGATION_DOCUMENT: 'aggregationUnits',
  DISAGGREGATION_DOCUMENT: 'products_list',
  LK_REMARK: 'products',
};

export function isSupportedType(type: string): type is DocumentType {
  return (SUPPORTED_TYPES as readonly string[]).includes(type);
}
