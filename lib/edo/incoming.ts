/**
 * Incoming УПД: which 1C receipt it belongs to, whether its codes are right, and what to do with it.
 *
 * - `receiptCandidate`: a 1C receipt (`Document_ПриобретениеТоваровУслуг` as `onec-read` gives it,
 *   read with the configuration preset like every other document, lib/documents/source.ts) → the
 *   plain shape the rules use: the supplier's INN, the supplier's number and date as 1C keeps them
 *   (УТ 11 `НомерВходящегоДокумента`, `ДатаВходящегоДокумента`), the lines and the codes.
 * - `matchReceipt`: supplier INN + the supplier's number and date, else the codes (every code of the
 *   УПД among the receipt's codes) — a pure function over candidate receipts.
 * - `checkIncoming`: codes against ГИС МТ (`cises/info`, «Описание True API» §5.1.2: the owner is the
 *   seller, status `INTRODUCED`), GTINs and quantities against the 1C lines; the decision by rules:
 *   `sign` when everything matches, `hold` for a person with every mismatch named (ru + en), or
 *   `refuse` with a reason (the УОУ text) when a mismatch is one the rules refuse on.
 * - `decideIncoming`: the same against the live systems (ЭДО Лайт content + True API cises/info).
 */
import type { CzClient } from '../cz/client';
import type { CisInfoItem } from '../cz/schemas';
import { readSource, str, type SourceOptions } from '../documents/source';
import { readSellerTitle, type SellerTitle } from './buyer';
import type { EdoClient } from './client';

export interface ReceiptLine {
  index: number;
  itemRef?: string;
  name?: string;
  gtin?: string;
  quantity: number;
}

export interface ReceiptCandidate {
  ref: string;
  /** the 1C number of the receipt */
  number: string;
  /** the supplier's INN */
  supplierInn: string;
  /** the supplier's document number and date (`YYYY-MM-DD`) as entered in 1C */
  supplierNumber?: string;
  supplierDate?: string;
  lines: ReceiptLine[];
  /** marking codes of the receipt's codes table, when it has them */
  codes?: string[];
}

export type MismatchCode =
  | 'NO_RECEIPT'
  | 'CODE_UNKNOWN'
  | 'CODE_OWNER'
  | 'CODE_STATUS'
  | 'CODE_GTIN'
  | 'GTIN_NOT_IN_RECEIPT'
  | 'GTIN_MISSING_IN_UPD'
  | 'QUANTITY';

export interface Mismatch {
  code: MismatchCode;
  /** `lines[2]`, `codes[0104…]`, `gtin[0460…]` */
  path: string;
  ru: string;
  en: string;
}

export interface IncomingRules {
  /** sign automatically when everything matches (default true; false: every УПД waits for a person) */
  autoSign?: boolean;
  /** mismatches that refuse the УПД outright (default none: every mismatch waits for a person) */
  refuseOn?: MismatchCode[];
}

export type IncomingDecision =
  | { action: 'sign'; receipt: ReceiptCandidate; mismatches: [] }
  | { action: 'hold'; receipt?: ReceiptCandidate; mismatches: Mismatch[] }
  | { action: 'refuse'; receipt?: ReceiptCandidate; mismatches: Mismatch[]; reason: string };

const GTIN_OF = /^(?:\(01\)|01)(\d{14})/;

function gtinOf(code: string): string | undefined {
  return GTIN_OF.exec(code)?.[1];
}

function sameNumber(a: string | undefined, b: string | undefined): boolean {
  const n = (s: string | undefined): string => (s ?? '').replace(/\s+/g, '').toLowerCase();
  return !!a && n(a) === n(b);
}

