/**
 * lib/cz/desk.ts and lib/journal/poller.ts against the True API emulator over real HTTP, with real
 * GOST signatures and real journal files in a temp dir: what a connection's desk opens and closes,
 * how it tells its users its state, and when the polling loop looks at what was sent.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CzDesk, type DeskState } from '../../lib/cz/desk';
import { czConnectionSchema } from '../../lib/cz/settings';
import { validationError } from '../../lib/errors';
import { openJournals } from '../../lib/journal/journal';
import type { Outcome } from '../../lib/journal/tracker';
import { startBed, type CzBed } from '../support/cz';
import { requireGost } from '../support/gost';

describe('lib/cz/desk and lib/journal/poller (True API emulator, real journal files)', function () {
  this.timeout(60000);
  let bed: CzBed;
  let dir: string;
  const desks: CzDesk[] = [];

  before(async function () {
    await requireGost(this);
    bed = await startBed({ processingDelayMs: 1200 });
  });
  after(async () => {
    await bed?.close();
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-desk-unit-'));
  });
  afterEach(() => {
    for (const d of desks.splice(0)) d.close();
  });

  function settings(extra: Record<string, unknown> = {}) {
    return czConnectionSchema.parse({
      environment: 'custom',
      url: bed.emu.url,
      participantInn: bed.world.organisation.inn,
      signer: 'openssl',
      certPath: bed.fx.org.certPath,
      keyPath: bed.fx.org.keyPath,
      ...extra,
    });
  }

  function desk(extra: Record<string, unknown> = {}, firstLookMs?: number): CzDesk {
    const d = new CzDesk({
      settings: settings(extra),
      stateDir: dir,
      firstLookMs,
      client: { retry: { baseMs: 20, maxMs: 200 } },
    });
    desks.push(d);
    return d;
  }

  let seq = 0;
  async function send(d: CzDesk, anyCode = false): Promise<string> {
    const codes = anyCode
      ? bed.codes({ pg: 'lp' }).slice(0, 1)
      : bed.codes({ pg: 'lp', status: 'INTRODUCED', free: true }).slice(seq * 2, seq * 2 + 2);
    const n = `P-${++seq}-${Date.now()}`;
    const r = await d.journal().outbox.send({
      key: `ref-${n}|LP_SHIP_GOODS|lp|1`,
      type: 'LP_SHIP_GOODS',
      productGroup: 'lp',
      part: 1,
      parts: 1,
      source: { ref: `ref-${n}`, dataVersion: 'v1', number: n },
      format: 'MANUAL',
      body: {
        sender_inn: bed.world.organisation.inn,
        receiver_inn: bed.world.counterparties[0]?.inn ?? '',
        transfer_date: '2026-11-27',
        document_num: n,
        document_date: '2026-11-27',
        turnover_type: 'SELLING',
        products: codes.map((c) => ({ uit_code: c, product_cost: '99000', product_tax: '16500' })),
      },
    });
    d.journal().poller.sent();
    return r.documentId;
  }

  /** Follow the desk's journal; resolves with the outcomes and the start times of the polls. */
  function follow(d: CzDesk, intervalMs: number, want: number) {
    const polls: number[] = [];
    const outcomes: Outcome[] = [];
    let resolve: () => void = () => undefined;
    const finished = new Promise<void>((r) => (resolve = r));
    const off = d.follow({
      intervalMs,
      onOutcomes(o) {
        outcomes.push(...o);
        if (outcomes.length >= want) resolve();
      },
      onError(err) {
        throw err;
      },
      onIdle() {
        polls.push(Date.now());
      },
    });
    return { polls, outcomes, finished, off };
  }

  it('opens the journal on first use only, and closing releases it, stops the loop and closes the client', async () => {
    const d = desk();
    assert.equal(fs.readdirSync(dir).length, 0, 'a connection used for code checks keeps no journal file');
    const j = d.journal();
    assert.equal(d.journal(), j, 'one journal, outbox, tracker and loop per desk');
    assert.ok(openJournals().includes(j.journal));
    const f = follow(d, 200, 1);
    await send(d);
    await f.finished;
    const client = d.client();
    d.close();
    const after = f.polls.length;
    assert.ok(!openJournals().includes(j.journal), 'the journal is released');
    assert.equal(d.state.kind, 'closed');
    assert.throws(() => d.client(), /закрыто|closed/);
    await assert.rejects(client.balance(), /ABORTED|прерван|aborted|закрыт|closed/i);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(f.polls.length, after, 'no poll after the desk closed');
  });

  it('tells its users a refused sign-in and bad settings; a user registering later is told at once', async () => {
    const told: Array<[string, DeskState['kind'], string?]> = [];
    const user = (id: string) => ({
      id,
      onDeskState: (s: DeskState) => told.push([id, s.kind, s.kind === 'failed' ? s.stage : undefined]),
    });
    const d = desk({ certPath: bed.fx.unregistered.certPath, keyPath: bed.fx.unregistered.keyPath });
    d.register(user('a'));
    d.register(user('b'));
    assert.deepEqual(told, [], 'nothing to tell before the first sign-in');
    await assert.rejects(d.client().balance(), /AUTH_FAILED|Авторизация/);
    assert.deepEqual(told, [
      ['a', 'failed', 'sign-in'],
      ['b', 'failed', 'sign-in'],
    ]);
    d.deregister(user('gone'));
    d.register(user('c'));
    assert.deepEqual(told.at(-1), ['c', 'failed', 'sign-in']);
    await assert.rejects(d.client().balance(), /AUTH_FAILED|Авторизация/);
    assert.equal(told.length, 3, 'the same failure again is not told again');
    const b = told.length;
    d.close();
    assert.deepEqual(
      told.slice(b).map((t) => t[1]),
      ['closed', 'closed', 'closed'],
    );

    const problem = validationError(
      [{ path: 'participantInn', code: 'INN', message_ru: 'неверный ИНН', message_en: 'bad INN' }],
      'config',
    );
    const bad = new CzDesk({ problem, stateDir: dir });
    desks.push(bad);
    const got: DeskState[] = [];
    bad.register({ id: 'x', onDeskState: (s) => got.push(s) });
    assert.equal(got[0]?.kind, 'failed');
    assert.throws(
      () => bad.client(),
      (e: unknown) => e === problem,
    );
    assert.throws(
      () => bad.journal(),
      (e: unknown) => e === problem,
    );
  });

  it('limits the documents sent at the same time to its concurrency', async () => {
    const d = desk({ concurrency: 2 });
    assert.equal(d.concurrency, 2);
    let active = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        d.slots.run(async () => {
          active++;
          most = Math.max(most, active);
          await new Promise((r) => setTimeout(r, 30));
          active--;
        }),
      ),
    );
    assert.equal(most, 2);
  });

  it('looks at a just-sent document when its processing is due, not at the followers’ interval', async () => {
    // processing takes 1.2 s; the followers accept a 30 s interval
    const d = desk({}, 500);
    const f = follow(d, 30000, 1);
    await new Promise((r) => setTimeout(r, 700)); // the start-up poll is over
    const t0 = Date.now();
    const id = await send(d);
    await Promise.race([
      f.finished,
      new Promise((_r, rej) => setTimeout(() => rej(new Error('no outcome within 5 s')), 5000)),
    ]);
    const took = Date.now() - t0;
    assert.equal(f.outcomes[0]?.entry.documentId, id);
    assert.ok(
      took < 4000,
      `the outcome came ${took} ms after the send (a fixed 30 s interval would wait 30 s)`,
    );
    f.off();
  });

  it('during a long burst of sends looks only when 20 documents per group wait (or the burst ends), not every interval', async () => {
    const d = desk({}, 300);
    const f = follow(d, 2000, 45);
    await new Promise((r) => setTimeout(r, 700));
    const lists = (): number => bed.emu.counters['doc/list'] ?? 0;
    const before = lists();
    const t0 = Date.now();
    for (let i = 0; i < 45; i++) {
      await send(d, true);
      await new Promise((r) => setTimeout(r, 60));
    }
    const burst = Date.now() - t0;
    const during = lists() - before;
    // looks at the followers' 2 s interval, or each pause longer than the 300 ms first look, would be
    // burst/2000 (6 here) or more
    assert.ok(during <= 3, `${during} doc/list requests during a ${burst} ms burst of 45 documents`);
    await f.finished;
    assert.ok(lists() - before <= 8, `${lists() - before} doc/list requests for 45 documents until final`);
    f.off();
  });

  it('backs off from the first look towards the interval; one poll covers every pending document', async () => {
    const d = desk({}, 150);
    const f = follow(d, 1200, 4);
    await new Promise((r) => setTimeout(r, 700));
    const asked = (): number => (bed.emu.counters['doc/list'] ?? 0) + (bed.emu.counters['doc/info'] ?? 0);
    const before = asked();
    f.polls.length = 0;
    const sentAt = Date.now();
    await Promise.all([send(d), send(d), send(d), send(d)]);
    await f.finished;
    assert.ok((f.polls[0] as number) - sentAt < 2000, 'the first look soon after the sends');
    const gaps = f.polls.slice(1).map((t, i) => t - (f.polls[i] as number));
    for (let i = 0; i < gaps.length; i++) {
      if (i > 0)
        assert.ok((gaps[i] as number) >= (gaps[i - 1] as number) - 100, `growing gaps: ${gaps.join(', ')}`);
      assert.ok((gaps[i] as number) <= 1200 + 400, `never longer than the interval: ${gaps.join(', ')}`);
    }
    const requests = asked() - before;
    // one doc/list a poll for the four documents together, never one request per document
    assert.ok(requests <= f.polls.length, `${requests} status requests for ${f.polls.length} polls`);
    assert.ok(f.polls.length <= 6, `${f.polls.length} polls until final: ${gaps.join(', ')}`);
    f.off();
  });
});
