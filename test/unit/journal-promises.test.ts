/**
 * The journal, the outbox and the tracker as properties of their promises (issue 14), without a
 * stand: what the admin views count and show is what the journal holds; one instance per file and
 * nothing forgotten across compaction, pruning and reopening; the look-up after an interrupted send
 * adopts only the document that is ours (number, codes, type, time) and marks the rest safe to send;
 * a refusal is told from an uncertain failure; the tracker settles only final statuses, and
 * PROCESSING_ERROR only after its polls. Честный ЗНАК is an in-memory table of documents here (the
 * emulator-backed tests are outbox-versions, core-promises and cz-tolerance); everything else is the
 * real journal on a real file.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ZnakFlowError } from '../../lib/errors';
import {
  docIdentity,
  Journal,
  journalFile,
  journalKey,
  journalView,
  openJournals,
  statusGroup,
  type JournalEntry,
  type NewEntry,
} from '../../lib/journal/journal';
import {
  codesOf,
  documentBytes,
  documentObject,
  notReceived,
  numberOf,
  Outbox,
  type ListedDocument,
  type OutboxApi,
  type SendableDocument,
} from '../../lib/journal/outbox';
import { StatusTracker, type TrackerApi } from '../../lib/journal/tracker';
import { countSyncs } from '../support/syncs';

const T0 = Date.parse('2026-11-28T10:00:00Z');
const HOUR = 3600000;
const DAY = 24 * HOUR;

function tmpFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zf-jp-')), 'journal.jsonl');
}

/** A clock the test moves. */
function clock(start = T0): { now: () => Date; at: (t: number) => void; add: (ms: number) => void } {
  let t = start;
  return { now: () => new Date(t), at: (x) => (t = x), add: (ms) => (t += ms) };
}

function newEntry(
  ref: string,
  dv = 'v1',
  extra: Partial<NewEntry> = {},
  source: Partial<NewEntry['source']> = {},
): NewEntry {
  const s = { ref, dataVersion: dv, number: `N-${ref}`, ...source };
  const type = extra.type ?? 'LP_SHIP_GOODS';
  const pg = extra.productGroup ?? 'lp';
  const part = extra.part ?? 1;
  return { key: journalKey(s, type, pg, part), type, productGroup: pg, part, parts: 1, source: s, ...extra };
}

/** The entry settled with `status` at the journal's time. */
function finalise(j: Journal, key: string, documentId: string, status: string, at: Date): JournalEntry {
  return j.update(key, { state: 'final', documentId, status, finalAt: at.toISOString() });
}

function lines(file: string): number {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
}

