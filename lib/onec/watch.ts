/**
 * Watch mode: posted, not deletion-marked documents that are new or changed since the last poll
 * (⚠ our pattern: a window by document date, 1C guide §17.4 `$filter`; edits detected by `DataVersion`).
 *
 * - Each poll lists `Ref_Key, DataVersion, Date, Number` of the documents dated from
 *   `cursor − look-back` (light, paged with `$top`/`$skip`), then fetches only the new or changed
 *   ones in batches and resolves their references in batches.
 * - Each (Ref_Key, DataVersion) is emitted once: the emitted set is kept with the cursor in a JSON
 *   file written atomically after every batch, so restarts, redeploys and crashes (kill -9) do not
 *   lose or repeat more than the batch in flight (at-least-once: a crash between sending and
 *   saving re-emits that batch; the journal of cz-send recognises a version it already sent).
 * - The look-back window catches documents written late with an older date. The cursor is the
 *   start time of the last successful poll (this machine's wall clock, as 1C's naive dates are);
 *   keep the look-back larger than any clock/time-zone difference with the 1C server.
 * - A document that fails to resolve is retried on later polls, even once it falls out of the
 *   window, until it resolves or is no longer posted.
 * - The state stays bounded: entries older than the window are pruned, and at most `maxSeen` kept.
 */
import fs from 'node:fs';
import { readJson, writeJsonAtomic } from '../store/atomic';
import { ZnakFlowError } from '../errors';
import type { OnecClient } from './client';
import { readDocuments } from './documents';
import type { ResolvedLayout } from './presets';
import { naiveLocal, toNaiveDate, type Condition } from './query';
import type { ResolvedDocument } from './resolve';
import { documentHeaderSchema, type ODataObject } from './schemas';
import { zodIssuesToDetails } from '../validation';
import { z } from 'zod';

export interface WatchState {
  v: 1;
  entity: string;
  /** naive local start time of the last successful poll */
  cursor?: string;
  /**
   * emitted versions: Ref_Key → DataVersion, document date, when it was emitted (t) and whether a
   * node down the flow confirmed it (a: 1); see `confirm`
   */
  seen: Record<string, { dv: string; d: string; t?: string; a?: 1 }>;
  /** documents that failed to resolve: Ref_Key → document date */
  pending: Record<string, string>;
  updated?: string;
}

export interface WatchOptions {
  entity: string;
  layout: ResolvedLayout;
  /** minutes before the cursor to look again (default 4 320 = 3 days) */
  lookbackMinutes?: number;
  /** first poll: documents dated from this (default: now − look-back) */
  since?: string;
  /** where the state lives (no file: memory only) */
  stateFile?: string;
  /** documents fetched and resolved together (default 100) */
  batchSize?: number;
  /**
   * documents in the first batch of a poll (default 10): the first documents go down the flow while
   * the rest are read, instead of after the whole first hundred
   */
  firstBatchSize?: number;
  /** most emitted versions remembered (default 100 000) */
  maxSeen?: number;
  /** extra condition ANDed to the listing (e.g. one organisation) */
  filter?: Condition;
  /**
   * Delivery until confirmed: a version counts as delivered only once a node further down (cz-send
   * when the journal has it, onec-write when it wrote the outcome) acknowledges it (`ack`). Versions
   * not acknowledged are emitted again on the first poll after a restart or redeploy, and after
   * `redeliverMinutes`. Without it each version is emitted once (at most once).
   */
  confirm?: boolean;
  /** emit an unconfirmed version again after this long (default 10 minutes) */
  redeliverMinutes?: number;
  /** clock, for tests */
  now?: () => Date;
}

export interface PollResult {
  /** documents in the window */
  listed: number;
  /** new or changed versions found */
  changed: number;
  emitted: number;
  failed: number;
  /** start of the window (naive local) */
  from: string;
  cursor: string;
}

function emptyState(entity: string): WatchState {
  return { v: 1, entity, seen: {}, pending: {} };
}

function minusMinutes(naive: string, minutes: number): string {
  const t = new Date(`${naive}Z`).getTime() - minutes * 60000;
  return new Date(t).toISOString().slice(0, 19);
}

