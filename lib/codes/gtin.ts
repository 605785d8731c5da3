/**
 * GS1 mod-10 check digits for GTIN-8/12/13/14 and SSCC (cz-true-api.md §10.2): from the rightmost
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
