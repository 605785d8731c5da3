import type { z } from 'zod';
import { detail, validationError, type ErrorDetail } from './errors';

/**
 * Schemas give bilingual messages as `ru || en`; issues without one get a generic text built
 * from the issue code, in both languages.
 */
export const SEP = ' || ';
export function bi(ru: string, en: string): string {
  return `${ru}${SEP}${en}`;
}

function pathOf(path: ReadonlyArray<PropertyKey>, prefix: string): string {
  let out = prefix;
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(root)';
}

export function zodIssuesToDetails(error: z.ZodError, prefix = ''): ErrorDetail[] {
  return error.issues.map((issue) => {
    const path = pathOf(issue.path, prefix);
    const msg = issue.message ?? '';
    if (msg.includes(SEP)) {
      const [ru, en] = msg.split(SEP);
      return detail(path, issue.code.toUpperCase(), ru ?? msg, en ?? msg);
    }
    switch (issue.code) {
      case 'invalid_type':
        return detail(
          path,
          'INVALID_TYPE',
          `неверный тип значения: ожидается ${issue.expected}`,
          `wrong value type: ${issue.expected} expected`,
        );
      case 'invalid_value':
        return detail(
          path,
          'INVALID_VALUE',
          `недопустимое значение; допустимые: ${issue.values.map(String).join(', ')}`,
          `value not allowed; allowed: ${issue.values.map(String).join(', ')}`,
        );
      case 'too_small':
        return detail(
          path,
          'TOO_SMALL',
          `значение меньше допустимого (минимум ${String(issue.minimum)})`,
          `value below the minimum (${String(issue.minimum)})`,
        );
      case 'too_big':
        return detail(
          path,
          'TOO_BIG',
          `значение больше допустимого (максимум ${String(issue.maximum)})`,
          `value above the maximum (${String(issue.maximum)})`,
        );
      case 'invalid_format':
        return detail(
          path,
          'INVALID_FORMAT',
          `неверный формат (${issue.format})`,
          `invalid format (${issue.format})`,
        );
      case 'unrecognized_keys':
        return detail(
          path,
          'UNKNOWN_FIELD',
          `неизвестные поля: ${issue.keys.join(', ')}`,
          `unknown fields: ${issue.keys.join(', ')}`,
        );
      default:
        return detail(path, issue.code.toUpperCase(), `неверное значение: ${msg}`, `invalid value: ${msg}`);
    }
  });
}

/** Parse with a schema; on failure throw one ZnakFlowError listing every problem. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, prefix = '', source = 'input'): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw validationError(zodIssuesToDetails(r.error, prefix), source);
}
