/**
 * Hostile inputs through lib/codes and lib/documents: thousands of generated marking codes, INNs,
 * dates, amounts and whole 1C documents with broken fields. What must hold for every one of them:
 *
 * - nothing but a catchable ZnakFlowError is ever thrown (no TypeError, no RangeError, no hang),
 *   with a machine code, Russian and English text of bounded size, naming the value or the field;
 * - what is accepted is clean: a normalised code is printable ASCII, idempotent, with valid check
 *   digits; an accepted INN has valid check digits (checked here by an independent implementation);
 * - a document the mapper calls valid validates again, so an invalid one never reaches cz-send.
 *
 * Fixed seed plus a random one (printed on failure); ZNAKFLOW_HOSTILE_ROUNDS=10 for the long form.
 */
import assert from 'node:assert/strict';
import { checkCode, checkInn, isValidInn, normalizeCode, parseCode } from '../../lib/codes';
import { PRODUCT_GROUP_CODES } from '../../lib/cz/product-groups';
import { mapDocument, validateDocument } from '../../lib/documents';
import { textOf, ZnakFlowError } from '../../lib/errors';
import { demoWorld, type DemoDocument } from '../../lib/emulators/demo-data';
import {
  assertCatchable,
  count,
  forSeeds,
  GS,
  huge,
  INVISIBLE,
  MAX_ERROR_TEXT,
  META,
  mutateAt,
  mutateString,
  printTally,
  randomValue,
  ROUNDS,
  type Rand,
} from '../support/hostile';
import { onecMessage } from '../support/onec-fixtures';

const world = demoWorld({ seed: 7, baseDate: '2026-11-20T09:00:00' });
const TODAY = new Date('2026-11-21T12:00:00');
const GROUPS: ReadonlyArray<string | undefined> = [undefined, 'lp', 'shoes', ...PRODUCT_GROUP_CODES];

/** GS1 mod-10, written again here as an oracle (not the implementation under test). */
function gs1Ok(digits: string): boolean {
  let sum = 0;
  const body = digits.slice(0, -1);
  for (let i = 0; i < body.length; i++) {
    const w = (body.length - i) % 2 === 1 ? 3 : 1;
    sum += Number(body[i]) * w;
  }
  return (10 - (sum % 10)) % 10 === Number(digits.at(-1));
}

