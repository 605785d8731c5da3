/**
 * validateDocument: every problem of a document body, in one linear pass — the schema (field names,
 * types, formats, enums), the cross-field rules, the codes (form, product-group template,
 * duplicates), dates relative to today and the limits of one document (30 000 codes, 30 MB).
 */
import type { z } from 'zod';
import { inspectCode, isNormalisedUnit, type ParsedCode } from '../codes';
import { detail, type ErrorDetail } from '../errors';
import { SEP } from '../validation';
import { dayOf } from './common';
import { applyRules, isRec, type Rec } from './rules';
import { FAST_ITEM } from './fast';
import { jsonSize } from './json-size';
import { CODE_LIST, DOCUMENT_SCHEMAS, isSupportedType, SUPPORTED_TYPES, type DocumentType } from './schemas';

/** True API limits of one document («Описание True API» v553.0 §1.2). */
export const MAX_CODES = 30000;
/** 30 MB ⚠ the reference does not say whether MB means 10^6 or 2^20 bytes: the smaller is used. */
export const MAX_BYTES = 30 * 1000 * 1000;

export interface ValidateContext {
  /** product group (`pg`) of the document: codes are checked against its template */
  productGroup?: string;
  /** today, for date ranges (default: now) */
  today?: Date;
  /** code count limit (default 30 000) */
  maxCodes?: number;
  /** size limit of the JSON document in bytes (default 30 MB) */
  maxBytes?: number;
  /**
   * Codes the caller has already read and found valid and normalised for this product group (the
   * mapper passes them so that a 30 000-code document is not parsed twice). Duplicates and limits
   * are still checked for them.
   */
  trustedCodes?: ReadonlySet<string>;
}

