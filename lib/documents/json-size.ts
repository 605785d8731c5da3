/**
 * The size of a document as True API receives it — the UTF-8 bytes of its JSON text — counted
 * without writing the text: the 30 MB limit of one document («Описание True API» v553.0 §1.2) is
 * then checked on a 100 000-code document without a second copy of it in memory.
 */

/** UTF-8 bytes of a string as JSON writes it: quotes, escapes (`\"`, `\n`, `\u001d`…), surrogates. */
function stringSize(s: string): number {
  let n = 2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20) n += c === 0x22 || c === 0x5c ? 2 : 1;
      // \b \t \n \f \r have short escapes, the other control characters \u00XX
      else n += c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 2 : 6;
    } else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4; // a surrogate pair: one 4-byte UTF-8 sequence
        i++;
      } else n += 6; // a lone surrogate is escaped (\udXXX, ES2019 well-formed JSON.stringify)
    } else if (c >= 0xdc00 && c <= 0xdfff) n += 6;
    else n += 3;
  }
  return n;
}

/** Characters of `String(v)` for a finite number; integers are counted without a string. */
function numberSize(v: number): number {
  if (!Number.isFinite(v)) return 4; // null
  if (Number.isInteger(v) && Math.abs(v) < 1e21) {
    let a = Math.abs(v);
    let n = v < 0 ? 2 : 1;
    while (a >= 10) {
      a = Math.floor(a / 10);
      n++;
    }
    return n;
  }
  return String(v).length;
}

function isPlain(o: object): boolean {
  const proto: unknown = Object.getPrototypeOf(o);
  return (
    (proto === Object.prototype || proto === null) && typeof (o as { toJSON?: unknown }).toJSON !== 'function'
  );
}

/** Size of a value inside an object (undefined: the member is left out) or an array (null). */
function valueSize(v: unknown): number | undefined {
  switch (typeof v) {
    case 'string':
      return stringSize(v);
    case 'number':
      return numberSize(v);
    case 'boolean':
      return v ? 4 : 5;
    case 'object': {
      if (v === null) return 4;
      if (Array.isArray(v)) {
        if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return exotic(v);
        let n = 2 + (v.length > 0 ? v.length - 1 : 0);
        for (let i = 0; i < v.length; i++) n += valueSize(v[i]) ?? 4;
        return n;
      }
      if (!isPlain(v)) return exotic(v);
      let n = 2;
      let members = 0;
      const o = v as Record<string, unknown>;
      for (const k in o) {
        if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
        const m = valueSize(o[k]);
        if (m === undefined) continue;
        n += stringSize(k) + 1 + m;
        members++;
      }
      return n + (members > 0 ? members - 1 : 0);
    }
    case 'bigint':
      return exotic(v); // JSON.stringify throws, and so does this
    default:
      return undefined; // undefined, functions and symbols are not written
  }
}

/** Values JSON.stringify converts first (toJSON, boxed primitives, class instances): measured on its text. */
function exotic(v: unknown): number | undefined {
  const text = JSON.stringify(v) as string | undefined;
  return text === undefined ? undefined : Buffer.byteLength(text, 'utf8');
}

/**
 * `Buffer.byteLength(JSON.stringify(v), 'utf8')` without the text: linear, and allocation-free for
 * the plain objects, arrays, strings, numbers and booleans documents are made of, so the 30 MB
 * limit of a 100 000-code document is checked without a second copy of it in memory.
 */
export function jsonSize(v: unknown): number {
  const n = valueSize(v);
  if (n === undefined) throw new TypeError('the value has no JSON text');
  return n;
}
