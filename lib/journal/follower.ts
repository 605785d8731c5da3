/**
 * Following sent documents to their outcome for one cz-status node (documents mode): the messages
 * held until their document is final, the outcomes handed to the flow and awaiting onec-write's
 * confirmation (lib/journal/ack.ts), the give-up timers, which output an outcome goes to, and the
 * message rebuilt from the journal for an outcome nobody holds. The polling itself is the desk's
 * (lib/journal/poller.ts, one loop per journal shared by every follower); documents that are not in
 * the journal (sent elsewhere) are asked one by one with doc/{id}/info («Описание True API» v553 §4.1).
 *
 * Outputs: 0 accepted, 1 rejected, 2 still pending when the follower gave up waiting.
 */
import { ZnakFlowError } from '../errors';
import type { CzDesk, DeskJournal } from '../cz/desk';
import type { PollSubscriber } from './poller';
import { czOf, setOnec, withCz, type FlowMessage } from '../message';
import { isAccepted, REJECTED_STATUSES, type JournalEntry } from './journal';

/** What a held message answers with (Node-RED's send and done of its input). */
export interface Reply<M extends FlowMessage = FlowMessage> {
  send(out: Array<M | null>): void;
  done(err?: unknown): void;
}

/** The journal a follower follows and its polling loop (default: the desk's True API journal). */
export interface FollowedJournal {
  journal: DeskJournal['journal'];
  poller: Pick<DeskJournal['poller'], 'pollSoon'>;
  follow(sub: PollSubscriber): () => void;
}

export interface FollowerOptions<M extends FlowMessage = FlowMessage> {
  /** the connection's desk (throws NO_CONNECTION when there is none) */
  desk(): CzDesk;
  /** another journal of the desk to follow (edo-status: the УПД journal, lib/edo/desk.ts) */
  journal?(): FollowedJournal;
  /** ask Честный ЗНАК about documents that are not in the journal (default true); false: refuse them */
  external?: boolean;
  /** add to an outcome's message (edo-status: msg.edo) */
  decorate?(msg: M, entry: JournalEntry): void;
  /** the longest gap between two polls, and between two asks about documents sent elsewhere */
  intervalMs: number;
  /** a held message (or a pending journal entry) goes to output 3 after this long */
  giveUpMs: number;
  /** also hand out outcomes of documents nobody asked about (sent by cz-send, before a restart) */
  follow: boolean;
  /** is an onec-write down the flow on this output? Then an outcome waits for its confirmation */
  confirming(port: number): boolean;
  /** who onec-write confirms to (msg.cz.tracker): this node through its connection */
  tracker: { connection: string; node: string };
  /** hand a message to the flow outside any input (node.send) */
  emit(out: Array<M | null>): void;
  /** a poll went through: an earlier outage is over */
  onRecovered?(): void;
  /** a poll failed; `waiting`: documents waiting for their outcome */
  onError?(err: unknown, waiting: number): void;
  /** the summary changed */
  onChange?(): void;
  /** an outcome whose write into 1C is not confirmed is handed out again after this long (10 min) */
  reReportMs?: number;
  now?: () => number;
}

interface Held<M extends FlowMessage> {
  msg: M;
  reply: Reply<M>;
  since: number;
  productGroup: string;
  /** not in the journal: followed with doc/{id}/info */
  external: boolean;
}

export class DocumentFollower<M extends FlowMessage = FlowMessage> {
  private readonly held = new Map<string, Held<M>>();
  private readonly gaveUp = new Set<string>();
  /** outcomes handed out and not confirmed yet: journal key → when */
  private readonly unconfirmed = new Map<string, number>();
  private services: FollowedJournal | undefined;
  private unsubscribe: (() => void) | undefined;
  private offChange: (() => void) | undefined;
  private externalTimer: NodeJS.Timeout | undefined;
  private restartReported = false;
  private readonly now: () => number;

  constructor(private readonly opts: FollowerOptions<M>) {
    this.now = opts.now ?? Date.now;
  }

