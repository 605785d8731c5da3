/**
 * `$filter` of the 1C standard OData interface (1C developer guide 17.4.5): a tokenizer, a
 * precedence parser and an evaluator over the emulator's records. Supported: `eq ne gt ge lt le
 * and or not`, `add sub mul div`, brackets, literals (`'…'` with `''`, `guid'…'`, `datetime'…'`,
 * numbers, `true`/`false`/`null`), navigation (`Контрагент/ИНН`), lambdas (`Товары/any(d: …)`,
 * `all`), and the functions 1C implements. Not supported, as in 1C: the `in` operator (400, code 14)
 * and `length indexof replace tolower toupper trim years days hours seconds floor ceiling`
 * (400, code 21).
 */

export class ODataFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const filterParseError = (): ODataFault =>
  new ODataFault(400, '14', 'Ошибка при разборе опции запроса $filter');

type Tok =
  | { t: 'id'; v: string }
  | { t: 'str'; v: string }
  | { t: 'guid'; v: string }
  | { t: 'dt'; v: string }
  | { t: 'num'; v: number; raw: string }
  | { t: 'p'; v: '(' | ')' | ',' | '/' | ':' };

const ID_START = /[\p{L}_*]/u;
const ID_PART = /[\p{L}\p{N}_*]/u;

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if ('(),/:'.includes(ch)) {
      out.push({ t: 'p', v: ch as '(' | ')' | ',' | '/' | ':' });
      i++;
      continue;
    }
    if (ch === "'") {
      const [s, next] = readQuoted(src, i);
      out.push({ t: 'str', v: s });
      i = next;
      continue;
    }
    if (/[0-9]/.test(ch) || (ch === '-' && /[0-9]/.test(src[i + 1] ?? '') && prevAllowsSign(out))) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?[mMdDfFlL]?/.exec(src.slice(i));
      if (!m) throw filterParseError();
      const raw = m[0];
      out.push({ t: 'num', v: Number(raw.replace(/[mMdDfFlL]$/, '')), raw });
      i += raw.length;
      continue;
    }
    if (ID_START.test(ch)) {
      let j = i + 1;
      while (j < src.length && ID_PART.test(src[j]!)) j++;
      const word = src.slice(i, j);
      if (src[j] === "'" && /^(guid|datetime|datetimeoffset|time|binary|X)$/i.test(word)) {
        const [s, next] = readQuoted(src, j);
        const kind = word.toLowerCase();
        if (kind === 'guid') {
          if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s)) {
            throw new ODataFault(400, '14', 'Ошибка при разборе опции запроса $filter');
          }
          out.push({ t: 'guid', v: s.toLowerCase() });
        } else if (kind === 'datetime' || kind === 'datetimeoffset') {
          const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?(\.\d+)?$/.exec(s);
          if (!m) throw new ODataFault(400, '14', 'Ошибка при разборе опции запроса $filter');
          out.push({ t: 'dt', v: `${m[1]}T${m[2]}${m[3] ?? ':00'}` });
        } else {
          throw new ODataFault(400, '0', 'Возможность не поддерживается');
        }
        i = next;
        continue;
      }
      out.push({ t: 'id', v: word });
      i = j;
      continue;
    }
    throw filterParseError();
  }
  return out;
}

function prevAllowsSign(out: Tok[]): boolean {
  const p = out[out.length - 1];
  if (!p) return true;
  if (p.t === 'p') return p.v === '(' || p.v === ',';
  return p.t === 'id' && /^(eq|ne|gt|ge|lt|le|and|or|not|add|sub|mul|div)$/.test(p.v);
}

function readQuoted(src: string, start: number): [string, number] {
  let i = start + 1;
  let s = '';
  for (;;) {
    if (i >= src.length) throw filterParseError();
    const ch = src[i]!;
    if (ch === "'") {
      if (src[i + 1] === "'") {
        s += "'";
        i += 2;
        continue;
      }
      return [s, i + 1];
    }
    s += ch;
    i++;
  }
}

export type Expr =
  | { k: 'lit'; v: unknown; t: 'str' | 'guid' | 'dt' | 'num' | 'bool' | 'null' }
  | { k: 'path'; segs: string[] }
  | { k: 'bin'; op: string; l: Expr; r: Expr }
  | { k: 'not'; e: Expr }
  | { k: 'neg'; e: Expr }
  | { k: 'call'; name: string; args: Expr[]; then?: string[] }
  | { k: 'lambda'; path: string[]; fn: 'any' | 'all'; v?: string; body?: Expr };

