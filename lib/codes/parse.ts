/**
 * Marking codes (коды маркировки) in every form they arrive in, and the normalised form documents
 * carry («Описание True API» §4.1.4.1, §5.1.2; СУЗ API v3 §2.3, «Справочник "Шаблоны КМ"»):
 *
 * - full GS1 DataMatrix text: `01` GTIN(14) `21` serial `<GS>` `91`key(4) `<GS>` `92`code(44) — or
 *   `93`check(4) for the short tail; GS as the real 0x1D character, written out as `\u001d`, `\x1d`,
 *   `<GS>`, `{GS}`, `[GS]` or `␝`; scanner prefixes `]d2`/`]C1`/`]Q3`/`^]` and a leading FNC1 are dropped;
 * - the same with brackets: `(01)04601234567893(21)5AbC…(91)…(92)…`;
 * - the short form `01` GTIN `21` serial (what 1C often stores), also with a tail whose GS was lost
 *   (the serial is then cut by the product group's template), including AI 240 (additional product
 *   identification, GS1 General Specifications §3.2; CRPT's own document samples of «Описание True API»
 *   write a footwear code as `010463003407002921wskg1E44R1qym2406401`: a 13-character serial, then
 *   `240` + `6401`, with no GS). Where such a code reads two ways (a 20-character serial, or 13 + `240`…)
 *   the product group decides; without one the parser refuses with CODE_AMBIGUOUS rather than guess;
 * - SSCC of a transport package (`00` + 18 digits, or the 18 digits alone), with its check digit;
 * - tobacco packs (GTIN + serial(7) [+ МРЦ(4) + КП(4)]), fur КиЗ (`RU-430302-AAA7064491`),
 *   and other aggregate codes (18–74 characters) taken as they are.
 *
 * The normalised code (`cis`) is `01` + GTIN + `21` + serial, without GS, tail or brackets
 * (official sample `010461111111111121LLLLLLLLLLLLL`); SSCC and aggregate codes stay as they are
 * (without brackets). Tobacco packs normalise to GTIN + serial (21 characters) ⚠ — the reference
 * describes the pack layout but no document example.
 */
import { gs1CheckDigit } from './gtin';
import {
  codeTemplate,
  groupsForSerialLength,
  KNOWN_SERIAL_LENGTHS,
  TOBACCO_GROUPS,
  type CodeTemplate,
} from './templates';

export const GS = '\u001d';

export type CodeKind = 'unit' | 'sscc' | 'tobacco-pack' | 'kiz' | 'aggregate';
export type CodeForm = 'gs' | 'brackets' | 'short' | 'plain';

export interface CodeElement {
  /** GS1 application identifier ('' for an unrecognised element kept as it is) */
  ai: string;
  value: string;
}

export interface ParsedCode {
  /** the value as given */
  input: string;
  kind: CodeKind;
  /** how it was written: with GS, with brackets, short (no separators), plain (SSCC, КиЗ, aggregate) */
  form: CodeForm;
  /** the normalised code documents carry */
  cis: string;
  gtin?: string;
  serial?: string;
  /** 18 digits, for kind `sscc` */
  sscc?: string;
  /** AI 91: verification key id */
  cryptoKey?: string;
  /** AI 92: verification code (crypto signature) */
  cryptoCode?: string;
  /** AI 93: short check code (or the КП of a tobacco pack) */
  checkCode?: string;
  /** AI 8005 of a tobacco block, or the МРЦ of a tobacco pack */
  maxRetailPrice?: string;
  /** AI 240: additional product identification (in footwear and clothing codes, the 4-digit ТН ВЭД group) */
  additionalId?: string;
  /** the tail elements after the serial, in order */
  elements: CodeElement[];
  /** the tail as canonical GS1 text (elements joined by GS), '' when the code had none */
  tail: string;
  /** product groups whose template fits this code ([] = not decidable from the code) */
  productGroups: readonly string[];
}

