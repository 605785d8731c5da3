/**
 * INN (ИНН) and KPP (КПП) checks. Check-digit weights per the Federal Tax Service algorithm
 * (as implemented in the public Metotron/JavaScript-INN-validator `main.js`).
 */
import { detail, textOf, type ErrorDetail } from '../errors';

const W10 = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const W11 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const W12 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

function checkDigit(digits: number[], weights: number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += (digits[i] ?? 0) * (weights[i] ?? 0);
  return (sum % 11) % 10;
}

/** Returns null when the INN is valid, otherwise the reason. */
export function checkInn(value: unknown, path = 'inn'): ErrorDetail | null {
  if (typeof value !== 'string' || value.length === 0) {
    return detail(path, 'INN_MISSING', 'ИНН не указан', 'INN is missing');
  }
  if (!/^\d+$/.test(value)) {
    const bad = [...value].findIndex((c) => c < '0' || c > '9');
    return detail(
      path,
      'INN_FORMAT',
      `ИНН «${value}» содержит недопустимый символ в позиции ${bad + 1}: ИНН состоит только из цифр`,
      `INN "${value}" has an invalid character at position ${bad + 1}: an INN has digits only`,
    );
  }
  if (value.length !== 10 && value.length !== 12) {
    return detail(
      path,
      'INN_LENGTH',
      `ИНН «${value}» имеет длину ${value.length}: нужно 10 цифр (организация) или 12 (ИП, физлицо)`,
      `INN "${value}" has ${value.length} digits: 10 (organisation) or 12 (individual) are expected`,
    );
  }
  const d = [...value].map(Number);
  if (value.length === 10) {
    const c = checkDigit(d, W10);
    if (c !== d[9]) {
      return detail(
        path,
        'INN_CHECKSUM',
        `ИНН «${value}»: неверная контрольная цифра в позиции 10 (ожидается ${c})`,
        `INN "${value}": wrong check digit at position 10 (expected ${c})`,
      );
    }
    return null;
  }
  const c11 = checkDigit(d, W11);
  if (c11 !== d[10]) {
    return detail(
      path,
      'INN_CHECKSUM',
      `ИНН «${value}»: неверная контрольная цифра в позиции 11 (ожидается ${c11})`,
      `INN "${value}": wrong check digit at position 11 (expected ${c11})`,
    );
  }
  const c12 = checkDigit(d, W12);
  if (c12 !== d[11]) {
    return detail(
      path,
      'INN_CHECKSUM',
      `ИНН «${value}»: неверная контрольная цифра в позиции 12 (ожидается ${c12})`,
      `INN "${value}": wrong check digit at position 12 (expected ${c12})`,
    );
  }
  return null;
}

export function isValidInn(value: unknown): value is string {
  return checkInn(value) === null;
}

/** Completes 9 (or 11) leading digits with the check digit(s): used by tests and demo data. */
export function completeInn(prefix: string): string {
  const d = [...prefix].map(Number);
  if (prefix.length === 9) return prefix + String(checkDigit(d, W10));
  if (prefix.length === 10) {
    const withC11 = [...d, checkDigit(d, W11)];
    return prefix + String(withC11[10]) + String(checkDigit(withC11, W12));
  }
  throw new RangeError('completeInn expects 9 or 10 digits');
}

/** KPP: 9 characters, NNNNPPNNN where PP may be digits or capital Latin letters. */
export function checkKpp(value: unknown, path = 'kpp'): ErrorDetail | null {
  if (typeof value !== 'string' || !/^\d{4}[\dA-Z]{2}\d{3}$/.test(value)) {
    return detail(
      path,
      'KPP_FORMAT',
      `КПП «${textOf(value)}» имеет неверный формат: нужно 9 знаков, 4 цифры, 2 цифры или заглавные латинские буквы, 3 цифры`,
      `KPP "${textOf(value)}" is malformed: 9 characters expected, 4 digits, 2 digits or capital Latin letters, 3 digits`,
    );
  }
  return null;
}
