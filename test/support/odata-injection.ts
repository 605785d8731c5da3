/**
 * Hostile values for OData injection tests and a reader of request targets that decodes them the
 * way 1C does (the 1C emulator's own query and filter parsers), so that tests can assert what a
 * filter MEANS on the server side, not what our builder meant to write.
 */
import assert from 'node:assert/strict';
import { parseFilter, type Expr } from '../../lib/emulators/onec/filter';
import { parseQuery } from '../../lib/emulators/onec/server';

/** Values that try to end a literal, a bracket, a parameter or the URL, or smuggle encodings. */
export const HOSTILE_VALUES: readonly string[] = [
  "' or 1 eq 1 or '",
  "') or (",
  "') or true or ('",
  "x' or Posted eq true or Number eq 'y",
  "' or substringof('', Number) eq true or '",
  '&$top=1',
  'x&$filter=true',
  '&$format=atom',
  '%27',
  '%27 or 1 eq 1 or %27',
  '%2527',
  '%',
  '#',
  'a#b&$top=1',
  '?',
  '?$top=1',
  '/',
  '../Catalog_Контрагенты',
  "Иванов' or 'Петров",
  'Ёлка ёж Ω',
  "guid'00000000-0000-0000-0000-000000000000'",
  "00000000-0000-0000-0000-000000000000') or (Ref_Key ne guid'00000000-0000-0000-0000-000000000000",
  "datetime'2026-01-01T00:00:00'",
  '$filter=Posted eq true',
  '(',
  ')',
  "'",
  "''",
  '\\',
  'a\nb',
  'a\r\n$top=1',
  '+',
  'a+b',
  ' ',
  '\u0000',
  '😀',
  'eq',
  'null',
];

export interface SentRequest {
  /** the decoded resource path (entity set, key) */
  path: string;
  /** query parameters as 1C reads them (`%XX` decoded as UTF-8, `+` not a space) */
  params: Map<string, string>;
}

/** Split a request target (or a query string) the way the server does. */
export function readTarget(target: string): SentRequest {
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  return { path: decodeURIComponent(rawPath), params: parseQuery(q < 0 ? '' : target.slice(q + 1)) };
}

/** The filter of a request as the server's parser reads it. */
export function filterOf(req: SentRequest): Expr {
  const f = req.params.get('$filter');
  assert.ok(f !== undefined, 'the request has a $filter');
  return JSON.parse(JSON.stringify(parseFilter(f))) as Expr; // without undefined properties
}

/** `field op 'value'` as the parser gives it. */
export function cmp(field: string, op: string, v: unknown, t: string): Expr {
  return {
    k: 'bin',
    op,
    l: { k: 'path', segs: field.split('/') },
    r: { k: 'lit', v, t } as Expr,
  };
}

/** `fn(...) eq true` for substringof/startswith/endswith as the parser gives it. */
export function stringFn(op: string, field: string, value: string): Expr {
  const f: Expr = { k: 'path', segs: field.split('/') };
  const v: Expr = { k: 'lit', v: value, t: 'str' };
  return {
    k: 'bin',
    op: 'eq',
    l: { k: 'call', name: op, args: op === 'substringof' ? [v, f] : [f, v] },
    r: { k: 'lit', v: true, t: 'bool' },
  };
}

export function and(l: Expr, r: Expr): Expr {
  return { k: 'bin', op: 'and', l, r };
}
export function or(l: Expr, r: Expr): Expr {
  return { k: 'bin', op: 'or', l, r };
}