/** Why a code is not acceptable: which part, and the reason in both languages. */
export interface CodeProblem {
  /** machine code, e.g. CODE_GTIN_CHECK */
  code: string;
  ru: string;
  en: string;
}

export type ParseResult = { ok: true; value: ParsedCode } | { ok: false; problem: CodeProblem };

const GS_PLACEHOLDERS = /\\u001d|\\x1d|<GS>|\{GS\}|\[GS\]|\u241d/gi;
const SYMBOLOGY = /^(?:\](?:d2|C1|Q3|e0|d1)|\^\])/;
const SERIAL_CHARS = /^[A-Za-z0-9!"%&'()*+,\-./_:;=<>?]+$/;
const AGGREGATE = /^[A-Za-z0-9%&'"()*+,\-_./:;<=>?!]{18,74}$/;
const KIZ = /^(?:RU|AM|BY|KZ|KG)-\d{6}-[A-Z]{3}\d{7}$/;
const BULK = /^02\d{14}37\d+$/;
const MAX_SERIAL = 20;

/** The code as shown in messages: GS visible, long codes cut. */
export function showCode(raw: string): string {
  const s = raw.split(GS).join('<GS>');
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}

function fail(code: string, ru: string, en: string): ParseResult {
  return { ok: false, problem: { code, ru, en } };
}

/** Replace GS placeholders, drop scanner prefixes and surrounding blanks. */
export function canonicalText(raw: string): string {
  let s = raw;
  // Fast path: nothing to replace in the common case (a plain code or one with real GS).
  if (/[\\<{[\u241d\]^\s\u00e8]/.test(s) || s.charCodeAt(0) === 29 || s.charCodeAt(s.length - 1) === 29) {
    s = s.trim().replace(GS_PLACEHOLDERS, GS);
    s = s.replace(SYMBOLOGY, '');
    while (s.startsWith(GS) || s.startsWith('\u00e8')) s = s.slice(1);
    while (s.endsWith(GS)) s = s.slice(0, -1);
  }
  return s;
}

/** Allowed characters by char code (GS1 AI 21/91/92/93 value set, СУЗ Таблица 3), plus GS. */
const ALLOWED = (() => {
  const t = new Uint8Array(128);
  for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!"%&\'()*+,-./_:;=<>?') {
    t[ch.charCodeAt(0)] = 1;
  }
  t[29] = 1;
  return t;
})();

function badCharProblem(s: string): ParseResult | null {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && ALLOWED[c] === 1) continue;
    const ch = s[i] as string;
    const cyr = /[А-Яа-яЁё]/.test(ch);
    const shown = ch === ' ' ? '␠' : ch;
    return fail(
      'CODE_CHARS',
      `недопустимый знак «${shown}» в позиции ${i + 1}${cyr ? ' (кириллица: похоже, сканер работал в русской раскладке клавиатуры)' : ''}`,
      `character "${shown}" at position ${i + 1} is not allowed${cyr ? ' (Cyrillic: the scanner probably typed in a Russian keyboard layout)' : ''}`,
    );
  }
  return null;
}

function gtinProblem(gtin: string, from: number): ParseResult | null {
  const expected = gs1CheckDigit(gtin.slice(0, 13));
  if (expected !== Number(gtin[13])) {
    return fail(
      'CODE_GTIN_CHECK',
      `GTIN «${gtin}» (знаки ${from}–${from + 13}): неверная контрольная цифра ${gtin[13]}, ожидается ${expected}`,
      `GTIN "${gtin}" (characters ${from}–${from + 13}): wrong check digit ${gtin[13]}, expected ${expected}`,
    );
  }
  return null;
}

