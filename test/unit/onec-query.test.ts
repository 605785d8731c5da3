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
} from '../../lib/onec/query';

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

  it('knows the empty reference', () => {
    assert.ok(isEmptyRef('00000000-0000-0000-0000-000000000000'));
    assert.ok(isEmptyRef(''));
    assert.ok(!isEmptyRef(G));
  });
});
