/**
 * OData query builder for the 1C standard interface (1C:Enterprise 8.3 developer guide §17.4
 * «Стандартный интерфейс OData»; URL encoding as in public 1C OData clients).
 *
 * Every value that reaches a URL goes through {@link literal}: strings are quoted with `'` doubled,
 * `guid'…'` and `datetime'…'` literals are validated, numbers never use an exponent. Field and
 * entity-set names are checked against the 1C identifier grammar, so a value can never change the
 * meaning of a filter. URLs are percent-encoded UTF-8 with spaces as `%20` (1C does not read `+`
 * as a space), the `in` operator is never used (1C answers 400, code 14), and long OR-lists are
 * split by {@link chunkOr} so that each URL stays under the byte budget (IIS answers an HTML 404
 * above 2 048 bytes of query string).
 */
import { ZnakFlowError } from '../errors';

/** The empty reference of 1C (an unfilled reference field). */
export const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** A 1C identifier: letters (Cyrillic included), digits and `_`, not starting with a digit. */
const IDENT_RE = /^[\p{L}_][\p{L}\p{N}_]*$/u;
/** A property path: identifiers separated by `/` (navigation through references). */
const PATH_RE = /^[\p{L}_][\p{L}\p{N}_]*(?:\/[\p{L}_*][\p{L}\p{N}_*]*)*$/u;
const NAIVE_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/;

export type LiteralType = 'string' | 'guid' | 'datetime' | 'number' | 'boolean' | 'enum' | 'null';
export const LITERAL_TYPES: readonly LiteralType[] = [
  'string',
  'guid',
  'datetime',
  'number',
  'boolean',
  'enum',
  'null',
];

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type StringOp = 'substringof' | 'startswith' | 'endswith';
export const COMPARE_OPS: readonly CompareOp[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];
export const STRING_OPS: readonly StringOp[] = ['substringof', 'startswith', 'endswith'];

/** One condition of a filter, or a combination of conditions. */
export type Condition =
  | { field: string; op: CompareOp; value: unknown; type: LiteralType }
  | { field: string; op: StringOp; value: unknown }
  /** a composite-typed field compared with a reference: `F eq cast(guid'…','Document_X')` */
  | { field: string; op: 'eq' | 'ne'; value: unknown; type: 'ref'; refType: string }
  | { and: Condition[] }
  | { or: Condition[] }
  | { not: Condition }
  /** a raw OData expression, only when the user explicitly asked for one */
  | { raw: string };

export interface ExpandSpec {
  /** navigation property, e.g. `Контрагент` (the reference field without `_Key`) */
  path: string;
  /** fields of the expanded object to select; empty = all (`Nav/*`) */
  select?: string[];
}

export interface OrderSpec {
  field: string;
  desc?: boolean;
}

export interface QueryOptions {
  filter?: Condition;
  select?: string[];
  expand?: Array<string | ExpandSpec>;
  orderby?: Array<string | OrderSpec>;
  top?: number;
  skip?: number;
  /** `$inlinecount=allpages`; per the 1C guide it makes 1C ignore `$top`/`$skip` */
  inlinecount?: boolean;
  /** `allowedOnly=true`: only rows the user may read (RLS) */
  allowedOnly?: boolean;
}

function badValue(field: string | undefined, ru: string, en: string): ZnakFlowError {
  return new ZnakFlowError({ code: 'ONEC_BAD_VALUE', field, ru, en, source: 'input' });
}

/** Is `v` a GUID in 8-4-4-4-12 form? */
export function isGuid(v: unknown): v is string {
  return typeof v === 'string' && GUID_RE.test(v);
}

/** The all-zero GUID and a missing value both mean "no reference". */
export function isEmptyRef(v: unknown): boolean {
  return v === undefined || v === null || v === '' || v === EMPTY_GUID;
}

