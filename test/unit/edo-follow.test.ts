/**
 * The classification table of outgoing УПД (lib/edo/follow.ts): every EDO status of ЭДО Лайт (0–19,
 * 61–66, 41–44) → pending / accepted / rejected, and ГИС МТ's receipt after status 61. The run against
 * the emulator (sent → delivered → signed → ГИС МТ) is in edo-outbox.test.ts.
 */
import assert from 'node:assert/strict';
import { EDO_STATUS } from '../../lib/edo/client';
import { classifyUpd, type UpdOutcome } from '../../lib/edo/follow';
import { UPD_STATUS, type UpdStatus } from '../../lib/edo/outbox';

const TABLE: Record<number, [UpdOutcome, UpdStatus]> = {
  0: ['pending', UPD_STATUS.sent],
  1: ['pending', UPD_STATUS.sent],
  11: ['pending', UPD_STATUS.sent],
  2: ['pending', UPD_STATUS.delivered],
  12: ['pending', UPD_STATUS.delivered],
  3: ['pending', UPD_STATUS.delivered],
  13: ['pending', UPD_STATUS.delivered],
  7: ['pending', UPD_STATUS.delivered],
  4: ['pending', UPD_STATUS.signed],
  63: ['pending', UPD_STATUS.signed],
  61: ['pending', UPD_STATUS.signed],
  5: ['rejected', UPD_STATUS.refused],
  15: ['rejected', UPD_STATUS.refused],
  8: ['rejected', UPD_STATUS.refused],
  14: ['rejected', UPD_STATUS.refused],
  6: ['rejected', UPD_STATUS.refused],
  16: ['pending', UPD_STATUS.annulment],
  17: ['pending', UPD_STATUS.annulment],
  18: ['rejected', UPD_STATUS.annulled],
  19: ['pending', UPD_STATUS.delivered],
  9: ['rejected', UPD_STATUS.rejected],
  10: ['rejected', UPD_STATUS.rejected],
  62: ['rejected', UPD_STATUS.rejected],
  64: ['rejected', UPD_STATUS.annulled],
  65: ['rejected', UPD_STATUS.annulled],
  66: ['pending', UPD_STATUS.annulled],
  41: ['rejected', UPD_STATUS.rejected],
  42: ['rejected', UPD_STATUS.rejected],
  43: ['rejected', UPD_STATUS.rejected],
  44: ['rejected', UPD_STATUS.rejected],
};

describe('edo follow: the classification of outgoing УПД', () => {
  it('covers every EDO status the client knows', () => {
    for (const s of Object.keys(EDO_STATUS)) assert.ok(Number(s) in TABLE, `status ${s} is in the table`);
  });

  for (const [s, [outcome, status]] of Object.entries(TABLE)) {
    it(`status ${s} (${EDO_STATUS[Number(s)]?.[1] ?? 'send error'}) → ${outcome} / ${status}`, () => {
      const c = classifyUpd({ edoStatus: Number(s), buyerReason: 'Не тот товар' });
      assert.equal(c.outcome, outcome);
      assert.equal(c.status, status);
      if (outcome === 'rejected') assert.ok(c.reason?.ru && c.reason.en, 'a reason in ru and en');
      if ([5, 15, 8, 14].includes(Number(s))) {
        assert.match(c.reason?.ru ?? '', /«Не тот товар»/);
        assert.match(c.reason?.en ?? '', /"Не тот товар"/);
      }
    });
  }

  it('after 61 ГИС МТ decides: IN_PROGRESS / no receipt pending, SUCCESS accepted, FAILED rejected with its errors', () => {
    assert.equal(classifyUpd({ edoStatus: 61 }).needsGis, true);
    assert.equal(classifyUpd({ edoStatus: 61, gis: { state: 'IN_PROGRESS' } }).outcome, 'pending');
    const ok = classifyUpd({ edoStatus: 61, gis: { state: 'SUCCESS', code: 0 } });
    assert.deepEqual([ok.outcome, ok.status], ['accepted', UPD_STATUS.accepted]);
    const bad = classifyUpd({
      edoStatus: 61,
      gis: {
        state: 'FAILED',
        code: 1,
        operations: [
          {
            operationType: 'DOCUMENT_PROCESSED_AT_PRODUCT_GROUP_LP',
            details: {
              successful: false,
              errors: [{ code: 23, text: 'У участника 7708123450 нет полномочий' }],
            },
          },
        ],
      },
    });
    assert.equal(bad.outcome, 'rejected');
    assert.deepEqual(bad.errors, ['23: У участника 7708123450 нет полномочий']);
    assert.match(bad.reason?.ru ?? '', /ГИС МТ не принял УПД: 23/);
  });

  it('an annulment refused (19) leaves a signed document waiting for ГИС МТ', () => {
    const c = classifyUpd({ edoStatus: 19, titleSigned: true });
    assert.deepEqual([c.outcome, c.status, c.needsGis], ['pending', UPD_STATUS.signed, true]);
  });
});
