/**
 * The 30 MB limit of one document is checked on the size of its JSON text counted without writing
 * it (lib/documents/json-size.ts): the count must be exactly Buffer.byteLength(JSON.stringify(v)),
 * for every kind of character (escapes, control characters, Cyrillic, emoji, lone surrogates) and
 * value (numbers, undefined members, holes, toJSON). Property test over generated values, and the
 * splitter's decisions at the exact limit.
 */
import assert from 'node:assert/strict';
import { jsonSize } from '../../lib/documents/json-size';
import { splitBuilt } from '../../lib/documents/split';
import type { Built, DocCode } from '../../lib/documents/builders';
import { validateDocument } from '../../lib/documents';
import { prng } from '../../lib/emulators/demo-data';

const exact = (v: unknown): number => Buffer.byteLength(JSON.stringify(v), 'utf8');

const CHARS = [
  'a',
  'Z',
  '0',
  ' ',
  '"',
  '\\',
  '/',
  '\b',
  '\t',
  '\n',
  '\f',
  '\r',
  '\u0000',
  '\u001d',
  '\u001f',
  '\u007f',
  '\u0080',
  'é',
  'Ж',
  'ё',
  '\u07ff',
  '\u0800',
  '€',
  '\u2028',
  '\ufeff',
  '\uffff',
  '😀',
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
];

const NUMBERS = [
  0,
  -0,
  1,
  -1,
  7,
  10,
  99,
  100,
  12345,
  -98765,
  2 ** 31,
  2 ** 53,
  1e20,
  1e21,
  1.5,
  -0.25,
  1e-7,
  123.456,
  NaN,
  Infinity,
  -Infinity,
];

function randomString(rand: () => number): string {
  const n = Math.floor(rand() * 12);
  let s = '';
  for (let i = 0; i < n; i++) s += CHARS[Math.floor(rand() * CHARS.length)] as string;
  return s;
}

function randomValue(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth > 3 || r < 0.3) return randomString(rand);
  if (r < 0.42) return NUMBERS[Math.floor(rand() * NUMBERS.length)];
  if (r < 0.47) return rand() < 0.5;
  if (r < 0.5) return null;
  if (r < 0.53) return undefined;
  if (r < 0.55) return () => 1;
  if (r < 0.57) return new Date(Date.UTC(2026, 10, Math.floor(rand() * 28) + 1));
  if (r < 0.75) {
    const a: unknown[] = [];
    const n = Math.floor(rand() * 5);
    for (let i = 0; i < n; i++) a.push(randomValue(rand, depth + 1));
    if (rand() < 0.1) a.length += 2; // holes
    return a;
  }
  const o: Record<string, unknown> = {};
  const n = Math.floor(rand() * 5);
  for (let i = 0; i < n; i++) o[rand() < 0.2 ? String(i) : randomString(rand)] = randomValue(rand, depth + 1);
  return o;
}

describe('lib/documents: JSON size without the JSON text', () => {
  it('equals Buffer.byteLength(JSON.stringify(v)) for generated values', () => {
    const rand = prng(20261202);
    for (let n = 0; n < 20000; n++) {
      const v = { body: randomValue(rand, 0) };
      assert.equal(jsonSize(v), exact(v), JSON.stringify(v));
    }
  });

  it('counts each character as JSON writes it', () => {
    for (const c of CHARS) {
      assert.equal(jsonSize(c), exact(c), JSON.stringify(c));
      assert.equal(jsonSize({ [c]: c }), exact({ [c]: c }), JSON.stringify(c));
    }
    for (const x of NUMBERS) assert.equal(jsonSize([x]), exact([x]), String(x));
    assert.equal(jsonSize([undefined, () => 1, Symbol('s')]), exact([undefined, () => 1, Symbol('s')]));
    assert.equal(jsonSize({ a: undefined, b: 1, c: () => 1 }), exact({ a: undefined, b: 1, c: () => 1 }));
    const withToJson = { toJSON: (): unknown => ({ x: 'Ж' }) };
    assert.equal(jsonSize({ k: withToJson }), exact({ k: withToJson }));
    assert.throws(() => jsonSize({ n: 1n }), TypeError);
  });

  it('splits at the same place as the serialised size: a document just over the limit is cut', () => {
    // a list whose items all weigh the same, with Cyrillic and GS that a bound would overestimate
    const items = Array.from({ length: 40 }, (_, i) => ({
      uit_code: `010460123456001621${String(i).padStart(13, 'Ж')}`,
      product_description: 'Футболка \u001d "синяя"',
    }));
    const body = { document_num: 'ДМ-1', products: items };
    const built: Built = {
      body,
      listKey: 'products',
      sources: items.map(() => ({}) as DocCode),
      codeField: () => 'uit_code',
    };
    const total = exact(body);
    assert.equal(splitBuilt(built, 30000, total).length, 1, 'exactly at the limit: one part');
    const parts = splitBuilt(built, 30000, total - 1);
    assert.equal(parts.length, 2, 'one byte less: two parts');
    for (const p of parts) {
      assert.ok(exact(p.body) <= total - 1, 'each part within the limit');
      assert.ok(p.bytes >= exact(p.body), 'the size of a part is never underestimated');
    }
  });

  it('the validator reports the exact size of a document over its limit', () => {
    const body = { participant_inn: '7707083893', products_list: [{ uitu: 'Ж'.repeat(50) }] };
    const bytes = exact(body);
    const over = validateDocument('DISAGGREGATION_DOCUMENT', body, { maxBytes: bytes - 1 });
    assert.ok(over.some((d) => d.code === 'DOC_TOO_LARGE'));
    const fits = validateDocument('DISAGGREGATION_DOCUMENT', body, { maxBytes: bytes });
    assert.ok(!fits.some((d) => d.code === 'DOC_TOO_LARGE'), JSON.stringify(fits));
  });
});
