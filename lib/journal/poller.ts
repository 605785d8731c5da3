/**
 * When to ask Честный ЗНАК about the pending documents of one journal: one polling loop per journal,
 * shared by every node that follows it (several cz-status nodes never poll twice for the same
 * documents), adapting to what is pending.
 *
 * A document is accepted for processing when `lk/documents/create` answers; its outcome comes
 * seconds to minutes later («Описание True API» v553 §3, §4.1). So a just-sent document is first
 * looked at `firstLookMs` (the expected processing time) after it was sent — after a burst of sends,
 * that of the last one: one doc/list read covers every pending document of a product group
 * (lib/journal/tracker.ts), so the whole burst costs one request per group; during a long burst a
 * look comes once 40 documents per group wait for it (or after a minute), which keeps the requests
 * per document until final near one (the create) however long the burst. A document still pending is looked at again at
 * growing gaps (the first re-look `firstLookMs` after the first look, then ×2 each look) up to the interval; two polls are never closer than `minGapMs`. With nothing sent and pending, the loop runs at the interval
 * (the followers' housekeeping: give-up, re-reports). After a failed poll the next one waits the
 * full interval (Честный ЗНАК away or refusing: no hammering).
 */
import type { JournalEntry } from './journal';
import type { Outcome } from './tracker';

/** documents per product group that pay for one look during a burst of sends */
const BURST_DOCS = 40;
/** the longest wait for a look during a burst of sends */
const BURST_CEILING_MS = 60000;

export interface PollSubscriber {
  /** the longest gap between two polls this follower accepts */
  intervalMs: number;
  onOutcomes(outcomes: Outcome[]): void;
  onError(err: unknown): void;
  /** after every poll that went through (or had nothing to ask), with what is still pending */
  onIdle?(pending: JournalEntry[]): void;
}

export interface PollerOptions {
  /** the pending entries (the journal's) */
  pending(): JournalEntry[];
  /** one round over them (StatusTracker.poll) */
  poll(pending: JournalEntry[]): Promise<Outcome[]>;
  /** expected processing time of a just-sent document: its first look comes this long after it was sent (default 2 s) */
  firstLookMs?: number;
  /** least time between the end of one poll and the start of the next (default: firstLookMs) */
  minGapMs?: number;
  /**
   * One look covers every pending document at a cost that does not grow with them or their groups
   * (the УПД: one walk over ЭДО Лайт's outgoing list). Then a document is first looked at when its
   * own processing is due, not when a burst of sends ends: during a burst a look at most every
   * 2 × `firstLookMs` for those due, and one when the newest is due; a look that comes before a
   * document is due (made for older ones) does not count as its first.
   */
  shared?: boolean;
  now?: () => number;
}

export class Poller {
  private readonly subs = new Set<PollSubscriber>();
  /** looks at each pending document so far, and when the last one was */
  private readonly looks = new Map<string, { count: number; at: number }>();
  private readonly firstLookMs: number;
  private readonly minGapMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private running: Promise<void> | undefined;
  private again = false;
  private lastPollAt = -Infinity;
  /** when the last poll with documents pending started (shared looks are paced from it) */
  private lastLookAt = -Infinity;
  /** the last poll that looked at documents for the first time without a burst paying for it */
  private lastFreshLookAt = -Infinity;
  private closed = false;
  /** polls started so far (for the figures and the tests) */
  polls = 0;

  constructor(private readonly opts: PollerOptions) {
    this.firstLookMs = Math.max(0, opts.firstLookMs ?? 2000);
    this.minGapMs = Math.max(0, opts.minGapMs ?? this.firstLookMs);
    this.now = opts.now ?? Date.now;
  }

  /** The shortest interval any follower asks for (Infinity with none). */
  get intervalMs(): number {
    return Math.min(...[...this.subs].map((s) => s.intervalMs));
  }

  subscribe(sub: PollSubscriber): () => void {
    this.subs.add(sub);
    // the first poll soon after a follower starts (outcomes reached before a restart, the summary)
    this.at(this.now() + Math.min(sub.intervalMs, 500));
    return () => {
      this.subs.delete(sub);
      if (this.subs.size === 0) this.clearTimer();
    };
  }

  /** A document was just sent: plan the look at it for when its processing is due. */
  sent(): void {
    if (this.running) return; // the next poll is planned when this one ends, with the new document
    const due = this.nextAt();
    if (due !== undefined) this.at(due, true);
  }

  /**
   * Poll within a second (a follower was asked about a document), coalesced with a poll running.
   * Not for a document just sent and not looked at yet: its first look comes when its processing
   * is due (planned here too, for a document another connection's desk sent into a shared journal),
   * an earlier one would find it still processing.
   */
  pollSoon(entry?: JournalEntry): void {
    if (this.subs.size === 0) return;
    if (entry && entry.state === 'sent' && entry.documentId && !this.looks.has(entry.key)) {
      const at = Date.parse(entry.sentAt ?? entry.createdAt);
      if (Number.isFinite(at) && at + this.firstLookMs > this.now()) {
        if (!this.running) {
          const due = this.nextAt();
          if (due !== undefined) this.at(due);
        }
        return;
      }
    }
    if (this.running) {
      this.again = true;
      return;
    }
    this.at(this.now() + Math.min(this.intervalMs, 1000));
  }

