import { textOf } from '../errors';

/**
 * GS1 mod-10 check digits for GTIN-8/12/13/14 and SSCC (GS1 Gen. Specs §7.9.1): from the rightmost
 * data digit leftwards multiply alternately by 3, 1, 3, 1…; check = (10 − sum mod 10) mod 10.
 */
export function gs1CheckDigit(data: string): number {
  let sum = 0;
  for (let i = data.length - 1, w = 3; i >= 0; i--, w = w === 3 ? 1 : 3) sum += Number(data[i]) * w;
  return (10 - (sum % 10)) % 10;
}

/** Appends the check digit to 13 (GTIN-14), 12, 11, 7 or 17 (SSCC) data digits. */
export function withCheckDigit(data: string): string {
  if (!/^\d+$/.test(data)) throw new RangeError('digits expected');
  return data + String(gs1CheckDigit(data));
}

export function isValidGs1(value: string): boolean {
  if (!/^\d{8}$|^\d{12,14}$|^\d{18}$/.test(value)) return false;
  return gs1CheckDigit(value.slice(0, -1)) === Number(value.at(-1));
}

/** GTIN-8/12/13 padded with leading zeros to GTIN-14. */
export function toGtin14(value: string): string {
  return value.padStart(14, '0');
}

export type GtinCheck = { ok: true; gtin14: string } | { ok: false; ru: string; en: string };

/** A GTIN-8/12/13/14 checked and padded to 14 digits, or the reason it is wrong (ru/en). */
export function checkGtin(value: unknown): GtinCheck {
  const v = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
  if (!/^\d+$/.test(v)) {
    return {
      ok: false,
      ru: `GTIN «${textOf(value)}» должен состоять из цифр`,
      en: `GTIN "${textOf(value)}" must consist of digits`,
    };
  }
  if (![8, 12, 13, 14].includes(v.length)) {
    return {
      ok: false,
      ru: `GTIN «${v}» из ${v.length} цифр: нужно 8, 12, 13 или 14`,
      en: `GTIN "${v}" has ${v.length} digits: 8, 12, 13 or 14 expected`,
    };
  }
  const expected = gs1CheckDigit(v.slice(0, -1));
  if (expected !== Number(v.at(-1))) {
    return {
      ok: false,
      ru: `GTIN «${v}»: неверная контрольная цифра ${v.at(-1)} в позиции ${v.length}, ожидается ${expected}`,
      en: `GTIN "${v}": wrong check digit ${v.at(-1)} at position ${v.length}, expected ${expected}`,
    };
  }
  return { ok: true, gtin14: toGtin14(v) };
}

/** An SSCC (18 digits, optionally with the AI 00 in front) with a valid check digit. */
export function isValidSscc(value: string): boolean {
  const m = /^(?:00)?(\d{18})$/.exec(value);
  return m !== null && isValidGs1(m[1] as string);
}