/** A tail whose GS separators were lost, recognised by the known layouts. */
function gsLessTail(t: string): CodeElement[] | null {
  // AI 240 (variable, up to 30 characters) right after the serial: it can only be told apart when it
  // is last, or followed by a crypto tail of fixed length (GS1 General Specifications §3.2, §7.8.5)
  let m = /^240(.{1,30}?)(?:91(.{4})92(.{44}|.{88})|93(.{4}))?$/.exec(t);
  if (m) {
    const out: CodeElement[] = [{ ai: '240', value: m[1] as string }];
    if (m[2] !== undefined) out.push({ ai: '91', value: m[2] }, { ai: '92', value: m[3] as string });
    else if (m[4] !== undefined) out.push({ ai: '93', value: m[4] });
    return out;
  }
  m = /^91(.{4})92(.{44}|.{88})$/.exec(t);
  if (m)
    return [
      { ai: '91', value: m[1] as string },
      { ai: '92', value: m[2] as string },
    ];
  m = /^93(.{4})$/.exec(t);
  if (m) return [{ ai: '93', value: m[1] as string }];
  // only the key id survived (e.g. a code cut before 92 by a spreadsheet)
  m = /^91(.{4})$/.exec(t);
  if (m) return [{ ai: '91', value: m[1] as string }];
  m = /^93(.{4})(3103|335\d)(\d{6})$/.exec(t);
  if (m)
    return [
      { ai: '93', value: m[1] as string },
      { ai: m[2] as string, value: m[3] as string },
    ];
  m = /^(3103|335\d)(\d{6})93(.{4})$/.exec(t);
  if (m)
    return [
      { ai: m[1] as string, value: m[2] as string },
      { ai: '93', value: m[3] as string },
    ];
  m = /^8005(\d{6})93(.{4})$/.exec(t);
  if (m)
    return [
      { ai: '8005', value: m[1] as string },
      { ai: '93', value: m[2] as string },
    ];
  return null;
}

/** Fixed-length AIs of tails (value length 6); `335n` is matched apart. */
const FIXED_AI = ['8005', '3103', '17'] as const;
const VARIABLE_AI = ['91', '92', '93', '10', '240', '241'] as const;

function fixedAiOf(seg: string): string | undefined {
  if (seg.length >= 4 && seg.startsWith('335') && seg.charCodeAt(3) >= 48 && seg.charCodeAt(3) <= 57) {
    return seg.slice(0, 4);
  }
  for (const a of FIXED_AI) if (seg.startsWith(a)) return a;
  return undefined;
}

function variableAiOf(seg: string): string | undefined {
  for (const a of VARIABLE_AI) if (seg.startsWith(a)) return a;
  return undefined;
}

/** Tail elements from GS-separated segments; fixed-length AIs may be followed by the next AI directly. */
function parseTail(segments: string[]): { elements: CodeElement[] } | { problem: ParseResult } {
  const elements: CodeElement[] = [];
  for (const segment of segments) {
    let seg = segment;
    while (seg.length > 0) {
      const fixedAi = fixedAiOf(seg);
      if (fixedAi) {
        const n = 6;
        const value = seg.slice(fixedAi.length, fixedAi.length + n);
        if (!/^\d+$/.test(value) || value.length !== n) {
          return {
            problem: fail(
              'CODE_TAIL',
              `элемент (${fixedAi}) хвоста кода должен содержать ${n} цифр, найдено «${value}»`,
              `tail element (${fixedAi}) must hold ${n} digits, found "${value}"`,
            ),
          };
        }
        elements.push({ ai: fixedAi, value });
        seg = seg.slice(fixedAi.length + n);
        continue;
      }
      const ai = variableAiOf(seg);
      if (!ai) {
        // Unknown element: kept as it is (tolerant: the tail never reaches a document).
        elements.push({ ai: '', value: seg });
        break;
      }
      const value = seg.slice(ai.length);
      if (ai === '93' && value.length > 4 && /^(?:3103|335\d)\d{6}$/.test(value.slice(4))) {
        // GS lost between 93 and the weight
        elements.push({ ai, value: value.slice(0, 4) });
        seg = value.slice(4);
        continue;
      }
      elements.push({ ai, value });
      seg = '';
    }
  }
  for (const e of elements) {
    if (e.ai === '91' && e.value.length !== 4) {
      return {
        problem: fail(
          'CODE_TAIL',
          `ключ проверки (91) должен содержать 4 знака, найдено ${e.value.length}: «${e.value}»`,
          `verification key (91) must be 4 characters, found ${e.value.length}: "${e.value}"`,
        ),
      };
    }
    if (e.ai === '92' && e.value.length !== 44 && e.value.length !== 88) {
      return {
        problem: fail(
          'CODE_TAIL',
          `код проверки (92) должен содержать 44 знака (88 для старых кодов обуви), найдено ${e.value.length}: код обрезан или повреждён`,
          `verification code (92) must be 44 characters (88 for old footwear codes), found ${e.value.length}: the code is truncated or damaged`,
        ),
      };
    }
    if (e.ai === '93' && e.value.length !== 4) {
      return {
        problem: fail(
          'CODE_TAIL',
          `код проверки (93) должен содержать 4 знака, найдено ${e.value.length}: «${e.value}»`,
          `check code (93) must be 4 characters, found ${e.value.length}: "${e.value}"`,
        ),
      };
    }
  }
  return { elements };
}