/** A 1C receipt as `onec-read` gives it → the candidate shape. */
export function receiptCandidate(
  payload: unknown,
  onec: unknown,
  opts: SourceOptions = {},
): ReceiptCandidate {
  const s = readSource(payload, onec, { ...opts, kind: opts.kind ?? 'purchases' });
  const codesOf = new Map<string, string[]>();
  for (const c of s.codes) codesOf.set(c.itemRef, [...(codesOf.get(c.itemRef) ?? []), c.value]);
  const incomingDate = str(s.header['ДатаВходящегоДокумента']).slice(0, 10);
  return {
    ref: s.ref,
    number: s.number,
    supplierInn: s.counterparty?.inn ?? '',
    supplierNumber: str(s.header['НомерВходящегоДокумента']) || undefined,
    supplierDate: incomingDate && !incomingDate.startsWith('0001') ? incomingDate : undefined,
    lines: s.rows.map((r) => {
      const item = s.items.get(r.itemRef);
      const gtin =
        (codesOf.get(r.itemRef) ?? []).map(gtinOf).find(Boolean) ?? (str(item?.raw['GTIN']) || undefined);
      return { index: r.index, itemRef: r.itemRef, name: item?.name, gtin, quantity: r.quantity };
    }),
    codes: s.codes.map((c) => c.value),
  };
}

/** The 1C receipt an incoming УПД belongs to: by supplier + number + date, else by its codes. */
export function matchReceipt(
  upd: SellerTitle,
  candidates: readonly ReceiptCandidate[],
): { receipt: ReceiptCandidate; by: 'number' | 'codes' } | undefined {
  const bySupplier = candidates.filter((c) => c.supplierInn === upd.seller.inn);
  const byNumber = bySupplier.find(
    (c) => sameNumber(c.supplierNumber, upd.number) && (!c.supplierDate || c.supplierDate === upd.isoDate),
  );
  if (byNumber) return { receipt: byNumber, by: 'number' };
  if (upd.codes.length === 0) return undefined;
  // the КИ of a code as 1C keeps it: no brackets, nothing after the first GS (the crypto tail)
  const ki = (x: string): string => x.replace(/[()]/g, '').split('\u001d')[0] as string;
  const byCodes = bySupplier.find((c) => {
    const own = new Set((c.codes ?? []).map(ki));
    return upd.codes.every((x) => own.has(ki(x)));
  });
  return byCodes ? { receipt: byCodes, by: 'codes' } : undefined;
}

