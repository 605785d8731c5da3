/**
 * The outbox and new 1C versions of a document, against the True API emulator over HTTP with real
 * GOST signatures: an edit of a document Честный ЗНАК accepted is answered with the earlier document
 * (never a second shipment of the same goods), an edit of a rejected one is sent, an edit made while
 * the earlier version is still processed waits for its outcome, and an earlier version whose send was
 * interrupted is looked up in Честный ЗНАК first.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { journalApi } from '../../lib/cz/journal-api';
import { ZnakFlowError } from '../../lib/errors';
import { Journal, journalKey } from '../../lib/journal/journal';
import { Outbox, type SendableDocument } from '../../lib/journal/outbox';
import { StatusTracker } from '../../lib/journal/tracker';
import { startBed, type CzBed } from '../support/cz';
import { requireGost } from '../support/gost';

describe('lib/journal/outbox: new 1C versions of a sent document', function () {
  this.timeout(60000);
  let bed: CzBed;
  let journal: Journal;
  let outbox: Outbox;
  let tracker: StatusTracker;
  let n = 0;

  before(async function () {
    await requireGost(this);
    bed = await startBed({ processingDelayMs: 300 });
  });
  after(async () => {
    await bed?.close();
  });
  beforeEach(() => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zf-outbox-')), 'journal.jsonl');
    journal = Journal.open(file);
    const api = journalApi(bed.client());
    outbox = new Outbox(journal, api, { settleMs: 0 });
    tracker = new StatusTracker(journal, api, { infoAfterMs: 0 });
  });
  afterEach(() => journal.release());

  function shipment(codes: string[], num: string): Record<string, unknown> {
    return {
      sender_inn: bed.world.organisation.inn,
      receiver_inn: bed.world.counterparties[0]?.inn,
      transfer_date: '2026-11-27',
      document_num: num,
      document_date: '2026-11-27',
      turnover_type: 'SELLING',
      products: codes.map((c) => ({ uit_code: c, product_cost: '99000', product_tax: '16500' })),
    };
  }

  function version(ref: string, dv: string, body: unknown): SendableDocument {
    const source = { entity: 'Document_РеализацияТоваровУслуг', ref, dataVersion: dv, number: `N-${ref}` };
    return {
      key: journalKey(source, 'LP_SHIP_GOODS', 'lp', 1),
      type: 'LP_SHIP_GOODS',
      productGroup: 'lp',
      part: 1,
      parts: 1,
      source,
      body,
      format: 'MANUAL',
    };
  }

  /** Free lp codes of the demo world, a different pair for every test. */
  function codes(k = 2): string[] {
    const free = bed.codes({ pg: 'lp', status: 'INTRODUCED', free: true });
    const out = free.slice(n, n + k);
    n += k;
    return out;
  }

  async function final(key: string): Promise<string> {
    for (let i = 0; i < 100; i++) {
      await tracker.poll();
      const e = journal.get(key);
      if (e?.state === 'final') return e.status as string;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${key} not final`);
  }

  const received = (num: string): number =>
    bed.emu.documents().filter((d) => (d.body as { document_num?: string } | undefined)?.document_num === num)
      .length;

  it('flushes the journal twice per document sent, and once for all the outcomes of a poll', async () => {
    const syncs: number[] = [];
    const original = fs.fdatasyncSync;
    fs.fdatasyncSync = (fd: number): void => {
      syncs.push(fd);
      original(fd);
    };
    try {
      const docs = [0, 1, 2].map((i) => version(`r-sync-${i}`, 'v1', shipment(codes(), `N-r-sync-${i}`)));
      for (const d of docs) await outbox.send(d);
      // the new entry with its `sending` state before the POST, then `sent` with the id
      assert.equal(syncs.length, 6, `${syncs.length} flushes for 3 documents`);
      for (const d of docs) assert.equal(journal.get(d.key)?.state, 'sent');
      await new Promise((r) => setTimeout(r, 600)); // the emulator processes them (300 ms)
      syncs.length = 0;
      const outcomes = await tracker.poll();
      assert.equal(outcomes.length, 3);
      assert.equal(syncs.length, 1, 'one flush for the three outcomes');
    } finally {
      fs.fdatasyncSync = original;
    }
    // and what was written is on disk, as before
    const again = fs
      .readFileSync(journal.file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { state: string });
    assert.equal(again.filter((e) => e.state === 'final').length, 3);
  });

  it('answers a new version of an accepted document with the earlier one, saying whether it changed', async () => {
    const c = codes();
    const v1 = version('r-acc', 'v1', shipment(c, 'N-r-acc'));
    const first = await outbox.send(v1);
    assert.equal(first.duplicate, false);
    assert.equal(await final(v1.key), 'WAIT_ACCEPTANCE');
    // A write in 1C without a visible change: the same bytes.
    const same = await outbox.send(version('r-acc', 'v2', shipment(c, 'N-r-acc')));
    assert.equal(same.duplicate, true);
    assert.equal(same.documentId, first.documentId);
    assert.deepEqual(same.earlier, { key: v1.key, dataVersion: 'v1', changed: false });
    // A real edit (one code less): still not a second shipment; the caller learns it changed.
    const edited = await outbox.send(version('r-acc', 'v3', shipment(c.slice(0, 1), 'N-r-acc')));
    assert.equal(edited.documentId, first.documentId);
    assert.equal(edited.earlier?.changed, true);
    assert.equal(received('N-r-acc'), 1, 'Честный ЗНАК received the document once');
    assert.equal(journal.all().filter((e) => e.source.ref === 'r-acc').length, 1, 'no entry for the edits');
  });

  it('sends a new version of a rejected document, once', async () => {
    const unknown = ['0104601234560016215ZZZZZZZZZZZZZ', '0104601234560016215YYYYYYYYYYYYY'];
    const v1 = version('r-rej', 'v1', shipment(unknown, 'N-r-rej'));
    await outbox.send(v1);
    assert.equal(await final(v1.key), 'CHECKED_NOT_OK');
    const v2 = version('r-rej', 'v2', shipment(codes(), 'N-r-rej'));
    const r = await outbox.send(v2);
    assert.equal(r.duplicate, false);
    assert.equal(r.earlier, undefined);
    assert.equal(await final(v2.key), 'WAIT_ACCEPTANCE');
    const again = await outbox.send(v2);
    assert.equal(again.duplicate, true, 'the same version never twice');
    assert.equal(received('N-r-rej'), 2);
  });

  it('holds a new version while the earlier one is processed, then follows its outcome', async () => {
    const c = codes();
    const v1 = version('r-pend', 'v1', shipment(c, 'N-r-pend'));
    await outbox.send(v1);
    const v2 = version('r-pend', 'v2', shipment(c, 'N-r-pend'));
    await assert.rejects(
      outbox.send(v2),
      (e: unknown) => e instanceof ZnakFlowError && e.code === 'EARLIER_VERSION_PENDING' && e.retryable,
    );
    assert.equal(await final(v1.key), 'WAIT_ACCEPTANCE');
    const r = await outbox.send(v2);
    assert.equal(r.duplicate, true);
    assert.equal(received('N-r-pend'), 1);
  });

  it('looks an interrupted earlier version up in Честный ЗНАК before deciding', async () => {
    const c = codes();
    const v1 = version('r-lost', 'v1', shipment(c, 'N-r-lost'));
    // The document is stored but the answer is lost (a 5xx after processing).
    bed.emu.options.faults = { afterProcessing: 1, routes: ['lk/documents/create'] };
    bed.emu.injectFault('5xx', 1, 'lk/documents/create');
    await assert.rejects(outbox.send(v1), (e: unknown) => e instanceof ZnakFlowError && e.retryable);
    bed.emu.options.faults = {};
    assert.equal(journal.get(v1.key)?.state, 'unknown');
    await bed.emu.settle();
    const v2 = version('r-lost', 'v2', shipment(c, 'N-r-lost'));
    // Found and adopted; it is still to be followed to its outcome, so the new version waits.
    await assert.rejects(
      outbox.send(v2),
      (e: unknown) => e instanceof ZnakFlowError && e.code === 'EARLIER_VERSION_PENDING',
    );
    assert.equal(journal.get(v1.key)?.state, 'sent');
    assert.equal(await final(v1.key), 'WAIT_ACCEPTANCE');
    const r = await outbox.send(v2);
    assert.equal(r.duplicate, true);
    assert.equal(r.documentId, journal.get(v1.key)?.documentId);
    assert.equal(received('N-r-lost'), 1);
  });
});