function templateLengths(t: CodeTemplate | undefined): readonly number[] {
  return t && t.serialLengths.length > 0 ? t.serialLengths : [];
}

interface Split {
  serial: string;
  elements: CodeElement[];
}

/**
 * Every way a text with no GS splits into a serial of an allowed length and a tail of a known
 * layout (the whole text too, when its length is allowed). Readings that give the same serial are
 * one reading: they only differ in the tail, which never reaches a document.
 */
function readings(rest: string, lengths: readonly number[]): Split[] {
  const out: Split[] = [];
  if (lengths.includes(rest.length)) out.push({ serial: rest, elements: [] });
  for (const l of lengths) {
    if (rest.length > l) {
      const elements = gsLessTail(rest.slice(l));
      if (elements && !out.some((r) => r.serial.length === l)) {
        out.push({ serial: rest.slice(0, l), elements });
      }
    }
  }
  return out;
}

/**
 * Serial and tail of a code written without any GS. With a product group, the lengths its template
 * allows decide; without one, every known template length is tried. A text that reads one way only
 * is taken; one that reads several ways (a 20-character serial that is also 13 characters + `240`
 * + 4, a 13-character serial that is also 7 + `93` + 4…) is refused, naming the readings: a wrong
 * serial would go into a document without a word.
 */
function splitShort(rest: string, template: CodeTemplate | undefined): Split | { ambiguous: Split[] } {
  const own = templateLengths(template);
  const found = readings(rest, own.length > 0 ? own : KNOWN_SERIAL_LENGTHS);
  if (found.length === 0) return { serial: rest, elements: [] };
  if (found.length === 1) return found[0] as Split;
  return { ambiguous: found };
}

function showReading(r: Split): string {
  const tail = r.elements
    .map((e) => ` + (${e.ai}) ${e.value.length > 8 ? `${e.value.slice(0, 4)}…` : e.value}`)
    .join('');
  return `«${r.serial}» (${r.serial.length})${tail}`;
}