/** Check a 1C identifier (entity set, field, tabular section) and return it. */
export function checkIdentifier(name: unknown, field = 'entity'): string {
  if (typeof name !== 'string' || !IDENT_RE.test(name)) {
    throw badValue(
      field,
      `недопустимое имя объекта 1С «${String(name)}»: разрешены буквы, цифры и «_»`,
      `invalid 1C name "${String(name)}": letters, digits and "_" only`,
    );
  }
  return name;
}

/** Check a property path (`Контрагент/ИНН`) and return it. */
export function checkPath(path: unknown, field = 'field'): string {
  if (typeof path !== 'string' || !PATH_RE.test(path)) {
    throw badValue(
      field,
      `недопустимое имя реквизита «${String(path)}»: разрешены буквы, цифры, «_» и «/» между именами`,
      `invalid field name "${String(path)}": letters, digits, "_" and "/" between names only`,
    );
  }
  return path;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** A Date as a naive local wall-clock string, the form 1C reads and writes. */
export function naiveLocal(d: Date): string {
  return `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(
    d.getMinutes(),
  )}:${pad(d.getSeconds())}`;
}

/**
 * Normalise a date to `YYYY-MM-DDTHH:mm:ss` without a time zone. Accepts a Date (its local wall
 * clock), a naive string (`2026-11-27`, `2026-11-27T09:17`, `2026-11-27 09:17:00`) or an ISO string
 * with `Z`/offset, which is converted to the local wall clock of this process (1C reads a `Z` as a
 * shifted wall clock: 1C developer guide §17.4; seen live by hacker-cb/1c-odata).
 */
export function toNaiveDate(value: unknown, field?: string): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw badValue(field, 'неверная дата', 'invalid date');
    return naiveLocal(value);
  }
  if (typeof value === 'number' && Number.isFinite(value)) return naiveLocal(new Date(value));
  if (typeof value === 'string') {
    const s = value.trim();
    const m = NAIVE_DATE_RE.exec(s);
    if (m) {
      const [, y, mo, d, h = '00', mi = '00', se = '00'] = m;
      const check = new Date(Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +se));
      if (
        check.getUTCFullYear() === +y! &&
        check.getUTCMonth() === +mo! - 1 &&
        check.getUTCDate() === +d! &&
        +h < 24 &&
        +mi < 60 &&
        +se < 60
      ) {
        return `${y}-${mo}-${d}T${h}:${mi}:${se}`;
      }
    } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(s)) {
      const d = new Date(s);
      if (!Number.isNaN(d.getTime())) return naiveLocal(d);
    }
  }
  throw badValue(
    field,
    `неверная дата «${String(value)}»: нужна дата вида 2026-11-27T09:17:00`,
    `invalid date "${String(value)}": a date like 2026-11-27T09:17:00 is required`,
  );
}

function numberLiteral(value: unknown, field?: string): string {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) n = Number(value.trim());
  else n = NaN;
  if (!Number.isFinite(n)) {
    throw badValue(field, `неверное число «${String(value)}»`, `invalid number "${String(value)}"`);
  }
  let s = String(n);
  if (/e/i.test(s)) s = Number.isInteger(n) ? BigInt(n).toString() : n.toFixed(20).replace(/\.?0+$/, '');
  return s;
}

/**
 * One OData literal for a value of the given type. Throws a catchable error naming `field` when
 * the value cannot be of that type.
 */