export class DocumentWatcher {
  private st: WatchState;
  private readonly lookback: number;
  private readonly batchSize: number;
  private readonly firstBatchSize: number;
  private readonly maxSeen: number;
  private readonly now: () => Date;
  /** problems met while loading the state (reported once by the node) */
  readonly warnings: string[] = [];
  private firstPoll = true;
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: OnecClient,
    private readonly opts: WatchOptions,
  ) {
    this.lookback = opts.lookbackMinutes ?? 4320;
    this.batchSize = opts.batchSize ?? 100;
    this.firstBatchSize = Math.max(1, Math.min(this.batchSize, opts.firstBatchSize ?? 10));
    this.maxSeen = opts.maxSeen ?? 100000;
    this.now = opts.now ?? (() => new Date());
    this.st = this.load();
  }

  get state(): WatchState {
    return this.st;
  }

  private load(): WatchState {
    const file = this.opts.stateFile;
    if (!file) return emptyState(this.opts.entity);
    let raw: unknown;
    try {
      raw = readJson(file);
    } catch (err) {
      // A corrupt file (it cannot be torn by our writes, but disks fail): keep it aside, start over.
      try {
        fs.renameSync(file, `${file}.corrupt-${Date.now()}`);
      } catch {
        /* nothing more to do */
      }
      this.warnings.push(`watch state ${file} unreadable (${(err as Error).message}); starting over`);
      return emptyState(this.opts.entity);
    }
    const s = raw as Partial<WatchState> | undefined;
    if (!s || s.v !== 1 || s.entity !== this.opts.entity || typeof s.seen !== 'object' || !s.seen) {
      return emptyState(this.opts.entity);
    }
    return {
      v: 1,
      entity: s.entity,
      cursor: s.cursor,
      seen: s.seen,
      pending: s.pending ?? {},
      updated: s.updated,
    };
  }

  private save(): void {
    this.st.updated = new Date().toISOString();
    if (this.opts.stateFile) writeJsonAtomic(this.opts.stateFile, this.st);
  }

  /** Forget the cursor and every emitted version (the next poll starts over). */
  reset(): void {
    this.st = emptyState(this.opts.entity);
    this.save();
  }

  /** Has this version been emitted already (and, with `confirm`, is it not due again)? */
  emitted(ref: string, dataVersion: string): boolean {
    const e = this.st.seen[ref.toLowerCase()];
    if (!e || e.dv !== dataVersion) return false;
    if (!this.opts.confirm || e.a) return true;
    if (this.firstPoll) return false;
    const redeliverMs = (this.opts.redeliverMinutes ?? 10) * 60000;
    return !e.t || this.now().getTime() - Date.parse(e.t) < redeliverMs;
  }

  /** A node down the flow confirms this version; saved soon (a lost confirmation only means a repeat). */
  ack(ref: string, dataVersion: string): boolean {
    const e = this.st.seen[ref.toLowerCase()];
    if (!e || e.dv !== dataVersion || e.a) return false;
    e.a = 1;
    if (!this.saveTimer) {
      this.saveTimer = setTimeout(() => {
        this.saveTimer = undefined;
        this.save();
      }, 1000);
      this.saveTimer.unref();
    }
    return true;
  }

  /** Versions emitted and not confirmed yet. */
  unconfirmed(): number {
    return Object.values(this.st.seen).filter((e) => !e.a).length;
  }

  /** Write pending confirmations now (on close). */
  flush(): void {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
      this.save();
    }
  }

  /**
   * One poll. `onDocument` is called for each new or changed document in (Date, Ref_Key) order;
   * `onError` for each document that could not be resolved. Network and 1C errors of the listing
   * itself reject the promise (the cursor does not move).
   */
  async poll(
    onDocument: (doc: ResolvedDocument) => void | Promise<void>,
    onError: (err: ZnakFlowError, source: ODataObject) => void | Promise<void>,
  ): Promise<PollResult> {
    const started = naiveLocal(this.now());
    let from: string;
    if (this.st.cursor) from = minusMinutes(this.st.cursor, this.lookback);
    else if (this.opts.since) from = toNaiveDate(this.opts.since, 'since');
    else from = minusMinutes(started, this.lookback);
    const listFrom = Object.values(this.st.pending).reduce((m, d) => (d < m ? d : m), from);

    const conditions: Condition[] = [
      { field: 'Date', op: 'ge', value: listFrom, type: 'datetime' },
      { field: 'Posted', op: 'eq', value: true, type: 'boolean' },
      { field: 'DeletionMark', op: 'eq', value: false, type: 'boolean' },
    ];
    if (this.opts.filter) conditions.push(this.opts.filter);
    const rows = await this.client.listAll(this.opts.entity, {
      filter: { and: conditions },
      select: ['Ref_Key', 'DataVersion', 'Date', 'Number', 'Posted', 'DeletionMark'],
      orderby: [{ field: 'Date' }, { field: 'Ref_Key' }],
    });
    const checked = z.array(documentHeaderSchema).safeParse(rows);
    if (!checked.success) {
      throw new ZnakFlowError({
        code: 'ONEC_BAD_RESPONSE',
        source: '1c',
        details: zodIssuesToDetails(checked.error, this.opts.entity),
        ru: `1С вернула документы неожиданной формы (${this.opts.entity})`,
        en: `1C answered documents of an unexpected shape (${this.opts.entity})`,
      });
    }
    const headers: ODataObject[] = checked.data;
    const listed = new Set(headers.map((h) => String(h['Ref_Key']).toLowerCase()));
    const changed = headers.filter((h) => !this.emitted(String(h['Ref_Key']), String(h['DataVersion'])));
    let emitted = 0;
    let failed = 0;
    for (let i = 0; i < changed.length;) {
      const size = i === 0 ? this.firstBatchSize : this.batchSize;
      const batch = changed.slice(i, i + size);
      i += size;
      const refs = batch.map((h) => String(h['Ref_Key']).toLowerCase());
      const outcomes = await readDocuments(this.client, this.opts.entity, refs, this.opts.layout);
      for (const o of outcomes) {
        const src = o.ok ? o.doc.payload : o.source;
        const ref = String(src['Ref_Key']).toLowerCase();
        // Changed between the listing and the fetch: only a posted, unmarked version goes on.
        if (src['Posted'] !== true || src['DeletionMark'] === true) {
          delete this.st.pending[ref];
          continue;
        }
        if (o.ok) {
          if (this.emitted(ref, String(src['DataVersion']))) continue;
          // Recorded before it leaves: an acknowledgement may come back while onDocument runs.
          this.st.seen[ref] = {
            dv: String(src['DataVersion']),
            d: String(src['Date']).slice(0, 19),
            t: this.now().toISOString(),
          };
          try {
            await onDocument(o.doc);
          } catch (err) {
            delete this.st.seen[ref];
            throw err;
          }
          delete this.st.pending[ref];
          emitted++;
        } else {
          this.st.pending[ref] = String(src['Date']).slice(0, 19);
          failed++;
          await onError(o.error, src);
        }
      }
      this.save();
    }
    // Pending documents no longer listed (unposted, deleted, dated away) are dropped.
    for (const ref of Object.keys(this.st.pending)) if (!listed.has(ref)) delete this.st.pending[ref];
    if (!this.st.cursor || started > this.st.cursor) this.st.cursor = started;
    this.firstPoll = false;
    this.prune(from);
    this.save();
    return {
      listed: headers.length,
      changed: changed.length,
      emitted,
      failed,
      from: listFrom,
      cursor: this.st.cursor,
    };
  }

  private prune(from: string): void {
    const next = minusMinutes(this.st.cursor ?? from, this.lookback);
    const floor = next < from ? next : from;
    for (const [ref, e] of Object.entries(this.st.seen)) if (e.d < floor) delete this.st.seen[ref];
    const entries = Object.entries(this.st.seen);
    if (entries.length > this.maxSeen) {
      entries.sort((a, b) => (a[1].d < b[1].d ? -1 : a[1].d > b[1].d ? 1 : 0));
      for (const [ref] of entries.slice(0, entries.length - this.maxSeen)) delete this.st.seen[ref];
    }
  }
}

/** Guard for callers: the watch needs a document entity with a date. */
export function assertWatchable(entity: string): void {
  if (!entity.startsWith('Document_')) {
    throw new ZnakFlowError({
      code: 'ONEC_NOT_A_DOCUMENT',
      field: 'entity',
      source: 'config',
      ru: `отслеживать изменения можно только у документов (Document_…), а не «${entity}»`,
      en: `only documents (Document_…) can be watched, not "${entity}"`,
    });
  }
}