describe('journal promises (issue 14): what the journal holds, counts and shows', () => {
  const held: Journal[] = [];
  function openJ(file = tmpFile(), opts: Parameters<typeof Journal.open>[1] = {}): Journal {
    const j = Journal.open(file, opts);
    held.push(j);
    return j;
  }
  afterEach(() => {
    for (const j of held.splice(0)) for (let i = 0; i < 5; i++) j.release();
  });

  /** One entry in every state the journal knows, final ones with accepted, rejected and ЭДО statuses. */
  function everyState(j: Journal, c: ReturnType<typeof clock>): Record<string, JournalEntry> {
    const out: Record<string, JournalEntry> = {};
    const make = (name: string, patch: Partial<JournalEntry>): void => {
      c.add(1000);
      const e = j.add(newEntry(name)).entry;
      out[name] = Object.keys(patch).length ? j.update(e.key, patch) : e;
    };
    make('received', {});
    make('sending', { state: 'sending' });
    make('unknown', { state: 'unknown' });
    make('failed', { state: 'failed', lastError: 'HTTP 400' });
    make('sent', { state: 'sent', documentId: 'id-sent' });
    make('ok', { state: 'final', documentId: 'id-ok', status: 'CHECKED_OK' });
    make('wait', { state: 'final', documentId: 'id-wait', status: 'WAIT_ACCEPTANCE' });
    make('notok', {
      state: 'final',
      documentId: 'id-notok',
      status: 'CHECKED_NOT_OK',
      errors: ['47: Код не найден'],
    });
    make('cancel', { state: 'final', documentId: 'id-cancel', status: 'CANCELLED' });
    make('refused', { state: 'final', documentId: 'id-refused', status: 'REFUSED' });
    return out;
  }

  it('the summary counts each entry once, in the group the admin view puts it in', () => {
    const c = clock();
    const j = openJ(tmpFile(), { now: c.now });
    const e = everyState(j, c);
    const groups = Object.fromEntries(Object.entries(e).map(([k, v]) => [k, statusGroup(v)]));
    assert.deepEqual(groups, {
      received: 'pending',
      sending: 'unknown',
      unknown: 'unknown',
      failed: 'failed',
      sent: 'pending',
      ok: 'accepted',
      wait: 'accepted',
      notok: 'rejected',
      cancel: 'rejected',
      refused: 'rejected',
    });
    assert.deepEqual(j.summary(), {
      total: 10,
      pending: 2,
      sent: 6,
      accepted: 2,
      rejected: 3,
      failed: 1,
      unknown: 2,
    });
    assert.deepEqual(
      j.pending().map((x) => x.source.ref),
      ['sent'],
      'pending: sent, waiting for a status',
    );
    assert.deepEqual(
      j
        .unresolved()
        .map((x) => x.source.ref)
        .sort(),
      ['sending', 'unknown'],
      'unresolved: the outcome of the send is unknown',
    );
  });

  it('the admin view filters by group and text, newest first, within its limit', () => {
    const c = clock();
    const j = openJ(tmpFile(), { now: c.now });
    const e = everyState(j, c);
    const refs = (xs: JournalEntry[]): string[] => xs.map((x) => x.source.ref as string);
    // newest first: the order they were changed in, reversed
    assert.deepEqual(refs(journalView(j)), Object.keys(e).reverse());
    for (const g of ['pending', 'accepted', 'rejected', 'failed', 'unknown'] as const) {
      assert.deepEqual(
        refs(journalView(j, { group: g })).sort(),
        Object.keys(e)
          .filter((k) => statusGroup(e[k] as JournalEntry) === g)
          .sort(),
        g,
      );
    }
    assert.deepEqual(refs(journalView(j, { group: 'all' })), Object.keys(e).reverse());
    // the text is found in the 1C number, the document id, the 1C ref, the key and the errors,
    // whatever its case and the blanks around it
    assert.deepEqual(refs(journalView(j, { q: '  n-WAIT ' })), ['wait']);
    assert.deepEqual(refs(journalView(j, { q: 'ID-CANCEL' })), ['cancel']);
    assert.deepEqual(refs(journalView(j, { q: 'код не НАЙДЕН' })), ['notok']);
    assert.deepEqual(refs(journalView(j, { q: ':lp_ship_goods:lp:1' })).length, 10, 'the key');
    assert.deepEqual(refs(journalView(j, { q: 'nothing like it' })), []);
    assert.deepEqual(refs(journalView(j, { q: '   ' })).length, 10, 'blanks alone filter nothing');
    assert.deepEqual(refs(journalView(j, { group: 'rejected', q: 'refused' })), ['refused']);
    // limit: at least 1, at most 1000, 200 by default
    assert.deepEqual(refs(journalView(j, { limit: 3 })), ['refused', 'cancel', 'notok']);
    assert.equal(journalView(j, { limit: 0 }).length, 1);
    assert.equal(journalView(j, { limit: -5 }).length, 1);
    for (let i = 0; i < 1100; i++) j.add(newEntry(`many-${i}`));
    assert.equal(journalView(j).length, 200);
    assert.equal(journalView(j, { limit: 5000 }).length, 1000);
    assert.equal(journalView(j, { limit: 1000 }).length, 1000);
  });

  it('one instance per file, open until its last holder releases it; the first holder names it', () => {
    const file = tmpFile();
    const a = Journal.open(file, { participantInn: '7700000001', stand: 'sandbox' });
    const b = Journal.open(path.join(path.dirname(file), '.', 'journal.jsonl'), {
      participantInn: '7700000002',
      stand: 'prod',
    });
    try {
      assert.equal(a, b, 'the same file, however it is written, is one journal');
      assert.equal(a.participantInn, '7700000001');
      assert.equal(a.stand, 'sandbox');
      assert.ok(openJournals().includes(a), 'listed for the admin views');
      a.release();
      assert.ok(openJournals().includes(a), 'still held by the second holder');
      const e = b.add(newEntry('r1')).entry;
      b.update(e.key, { state: 'sent', documentId: 'd-1' });
      b.release();
      assert.ok(!openJournals().includes(a), 'closed with its last holder');
      b.release(); // one release too many changes nothing
      const c = Journal.open(file, { stand: 'later' });
      try {
        assert.notEqual(c, a, 'opened afresh from the file');
        assert.equal(c.get(e.key)?.documentId, 'd-1');
        assert.equal(c.byDocumentId('d-1')?.key, e.key);
        assert.equal(c.stand, 'later');
        assert.equal(c.participantInn, undefined);
        const d = Journal.open(file);
        assert.equal(d, c, 'a second open after a release too many is the same journal');
        d.release();
        assert.ok(openJournals().includes(c), 'a release too many earlier does not close a later holder');
      } finally {
        c.release();
      }
    } finally {
      for (let i = 0; i < 3; i++) a.release();
    }
  });

  it('finds the other 1C versions of the same ЧЗ document, and only those', () => {
    const j = openJ();
    const v1 = j.add(newEntry('REF-A', 'v1')).entry;
    const v2 = j.add(newEntry('ref-a', 'v2')).entry; // 1C refs are GUIDs: case does not matter
    j.add(newEntry('ref-a', 'v3', { part: 2 })); // another part
    j.add(newEntry('ref-a', 'v4', { type: 'LP_INTRODUCE_GOODS' })); // another type
    j.add(newEntry('ref-a', 'v5', { productGroup: 'shoes' })); // another product group
    j.add(newEntry('ref-b', 'v6')); // another document
    const v3 = newEntry('ref-a', 'v3');
    assert.deepEqual(
      j
        .otherVersions(v3)
        .map((e) => e.key)
        .sort(),
      [v1.key, v2.key].sort(),
    );
    assert.deepEqual(
      j.otherVersions(v2).map((e) => e.key),
      [v1.key],
      'never the entry itself',
    );
    // the same version under another key (a flow-given key) is not another version
    const same = { ...newEntry('ref-a', 'v1'), key: 'flow-key' };
    assert.deepEqual(
      j.otherVersions(same).map((e) => e.key),
      [v2.key],
      'not the same version under another key',
    );
    assert.equal(docIdentity(newEntry('', 'v1')), undefined, 'no 1C ref: no identity');
    assert.equal(docIdentity({ ...newEntry('x', ''), source: { ref: 'x', dataVersion: '' } }), undefined);
    assert.deepEqual(j.otherVersions({ ...v3, source: { ref: '', dataVersion: 'v3' } }), []);
  });

  it('compaction keeps every live entry findable, prunes only final entries past the horizon', () => {
    const file = tmpFile();
    const c = clock();
    let j = Journal.open(file, { now: c.now, compactSlack: 4, horizonMs: 10 * DAY });
    const old = j.add(newEntry('old', 'v1')).entry;
    finalise(j, old.key, 'd-old', 'CHECKED_OK', c.now());
    const oldPending = j.add(newEntry('old-pending')).entry;
    j.update(oldPending.key, { state: 'sent', documentId: 'd-old-pending' });
    c.add(9 * DAY);
    const recent = j.add(newEntry('recent')).entry;
    finalise(j, recent.key, 'd-recent', 'CHECKED_NOT_OK', c.now());
    const newer = j.add(newEntry('old', 'v2')).entry;
    // many changes of one entry: the file never grows past the live entries + the slack
    for (let i = 0; i < 30; i++) {
      j.update(newer.key, { attempts: i });
      assert.ok(lines(file) <= j.all().length + 4 + 1, `line ${i}: ${lines(file)} lines`);
    }
    j.release();
    c.add(2 * DAY); // the first final entry is now 11 days old, the other 2
    j = Journal.open(file, { now: c.now, compactSlack: 4, horizonMs: 10 * DAY });
    try {
      assert.equal(j.get(old.key), undefined, 'pruned');
      assert.equal(j.byDocumentId('d-old'), undefined, 'and not found by its id');
      assert.deepEqual(j.otherVersions(newer), [], 'nor as an earlier version');
      assert.equal(j.get(oldPending.key)?.state, 'sent', 'an old entry still waiting is never pruned');
      assert.equal(j.byDocumentId('d-old-pending')?.key, oldPending.key);
      assert.equal(j.get(recent.key)?.status, 'CHECKED_NOT_OK', 'a final entry within the horizon stays');
      assert.equal(j.get(newer.key)?.attempts, 29, 'the last change survives compaction');
      assert.equal(lines(file), 3, 'the file holds the live entries only');
    } finally {
      j.release();
    }
  });

  it("pruning an old version of a document keeps its other versions known as each other's", () => {
    const file = tmpFile();
    const c = clock();
    let j = Journal.open(file, { now: c.now, horizonMs: DAY });
    const v1 = j.add(newEntry('doc', 'v1')).entry;
    finalise(j, v1.key, 'd-1', 'CHECKED_NOT_OK', c.now());
    c.add(2 * DAY);
    const v2 = j.add(newEntry('doc', 'v2')).entry;
    finalise(j, v2.key, 'd-2', 'CHECKED_OK', c.now());
    const v3 = j.add(newEntry('doc', 'v3')).entry;
    j.release();
    j = Journal.open(file, { now: c.now, horizonMs: DAY });
    try {
      assert.equal(j.get(v1.key), undefined, 'v1 pruned');
      assert.deepEqual(
        j.otherVersions(v3).map((e) => e.key),
        [v2.key],
        'v2 is still the earlier version of v3: an edit of the accepted sale is not sent again',
      );
    } finally {
      j.release();
    }
  });

  it('a change outside a batch is flushed at once; a later batch with no change flushes nothing', () => {
    const j = openJ();
    const { syncs, restore } = countSyncs();
    try {
      j.batch(() => undefined);
      assert.equal(syncs.length, 0, 'a first empty batch');
      j.add(newEntry('a'));
      assert.equal(syncs.length, 1);
      j.batch(() => j.get('nothing'));
      assert.equal(syncs.length, 1, 'nothing more');
      // durable unless told otherwise
      openJ(tmpFile(), { durable: false }).add(newEntry('b'));
      assert.equal(syncs.length, 1, 'durable: false never flushes');
      openJ(tmpFile(), {}).add(newEntry('c'));
      assert.equal(syncs.length, 2, 'the default flushes');
    } finally {
      restore();
    }
  });

  it('an entry that gets another document id is found by the new one only', () => {
    const file = tmpFile();
    const j = Journal.open(file);
    const e = j.add(newEntry('r')).entry;
    j.update(e.key, { state: 'sent', documentId: 'first' });
    j.update(e.key, { state: 'sent', documentId: 'second' });
    assert.equal(j.byDocumentId('first'), undefined);
    assert.equal(j.byDocumentId('second')?.key, e.key);
    j.update(e.key, { state: 'final', status: 'CHECKED_OK' }); // the id kept
    assert.equal(j.byDocumentId('second')?.key, e.key);
    j.release();
    const again = Journal.open(file);
    try {
      assert.equal(again.byDocumentId('first'), undefined, 'also after reading the file');
      assert.equal(again.byDocumentId('second')?.key, e.key);
    } finally {
      again.release();
    }
  });

  it('unreadable lines and records without a key are skipped and counted, the rest is loaded', () => {
    const file = tmpFile();
    const good = {
      ...newEntry('g'),
      state: 'sent',
      attempts: 1,
      createdAt: 'x',
      updatedAt: 'x',
      documentId: 'd',
    };
    fs.writeFileSync(
      file,
      [JSON.stringify(good), '{"state":"sent"}', 'null', '42', '{"key":7}', '{"key":"torn'].join('\n'),
    );
    const j = Journal.open(file);
    try {
      assert.equal(j.skippedLines, 5);
      assert.deepEqual(
        j.all().map((e) => e.key),
        [good.key],
      );
      assert.equal(j.byDocumentId('d')?.key, good.key);
    } finally {
      j.release();
    }
  });

  it('changes: each one is told to every listener; a failing listener breaks nothing; unknown keys are refused', () => {
    const c = clock();
    const j = openJ(tmpFile(), { now: c.now });
    const seen: string[] = [];
    j.onChange(() => {
      throw new Error('a broken sidebar');
    });
    const stop = j.onChange((e) => seen.push(`${e.source.ref}:${e.state}`));
    const e = j.add(newEntry('r')).entry;
    j.add(newEntry('r')); // known: not a change
    c.add(5000);
    const u = j.update(e.key, { state: 'sending', attempts: 1, key: 'other' } as Partial<JournalEntry>);
    assert.equal(u.key, e.key, 'the key never changes');
    assert.equal(u.createdAt, e.createdAt);
    assert.equal(u.updatedAt, new Date(T0 + 5000).toISOString());
    assert.equal(j.get('other'), undefined);
    stop();
    j.update(e.key, { state: 'sent', documentId: 'd' });
    assert.deepEqual(seen, ['r:received', 'r:sending']);
    assert.throws(() => j.update('no-such-key', { state: 'sent' }), /no entry no-such-key/);
    assert.equal(j.get(e.key)?.state, 'sent');
  });

  it('a journal file per participant and stand', () => {
    const a = journalFile('/var/nr', 'https://markirovka.crpt.ru', '7700000001');
    assert.equal(path.dirname(a), '/var/nr');
    assert.match(path.basename(a), /^journal-7700000001-[0-9a-f]{10}\.jsonl$/);
    assert.equal(journalFile('/var/nr', 'https://markirovka.crpt.ru', '7700000001'), a, 'stable');
    assert.notEqual(journalFile('/var/nr', 'https://markirovka.sandbox.crptech.ru', '7700000001'), a);
    assert.notEqual(journalFile('/var/nr', 'https://markirovka.crpt.ru', '7700000002'), a);
  });
});

