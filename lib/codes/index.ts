/**
 * Marking codes, GTIN, SSCC, INN and KPP: the entry points other parts of the pack (the True API
 * emulator, the document validator, cz-map-document) call. Everything here is pure and linear.
 */
import { detail, textOf, ZnakFlowError, type ErrorDetail } from '../errors';
import { showCode, tryParseCode, type ParsedCode, type CodeProblem } from './parse';

export * from './parse';
export * from './templates';
export { checkGtin, gs1CheckDigit, isValidGs1, isValidSscc, toGtin14, withCheckDigit } from './gtin';
export { checkInn, checkKpp, completeInn, isValidInn } from './inn';

function problemDetail(raw: unknown, problem: CodeProblem, path: string): ErrorDetail {
  const shown = typeof raw === 'string' ? showCode(raw.trim()) : textOf(raw);
  if (problem.code === 'CODE_EMPTY') return detail(path, problem.code, problem.ru, problem.en);
  return detail(
    path,
    problem.code,
    `код маркировки «${shown}»: ${problem.ru}`,
    `marking code "${shown}": ${problem.en}`,
  );
}

function toError(raw: unknown, problem: CodeProblem): ZnakFlowError {
  const d = problemDetail(raw, problem, 'code');
  return new ZnakFlowError({
    code: d.code,
    field: 'code',
    ru: d.message_ru,
    en: d.message_en,
    source: 'input',
    details: [d],
  });
}

/**
 * Every part of a marking code (GTIN, serial, crypto tail, SSCC…), its kind and its normalised
 * form. Throws a ZnakFlowError naming the code, the part and the reason (ru/en).
 */
export function parseCode(raw: string, productGroup?: string): ParsedCode {
  const r = tryParseCode(raw, productGroup);
  if (!r.ok) throw toError(raw, r.problem);
  return r.value;
}

/**
 * The form documents carry: `01` + GTIN + `21` + serial for unit codes (no GS, no crypto tail,
 * no brackets); SSCC and aggregate codes as they are. Throws like parseCode.
 */
export function normalizeCode(raw: string, productGroup?: string): string {
  return parseCode(raw, productGroup).cis;
}

/** Non-throwing check for validators: null when the code is fine, else the problem at `path`. */
export function checkCode(raw: unknown, productGroup?: string, path = 'code'): ErrorDetail | null {
  const r = tryParseCode(raw, productGroup);
  return r.ok ? null : problemDetail(raw, r.problem, path);
}

/** Parse or explain, for callers that collect every problem. */
export function inspectCode(
  raw: unknown,
  productGroup: string | undefined,
  path: string,
): { code: ParsedCode; problem?: undefined } | { code?: undefined; problem: ErrorDetail } {
  const r = tryParseCode(raw, productGroup);
  return r.ok ? { code: r.value } : { problem: problemDetail(raw, r.problem, path) };
}