const SUPPORTED = new Set([
  'substringof',
  'startswith',
  'endswith',
  'concat',
  'substring',
  'like',
  'year',
  'month',
  'day',
  'hour',
  'minute',
  'second',
  'quarter',
  'dayofweek',
  'dayofyear',
  'dateadd',
  'datedifference',
  'cast',
  'isof',
  'round',
]);

const LEVELS: string[][] = [
  ['or'],
  ['and'],
  ['eq', 'ne'],
  ['gt', 'ge', 'lt', 'le'],
  ['add', 'sub'],
  ['mul', 'div', 'mod'],
];

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  parse(): Expr {
    const e = this.level(0);
    if (this.i < this.toks.length) throw filterParseError();
    return e;
  }

  private peek(): Tok | undefined {
    return this.toks[this.i];
  }

  private isWord(w: string): boolean {
    const p = this.peek();
    return !!p && p.t === 'id' && p.v.toLowerCase() === w;
  }

  private isP(v: string): boolean {
    const p = this.peek();
    return !!p && p.t === 'p' && p.v === v;
  }

  private expectP(v: string): void {
    if (!this.isP(v)) throw filterParseError();
    this.i++;
  }

  private level(n: number): Expr {
    if (n >= LEVELS.length) return this.unary();
    let left = this.level(n + 1);
    for (;;) {
      const p = this.peek();
      if (p && p.t === 'id' && p.v === 'in') throw filterParseError();
      if (!p || p.t !== 'id' || !LEVELS[n]!.includes(p.v.toLowerCase())) return left;
      this.i++;
      const right = this.level(n + 1);
      left = { k: 'bin', op: p.v.toLowerCase(), l: left, r: right };
    }
  }

  private unary(): Expr {
    if (this.isWord('not')) {
      this.i++;
      return { k: 'not', e: this.unary() };
    }
    const p = this.peek();
    if (p && p.t === 'id' && p.v === '-') {
      this.i++;
      return { k: 'neg', e: this.unary() };
    }
    return this.primary();
  }

  private primary(): Expr {
    const p = this.peek();
    if (!p) throw filterParseError();
    this.i++;
    switch (p.t) {
      case 'str':
        return { k: 'lit', v: p.v, t: 'str' };
      case 'guid':
        return { k: 'lit', v: p.v, t: 'guid' };
      case 'dt':
        return { k: 'lit', v: p.v, t: 'dt' };
      case 'num':
        return { k: 'lit', v: p.v, t: 'num' };
      case 'p': {
        if (p.v !== '(') throw filterParseError();
        const e = this.level(0);
        this.expectP(')');
        return e;
      }
      case 'id': {
        const w = p.v;
        const lw = w.toLowerCase();
        if (lw === 'true' || lw === 'false') return { k: 'lit', v: lw === 'true', t: 'bool' };
        if (lw === 'null') return { k: 'lit', v: null, t: 'null' };
        if (this.isP('(')) {
          this.i++;
          if (!SUPPORTED.has(lw)) {
            throw new ODataFault(400, '21', `Вызов нереализованной функции ${w}`);
          }
          const args: Expr[] = [];
          if (!this.isP(')')) {
            for (;;) {
              args.push(this.level(0));
              if (this.isP(',')) {
                this.i++;
                continue;
              }
              break;
            }
          }
          this.expectP(')');
          const then: string[] = [];
          while (this.isP('/')) {
            this.i++;
            const seg = this.peek();
            if (!seg || seg.t !== 'id') throw filterParseError();
            this.i++;
            then.push(seg.v);
          }
          return { k: 'call', name: lw, args, then: then.length ? then : undefined };
        }
        const segs = [w];
        while (this.isP('/')) {
          this.i++;
          const seg = this.peek();
          if (!seg || seg.t !== 'id') throw filterParseError();
          this.i++;
          const ls = seg.v.toLowerCase();
          if ((ls === 'any' || ls === 'all') && this.isP('(')) {
            this.i++;
            if (this.isP(')')) {
              this.i++;
              return { k: 'lambda', path: segs, fn: ls };
            }
            const v = this.peek();
            if (!v || v.t !== 'id') throw filterParseError();
            this.i++;
            this.expectP(':');
            const body = this.level(0);
            this.expectP(')');
            return { k: 'lambda', path: segs, fn: ls, v: v.v, body };
          }
          segs.push(seg.v);
        }
        return { k: 'path', segs };
      }
    }
  }
}