/** Every mismatch between the УПД, ГИС МТ's view of its codes and the 1C receipt. */
export function incomingMismatches(
  upd: SellerTitle,
  receipt: ReceiptCandidate | undefined,
  cises: readonly CisInfoItem[],
): Mismatch[] {
  const out: Mismatch[] = [];
  if (!receipt) {
    out.push({
      code: 'NO_RECEIPT',
      path: 'receipt',
      ru: `не найдено поступление в 1С от ИНН ${upd.seller.inn} по документу № ${upd.number} от ${upd.date}`,
      en: `no 1C receipt from INN ${upd.seller.inn} for document № ${upd.number} of ${upd.date}`,
    });
  }
  const info = new Map<string, CisInfoItem>();
  for (const c of cises) {
    const k = c.cisInfo?.requestedCis ?? c.cisInfo?.cis;
    if (k) info.set(k, c);
  }
  for (const line of upd.lines) {
    for (const code of [...line.codes, ...line.packages]) {
      const ci = info.get(code);
      const path = `codes[${code}]`;
      if (
        !ci?.cisInfo ||
        (ci.errorCode !== undefined && ci.errorCode !== null && String(ci.errorCode) !== '')
      ) {
        out.push({
          code: 'CODE_UNKNOWN',
          path,
          ru: `код ${code} не найден в ГИС МТ`,
          en: `code ${code} is not found in ГИС МТ`,
        });
        continue;
      }
      const owner = ci.cisInfo.ownerInn ?? '';
      if (owner !== upd.seller.inn)
        out.push({
          code: 'CODE_OWNER',
          path,
          ru: `владелец кода ${code} в ГИС МТ — ИНН ${owner || '—'}, а не продавец ${upd.seller.inn}`,
          en: `the owner of code ${code} in ГИС МТ is INN ${owner || '—'}, not the seller ${upd.seller.inn}`,
        });
      const status = String(ci.cisInfo.status ?? '');
      if (status !== 'INTRODUCED')
        out.push({
          code: 'CODE_STATUS',
          path,
          ru: `код ${code} не в обороте (статус ${status || '—'})`,
          en: `code ${code} is not in circulation (status ${status || '—'})`,
        });
      const g = ci.cisInfo.gtin ?? gtinOf(code);
      if (line.gtin && g && g !== line.gtin)
        out.push({
          code: 'CODE_GTIN',
          path,
          ru: `код ${code} с GTIN ${g} стоит в строке ${line.index} с GTIN ${line.gtin}`,
          en: `code ${code} with GTIN ${g} is on line ${line.index} with GTIN ${line.gtin}`,
        });
    }
  }
  if (receipt) {
    const qty = (pairs: Array<[string | undefined, number]>): Map<string, number> => {
      const m = new Map<string, number>();
      for (const [g, q] of pairs) if (g) m.set(g, (m.get(g) ?? 0) + q);
      return m;
    };
    const inUpd = qty(upd.lines.map((l) => [l.gtin, l.quantity]));
    const in1c = qty(receipt.lines.map((l) => [l.gtin, l.quantity]));
    for (const [g, q] of inUpd) {
      const have = in1c.get(g);
      if (have === undefined)
        out.push({
          code: 'GTIN_NOT_IN_RECEIPT',
          path: `gtin[${g}]`,
          ru: `GTIN ${g} из УПД нет в поступлении 1С № ${receipt.number}`,
          en: `GTIN ${g} of the УПД is not in 1C receipt № ${receipt.number}`,
        });
      else if (have !== q)
        out.push({
          code: 'QUANTITY',
          path: `gtin[${g}]`,
          ru: `GTIN ${g}: в УПД ${q}, в поступлении 1С № ${receipt.number} ${have}`,
          en: `GTIN ${g}: ${q} in the УПД, ${have} in 1C receipt № ${receipt.number}`,
        });
    }
    for (const [g, q] of in1c)
      if (!inUpd.has(g))
        out.push({
          code: 'GTIN_MISSING_IN_UPD',
          path: `gtin[${g}]`,
          ru: `GTIN ${g} (${q}) есть в поступлении 1С № ${receipt.number}, но не в УПД`,
          en: `GTIN ${g} (${q}) is in 1C receipt № ${receipt.number} but not in the УПД`,
        });
  }
  return out;
}

/** The decision by rules over the mismatches. */
export function decide(
  receipt: ReceiptCandidate | undefined,
  mismatches: Mismatch[],
  rules: IncomingRules = {},
): IncomingDecision {
  const refuseOn = new Set(rules.refuseOn ?? []);
  const refusing = mismatches.filter((m) => refuseOn.has(m.code));
  if (refusing.length > 0)
    return {
      action: 'refuse',
      receipt,
      mismatches,
      reason: refusing
        .map((m) => m.ru)
        .join('; ')
        .slice(0, 2000),
    };
  if (mismatches.length > 0 || !receipt || rules.autoSign === false)
    return { action: 'hold', receipt, mismatches };
  return { action: 'sign', receipt, mismatches: [] };
}

export function checkIncoming(
  upd: SellerTitle,
  candidates: readonly ReceiptCandidate[],
  cises: readonly CisInfoItem[],
  rules: IncomingRules = {},
): IncomingDecision & { upd: SellerTitle; matchedBy?: 'number' | 'codes' } {
  const m = matchReceipt(upd, candidates);
  return { ...decide(m?.receipt, incomingMismatches(upd, m?.receipt, cises), rules), upd, matchedBy: m?.by };
}

/** Read an incoming УПД from ЭДО Лайт, ask ГИС МТ about its codes, and decide. */
export async function decideIncoming(opts: {
  edo: EdoClient;
  cz: Pick<CzClient, 'cisesInfo'>;
  docId: string;
  candidates: readonly ReceiptCandidate[];
  rules?: IncomingRules;
}): Promise<IncomingDecision & { upd: SellerTitle; matchedBy?: 'number' | 'codes' }> {
  const upd = readSellerTitle(await opts.edo.content('incoming', opts.docId));
  const cises = upd.codes.length > 0 ? await opts.cz.cisesInfo(upd.codes) : [];
  return checkIncoming(upd, opts.candidates, cises, opts.rules);
}