/** Fields holding a unit code (checked against the group's template) and package codes. */
const UNIT_KEYS = new Set(['uit_code', 'cis', 'ki', 'last_uin', 'new_uin']);
const PACKAGE_KEYS = new Set(['uitu_code', 'uitu', 'unitSerialNumber']);
const AGGREGATE_CHARS = /^[A-Za-z0-9%&'"()*+,\-_./:;<=>?!]{18,74}$/;

function pathOf(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(root)';
}

function valueAt(body: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = body;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function show(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

/** zod issues as bilingual details that name the field and what was found. */
export function issuesToDetails(
  error: z.ZodError | readonly z.core.$ZodIssue[],
  body: unknown,
): ErrorDetail[] {
  const issues = Array.isArray(error) ? error : (error as z.ZodError).issues;
  return issues.map((i: z.core.$ZodIssue) => {
    const path = pathOf(i.path);
    const field = String(i.path.at(-1) ?? path);
    if (i.message.includes(SEP)) {
      const [ru, en] = i.message.split(SEP);
      const params = (i as { params?: { code?: string } }).params;
      return detail(path, params?.code ?? 'FIELD_INVALID', ru ?? i.message, en ?? i.message);
    }
    const value = valueAt(body, i.path);
    switch (i.code) {
      case 'invalid_type':
        if (value === undefined || value === null) {
          return detail(
            path,
            'FIELD_REQUIRED',
            `обязательное поле «${field}» не заполнено`,
            `required field "${field}" is missing`,
          );
        }
        return detail(
          path,
          'FIELD_TYPE',
          `поле «${field}»: неверный тип значения ${show(value)}, ожидается ${i.expected}`,
          `field "${field}": wrong value type ${show(value)}, ${i.expected} expected`,
        );
      case 'invalid_value':
        return detail(
          path,
          'FIELD_VALUE',
          `поле «${field}»: недопустимое значение ${show(value)}; допустимы: ${i.values.map(String).join(', ')}`,
          `field "${field}": value ${show(value)} is not allowed; allowed: ${i.values.map(String).join(', ')}`,
        );
      case 'too_small':
      case 'too_big': {
        const bound =
          i.code === 'too_small' ? `не короче ${String(i.minimum)}` : `не длиннее ${String(i.maximum)}`;
        const boundEn =
          i.code === 'too_small' ? `at least ${String(i.minimum)}` : `at most ${String(i.maximum)}`;
        if (i.origin === 'string' && i.code === 'too_small' && value === '') {
          return detail(
            path,
            'FIELD_REQUIRED',
            `обязательное поле «${field}» пусто`,
            `required field "${field}" is empty`,
          );
        }
        return detail(
          path,
          'FIELD_LENGTH',
          `поле «${field}»: значение должно быть ${bound} (${i.origin === 'string' ? 'знаков' : 'элементов'})`,
          `field "${field}": the value must have ${boundEn} ${i.origin === 'string' ? 'characters' : 'items'}`,
        );
      }
      case 'invalid_format':
        return detail(
          path,
          'FIELD_FORMAT',
          `поле «${field}»: неверный формат значения ${show(value)}`,
          `field "${field}": value ${show(value)} has the wrong format`,
        );
      case 'invalid_union':
        return detail(
          path,
          'FIELD_TYPE',
          `поле «${field}»: недопустимое значение ${show(value)}`,
          `field "${field}": value ${show(value)} is not acceptable`,
        );
      default:
        return detail(
          path,
          'FIELD_INVALID',
          `поле «${field}»: ${i.message}`,
          `field "${field}": ${i.message}`,
        );
    }
  });
}

interface CodeWalk {
  count: number;
  /** codes seen so far (per family for LK_REMARK); paths are found again only for duplicates */
  seen: Set<string>;
  duplicates: Set<string>;
  /** LK_REMARK: old and new codes are separate families */
  perKey: boolean;
  trusted?: ReadonlySet<string>;
}

/** Where a value sits: built into a string only when a problem is reported (hot loop). */
function pathAt(base: string, index: number, key: string): string {
  const at = index >= 0 ? `${base}[${index}]` : base;
  return at ? `${at}.${key}` : key;
}

/**
 * The code with its AI 240 kept and no GS (`01…21<serial>240<value>`): the form CRPT's own document
 * samples in «Описание True API» write in `uit_code` (`010463003407002921wskg1E44R1qym2406401`), so it is
 * not refused as "not normalised"; the pack itself writes the code without it.
 */
function withAi240(code: ParsedCode, value: string): boolean {
  const e = code.elements;
  return e.length === 1 && e[0]?.ai === '240' && value === `${code.cis}240${e[0].value}`;
}

function checkCodeValue(
  key: string,
  value: unknown,
  base: string,
  index: number,
  pg: string | undefined,
  walk: CodeWalk,
  out: ErrorDetail[],
): void {
  if (typeof value !== 'string' || value === '') return; // the schema reports it
  walk.count++;
  const unit = UNIT_KEYS.has(key) || key === 'sntins';
  if (unit && (walk.trusted?.has(value) || isNormalisedUnit(value, pg))) {
    // normalised and fitting the group's template (read by the caller, or checked cheaply here)
  } else if (key !== 'unitSerialNumber' || AGGREGATE_CHARS.test(value)) {
    const path = key === 'sntins' ? `${base}[${index}]` : pathAt(base, index, key);
    const r = inspectCode(value, unit ? pg : undefined, path);
    if (r.problem) {
      out.push(r.problem);
    } else if (r.code.cis !== value && !withAi240(r.code, value)) {
      out.push(
        detail(
          path,
          'CODE_NOT_NORMALISED',
          `код «${show(value)}» в документе указывается без разделителей GS, хвоста проверки и скобок: «${r.code.cis}»`,
          `code "${show(value)}" must be written without GS separators, crypto tail and brackets: "${r.code.cis}"`,
        ),
      );
    }
  }
  const dupKey = walk.perKey ? `${key}\u0000${value}` : value;
  if (walk.seen.has(dupKey)) walk.duplicates.add(dupKey);
  else walk.seen.add(dupKey);
}

/** Visit every code field: lists of items are walked without building a path per item. */
function walkCodes(
  v: unknown,
  path: string,
  pg: string | undefined,
  walk: CodeWalk,
  out: ErrorDetail[],
): void {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (isRec(x)) walkFields(x, path, i, pg, walk, out);
      else if (Array.isArray(x)) walkCodes(x, `${path}[${i}]`, pg, walk, out);
    }
    return;
  }
  if (isRec(v)) walkFields(v, path, -1, pg, walk, out);
}

function walkFields(
  o: Record<string, unknown>,
  base: string,
  index: number,
  pg: string | undefined,
  walk: CodeWalk,
  out: ErrorDetail[],
): void {
  for (const key in o) {
    const value = o[key];
    if (UNIT_KEYS.has(key) || PACKAGE_KEYS.has(key)) {
      checkCodeValue(key, value, base, index, pg, walk, out);
    } else if (key === 'sntins' && Array.isArray(value)) {
      const p = pathAt(base, index, key);
      for (let i = 0; i < value.length; i++) checkCodeValue(key, value[i], p, i, pg, walk, out);
    } else if (typeof value === 'object' && value !== null) {
      walkCodes(value, pathAt(base, index, key), pg, walk, out);
    }
  }
}

/** Second pass, only when duplicates were seen: name every repeated occurrence and the first one. */
function reportDuplicates(body: unknown, walk: CodeWalk, out: ErrorDetail[]): void {
  const first = new Map<string, string>();
  const visit = (v: unknown, path: string): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, `${path}[${i}]`));
      return;
    }
    if (!isRec(v)) return;
    for (const key of Object.keys(v)) {
      const value = v[key];
      const p = path ? `${path}.${key}` : key;
      const codes: Array<[unknown, string]> =
        key === 'sntins' && Array.isArray(value)
          ? value.map((x, i): [unknown, string] => [x, `${p}[${i}]`])
          : UNIT_KEYS.has(key) || PACKAGE_KEYS.has(key)
            ? [[value, p]]
            : [];
      for (const [c, at] of codes) {
        if (typeof c !== 'string' || c === '') continue;
        const k = walk.perKey ? `${key}\u0000${c}` : c;
        if (!walk.duplicates.has(k)) continue;
        const seenAt = first.get(k);
        if (seenAt === undefined) first.set(k, at);
        else
          out.push(
            detail(
              at,
              'CODE_DUPLICATE',
              `код «${show(c)}» повторяется в документе (уже указан в ${seenAt})`,
              `code "${show(c)}" appears twice in the document (already at ${seenAt})`,
            ),
          );
      }
      if (codes.length === 0 && typeof value === 'object' && value !== null) visit(value, p);
    }
  };
  visit(body, '');
}

