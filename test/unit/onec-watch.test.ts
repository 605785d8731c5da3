/**
 * Watch mode against the emulator: each (Ref_Key, DataVersion) once, durable state, look-back,
 * retry of documents that failed, bounded state.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { demoWorld } from '../../lib/emulators/demo-data';
import { startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { OnecClient } from '../../lib/onec/client';
import { resolveLayout } from '../../lib/onec/presets';
import type { ResolvedDocument } from '../../lib/onec/resolve';
import { DocumentWatcher, type WatchOptions } from '../../lib/onec/watch';
import type { ZnakFlowError } from '../../lib/errors';
import type { ODataObject } from '../../lib/onec/schemas';

const SALES = 'Document_РеализацияТоваровУслуг';

describe('onec watch', function () {
  this.timeout(30000);
  let emu: OnecEmulator;
  let client: OnecClient;
  let dir: string;
  const base = '2026-11-20T09:00:00';

  beforeEach(async () => {
    emu = await startOnecEmulator({ world: demoWorld({ baseDate: base }) });
    client = new OnecClient({ url: emu.url, username: 'odata', password: 'odata' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-watch-'));
  });
  afterEach(async () => {
    await client.close();
    await emu.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function watcher(extra: Partial<WatchOptions> = {}, now = '2026-11-21T12:00:00'): DocumentWatcher {
    return new DocumentWatcher(client, {
      entity: SALES,
      layout: resolveLayout('ut11', 'sales'),
      lookbackMinutes: 3 * 24 * 60,
      stateFile: path.join(dir, 'state.json'),
      now: () => new Date(now),
      ...extra,
    });
  }

  async function poll(
    w: DocumentWatcher,
  ): Promise<{ docs: ResolvedDocument[]; errors: Array<[ZnakFlowError, ODataObject]> }> {
    const docs: ResolvedDocument[] = [];
    const errors: Array<[ZnakFlowError, ODataObject]> = [];
    await w.poll(
      (d) => {
        docs.push(d);
      },
      (e, s) => {
        errors.push([e, s]);
      },
    );
    return { docs, errors };
  }

  it('emits posted, unmarked documents once, in date order; then only new and changed versions', async () => {
    const w = watcher();
    const first = await poll(w);
    const expected = emu.store.world.documents.filter(
      (d) => d.kind === 'sale' && d.posted && !d.deletionMark,
    );
    assert.deepEqual(
      first.docs.map((d) => d.payload['Number']),
      expected.map((d) => d.number),
    );
    assert.equal(first.docs.find((d) => d.codes.length === 7)?.codes[0]?.packageType, 'МонотоварнаяУпаковка');
    assert.deepEqual((await poll(w)).docs, [], 'nothing new');

    const changed = expected[1]!;
    emu.store.touch(SALES, changed.ref); // a write: new DataVersion
    const sale = emu.store.addSale({
      lines: [{ itemRef: emu.store.world.items[3]!.ref, quantity: 2 }],
      date: '2026-11-21T10:00:00',
    });
    emu.store.addSale({
      lines: [{ itemRef: emu.store.world.items[3]!.ref, quantity: 1 }],
      date: '2026-11-21T10:05:00',
      posted: false,
    });
    const second = await poll(w);
    assert.deepEqual(
      second.docs.map((d) => d.payload['Ref_Key']).sort(),
      [changed.ref, sale['Ref_Key']].sort(),
    );
    assert.equal(second.docs.find((d) => d.payload['Ref_Key'] === sale['Ref_Key'])?.codes.length, 2);

    const unposted = emu.store.world.documents.find(
      (d) => d.kind === 'sale' && !d.posted && !d.deletionMark,
    )!;
    emu.store.post(SALES, unposted.ref);
    emu.store.markDeleted(SALES, expected[0]!.ref);
    const third = await poll(w);
    assert.deepEqual(
      third.docs.map((d) => d.payload['Number']),
      [unposted.number],
      'posting later emits; a deletion mark does not',
    );
  });

  it('keeps its state across restarts: a new watcher on the same file emits nothing old', async () => {
    const w1 = watcher();
    const n = (await poll(w1)).docs.length;
    assert.ok(n > 3);
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as {
      cursor: string;
      seen: Record<string, unknown>;
    };
    assert.equal(saved.cursor, '2026-11-21T12:00:00');
    assert.equal(Object.keys(saved.seen).length, n);
    const w2 = watcher({}, '2026-11-21T12:05:00');
    assert.deepEqual((await poll(w2)).docs, []);
    emu.store.touch(SALES, emu.store.world.documents[0]!.ref);
    assert.equal((await poll(watcher({}, '2026-11-21T12:10:00'))).docs.length, 1);
  });

  it('catches a document written late with an older date (look-back), and not one older than the window', async () => {
    const w = watcher();
    await poll(w);
    const late = emu.store.addSale({
      lines: [{ itemRef: emu.store.world.items[0]!.ref, quantity: 1 }],
      date: '2026-11-19T15:00:00',
    });
    const tooOld = emu.store.addSale({
      lines: [{ itemRef: emu.store.world.items[0]!.ref, quantity: 1 }],
      date: '2026-11-10T15:00:00',
    });
    const later = watcher({}, '2026-11-21T13:00:00');
    const got = (await poll(later)).docs.map((d) => d.payload['Ref_Key']);
    assert.ok(got.includes(late['Ref_Key']));
    assert.ok(!got.includes(tooOld['Ref_Key']));
  });

  it('the first poll starts from "since" when given', async () => {
    emu.store.addSale({
      lines: [{ itemRef: emu.store.world.items[0]!.ref, quantity: 1 }],
      date: '2026-10-01T10:00:00',
    });
    const all = await poll(watcher({ since: '2026-09-30' }));
    assert.ok(all.docs.some((d) => String(d.payload['Date']).startsWith('2026-10-01')));
    fs.rmSync(path.join(dir, 'state.json'));
    const recent = await poll(watcher({ since: '2026-11-20T09:40:00' }));
    assert.ok(recent.docs.every((d) => String(d.payload['Date']) >= '2026-11-20T09:40:00'));
  });

  it('retries a document that failed to resolve on later polls, even after it leaves the window', async () => {
    const w = watcher({ lookbackMinutes: 60 * 30 });
    await poll(w);
    const sale = emu.store.addSale({
      lines: [{ itemRef: emu.store.world.items[4]!.ref, quantity: 1 }],
      date: '2026-11-21T11:00:00',
    });
    const rec = emu.store.find(SALES, String(sale['Ref_Key']))!;
    const rows = rec['ШтрихкодыУпаковок'] as ODataObject[];
    const goodRef = rows[0]!['ШтрихкодУпаковки_Key'];
    rows[0]!['ШтрихкодУпаковки_Key'] = '00000000-0000-4000-a000-0000000000aa';
    const failed = await poll(watcher({ lookbackMinutes: 60 * 30 }, '2026-11-21T12:30:00'));
    assert.equal(failed.errors.length, 1);
    assert.equal(failed.errors[0]![0].code, 'ONEC_CODE_NOT_FOUND');
    rows[0]!['ШтрихкодУпаковки_Key'] = goodRef;
    // three days later: the document is far outside the 30-hour window, but still pending
    const later = await poll(watcher({ lookbackMinutes: 60 * 30 }, '2026-11-24T12:30:00'));
    assert.deepEqual(
      later.docs.map((d) => d.payload['Ref_Key']),
      [sale['Ref_Key']],
    );
    assert.deepEqual(watcher().state.pending, {});
  });

  it('stays bounded: prunes versions older than the window and keeps at most maxSeen', async () => {
    const w = watcher({ maxSeen: 3 });
    const n = (await poll(w)).docs.length;
    assert.ok(n > 3);
    assert.equal(Object.keys(w.state.seen).length, 3);
    const much = watcher({}, '2026-12-30T12:00:00');
    await poll(much); // still looks back from the old cursor
    await poll(much);
    assert.equal(Object.keys(much.state.seen).length, 0, 'a month later every old entry is pruned');
  });

  it('starts over, with a warning, when the state file is corrupt; reset() forgets everything', async () => {
    fs.writeFileSync(path.join(dir, 'state.json'), '{"v":1,"entity":');
    const w = watcher();
    assert.equal(w.warnings.length, 1);
    assert.ok(fs.readdirSync(dir).some((f) => f.includes('.corrupt-')));
    const n = (await poll(w)).docs.length;
    assert.ok(n > 0);
    w.reset();
    assert.equal((await poll(w)).docs.length, n);
  });

  it('validates the shape of what 1C lists (a document without a proper date is refused, clearly)', async () => {
    const rec = emu.store.find(SALES, emu.store.world.documents[0]!.ref)!;
    rec['Date'] = 'вчера';
    await assert.rejects(poll(watcher()), (e: unknown) => {
      const err = e as ZnakFlowError;
      assert.equal(err.code, 'ONEC_BAD_RESPONSE');
      assert.match(err.details?.[0]?.path ?? '', /^Document_РеализацияТоваровУслуг\[\d+\]\.Date$/);
      return true;
    });
  });

  it('does not move the cursor when the listing fails', async () => {
    const w = watcher();
    await poll(w);
    emu.faults.add({ kind: 'business' });
    await assert.rejects(poll(watcher({}, '2026-11-22T12:00:00')), /ONEC_BUSINESS|1С отказала/);
    assert.equal(watcher().state.cursor, '2026-11-21T12:00:00');
  });

  it('with confirm, emits unconfirmed versions again after a restart and after the redelivery delay, never confirmed ones', async () => {
    const first = await poll(watcher({ confirm: true }));
    assert.ok(first.docs.length >= 5);
    const [a, b] = first.docs as [ResolvedDocument, ResolvedDocument];
    const w1 = watcher({ confirm: true });
    assert.deepEqual(
      (await poll(w1)).docs.length,
      first.docs.length,
      'a restart re-emits every unconfirmed version',
    );
    for (const d of first.docs) {
      if (d !== b) assert.ok(w1.ack(String(d.payload['Ref_Key']), String(d.payload['DataVersion'])));
    }
    assert.equal(
      w1.ack(String(a.payload['Ref_Key']), 'AAAAnotThis='),
      false,
      'another version is not confirmed',
    );
    assert.equal(w1.unconfirmed(), 1);
    w1.flush();
    assert.deepEqual((await poll(w1)).docs, [], 'within the redelivery delay nothing is repeated');
    const w2 = watcher({ confirm: true });
    assert.deepEqual(
      (await poll(w2)).docs.map((d) => d.payload['Ref_Key']),
      [b.payload['Ref_Key']],
      'after a restart only the unconfirmed version comes again',
    );
    let clock = '2026-11-21T12:00:00';
    const running = watcher({ confirm: true, redeliverMinutes: 10, now: () => new Date(clock) });
    assert.equal((await poll(running)).docs.length, 1, 'its first poll repeats the unconfirmed version');
    clock = '2026-11-21T12:05:00';
    assert.deepEqual((await poll(running)).docs, [], 'not before the redelivery delay');
    clock = '2026-11-21T12:11:00';
    assert.deepEqual(
      (await poll(running)).docs.map((d) => d.payload['Ref_Key']),
      [b.payload['Ref_Key']],
      'after the redelivery delay it comes again while running',
    );
  });

  it('without confirm, a restart emits nothing again', async () => {
    const first = await poll(watcher());
    assert.ok(first.docs.length > 0);
    assert.deepEqual((await poll(watcher())).docs, []);
  });
});