export function parseFilter(src: string): Expr {
  return new Parser(tokenize(src)).parse();
}

/** What the evaluator needs from the data store. */
export interface EvalScope {
  /** value of a property path starting at `row`; throws ODataFault(6) for unknown names */
  member(
    row: Record<string, unknown>,
    segs: string[],
    setName: string,
  ): { value: unknown; composite?: { type: string } };
  /** the rows of a tabular section (for lambdas) and the row set name */
  table(
    row: Record<string, unknown>,
    segs: string[],
    setName: string,
  ): { rows: Array<Record<string, unknown>>; setName: string };
  /** resolve a reference value to a record of a set, for `cast(x,'Set')/Field` */
  deref(setName: string, ref: unknown): Record<string, unknown> | undefined;
}

interface Ref {
  ref: string;
  type: string;
}

function isRef(v: unknown): v is Ref {
  return !!v && typeof v === 'object' && 'ref' in v && 'type' in v;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return undefined;
}

function compare(a: unknown, b: unknown): number | undefined {
  if (a === null || a === undefined || b === null || b === undefined) return undefined;
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined && (typeof a === 'number' || typeof b === 'number'))
    return na - nb;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function equal(a: unknown, b: unknown): boolean {
  if (isRef(a) || isRef(b)) {
    if (isRef(a) && isRef(b)) return a.ref === b.ref && a.type === b.type;
    return false;
  }
  if (a === null || a === undefined) return b === null || b === undefined || b === '';
  if (b === null || b === undefined) return a === '';
  if (typeof a === 'string' && typeof b === 'string')
    return a.toLowerCase() === b.toLowerCase() && isGuidish(a) ? true : a === b;
  const c = compare(a, b);
  return c === 0;
}

function isGuidish(s: string): boolean {
  return /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s);
}

/** Evaluate a parsed filter for one row of entity set `setName`. */
export function evaluate(
  e: Expr,
  row: Record<string, unknown>,
  setName: string,
  scope: EvalScope,
  vars: Record<string, { row: Record<string, unknown>; setName: string }> = {},
): unknown {
  const ev = (x: Expr): unknown => evaluate(x, row, setName, scope, vars);
  switch (e.k) {
    case 'lit':
      return e.v;
    case 'path': {
      const [first, ...rest] = e.segs;
      const bound = first !== undefined ? vars[first] : undefined;
      if (bound) {
        if (rest.length === 0) return bound.row;
        const m = scope.member(bound.row, rest, bound.setName);
        return m.composite ? { ref: m.value, type: m.composite.type } : m.value;
      }
      const m = scope.member(row, e.segs, setName);
      return m.composite ? { ref: m.value, type: m.composite.type } : m.value;
    }
    case 'not':
      return !truthy(ev(e.e));
    case 'neg': {
      const v = num(ev(e.e));
      return v === undefined ? null : -v;
    }
    case 'lambda': {
      const bound = vars[e.path[0] ?? ''];
      const t = bound
        ? scope.table(bound.row, e.path.slice(1), bound.setName)
        : scope.table(row, e.path, setName);
      if (!e.body || !e.v) return t.rows.length > 0;
      const test = (r: Record<string, unknown>): boolean =>
        truthy(evaluate(e.body!, row, setName, scope, { ...vars, [e.v!]: { row: r, setName: t.setName } }));
      return e.fn === 'any' ? t.rows.some(test) : t.rows.every(test);
    }
    case 'bin': {
      if (e.op === 'and') return truthy(ev(e.l)) && truthy(ev(e.r));
      if (e.op === 'or') return truthy(ev(e.l)) || truthy(ev(e.r));
      const l = ev(e.l);
      const r = ev(e.r);
      switch (e.op) {
        case 'eq':
          return equal(l, r);
        case 'ne':
          return !equal(l, r);
        case 'gt':
        case 'ge':
        case 'lt':
        case 'le': {
          const c = compare(isRef(l) ? l.ref : l, isRef(r) ? r.ref : r);
          if (c === undefined) return false;
          return e.op === 'gt' ? c > 0 : e.op === 'ge' ? c >= 0 : e.op === 'lt' ? c < 0 : c <= 0;
        }
        default: {
          const a = num(l);
          const b = num(r);
          if (a === undefined || b === undefined) return null;
          if (e.op === 'add') return a + b;
          if (e.op === 'sub') return a - b;
          if (e.op === 'mul') return a * b;
          if (e.op === 'div') return b === 0 ? null : a / b;
          return b === 0 ? null : a % b;
        }
      }
    }
    case 'call':
      return call(e, row, setName, scope, vars);
  }
}

