import assert from 'node:assert/strict';
import { checkInn, checkKpp, completeInn, isValidInn } from '../../lib/codes/inn';

describe('lib/codes/inn', () => {
  it('accepts valid 10- and 12-digit INNs', () => {
    for (const inn of ['7707083893', '7736207543', '500100732259', '7728168971']) {
      assert.equal(checkInn(inn), null, inn);
    }
  });

  it('names the position of a wrong check digit', () => {
    const d = checkInn('7707083894');
    assert.equal(d?.code, 'INN_CHECKSUM');
    assert.match(d?.message_ru ?? '', /позиции 10/);
    assert.match(d?.message_en ?? '', /position 10.*expected 3/);
    assert.match(checkInn('500100732258')?.message_en ?? '', /position 12/);
    assert.match(checkInn('500100732269')?.message_en ?? '', /position 11/);
  });

  it('rejects wrong lengths and non-digits with the reason', () => {
    assert.equal(checkInn('12345')?.code, 'INN_LENGTH');
    assert.equal(checkInn('77070838 3')?.code, 'INN_FORMAT');
    assert.match(checkInn('77070838 3')?.message_en ?? '', /position 9/);
    assert.equal(checkInn('')?.code, 'INN_MISSING');
    assert.equal(checkInn(7707083893)?.code, 'INN_MISSING');
  });

  it('completeInn produces INNs that validate, and one changed digit breaks them', () => {
    for (let i = 0; i < 500; i++) {
      const p9 = String(100000000 + ((i * 7919) % 899999999)).slice(0, 9);
      const inn = completeInn(p9);
      assert.ok(isValidInn(inn), inn);
      const broken = inn.slice(0, 9) + String((Number(inn[9]) + 1) % 10);
      assert.ok(!isValidInn(broken), broken);
      const p10 = p9 + String(i % 10);
      assert.ok(isValidInn(completeInn(p10)));
    }
  });

  it('checks KPP format', () => {
    assert.equal(checkKpp('773601001'), null);
    assert.equal(checkKpp('7736AB001'), null);
    assert.equal(checkKpp('77360100')?.code, 'KPP_FORMAT');
    assert.equal(checkKpp('7736ab001')?.code, 'KPP_FORMAT');
  });
});