/** Number of marking codes in a body (the "sum of codes" the 30 000 limit counts). */
export function countCodes(body: unknown): number {
  const walk = { count: 0 };
  countOnly(body, walk);
  return walk.count;
}

function countOnly(v: unknown, walk: { count: number }): void {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) countOnly(v[i], walk);
    return;
  }
  if (!isRec(v)) return;
  // for…in over own keys (no array of keys per item: a list may hold 100 000 of them)
  for (const key in v) {
    if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
    const value = v[key];
    if (UNIT_KEYS.has(key) || PACKAGE_KEYS.has(key)) {
      if (typeof value === 'string' && value !== '') walk.count++;
    } else if (key === 'sntins' && Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const x: unknown = value[i];
        if (typeof x === 'string' && x !== '') walk.count++;
      }
    } else if (typeof value === 'object' && value !== null) {
      countOnly(value, walk);
    }
  }
}

/**
 * The schema's issues for a body. Long lists: items the allocation-free check vouches for are not
 * parsed again by zod (same verdict, see fast.ts); the rest — and the header — are, with zod's own
 * messages, and the issue paths point at the items' places in the real list.
 */
function schemaIssues(type: DocumentType, body: Rec): readonly z.core.$ZodIssue[] {
  const schema = DOCUMENT_SCHEMAS[type];
  const key = CODE_LIST[type];
  const fast = FAST_ITEM[type];
  const list = key ? body[key] : undefined;
  if (!fast || !Array.isArray(list) || list.length < 64) {
    const r = schema.safeParse(body);
    return r.success ? [] : r.error.issues;
  }
  const slow: number[] = [];
  for (let i = 0; i < list.length; i++) if (!fast(list[i])) slow.push(i);
  const r = schema.safeParse({ ...body, [key]: slow.map((i) => list[i] as unknown) });
  if (r.success) return [];
  return r.error.issues.map((iss) => {
    const at = iss.path[1];
    if (iss.path[0] !== key || typeof at !== 'number') return iss;
    return { ...iss, path: [key, slow[at] ?? at, ...iss.path.slice(2)] };
  });
}