function truthy(v: unknown): boolean {
  return v === true;
}

const wrongArgs = (name: string): ODataFault =>
  new ODataFault(400, '21', `Неверное количество аргументов функции ${name}`);

function call(
  e: Extract<Expr, { k: 'call' }>,
  row: Record<string, unknown>,
  setName: string,
  scope: EvalScope,
  vars: Record<string, { row: Record<string, unknown>; setName: string }>,
): unknown {
  const args = e.args.map((a) => evaluate(a, row, setName, scope, vars));
  const str = (v: unknown): string => (v === null || v === undefined ? '' : isRef(v) ? v.ref : String(v));
  const need = (n: number, m = n): void => {
    if (args.length < n || args.length > m) throw wrongArgs(e.name);
  };
  const date = (v: unknown): Date | undefined => {
    if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(v)) return undefined;
    return new Date(`${v.slice(0, 19)}Z`);
  };
  switch (e.name) {
    case 'substringof':
      need(2);
      return str(args[1]).includes(str(args[0]));
    case 'startswith':
      need(2);
      return str(args[0]).startsWith(str(args[1]));
    case 'endswith':
      need(2);
      return str(args[0]).endsWith(str(args[1]));
    case 'concat':
      need(2);
      return str(args[0]) + str(args[1]);
    case 'substring': {
      need(2, 3);
      const s = str(args[0]);
      const from = (num(args[1]) ?? 1) - 1;
      return args.length === 3 ? s.substr(from, num(args[2]) ?? 0) : s.slice(from);
    }
    case 'like': {
      need(2);
      const re = likeToRegExp(str(args[1]));
      return re.test(str(args[0]));
    }
    case 'year':
    case 'month':
    case 'day':
    case 'hour':
    case 'minute':
    case 'second':
    case 'quarter':
    case 'dayofweek':
    case 'dayofyear': {
      need(1);
      const d = date(args[0]);
      if (!d) return null;
      const parts: Record<string, number> = {
        year: d.getUTCFullYear(),
        month: d.getUTCMonth() + 1,
        day: d.getUTCDate(),
        hour: d.getUTCHours(),
        minute: d.getUTCMinutes(),
        second: d.getUTCSeconds(),
        quarter: Math.floor(d.getUTCMonth() / 3) + 1,
        dayofweek: ((d.getUTCDay() + 6) % 7) + 1,
        dayofyear: Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1,
      };
      return parts[e.name];
    }
    case 'round':
      need(1);
      return num(args[0]) === undefined ? null : Math.round(num(args[0])!);
    case 'dateadd':
    case 'datedifference':
      throw new ODataFault(400, '0', 'Возможность не поддерживается');
    case 'isof': {
      need(2);
      const v = args[0];
      const t = str(args[1]);
      return isRef(v) ? v.type === `StandardODATA.${t}` : false;
    }
    case 'cast': {
      need(2);
      const t = str(args[1]);
      const v = args[0];
      const ref = isRef(v)
        ? v.type === `StandardODATA.${t}`
          ? v.ref
          : undefined
        : typeof v === 'string'
          ? v
          : undefined;
      const asRef: Ref | undefined =
        ref !== undefined ? { ref: ref.toLowerCase(), type: `StandardODATA.${t}` } : undefined;
      if (!e.then) {
        if (['String', 'Number', 'Boolean', 'Date'].includes(t)) return isRef(v) ? v.ref : v;
        return asRef ?? null;
      }
      const target = asRef ? scope.deref(t, asRef.ref) : undefined;
      if (!target) return null;
      const m = scope.member(target, e.then, t);
      return m.composite ? { ref: m.value, type: m.composite.type } : m.value;
    }
    default:
      throw new ODataFault(400, '21', `Вызов нереализованной функции ${e.name}`);
  }
}

/** 1C ПОДОБНО patterns: `%` any run, `_` one char, `[…]` sets, `[^…]` negated sets. */
function likeToRegExp(p: string): RegExp {
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else if (c === '[') {
      const end = p.indexOf(']', i);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      const body = p.slice(i + 1, end).replace(/\\/g, '\\\\');
      re += `[${body}]`;
      i = end;
    } else re += c.replace(/[.*+?^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}