function ambiguousProblem(found: Split[], pg: string | undefined, withGs = false): ParseResult {
  const ru = found
    .map((r) => {
      const g = groupsForSerialLength(r.serial.length);
      return `${showReading(r)}${!pg && g.length ? ` — группы ${g.slice(0, 5).join(', ')}${g.length > 5 ? '…' : ''}` : ''}`;
    })
    .join(' или ');
  const en = found
    .map((r) => {
      const g = groupsForSerialLength(r.serial.length);
      return `${showReading(r).replace(/[«»]/g, '"')}${!pg && g.length ? ` — groups ${g.slice(0, 5).join(', ')}${g.length > 5 ? '…' : ''}` : ''}`;
    })
    .join(' or ');
  if (withGs) {
    return fail(
      'CODE_AMBIGUOUS',
      `в документе код пишется без GS и так читается неоднозначно: серийный номер (21) ${ru}; ${pg ? `длина серийного номера группы ${pg} пакету не известна` : 'укажите товарную группу (pg)'}`,
      `documents carry the code without GS, and so it reads more than one way: serial (21) ${en}; ${pg ? `the pack knows no serial length for group ${pg}` : 'set the product group (pg)'}`,
    );
  }
  return fail(
    'CODE_AMBIGUOUS',
    `код без разделителей GS читается неоднозначно: серийный номер (21) ${ru}; ${pg ? `шаблон группы ${pg} допускает обе длины — передайте код с разделителями GS` : 'укажите товарную группу (pg) или передайте код с разделителями GS'}`,
    `the code without GS separators reads more than one way: serial (21) ${en}; ${pg ? `the template of group ${pg} allows both lengths — give the code with its GS separators` : 'set the product group (pg) or give the code with its GS separators'}`,
  );
}

function assemble(
  input: string,
  kind: CodeKind,
  form: CodeForm,
  cis: string,
  gtin: string | undefined,
  serial: string | undefined,
  elements: CodeElement[],
  productGroups: readonly string[],
): ParseResult {
  // Hot path (tens of thousands of codes per document): no closures, no spreads.
  const code: ParsedCode = { input, kind, form, cis, elements, tail: '', productGroups };
  if (gtin !== undefined) code.gtin = gtin;
  if (serial !== undefined) code.serial = serial;
  let tail = '';
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i] as CodeElement;
    tail += (i > 0 ? GS : '') + e.ai + e.value;
    if (e.ai === '91' && code.cryptoKey === undefined) code.cryptoKey = e.value;
    else if (e.ai === '92' && code.cryptoCode === undefined) code.cryptoCode = e.value;
    else if (e.ai === '93' && code.checkCode === undefined) code.checkCode = e.value;
    else if (e.ai === '8005' && code.maxRetailPrice === undefined) code.maxRetailPrice = e.value;
    else if (e.ai === '240' && code.additionalId === undefined) code.additionalId = e.value;
  }
  code.tail = tail;
  return { ok: true, value: code };
}

function groupProblem(pg: string, template: CodeTemplate | undefined, code: ParsedCode): ParseResult | null {
  if (!template) return null;
  if (code.kind === 'unit') {
    const lengths = templateLengths(template);
    const len = code.serial?.length ?? 0;
    if (lengths.length > 0 && !lengths.includes(len)) {
      const fits = groupsForSerialLength(len);
      return fail(
        'CODE_GROUP',
        `серийный номер (21) «${code.serial}» из ${len} знаков не подходит к шаблону товарной группы ${pg} (нужно ${lengths.join(' или ')})${fits.length ? `; такая длина у групп: ${fits.slice(0, 6).join(', ')}` : ''}`,
        `serial (21) "${code.serial}" of ${len} characters does not fit the template of product group ${pg} (${lengths.join(' or ')} expected)${fits.length ? `; groups with this length: ${fits.slice(0, 6).join(', ')}` : ''}`,
      );
    }
  }
  if (code.kind === 'tobacco-pack' && !TOBACCO_GROUPS.has(pg)) {
    return fail(
      'CODE_GROUP',
      `код пачки табака не относится к товарной группе ${pg}`,
      `a tobacco pack code does not belong to product group ${pg}`,
    );
  }
  if (code.kind === 'kiz' && pg !== 'furs') {
    return fail(
      'CODE_GROUP',
      `КиЗ меховых изделий не относится к товарной группе ${pg}`,
      `a fur КиЗ does not belong to product group ${pg}`,
    );
  }
  return null;
}

