/**
 * The promise «statuses classified right» (issue 14), as a property of the whole dictionary: every
 * document status of «Описание True API» v553 §6.1 (dictionary «Статусы документов», plus
 * `UNDEFINED` of older dictionaries) is exactly one of accepted, rejected or still pending, as the
 * dictionary says — for the journal (isAccepted / isRejected), for the admin view (statusGroup) and
 * for the dictionary of the client (lib/cz/schemas.ts: final and waiting statuses). No status
 * outside the dictionary counts as an outcome. Pure and fast: the `status` module of
 * `npm run test:mutation` runs it once per mutant of the status tables, in a fresh process.
 * Through the tracker against the emulator: test/unit/core-promises.test.ts, part 3.
 */
import assert from 'node:assert/strict';
import { DOCUMENT_STATUSES, FINAL_STATUSES, WAITING_STATUSES } from '../../lib/cz/schemas';
import { UPD_STATUS } from '../../lib/edo/outbox';
import {
  ACCEPTED_STATUSES,
  EDO_REJECTED_STATUSES,
  isAccepted,
  isRejected,
  REJECTED_STATUSES,
  statusGroup,
  type JournalEntry,
} from '../../lib/journal/journal';

type Outcome = 'accepted' | 'rejected' | 'pending';

// WAIT_ACCEPTANCE and WAIT_PARTICIPANT_REGISTRATION are «успешно обработан, ожидает контрагента»:
// accepted for us; CANCELLED (Аннулирован) ends a document unsuccessfully.
const DICTIONARY: Record<string, Outcome> = {
  IN_PROGRESS: 'pending',
  WAIT_FOR_CONTINUATION: 'pending',
  UNDEFINED: 'pending',
  CHECKED_OK: 'accepted',
  ACCEPTED: 'accepted',
  WAIT_ACCEPTANCE: 'accepted',
  WAIT_PARTICIPANT_REGISTRATION: 'accepted',
  CHECKED_NOT_OK: 'rejected',
  PARSE_ERROR: 'rejected',
  PROCESSING_ERROR: 'rejected',
  CANCELLED: 'rejected',
};

function outcome(status: string | undefined): Outcome {
  const a = isAccepted(status);
  const r = isRejected(status);
  assert.ok(!(a && r), `${String(status)} is never both accepted and rejected`);
  return a ? 'accepted' : r ? 'rejected' : 'pending';
}

// The УПД journal (lib/edo/outbox.ts) shares the classification: its own ends (docs/edo.md «Following»)
// are ACCEPTED (ГИС МТ took the УПД), REJECTED (ГИС МТ refused it), REFUSED (the buyer refused),
// ANNULLED; SENT, DELIVERED, SIGNED and ANNULMENT_PROPOSED still wait.
const UPD_DICTIONARY: Record<string, Outcome> = {
  SENT: 'pending',
  DELIVERED: 'pending',
  SIGNED: 'pending',
  ANNULMENT_PROPOSED: 'pending',
  ACCEPTED: 'accepted',
  REJECTED: 'rejected',
  REFUSED: 'rejected',
  ANNULLED: 'rejected',
};

describe('status classification (issue 14): the whole dictionary of document statuses', () => {
  it('every УПД status of the outgoing journal is exactly what its dictionary says', () => {
    assert.deepEqual(Object.keys(UPD_DICTIONARY).sort(), [...Object.values(UPD_STATUS)].sort());
    for (const [status, want] of Object.entries(UPD_DICTIONARY)) assert.equal(outcome(status), want, status);
    assert.deepEqual(
      [...EDO_REJECTED_STATUSES].sort(),
      Object.keys(UPD_DICTIONARY)
        .filter((s) => UPD_DICTIONARY[s] === 'rejected')
        .sort(),
    );
  });

  it('covers exactly the statuses of the client’s dictionary', () => {
    assert.deepEqual(Object.keys(DICTIONARY).sort(), [...DOCUMENT_STATUSES].sort());
  });

  for (const [status, want] of Object.entries(DICTIONARY)) {
    it(`${status} is ${want}, in the journal and in the admin view`, () => {
      assert.equal(outcome(status), want);
      const final = { state: 'final', status } as JournalEntry;
      // a final entry is shown by its status; one still waiting for it stays pending in the view
      if (want !== 'pending') assert.equal(statusGroup(final), want);
      assert.equal(statusGroup({ state: 'sent', status } as JournalEntry), 'pending');
    });
  }

  it('an outcome is exactly a final or waiting status of the dictionary; the lists hold nothing else', () => {
    for (const status of DOCUMENT_STATUSES) {
      const ends = FINAL_STATUSES.has(status) || WAITING_STATUSES.has(status);
      assert.equal(outcome(status) !== 'pending', ends, `${status}: outcome iff final or waiting`);
      assert.equal(isAccepted(status), WAITING_STATUSES.has(status) || DICTIONARY[status] === 'accepted');
    }
    assert.deepEqual(
      [...ACCEPTED_STATUSES].sort(),
      Object.keys(DICTIONARY)
        .filter((s) => DICTIONARY[s] === 'accepted')
        .sort(),
    );
    assert.deepEqual(
      [...REJECTED_STATUSES].sort(),
      Object.keys(DICTIONARY)
        .filter((s) => DICTIONARY[s] === 'rejected')
        .sort(),
    );
  });

  it('no status, an empty one, another case or a status outside the dictionary is no outcome', () => {
    for (const s of [
      undefined,
      '',
      ' ',
      'cancelled',
      'Checked_OK',
      'CHECKED_OK ',
      'rejected',
      'OK',
      'Stryker was here!',
    ])
      assert.equal(outcome(s), 'pending', JSON.stringify(s));
  });
});
