import assert from 'node:assert/strict';
import { ZnakFlowError } from '../../lib/errors';
import {
  buildQuery,
  checkPath,
  chunkOr,
  encodeQueryValue,
  entityPath,
  isEmptyRef,
  literal,
  renderFilter,
  toNaiveDate,
  urlBytes,
  type Condition,
  type LiteralType,
} from '../../lib/onec/query';
import { and, cmp, filterOf, HOSTILE_VALUES, readTarget, stringFn } from '../support/odata-injection';

const G = '8D04CE3C-6360-11E9-DD92-FA163E8BA11D';

function throwsField(fn: () => unknown, field: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ZnakFlowError, String(err));
    if (typeof field === 'string') assert.equal(err.field, field);
    else assert.match(err.field ?? '', field);
    assert.match(err.message, / \/ /, 'bilingual message');
    return true;
  });
}

describe('onec query builder', () => {
  it('writes literals: strings with doubled quotes, validated guid and datetime, numbers without exponent', () => {
    assert.equal(literal("O'Brien", 'string'), "'O''Brien'");
    assert.equal(literal("''", 'string'), "''''''");
    assert.equal(literal(G, 'guid'), "guid'8d04ce3c-6360-11e9-dd92-fa163e8ba11d'");
    assert.equal(literal('2026-11-27', 'datetime'), "datetime'2026-11-27T00:00:00'");
    assert.equal(literal('2026-11-27 09:17', 'datetime'), "datetime'2026-11-27T09:17:00'");
    assert.equal(literal(new Date(2026, 10, 27, 9, 17, 5), 'datetime'), "datetime'2026-11-27T09:17:05'");
    assert.equal(literal(1e21, 'number'), '1000000000000000000000');
    assert.equal(literal(1e-7, 'number'), '0.0000001');
    assert.equal(literal('42.50', 'number'), '42.5');
    assert.equal(literal(true, 'boolean'), 'true');
    assert.equal(literal('ОбувнаяПродукция', 'enum'), "'ОбувнаяПродукция'");
    assert.equal(literal(null, 'null'), 'null');
  });

  it('rejects values that are not of their type, naming the field', () => {
    throwsField(() => literal("8d04ce3c' or '1", 'guid', 'Контрагент_Key'), 'Контрагент_Key');
    throwsField(() => literal('2026-02-30', 'datetime', 'Date'), 'Date');
    throwsField(() => literal("2026-11-27T00:00:00' or 1 eq 1", 'datetime', 'Date'), 'Date');
    throwsField(() => literal('1 or 1 eq 1', 'number', 'Сумма'), 'Сумма');
    throwsField(() => literal(Infinity, 'number', 'Сумма'), 'Сумма');
    throwsField(() => literal('yes', 'boolean', 'Posted'), 'Posted');
    throwsField(() => literal("Обувь' or 'x", 'enum', 'ОсобенностьУчета'), 'ОсобенностьУчета');
    throwsField(() => literal({ a: 1 }, 'string', 'Description'), 'Description');
  });

  it('converts a date with a zone to this machine’s wall clock (1C reads Z as a shifted wall clock)', () => {
    const d = new Date('2026-11-27T06:17:00Z');
    const expected = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}T${String(d.getHours()).padStart(2, '0')}:17:00`;
    assert.equal(toNaiveDate('2026-11-27T06:17:00Z'), expected);
  });

  it('accepts only 1C names as fields and entity sets', () => {
    assert.equal(checkPath('Контрагент/ИНН'), 'Контрагент/ИНН');
    for (const bad of [
      'Number eq 1) or (1 eq 1',
      "Number'",
      'Number eq',
      'a b',
      '',
      '1abc',
      'x/',
      'Posted%20',
    ]) {
      throwsField(() => checkPath(bad, 'field'), 'field');
    }
    throwsField(() => entityPath('Document_X?$filter=1'), 'entity');
  });

  it('renders conditions: brackets only around compound parts, composite refs with cast, string functions', () => {
    const c: Condition = {
      and: [
        { field: 'Posted', op: 'eq', value: true, type: 'boolean' },
        {
          or: [
            { field: 'Number', op: 'eq', value: 'A', type: 'string' },
            { field: 'Number', op: 'eq', value: 'B', type: 'string' },
          ],
        },
        { not: { field: 'DeletionMark', op: 'eq', value: true, type: 'boolean' } },
        { field: 'Объект', op: 'eq', value: G, type: 'ref', refType: 'Document_РеализацияТоваровУслуг' },
        { field: 'Description', op: 'substringof', value: 'Мир' },
        { field: 'Description', op: 'startswith', value: "O'" },
      ],
    };
    assert.equal(
      renderFilter(c),
      "Posted eq true and (Number eq 'A' or Number eq 'B') and not (DeletionMark eq true) and " +
        "Объект eq cast(guid'8d04ce3c-6360-11e9-dd92-fa163e8ba11d', 'Document_РеализацияТоваровУслуг') and " +
        "substringof('Мир', Description) eq true and startswith(Description, 'O''') eq true",
    );
  });

  it('encodes for 1C: UTF-8, spaces as %20, a plus as %2B, never a raw + or &', () => {
    const q = buildQuery({
      filter: { field: 'Description', op: 'eq', value: 'A+B & C #1 100%=', type: 'string' },
    });
    assert.equal(q, "$format=json&$filter=Description%20eq%20'A%2BB%20%26%20C%20%231%20100%25%3D'");
    const cyr = encodeQueryValue('Номер');
    assert.equal(cyr, '%D0%9D%D0%BE%D0%BC%D0%B5%D1%80');
    assert.equal(decodeURIComponent(cyr), 'Номер');
    assert.doesNotMatch(q, /\+/);
  });

  it('always asks for JSON, puts every $expand path into $select, and never uses "in"', () => {
    const q = decodeURIComponent(
      buildQuery({
        select: ['Ref_Key', 'Number'],
        expand: ['Организация', { path: 'Контрагент', select: ['ИНН', 'КПП'] }],
        orderby: ['Date', 'Ref_Key desc'],
        top: 10,
        skip: 20,
      }),
    );
    assert.equal(
      q,
      '$format=json&$select=Ref_Key,Number,Организация/*,Контрагент/ИНН,Контрагент/КПП&$expand=Организация,Контрагент&$orderby=Date asc,Ref_Key desc&$top=10&$skip=20',
    );
    const many = buildQuery({
      filter: {
        or: [G, G.replace('8D', '9D')].map((v) => ({
          field: 'Ref_Key',
          op: 'eq' as const,
          value: v,
          type: 'guid' as const,
        })),
      },
    });
    assert.doesNotMatch(decodeURIComponent(many), /\bin\b/);
    assert.equal(buildQuery({}), '$format=json');
  });

  it('splits a long OR-list so that every URL stays under the budget', () => {
    const root = 'http://127.0.0.1:8081/demo/odata/standard.odata/';
    const path = entityPath('Catalog_ШтрихкодыУпаковокТоваров');
    const refs = Array.from(
      { length: 200 },
      (_, i) => `00000000-0000-4000-a000-${String(i + 1).padStart(12, '0')}`,
    );
    const fits = (f: Condition): boolean => urlBytes(`${root}${path}?${buildQuery({ filter: f })}`) <= 2000;
    const chunks = chunkOr('Ref_Key', [...refs, ...refs.slice(0, 10)], 'guid', fits);
    assert.ok(chunks.length >= 7 && chunks.length <= 9, `chunks: ${chunks.length}`);
    let total = 0;
    for (const c of chunks) {
      assert.ok(fits(c));
      const text = renderFilter(c);
      total += (text.match(/guid'/g) ?? []).length;
    }
    assert.equal(total, 200, 'each value once');
    assert.throws(() => chunkOr('Ref_Key', refs, 'guid', () => false), /ONEC_URL_TOO_LONG|адрес|URL/);
  });

  it('splits into the same chunks as adding the values one by one would, with far fewer renderings', () => {
    /** the way chunks were found before: try every value on the current list */
    const greedy = (values: string[], type: LiteralType, fits: (f: Condition) => boolean): Condition[] => {
      const out: Condition[] = [];
      let cur: Condition[] = [];
      const make = (l: Condition[]): Condition => (l.length === 1 ? l[0]! : { or: l });
      for (const v of [...new Set(values)]) {
        const c: Condition = { field: 'Code', op: 'eq', value: v, type };
        if (fits(make([...cur, c]))) cur = [...cur, c];
        else {
          out.push(make(cur));
          cur = [c];
        }
      }
      if (cur.length > 0) out.push(make(cur));
      return out;
    };
    let seed = 7;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let round = 0; round < 60; round++) {
      const n = 1 + Math.floor(rand() * 300);
      const values = Array.from({ length: n }, (_, i) =>
        `${i}-${'Жx'.repeat(Math.floor(rand() * 20))}`.slice(0, 1 + Math.floor(rand() * 40)),
      );
      const budget = 300 + Math.floor(rand() * 3000);
      let calls = 0;
      const fits = (f: Condition): boolean => {
        calls++;
        return urlBytes(`http://h/odata/Catalog_X?${buildQuery({ filter: f })}`) <= budget;
      };
      let expected: Condition[] | Error;
      try {
        expected = greedy(values, 'string', fits);
        if (expected.some((c) => !fits(c))) throw new Error('ONEC_URL_TOO_LONG');
      } catch (e) {
        expected = e as Error;
      }
      calls = 0;
      if (expected instanceof Error) {
        assert.throws(() => chunkOr('Code', values, 'string', fits), /ONEC_URL_TOO_LONG|URL/);
        continue;
      }
      const got = chunkOr('Code', values, 'string', fits);
      assert.deepEqual(got.map(renderFilter), expected.map(renderFilter), `round ${round}`);
      assert.ok(calls <= 3 + got.length * 2 * (1 + Math.ceil(Math.log2(n + 1))), `${calls} checks for ${n}`);
    }
  });

  it('injection: every hostile value is rejected naming its field, or escaped so the filter keeps its meaning', () => {
    const posted: Condition = { field: 'Posted', op: 'eq', value: true, type: 'boolean' };
    const postedExpr = cmp('Posted', 'eq', true, 'bool');
    const keys = (q: string): string[] => [...readTarget(`?${q}`).params.keys()].sort();
    let escaped = 0;
    let rejected = 0;
    for (const h of HOSTILE_VALUES) {
      // string comparisons and functions: the value stays one literal, nothing else changes
      for (const [cond, expr] of [
        [{ field: 'Number', op: 'eq', value: h, type: 'string' }, cmp('Number', 'eq', h, 'str')],
        [
          { field: 'Контрагент/ИНН', op: 'ne', value: h, type: 'string' },
          cmp('Контрагент/ИНН', 'ne', h, 'str'),
        ],
        [{ field: 'Number', op: 'substringof', value: h }, stringFn('substringof', 'Number', h)],
        [{ field: 'Number', op: 'startswith', value: h }, stringFn('startswith', 'Number', h)],
        [{ field: 'Number', op: 'endswith', value: h }, stringFn('endswith', 'Number', h)],
      ] as Array<[Condition, ReturnType<typeof cmp>]>) {
        const q = buildQuery({ filter: { and: [posted, cond] }, top: 5 });
        assert.deepEqual(keys(q), ['$filter', '$format', '$top'], `${JSON.stringify(h)}: ${q}`);
        const req = readTarget(`?${q}`);
        assert.equal(req.params.get('$top'), '5');
        assert.deepEqual(filterOf(req), and(postedExpr, expr), `${JSON.stringify(h)}: ${q}`);
        escaped++;
      }
      // typed literals: a hostile value is never of the type; refused, naming the field
      for (const type of ['guid', 'datetime', 'number', 'boolean', 'enum'] as LiteralType[]) {
        if (type === 'enum' && /^[\p{L}_][\p{L}\p{N}_]*$/u.test(h)) continue; // a plain word is a valid enum value name
        throwsField(() => buildQuery({ filter: { field: 'Поле', op: 'eq', value: h, type } }), 'Поле');
        rejected++;
      }
      throwsField(
        () =>
          buildQuery({ filter: { field: 'Объект', op: 'eq', value: h, type: 'ref', refType: 'Document_X' } }),
        'Объект',
      );
      // names: entity sets, fields, select, order, expand, key parts (a plain word is just a name)
      const isName = /^[\p{L}_][\p{L}\p{N}_]*$/u.test(h);
      if (!isName) throwsField(() => entityPath(h), 'entity');
      throwsField(() => entityPath('Catalog_X', h), 'ref');
      // an unquoted key part (the composite register key of §1.3) is a GUID or StandardODATA.<name> only
      throwsField(
        () => entityPath('InformationRegister_X', { Объект_Type: { value: h, type: 'bare' } }),
        'Объект_Type',
      );
      if (!isName) throwsField(() => buildQuery({ select: ['Ref_Key', h] }), 'select');
      if (!isName) throwsField(() => buildQuery({ orderby: [h] }), 'orderby');
      if (!isName) throwsField(() => buildQuery({ expand: [h] }), 'expand');
      if (!isName)
        throwsField(() => buildQuery({ filter: { field: h, op: 'eq', value: 1, type: 'number' } }), 'field');
      rejected += isName ? 3 : 8;
      // an explicit raw expression (the user's own OData) cannot leave its brackets or its parameter
      let q: string;
      try {
        q = buildQuery({ filter: { and: [posted, { raw: h }] } });
      } catch (err) {
        assert.ok(err instanceof ZnakFlowError);
        assert.equal(err.field, 'rawFilter', err.message);
        rejected++;
        continue;
      }
      assert.deepEqual(keys(q), ['$filter', '$format'], `${JSON.stringify(h)}: ${q}`);
      const f = readTarget(`?${q}`).params.get('$filter') ?? '';
      assert.ok(f.startsWith('Posted eq true and ('), f);
      let parsed;
      try {
        parsed = filterOf(readTarget(`?${q}`));
      } catch {
        continue; // not OData at all: 1C answers 400, nothing is selected
      }
      assert.equal(parsed.k, 'bin');
      assert.equal((parsed as { op: string }).op, 'and', f);
      assert.deepEqual((parsed as { l: unknown }).l, postedExpr, f);
      escaped++;
    }
    // the bracket check itself
    throwsField(() => renderFilter({ raw: 'a eq 1) or (true' }), 'rawFilter');
    throwsField(() => renderFilter({ raw: "Number eq 'x" }), 'rawFilter');
    assert.equal(renderFilter({ raw: "Number eq ')' or (a eq 'b''(')" }), "(Number eq ')' or (a eq 'b''('))");
    console.log(
      `      OData injection (lib): ${HOSTILE_VALUES.length} hostile values, ${escaped} escaped and checked by the server's parser, ${rejected} refused naming the field`,
    );
  });

  it('knows the empty reference', () => {
    assert.ok(isEmptyRef('00000000-0000-0000-0000-000000000000'));
    assert.ok(isEmptyRef(''));
    assert.ok(!isEmptyRef(G));
  });
});
