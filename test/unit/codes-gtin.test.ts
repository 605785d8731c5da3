import assert from 'node:assert/strict';
import { checkGtin, gs1CheckDigit, isValidGs1, toGtin14, withCheckDigit } from '../../lib/codes';
import { prng } from '../../lib/emulators/demo-data';

describe('lib/codes: GTIN and GS1 check digits', () => {
  it('GS1 mod-10 on the reference vectors', () => {
    // AlexSapronov/gis-trueapi tests/test_datamatrix.py: 04640638345218 valid, 04640638345219 invalid
    assert.ok(isValidGs1('04640638345218'));
    assert.ok(!isValidGs1('04640638345219'));
    assert.equal(gs1CheckDigit('0464063834521'), 8);
    // EAN-13 of a well-known product and an EAN-8
    assert.ok(isValidGs1('4600494000553'));
    assert.ok(isValidGs1('96385074'));
  });

  it('GTIN-8/12/13 are padded to 14 digits, every single-digit change is caught', () => {
    const rand = prng(99);
    for (let i = 0; i < 300; i++) {
      for (const len of [8, 12, 13, 14]) {
        let data = '';
        for (let k = 0; k < len - 1; k++) data += String(Math.floor(rand() * 10));
        const gtin = withCheckDigit(data);
        const r = checkGtin(gtin);
        assert.ok(r.ok, gtin);
        if (r.ok) assert.equal(r.gtin14, toGtin14(gtin));
        const pos = Math.floor(rand() * len);
        const changed =
          gtin.slice(0, pos) +
          String((Number(gtin[pos]) + 1 + Math.floor(rand() * 9)) % 10) +
          gtin.slice(pos + 1);
        if (changed !== gtin) assert.equal(checkGtin(changed).ok, false, changed);
      }
    }
  });

  it('explains a wrong GTIN in both languages', () => {
    const r = checkGtin('04640638345219');
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.match(r.ru, /позиции 14, ожидается 8/);
      assert.match(r.en, /position 14, expected 8/);
    }
    const len = checkGtin('123456789');
    assert.ok(!len.ok && /8, 12, 13 or 14/.test(len.en));
    assert.ok(!checkGtin('46006X4000553').ok);
  });
});
