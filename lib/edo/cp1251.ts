/**
 * windows-1251 (cp1251) without a dependency. ЭДО Лайт takes УПД files only in windows-1251 («сервер
 * принимает только документы в кодировке windows-1251», ЭДО Лайт API documentation, upload of the
 * seller's title) and the ФНС XSD of order ЕД-7-26/970@ declares it in its prolog; the bytes signed are
 * the bytes uploaded, so the encoding is done once, here.
 *
 * Bytes 0x00–0x7F are ASCII; 0x80–0xFF follow the table of the code page (Microsoft «Windows-1251»,
 * the WHATWG Encoding Standard index «windows-1251»); 0x98 is unassigned.
 */
import { ZnakFlowError } from '../errors';

/** Code points of bytes 0x80…0xFF (U+0000 marks the unassigned 0x98). */
const HIGH =
  '\u0402\u0403\u201a\u0453\u201e\u2026\u2020\u2021\u20ac\u2030\u0409\u2039\u040a\u040c\u040b\u040f' +
  '\u0452\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u0000\u2122\u0459\u203a\u045a\u045c\u045b\u045f' +
  '\u00a0\u040e\u045e\u0408\u00a4\u0490\u00a6\u00a7\u0401\u00a9\u0404\u00ab\u00ac\u00ad\u00ae\u0407' +
  '\u00b0\u00b1\u0406\u0456\u0491\u00b5\u00b6\u00b7\u0451\u2116\u0454\u00bb\u0458\u0405\u0455\u0457' +
  '\u0410\u0411\u0412\u0413\u0414\u0415\u0416\u0417\u0418\u0419\u041a\u041b\u041c\u041d\u041e\u041f' +
  '\u0420\u0421\u0422\u0423\u0424\u0425\u0426\u0427\u0428\u0429\u042a\u042b\u042c\u042d\u042e\u042f' +
  '\u0430\u0431\u0432\u0433\u0434\u0435\u0436\u0437\u0438\u0439\u043a\u043b\u043c\u043d\u043e\u043f' +
  '\u0440\u0441\u0442\u0443\u0444\u0445\u0446\u0447\u0448\u0449\u044a\u044b\u044c\u044d\u044e\u044f';

const ENCODE = new Map<number, number>();
for (let i = 0; i < 128; i++) {
  const cp = HIGH.charCodeAt(i);
  if (cp !== 0) ENCODE.set(cp, 0x80 + i);
}

/** Whether a character (one code point) has a byte in windows-1251. */
export function inCp1251(ch: string): boolean {
  const cp = ch.codePointAt(0);
  if (cp === undefined) return false;
  return cp < 0x80 || ENCODE.has(cp);
}

/** Every character the encoder maps above ASCII (for tests and for callers that pre-check text). */
export function cp1251Characters(): string[] {
  return [...ENCODE.keys()].map((cp) => String.fromCharCode(cp));
}

/**
 * Text → windows-1251 bytes. A character the code page has no byte for is an error naming it and
 * its position (callers that may meet such characters write them as XML character references first,
 * see {@link ./xml}).
 */
export function encodeCp1251(text: string): Buffer {
  const out = Buffer.allocUnsafe(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const cp = text.charCodeAt(i);
    if (cp < 0x80) {
      out[n++] = cp;
      continue;
    }
    const b = ENCODE.get(cp);
    if (b === undefined) {
      const full = text.codePointAt(i) ?? cp;
      const hex = full.toString(16).toUpperCase().padStart(4, '0');
      const ch = String.fromCodePoint(full);
      throw new ZnakFlowError({
        code: 'CP1251_UNMAPPABLE',
        ru: `символ «${ch}» (U+${hex}, позиция ${i}) нельзя записать в кодировке windows-1251`,
        en: `character "${ch}" (U+${hex}, position ${i}) cannot be written in windows-1251`,
        source: 'input',
      });
    }
    out[n++] = b;
  }
  return out.subarray(0, n);
}

/** windows-1251 bytes → text (the unassigned 0x98 becomes U+FFFD). */
export function decodeCp1251(bytes: Buffer | Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b < 0x80) s += String.fromCharCode(b);
    else {
      const cp = HIGH.charCodeAt(b - 0x80);
      s += cp === 0 ? '\uFFFD' : String.fromCharCode(cp);
    }
  }
  return s;
}
