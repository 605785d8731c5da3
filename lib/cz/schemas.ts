/**
 * zod schemas of True API answers («Описание True API» §2 authentication, §5.1.2 cises/info, §6.1 doc/list, §6.4 doc info, §3.6 balance). Fields the client relies on
 * are typed; every other field the operator sends is kept (`passthrough`), so that nodes can show
 * the whole answer and a new field never breaks parsing. Optional fields accept `null`.
 */
import { z } from 'zod';

const str = z.string();
const optStr = z.string().nullish();

/*
 * Open lists: the operator's catalogue of product groups grows (54 groups in 2026, CRPT «Planned True
 * API changes» v552.0) and so do document types and statuses. Codes and ids the pack does not know
 * are read as they come — a number where a code is expected becomes its text, an id written as a
 * string of digits becomes the number, any other string id stays a string — never a parse failure.
 */
const asText = (v: unknown): unknown => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v);
const asId = (v: unknown): unknown => (typeof v === 'string' && /^\d{1,9}$/.test(v.trim()) ? Number(v) : v);
/** A code of an open list (product group, document type, status): any string, a number as text. */
const openCode = z.preprocess(asText, str);
const optOpenCode = z.preprocess(asText, optStr);
/** A product group id: a number, or whatever string the operator sends. */
export const groupIdSchema = z.preprocess(asId, z.union([z.number(), str]));
export type GroupId = z.infer<typeof groupIdSchema>;

export const authKeySchema = z.object({ uuid: str.min(1), data: str.min(1) });
export type AuthKey = z.infer<typeof authKeySchema>;

export const signInSchema = z
  .object({ token: str.min(1).optional(), uuidToken: str.min(1).optional() })
  .passthrough()
  .refine((v) => v.token !== undefined || v.uuidToken !== undefined, {
    message: 'token or uuidToken expected',
  });

/** Document statuses (§6.1), plus `UNDEFINED` of older dictionaries. */
export const DOCUMENT_STATUSES = [
  'IN_PROGRESS',
  'CHECKED_OK',
  'CHECKED_NOT_OK',
  'PROCESSING_ERROR',
  'ACCEPTED',
  'CANCELLED',
  'WAIT_ACCEPTANCE',
  'PARSE_ERROR',
  'WAIT_PARTICIPANT_REGISTRATION',
  'WAIT_FOR_CONTINUATION',
  'UNDEFINED',
] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

/** Final statuses for a poller (§6.1). */
export const FINAL_STATUSES: ReadonlySet<string> = new Set([
  'CHECKED_OK',
  'CHECKED_NOT_OK',
  'PARSE_ERROR',
  'PROCESSING_ERROR',
  'ACCEPTED',
  'CANCELLED',
]);
/** Processed successfully, waiting for the counterparty (§6.1). */
export const WAITING_STATUSES: ReadonlySet<string> = new Set([
  'WAIT_ACCEPTANCE',
  'WAIT_PARTICIPANT_REGISTRATION',
]);

/**
 * `errors` as the reference shows them: strings `"<code>: <text>"` (§6.2, §6.3). Tolerated too: one
 * string, and objects (`{code, message}`, `{errorCode, errorMessage}` …) turned into the same
 * `"<code>: <text>"` form, so a stand that answers objects does not stop the status of a document.
 */
function errorText(e: unknown): string {
  if (typeof e === 'string') return e;
  if (typeof e === 'number' || typeof e === 'boolean') return String(e);
  if (e && typeof e === 'object') {
    const o = e as Record<string, unknown>;
    const pick = (...keys: string[]): unknown =>
      keys.map((k) => o[k]).find((v) => v !== undefined && v !== null);
    const code = pick('code', 'errorCode', 'error_code');
    const text = pick('message', 'errorMessage', 'error_message', 'text', 'description');
    if (typeof text === 'string' && text) {
      return code !== undefined && !text.startsWith(`${String(code)}:`) ? `${String(code)}: ${text}` : text;
    }
    return JSON.stringify(e);
  }
  return String(e);
}
const errorsSchema = z.preprocess(
  (v) => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.map(errorText) : v),
  z.array(str).nullish(),
);
/** `doc/list` has scalars, `doc/{id}/info` arrays (§6.2, §6.3, ⚠): either form is read as the one expected. */
const firstOf = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);
const listOf = (v: unknown): unknown => (v === undefined || v === null || Array.isArray(v) ? v : [v]);

