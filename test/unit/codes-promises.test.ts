// Codes and INNs checked (issue 14): a GTIN, SSCC, INN or KPP passes only when it is exactly of
// its form (whole text, right length, right check digits); a refusal names its path and code.
// Written against the mutants that survived lib/codes/{gtin,inn,index,templates}.ts.
import assert from 'node:assert/strict';
import {
  CODE_TEMPLATES,
  checkCode,
  checkGtin,
  checkInn,
  checkKpp,
  completeInn,
  groupsForSerialLength,
  inspectCode,
  isValidGs1,
  isValidSscc,
  parseCode,
  toGtin14,
  withCheckDigit,
} from '../../lib/codes';
import { makeCode } from '../../lib/emulators/demo-data';
import { isZnakFlowError } from '../../lib/errors';

const GTIN13 = withCheckDigit('460123456789');
const SSCC = withCheckDigit('14601234567890123');

describe('codes: only the exact form passes', () => {
  it('GS1 check digits over every length the pack takes, whole text only', () => {
    assert.equal(GTIN13.length, 13);
    for (const v of [withCheckDigit('4601234'), withCheckDigit('46012345678'), GTIN13, `0${GTIN13}`, SSCC]) {
      assert.equal(isValidGs1(v), true, v);
      const wrong = v.slice(0, -1) + String((Number(v.at(-1)) + 1) % 10);
      assert.equal(isValidGs1(wrong), false, wrong);
      for (const spoiled of [`x${v}`, `${v}x`, ` ${v}`, `1${v}`])
        assert.equal(isValidGs1(spoiled), false, spoiled);
    }
    assert.equal(isValidGs1(withCheckDigit('46012345678901')), false, '15 digits');
    assert.equal(isValidGs1(withCheckDigit('146012345678901234')), false, '19 digits');
    for (const bad of ['', '12a', 'a12', '12 ']) assert.throws(() => withCheckDigit(bad), RangeError, bad);
  });

  it('checkGtin: digits only (text trimmed, or a number), 8/12/13/14 long, padded to 14', () => {
    assert.deepEqual(checkGtin(` ${GTIN13} `), { ok: true, gtin14: `0${GTIN13}` });
    assert.deepEqual(checkGtin(Number(GTIN13)), { ok: true, gtin14: `0${GTIN13}` });
    for (const bad of [
      `x${GTIN13}`,
      `${GTIN13}x`,
      `${GTIN13.slice(0, 6)} ${GTIN13.slice(6)}`,
      {},
      null,
      1.5,
    ]) {
      assert.equal(checkGtin(bad).ok, false, String(bad));
    }
    assert.equal(checkGtin([GTIN13]).ok, false, 'an array is not a GTIN');
  });

  it('SSCC: 18 digits, with or without AI 00, whole text only', () => {
    assert.equal(isValidSscc(SSCC), true);
    assert.equal(isValidSscc(`00${SSCC}`), true);
    for (const bad of [`x${SSCC}`, `${SSCC}x`, `01${SSCC}`, `0${SSCC}`])
      assert.equal(isValidSscc(bad), false, bad);
  });

  it('INN and KPP: paths default to the field, 10 and 12 digits completed and checked, KPP whole text', () => {
    assert.equal(checkInn('77070838x3')?.path, 'inn');
    assert.equal(checkInn('77070838x3')?.code, 'INN_FORMAT');
    assert.equal(checkInn('7707083894', 'seller.inn')?.path, 'seller.inn');
    const inn10 = completeInn('770708389');
    const inn12 = completeInn('5001007322');
    assert.equal(inn10.length, 10);
    assert.equal(inn12.length, 12);
    assert.equal(checkInn(inn10), null);
    assert.equal(checkInn(inn12), null);
    assert.equal(checkInn(`${inn12.slice(0, 11)}${(Number(inn12[11]) + 1) % 10}`)?.code, 'INN_CHECKSUM');
    assert.equal(
      checkInn(`${inn12.slice(0, 10)}${(Number(inn12[10]) + 1) % 10}${inn12[11]}`)?.code,
      'INN_CHECKSUM',
    );
    for (const bad of ['12345', '12345678901']) assert.throws(() => completeInn(bad), RangeError, bad);
    assert.equal(checkKpp('773601001'), null);
    assert.equal(checkKpp('7736AB001'), null);
    assert.equal(checkKpp('x773601001')?.path, 'kpp');
    for (const bad of ['x773601001', '773601001x', '77360100', '7736ab001'])
      assert.equal(checkKpp(bad)?.code, 'KPP_FORMAT', bad);
    // only a text is a KPP: a number (1C's JSON may carry one) loses its leading zeros, so it is
    // refused even when its digits would make one
    for (const notText of [773601001, 12345678, null, undefined, ['773601001'], { kpp: '773601001' }])
      assert.equal(checkKpp(notText)?.code, 'KPP_FORMAT', JSON.stringify(notText));
  });

  it('inspectCode: the parsed code of a valid one (the same as parseCode), the problem of a bad one', () => {
    const rand = (() => {
      let x = 7;
      return () => (x = (x * 48271) % 2147483647) / 2147483647;
    })();
    for (let i = 0; i < 5; i++) {
      const { cis, full } = makeCode(rand, toGtin14(GTIN13));
      for (const form of [cis, full]) {
        const r = inspectCode(form, 'lp', `codes[${i}]`);
        assert.equal(r.problem, undefined, form);
        assert.deepEqual(r.code, parseCode(form, 'lp'));
        assert.equal(r.code?.cis, cis);
      }
    }
    const bad = inspectCode('not a code', 'lp', 'codes[9]');
    assert.equal(bad.code, undefined);
    assert.equal(bad.problem?.path, 'codes[9]');
    assert.equal(bad.problem?.code, checkCode('not a code')?.code);
  });

  it('a marking code refused names the field `code` (or the given path), from the input', () => {
    assert.throws(
      () => parseCode('not a code'),
      (e: unknown) => {
        assert.ok(isZnakFlowError(e));
        assert.equal(e.field, 'code');
        assert.equal(e.source, 'input');
        assert.equal(e.details?.length, 1);
        assert.equal(e.details?.[0]?.path, 'code');
        assert.equal(e.details?.[0]?.code, e.code);
        return true;
      },
    );
    assert.equal(checkCode('not a code')?.path, 'code');
    assert.equal(checkCode('not a code', undefined, 'products[2].uit_code')?.path, 'products[2].uit_code');
    assert.equal(checkCode('')?.code, 'CODE_EMPTY');
  });

  it('groups by serial length: exactly the templates that allow that length', () => {
    for (const len of [6, 7, 8, 11, 13, 20, 99]) {
      const want = CODE_TEMPLATES.filter((t) => t.serialLengths.includes(len)).map((t) => t.pg);
      assert.deepEqual([...groupsForSerialLength(len)], want, String(len));
      assert.deepEqual([...groupsForSerialLength(len)], want, `${len}, again`);
    }
  });
});