// ---------------------------------------------------------------------------------------------

/** Честный ЗНАК as a table of documents: what was created, what doc/list and doc/{id}/info answer. */
type HeldDocument = ListedDocument & {
  body?: unknown;
  pg: string;
  /** the errors doc/{id}/info gives when the list gives none */
  infoErrors?: string[];
};

class Stand implements OutboxApi, TrackerApi {
  docs: HeldDocument[] = [];
  creates: Array<{ type: string; bytes: string; signature?: string }> = [];
  lists: Array<{ productGroup: string; documentType?: string; dateFrom: string; dateTo: string }> = [];
  infos: string[] = [];
  failCreate?: unknown;
  /** what the stand received when it failed (the answer lost) */
  storeOnFail = false;
  private n = 0;
  constructor(private readonly now: () => Date) {}

  async create(req: {
    type: string;
    productGroup: string;
    bytes: Buffer;
    signature?: string;
  }): Promise<string> {
    this.creates.push({ type: req.type, bytes: req.bytes.toString(), signature: req.signature });
    const id = `doc-${++this.n}`;
    if (this.failCreate === undefined || this.storeOnFail) {
      this.docs.push({
        number: id,
        type: req.type,
        status: 'IN_PROGRESS',
        receivedAt: this.now().toISOString(),
        pg: req.productGroup,
        body: JSON.parse(req.bytes.toString()) as unknown,
      });
    }
    if (this.failCreate !== undefined) throw this.failCreate;
    return id;
  }
  async list(
    f: { productGroup: string; documentType?: string; dateFrom: string; dateTo: string },
    enough?: (seen: ListedDocument[]) => boolean,
  ): Promise<ListedDocument[]> {
    this.lists.push({ ...f });
    const all = this.docs.filter((d) => d.pg === f.productGroup);
    // newest first, one by one, as far as `enough` wants
    const out: ListedDocument[] = [];
    for (const d of [...all].reverse()) {
      out.push({
        number: d.number,
        type: d.type,
        status: d.status,
        receivedAt: d.receivedAt,
        errors: d.errors,
      });
      if (enough?.(out)) break;
    }
    return out;
  }
  async info(id: string): Promise<{ body?: unknown; status?: string; errors?: string[] | null } | undefined> {
    this.infos.push(id);
    const d = this.docs.find((x) => x.number === id);
    return d && { body: d.body, status: d.status, errors: d.infoErrors ?? d.errors };
  }
}

