// OData escaping (issue 14): every value a message can set is either written as exactly the
// intended literal or refused with an error naming the field; nothing in between. Written against
// the mutants that survived lib/onec/query.ts (calendar checks, number and date grammars, raw
// filters' balance, the options of a query, chunked OR lists).
import assert from 'node:assert/strict';
import { isZnakFlowError } from '../../lib/errors';
import {
  buildQuery,
  checkPath,
  chunkOr,
  EMPTY_GUID,
  entityPath,
  isEmptyRef,
  literal,
  naiveLocal,
  parseOrder,
  renderFilter,
  toNaiveDate,
  type Condition,
} from '../../lib/onec/query';

const G = '8D04CE3C-6360-11E9-DD92-FA163E8BA11D';
const g = G.toLowerCase();

function refused(fn: () => unknown, field: string | undefined, code = 'ONEC_BAD_VALUE'): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isZnakFlowError(e), String(e));
    assert.equal(e.code, code);
    assert.equal(e.field, field);
    assert.equal(e.source, code === 'ONEC_BAD_VALUE' ? 'input' : '1c');
    return true;
  });
}

/** The decoded query string, parameter by parameter. */
function params(q: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(q));
}

describe('onec query: exactly the intended literal, or a refusal naming the field', () => {
  it('no reference: undefined, null, "" and the all-zero GUID; any real GUID is one', () => {
    for (const v of [undefined, null, '', EMPTY_GUID]) assert.equal(isEmptyRef(v), true, String(v));
    for (const v of [G, g, 0, 'x']) assert.equal(isEmptyRef(v), false, String(v));
  });

  it('dates: only real calendar dates and times, trimmed; zoned ISO to the local wall clock', () => {
    assert.equal(toNaiveDate(' 2026-11-27 09:17 '), '2026-11-27T09:17:00');
    assert.equal(toNaiveDate('2026-02-28T23:59:59'), '2026-02-28T23:59:59');
    assert.equal(toNaiveDate('2028-02-29'), '2028-02-29T00:00:00');
    assert.equal(toNaiveDate('2026-11-27T00:17:05'), '2026-11-27T00:17:05');
    assert.equal(toNaiveDate('2026-11-27 00:00:05'), '2026-11-27T00:00:05');
    for (const bad of [
      '2026-02-29',
      '2026-13-01',
      '2026-04-31',
      '2026-00-10',
      '2026-11-27T24:00',
      '2026-11-27T23:60',
      '2026-11-27T23:59:60',
      '2026-11-27T09:60',
      '2026-11-27T09:17:60',
      '2026-11-27T09:17Zjunk',
      'x2026-11-27T09:17:00Z',
      '2026-11-27T09:17:00+3:00',
      '2026-11-27T09:17:00.+03:00',
      '2026-11-27T09:17:00.5x+03:00',
      '2026-11-27T09:17:00 03:00',
      '2026-11-27T09:17:00+0a:00',
      '2026-11-27T09:17:00+03:0',
      '2026-11-27T09:17:00+33:00',
    ]) {
      refused(() => toNaiveDate(bad, 'since'), 'since');
    }
    refused(() => toNaiveDate(new Date(NaN), 'since'), 'since');
    const zoned = ['2026-11-27T09:17Z', '2026-11-27T09:17:05+03:00', '2026-11-27T09:17:05.250-0130'];
    for (const s of zoned) assert.equal(toNaiveDate(s), naiveLocal(new Date(s)), s);
    assert.equal(
      toNaiveDate(' 2026-11-27T09:17:05+03:00 '),
      naiveLocal(new Date('2026-11-27T09:17:05+03:00')),
    );
  });

  it('numbers: plain decimal text only, trimmed; never an exponent in the filter', () => {
    assert.equal(literal(' 12.5 ', 'number'), '12.5');
    assert.equal(literal('-3', 'number'), '-3');
    assert.equal(literal(' 7 ', 'number'), '7');
    for (const bad of ['12.', 'x12', '12x', '1e3', '.5', '1 2', '', '0x10']) {
      refused(() => literal(bad, 'number', 'amount'), 'amount');
    }
    assert.equal(literal(1.5e-7, 'number'), '0.00000015');
    assert.equal(literal(2e21, 'number'), '2000000000000000000000');
    assert.equal(literal(0.1, 'number'), '0.1');
  });

  it('strings take strings, numbers and booleans as text; anything else is refused', () => {
    assert.equal(literal(5, 'string'), "'5'");
    assert.equal(literal(true, 'string'), "'true'");
    assert.equal(literal("a'b", 'string'), "'a''b'");
    for (const bad of [{}, [], null, undefined, () => 1])
      refused(() => literal(bad, 'string', 'name'), 'name');
  });

  it('booleans: true/false and their text, nothing else', () => {
    assert.equal(literal(true, 'boolean'), 'true');
    assert.equal(literal('true', 'boolean'), 'true');
    assert.equal(literal(false, 'boolean'), 'false');
    assert.equal(literal('false', 'boolean'), 'false');
    for (const bad of ['yes', 1, 0, '', 'TRUE']) refused(() => literal(bad, 'boolean', 'posted'), 'posted');
  });

  it('a raw filter: non-empty, one line, balanced brackets and quotes, kept inside its own brackets', () => {
    assert.equal(renderFilter({ raw: ' a eq 1 ' }), '(a eq 1)');
    assert.equal(
      renderFilter({ raw: "Name eq 'it''s (x' and (b eq 1)" }),
      "(Name eq 'it''s (x' and (b eq 1))",
    );
    assert.equal(renderFilter({ raw: "Name eq ''''" }), "(Name eq '''')");
    for (const bad of [
      '',
      '   ',
      'a eq 1\nor 1 eq 1',
      'a eq 1\r',
      'a eq 1) or (b eq 2',
      '(a eq 1',
      "a eq 'x",
      "a eq 'x''",
      'a eq 1)',
      '(a eq 1) or (b eq 2',
      ') or (',
    ]) {
      refused(() => renderFilter({ raw: bad }), 'rawFilter');
    }
    refused(() => renderFilter({ raw: 42 } as unknown as Condition), 'rawFilter');
  });

  it('conditions: the operator and the reference type are checked, single-item groups add no brackets', () => {
    refused(
      () => renderFilter({ field: 'Date', op: 'like', value: 1, type: 'number' } as unknown as Condition),
      'Date',
    );
    refused(
      () => renderFilter({ field: 'Doc', op: 'eq', value: G, type: 'ref', refType: "X') or (1 eq 1" }),
      'refType',
    );
    assert.equal(
      renderFilter({ field: 'Doc', op: 'eq', value: G, type: 'ref', refType: 'Document_Реализация' }),
      `Doc eq cast(guid'${g}', 'Document_Реализация')`,
    );
    const a: Condition = { field: 'A', op: 'eq', value: 1, type: 'number' };
    const b: Condition = { field: 'B', op: 'eq', value: 2, type: 'number' };
    assert.equal(renderFilter({ and: [a, { or: [b] }] }), 'A eq 1 and B eq 2');
    assert.equal(renderFilter({ or: [a, { and: [b] }] }), 'A eq 1 or B eq 2');
    assert.equal(renderFilter({ and: [a, { or: [a, b] }] }), 'A eq 1 and (A eq 1 or B eq 2)');
    assert.equal(renderFilter({ or: [a, { and: [a, b] }] }), 'A eq 1 or (A eq 1 and B eq 2)');
    assert.equal(renderFilter({ and: [{ and: [] }, a] }), 'A eq 1');
    assert.equal(renderFilter({ and: [{ and: [{ and: [] }] }, { or: [a] }] }), 'A eq 1');
    assert.equal(renderFilter({ and: [a, { not: { and: [b] } }] }), 'A eq 1 and not (B eq 2)');
    refused(() => renderFilter({ and: [] }), 'filter');
    refused(() => renderFilter({ or: [{ and: [] }] }), 'filter');
    assert.equal(buildQuery({ filter: { and: [{ and: [] }] } }), '$format=json');
    assert.equal(params(buildQuery({ filter: { and: [a, b] } }))['$filter'], 'A eq 1 and B eq 2');
  });

  it('a field name refused by default names `field`', () => {
    refused(() => checkPath('a b'), 'field');
  });

  it('keys of an entity path: names checked, GUIDs and StandardODATA names bare, nothing else bare', () => {
    assert.equal(
      entityPath('InformationRegister_X', {
        Ref: { value: G, type: 'bare' },
        Kind: { value: 'StandardODATA.Заказ_1', type: 'bare' },
      }),
      `InformationRegister_X(Ref=${g},Kind=StandardODATA.${encodeURIComponent('Заказ_1')})`,
    );
    assert.equal(
      entityPath('Catalog_X', { Code: { value: 'a b', type: 'string' } }),
      "Catalog_X(Code='a%20b')",
    );
    assert.equal(entityPath('Catalog_X', G), `Catalog_X(guid'${g}')`);
    for (const bad of [
      'StandardODATA.',
      'xStandardODATA.A',
      'StandardODATA.A)',
      'StandardODATA.1A',
      'StandardODATA.A-B',
      'StandardODATA.A b',
      'StandardODATA.A/B',
    ]) {
      refused(() => entityPath('Catalog_X', { Kind: { value: bad, type: 'bare' } }), 'Kind');
    }
    refused(() => entityPath('Catalog_X', { "a'b": { value: G, type: 'bare' } }), 'key');
  });

  it('query options: names checked per option, paging written only when it means something', () => {
    const q = params(
      buildQuery({
        select: ['*', 'Ref_Key'],
        expand: ['Контрагент', { path: 'Склад', select: ['Code'] }, { path: 'Ответственный', select: [] }],
        orderby: [' Date  DESC ', 'Number', { field: 'Ref_Key', desc: false }],
        top: 0,
        skip: 5,
        inlinecount: true,
        allowedOnly: true,
      }),
    );
    assert.equal(q['$select'], '*,Ref_Key,Контрагент/*,Склад/Code,Ответственный/*');
    assert.equal(q['$expand'], 'Контрагент,Склад,Ответственный');
    assert.equal(q['$orderby'], 'Date desc,Number asc,Ref_Key asc');
    assert.equal(q['$top'], '0');
    assert.equal(q['$skip'], '5');
    assert.equal(q['$inlinecount'], 'allpages');
    assert.equal(q['allowedOnly'], 'true');
    assert.deepEqual(params(buildQuery({ select: ['**', '*'] }))['$select'], '**,*');
    assert.equal(params(buildQuery({ select: ['A'], expand: ['A'] }))['$select'], 'A,A/*');
    assert.equal(buildQuery({ select: [], orderby: [], skip: 0, expand: [] }), '$format=json');
    assert.equal(buildQuery({ inlinecount: false, allowedOnly: false }), '$format=json');
    assert.deepEqual(parseOrder('Date asc'), { field: 'Date', desc: false });
    assert.deepEqual(parseOrder('Date'), { field: 'Date', desc: false });
    refused(() => parseOrder('Date  sideways'), 'orderby');
    refused(() => buildQuery({ select: ["a'"] }), 'select');
    refused(() => buildQuery({ select: ['A'], expand: [{ path: 'B', select: ['x y'] }] }), 'select');
    refused(() => buildQuery({ expand: ['x y'] }), 'expand');
    refused(() => buildQuery({ orderby: ['a;b'] }), 'orderby');
    for (const bad of [-1, 1.5, NaN]) {
      refused(() => buildQuery({ top: bad }), 'top');
      if (bad !== -1 && !Number.isNaN(bad)) refused(() => buildQuery({ skip: bad }), 'skip');
    }
    refused(() => buildQuery({ skip: 2.5 }), 'skip');
  });

  it('a long OR list is cut into chunks that each fit, cover every value once, GUIDs lower-cased', () => {
    const guids = Array.from(
      { length: 9 },
      (_, i) => `8D04CE3C-6360-11E9-DD92-FA163E8BA1${String(i).padStart(2, '0')}`,
    );
    const values = [...guids, ...guids.map((x) => x.toLowerCase())];
    const limit = 200;
    const fits = (c: Condition): boolean => renderFilter(c).length <= limit;
    const chunks = chunkOr('Ref_Key', values, 'guid', fits);
    assert.ok(chunks.length > 1);
    const seen: string[] = [];
    for (const c of chunks) {
      const text = renderFilter(c);
      assert.ok(text.length <= limit, text);
      seen.push(...[...text.matchAll(/guid'([^']+)'/g)].map((m) => m[1] as string));
    }
    assert.deepEqual(
      seen,
      guids.map((x) => x.toLowerCase()),
    );
    // one value: the plain condition, no OR group
    assert.deepEqual(chunkOr('Ref_Key', [G], 'guid', fits), [
      { field: 'Ref_Key', op: 'eq', value: g, type: 'guid' },
    ]);
    // numbers are not touched and not merged with their text
    assert.equal(chunkOr('N', [1, '1', 1], 'number', () => true).length, 1);
    assert.equal((chunkOr('N', [1, '1', 1], 'number', () => true)[0] as { or: Condition[] }).or.length, 2);
    assert.deepEqual(
      chunkOr('N', [], 'number', () => true),
      [],
    );
    refused(() => chunkOr("a'", [1], 'number', () => true), 'field');
    // only GUIDs are compared without case: strings keep theirs
    assert.equal(
      (chunkOr('Name', ['ABC', 'abc'], 'string', () => true)[0] as { or: Condition[] }).or.length,
      2,
    );
    refused(() => chunkOr('N', [1], 'number', () => false), 'N', 'ONEC_URL_TOO_LONG');
    // the first fits alone, the second does not even alone
    refused(
      () => chunkOr('N', [1, 22], 'number', (c) => renderFilter(c).length <= 'N eq 1'.length),
      'N',
      'ONEC_URL_TOO_LONG',
    );
    assert.throws(
      () => chunkOr('N', [1], 'number', () => false),
      (e: unknown) => isZnakFlowError(e) && e.source === '1c',
    );
  });
});