/** Brackets form `(01)…(21)…(91)…` → GS1 text with GS after variable-length values. */
function fromBrackets(s: string): string | null {
  const FIXED: Record<string, number> = { '00': 18, '01': 14, '02': 14, '8005': 6, '3103': 6, '17': 6 };
  const NEXT = /\((?:21|91|92|93|10|37|8005|3103|335\d|17|240|241)\)/g;
  let out = '';
  let pos = 0;
  while (pos < s.length) {
    const m = /^\((\d{2}|\d{4}|335\d|240|241)\)/.exec(s.slice(pos));
    if (!m) return null;
    const ai = m[1] as string;
    pos += m[0].length;
    const fixed = FIXED[ai] ?? (/^335\d$/.test(ai) ? 6 : undefined);
    if (fixed !== undefined) {
      out += ai + s.slice(pos, pos + fixed);
      pos += fixed;
      continue;
    }
    NEXT.lastIndex = pos;
    const next = NEXT.exec(s);
    const end = next ? next.index : s.length;
    out += ai + s.slice(pos, end);
    pos = end;
    if (pos < s.length) out += GS;
  }
  return out;
}

/**
 * A cheap check with no allocation, for documents of tens of thousands of codes: true only when
 * `raw` is already a normalised unit code (`01` + GTIN + `21` + serial of a length the group's
 * template — or, without a group, a known template — allows) that `tryParseCode(raw, productGroup)`
 * accepts with `cis === raw`. False means "ask the full parser", not "invalid".
 */
export function isNormalisedUnit(raw: string, productGroup?: string): boolean {
  const n = raw.length;
  if (n < 19 || n > 38 || raw.charCodeAt(0) !== 48 || raw.charCodeAt(1) !== 49) return false;
  // GTIN digits and its check digit (GS1 mod-10)
  let sum = 0;
  for (let i = 2; i < 16; i++) {
    const d = raw.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (i < 15) sum += d * ((15 - i) % 2 === 1 ? 3 : 1);
    else if ((10 - (sum % 10)) % 10 !== d) return false;
  }
  if (raw.charCodeAt(16) !== 50 || raw.charCodeAt(17) !== 49) return false;
  for (let i = 18; i < n; i++) {
    const c = raw.charCodeAt(i);
    // allowed serial characters; `<` sends the code to the full parser (it may start a `<GS>`)
    if (c >= 128 || ALLOWED[c] !== 1 || c === 29 || c === 60) return false;
  }
  const len = n - 18;
  const pg = productGroup && productGroup !== '' ? productGroup : undefined;
  if (pg && TOBACCO_GROUPS.has(pg) && (n === 21 || n === 29)) return false;
  if (!pg && n === 29) return false; // could be a tobacco pack
  const t = pg ? codeTemplate(pg) : undefined;
  const lengths = t && t.serialLengths.length > 0 ? t.serialLengths : KNOWN_SERIAL_LENGTHS;
  if (!lengths.includes(len)) return false;
  // A shorter allowed serial followed by what may begin a tail (`91`, `93`, `240`, `3103`, `335n`,
  // `8005`): the code may read more than one way, the full parser decides.
  for (const l of lengths) {
    if (l >= len) continue;
    const c = raw.charCodeAt(18 + l);
    if ((c === 57 || c === 50 || c === 51 || c === 56) && gsLessTail(raw.slice(18 + l)) !== null)
      return false;
  }
  return true;
}

/**
 * Parse a marking code. Never throws: returns the parsed code or the problem (which part, why).
 * `productGroup` (a `pg` code) selects the serial template and checks that the code fits it.
 */
