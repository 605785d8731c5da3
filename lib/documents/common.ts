/**
 * Building blocks of the document schemas: INN with check digits, money in kopecks, the date
 * formats True API accepts, and bilingual custom issues («Описание True API»
 * v553.0 §4.1.6.1, §4.1.8).
 */
import { z } from 'zod';
import { checkInn, checkKpp } from '../codes/inn';
import { bi } from '../validation';

/** A custom zod issue with a machine code and a bilingual message. */
export function issue(
  ctx: { addIssue(i: z.core.$ZodRawIssue): void },
  path: PropertyKey[],
  code: string,
  ru: string,
  en: string,
): void {
  ctx.addIssue({ code: 'custom', path, message: bi(ru, en), params: { code }, input: undefined });
}

/** INN of 10 (organisation) or 12 (individual) digits with valid check digits (§10.3). */
export const inn = z.string().superRefine((v, ctx) => {
  const d = checkInn(v);
  if (d) issue(ctx, [], d.code, d.message_ru, d.message_en);
});

export const kpp = z.string().superRefine((v, ctx) => {
  const d = checkKpp(v);
  if (d) issue(ctx, [], d.code, d.message_ru, d.message_en);
});

/**
 * Money in kopecks: an integer-valued decimal of up to 17 digits (§4.1). The reference shows
 * strings; whole numbers are accepted too (tolerant).
 */
export const kopecks = z.union([z.string(), z.number()]).superRefine((v, ctx) => {
  const s = typeof v === 'number' ? (Number.isInteger(v) && v >= 0 ? String(v) : '') : v;
  if (!/^\d{1,17}(?:\.0+)?$/.test(s)) {
    issue(
      ctx,
      [],
      'MONEY_FORMAT',
      `сумма «${String(v)}» должна быть в копейках: целое число до 17 цифр (например "10000" = 100 ₽)`,
      `amount "${String(v)}" must be in kopecks: a whole number of up to 17 digits (e.g. "10000" = 100 RUB)`,
    );
  }
});

/** The integer value of a kopecks field (null when absent or malformed: the schema reports that). */
export function kopecksValue(v: unknown): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : null;
  if (typeof v !== 'string' || v.length === 0 || v.length > 20) return null;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 && /^\d/.test(v) ? n : null;
}

export interface CalendarDate {
  y: number;
  m: number;
  d: number;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const RU = /^(\d{2})\.(\d{2})\.(\d{4})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?$/;

function validTime(h?: string, mi?: string, s?: string): boolean {
  return (
    (h === undefined || Number(h) < 24) &&
    (mi === undefined || Number(mi) < 60) &&
    (s === undefined || Number(s) < 60)
  );
}

/**
 * A date in one of the accepted formats: `yyyy-MM-dd`, `dd.MM.yyyy`, `dd.MM.yyyy HH:mm`,
 * `yyyy-MM-ddTHH:mm:ss[.SSS][Z]` (offsets `+03:00` are accepted too, tolerant). `dateOnly`
 * restricts to `yyyy-MM-dd` and `dd.MM.yyyy` (e.g. LK_RECEIPT `document_date`).
 */
export function parseDate(v: unknown, dateOnly = false): CalendarDate | null {
  if (typeof v !== 'string') return null;
  let y: number, m: number, d: number;
  let m1 = ISO.exec(v);
  if (m1) {
    if (dateOnly && v.length !== 10) return null;
    if (!validTime(m1[4], m1[5], m1[6])) return null;
    [y, m, d] = [Number(m1[1]), Number(m1[2]), Number(m1[3])];
  } else {
    m1 = RU.exec(v);
    if (!m1) return null;
    if (dateOnly && v.length !== 10) return null;
    if (!validTime(m1[4], m1[5], m1[6])) return null;
    [d, m, y] = [Number(m1[1]), Number(m1[2]), Number(m1[3])];
  }
  if (m < 1 || m > 12 || d < 1) return null;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d > days || y < 1900) return null;
  return { y, m, d };
}

export function dateField(dateOnly = false) {
  return z.string().superRefine((v, ctx) => {
    if (!parseDate(v, dateOnly)) {
      issue(
        ctx,
        [],
        'DATE_FORMAT',
        dateOnly
          ? `дата «${v}» не в формате ГГГГ-ММ-ДД или ДД.ММ.ГГГГ (или такой даты нет)`
          : `дата «${v}» не в допустимом формате (ГГГГ-ММ-ДД, ДД.ММ.ГГГГ, ГГГГ-ММ-ДДTчч:мм:сс[.ССС][Z]) или такой даты нет`,
        dateOnly
          ? `date "${v}" is not yyyy-MM-dd or dd.MM.yyyy (or does not exist)`
          : `date "${v}" is not in an accepted format (yyyy-MM-dd, dd.MM.yyyy, yyyy-MM-ddTHH:mm:ss[.SSS][Z]) or does not exist`,
      );
    }
  });
}

/** Days since 1970-01-01 of a calendar date (for range checks). */
export function dayNumber(c: CalendarDate): number {
  return Math.floor(Date.UTC(c.y, c.m - 1, c.d) / 86400000);
}

export function dayOf(date: Date): number {
  return Math.floor(Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()) / 86400000);
}

export const text = (max: number) => z.string().min(1).max(max);

/** ТН ВЭД ЕАЭС code: 10 digits. */
export const tnved10 = z.string().superRefine((v, ctx) => {
  if (!/^\d{10}$/.test(v)) {
    issue(
      ctx,
      [],
      'TNVED_FORMAT',
      `код ТН ВЭД «${v}» должен состоять из 10 цифр`,
      `ТН ВЭД (HS) code "${v}" must have 10 digits`,
    );
  }
});

/** A marking-code field: a non-empty string here; the code itself is checked by the validator. */
export const codeString = z.string().min(1);