const docBase = {
  number: str,
  docDate: str,
  receivedAt: optStr,
  type: openCode,
  status: openCode,
  senderInn: optStr,
  senderName: optStr,
  receiverInn: optStr,
  receiverName: optStr,
  invoiceNumber: optStr,
  relatedDocId: optStr,
  downloadDesc: optStr,
  input: z.boolean().nullish(),
  errors: errorsSchema,
  eliminationReason: optStr,
};

/** An item of `doc/list`: productGroup is a string here. */
export const docListItemSchema = z
  .object({
    ...docBase,
    productGroup: z.preprocess((v) => asText(firstOf(v)), optStr),
    productGroupId: z.preprocess(firstOf, groupIdSchema.nullish()),
  })
  .passthrough();
export type DocListItem = z.infer<typeof docListItemSchema>;

export const docListSchema = z.object({
  results: z.array(docListItemSchema),
  nextPage: z.boolean().nullish(),
});

export const commonErrorSchema = z
  .object({
    errorCode: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), optStr),
    errorMessage: optStr,
    errorObject: optStr,
  })
  .passthrough();

/** An item of `doc/{id}/info`: productGroup and productGroupId are arrays here. */
export const docInfoSchema = z
  .object({
    ...docBase,
    invoiceDate: optStr,
    turnoverType: optStr,
    body: z.unknown().optional(),
    content: optStr,
    commonErrors: z.array(commonErrorSchema).nullish(),
    productGroup: z.preprocess(listOf, z.array(openCode).nullish()),
    productGroupId: z.preprocess(listOf, z.array(groupIdSchema).nullish()),
  })
  .passthrough();
export type DocInfo = z.infer<typeof docInfoSchema>;

/** The answer is an array (§6.3); one object on its own is read as an array of one (⚠ not documented). */
export const docInfoListSchema = z.preprocess(
  (v) => (v && typeof v === 'object' && !Array.isArray(v) ? [v] : v),
  z.array(docInfoSchema),
);

export const cisInfoSchema = z
  .object({
    requestedCis: optStr,
    cis: optStr,
    gtin: optStr,
    status: optOpenCode,
    statusEx: optOpenCode,
    ownerInn: optStr,
    ownerName: optStr,
    productGroup: optOpenCode,
    productGroupId: groupIdSchema.nullish(),
    packageType: optStr,
    parent: optStr,
    child: z.array(str).nullish(),
  })
  .passthrough();
export type CisInfo = z.infer<typeof cisInfoSchema>;

export const cisInfoItemSchema = z
  .object({
    cisInfo: cisInfoSchema.nullish(),
    errorMessage: optStr,
    errorCode: z.union([str, z.number()]).nullish(),
  })
  .passthrough();
export type CisInfoItem = z.infer<typeof cisInfoItemSchema>;

export const cisInfoListSchema = z.array(cisInfoItemSchema);

export const balanceSchema = z
  .object({
    balance: z.number().nullish(),
    contractId: z.union([z.number(), str]).nullish(),
    organisationId: z.union([z.number(), str]).nullish(),
    productGroupId: groupIdSchema,
  })
  .passthrough();
export type BalanceRaw = z.infer<typeof balanceSchema>;

/** One МОД of `GET /api/v3/true-api/mods/list` («Описание True API» v553 §3.3); other fields kept. */
export const modSchema = z
  .object({
    inn: str.nullish(),
    kpp: str.nullish(),
    fiasId: str.nullish(),
    address: str.nullish(),
    productGroups: z.array(str).nullish(),
    isBlockedEgais: z.boolean().nullish(),
  })
  .passthrough();
export const modsListSchema = z
  .object({
    result: z.array(modSchema).nullish(),
    total: z.number().nullish(),
    nextPage: z.boolean().nullish(),
  })
  .passthrough();
export type ModRaw = z.infer<typeof modSchema>;