export function tryParseCode(raw: unknown, productGroup?: string): ParseResult {
  if (typeof raw !== 'string' || raw.trim() === '') {
    return fail('CODE_EMPTY', 'код маркировки пуст', 'the marking code is empty');
  }
  const pg = productGroup && productGroup !== '' ? productGroup : undefined;
  const template = pg ? codeTemplate(pg) : undefined;
  let s = canonicalText(raw);
  let form: CodeForm = s.includes(GS) ? 'gs' : 'short';
  if (s.startsWith('(')) {
    const converted = fromBrackets(s);
    if (converted === null) {
      return fail(
        'CODE_FORMAT',
        'запись со скобками не разобрана: ожидаются идентификаторы вида (01)…(21)…',
        'bracketed form not understood: identifiers like (01)…(21)… are expected',
      );
    }
    s = converted;
    form = 'brackets';
  }
  const bad = badCharProblem(s);
  if (bad) return bad;

  const tobacco = pg !== undefined && TOBACCO_GROUPS.has(pg);
  const packMatch = /^\d{14}/.test(s) && (s.length === 21 || s.length === 29) && !s.includes(GS);
  const gs1Unit = /^01\d{14}21/.test(s);
  if (packMatch && (tobacco || !gs1Unit) && gs1CheckDigit(s.slice(0, 13)) === Number(s[13])) {
    const gtin = s.slice(0, 14);
    const serial = s.slice(14, 21);
    if (!SERIAL_CHARS.test(serial)) {
      return fail(
        'CODE_SERIAL',
        `серийный номер пачки «${serial}» содержит недопустимые знаки`,
        `pack serial "${serial}" has characters that are not allowed`,
      );
    }
    const r = assemble(raw, 'tobacco-pack', 'plain', gtin + serial, gtin, serial, [], [...TOBACCO_GROUPS]);
    if (r.ok && s.length === 29) {
      r.value.maxRetailPrice = s.slice(21, 25);
      r.value.checkCode = s.slice(25, 29);
    }
    if (r.ok && pg) return groupProblem(pg, template, r.value) ?? r;
    return r;
  }

  if (/^01\d{14}/.test(s)) {
    const gtin = s.slice(2, 16);
    const g = gtinProblem(gtin, 3);
    if (g) return g;
    if (s.slice(16, 18) !== '21') {
      const found = s.slice(16, 18);
      return fail(
        'CODE_AI21',
        found === ''
          ? 'после GTIN нет серийного номера (идентификатор 21 в позиции 17)'
          : `после GTIN в позиции 17 ожидается идентификатор 21 (серийный номер), найдено «${found}»`,
        found === ''
          ? 'no serial number after the GTIN (identifier 21 at position 17)'
          : `identifier 21 (serial number) expected after the GTIN at position 17, found "${found}"`,
      );
    }
    const rest = s.slice(18);
    let serial: string;
    let elements: CodeElement[];
    const gsAt = rest.indexOf(GS);
    if (gsAt >= 0) {
      serial = rest.slice(0, gsAt);
      const t = parseTail(rest.slice(gsAt + 1).split(GS));
      if ('problem' in t) return t.problem;
      elements = t.elements;
      // A GS after the tail's first element but not after the serial (`…qym2406401<GS>91…`): with a
      // group whose template the segment does not fit, the segment is split as a code without GS.
      const own = templateLengths(template);
      if (own.length > 0 && !own.includes(serial.length)) {
        const found = readings(serial, own);
        if (found.length === 1) {
          const r = found[0] as Split;
          serial = r.serial;
          elements = [...r.elements, ...elements];
        }
      } else if (own.length === 0) {
        // Without a template the serial is where the GS is; but the form documents carry has no GS,
        // and read again without a group it must give this very serial (`…5zwI8J935PW1` would read
        // as 6 characters + `93` + 4). Where it would not, the group has to decide.
        const back = splitShort(serial, template);
        const others = 'ambiguous' in back ? back.ambiguous : [back];
        if (others.some((r) => r.serial !== serial)) {
          const list = [{ serial, elements }, ...others.filter((r) => r.serial !== serial)];
          return ambiguousProblem(list, pg, true);
        }
      }
    } else {
      const split = splitShort(rest, template);
      if ('ambiguous' in split) return ambiguousProblem(split.ambiguous, pg);
      ({ serial, elements } = split);
      if (elements.length > 0) form = form === 'brackets' ? form : 'short';
    }
    if (serial.length === 0) {
      return fail('CODE_SERIAL', 'серийный номер (21) пуст', 'the serial number (21) is empty');
    }
    if (serial.length > MAX_SERIAL) {
      const fits = templateLengths(template);
      return fail(
        'CODE_SERIAL',
        `серийный номер (21) длиннее ${MAX_SERIAL} знаков (${serial.length}): вероятно, код считан без разделителя GS и хвост не распознан${fits.length ? ` (для группы ${pg} серийный номер — ${fits.join(' или ')} знаков)` : ''}`,
        `serial number (21) is longer than ${MAX_SERIAL} characters (${serial.length}): the code was probably read without its GS separator and the tail was not recognised${fits.length ? ` (group ${pg} has ${fits.join(' or ')}-character serials)` : ''}`,
      );
    }
    const r = assemble(
      raw,
      'unit',
      form,
      `01${gtin}21${serial}`,
      gtin,
      serial,
      elements,
      groupsForSerialLength(serial.length),
    );
    if (r.ok && pg) return groupProblem(pg, template, r.value) ?? r;
    return r;
  }

  if (/^00\d{18}$/.test(s) || /^\d{18}$/.test(s)) {
    const sscc = s.slice(-18);
    const expected = gs1CheckDigit(sscc.slice(0, 17));
    if (expected !== Number(sscc[17])) {
      return fail(
        'CODE_SSCC_CHECK',
        `SSCC «${sscc}»: неверная контрольная цифра ${sscc[17]}, ожидается ${expected}`,
        `SSCC "${sscc}": wrong check digit ${sscc[17]}, expected ${expected}`,
      );
    }
    const r = assemble(
      raw,
      'sscc',
      form === 'brackets' ? 'brackets' : 'plain',
      s,
      undefined,
      undefined,
      [],
      [],
    );
    if (r.ok) r.value.sscc = sscc;
    return r;
  }

  if (KIZ.test(s)) {
    const r = assemble(raw, 'kiz', 'plain', s, undefined, undefined, [], ['furs']);
    if (r.ok && pg) return groupProblem(pg, template, r.value) ?? r;
    return r;
  }

  if (BULK.test(s.split(GS).join(''))) {
    return fail(
      'CODE_BULK',
      'это код объёмно-сортового учёта (02 + GTIN + 37 + количество), а не код маркировки',
      'this is a bulk (volume-sort) code (02 + GTIN + 37 + quantity), not a marking code',
    );
  }
  if (/^\d{8}$|^\d{12,14}$/.test(s)) {
    return fail(
      'CODE_EAN',
      'это штрихкод товара (EAN/GTIN), а не код маркировки: нужен код 01 + GTIN + 21 + серийный номер',
      'this is a product barcode (EAN/GTIN), not a marking code: 01 + GTIN + 21 + serial is expected',
    );
  }
  if (s.length < 18) {
    return fail(
      'CODE_TOO_SHORT',
      `код слишком короткий (${s.length} знаков): код маркировки начинается с 01 + GTIN(14) + 21 + серийный номер`,
      `the code is too short (${s.length} characters): a marking code starts with 01 + GTIN(14) + 21 + serial`,
    );
  }
  if (!s.includes(GS) && AGGREGATE.test(s)) {
    return assemble(
      raw,
      'aggregate',
      form === 'brackets' ? 'brackets' : 'plain',
      s,
      undefined,
      undefined,
      [],
      [],
    );
  }
  return fail(
    'CODE_FORMAT',
    `код не распознан: не код маркировки (01…21…), не SSCC (00 + 18 цифр) и не код упаковки (18–74 знака)`,
    `code not recognised: not a marking code (01…21…), not an SSCC (00 + 18 digits), not a package code (18–74 characters)`,
  );
}
