/**
 * lib/edo/desk.ts against the True API emulator (with its ЭДО Лайт) over real HTTP, real GOST
 * signatures and real journal files: one service per connection desk, its УПД journal file per
 * participant and stand, the poll loop to the outcome, the sidebar summary (EDO and ГИС МТ states,
 * the year's count and limit, the warning near the limit), the limit refusing a new УПД; and the
 * table of every EDO status through the journal's classification (accepted / rejected / pending).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CzDesk } from '../../lib/cz/desk';
import { czConnectionSchema } from '../../lib/cz/settings';
import { EDO_STATUS } from '../../lib/edo/client';
import { edoDesk, EdoService, updJournalFile } from '../../lib/edo/desk';
import { classifyUpd } from '../../lib/edo/follow';
import { isUpdRefusal, saleUpds, sendPart } from '../../lib/edo/send';
import { isZnakFlowError, ZnakFlowError } from '../../lib/errors';
import {
  EDO_REJECTED_STATUSES,
  isAccepted,
  isRejected,
  openJournals,
  statusGroup,
  type JournalEntry,
} from '../../lib/journal/journal';
import { startBed, type CzBed } from '../support/cz';
import { requireGost } from '../support/gost';
import { onecMessage } from '../support/onec-fixtures';

const SETTINGS = {
  function: 'СЧФДОП' as const,
  signer: { surname: 'Иванов', firstName: 'Иван', position: 'Директор' },
  seller: { address: 'г. Москва' },
  buyer: { address: 'г. Москва' },
  unmarked: 'skip' as const,
};

describe('edo desk: the ЭДО Лайт service of a connection (emulator, real journal files)', function () {
  this.timeout(60000);
  let bed: CzBed;
  let dir: string;
  const desks: CzDesk[] = [];

  before(async function () {
    await requireGost(this);
    bed = await startBed({ edo: { buyerAction: 'sign', deliveryMs: 20, buyerDelayMs: 30, gisDelayMs: 30 } });
  });
  after(async () => {
    for (const d of desks.splice(0)) d.close();
    await bed?.close();
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-edo-desk-'));
  });
  afterEach(() => {
    for (const d of desks.splice(0)) d.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function desk(): CzDesk {
    const d = new CzDesk({
      settings: czConnectionSchema.parse({
        environment: 'custom',
        url: bed.emu.url,
        participantInn: bed.world.organisation.inn,
        signer: 'openssl',
        certPath: bed.fx.org.certPath,
        keyPath: bed.fx.org.keyPath,
      }),
      stateDir: dir,
      client: { retry: { baseMs: 20, maxMs: 200 } },
    });
    desks.push(d);
    return d;
  }

  async function send(svc: EdoService, d: CzDesk, number: string, dataVersion?: string) {
    const doc = bed.world.documents.find((x) => x.number === number);
    assert.ok(doc);
    const msg = onecMessage(bed.world, doc, dataVersion);
    const sale = await saleUpds(svc, d.signer(), msg.payload, msg.onec, SETTINGS);
    const out = [];
    for (const p of sale.parts) {
      assert.deepEqual(p.errors, []);
      out.push(await sendPart(svc, sale, p));
    }
    return out;
  }

  it('one service per desk, its journal per participant and stand, closed with the desk', async () => {
    const d = desk();
    const a = edoDesk(d);
    assert.equal(edoDesk(d), a);
    const file = updJournalFile(dir, bed.emu.url, 'true-api', bed.world.organisation.inn);
    assert.equal(a.journal.file, file);
    assert.notEqual(updJournalFile(dir, bed.emu.url, 'v1', '7708123450'), file);
    assert.ok(openJournals().includes(a.journal));
    d.close();
    assert.ok(!openJournals().includes(a.journal), 'the journal released');
    await assert.rejects(
      () => send(a, d, 'ДМ00-000001'),
      (e: unknown) => isZnakFlowError(e) && e.code === 'NO_CONNECTION',
    );
  });

  it('follows a sent УПД to ГИС МТ in one poll loop; the summary shows its EDO and ГИС МТ states and the year', async () => {
    const d = desk();
    const svc = edoDesk(d);
    const [r] = await send(svc, d, 'ДМ00-000001');
    assert.ok(r);
    let s = svc.summary();
    assert.equal(s.kind, 'edo');
    assert.ok(s.title.ru && s.title.en);
    assert.ok(s.columns.every((c) => s.rows[0] && c.key in s.rows[0] && c.ru && c.en));
    assert.equal(s.rows[0]?.['documentId'], r.documentId);
    assert.equal(s.rows[0]?.['fileId'], r.entry.fileId);
    assert.equal(s.rows[0]?.['edo'], 'SENT');
    assert.equal(s.counters?.['limit'], 1000);
    assert.ok((s.counters?.['outgoingThisYear'] ?? 0) >= 1);
    assert.equal(s.warning, undefined);
    const final = await new Promise<JournalEntry>((resolve, reject) => {
      const off = svc.follow({
        intervalMs: 200,
        onOutcomes: (o) => {
          if (o[0]) {
            off();
            resolve(o[0].entry);
          }
        },
        onError: reject,
      });
    });
    assert.equal(final.status, 'ACCEPTED');
    assert.ok(svc.poller.polls < 20, `${svc.poller.polls} polls`);
    s = svc.summary();
    assert.equal(s.rows[0]?.['edoStatus'], 61);
    assert.equal(s.rows[0]?.['gis'], 'SUCCESS');
    assert.equal(s.rows[0]?.['edoText'], EDO_STATUS[61]?.[0]);
    assert.equal(s.counters?.['accepted'], 1);
    assert.deepEqual(
      d.summaries().map((x) => x.kind),
      ['edo'],
    );
  });

  it('warns near the yearly limit and refuses a new УПД at it (a journalled one still answers)', async () => {
    const d0 = desk();
    const used = (await edoDesk(d0).quota()).used;
    d0.close();
    const d = desk();
    // the limit just above what the emulator counted, the warning from now on
    const svc = d.service('edo', (conn) => new EdoService(d, conn, { limit: used + 1, warnAt: used }));
    let q = await svc.quota();
    assert.equal(q.warning, true);
    assert.equal(svc.summary().warning?.ru, q.message?.ru);
    assert.match(svc.summary().warning?.en ?? '', /ЭДО Лайт API/);
    const [first] = await send(svc, d, 'ДМ00-000002');
    q = await svc.quota();
    assert.equal(q.exhausted, true);
    assert.equal(svc.summary().counters?.['remaining'], 0);
    await assert.rejects(
      () => send(svc, d, 'ДМ00-000004'),
      (e: unknown) => isZnakFlowError(e) && e.code === 'EDO_QUOTA_EXHAUSTED' && /1000|лимит/.test(e.ru),
    );
    const [again] = await send(svc, d, 'ДМ00-000002');
    assert.equal(again?.fromJournal, true);
    assert.equal(again?.documentId, first?.documentId);
  });
});

describe('edo statuses through the journal: every EDO status → accepted / rejected / pending', () => {
  // with ГИС МТ's SUCCESS after 61 and FAILED after 62
  for (const code of [...Object.keys(EDO_STATUS).map(Number), 41, 42, 43, 44]) {
    const gis =
      code === 61
        ? ({ state: 'SUCCESS', code: 0 } as const)
        : code === 62
          ? ({ state: 'FAILED', code: 1 } as const)
          : undefined;
    it(`${code} ${EDO_STATUS[code]?.[1] ?? ''}`, () => {
      const c = classifyUpd({ edoStatus: code, ...(gis ? { gis } : {}) });
      const got = isAccepted(c.status) ? 'accepted' : isRejected(c.status) ? 'rejected' : 'pending';
      if (c.outcome === 'pending') {
        // not final: the journal keeps the entry `sent`, whatever words its status has
        assert.equal(statusGroup({ state: 'sent', status: c.status } as JournalEntry), 'pending');
      } else {
        assert.equal(got, c.outcome, `${c.status} is ${c.outcome} for the journal`);
        assert.equal(statusGroup({ state: 'final', status: c.status } as JournalEntry), c.outcome);
      }
    });
  }
  it('the EDO rejected statuses are exactly the final non-acceptances of the table', () => {
    assert.deepEqual([...EDO_REJECTED_STATUSES].sort(), ['ANNULLED', 'REFUSED', 'REJECTED']);
  });
});

describe('edo send: which failures are a refusal of the 1C version (confirmed to a watching onec-read)', () => {
  const err = (code: string, source: 'edo' | 'input' | 'cz', retryable = false, status?: number) =>
    new ZnakFlowError({ code, source, ru: code, en: code, retryable, ...(status ? { status } : {}) });
  const table: Array<[ZnakFlowError, boolean]> = [
    [err('UPD_CORRECTION_REQUIRED', 'edo'), true],
    [err('EDO_HTTP_ERROR', 'edo', false, 400), true],
    [err('NO_JOURNAL_KEY', 'input'), true],
    [err('UPD_PREVIOUS_VERSION_OUT', 'edo'), false],
    [err('EDO_QUOTA_EXHAUSTED', 'edo'), false],
    [err('EDO_SERVER_ERROR', 'edo', true, 500), false],
    [err('ABORTED', 'edo'), false],
  ];
  for (const [e, want] of table) {
    it(`${e.code}${e.retryable ? ' (passing)' : ''} → ${want ? 'refusal' : 'not yet'}`, () => {
      assert.equal(isUpdRefusal(e), want);
    });
  }
});