export function literal(value: unknown, type: LiteralType, field?: string): string {
  switch (type) {
    case 'null':
      return 'null';
    case 'string': {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw badValue(field, 'нужна строка', 'a string is required');
      }
      return `'${String(value).replace(/'/g, "''")}'`;
    }
    case 'enum': {
      if (typeof value !== 'string' || !IDENT_RE.test(value)) {
        throw badValue(
          field,
          `неверное значение перечисления «${String(value)}»: нужно имя значения, например ОбувнаяПродукция`,
          `invalid enum value "${String(value)}": a value name such as ОбувнаяПродукция is required`,
        );
      }
      return `'${value}'`;
    }
    case 'guid': {
      if (!isGuid(value)) {
        throw badValue(
          field,
          `неверный идентификатор ссылки «${String(value)}»: нужен GUID вида 8-4-4-4-12`,
          `invalid reference key "${String(value)}": a GUID in 8-4-4-4-12 form is required`,
        );
      }
      return `guid'${value.toLowerCase()}'`;
    }
    case 'datetime':
      return `datetime'${toNaiveDate(value, field)}'`;
    case 'number':
      return numberLiteral(value, field);
    case 'boolean': {
      if (value === true || value === 'true') return 'true';
      if (value === false || value === 'false') return 'false';
      throw badValue(field, 'нужно true или false', 'true or false is required');
    }
    default:
      throw badValue(
        field,
        `неизвестный тип значения «${String(type)}»`,
        `unknown value type "${String(type)}"`,
      );
  }
}

/** Render a condition as OData `$filter` text (not yet URL-encoded). */
export function renderFilter(c: Condition): string {
  if ('and' in c) return joinConditions(c.and, 'and');
  if ('or' in c) return joinConditions(c.or, 'or');
  if ('not' in c) return `not (${renderFilter(c.not)})`;
  if ('raw' in c) {
    if (typeof c.raw !== 'string' || !c.raw.trim()) {
      throw badValue('rawFilter', 'пустое выражение отбора', 'empty filter expression');
    }
    if (/[\r\n]/.test(c.raw)) {
      throw badValue(
        'rawFilter',
        'выражение отбора не может содержать перевод строки',
        'a filter expression cannot contain a line break',
      );
    }
    assertBalanced(c.raw);
    return `(${c.raw.trim()})`;
  }
  const field = checkPath(c.field, 'field');
  if (c.op === 'substringof') return `substringof(${literal(c.value, 'string', field)}, ${field}) eq true`;
  if (c.op === 'startswith' || c.op === 'endswith') {
    return `${c.op}(${field}, ${literal(c.value, 'string', field)}) eq true`;
  }
  if (!COMPARE_OPS.includes(c.op)) {
    throw badValue(
      field,
      `неизвестная операция сравнения «${String(c.op)}»`,
      `unknown comparison "${String(c.op)}"`,
    );
  }
  if ('refType' in c) {
    const refType = checkIdentifier(c.refType, 'refType');
    return `${field} ${c.op} cast(${literal(c.value, 'guid', field)}, '${refType}')`;
  }
  if (!('type' in c)) throw badValue(field, 'не указан тип значения', 'the value type is missing');
  return `${field} ${c.op} ${literal(c.value, c.type, field)}`;
}

/**
 * A raw expression is put in brackets and combined with the other conditions by `and`: it must not
 * close those brackets (`a eq 1) or (true`) nor leave a quote open, or it would change the meaning
 * of everything around it.
 */
function assertBalanced(raw: string): void {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === "'") {
      if (quoted && raw[i + 1] === "'") i++;
      else quoted = !quoted;
    } else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')' && --depth < 0) break;
  }
  if (depth !== 0 || quoted) {
    throw badValue(
      'rawFilter',
      'в выражении отбора не сбалансированы скобки или кавычки',
      'the filter expression has unbalanced brackets or quotes',
    );
  }
}

function isCompound(c: Condition): boolean {
  return ('and' in c && c.and.length > 1) || ('or' in c && c.or.length > 1);
}

/** An `and` of nothing: no restriction at all. */
export function isEmptyFilter(c: Condition | undefined): boolean {
  return c === undefined || ('and' in c && c.and.every(isEmptyFilter));
}

