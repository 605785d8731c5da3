import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AckTracker, Confirmations, documentOf } from '../../lib/journal/ack';
import { Journal, journalFile, journalKey, type NewEntry } from '../../lib/journal/journal';

function tmpFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zf-journal-')), 'journal.jsonl');
}

function entry(i: number, dv = 'v1'): NewEntry {
  const source = { ref: `ref-${i}`, dataVersion: dv, number: `N-${i}` };
  return {
    key: journalKey(source, 'LP_SHIP_GOODS', 'lp', 1),
    type: 'LP_SHIP_GOODS',
    productGroup: 'lp',
    part: 1,
    parts: 1,
    source,
  };
}

describe('lib/journal', () => {
  it('records the states of a document durably and finds it again after reopening', () => {
    const file = tmpFile();
    const j = Journal.open(file);
    const { entry: e, created } = j.add(entry(1));
    assert.ok(created);
    assert.equal(e.state, 'received');
    assert.equal(j.add(entry(1)).created, false, 'the same version is never recorded twice');
    j.update(e.key, { state: 'sending', attempts: 1 });
    j.update(e.key, { state: 'sent', documentId: 'doc-1', sentAt: '2026-11-28T10:00:00Z' });
    j.update(e.key, { state: 'final', status: 'CHECKED_NOT_OK', errors: ['47: ошибка'] });
    const newer = j.add(entry(1, 'v2'));
    assert.ok(newer.created, 'a newer version of a rejected document is a new entry');
    j.release();

    const again = Journal.open(file);
    assert.equal(again.get(e.key)?.status, 'CHECKED_NOT_OK');
    assert.deepEqual(again.get(e.key)?.errors, ['47: ошибка']);
    assert.equal(again.byDocumentId('doc-1')?.key, e.key);
    assert.equal(again.get(newer.entry.key)?.state, 'received');
    assert.deepEqual(again.summary(), {
      total: 2,
      pending: 1,
      sent: 1,
      accepted: 0,
      rejected: 1,
      failed: 0,
      unknown: 0,
    });
    again.release();
  });

  it('flushes the changes made inside batch() once, when it returns or throws', () => {
    const file = tmpFile();
    const j = Journal.open(file);
    const syncs: number[] = [];
    const original = fs.fdatasyncSync;
    fs.fdatasyncSync = (fd: number): void => {
      syncs.push(fd);
      original(fd);
    };
    try {
      const a = j.add(entry(1)).entry;
      j.update(a.key, { state: 'sending', attempts: 1 });
      assert.equal(syncs.length, 2, 'one flush per change outside a batch');
      syncs.length = 0;
      const b = j.batch(() => {
        const e = j.add(entry(2)).entry;
        j.update(e.key, { state: 'sending', attempts: 1 });
        j.batch(() => j.update(a.key, { state: 'sent', documentId: 'doc-1' }));
        assert.equal(syncs.length, 0, 'nothing flushed inside the batch');
        return e;
      });
      assert.equal(syncs.length, 1, 'one flush for the batch');
      syncs.length = 0;
      assert.throws(() =>
        j.batch(() => {
          j.update(b.key, { state: 'sent', documentId: 'doc-2' });
          throw new Error('boom');
        }),
      );
      assert.equal(syncs.length, 1, 'flushed when the batch throws too');
      syncs.length = 0;
      j.batch(() => undefined);
      assert.equal(syncs.length, 0, 'an empty batch flushes nothing');
    } finally {
      fs.fdatasyncSync = original;
    }
    j.release();
    const again = Journal.open(file);
    assert.equal(again.byDocumentId('doc-1')?.state, 'sent');
    assert.equal(again.byDocumentId('doc-2')?.state, 'sent');
    again.release();
  });

  it('ignores a torn last line left by a crash in the middle of a write', () => {
    const file = tmpFile();
    const j = Journal.open(file);
    j.add(entry(1));
    j.add(entry(2));
    j.release();
    fs.appendFileSync(file, '{"key":"ref-3:v1:LP_SHIP_GOODS:lp:1","state":"rec');
    const again = Journal.open(file);
    assert.equal(again.all().length, 2);
    assert.equal(again.skippedLines, 1);
    again.add(entry(4));
    again.release();
    const third = Journal.open(file);
    assert.equal(third.all().length, 3, 'the file is still readable after more appends');
    third.release();
  });

  it('compacts the file and prunes final entries past the horizon, keeping the rest', () => {
    const file = tmpFile();
    let now = new Date('2026-01-01T00:00:00Z');
    const j = Journal.open(file, { compactSlack: 10, horizonMs: 86400000, now: () => now });
    for (let i = 0; i < 20; i++) {
      const { entry: e } = j.add(entry(i));
      j.update(e.key, { state: 'sent', documentId: `d${i}` });
      if (i % 2 === 0) j.update(e.key, { state: 'final', status: 'CHECKED_OK', finalAt: now.toISOString() });
    }
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').length;
    assert.ok(lines <= 20 + 10 + 1, `compacted: ${lines} lines`);
    now = new Date('2026-01-03T00:00:00Z');
    j.compact();
    assert.equal(j.all().length, 10, 'old final entries are pruned');
    assert.ok(
      j.all().every((e) => e.state === 'sent'),
      'unfinished entries are never pruned',
    );
    assert.equal(j.byDocumentId('d0'), undefined);
    j.release();
  });

  it('is one instance per file within the process', () => {
    const file = tmpFile();
    const a = Journal.open(file);
    const b = Journal.open(path.join(path.dirname(file), '.', 'journal.jsonl'));
    assert.equal(a, b);
    a.release();
    b.release();
    assert.match(
      journalFile('/x', 'http://127.0.0.1:9400', '7708123450'),
      /^\/x\/journal-7708123450-[0-9a-f]{10}\.jsonl$/,
    );
  });

  it('loses nothing it acknowledged when the process is killed with SIGKILL', async function () {
    this.timeout(30000);
    for (let round = 0; round < 3; round++) {
      const file = tmpFile();
      const child = spawn(
        process.execPath,
        ['--require', 'tsx/cjs', path.join(__dirname, '../support/journal-writer.ts'), file],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      const acked: string[] = [];
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const parts = buf.split('\n');
        buf = parts.pop() ?? '';
        acked.push(...parts);
      });
      await new Promise((r) => setTimeout(r, 1500 + Math.random() * 1000));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      assert.ok(acked.length > 10, `the writer made progress (${acked.length})`);
      const j = Journal.open(file);
      for (const line of acked) {
        const [what, key] = line.split(' ');
        const e = j.get(key ?? '');
        assert.ok(e, `acknowledged entry ${key} survives`);
        if (what === 'sent') assert.equal(e.state, 'sent', `acknowledged state of ${key} survives`);
      }
      j.release();
    }
  });
});

