/**
 * lib/journal/poller.ts with shared looks (the УПД journal: one look at every pending document costs
 * one list call): a document is first looked at when its own processing is due — during a burst of
 * sends a look at most every 2 × `firstLookMs`, then one when the newest is due — and a look made before a document
 * was due does not count as its first. Beside it the same burst without shared looks (True API
 * journal: a look costs a read per product group), where a pause waits for the interval.
 */
import assert from 'node:assert/strict';
import { Poller } from '../../lib/journal/poller';
import type { JournalEntry } from '../../lib/journal/journal';

function entry(i: number, sentAt: number): JournalEntry {
  const at = new Date(sentAt).toISOString();
  return {
    key: `k${i}`,
    type: 'UPD',
    productGroup: 'lp',
    part: 1,
    parts: 1,
    source: { ref: `r${i}`, dataVersion: 'v1' },
    state: 'sent',
    documentId: `d${i}`,
    createdAt: at,
    updatedAt: at,
    sentAt: at,
  } as JournalEntry;
}

describe('poller: shared looks follow each document when it is due', () => {
  const T0 = Date.parse('2026-12-02T10:00:00Z');
  let now = T0;
  const pollers: Poller[] = [];
  afterEach(() => {
    for (const p of pollers.splice(0)) p.close();
  });

  /** 21 documents sent 100 ms apart from T0; a look finds final those sent 100 ms or more before it − 3 s. */
  function burst(shared: boolean): { poller: Poller; pending: JournalEntry[]; polled: number[] } {
    now = T0;
    const pending = Array.from({ length: 21 }, (_, i) => entry(i, T0 + i * 100));
    const polled: number[] = [];
    const poller = new Poller({
      pending: () => pending,
      async poll() {
        polled.push(now - T0);
        for (let i = pending.length - 1; i >= 0; i--) {
          const e = pending[i] as JournalEntry;
          if (Date.parse(e.sentAt as string) + 3000 <= now) pending.splice(i, 1);
        }
        return [];
      },
      firstLookMs: 3000,
      minGapMs: 500,
      shared,
      now: () => now,
    });
    pollers.push(poller);
    poller.subscribe({ intervalMs: 10000, onOutcomes: () => undefined, onError: () => undefined });
    return { poller, pending, polled };
  }

  it('looks when the oldest is due, then when the newest is: not at the interval', async () => {
    const { poller, pending, polled } = burst(true);
    now = T0 + 2000;
    assert.equal(poller.nextAt(), T0 + 3000, 'the oldest is due 3 s after it was sent');
    now = T0 + 3000;
    await poller.pollNow();
    assert.equal(pending.length, 20, 'the first one was final');
    // the 20 left were looked at before they were due: that look is not their first
    assert.equal(poller.nextAt(), T0 + 2000 + 3000, 'the newest (sent at 2 s) when it is due');
    now = T0 + 5000;
    await poller.pollNow();
    assert.deepEqual(polled, [3000, 5000]);
    assert.equal(pending.length, 0);
  });

  /** The burst looked at once at 3 s, and five more documents sent 3.1–3.5 s. */
  async function longBurst(shared: boolean): Promise<Poller> {
    const { poller, pending } = burst(shared);
    now = T0 + 3000;
    await poller.pollNow();
    pending.push(...Array.from({ length: 5 }, (_, i) => entry(100 + i, T0 + 3100 + i * 100)));
    now = T0 + 3500;
    return poller;
  }

  it('a burst that goes on after a look: the newest when due, since the paced look would come later', async () => {
    const poller = await longBurst(true);
    // paced: 2 × 3 s after the look at 3 s (9 s); the newest (3.5 s) is due at 6.5 s
    assert.equal(poller.nextAt(), T0 + 3500 + 3000);
  });

  /**
   * Sends every 100 ms for 12 s, each final 2.8 s after it was sent; the poller run as a timer would
   * run it. Shared looks: the oldest when due (3 s), then paced at 2 × 3 s (9 s), then the newest when
   * due (14.9 s) — three looks for 120 documents (there were five at a look every 3 s: 3, 6, 9, 12,
   * 14.9), and no document waits for its first look more than 3 processing times (one sent just after
   * the cut of a look waits for the next, 2 × firstLookMs later).
   */
  it('a long burst: looked at every two processing times, the end once; none waits more than 3 × firstLookMs', async () => {
    now = T0;
    const sent = Array.from({ length: 120 }, (_, i) => entry(i, T0 + i * 100));
    const pending: JournalEntry[] = [];
    const firstLook = new Map<string, number>();
    const looks: number[] = [];
    const poller = new Poller({
      pending: () => pending,
      async poll(p) {
        looks.push(now - T0);
        for (const e of p) {
          const at = Date.parse(e.sentAt as string);
          if (at + 3000 <= now && !firstLook.has(e.key)) firstLook.set(e.key, now - at);
        }
        for (let i = pending.length - 1; i >= 0; i--) {
          if (Date.parse((pending[i] as JournalEntry).sentAt as string) + 2800 <= now) pending.splice(i, 1);
        }
        return [];
      },
      firstLookMs: 3000,
      minGapMs: 500,
      shared: true,
      now: () => now,
    });
    pollers.push(poller);
    poller.subscribe({ intervalMs: 10000, onOutcomes: () => undefined, onError: () => undefined });
    for (let t = 0; t <= 30000; t += 50) {
      now = T0 + t;
      while (sent.length > 0 && Date.parse(sent[0]?.sentAt as string) <= now) {
        pending.push(sent.shift() as JournalEntry);
        poller.sent();
      }
      const next = poller.nextAt();
      if (pending.length > 0 && next !== undefined && next <= now) await poller.pollNow();
    }
    assert.equal(pending.length, 0, 'every document final');
    assert.deepEqual(looks, [3000, 9000, 14900]);
    assert.ok(Math.max(...firstLook.values()) <= 9000, `longest wait ${Math.max(...firstLook.values())} ms`);
  });

  it('without shared looks the same burst waits for the interval after the first look', async () => {
    const poller = await longBurst(false);
    assert.equal(poller.nextAt(), T0 + 3000 + 10000);
  });

  it('a follower asked about a document just sent does not bring its look forward; about another, within a second', async function () {
    this.timeout(10000);
    for (const shared of [false, true]) {
      const pending: JournalEntry[] = [];
      const poller = new Poller({ pending: () => pending, poll: async () => [], firstLookMs: 3000, shared });
      pollers.push(poller);
      poller.subscribe({ intervalMs: 10000, onOutcomes: () => undefined, onError: () => undefined });
      await new Promise((r) => setTimeout(r, 700));
      const before = poller.polls; // the first poll after subscribing (500 ms), with nothing sent
      const e = entry(1, Date.now());
      pending.push(e);
      poller.sent();
      poller.pollSoon(e);
      await new Promise((r) => setTimeout(r, 1300));
      assert.equal(poller.polls, before, `shared ${shared}: no look before the document is due`);
      poller.pollSoon();
      await new Promise((r) => setTimeout(r, 1300));
      assert.equal(
        poller.polls,
        before + 1,
        `shared ${shared}: asked without a document, polled within a second`,
      );
    }
  });
});
