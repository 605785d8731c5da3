/**
 * Exactly-once outgoing УПД (lib/edo/outbox.ts) against the ЭДО Лайт emulator over real HTTP with
 * real GOST signatures: journal first (a stand refuses the upload until the `sending` entry with the
 * ИдФайл is on disk), a lost answer, a journal reopened after an interrupted upload, a repeat of the
 * key, and a changed 1C document after the buyer signed (→ УПДи, never a second УПД).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { EdoClient, edoBaseUrl } from '../../lib/edo/client';
import { buildUpd, type BuiltUpd } from '../../lib/edo/upd';
import { UpdFollower } from '../../lib/edo/follow';
import { journalApi } from '../../lib/cz/journal-api';
import { annualOutgoing } from '../../lib/edo/quota';
import { UpdOutbox, UPD_STATUS, type OutgoingUpd, type UpdOutboxApi } from '../../lib/edo/outbox';
import { Journal } from '../../lib/journal/journal';
import { isZnakFlowError } from '../../lib/errors';
import { OpensslSigner } from '../../lib/signing/openssl';
import { requireGost } from '../support/gost';
import { startBed, type CzBed } from '../support/cz';
import { edoParty, journalOnDisk, sampleUpd } from '../support/edo';

describe('edo outbox: exactly-once УПД, journal first', function () {
  this.timeout(90000);
  let bed: CzBed;
  let dir: string;
  let signer: OpensslSigner;
  let stand: http.Server;
  let standUrl = '';
  /** the journal file the stand looks at, and what it saw */
  let watched = '';
  const seen = { uploads: 0, refused: 0 };
  let n = 0;

  before(async function () {
    await requireGost(this);
    bed = await startBed({
      edo: { deliveryMs: 20, buyerDelayMs: 30, gisDelayMs: 30, buyerAction: 'manual' },
    });
    signer = new OpensslSigner({ certPath: bed.fx.org.certPath, keyPath: bed.fx.org.keyPath });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-edo-outbox-'));
    const upstream = new URL(bed.emu.url);
    // the stand: an upload is answered only when the journal on disk already holds its file as `sending`
    stand = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.method === 'POST' && /\/outgoing-documents$/.test(req.url ?? '')) {
          seen.uploads++;
          const name = /filename="([^"]+)\.xml"/.exec(body.toString('latin1'))?.[1];
          const ok = [...journalOnDisk(watched).values()].some(
            (e) => e['fileId'] === name && e['state'] === 'sending',
          );
          if (!ok) {
            seen.refused++;
            res.writeHead(400, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify({ message: 'stand: no sending entry on disk' }));
            return;
          }
        }
        const up = http.request(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
          },
          (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        up.end(body);
      });
    });
    await new Promise<void>((r) => stand.listen(0, '127.0.0.1', r));
    standUrl = `http://127.0.0.1:${(stand.address() as AddressInfo).port}`;
  });
  after(async () => {
    signer?.close();
    await new Promise((r) => (stand ? stand.close(r) : r(undefined)));
    await bed?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const client = (url = standUrl, retries = 2): EdoClient =>
    new EdoClient({
      baseUrl: edoBaseUrl({ environment: 'custom', url, edoApi: 'true-api' }),
      api: 'true-api',
      tokens: bed.client(),
      retry: { baseMs: 10, maxMs: 50, retries },
    });
  const apiOf = (c: EdoClient): UpdOutboxApi => ({
    sign: (b) => signer.sign(b, 'detached'),
    upload: (r) => c.uploadSellerTitle(r),
  });
  const journal = (name: string): Journal => {
    const file = path.join(dir, `${name}.jsonl`);
    watched = file;
    return Journal.open(file);
  };

  /** A УПД version of a 1C sale with `count` free lp codes of the demo organisation. */
  const version = (
    ref: string,
    dataVersion: string,
    count = 1,
    formedAt = new Date(),
  ): { doc: OutgoingUpd; upd: BuiltUpd } => {
    const org = bed.world.organisation;
    const buyer = bed.world.counterparties[0] as (typeof bed.world.counterparties)[number];
    const used = new Set(bed.emu.edo.documents().flatMap((d) => d.codes));
    const free = bed
      .codes({ pg: 'lp', status: 'INTRODUCED', free: true })
      .filter((c) => bed.emu.registry.code(c)?.ownerInn === org.inn && !used.has(c));
    const gtin = free[0]?.slice(2, 16);
    const codes = free.filter((c) => c.slice(2, 16) === gtin).slice(0, count);
    const key = `${ref}:${dataVersion}:upd:lp`;
    const upd = buildUpd(
      sampleUpd({
        number: `ОТ-${++n}`,
        key,
        formedAt,
        seller: edoParty(bed, org),
        buyer: edoParty(bed, buyer),
        lines: [
          {
            name: 'Футболка',
            okei: '796',
            quantity: codes.length,
            vatRate: '22%',
            totalKop: 122000 * codes.length,
            codes,
          },
        ],
      }),
    );
    return {
      upd,
      doc: {
        key,
        source: { entity: 'Document_РеализацияТоваровУслуг', ref, dataVersion, number: `ОТ-${n}` },
        productGroup: 'lp',
        fileId: upd.fileId,
        bytes: upd.bytes,
        number: upd.fileId,
        codes: upd.codes,
      },
    };
  };
  const count = (fileId: string): number => bed.emu.edo.documents().filter((d) => d.fileId === fileId).length;
  const settle = async (f: () => boolean): Promise<void> => {
    const end = Date.now() + 10000;
    while (!f()) {
      assert.ok(Date.now() < end, 'timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  /** By the time the buyer signs, the seller no longer owns this code (ГИС МТ refuses it). */
  const giveAway = (code: string): void => {
    (bed.emu.registry.code(code) as { ownerInn: string }).ownerInn =
      bed.world.counterparties[1]?.inn ?? '0000000000';
  };

  it('journals the bytes and the ИдФайл as `sending` before the upload (the stand sees them on disk)', async () => {
    const j = journal('first');
    const c = client();
    const ob = new UpdOutbox(j, apiOf(c));
    const { doc, upd } = version('ref-a', 'v1');
    const before = { ...seen };
    const r = await ob.send(doc);
    assert.equal(seen.refused - before.refused, 0, 'the stand never saw an upload before its entry');
    assert.equal(seen.uploads - before.uploads, 1);
    assert.equal(r.entry.state, 'sent');
    assert.equal(r.entry.status, UPD_STATUS.sent);
    assert.equal(bed.emu.edo.document(r.documentId)?.fileId, upd.fileId);
    assert.ok(fs.readFileSync(path.join(ob.bytesDir, `${upd.sha256}.xml`)).equals(upd.bytes), 'bytes file');
    // a repeat of the key: from the journal, no call
    const again = await ob.send(doc);
    assert.equal(again.fromJournal, true);
    assert.equal(again.documentId, r.documentId);
    assert.equal(seen.uploads - before.uploads, 1);
    c.close();
    j.release();
  });

  it('a lost answer: the same bytes again, the one document', async () => {
    const j = journal('lost');
    const c = client(bed.emu.url, 0);
    const ob = new UpdOutbox(j, apiOf(c));
    const { doc, upd } = version('ref-b', 'v1');
    bed.emu.edo.loseAnswers(1); // no client retry: the send fails with the outcome unknown
    await assert.rejects(ob.send(doc), (e: unknown) => isZnakFlowError(e) && e.retryable);
    assert.equal(j.get(doc.key)?.state, 'unknown');
    assert.equal(count(upd.fileId), 1, 'the operator has it');
    // rebuilt later (another moment of formation → other bytes): the journalled bytes go again
    const later = version('ref-b', 'v1', 1, new Date(Date.now() + 3600000));
    const r = await ob.send({ ...later.doc, fileId: doc.fileId });
    assert.equal(r.fromJournal, false);
    assert.equal(count(upd.fileId), 1, 'never a second document');
    assert.ok(bed.emu.edo.document(r.documentId)?.bytes.equals(upd.bytes), 'the first bytes');
    c.close();
    j.release();
  });

  it('a journal reopened after an interrupted upload uploads the journalled bytes again', async () => {
    const file = path.join(dir, 'crash.jsonl');
    watched = file;
    const j1 = Journal.open(file);
    const { doc, upd } = version('ref-c', 'v1');
    // the process dies inside the upload: the operator received the file, the answer never came
    const c = client(bed.emu.url);
    const dying = new UpdOutbox(j1, {
      sign: (b) => signer.sign(b, 'detached'),
      upload: async (req) => {
        await c.uploadSellerTitle(req);
        throw new Error('process killed');
      },
    });
    await assert.rejects(dying.send(doc), /process killed/);
    j1.release();
    const j2 = Journal.open(file);
    const ob = new UpdOutbox(j2, apiOf(c));
    assert.deepEqual(
      ob.interrupted().map((e) => e.fileId),
      [upd.fileId],
    );
    const [r] = await ob.recover();
    assert.ok(r);
    assert.equal(j2.get(doc.key)?.documentId, r.documentId);
    assert.equal(count(upd.fileId), 1);
    c.close();
    j2.release();
  });

  it('a changed 1C document after the buyer signed is refused naming УПДи; before signing a new version waits', async () => {
    const j = journal('signed');
    const c = client(bed.emu.url);
    const ob = new UpdOutbox(j, apiOf(c));
    const v1 = version('ref-d', 'v1');
    const r = await ob.send(v1.doc);
    const v2 = version('ref-d', 'v2');
    await assert.rejects(
      ob.send(v2.doc),
      (e: unknown) => isZnakFlowError(e) && e.code === 'UPD_PREVIOUS_VERSION_OUT',
    );
    j.update(v1.doc.key, { status: UPD_STATUS.signed }); // what lib/edo/follow.ts writes after status 4
    const before = bed.emu.edo.documents().length;
    await assert.rejects(
      ob.send(v2.doc),
      (e: unknown) =>
        isZnakFlowError(e) && e.code === 'UPD_CORRECTION_REQUIRED' && /УПДи/.test(e.ru) && /УПДи/.test(e.en),
    );
    const changed = version('ref-d', 'v1', 2);
    await assert.rejects(
      ob.send(changed.doc),
      (e: unknown) => isZnakFlowError(e) && e.code === 'UPD_CORRECTION_REQUIRED',
    );
    assert.equal(bed.emu.edo.documents().length, before, 'no second УПД');
    assert.equal((await ob.send(v1.doc)).documentId, r.documentId, 'the signed one is still answered');
    c.close();
    j.release();
  });

  it("follows: delivered → signed → ГИС МТ accepted; a refusal with the buyer's reason; ГИС МТ refusing a foreign code", async () => {
    const j = journal('follow');
    const c = client(bed.emu.url);
    const ob = new UpdOutbox(j, apiOf(c));
    const follower = new UpdFollower(j, c);
    const good = await ob.send(version('ref-f1', 'v1').doc);
    const refused = await ob.send(version('ref-f2', 'v1').doc);
    const foreign = version('ref-f3', 'v1');
    const bad = await ob.send(foreign.doc);
    await settle(() => [good, refused, bad].every((x) => bed.emu.edo.document(x.documentId)?.status === 3));
    const first = await follower.poll();
    assert.deepEqual(
      first.map((r) => [r.edoStatus, r.classification?.status]),
      [
        [3, UPD_STATUS.delivered],
        [3, UPD_STATUS.delivered],
        [3, UPD_STATUS.delivered],
      ],
    );
    // the foreign code: by the time the buyer signs, the seller no longer owns it
    giveAway(foreign.upd.codes[0] as string);
    bed.emu.edo.buyerSign(good.documentId);
    bed.emu.edo.buyerSign(bad.documentId);
    bed.emu.edo.buyerRefuse(refused.documentId, 'Пересорт');
    await settle(() => [good, bad].every((x) => (bed.emu.edo.document(x.documentId)?.status ?? 0) >= 61));
    for (let i = 0; i < 50 && follower.pending().length > 0; i++) {
      await follower.poll();
      await new Promise((r) => setTimeout(r, 40));
    }
    assert.equal(follower.pending().length, 0);
    const g = j.get(good.entry.key);
    assert.deepEqual([g?.state, g?.status], ['final', UPD_STATUS.accepted]);
    const r = j.get(refused.entry.key);
    assert.deepEqual([r?.state, r?.status], ['final', UPD_STATUS.refused]);
    assert.match(r?.errors?.[0] ?? '', /«Пересорт»/);
    const b = j.get(bad.entry.key);
    assert.deepEqual([b?.state, b?.status], ['final', UPD_STATUS.rejected]);
    assert.ok(
      b?.errors?.some((e) => e.startsWith('23:')),
      JSON.stringify(b?.errors),
    );
    c.close();
    j.release();
  });

  it('one look at every pending УПД: one outgoing-list read, ГИС МТ by doc/list per group, the receipt only for a refusal', async () => {
    const j = journal('shared-look');
    const c = client(bed.emu.url);
    const ob = new UpdOutbox(j, apiOf(c));
    const follower = new UpdFollower(j, c, {
      udList: journalApi(bed.client()).read,
      participantInn: bed.world.organisation.inn,
    });
    const good = [];
    for (let i = 0; i < 3; i++) good.push(await ob.send(version(`ref-sh${i}`, 'v1').doc));
    const foreign = version('ref-sh-bad', 'v1');
    const bad = await ob.send(foreign.doc);
    const all = [...good, bad];
    await settle(() => all.every((x) => bed.emu.edo.document(x.documentId)?.status === 3));
    // delivered: one line per УПД for the new status; a look that finds nothing new writes nothing
    const lines = (): number => fs.readFileSync(j.file, 'utf8').split('\n').filter(Boolean).length;
    const sentLines = lines();
    await follower.poll();
    assert.equal(lines(), sentLines + 4);
    await follower.poll();
    assert.equal(lines(), sentLines + 4, 'nothing new, nothing written');
    assert.deepEqual(
      all.map((x) => j.get(x.entry.key)?.status),
      all.map(() => UPD_STATUS.delivered),
    );
    // by the time the buyer signs, the seller no longer owns the foreign code: ГИС МТ refuses it (62)
    giveAway(foreign.upd.codes[0] as string);
    for (const x of all) bed.emu.edo.buyerSign(x.documentId);
    await settle(() => all.every((x) => [61, 62].includes(bed.emu.edo.document(x.documentId)?.status ?? 0)));
    assert.deepEqual(
      all.map((x) => bed.emu.edo.document(x.documentId)?.status),
      [61, 61, 61, 62],
    );
    const before = { ...bed.emu.counters };
    const delta = (k: string): number => (bed.emu.counters[k] ?? 0) - (before[k] ?? 0);
    const results = await follower.poll();
    assert.equal(results.length, 4);
    assert.deepEqual(
      good.map((x) => [j.get(x.entry.key)?.state, j.get(x.entry.key)?.status]),
      good.map(() => ['final', UPD_STATUS.accepted]),
    );
    const b = j.get(bad.entry.key);
    assert.deepEqual([b?.state, b?.status], ['final', UPD_STATUS.rejected]);
    assert.ok(
      b?.errors?.some((e) => e.startsWith('23:')),
      JSON.stringify(b?.errors),
    );
    // the requests of the look: one list for the four, one doc/list for their one group, one receipt
    assert.deepEqual(
      [delta('edo/list'), delta('doc/list'), delta('edo/tpr/ud'), delta('doc/info')],
      [1, 1, 1, 0],
    );
    assert.deepEqual(
      results.filter((r) => r.classification?.outcome === 'accepted').map((r) => r.gis?.state),
      ['SUCCESS', 'SUCCESS', 'SUCCESS'],
    );
    c.close();
    j.release();
  });

  it('ГИС МТ refusing a УПД the operator marked 61: doc/list CHECKED_NOT_OK, then its receipt for the errors; one doc/list misses: its receipt after a while', async () => {
    const j = journal('listed-refusal');
    const c = client(bed.emu.url);
    const ob = new UpdOutbox(j, apiOf(c));
    let now = Date.now();
    let hide = '';
    const read = journalApi(bed.client()).read;
    const follower = new UpdFollower(j, c, {
      // a stand whose doc/list does not show one UD yet (⚠ how soon a UD appears there is not documented)
      udList: async (f, enough) => (await read(f, enough)).filter((d) => d.number !== hide),
      participantInn: bed.world.organisation.inn,
      receiptAfterMs: 30000,
      now: () => now,
    });
    const foreign = version('ref-lr-bad', 'v1');
    const bad = await ob.send(foreign.doc);
    const late = await ob.send(version('ref-lr-late', 'v1').doc);
    hide = late.entry.fileId as string;
    await settle(() => [bad, late].every((x) => bed.emu.edo.document(x.documentId)?.status === 3));
    giveAway(foreign.upd.codes[0] as string);
    bed.emu.edo.buyerSign(bad.documentId);
    bed.emu.edo.buyerSign(late.documentId);
    await settle(() =>
      [bad, late].every((x) => [61, 62].includes(bed.emu.edo.document(x.documentId)?.status ?? 0)),
    );
    // an operator that shows 61 («sent to ГИС МТ») whatever ГИС МТ then decides
    const d = bed.emu.edo.document(bad.documentId) as { status: number };
    assert.equal(d.status, 62);
    d.status = 61;
    const before = { ...bed.emu.counters };
    const delta = (k: string): number => (bed.emu.counters[k] ?? 0) - (before[k] ?? 0);
    await follower.poll();
    const b = j.get(bad.entry.key);
    assert.deepEqual([b?.state, b?.status], ['final', UPD_STATUS.rejected]);
    assert.ok(
      b?.errors?.some((e) => e.startsWith('23:')),
      JSON.stringify(b?.errors),
    );
    // the hidden one waits (no receipt read yet): the refusal's receipt is the only one
    assert.equal(j.get(late.entry.key)?.state, 'sent');
    assert.deepEqual([delta('edo/list'), delta('doc/list'), delta('edo/tpr/ud')], [1, 1, 1]);
    now += 30000;
    await follower.poll();
    assert.deepEqual(
      [j.get(late.entry.key)?.state, j.get(late.entry.key)?.status],
      ['final', UPD_STATUS.accepted],
    );
    assert.deepEqual([delta('edo/list'), delta('doc/list'), delta('edo/tpr/ud')], [2, 2, 2]);
    c.close();
    j.release();
  });

  it("counts this year's outgoing УПД (journal and the operator's list) against the 1 000 a year, warning before", async () => {
    const j = journal('quota');
    const c = client(bed.emu.url);
    const ob = new UpdOutbox(j, apiOf(c));
    await ob.send(version('ref-q1', 'v1').doc);
    await ob.send(version('ref-q2', 'v1').doc);
    const org = bed.world.organisation.inn;
    const atOperator = bed.emu.edo.documents().filter((d) => d.sellerInn === org).length;
    const q = await annualOutgoing({ journal: j, edo: c });
    assert.equal(q.journal, 2);
    assert.equal(q.operator, atOperator);
    assert.equal(q.used, Math.max(2, atOperator));
    assert.equal(q.remaining, 1000 - q.used);
    assert.equal(q.warning, false);
    const near = await annualOutgoing({ journal: j, edo: c, limit: q.used + 1, warnAt: q.used });
    assert.equal(near.warning, true);
    assert.equal(near.exhausted, false);
    assert.match(near.message?.ru ?? '', /осталось 1/);
    const full = await annualOutgoing({ journal: j, limit: 2 });
    assert.equal(full.exhausted, true);
    assert.match(full.message?.en ?? '', /used up/);
    // last year's entries do not count
    const nextYear = await annualOutgoing({ journal: j, now: new Date(Date.now() + 400 * 86400000) });
    assert.equal(nextYear.journal, 0);
    // the operator unreachable: the journal count stands, the error is named
    const down = await annualOutgoing({ journal: j, edo: client('http://127.0.0.1:1', 0) });
    assert.equal(down.used, 2);
    assert.ok(down.operatorError?.ru && down.operatorError.en);
    c.close();
    j.release();
  });
});