/** The tax service's INN algorithm, written again here as an oracle. */
function innOk(v: string): boolean {
  const d = [...v].map(Number);
  const c = (w: number[]): number => (w.reduce((s, x, i) => s + x * (d[i] ?? 0), 0) % 11) % 10;
  if (/^\d{10}$/.test(v)) return c([2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[9];
  if (/^\d{12}$/.test(v)) {
    return c([7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[10] && c([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[11];
  }
  return false;
}

/** Paths of every leaf of a JSON-like value. */
function leafPaths(v: unknown, p: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(v)) return v.flatMap((x, i) => leafPaths(x, [...p, i]));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leafPaths(x, [...p, k]));
  return [p];
}

/** A deep copy with one value replaced. */
function setAt(obj: unknown, path: Array<string | number>, value: unknown): unknown {
  const copy = structuredClone(obj) as Record<string | number, unknown>;
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  cur[path.at(-1) as string | number] = value;
  return copy;
}

const GS_WRITTEN = /\\u001d|\\x1d|<GS>|\{GS\}|\[GS\]|\u241d/gi;

/** Seeds for code mutations: every form the demo world stores, SSCCs, and a few known shapes. */
function codeSeeds(): string[] {
  return [
    ...world.codes.slice(0, 40).flatMap((c) => [c.cis, c.full, c.stored]),
    ...world.boxes.map((b) => b.sscc),
    '(01)04601234567893(21)5AbCdEfGhIjKl',
    'RU-430302-AAA7064491',
    '04601234567893AbC1234',
  ];
}

function hostileCode(r: Rand, seeds: string[]): { kind: string; value: string } {
  let s = r.pick(seeds);
  let kind = 'code';
  const n = r.int(1, 3);
  for (let i = 0; i < n; i++) {
    const m = mutateString(r, s);
    s = m.value;
    kind = m.kind;
  }
  return { kind, value: s };
}

describe('hostile inputs: marking codes, INNs, dates, amounts, 1C documents (lib/codes, lib/documents)', function () {
  this.timeout(300000);

  after(() => printTally('hostile inputs (lib)', ['code', 'inn', 'date', 'amount', 'document']));

  it('marking codes: refused with a catchable error naming the code, or accepted clean and normalised', async () => {
    const seeds = codeSeeds();
    await forSeeds((_seed, r) => {
      for (let i = 0; i < 1500 * ROUNDS; i++) {
        const { kind, value } = hostileCode(r, seeds);
        const pg = r.pick(GROUPS);
        count(`code:${kind}`);
        const checked = checkCode(value, pg, 'x');
        let cis: string | undefined;
        try {
          const parsed = parseCode(value, pg);
          cis = parsed.cis;
          assert.equal(normalizeCode(value, pg), cis);
        } catch (err) {
          const { code } = assertCatchable(err, { context: `${kind} ${JSON.stringify(value.slice(0, 80))}` });
          assert.match(code, /^CODE_/);
          assert.ok(checked, 'checkCode agrees with parseCode');
          assert.equal(checked.code, code);
          assert.ok(
            checked.message_ru.length <= MAX_ERROR_TEXT,
            `detail of ${checked.message_ru.length} chars`,
          );
          if (code !== 'CODE_EMPTY') assert.match((err as Error).message, /код маркировки «/);
          continue;
        }
        assert.equal(checked, null, 'checkCode agrees with parseCode');
        const context = `${kind}: ${JSON.stringify(value.slice(0, 100))} → ${cis}`;
        // accepted: printable ASCII only, nothing invisible smuggled through, idempotent
        assert.match(cis, /^[\x21-\x7e]+$/, context);
        assert.ok(cis.length <= 80, context);
        assert.equal(normalizeCode(cis, pg), cis, `not idempotent: ${context}`);
        const core = value.trim().replace(GS_WRITTEN, '').split(GS).join('');
        assert.match(core, /^[\x21-\x7e\u00e8]*$/, `accepted despite a foreign character: ${context}`);
        const unit = /^01(\d{14})21/.exec(cis);
        if (unit) assert.ok(gs1Ok(unit[1] as string), `GTIN check digit: ${context}`);
        if (/^00\d{18}$/.test(cis)) assert.ok(gs1Ok(cis.slice(2)), `SSCC check digit: ${context}`);
      }
    });
  });

  it('marking codes of any type: checkCode never throws and names the field', async () => {
    await forSeeds((_seed, r) => {
      for (let i = 0; i < 500 * ROUNDS; i++) {
        const v = randomValue(r);
        count('code:non-string');
        const d = checkCode(v, r.pick(GROUPS), 'products[0].uit_code');
        if (typeof v !== 'string' || v.trim() === '') assert.ok(d, `accepted ${textOf(v)}`);
        if (d) {
          assert.equal(d.path, 'products[0].uit_code');
          assert.ok(d.message_ru && d.message_en);
          assert.ok(d.message_ru.length <= MAX_ERROR_TEXT);
        }
      }
    });
  });

  it('INNs: never accepted with a wrong check digit, length or character; every refusal names the INN', async () => {
    const valid = [world.organisation.inn, ...world.counterparties.map((c) => c.inn), '500100732259'];
    await forSeeds((_seed, r) => {
      for (let i = 0; i < 2000 * ROUNDS; i++) {
        let v: unknown;
        let kind: string;
        switch (r.int(0, 3)) {
          case 0:
            v = r.chars('0123456789', r.int(0, 14));
            kind = 'random-digits';
            break;
          case 1:
            ({ kind, value: v } = mutateString(r, r.pick(valid)));
            break;
          case 2:
            v = r.pick(valid);
            kind = 'valid';
            break;
          default:
            v = randomValue(r);
            kind = 'any-type';
        }
        count(`inn:${kind}`);
        const d = checkInn(v, 'sender_inn');
        const ok = typeof v === 'string' && innOk(v);
        assert.equal(
          d === null,
          ok,
          `checkInn(${JSON.stringify(textOf(v).slice(0, 40))}) = ${d?.code ?? 'ok'}`,
        );
        assert.equal(typeof v === 'string' && isValidInn(v), ok);
        if (d) {
          assert.equal(d.path, 'sender_inn');
          assert.match(d.code, /^INN_/);
          assert.ok(d.message_ru.length <= MAX_ERROR_TEXT, `INN detail of ${d.message_ru.length} chars`);
          assert.ok(d.message_en.length <= MAX_ERROR_TEXT);
        }
      }
    });
  });

  /** A valid shipment and a valid withdrawal of demo codes, whose fields the cases break. */
  async function baseDocuments(): Promise<
    Array<{ type: string; pg: string; body: Record<string, unknown> }>
  > {
    const sale = world.documents.find(
      (d) => d.kind === 'sale' && d.posted && !d.deletionMark,
    ) as DemoDocument;
    const out: Array<{ type: string; pg: string; body: Record<string, unknown> }> = [];
    for (const type of ['LP_SHIP_GOODS', 'LK_RECEIPT']) {
      const r = await mapDocument(onecMessage(world, sale), {
        documentType: type,
        today: TODAY,
        legacyShipGoods: true,
      });
      for (const d of r.documents) {
        assert.deepEqual(d.errors, [], `base ${type} document is valid`);
        out.push({ type: d.type, pg: d.productGroup, body: d.body });
      }
    }
    return out;
  }

  const DATE_FIELDS = /(_date|Date)$/;
  const MONEY_FIELDS = /^(product_cost|product_tax|cost|vat_value|price)$/;

  function hostileDate(r: Rand): unknown {
    return r.pick<unknown>([
      '2026-02-30',
      '2026-13-01',
      '2026-00-10',
      '0000-00-00',
      '1899-12-31',
      '99999-01-01',
      '2026-11-27T25:00:00',
      '2026-11-27T23:60:00',
      '2026-11-2',
      ' 2026-11-20',
      '2026-11-20 ',
      '２０２６-11-20',
      '2026‐11‐20',
      '2026-11-20\u0000',
      '20.11.2026',
      '31.02.2026',
      '2026/11/20',
      '1732060800',
      '',
      null,
      20261120,
      1732060800000,
      true,
      [],
      {},
      huge(r, 1024 * 1024),
      ...META,
      ...INVISIBLE,
    ]);
  }

  function hostileAmount(r: Rand): unknown {
    return r.pick<unknown>([
      '-1',
      '-0',
      '1.5',
      '10,50',
      '1 000',
      '1e5',
      '0x10',
      'NaN',
      'Infinity',
      '',
      ' 100',
      '１００',
      '١٠٠',
      '9'.repeat(18),
      '9'.repeat(400),
      -1,
      1.5,
      NaN,
      Infinity,
      2 ** 53 + 1,
      Number.MAX_VALUE,
      null,
      true,
      [],
      {},
      huge(r, 1024 * 1024),
      ...META,
    ]);
  }

  it('dates and amounts of a document: every bad value is reported at its field, none crashes the validator', async () => {
    const bases = await baseDocuments();
    await forSeeds((_seed, r) => {
      for (let i = 0; i < 1500 * ROUNDS; i++) {
        const base = r.pick(bases);
        const date = r.bool();
        const targets = leafPaths(base.body).filter((p) =>
          (date ? DATE_FIELDS : MONEY_FIELDS).test(String(p.at(-1))),
        );
        if (targets.length === 0) continue;
        const target = r.pick(targets);
        const changed = target
          .map((k, j) => (typeof k === 'number' ? `[${k}]` : j === 0 ? k : `.${k}`))
          .join('');
        const newValue = date ? hostileDate(r) : hostileAmount(r);
        const result = setAt(base.body, target, newValue);
        count(date ? 'date' : 'amount');
        const details = validateDocument(base.type, result, { productGroup: base.pg, today: TODAY });
        for (const d of details) {
          assert.ok(d.path && d.code && d.message_ru && d.message_en, JSON.stringify(d).slice(0, 300));
          assert.ok(
            d.message_ru.length <= MAX_ERROR_TEXT,
            `detail of ${d.message_ru.length} chars at ${d.path}`,
          );
          assert.ok(d.message_en.length <= MAX_ERROR_TEXT);
        }
        const at = details.filter((d) => d.path === changed);
        const plainValid = date
          ? typeof newValue === 'string' &&
            /^\d{4}-\d{2}-\d{2}$/.test(newValue) &&
            !Number.isNaN(Date.parse(`${newValue}T00:00:00Z`)) &&
            new Date(`${newValue}T00:00:00Z`).toISOString().startsWith(newValue)
          : (typeof newValue === 'string' && /^\d{1,17}$/.test(newValue)) ||
            (typeof newValue === 'number' &&
              Number.isInteger(newValue) &&
              newValue >= 0 &&
              String(newValue).length <= 17);
        const absent = newValue === null || newValue === undefined; // optional fields may be null
        if (
          !absent &&
          !plainValid &&
          !(date && typeof newValue === 'string' && /^\d{2}\.\d{2}\.\d{4}$/.test(newValue))
        ) {
          assert.ok(
            at.length > 0 || (date && details.length > 0),
            `${base.type}.${changed} = ${JSON.stringify(newValue)?.slice(0, 60)} not reported: ${JSON.stringify(details).slice(0, 300)}`,
          );
        }
      }
    });
  });

  it('whole 1C documents with broken fields: the mapper never throws, and what it calls valid is valid', async () => {
    const docs = world.documents.filter((d) => d.posted && !d.deletionMark);
    const messages = docs.map((d) => onecMessage(world, d));
    await forSeeds(async (_seed, r) => {
      for (let i = 0; i < 200 * ROUNDS; i++) {
        const msg = r.pick(messages);
        const target = r.bool(0.7) ? 'payload' : 'onec';
        let kind = '';
        const { result } = mutateAt(r, msg[target], (rr, old) => {
          if (typeof old === 'string' && rr.bool(0.7)) {
            const m = mutateString(rr, old);
            kind = m.kind;
            return m.value;
          }
          kind = 'type';
          return randomValue(rr);
        });
        count(`document:${kind}`);
        const input = { ...msg, [target]: result };
        const type = r.pick(['auto', 'LP_SHIP_GOODS', 'LK_RECEIPT', 'LP_INTRODUCE_GOODS', 'LP_RETURN']);
        let mapped;
        try {
          mapped = await mapDocument(input, { documentType: type, today: TODAY, legacyShipGoods: true });
        } catch (err) {
          assertCatchable(err, { context: `mapDocument ${type} ${kind}` });
          assert.ok(err instanceof ZnakFlowError);
          continue;
        }
        for (const d of mapped.documents) {
          for (const e of d.errors) {
            assert.ok(e.path && e.code && e.message_ru && e.message_en);
            assert.ok(e.message_ru.length <= MAX_ERROR_TEXT, `detail of ${e.message_ru.length} chars`);
          }
          if (d.errors.length === 0) {
            const again = validateDocument(d.type, d.body, { productGroup: d.productGroup, today: TODAY });
            assert.deepEqual(again, [], `mapper called valid what the validator refuses (${type} ${kind})`);
          }
        }
      }
    });
  });
});