  /** Open the desk's journal and follow it; throws when the connection has none (bad settings). */
  start(): void {
    const services = this.journal();
    this.unsubscribe = services.follow({
      intervalMs: this.opts.intervalMs,
      onOutcomes: () => {
        // Outcomes are reported from the journal's change events (below), whichever node's
        // tracker found them: several connections of one participant share one journal.
        this.opts.onRecovered?.();
        this.opts.onChange?.();
      },
      onError: (err) => this.opts.onError?.(err, this.waiting()),
      onIdle: () => {
        // a poll went through (or there was nothing to ask): an earlier outage is over
        this.opts.onRecovered?.();
        // Outcomes reached before a restart but never handed to the flow (or never confirmed in
        // 1C): after the first poll, when every node of the flow is started and can receive them.
        if (this.opts.follow && !this.restartReported && this.services) {
          this.restartReported = true;
          for (const e of this.services.journal.all()) {
            if (e.state === 'final' && !e.reportedAt) this.report(e);
          }
        }
        this.giveUp();
        this.reReport();
        this.opts.onChange?.();
      },
    });
    this.offChange = services.journal.onChange((e) => {
      if (e.state !== 'final' || !e.documentId) return;
      if (this.held.has(e.documentId) || (this.opts.follow && !e.reportedAt)) this.report(e);
    });
    this.tick();
  }

  /** What the node shows: documents waiting, outcomes so far; undefined before the journal is open. */
  summary(): { busy: boolean; waiting: number; accepted: number; rejected: number } | undefined {
    if (!this.services) return undefined;
    const s = this.services.journal.summary();
    return {
      busy: this.held.size > 0 || s.pending > 0,
      waiting: this.held.size + (this.opts.follow ? s.pending : 0),
      accepted: s.accepted,
      rejected: s.rejected,
    };
  }

  /**
   * A message asking about a document (msg.cz.documentId, or a string payload): answered at once
   * when its outcome is known, else held until it is (or until the give-up). Throws NO_DOCUMENT_ID.
   */
  input(msg: M, reply: Reply<M>): void {
    const services = this.journal();
    const cz = czOf(msg);
    const id =
      typeof cz.documentId === 'string' ? cz.documentId : typeof msg.payload === 'string' ? msg.payload : '';
    if (!id) {
      throw new ZnakFlowError({
        code: 'NO_DOCUMENT_ID',
        field: 'msg.cz.documentId',
        ru: 'нет идентификатора документа (msg.cz.documentId или строка в msg.payload)',
        en: 'no document id (msg.cz.documentId, or a string in msg.payload)',
        source: 'input',
      });
    }
    const entry = services.journal.byDocumentId(id);
    if (!entry && this.opts.external === false) {
      throw new ZnakFlowError({
        code: 'DOCUMENT_UNKNOWN',
        field: 'msg.cz.documentId',
        ru: `документа ${id} нет в журнале этого подключения: следить можно только за отправленными через него`,
        en: `document ${id} is not in this connection's journal: only documents sent through it can be followed`,
        source: 'input',
      });
    }
    if (entry?.state === 'final') {
      const port = DocumentFollower.port(entry);
      const m = this.outcomeMsg(entry, msg);
      this.handedOut(entry, m, port);
      reply.send(DocumentFollower.on(port, m));
      reply.done();
      return;
    }
    const pg = String(
      cz.productGroup ?? entry?.productGroup ?? this.opts.desk().settings?.productGroup ?? '',
    );
    this.held.set(id, { msg, reply, since: this.now(), productGroup: pg, external: !entry });
    services.poller.pollSoon(entry);
    this.opts.onChange?.();
  }

  /** onec-write confirmed it wrote the outcome of `key` into 1C: reported for good. */
  confirmed(key: string): void {
    this.unconfirmed.delete(key);
    const e = this.services?.journal.get(key);
    if (e && e.state === 'final' && !e.reportedAt) {
      this.services?.journal.update(key, { reportedAt: new Date().toISOString() });
    }
  }

  /** Stop following; held messages are dropped (the node is closing). */
  close(): void {
    clearTimeout(this.externalTimer);
    this.unsubscribe?.();
    this.offChange?.();
    this.services = undefined;
    this.held.clear();
  }

  /** The output of a final entry: 0 accepted, 1 rejected. */
  static port(entry: JournalEntry): number {
    return isAccepted(entry.status) ? 0 : 1;
  }

  /** `msg` on output `port` of three. */
  static on<T>(port: number, msg: T): Array<T | null> {
    const out: Array<T | null> = [null, null, null];
    out[port] = msg;
    return out;
  }

  private journal(): FollowedJournal {
    if (this.services) return this.services;
    if (this.opts.journal) this.services = this.opts.journal();
    else {
      const desk = this.opts.desk();
      const j = desk.journal();
      this.services = { journal: j.journal, poller: j.poller, follow: (sub) => desk.follow(sub) };
    }
    return this.services;
  }

  private waiting(): number {
    const s = this.services?.journal.summary();
    return this.held.size + (this.opts.follow && s ? s.pending : 0);
  }

