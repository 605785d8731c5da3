/**
 * The little XML the УПД needs, written and read without a dependency (W3C XML 1.0 §2.4 character
 * data, §3.3.3 attribute values, §4.1 character references): a writer whose output is the same bytes
 * for the same tree, and a non-validating reader for the emulator and the tests.
 *
 * Characters outside windows-1251 are written as numeric character references (`&#233;`), not
 * transliterated, so that a name like «Chloé» survives the code page; control characters other than
 * tab, LF and CR cannot appear in XML 1.0 at all and are refused.
 */
import { ZnakFlowError } from '../errors';
import { inCp1251 } from './cp1251';

export interface XmlElement {
  name: string;
  attrs: Array<[string, string]>;
  children: XmlElement[];
  text?: string;
}

/** An element; attributes with an undefined or empty value are left out (the XSD's optional ones). */
export function el(
  name: string,
  attrs: Record<string, string | number | undefined> = {},
  children: Array<XmlElement | undefined | false> = [],
  text?: string,
): XmlElement {
  const a: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === '') continue;
    a.push([k, String(v)]);
  }
  return { name, attrs: a, children: children.filter((c): c is XmlElement => !!c), text };
}

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

function escape(value: string, attr: boolean): string {
  const bad = FORBIDDEN.exec(value);
  if (bad) {
    const hex = (bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
    throw new ZnakFlowError({
      code: 'XML_CONTROL_CHARACTER',
      ru: `управляющий символ U+${hex} недопустим в XML (значение «${value.replace(FORBIDDEN, '?')}»)`,
      en: `control character U+${hex} is not allowed in XML (value "${value.replace(FORBIDDEN, '?')}")`,
      source: 'input',
    });
  }
  let out = '';
  for (const ch of value) {
    switch (ch) {
      case '&':
        out += '&amp;';
        break;
      case '<':
        out += '&lt;';
        break;
      case '>':
        out += '&gt;';
        break;
      case '"':
        out += attr ? '&quot;' : ch;
        break;
      case '\n':
      case '\r':
      case '\t':
        out += attr ? `&#${ch.charCodeAt(0)};` : ch;
        break;
      default:
        out += inCp1251(ch) ? ch : `&#${ch.codePointAt(0) ?? 0};`;
    }
  }
  return out;
}

/** The document as text: prolog, two-space indentation, LF line ends, attributes in the given order. */
export function serialize(root: XmlElement, encoding = 'windows-1251'): string {
  const lines: string[] = [`<?xml version="1.0" encoding="${encoding}"?>`];
  const write = (e: XmlElement, depth: number): void => {
    const pad = '  '.repeat(depth);
    const attrs = e.attrs.map(([k, v]) => ` ${k}="${escape(v, true)}"`).join('');
    if (e.children.length === 0 && e.text === undefined) {
      lines.push(`${pad}<${e.name}${attrs}/>`);
    } else if (e.children.length === 0) {
      lines.push(`${pad}<${e.name}${attrs}>${escape(e.text ?? '', false)}</${e.name}>`);
    } else {
      lines.push(`${pad}<${e.name}${attrs}>`);
      for (const c of e.children) write(c, depth + 1);
      lines.push(`${pad}</${e.name}>`);
    }
  };
  write(root, 0);
  return `${lines.join('\n')}\n`;
}

// -- reading ---------------------------------------------------------------------------------------

function xmlError(why: string, at: number): ZnakFlowError {
  return new ZnakFlowError({
    code: 'XML_MALFORMED',
    ru: `XML не читается: ${why} (позиция ${at})`,
    en: `XML cannot be read: ${why} (position ${at})`,
    source: 'input',
  });
}

function unescape(s: string, at: number): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);?/g, (m: string, e: string) => {
    if (!m.endsWith(';')) throw xmlError(`незакрытая ссылка «${m}»`, at);
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    const cp = e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return String.fromCodePoint(cp);
  });
}

