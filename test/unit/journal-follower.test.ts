/**
 * lib/journal/follower.ts (DocumentFollower, what a cz-status node in documents mode runs) on a real
 * desk: the True API emulator over real HTTP, real GOST signatures, a real journal file in a temp
 * dir. Which output an outcome goes to, a held message released by its outcome, the give-up, and an
 * outcome awaiting onec-write's confirmation (handed out again until confirmed, then reported).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CzDesk } from '../../lib/cz/desk';
import { czConnectionSchema } from '../../lib/cz/settings';
import { DocumentFollower, type FollowerOptions } from '../../lib/journal/follower';
import { czOf, type FlowMessage } from '../../lib/message';
import { startBed, type CzBed } from '../support/cz';
import { requireGost } from '../support/gost';

type Out = Array<FlowMessage | null>;

describe('lib/journal/follower DocumentFollower (True API emulator, real journal file)', function () {
  this.timeout(60000);
  let bed: CzBed;
  let dir: string;
  const desks: CzDesk[] = [];
  const followers: DocumentFollower[] = [];

  before(async function () {
    await requireGost(this);
    bed = await startBed({ processingDelayMs: 600 });
  });
  after(async () => {
    await bed?.close();
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-follower-unit-'));
  });
  afterEach(() => {
    for (const f of followers.splice(0)) f.close();
    for (const d of desks.splice(0)) d.close();
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
      firstLookMs: 300,
      client: { retry: { baseMs: 20, maxMs: 200 } },
    });
    desks.push(d);
    return d;
  }

  /** A follower of `d`; `emitted` collects what it hands out outside an input. */
  function follower(d: CzDesk, opts: Partial<FollowerOptions> = {}) {
    const emitted: Out[] = [];
    const f = new DocumentFollower({
      desk: () => d,
      intervalMs: 200,
      giveUpMs: 60000,
      follow: false,
      confirming: () => false,
      tracker: { connection: 'conn-1', node: 'status-1' },
      emit: (out) => emitted.push(out),
      ...opts,
    });
    followers.push(f);
    f.start();
    return { f, emitted };
  }

  /** Hold `msg` in the follower; resolves with what it answered. */
  function ask(f: DocumentFollower, msg: FlowMessage): Promise<{ out: Out; err?: unknown }> {
    return new Promise((resolve) => {
      let out: Out = [];
      f.input(msg, { send: (o) => (out = o), done: (err) => resolve({ out, err }) });
    });
  }

  let seq = 0;
  /** Send a shipment through the desk's outbox; `bad`: with a code Честный ЗНАК does not know. */
  async function send(d: CzDesk, bad = false): Promise<{ id: string; key: string }> {
    const codes = bad
      ? ['0104600000000000215NOSUCHCODE']
      : bed.codes({ pg: 'lp', status: 'INTRODUCED', free: true }).slice(seq * 2, seq * 2 + 2);
    const n = `F-${++seq}-${Date.now()}`;
    const key = `ref-${n}|LP_SHIP_GOODS|lp|1`;
    const r = await d.journal().outbox.send({
      key,
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
    return { id: r.documentId ?? '', key };
  }

  const until = async (cond: () => boolean, ms = 15000): Promise<void> => {
    const t0 = Date.now();
    while (!cond()) {
      if (Date.now() - t0 > ms) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('holds a message until its document is final, then releases it on output 1 (accepted) or 2 (rejected)', async () => {
    const d = desk();
    const { f } = follower(d);
    const ok = await send(d);
    const bad = await send(d, true);
    const held = { payload: ok.id, topic: 'mine' };
    const t0 = Date.now();
    const [a, r] = await Promise.all([ask(f, held), ask(f, { cz: { documentId: bad.id } })]);
    assert.ok(Date.now() - t0 >= 300, 'held until the outcome, not answered at once');
    assert.equal(a.err, undefined);
    assert.equal(a.out[0], held, 'the held message itself goes out, on output 1');
    assert.equal(a.out[1], null);
    assert.equal(czOf(held).status, 'WAIT_ACCEPTANCE');
    assert.equal(czOf(held).key, ok.key);
    assert.equal(held.topic, 'mine');
    assert.equal(r.out[0], null);
    assert.equal(czOf(r.out[1] as FlowMessage).status, 'CHECKED_NOT_OK', 'a rejected document on output 2');
    assert.ok((czOf(r.out[1] as FlowMessage).errors ?? []).length > 0);
    // a document already final is answered at once, with the outcome from the journal
    const again = await ask(f, { payload: ok.id });
    assert.equal(czOf(again.out[0] as FlowMessage).status, 'WAIT_ACCEPTANCE');
    assert.ok(d.journal().journal.get(ok.key)?.reportedAt, 'handed to the flow (no onec-write): reported');
  });

  it('gives up on a held message after giveUpMs: output 3 with pending: true', async () => {
    const d = desk();
    const { f } = follower(d, { giveUpMs: 100 });
    const sent = await send(d);
    const msg: FlowMessage = { payload: sent.id };
    const { out } = await ask(f, msg);
    assert.equal(out[0], null);
    assert.equal(out[1], null);
    assert.equal(out[2], msg);
    assert.equal(czOf(msg).pending, true);
    assert.equal(czOf(msg).status, 'IN_PROGRESS');
  });

  it('follows the journal: an outcome nobody holds goes out rebuilt; with onec-write down the flow it awaits the confirmation, again until confirmed', async () => {
    const d = desk();
    const { f, emitted } = follower(d, { follow: true, confirming: (p) => p === 0, reReportMs: 400 });
    const sent = await send(d);
    await until(() => emitted.length >= 1);
    const first = emitted[0]?.[0] as FlowMessage;
    assert.equal(emitted[0]?.[1], null);
    assert.equal(czOf(first).key, sent.key);
    assert.equal(czOf(first).status, 'WAIT_ACCEPTANCE');
    assert.deepEqual(czOf(first).tracker, { connection: 'conn-1', node: 'status-1' }, 'who confirms to whom');
    assert.equal(first.topic, sent.key.split('|')[0]?.replace('ref-', ''), 'rebuilt from the journal entry');
    assert.equal(
      d.journal().journal.get(sent.key)?.reportedAt,
      undefined,
      'not reported before the confirmation',
    );
    // no confirmation (1C away): handed out again after reReportMs
    await until(() => emitted.length >= 2);
    assert.equal(czOf(emitted[1]?.[0] as FlowMessage).key, sent.key);
    f.confirmed(sent.key);
    assert.ok(d.journal().journal.get(sent.key)?.reportedAt, 'reported once confirmed');
    const n = emitted.length;
    await new Promise((r) => setTimeout(r, 900));
    assert.equal(emitted.length, n, 'a confirmed outcome is not handed out again');
  });
});