function sale(ref: string, codes: string[], num?: string, dv = 'v1', date?: string): SendableDocument {
  const products = codes.map((c) => ({ uit_code: c, product_cost: '100' }));
  return {
    ...newEntry(ref, dv, {}, { number: num ?? `N-${ref}`, ...(date ? { date } : {}) }),
    format: 'MANUAL',
    body: { ...(num ? { document_num: num } : {}), products },
  };
}

const CODES = Array.from({ length: 7 }, (_, i) => `0104600000000017215code${i}`);

describe('outbox promises (issue 14): sent once, looked up before any repeat', () => {
  let c: ReturnType<typeof clock>;
  let stand: Stand;
  let journal: Journal;
  let outbox: Outbox;
  beforeEach(() => {
    c = clock();
    stand = new Stand(c.now);
    journal = Journal.open(tmpFile(), { now: c.now });
    outbox = new Outbox(journal, stand, { settleMs: 20000, now: c.now });
  });
  afterEach(() => journal.release());

  it('a refusal (nothing received) is told from an uncertain failure, for every kind of error', () => {
    const err = (code: string, status?: number): ZnakFlowError =>
      new ZnakFlowError({ code, ru: 'x', en: 'x', ...(status !== undefined ? { status } : {}) });
    const table: Array<[unknown, boolean]> = [
      [err('SIGN_FAILED'), true],
      [err('AUTH_FAILED', 500), true],
      [err('CZ_HTTP', 400), true],
      [err('CZ_HTTP', 403), true],
      [err('CZ_HTTP', 429), true],
      [err('CZ_HTTP', 499), true],
      [err('CZ_HTTP', 399), false],
      [err('CZ_HTTP', 500), false],
      [err('CZ_HTTP', 503), false],
      [err('ECONNREFUSED', 500), false], // an answer with a status says more than the code
      [err('ECONNREFUSED'), true],
      [err('NETWORK_REFUSED'), true],
      [err('ETIMEDOUT'), false],
      [err('ECONNRESET'), false],
      [new Error('ECONNREFUSED'), false], // not one of ours: uncertain
      ['SIGN_FAILED', false],
      [undefined, false],
    ];
    for (const [e, refused] of table)
      assert.equal(notReceived(e), refused, String((e as Error)?.message ?? e) + ' ' + JSON.stringify(e));
  });

  it('the codes and the number of a body are read wherever the document types keep them', () => {
    const body = {
      document_number: 'D-2',
      declaration_number: 'D-3',
      cis: 'c1',
      products: [
        { uit_code: 'c2', uitu_code: 'c3', product_cost: '100' },
        { ki: 'c4', kitu: 'c5', uitu: 'c6', children: [{ sntins: ['c7', 'c8'] }] },
      ],
      unitSerialNumber: 'c9',
      last_uin: 'c10',
      uit_uitu: 'c11',
      gtin: '04600000000017',
      note: { text: 'c99' },
      count: 3,
    };
    assert.deepEqual(codesOf(body), ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9', 'c10', 'c11']);
    assert.deepEqual(codesOf(null), []);
    assert.deepEqual(codesOf('c1'), [], 'a code needs its key');
    assert.equal(numberOf(body), 'D-2');
    assert.equal(numberOf({ ...body, document_num: 'D-1' }), 'D-1');
    assert.equal(
      numberOf({ document_num: '', primary_document_number: 'P-1' }),
      'P-1',
      'an empty number is none',
    );
    assert.equal(numberOf({ declaration_number: 'D-3' }), 'D-3');
    assert.equal(numberOf({ document_num: 17 }), undefined);
    assert.equal(numberOf('D-1'), undefined);
    assert.equal(numberOf(null), undefined);
    // the bytes sent are the bytes given; anything else is compact JSON
    assert.equal(documentBytes('{"a": 1}').toString(), '{"a": 1}');
    assert.equal(documentBytes(Buffer.from('x y')).toString(), 'x y');
    assert.equal(documentBytes({ a: [1, 'б'] }).toString(), '{"a":[1,"б"]}');
    assert.deepEqual(documentObject('{"a": 1}'), { a: 1 });
    assert.deepEqual(documentObject(Buffer.from('{"a": 2}')), { a: 2 });
    assert.equal(documentObject('not json'), undefined);
    const o = { a: 3 };
    assert.equal(documentObject(o), o);
  });

  it('the entry records what was sent; a second send of the key answers with the journalled id', async () => {
    const doc = { ...sale('r1', CODES, 'S-1'), total: 2 };
    const first = await outbox.send(doc, 'SIG');
    assert.deepEqual(
      { id: first.documentId, duplicate: first.duplicate, adopted: first.adopted },
      { id: 'doc-1', duplicate: false, adopted: false },
    );
    assert.equal(stand.creates[0]?.signature, 'SIG');
    const e = journal.get(doc.key) as JournalEntry;
    assert.equal(e.state, 'sent');
    assert.equal(e.documentId, 'doc-1');
    assert.equal(e.sentAt, c.now().toISOString());
    assert.equal(e.attempts, 1);
    assert.equal(e.total, 2);
    assert.equal(e.docNumber, 'S-1');
    assert.equal(e.codesCount, 7);
    assert.deepEqual(e.codesSample, CODES.slice(0, 5));
    assert.equal(e.bodyHash?.length, 64);
    assert.equal(e.lastError, undefined);
    c.add(1000);
    const again = await outbox.send(doc);
    assert.equal(again.duplicate, true);
    assert.equal(again.documentId, 'doc-1');
    assert.equal(again.sentAt, e.sentAt);
    journal.update(doc.key, { state: 'final', status: 'CHECKED_OK' });
    assert.equal((await outbox.send(doc)).documentId, 'doc-1', 'also once final');
    assert.equal(stand.creates.length, 1);
    // an entry without a total keeps none
    const other = await outbox.send(sale('r2', CODES.slice(0, 1)));
    assert.equal(other.entry.total, undefined);
    assert.ok(!('total' in other.entry));
  });

  it('sends made at once for one key call Честный ЗНАК once', async () => {
    const doc = sale('r1', CODES, 'S-1');
    const all = await Promise.all([outbox.send(doc), outbox.send(doc), outbox.send(doc)]);
    assert.equal(stand.creates.length, 1);
    assert.deepEqual(
      all.map((r) => [r.documentId, r.duplicate]),
      [
        ['doc-1', false],
        ['doc-1', true],
        ['doc-1', true],
      ],
    );
    // once settled, the key is free for the journal to answer
    assert.equal((await outbox.send(doc)).duplicate, true);
    assert.equal(stand.creates.length, 1);
  });

  it('a refused create may go again (failed); an uncertain one is unknown and looked up first', async () => {
    const doc = sale('r1', CODES, 'S-1');
    stand.failCreate = new ZnakFlowError({ code: 'CZ_HTTP', ru: 'отказ', en: 'refused', status: 400 });
    await assert.rejects(outbox.send(doc), /refused|отказ/);
    let e = journal.get(doc.key) as JournalEntry;
    assert.equal(e.state, 'failed');
    assert.match(e.lastError ?? '', /refused|отказ/);
    stand.failCreate = undefined;
    const second = await outbox.send(doc);
    assert.equal(second.duplicate, false, 'a refused send is sent again at once');
    e = journal.get(doc.key) as JournalEntry;
    assert.equal(e.attempts, 2, 'the attempts are counted');
    assert.equal(e.lastError, undefined);

    // the answer lost after the stand received it
    const doc2 = sale('r2', CODES.slice(2), 'S-2');
    stand.failCreate = new Error('socket hang up');
    stand.storeOnFail = true;
    await assert.rejects(outbox.send(doc2), /socket hang up/);
    assert.equal(journal.get(doc2.key)?.state, 'unknown');
    stand.failCreate = undefined;
    c.add(19999);
    await assert.rejects(outbox.send(doc2), (err: ZnakFlowError) => {
      assert.equal(err.code, 'RECONCILE_WAIT');
      assert.equal(err.retryable, true);
      assert.match(err.message, /\b1 s|1 с/);
      return true;
    });
    assert.equal(stand.lists.length, 0, 'nothing asked before the settle time');
    c.add(1);
    const adopted = await outbox.send(doc2);
    assert.deepEqual([adopted.adopted, adopted.duplicate, adopted.documentId], [true, true, 'doc-3']);
    assert.equal(stand.creates.length, 3, 'never sent twice');
    assert.equal(journal.get(doc2.key)?.state, 'sent');
    assert.equal(journal.get(doc2.key)?.lastError, undefined);
  });

  it('the outbox asks the api whether a failure was a refusal when the api knows', async () => {
    const ask: unknown[] = [];
    const api: OutboxApi = {
      create: async () => {
        throw new ZnakFlowError({ code: 'CZ_HTTP', ru: 'x', en: 'x', status: 400 });
      },
      list: async () => [],
      info: async () => undefined,
      refused: (err) => {
        ask.push(err);
        return false;
      },
    };
    const o = new Outbox(journal, api, { now: c.now });
    await assert.rejects(o.send(sale('r1', CODES)));
    assert.equal(ask.length, 1);
    assert.equal(journal.get(sale('r1', CODES).key)?.state, 'unknown', "the api's word, not the status");
    const o2 = new Outbox(journal, { ...api, create: () => Promise.reject('plain text') }, { now: c.now });
    const d = sale('r9', CODES);
    await assert.rejects(o2.send(d));
    assert.equal(journal.get(d.key)?.lastError, 'plain text');
  });

  /** An entry whose send was interrupted, and the documents the stand holds. */
  function interrupted(doc: SendableDocument): JournalEntry {
    const bytes = documentBytes(doc.body);
    const codes = codesOf(documentObject(doc.body));
    const e = journal.add({
      key: doc.key,
      type: doc.type,
      productGroup: doc.productGroup,
      part: doc.part,
      parts: doc.parts,
      source: doc.source,
      docNumber: numberOf(documentObject(doc.body)),
      codesSample: codes.slice(0, 5),
      codesCount: codes.length,
      bodyHash: bytes.toString().length.toString(),
    }).entry;
    return journal.update(e.key, { state: 'unknown', attempts: 1 });
  }
  function held(body: unknown, patch: Partial<ListedDocument> = {}, pg = 'lp'): string {
    const number = `held-${stand.docs.length + 1}`;
    stand.docs.push({
      number,
      type: 'LP_SHIP_GOODS',
      status: 'CHECKED_OK',
      receivedAt: c.now().toISOString(),
      pg,
      body,
      ...patch,
    });
    return number;
  }

  it('the look-up adopts only a document with our codes and number; else the entry is safe to send', async () => {
    const doc = sale('r1', CODES, 'S-1');
    const e = interrupted(doc);
    c.add(60000);
    const body = doc.body as Record<string, unknown>;
    // not ours: fewer codes, one code of the sample missing, another number, another type, no body
    held({ ...body, products: (body['products'] as unknown[]).slice(1) });
    held({ ...body, products: [...(body['products'] as unknown[]).slice(1), { uit_code: 'other' }] });
    held({ ...body, document_num: 'S-2' });
    held(body, { type: 'LP_INTRODUCE_GOODS' });
    held(undefined);
    held(null);
    held(body, {}, 'shoes');
    const r = await outbox.reconcile(e);
    assert.equal(r, undefined, 'nothing of ours there');
    const f = journal.get(doc.key) as JournalEntry;
    assert.equal(f.state, 'failed');
    assert.match(f.lastError ?? '', /not found/);
    assert.deepEqual(
      stand.infos.sort(),
      ['held-1', 'held-2', 'held-3', 'held-5', 'held-6'],
      'another type is not even asked',
    );
    // the same codes in another order, no number in the body: ours
    journal.update(doc.key, { state: 'unknown' });
    const mine = held(
      { products: [...(body['products'] as unknown[])].reverse() },
      { receivedAt: '2026-11-28T10:00:30Z' },
    );
    c.add(60000);
    const a = await outbox.reconcile(journal.get(doc.key) as JournalEntry, 0);
    assert.equal(a?.documentId, mine);
    assert.equal(a?.sentAt, '2026-11-28T10:00:30Z', 'sent when Честный ЗНАК received it');
    assert.equal(journal.get(doc.key)?.state, 'sent');
    assert.equal(journal.byDocumentId(mine)?.key, doc.key);
  });

  it('a document with all our codes and one more is not ours', async () => {
    const doc = sale('r1', CODES, 'S-1');
    const e = interrupted(doc);
    const body = doc.body as Record<string, unknown>;
    held({ ...body, products: [...(body['products'] as unknown[]), { uit_code: 'one-more' }] });
    assert.equal(await outbox.reconcile(e, 0), undefined);
  });

  it('an entry a crash left in `sending` is looked up before anything is sent; found: adopted, else sent', async () => {
    // the process died after writing `sending` and before (or while) calling Честный ЗНАК
    const doc = sale('r1', CODES, 'S-1');
    const e = interrupted(doc);
    journal.update(e.key, { state: 'sending' });
    const there = held(doc.body);
    c.add(20000);
    const r = await outbox.send(doc);
    assert.deepEqual([r.adopted, r.documentId], [true, there]);
    assert.equal(stand.creates.length, 0, 'never sent a second time');

    const gone = sale('r2', CODES.slice(1), 'S-2');
    const g = interrupted(gone);
    journal.update(g.key, { state: 'sending' });
    c.add(20000);
    const sent = await outbox.send(gone);
    assert.equal(stand.lists.length, 2, 'looked up first');
    assert.equal(stand.creates.length, 1, 'certainly not there: sent now, once');
    assert.deepEqual([sent.adopted, sent.duplicate, sent.documentId], [false, false, 'doc-1']);
    assert.equal(journal.get(gone.key)?.state, 'sent');
    assert.equal(journal.get(gone.key)?.attempts, 2);
  });

  it('a new version sent while the earlier one is still being sent waits for it, then follows it', async () => {
    let release: (() => void) | undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slow: OutboxApi = {
      create: async (req) => {
        await gate;
        return stand.create(req);
      },
      list: (f) => stand.list(f),
      info: (id) => stand.info(id),
    };
    const o = new Outbox(journal, slow, { now: c.now, settleMs: 20000 });
    const v1 = o.send(sale('doc', CODES, 'S-1', 'v1'));
    await new Promise((r) => setImmediate(r));
    assert.equal(journal.get(sale('doc', CODES, 'S-1', 'v1').key)?.state, 'sending');
    const v2 = o.send(sale('doc', CODES, 'S-1', 'v2'));
    release?.();
    assert.equal((await v1).documentId, 'doc-1');
    await assert.rejects(v2, (err: ZnakFlowError) => {
      assert.equal(err.code, 'EARLIER_VERSION_PENDING', 'the outcome of v1 decides, it is not looked up');
      assert.equal(err.retryable, true);
      assert.equal(err.source, 'journal');
      return true;
    });
    assert.equal(stand.creates.length, 1);
    assert.equal(stand.lists.length, 0);
  });

  it('a document without codes is ours only by its number; one without either is never adopted', async () => {
    const byNumber = sale('r1', [], 'S-1');
    const e = interrupted(byNumber);
    held({ products: [] });
    held({ document_num: 'S-0' });
    const n = held({ document_num: 'S-1', products: [] }, { receivedAt: null });
    const r = await outbox.reconcile(e, 0);
    assert.equal(r?.documentId, n);
    assert.equal(r?.sentAt, c.now().toISOString(), 'no receipt time: now');

    const nothing = sale('r2', []);
    const e2 = interrupted(nothing);
    held({ products: [] });
    held({});
    assert.equal(await outbox.reconcile(e2, 0), undefined);
    assert.equal(journal.get(nothing.key)?.state, 'failed');
  });

  it('a document already journalled for another entry, or received well before ours, is not ours', async () => {
    const doc = sale('r1', CODES, 'S-1');
    const body = doc.body;
    // the same codes, sent by another entry of ours (an earlier send of a copy)
    const taken = held(body);
    const other = journal.add(newEntry('other')).entry;
    journal.update(other.key, { state: 'sent', documentId: taken });
    // received more than 5 minutes before our entry was made
    held(body, { receivedAt: new Date(T0 - 5 * 60000 - 1).toISOString() });
    // without a zone, a time is read as late as it can be (−12:00): 10 h before by UTC is in
    held(body, { receivedAt: '2026-11-28T00:00:00' });
    const e = interrupted(doc);
    const r = await outbox.reconcile(e, 0);
    assert.equal(r?.documentId, 'held-3');
    assert.deepEqual(stand.infos, ['held-3']);

    // just within 5 minutes before: ours
    const doc2 = sale('r2', CODES.slice(3), 'S-2');
    const edge = held(doc2.body, { receivedAt: new Date(T0 - 5 * 60000).toISOString() });
    assert.equal((await outbox.reconcile(interrupted(doc2), 0))?.documentId, edge);
    // a zone-less time 12 h 1 min before the entry (by UTC) is out even read at −12:00
    const doc3 = sale('r3', CODES.slice(4), 'S-3');
    held(doc3.body, { receivedAt: '2026-11-27T21:54:59' });
    held(doc3.body, { receivedAt: '2026-11-28T10:00:00+03:00' }); // 07:00Z: out
    held(doc3.body, { receivedAt: 'garbage' }); // unreadable: NaN, never ≥ — out
    assert.equal(await outbox.reconcile(interrupted(doc3), 0), undefined);
  });

  it('the look-up window reaches a day before the earlier of the entry and the 1C date, a day past now', async () => {
    const doc = sale('r1', CODES, 'S-1', 'v1', '2026-11-20T12:00:00Z');
    const e = interrupted(doc);
    c.add(HOUR);
    await outbox.reconcile(e, 0);
    assert.deepEqual(stand.lists.at(-1), {
      productGroup: 'lp',
      documentType: 'LP_SHIP_GOODS',
      dateFrom: '2026-11-19T12:00:00.000Z',
      dateTo: new Date(T0 + HOUR + DAY).toISOString(),
    });
    const later = sale('r2', CODES, 'S-2', 'v1', '2026-12-20T12:00:00Z'); // a 1C date after the entry
    await outbox.reconcile(interrupted(later), 0);
    assert.equal(stand.lists.at(-1)?.dateFrom, new Date(T0 + HOUR - DAY).toISOString());
    const bad = sale('r3', CODES, 'S-3', 'v1', 'not a date');
    await outbox.reconcile(interrupted(bad), 0);
    assert.equal(stand.lists.at(-1)?.dateFrom, new Date(T0 + HOUR - DAY).toISOString());
    // the wait before the look-up counts from the entry's last change, per call or per outbox
    const fresh = interrupted(sale('r4', CODES, 'S-4'));
    await assert.rejects(outbox.reconcile(fresh), (err: ZnakFlowError) => {
      assert.equal(err.code, 'RECONCILE_WAIT');
      assert.match(err.message, /20 s|20 с/);
      return true;
    });
    c.add(20000);
    assert.equal(await outbox.reconcile(fresh), undefined);
    const quick = new Outbox(journal, stand, { now: c.now });
    const fresh2 = interrupted(sale('r5', CODES, 'S-5'));
    c.add(19000);
    await assert.rejects(quick.reconcile(fresh2), /RECONCILE_WAIT|через 1 с|in 1 s/);
    await assert.rejects(
      quick.send(sale('r5', CODES, 'S-5'), undefined, { settleMs: 60000 }),
      (err: ZnakFlowError) => /41 s|41 с/.test(err.message),
    );
  });
});

describe('tracker promises (issue 14): only final statuses settle an entry', () => {
  let c: ReturnType<typeof clock>;
  let stand: Stand;
  let journal: Journal;
  beforeEach(() => {
    c = clock();
    stand = new Stand(c.now);
    journal = Journal.open(tmpFile(), { now: c.now });
  });
  afterEach(() => journal.release());

  function sentEntry(ref: string, pg = 'lp', patch: Partial<JournalEntry> = {}, date?: string): JournalEntry {
    const e = journal.add(newEntry(ref, 'v1', { productGroup: pg }, date ? { date } : {})).entry;
    const id = `id-${ref}`;
    stand.docs.push({ number: id, type: 'LP_SHIP_GOODS', status: 'IN_PROGRESS', pg });
    return journal.update(e.key, { state: 'sent', documentId: id, sentAt: c.now().toISOString(), ...patch });
  }
  const setStatus = (id: string, status: string, errors?: string[] | null, infoErrors?: string[]): void => {
    const d = stand.docs.find((x) => x.number === id);
    if (!d) throw new Error(id);
    d.status = status;
    d.errors = errors;
    if (infoErrors) d.infoErrors = infoErrors;
  };

  it('final statuses settle their entries with one outcome each; waiting ones and unknown ones do not', async () => {
    const t = new StatusTracker(journal, stand, { now: c.now });
    const names = [
      'ok',
      'acc',
      'waitacc',
      'waitreg',
      'notok',
      'parse',
      'cancel',
      'prog',
      'cont',
      'undef',
      'odd',
    ];
    for (const n of names) sentEntry(n);
    const statuses = [
      'CHECKED_OK',
      'ACCEPTED',
      'WAIT_ACCEPTANCE',
      'WAIT_PARTICIPANT_REGISTRATION',
      'CHECKED_NOT_OK',
      'PARSE_ERROR',
      'CANCELLED',
      'IN_PROGRESS',
      'WAIT_FOR_CONTINUATION',
      'UNDEFINED',
      'SOMETHING_NEW',
    ];
    names.forEach((n, i) =>
      setStatus(`id-${n}`, statuses[i] as string, i >= 4 && i <= 6 ? [`e-${n}`] : null),
    );
    c.add(1000);
    const out = await t.poll();
    assert.deepEqual(out.map((o) => [o.entry.source.ref, o.status, o.accepted, o.errors]).sort(), [
      ['acc', 'ACCEPTED', true, []],
      ['cancel', 'CANCELLED', false, ['e-cancel']],
      ['notok', 'CHECKED_NOT_OK', false, ['e-notok']],
      ['ok', 'CHECKED_OK', true, []],
      ['parse', 'PARSE_ERROR', false, ['e-parse']],
      ['waitacc', 'WAIT_ACCEPTANCE', true, []],
      ['waitreg', 'WAIT_PARTICIPANT_REGISTRATION', true, []],
    ]);
    for (const o of out) {
      const e = journal.get(o.entry.key) as JournalEntry;
      assert.equal(e.state, 'final');
      assert.equal(e.status, o.status);
      assert.deepEqual(e.errors, o.errors);
      assert.equal(e.finalAt, c.now().toISOString());
    }
    assert.deepEqual(
      journal
        .pending()
        .map((e) => e.source.ref)
        .sort(),
      ['cont', 'odd', 'prog', 'undef'],
    );
    assert.equal(stand.infos.length, 0, 'the list said everything: no doc/{id}/info');
    assert.deepEqual((await t.poll()).length, 0, 'a second poll finds nothing new');
  });

  it('a rejection without error texts in the list asks doc/{id}/info for them', async () => {
    const t = new StatusTracker(journal, stand, { now: c.now });
    sentEntry('a');
    sentEntry('b');
    sentEntry('c');
    sentEntry('d');
    setStatus('id-d', 'PARSE_ERROR', null);
    setStatus('id-a', 'CHECKED_NOT_OK', null, ['47: из info']);
    setStatus('id-b', 'CHECKED_NOT_OK', [], ['48: из info']);
    setStatus('id-c', 'CHECKED_NOT_OK', ['49: из списка']);
    const out = await t.poll();
    assert.deepEqual(Object.fromEntries(out.map((o) => [o.entry.source.ref, o.errors])), {
      a: ['47: из info'],
      b: ['48: из info'],
      c: ['49: из списка'],
      d: [],
    });
    assert.deepEqual(stand.infos.sort(), ['id-a', 'id-b', 'id-d']);
    // doc/{id}/info not answering (yet): the rejection settles without texts
    const blind: TrackerApi = { list: (f, enough) => stand.list(f, enough), info: async () => undefined };
    const e = sentEntry('e');
    setStatus('id-e', 'CHECKED_NOT_OK', null, ['never read']);
    const out2 = await new StatusTracker(journal, blind, { now: c.now }).poll([e]);
    assert.deepEqual(
      out2.map((o) => [o.status, o.errors]),
      [['CHECKED_NOT_OK', []]],
    );
  });

  it('PROCESSING_ERROR is final only at its third poll in a row (by default), and then rejected', async () => {
    const t = new StatusTracker(journal, stand, { now: c.now });
    const e = sentEntry('p');
    setStatus('id-p', 'PROCESSING_ERROR', ['sys']);
    assert.equal((await t.poll()).length, 0);
    assert.equal((await t.poll()).length, 0);
    const out = await t.poll();
    assert.deepEqual(
      out.map((o) => [o.status, o.accepted]),
      [['PROCESSING_ERROR', false]],
    );
    assert.equal(journal.get(e.key)?.state, 'final');
    // the count is per document and starts again once it settled
    const t2 = new StatusTracker(journal, stand, { now: c.now, processingErrorPolls: 1 });
    sentEntry('q');
    setStatus('id-q', 'PROCESSING_ERROR', ['sys']);
    assert.equal((await t2.poll()).length, 1, 'one poll when told so');
    // a transient PROCESSING_ERROR that becomes CHECKED_OK
    const t3 = new StatusTracker(journal, stand, { now: c.now });
    sentEntry('r');
    setStatus('id-r', 'PROCESSING_ERROR', ['sys']);
    await t3.poll();
    await t3.poll();
    setStatus('id-r', 'CHECKED_OK');
    assert.deepEqual(
      (await t3.poll()).map((o) => o.status),
      ['CHECKED_OK'],
    );
  });

  it('a document the list does not show is asked about only after infoAfterMs', async () => {
    const t = new StatusTracker(journal, stand, { now: c.now, infoAfterMs: 30000 });
    const e = sentEntry('x');
    stand.docs = []; // not listed (yet)
    const hidden = { number: 'id-x', type: 'LP_SHIP_GOODS', status: 'CHECKED_OK', pg: 'none' };
    stand.docs.push(hidden);
    c.add(29999);
    assert.equal((await t.poll()).length, 0);
    assert.deepEqual(stand.infos, []);
    c.add(1);
    const out = await t.poll();
    assert.deepEqual(stand.infos, ['id-x']);
    assert.deepEqual(
      out.map((o) => [o.entry.key, o.status]),
      [[e.key, 'CHECKED_OK']],
    );
    // info of a document Честный ЗНАК does not know yet: nothing settles
    const t2 = new StatusTracker(journal, stand, { now: c.now, infoAfterMs: 0 });
    sentEntry('y');
    stand.docs = stand.docs.filter((d) => d.number !== 'id-y');
    assert.equal((await t2.poll()).length, 0);
    // the default wait is 30 s
    const t3 = new StatusTracker(journal, stand, { now: c.now });
    const z = sentEntry('z');
    stand.docs.push({ ...hidden, number: 'id-z' });
    stand.docs = stand.docs.filter((d) => d.number !== 'id-z' || d.pg === 'none');
    c.add(29999);
    assert.equal((await t3.poll([z])).length, 0);
    c.add(1);
    assert.equal((await t3.poll([z])).length, 1);
  });

  it('one list read per product group, over a window from a day before the earliest entry to a day ahead', async () => {
    const t = new StatusTracker(journal, stand, { now: c.now });
    sentEntry('a', 'lp', {}, '2026-11-25T08:00:00Z');
    c.add(HOUR);
    sentEntry('b', 'lp');
    sentEntry('s', 'shoes');
    // not followed: no document id, or not in state sent
    const r = journal.add(newEntry('r')).entry;
    journal.update(r.key, { state: 'sent' });
    const u = journal.add(newEntry('u')).entry;
    journal.update(u.key, { state: 'unknown', documentId: 'id-u' });
    for (let i = 0; i < 20; i++)
      stand.docs.push({ number: `noise-${i}`, type: 'T', status: 'CHECKED_OK', pg: 'lp' });
    stand.docs.push({ number: 'id-late', type: 'T', status: 'CHECKED_OK', pg: 'lp' });
    await t.poll(journal.all());
    assert.deepEqual(
      stand.lists.map((l) => l.productGroup),
      ['lp', 'shoes'],
    );
    assert.deepEqual(stand.lists[0], {
      productGroup: 'lp',
      dateFrom: '2026-11-24T08:00:00.000Z',
      dateTo: new Date(T0 + HOUR + DAY).toISOString(),
    });
    assert.equal(stand.lists[1]?.dateFrom, new Date(T0 + HOUR - DAY).toISOString());
    assert.deepEqual(stand.infos, [], 'every pending document was in the list');
    // the list stops as soon as every pending document of the group is seen: an older document
    // (listed later, newest first) is never read
    const read: number[] = [];
    const counting: TrackerApi = {
      list: async (f, enough) => {
        const out = await stand.list(f, enough);
        read.push(out.length);
        return out;
      },
      info: (id) => stand.info(id),
    };
    stand.docs.push({ number: 'older', type: 'T', status: 'CHECKED_OK', pg: 'lp' });
    stand.docs.unshift(stand.docs.pop() as (typeof stand.docs)[number]);
    await new StatusTracker(journal, counting, { now: c.now }).poll();
    assert.equal(read[0], 23, 'up to the last pending one of lp, not the older document past it');
  });

  it('an entry with neither sent time nor readable dates still gets a window around now', async () => {
    const t = new StatusTracker(journal, stand, { now: c.now });
    sentEntry('a', 'lp', { sentAt: undefined, createdAt: 'garbage' } as Partial<JournalEntry>, 'garbage too');
    await t.poll();
    assert.equal(stand.lists[0]?.dateFrom, new Date(T0 - DAY).toISOString());
  });
});
