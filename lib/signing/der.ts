/**
 * A small DER/BER reader: enough to look inside CMS SignedData (attached or detached, the signer
 * certificate, signed attributes) and X.509 certificates (subject, issuer, validity, INN). No crypto
 * here: signatures are verified by OpenSSL. BER indefinite lengths (some CryptoPro builds emit them)
 * are accepted.
 */

export interface Tlv {
  /** tag class: 0 universal, 1 application, 2 context, 3 private */
  cls: number;
  constructed: boolean;
  tagNumber: number;
  /** offset of the first header byte */
  start: number;
  /** offset of the first value byte */
  valueStart: number;
  /** offset after the last value byte (before an end-of-contents marker) */
  valueEnd: number;
  /** offset after the whole element (after the end-of-contents marker, if any) */
  end: number;
}

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

const MAX_DEPTH = 64;

export function readTlv(buf: Buffer, offset: number, limit = buf.length, depth = 0): Tlv {
  if (depth > MAX_DEPTH) throw new DerError('ASN.1 nesting too deep');
  let p = offset;
  if (p >= limit) throw new DerError(`truncated ASN.1 at ${p}`);
  const first = buf[p++] as number;
  const cls = first >> 6;
  const constructed = (first & 0x20) !== 0;
  let tagNumber = first & 0x1f;
  if (tagNumber === 0x1f) {
    tagNumber = 0;
    for (let i = 0; ; i++) {
      if (p >= limit || i > 4) throw new DerError('bad ASN.1 tag');
      const b = buf[p++] as number;
      tagNumber = (tagNumber << 7) | (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  if (p >= limit) throw new DerError('truncated ASN.1 length');
  const lb = buf[p++] as number;
  if (lb === 0x80) {
    // BER indefinite length: children up to an end-of-contents (00 00).
    if (!constructed) throw new DerError('indefinite length on a primitive element');
    const valueStart = p;
    let q = p;
    for (;;) {
      if (q + 1 >= limit) throw new DerError('unterminated indefinite-length element');
      if (buf[q] === 0 && buf[q + 1] === 0) break;
      q = readTlv(buf, q, limit, depth + 1).end;
    }
    return { cls, constructed, tagNumber, start: offset, valueStart, valueEnd: q, end: q + 2 };
  }
  let len = lb;
  if (lb & 0x80) {
    const n = lb & 0x7f;
    if (n > 4) throw new DerError('ASN.1 length too large');
    len = 0;
    for (let i = 0; i < n; i++) {
      if (p >= limit) throw new DerError('truncated ASN.1 length');
      len = len * 256 + (buf[p++] as number);
    }
  }
  const valueEnd = p + len;
  if (valueEnd > limit) throw new DerError(`ASN.1 element overruns its container at ${offset}`);
  return { cls, constructed, tagNumber, start: offset, valueStart: p, valueEnd, end: valueEnd };
}

export function children(buf: Buffer, t: Tlv, depth = 0): Tlv[] {
  if (!t.constructed) throw new DerError('primitive element has no children');
  const out: Tlv[] = [];
  let p = t.valueStart;
  while (p < t.valueEnd) {
    const c = readTlv(buf, p, t.valueEnd, depth + 1);
    out.push(c);
    p = c.end;
  }
  return out;
}

export function value(buf: Buffer, t: Tlv): Buffer {
  return buf.subarray(t.valueStart, t.valueEnd);
}

export function whole(buf: Buffer, t: Tlv): Buffer {
  return buf.subarray(t.start, t.end);
}

/** Universal tag numbers used here. */
export const TAG = {
  INTEGER: 2,
  OCTET_STRING: 4,
  OID: 6,
  UTF8String: 12,
  SEQUENCE: 16,
  SET: 17,
  NumericString: 18,
  PrintableString: 19,
  T61String: 20,
  IA5String: 22,
  UTCTime: 23,
  GeneralizedTime: 24,
  BMPString: 30,
} as const;

export function isUniversal(t: Tlv, tag: number): boolean {
  return t.cls === 0 && t.tagNumber === tag;
}

export function isContext(t: Tlv, n: number): boolean {
  return t.cls === 2 && t.tagNumber === n;
}

export function decodeOid(bytes: Buffer): string {
  if (bytes.length === 0) throw new DerError('empty OID');
  const parts: number[] = [];
  let v = 0;
  for (const b of bytes) {
    v = v * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      parts.push(v);
      v = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const a = first < 40 ? 0 : first < 80 ? 1 : 2;
  return [a, first - a * 40, ...parts].join('.');
}

/** The string value of a directory string (Numeric, Printable, UTF8, IA5, T61, BMP). */
export function decodeString(buf: Buffer, t: Tlv): string {
  const v = value(buf, t);
  if (t.tagNumber === TAG.BMPString) {
    const swapped = Buffer.from(v);
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  if (t.tagNumber === TAG.T61String) return v.toString('latin1');
  return v.toString('utf8');
}

export function decodeTime(buf: Buffer, t: Tlv): Date {
  const s = value(buf, t).toString('ascii');
  if (t.tagNumber === TAG.UTCTime) {
    const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(s);
    if (!m) throw new DerError(`bad UTCTime ${s}`);
    const yy = Number(m[1]);
    const year = yy >= 50 ? 1900 + yy : 2000 + yy;
    return new Date(
      Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)),
    );
  }
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(s);
  if (!m) throw new DerError(`bad GeneralizedTime ${s}`);
  return new Date(
    Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])),
  );
}

/** OCTET STRING content, also when BER splits it into constructed chunks. */
export function octets(buf: Buffer, t: Tlv): Buffer {
  if (!t.constructed) return Buffer.from(value(buf, t));
  return Buffer.concat(children(buf, t).map((c) => octets(buf, c)));
}

export function pemToDer(pem: string | Buffer): Buffer[] {
  const text = typeof pem === 'string' ? pem : pem.toString('latin1');
  const out: Buffer[] = [];
  for (const m of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)) {
    out.push(Buffer.from((m[2] ?? '').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'));
  }
  return out;
}

export function derToPem(der: Buffer, label = 'CERTIFICATE'): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.replace(/\n$/, '')}\n-----END ${label}-----\n`;
}