describe('lib/journal/ack', () => {
  it('delivers acknowledgements to the emitting node and completes a version when all its documents are settled', () => {
    const tracker = new AckTracker();
    const registry = new Confirmations();
    const acknowledge = registry.confirm.bind(registry);
    const done: string[] = [];
    const off = registry.register('read-1', (a) => {
      if (tracker.add(a)) done.push(`${a.ref}:${a.dataVersion}`);
    });
    acknowledge({ node: 'read-1', ref: 'r1', dataVersion: 'v1', key: 'k-lp', total: 2 });
    assert.deepEqual(done, []);
    acknowledge({ node: 'read-1', ref: 'r1', dataVersion: 'v1', key: 'k-lp', total: 2 });
    assert.deepEqual(done, [], 'the same document twice does not complete the version');
    acknowledge({ node: 'read-2', ref: 'r1', dataVersion: 'v1', key: 'k-shoes', total: 2 });
    assert.deepEqual(done, [], 'another node is not told');
    acknowledge({ node: 'read-1', ref: 'r1', dataVersion: 'v1', key: 'k-shoes', total: 2 });
    assert.deepEqual(done, ['r1:v1']);
    acknowledge({ node: 'read-1', ref: 'r2', dataVersion: 'v1', key: '*', total: 1 });
    assert.deepEqual(done, ['r1:v1', 'r2:v1']);
    off();
    acknowledge({ node: 'read-1', ref: 'r3', dataVersion: 'v1', key: '*', total: 1 });
    assert.equal(done.length, 2);
  });

  it('a version that goes down two routes is complete only when both have settled, in any order of their acks', () => {
    // the standard sync: a mixed sale of furs (2 LP_SHIP_GOODS parts by cz-send) and clothes + shoes
    // (2 УПД by edo-send). cz-send knows its 2 parts and counts each УПД group as one: total 4;
    // edo-send knows its 2 УПД and counts the furs group as one: total 3.
    const furs = ['r:v:LP_SHIP_GOODS:furs:1', 'r:v:LP_SHIP_GOODS:furs:2'].map((key) => ({ key, total: 4 }));
    const upd = ['r:v:upd:lp', 'r:v:upd:shoes'].map((key) => ({ key, total: 3 }));
    const all = [...furs, ...upd];
    let seed = 7;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let round = 0; round < 200; round++) {
      const order = [...all].sort(() => rand() - 0.5);
      // a route may repeat an ack (a redelivered version)
      if (round % 3 === 0) order.splice(Math.floor(rand() * order.length), 0, order[0]!);
      const tracker = new AckTracker();
      const acked = new Set<string>();
      for (const [i, a] of order.entries()) {
        acked.add(a.key);
        const complete = tracker.add({ ref: 'r', dataVersion: 'v', ...a });
        const last = i === order.length - 1;
        if (complete) assert.equal(acked.size, all.length, `complete after ${[...acked].join(', ')}`);
        else assert.ok(!last || acked.size < all.length, 'the last ack completes the version');
      }
    }
    // one route alone never completes a version the other still owes
    const t = new AckTracker();
    for (const a of upd) assert.equal(t.add({ ref: 'r', dataVersion: 'v', ...a }), false);
    const u = new AckTracker();
    for (const a of furs) assert.equal(u.add({ ref: 'r', dataVersion: 'v', ...a }), false);
  });

  it('a later ack of a completed version (onec-write after cz-send) completes it again and leaves nothing open', () => {
    const t = new AckTracker(2);
    assert.equal(t.add({ ref: 'r1', dataVersion: 'v', key: 'a', total: 2 }), false);
    assert.equal(t.add({ ref: 'r1', dataVersion: 'v', key: 'b', total: 2 }), true);
    assert.equal(
      t.add({ ref: 'r1', dataVersion: 'v', key: 'a', total: 2 }),
      true,
      'the outcome of a, written',
    );
    assert.equal(t.open, 0, 'no entry waits for b again');
    // what it remembers is bounded: the oldest completed version is forgotten
    t.add({ ref: 'r2', dataVersion: 'v', key: '*', total: 1 });
    t.add({ ref: 'r3', dataVersion: 'v', key: '*', total: 1 });
    assert.equal(t.add({ ref: 'r1', dataVersion: 'v', key: 'a', total: 2 }), false, 'r1 forgotten');
    assert.equal(t.open, 1);
  });

  it('documentOf: the document a message names (msg.cz.key of msg.cz.total), else the whole version', () => {
    assert.deepEqual(documentOf({ key: 'r:v:UPD:lp:1', total: 3 }), { key: 'r:v:UPD:lp:1', total: 3 });
    assert.deepEqual(documentOf({ key: 'k' }), { key: 'k', total: 1 });
    assert.deepEqual(documentOf({ key: 'k', total: 0 }), { key: 'k', total: 1 });
    assert.deepEqual(documentOf({}), { key: '*', total: 1 });
    assert.deepEqual(documentOf({ key: '', total: 4 }), { key: '*', total: 1 }, 'no key: the whole version');
  });

  it('is one registry per connection desk: a confirmation reaches only the registry it is given to', () => {
    const a = new Confirmations();
    const b = new Confirmations();
    const got: string[] = [];
    a.register('read-1', (x) => got.push(`a:${x.ref}`));
    b.register('read-1', (x) => got.push(`b:${x.ref}`));
    assert.equal(a.confirm({ node: 'read-1', ref: 'r1', dataVersion: 'v1', key: '*', total: 1 }), true);
    assert.deepEqual(got, ['a:r1'], "the other connection's node of the same id is not told");
    assert.equal(b.confirm({ node: 'read-9', ref: 'r2', dataVersion: 'v1', key: '*', total: 1 }), false);
    b.clear();
    assert.equal(b.confirm({ node: 'read-1', ref: 'r3', dataVersion: 'v1', key: '*', total: 1 }), false);
    assert.deepEqual(got, ['a:r1'], 'a cleared registry (the desk closed) tells nobody');
  });
});
