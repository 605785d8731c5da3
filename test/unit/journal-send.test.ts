/** What cz-send makes of a message (lib/journal/send.ts): the request, its journal key, msg.cz after. */
import assert from 'node:assert/strict';
import { ZnakFlowError } from '../../lib/errors';
import { journalKey, type JournalEntry } from '../../lib/journal/journal';
import { sendableDocument, sendRequest, sentCz } from '../../lib/journal/send';

const REF = '8a3f4e2c-1b2d-4c5e-9f00-000000000001';

describe('cz-send request (lib/journal/send)', function () {
  it('keys a 1C version exactly once: from msg.onec ref and data version, type, group and part', () => {
    const msg = {
      payload: { doc: 1 },
      onec: {
        entity: 'Document_X',
        ref: REF,
        dataVersion: 'AAA=',
        number: 'ДМ-1',
        watch: { connection: 'c1', node: 'r1' },
      },
      cz: { type: 'LP_SHIP_GOODS', productGroup: 'lp', part: 2, parts: 3 },
      parts: { count: 4 },
      signature: 'sig',
      authSignature: 42,
    };
    const s = sendRequest(msg, { documentType: '', productGroup: '', connectionProductGroup: 'shoes' });
    assert.equal(s.key, journalKey({ ref: REF, dataVersion: 'AAA=' }, 'LP_SHIP_GOODS', 'lp', 2));
    assert.equal(s.type, 'LP_SHIP_GOODS');
    assert.equal(s.productGroup, 'lp', 'msg.cz wins over the connection');
    assert.deepEqual([s.part, s.parts, s.total], [2, 3, 4], 'the total from msg.parts when msg.cz has none');
    assert.equal(s.signature, 'sig');
    assert.equal(s.authSignature, undefined, 'only a string is a signature');
    assert.deepEqual(
      s.ackTo,
      { connection: 'c1', node: 'r1' },
      'confirmed through the connection named in msg.onec.watch',
    );
    assert.deepEqual(s.source, {
      entity: 'Document_X',
      ref: REF,
      dataVersion: 'AAA=',
      number: 'ДМ-1',
      date: undefined,
      kind: undefined,
      preset: undefined,
    });
    const doc = sendableDocument(s);
    assert.equal(doc.format, 'MANUAL');
    assert.deepEqual(doc.body, { doc: 1 });
    // the node's own type and group win; the connection's group is the last resort
    const own = sendRequest(msg, { documentType: 'LP_INTRODUCE_GOODS', productGroup: 'milk' });
    assert.deepEqual([own.type, own.productGroup], ['LP_INTRODUCE_GOODS', 'milk']);
    const bare = sendRequest({ payload: 1, cz: { key: 'k1' } }, { connectionProductGroup: 'shoes' });
    assert.deepEqual([bare.key, bare.productGroup, bare.source.ref, bare.total], ['k1', 'shoes', 'k1', 1]);
  });

  it('without msg.cz.key or the 1C version: NO_JOURNAL_KEY naming msg.cz.key, in both languages', () => {
    assert.throws(
      () => sendRequest({ payload: 1, onec: { ref: REF } }, {}),
      (e: unknown) =>
        e instanceof ZnakFlowError &&
        e.code === 'NO_JOURNAL_KEY' &&
        e.field === 'msg.cz.key' &&
        /ровно один раз/.test(e.message) &&
        /exactly once/.test(e.message),
    );
  });

  it('msg.cz after the send keeps what it had and tells the document id, duplicate, earlier version', () => {
    const s = sendRequest({ payload: 1, cz: { key: 'k1', type: 'LP_SHIP_GOODS', productGroup: 'lp' } }, {});
    const entry = { key: 'k1' } as JournalEntry;
    const cz = sentCz({ key: 'k1', tracker: { node: 't1' } }, s, {
      documentId: 'D1',
      sentAt: '2026-12-01T00:00:00Z',
      duplicate: true,
      adopted: false,
      entry,
      earlier: { key: 'k0', dataVersion: 'OLD=', changed: false },
    });
    assert.deepEqual(cz, {
      key: 'k1',
      tracker: { node: 't1' },
      type: 'LP_SHIP_GOODS',
      productGroup: 'lp',
      documentId: 'D1',
      sentAt: '2026-12-01T00:00:00Z',
      duplicate: true,
      adopted: false,
      sentVersion: 'OLD=',
    });
    const plain = sentCz(undefined, s, {
      documentId: 'D2',
      sentAt: 'x',
      duplicate: false,
      adopted: true,
      entry,
    });
    assert.equal('sentVersion' in plain, false);
  });
});