function joinConditions(all: Condition[], op: 'and' | 'or'): string {
  const list = all.filter((c) => !isEmptyFilter(c));
  if (list.length === 0) {
    throw badValue('filter', 'пустой список условий', 'empty list of conditions');
  }
  if (list.length === 1) return renderFilter(list[0]!);
  // Comparisons bind tighter than and/or: only compound parts need brackets (fewer URL bytes).
  return list.map((c) => (isCompound(c) ? `(${renderFilter(c)})` : renderFilter(c))).join(` ${op} `);
}

/**
 * Percent-encode one query value: UTF-8, spaces as `%20`, `+` as `%2B`, `&`/`#`/`%`/`=` encoded.
 * `' ( ) , / : $ *` stay readable (1C and IIS accept them raw).
 */
export function encodeQueryValue(s: string): string {
  return encodeURIComponent(s)
    .replace(/%2C/g, ',')
    .replace(/%2F/g, '/')
    .replace(/%3A/g, ':')
    .replace(/%24/g, '$');
}

/**
 * A key part written without quotes: the composite-typed dimension of a register in the form
 * `Объект=<guid>,Объект_Type=StandardODATA.Document_X` (⚠ Dakword OData1C README, not live-verified).
 * Only a GUID or `StandardODATA.<name>` can be written so: nothing else could stay one key part.
 */
export type KeyLiteralType = LiteralType | 'bare';

function bareKeyLiteral(value: unknown, field: string): string {
  if (isGuid(value)) return value.toLowerCase();
  if (typeof value === 'string' && /^StandardODATA\.[\p{L}_][\p{L}\p{N}_]*$/u.test(value)) return value;
  throw badValue(
    field,
    `значение ключа «${String(value)}» нельзя записать без кавычек: нужен GUID или StandardODATA.<имя>`,
    `key value "${String(value)}" cannot be written unquoted: a GUID or StandardODATA.<name> is required`,
  );
}

/** The path of an entity set or of one entity: `Catalog_%D0%9A…(guid'…')`. */
export function entityPath(
  entity: string,
  key?: string | Record<string, { value: unknown; type: KeyLiteralType }>,
): string {
  const name = encodeURIComponent(checkIdentifier(entity));
  if (key === undefined) return name;
  if (typeof key === 'string') return `${name}(${literal(key, 'guid', 'ref')})`;
  const parts = Object.entries(key).map(
    ([k, v]) =>
      `${encodeURIComponent(checkIdentifier(k, 'key'))}=${encodeQueryValue(
        v.type === 'bare' ? bareKeyLiteral(v.value, k) : literal(v.value, v.type, k),
      )}`,
  );
  return `${name}(${parts.join(',')})`;
}

function expandPaths(expand: Array<string | ExpandSpec> | undefined): ExpandSpec[] {
  return (expand ?? []).map((e) => (typeof e === 'string' ? { path: e } : e));
}

/**
 * The query string (without `?`) for a request. Always `$format=json`. Every `$expand` path is put
 * into `$select` when a `$select` is given (1C silently does not expand otherwise).
 */
export function buildQuery(opts: QueryOptions = {}): string {
  const params: string[] = ['$format=json'];
  const expand = expandPaths(opts.expand);
  for (const e of expand) checkPath(e.path, 'expand');
  if (opts.select && opts.select.length > 0) {
    const select = opts.select.map((s) => (s === '*' || s === '**' ? s : checkPath(s, 'select')));
    for (const e of expand) {
      const sub =
        e.select && e.select.length > 0
          ? e.select.map((f) => `${e.path}/${checkPath(f, 'select')}`)
          : [`${e.path}/*`];
      for (const s of sub) if (!select.includes(s)) select.push(s);
    }
    params.push(`$select=${encodeQueryValue(select.join(','))}`);
  }
  if (expand.length > 0) params.push(`$expand=${encodeQueryValue(expand.map((e) => e.path).join(','))}`);
  if (opts.filter && !isEmptyFilter(opts.filter))
    params.push(`$filter=${encodeQueryValue(renderFilter(opts.filter))}`);
  if (opts.orderby && opts.orderby.length > 0) {
    const order = opts.orderby.map((o) => {
      const spec = typeof o === 'string' ? parseOrder(o) : o;
      return `${checkPath(spec.field, 'orderby')}${spec.desc ? ' desc' : ' asc'}`;
    });
    params.push(`$orderby=${encodeQueryValue(order.join(','))}`);
  }
  if (opts.top !== undefined) params.push(`$top=${nonNegativeInt(opts.top, 'top')}`);
  if (opts.skip !== undefined && opts.skip > 0) params.push(`$skip=${nonNegativeInt(opts.skip, 'skip')}`);
  if (opts.inlinecount) params.push('$inlinecount=allpages');
  if (opts.allowedOnly) params.push('allowedOnly=true');
  return params.join('&');
}