/** Parse a document (no DTD, no namespaces processing): the root element. Throws XML_MALFORMED. */
export function parseXml(text: string): XmlElement {
  let i = 0;
  const s = text.replace(/^\uFEFF/, '');
  const skipMisc = (): void => {
    for (;;) {
      while (i < s.length && /\s/.test(s[i] as string)) i++;
      if (s.startsWith('<?', i)) {
        const end = s.indexOf('?>', i);
        if (end < 0) throw xmlError('незакрытая инструкция', i);
        i = end + 2;
      } else if (s.startsWith('<!--', i)) {
        const end = s.indexOf('-->', i);
        if (end < 0) throw xmlError('незакрытый комментарий', i);
        i = end + 3;
      } else return;
    }
  };
  const NAME = /[^\s/>=<"']+/y;
  const readName = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(s);
    if (!m) throw xmlError('ожидается имя', i);
    i += m[0].length;
    return m[0];
  };
  const element = (): XmlElement => {
    if (s[i] !== '<') throw xmlError('ожидается «<»', i);
    i++;
    const name = readName();
    const e: XmlElement = { name, attrs: [], children: [] };
    for (;;) {
      while (/\s/.test(s[i] ?? '')) i++;
      if (s.startsWith('/>', i)) {
        i += 2;
        return e;
      }
      if (s[i] === '>') {
        i++;
        break;
      }
      if (i >= s.length) throw xmlError('неожиданный конец', i);
      const an = readName();
      while (/\s/.test(s[i] ?? '')) i++;
      if (s[i] !== '=') throw xmlError(`ожидается «=» после ${an}`, i);
      i++;
      while (/\s/.test(s[i] ?? '')) i++;
      const q = s[i];
      if (q !== '"' && q !== "'") throw xmlError('ожидается кавычка', i);
      const end = s.indexOf(q, i + 1);
      if (end < 0) throw xmlError('незакрытое значение атрибута', i);
      const raw = s.slice(i + 1, end);
      if (raw.includes('<')) throw xmlError('«<» в значении атрибута', i);
      if (e.attrs.some(([k]) => k === an)) throw xmlError(`атрибут ${an} повторяется`, i);
      e.attrs.push([an, unescape(raw, i)]);
      i = end + 1;
    }
    let text = '';
    for (;;) {
      if (i >= s.length) throw xmlError(`не закрыт элемент ${name}`, i);
      if (s.startsWith('</', i)) {
        i += 2;
        const close = readName();
        if (close !== name) throw xmlError(`ожидается </${name}>, найден </${close}>`, i);
        while (/\s/.test(s[i] ?? '')) i++;
        if (s[i] !== '>') throw xmlError('ожидается «>»', i);
        i++;
        if (e.children.length === 0) e.text = unescape(text, i);
        return e;
      }
      if (s.startsWith('<!--', i)) {
        const end = s.indexOf('-->', i);
        if (end < 0) throw xmlError('незакрытый комментарий', i);
        i = end + 3;
        continue;
      }
      if (s[i] === '<') {
        e.children.push(element());
        continue;
      }
      const next = s.indexOf('<', i);
      const chunk = s.slice(i, next < 0 ? s.length : next);
      text += chunk;
      i += chunk.length;
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (i < s.length) throw xmlError('данные после корневого элемента', i);
  return root;
}

/** The encoding the prolog declares ('' when none). */
export function declaredEncoding(text: string): string {
  const m = /^\uFEFF?<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/.exec(text);
  return m?.[1] ?? '';
}

export function attr(e: XmlElement | undefined, name: string): string | undefined {
  return e?.attrs.find(([k]) => k === name)?.[1];
}

export function child(e: XmlElement | undefined, name: string): XmlElement | undefined {
  return e?.children.find((c) => c.name === name);
}

export function childrenOf(e: XmlElement | undefined, name: string): XmlElement[] {
  return e ? e.children.filter((c) => c.name === name) : [];
}

/** The first element along a path of names (`Документ/СвСчФакт/СвПрод`). */
export function at(e: XmlElement | undefined, path: string): XmlElement | undefined {
  let cur = e;
  for (const p of path.split('/')) cur = child(cur, p);
  return cur;
}