  /** The message for an outcome: the held one, or one rebuilt from the journal entry. */
  private outcomeMsg(entry: JournalEntry, base?: M): M {
    const msg =
      base ??
      (setOnec(
        {
          topic: entry.source.number ?? entry.key,
          payload: { documentId: entry.documentId, status: entry.status, errors: entry.errors ?? [] },
        },
        { ...entry.source },
      ) as M);
    withCz(msg, {
      type: entry.type,
      productGroup: entry.productGroup,
      key: entry.key,
      part: entry.part,
      parts: entry.parts,
      documentId: entry.documentId,
      sentAt: entry.sentAt,
      status: entry.status,
      errors: entry.errors ?? [],
      ...(entry.total !== undefined && czOf(msg).total === undefined ? { total: entry.total } : {}),
    });
    this.opts.decorate?.(msg, entry);
    return msg;
  }

  /** Mark an outcome handed to the flow on `port`: reported now, or when onec-write confirms. */
  private handedOut(entry: JournalEntry, msg: M, port: number): void {
    const journal = this.services?.journal;
    if (this.opts.confirming(port)) {
      // who confirms to whom: this node, through its connection's desk (lib/journal/ack.ts)
      withCz(msg, { tracker: { ...this.opts.tracker } });
      this.unconfirmed.set(entry.key, this.now());
    } else if (journal?.get(entry.key) && !journal.get(entry.key)?.reportedAt) {
      journal.update(entry.key, { reportedAt: new Date().toISOString() });
    }
  }

  private report(entry: JournalEntry): void {
    const id = entry.documentId ?? '';
    const h = this.held.get(id);
    // Another cz-status node may have reported it a moment ago (the journal is shared).
    const current = this.services?.journal.get(entry.key) ?? entry;
    const port = DocumentFollower.port(entry);
    if (h) {
      this.held.delete(id);
      const msg = this.outcomeMsg(entry, h.msg);
      this.handedOut(current, msg, port);
      h.reply.send(DocumentFollower.on(port, msg));
      h.reply.done();
    } else if (this.opts.follow && !current.reportedAt && !this.unconfirmed.has(current.key)) {
      const msg = this.outcomeMsg(current);
      this.handedOut(current, msg, port);
      this.opts.emit(DocumentFollower.on(port, msg));
    }
  }

  /** Outcomes handed to onec-write long ago and never confirmed (1C was away, say): again. */
  private reReport(): void {
    const now = this.now();
    for (const [key, at] of this.unconfirmed) {
      if (now - at < (this.opts.reReportMs ?? 10 * 60000)) continue;
      this.unconfirmed.delete(key);
      const e = this.services?.journal.get(key);
      if (e && e.state === 'final' && !e.reportedAt) this.report(e);
    }
  }

  private giveUp(): void {
    const now = this.now();
    for (const [id, h] of this.held) {
      if (now - h.since >= this.opts.giveUpMs) {
        this.held.delete(id);
        withCz(h.msg, { status: czOf(h.msg).status ?? 'IN_PROGRESS', pending: true });
        h.reply.send([null, null, h.msg]);
        h.reply.done();
      }
    }
    if (!this.opts.follow || !this.services) return;
    for (const e of this.services.journal.pending()) {
      if (!e.documentId || this.gaveUp.has(e.documentId) || this.held.has(e.documentId)) continue;
      if (now - Date.parse(e.sentAt ?? e.createdAt) >= this.opts.giveUpMs) {
        this.gaveUp.add(e.documentId);
        const msg = this.outcomeMsg(e);
        withCz(msg, { pending: true });
        this.opts.emit([null, null, msg]);
      }
    }
  }

  /** Documents that are not in the journal (sent elsewhere): asked one by one. */
  private async pollExternal(): Promise<void> {
    const ext = [...this.held].filter(([, h]) => h.external);
    if (ext.length === 0) return;
    const client = this.opts.desk().client();
    for (const [id, h] of ext) {
      try {
        const info = await client.documentInfo(id, { pg: h.productGroup, waitVisibleMs: 0 });
        const st = info.status;
        const accepted = isAccepted(st);
        if (accepted || (REJECTED_STATUSES as readonly string[]).includes(st)) {
          this.held.delete(id);
          withCz(h.msg, { documentId: id, status: st, errors: info.errors ?? [], info });
          h.reply.send(DocumentFollower.on(accepted ? 0 : 1, h.msg));
          h.reply.done();
        }
      } catch (err) {
        if (!(err instanceof ZnakFlowError && err.status === 404)) {
          this.held.delete(id);
          h.reply.done(err);
        }
      }
    }
  }

  private tick(): void {
    this.externalTimer = setTimeout(() => {
      void this.pollExternal().finally(() => {
        this.giveUp();
        if (this.services) this.tick();
      });
    }, this.opts.intervalMs);
  }
}