/** `Date desc` → { field: 'Date', desc: true } */
export function parseOrder(s: string): OrderSpec {
  const m = /^\s*(\S+)(?:\s+(asc|desc))?\s*$/i.exec(s);
  if (!m) throw badValue('orderby', `неверный порядок «${s}»`, `invalid order "${s}"`);
  return { field: m[1]!, desc: (m[2] ?? '').toLowerCase() === 'desc' };
}

function nonNegativeInt(n: number, field: string): number {
  if (!Number.isInteger(n) || n < 0) {
    throw badValue(field, 'нужно целое число не меньше 0', 'a whole number of 0 or more is required');
  }
  return n;
}

/** UTF-8 byte length of a URL (after encoding every byte is ASCII, but be exact anyway). */
export function urlBytes(url: string): number {
  return Buffer.byteLength(url, 'utf8');
}

/**
 * Split `field eq v1 or field eq v2 …` into as few OR-lists as fit: `fits(filter)` says whether a
 * request with that filter stays under the URL budget. Values are deduplicated; each chunk is a
 * Condition ready for {@link buildQuery}. Throws when even a single value does not fit.
 */
export function chunkOr(
  field: string,
  values: readonly unknown[],
  type: LiteralType,
  fits: (filter: Condition) => boolean,
  /** `startswith`: values are prefixes of strings (e.g. the short form of a marking code 1C may keep in full) */
  op: 'eq' | 'startswith' = 'eq',
): Condition[] {
  checkPath(field, 'field');
  const unique = [
    ...new Set(values.map((v) => (type === 'guid' && typeof v === 'string' ? v.toLowerCase() : v))),
  ];
  const conds: Condition[] = unique.map((v) =>
    op === 'startswith' ? { field, op, value: v } : { field, op: 'eq', value: v, type },
  );
  const make = (from: number, to: number): Condition =>
    to - from === 1 ? conds[from]! : { or: conds.slice(from, to) };
  const tooLong = (): ZnakFlowError =>
    new ZnakFlowError({
      code: 'ONEC_URL_TOO_LONG',
      field,
      ru: 'даже одно условие отбора не помещается в допустимую длину адреса',
      en: 'even a single filter condition does not fit the URL length limit',
      source: '1c',
    });
  // Each chunk is the longest run of the next values that fits, as adding them one by one would
  // find (a longer OR-list is always a longer URL), found by doubling then halving: O(n log n)
  // rendered conditions instead of O(n²) for the thousands of codes of a batch of documents.
  const chunks: Condition[] = [];
  for (let i = 0; i < conds.length;) {
    const rest = conds.length - i;
    if (!fits(make(i, i + 1))) throw tooLong();
    let ok = 1;
    let bad = rest + 1;
    while (ok < rest) {
      const next = Math.min(ok * 2, rest);
      if (fits(make(i, i + next))) ok = next;
      else {
        bad = next;
        break;
      }
    }
    while (bad - ok > 1 && ok < rest) {
      const mid = (ok + bad) >> 1;
      if (fits(make(i, i + mid))) ok = mid;
      else bad = mid;
    }
    chunks.push(make(i, i + ok));
    i += ok;
  }
  return chunks;
}