  /** When the next poll should start, from what is pending now; undefined with no follower. */
  nextAt(): number | undefined {
    if (this.closed || this.subs.size === 0) return undefined;
    const polled = Number.isFinite(this.lastPollAt);
    const last = polled ? this.lastPollAt : this.now();
    // Documents not looked at yet: the newest decides (a burst of sends is looked at once, when the
    // last one's processing is due); the others wait with them (one request per group for all).
    let newest = -Infinity;
    let oldest = Infinity;
    let fresh = 0;
    const groups = new Set<string>();
    let due = Infinity;
    for (const e of this.opts.pending()) {
      if (e.state !== 'sent' || !e.documentId) continue;
      const seen = this.looks.get(e.key);
      if (!seen) {
        const at = Date.parse(e.sentAt ?? e.createdAt);
        newest = Math.max(newest, Number.isFinite(at) ? at : this.now());
        oldest = Math.min(oldest, Number.isFinite(at) ? at : this.now());
        fresh++;
        groups.add(e.productGroup);
      } else due = Math.min(due, seen.at + this.firstLookMs * 2 ** (seen.count - 1));
    }
    let ceiling = last + this.intervalMs;
    if (fresh > 0 && this.opts.shared) {
      // A look costs about the same for one document as for all (a page of the list and a read per
      // product group): the oldest is looked at when it is due; during a burst those due are looked at
      // together at most every two processing times (each look settles twice as many, and a document
      // waits at most one processing time more than its own); the newest when it is due — and a paced
      // look it would follow within half a processing time waits for it (the end of a burst costs one
      // look, not two).
      const F = this.firstLookMs;
      const paced = Math.max(oldest + F, this.lastLookAt + 2 * F);
      due = Math.min(due, newest + F <= paced + F / 2 ? newest + F : paced);
    } else if (fresh > 0) {
      // During a long burst a look is paid for by the documents it covers: one when BURST_DOCS
      // documents per product group wait for it (≤ 1/BURST_DOCS requests a document), else when
      // the burst ends, and at least every BURST_CEILING_MS.
      // A pause in the sending is looked at when the last one's processing is due, but not sooner than
      // the interval after the previous first look (sending that trickles costs no more than a fixed
      // period; a document sent after a quiet time is looked at when due).
      const paid = fresh >= BURST_DOCS * groups.size;
      due = paid ? this.now() : Math.max(newest + this.firstLookMs, this.lastFreshLookAt + this.intervalMs);
      ceiling = last + Math.max(this.intervalMs, BURST_CEILING_MS);
    }
    const floor = polled ? this.lastPollAt + this.minGapMs : this.now();
    return Math.max(this.now(), Math.min(ceiling, Math.max(floor, due)));
  }

  /** Poll now (coalesced with a poll already running). */
  async pollNow(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.clearTimer();
    this.polls++;
    let failed = false;
    this.running = (async () => {
      try {
        const pending = this.opts.pending();
        if (pending.length > 0) {
          const at = this.now();
          this.lastLookAt = at;
          // a first look not paid for by a burst's documents: the next unpaid one waits the interval
          const fresh = pending.filter((e) => e.state === 'sent' && e.documentId && !this.looks.has(e.key));
          const groups = new Set(fresh.map((e) => e.productGroup)).size;
          if (fresh.length > 0 && fresh.length < BURST_DOCS * groups) this.lastFreshLookAt = at;
          const outcomes = await this.opts.poll(pending);
          for (const e of pending) {
            if (e.state !== 'sent' || !e.documentId) continue;
            const seen = this.looks.get(e.key);
            // shared looks: one before the document was due was made for others, not for it
            if (!seen && this.opts.shared && at < Date.parse(e.sentAt ?? e.createdAt) + this.firstLookMs)
              continue;
            this.looks.set(e.key, { count: (seen?.count ?? 0) + 1, at });
          }
          for (const s of this.subs) s.onOutcomes(outcomes);
        }
        const still = this.opts.pending();
        const keys = new Set(still.map((e) => e.key));
        for (const k of this.looks.keys()) if (!keys.has(k)) this.looks.delete(k);
        for (const s of this.subs) s.onIdle?.(still);
      } catch (err) {
        failed = true;
        for (const s of this.subs) s.onError(err);
      }
    })();
    await this.running;
    this.running = undefined;
    this.lastPollAt = this.now();
    if (this.closed || this.subs.size === 0) return;
    if (this.again) {
      this.again = false;
      this.at(this.now() + 50);
    } else if (failed) this.at(this.now() + this.intervalMs);
    else {
      const next = this.nextAt();
      if (next !== undefined) this.at(next, true);
    }
  }

  close(): void {
    this.closed = true;
    this.clearTimer();
    this.subs.clear();
    this.looks.clear();
  }

  /** Plan the next poll at `when`: earlier than planned, or (`replace`) instead of it. */
  private at(when: number, replace = false): void {
    if (this.closed || this.subs.size === 0) return;
    if (!replace && this.timer && this.timerAt <= when) return;
    this.clearTimer();
    this.timerAt = when;
    this.timer = setTimeout(() => void this.pollNow(), Math.max(0, when - this.now()));
  }

  private clearTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}
