/**
 * When an `onec-read` node in watch mode polls: its timer (the first poll as soon as every flow has
 * started, a second later at the latest, then every interval after the end of the previous one), the
 * polls of the timer and of input messages one at a time over the node's WatchSet, and a close that
 * stops sending at once and lets a poll in flight save its state.
 */
import { ZnakFlowError } from '../errors';
import { AckTracker, type Ack } from '../journal/ack';
import type { OnecClient } from './client';
import type { ResolvedLayout } from './presets';
import type { ResolvedDocument } from './resolve';
import type { ODataObject } from './schemas';
import { assertWatchable, DocumentWatcher, type PollResult } from './watch';
import { WatchSet } from './watch-set';

/** How the node's watchers are made (one per entity and layout, lib/onec/watch.ts). */
export interface WatchSettings {
  lookbackHours: number;
  since?: string;
  redeliverMinutes: number;
  /** the watch state file of `entity` */
  stateFile(entity: string): string;
  /** wait for confirmations of what is emitted (asked when a watcher is made: the flows have started) */
  confirm(): boolean;
  /** a watcher's warning (an unreadable state file) */
  warn(text: string): void;
}

export interface WatchLoopOptions {
  watch: WatchSettings;
  /** the connection's current client (throws when there is none) */
  client(): OnecClient;
  /** between the end of one timer poll and the start of the next; 0: polls on input only */
  intervalMs: number;
  /** the first timer poll at the latest this long after start (default 1 s) */
  firstDelayMs?: number;
  /** one poll of the timer (read the settings, poll, show it); its failure goes to onTimerError */
  tick(): Promise<void>;
  /** a timer poll failed (not while closing); `next`: when the next one will try again */
  onTimerError(err: unknown, next: Date): void;
}

export class WatchLoop {
  private closing = false;
  private timer: NodeJS.Timeout | undefined;
  private firstPoll: NodeJS.Timeout | undefined;
  private readonly acks = new AckTracker();
  readonly watchers: WatchSet;

  constructor(private readonly opts: WatchLoopOptions) {
    const w = opts.watch;
    this.watchers = new WatchSet((client, entity, layout) => {
      const watcher = new DocumentWatcher(client, {
        entity,
        layout,
        lookbackMinutes: Math.round(w.lookbackHours * 60),
        since: w.since || undefined,
        stateFile: w.stateFile(entity),
        confirm: w.confirm(),
        redeliverMinutes: w.redeliverMinutes,
      });
      for (const text of watcher.warnings) w.warn(text);
      return watcher;
    });
  }

  /** A confirmation of something emitted (lib/journal/ack.ts): the version is done once every part is. */
  ack(a: Ack): void {
    if (!this.acks.add(a)) return;
    for (const { watcher } of this.watchers.values()) watcher.ack(a.ref, a.dataVersion);
  }

  /** The node is closing: nothing more is sent. */
  get closed(): boolean {
    return this.closing;
  }

  /** The watcher of `entity` with `layout` on the connection's current client. */
  watcher(entity: string, layout: ResolvedLayout): DocumentWatcher {
    assertWatchable(entity);
    return this.watchers.get(this.opts.client(), entity, layout);
  }

  /** One poll, never two at a time (input messages and the timer queue up). */
  poll(
    entity: string,
    layout: ResolvedLayout,
    onDocument: (doc: ResolvedDocument) => void,
    onError: (err: ZnakFlowError, source: ODataObject) => void,
  ): Promise<PollResult> {
    return this.watchers.serial(() =>
      this.watcher(entity, layout).poll((doc) => {
        if (this.closing)
          throw new ZnakFlowError({ code: 'CLOSING', ru: 'узел остановлен', en: 'the node is stopping' });
        onDocument(doc);
      }, onError),
    );
  }

  /** Forget what was emitted for `entity` (msg.reset), in turn with the polls. */
  reset(entity: string, layout: ResolvedLayout): Promise<void> {
    return this.watchers.serial(() => this.watcher(entity, layout).reset());
  }

  /** Start the timer (with an interval); the first poll comes at `flowsStarted()` or a second later. */
  start(): void {
    if (this.opts.intervalMs <= 0) return;
    this.timer = this.firstPoll = setTimeout(() => void this.round(), this.opts.firstDelayMs ?? 1000);
  }

  /** Every flow has started (the nodes this one sends to exist): the first poll now. */
  flowsStarted(): void {
    if (!this.closing && this.firstPoll !== undefined && this.timer === this.firstPoll) {
      clearTimeout(this.firstPoll);
      this.timer = setTimeout(() => void this.round(), 0);
    }
  }

  /** Stop the timer; let a poll in flight save its state, never past `maxMs`. */
  async close(maxMs: number): Promise<void> {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.watchers.settle(maxMs);
  }

  private async round(): Promise<void> {
    this.timer = undefined;
    if (this.closing) return;
    try {
      await this.opts.tick();
    } catch (err) {
      if (!this.closing) this.opts.onTimerError(err, new Date(Date.now() + this.opts.intervalMs));
    }
    if (this.closing || this.opts.intervalMs <= 0) return;
    this.timer = setTimeout(() => void this.round(), this.opts.intervalMs);
  }
}
