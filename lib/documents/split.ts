/**
 * Splitting a document that exceeds one document's limits (30 000 codes, 30 MB) into parts, each
 * valid on its own: the header is repeated, the list of coded items is cut into balanced chunks.
 * Linear: each item is counted (and, only when the size matters, measured) once.
 */
import type { Built, DocCode } from './builders';
import { jsonSize } from './json-size';
import { countCodes } from './validate';

type Rec = Record<string, unknown>;

export interface Part {
  body: Rec;
  sources: DocCode[];
  /** index of the part's first item in the unsplit list */
  offset: number;
  /** number of items of the list in this part */
  length: number;
  /** marking codes in this part */
  codes: number;
  /**
   * JSON size of this part in bytes: measured when the size limit matters, otherwise an upper
   * bound (`sizeBound`) that is already below the limit
   */
  bytes: number;
}

/**
 * An upper bound of the UTF-8 JSON size of a value without serialising it: a string character takes
 * at most 6 bytes (`\u001d`-style escapes; UTF-8 needs at most 3 per UTF-16 unit), a number at most
 * 24 characters. Linear, and allocation-free, so the 30 MB check costs nothing for ordinary documents.
 */
export function sizeBound(v: unknown): number {
  if (typeof v === 'string') return 2 + 6 * v.length;
  if (typeof v === 'number') return 24;
  if (typeof v === 'boolean' || v === null || v === undefined) return 5;
  if (Array.isArray(v)) {
    let n = 2 + v.length;
    for (let i = 0; i < v.length; i++) n += sizeBound(v[i]);
    return n;
  }
  if (typeof v === 'object') {
    let n = 2;
    const o = v as Record<string, unknown>;
    for (const k in o) n += 4 + 6 * k.length + sizeBound(o[k]);
    return n;
  }
  return 24;
}

export function splitBuilt(built: Built, maxCodes: number, maxBytes: number): Part[] {
  const key = built.listKey;
  const items = key ? built.body[key] : undefined;
  // Serialise only when the cheap bound does not already prove the document small enough.
  const bound = sizeBound(built.body);
  const totalBytes = bound <= maxBytes ? bound : jsonSize(built.body);
  if (!key || !Array.isArray(items)) {
    return [
      {
        body: built.body,
        sources: built.sources,
        offset: 0,
        length: 0,
        codes: countCodes(built.body),
        bytes: totalBytes,
      },
    ];
  }
  const counts = items.map((it) => countCodes(it));
  const totalCodes = counts.reduce((a, b) => a + b, 0);
  if (totalCodes <= maxCodes && totalBytes <= maxBytes) {
    return [
      {
        body: built.body,
        sources: built.sources,
        offset: 0,
        length: items.length,
        codes: totalCodes,
        bytes: totalBytes,
      },
    ];
  }
  const header: Rec = { ...built.body, [key]: [] };
  const headerBytes = jsonSize(header);
  const sizeMatters = totalBytes > maxBytes;
  const sizes = sizeMatters ? items.map((it) => jsonSize(it) + 1) : null;
  const room = Math.max(1, maxBytes - headerBytes);
  const n = Math.max(
    Math.ceil(totalCodes / maxCodes),
    sizeMatters ? Math.ceil((totalBytes - headerBytes) / room) : 1,
  );
  const target = Math.ceil(totalCodes / n);
  const parts: Part[] = [];
  let start = 0;
  let codes = 0;
  let bytes = headerBytes;
  const close = (end: number): void => {
    if (end <= start) return;
    parts.push({
      body: { ...built.body, [key]: items.slice(start, end) },
      sources: built.sources.slice(start, end),
      offset: start,
      length: end - start,
      codes,
      bytes: sizeMatters
        ? bytes
        : Math.round(((totalBytes - headerBytes) * (end - start)) / items.length) + headerBytes,
    });
    start = end;
    codes = 0;
    bytes = headerBytes;
  };
  for (let i = 0; i < items.length; i++) {
    const c = counts[i] as number;
    const b = sizes ? (sizes[i] as number) : 0;
    if (i > start && (codes >= target || codes + c > maxCodes || (sizes !== null && bytes + b > maxBytes)))
      close(i);
    codes += c;
    bytes += b;
  }
  close(items.length);
  return parts;
}