/** Every problem found in a document body; [] when it is valid. */
export function validateDocument(
  type: string,
  body: unknown,
  ctx: { productGroup?: string; today?: Date } & ValidateContext = {},
): ErrorDetail[] {
  if (!isSupportedType(type)) {
    return [
      detail(
        'type',
        'DOC_TYPE',
        `тип документа «${type}» не поддерживается; поддерживаются: ${SUPPORTED_TYPES.join(', ')}`,
        `document type "${type}" is not supported; supported: ${SUPPORTED_TYPES.join(', ')}`,
      ),
    ];
  }
  if (!isRec(body)) {
    return [
      detail(
        '(root)',
        'DOC_NOT_OBJECT',
        'тело документа должно быть объектом JSON',
        'the document body must be a JSON object',
      ),
    ];
  }
  const out: ErrorDetail[] = [];
  const issues = schemaIssues(type as DocumentType, body as Rec);
  if (issues.length > 0) out.push(...issuesToDetails(issues, body));
  const pg = ctx.productGroup || undefined;
  applyRules(
    type as DocumentType,
    body as Rec,
    { productGroup: pg, today: dayOf(ctx.today ?? new Date()) },
    (p, c, ru, en) => out.push(detail(p, c, ru, en)),
  );
  const walk: CodeWalk = {
    count: 0,
    seen: new Set(),
    duplicates: new Set(),
    perKey: type === 'LK_REMARK',
    trusted: ctx.trustedCodes,
  };
  walkCodes(body, '', pg, walk, out);
  if (walk.duplicates.size > 0) reportDuplicates(body, walk, out);
  const maxCodes = ctx.maxCodes ?? MAX_CODES;
  if (walk.count > maxCodes) {
    out.push(
      detail(
        '(root)',
        'DOC_TOO_MANY_CODES',
        `в документе ${walk.count} кодов, а допускается не больше ${maxCodes}: документ нужно разделить`,
        `the document has ${walk.count} codes, at most ${maxCodes} are accepted: split it`,
      ),
    );
  }
  const maxBytes = ctx.maxBytes ?? MAX_BYTES;
  if (Number.isFinite(maxBytes)) {
    const bytes = jsonSize(body);
    if (bytes > maxBytes) {
      out.push(
        detail(
          '(root)',
          'DOC_TOO_LARGE',
          `документ занимает ${(bytes / 1e6).toFixed(1)} МБ, а допускается не больше ${(maxBytes / 1e6).toFixed(1)} МБ: документ нужно разделить`,
          `the document takes ${(bytes / 1e6).toFixed(1)} MB, at most ${(maxBytes / 1e6).toFixed(1)} MB is accepted: split it`,
        ),
      );
    }
  }
  return dedupe(out);
}

/** The same problem reported by the schema and a rule is listed once. */
function dedupe(list: ErrorDetail[]): ErrorDetail[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const k = `${d.path}\u0000${d.code}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
