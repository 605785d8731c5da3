/**
 * The journal: the durable outbox of `cz-send` and the memory of `cz-status`.
 *
 * For every ЧЗ document made from a 1C document version (key = Ref_Key : DataVersion : type :
 * productGroup : part) it records the state
 *   received → sending → sent (document id, time) → final (status, errors)
 * plus `unknown` (the POST may or may not have reached Честный ЗНАК: crash or timeout after it was
 * started; the entry is reconciled against Честный ЗНАК before anything is sent again) and `failed`
 * (Честный ЗНАК refused the request itself, nothing was received; may be sent again).
 *
 * Storage: a JSON-lines file in Node-RED's user directory. Every change appends the whole entry and
 * is flushed to disk (fdatasync) before the call returns — or, for changes made together inside
 * `batch()`, once for all of them before `batch()` returns (group commit: a poll that finds 50
 * outcomes syncs once, not 50 times) — so `cz-send` can write the entry before it
 * calls Честный ЗНАК and a crash — kill -9 included — loses nothing that was acknowledged. A torn last
 * line (crash in the middle of a write) is ignored on load. The file is compacted (atomic rewrite of
 * the live entries) when it grows, and final entries older than the horizon are pruned then.
 *
 * Why a file and not a Node-RED context store: a default Node-RED keeps context in memory only, so
 * it cannot hold what must survive a crash; a file in the user directory works on every install.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import type { OnecSource } from '../message';
import { JsonlFile } from '../store/jsonl';

export type JournalState = 'received' | 'sending' | 'sent' | 'unknown' | 'failed' | 'final';

/** What the journal keeps of `msg.onec` (lib/message.ts). */
export type JournalSource = OnecSource;

export interface JournalEntry {
  key: string;
  state: JournalState;
  type: string;
  productGroup: string;
  part: number;
  parts: number;
  /** how many ЧЗ documents the 1C version became (product groups × parts), when known */
  total?: number;
  source: JournalSource;
  /** sha256 of the exact bytes that are (or were) signed and sent */
  bodyHash?: string;
  /** what identifies the document inside Честный ЗНАК besides its id: its number and a few codes */
  docNumber?: string;
  codesSample?: string[];
  codesCount?: number;
  /** a УПД's `ИдФайл` (lib/edo/outbox.ts: the operator's idempotency key, journalled before the upload) */
  fileId?: string;
  documentId?: string;
  sentAt?: string;
  status?: string;
  errors?: string[];
  finalAt?: string;
  /**
   * when the final outcome was handed to the flow (cz-status output) — or, when an onec-write is
   * down the flow, when it confirmed that the outcome is in 1C
   */
  reportedAt?: string;
  attempts: number;
  lastError?: string;
  createdAt: string;
  updatedAt: string;
}

export type NewEntry = Pick<JournalEntry, 'key' | 'type' | 'productGroup' | 'part' | 'parts' | 'source'> &
  Partial<Pick<JournalEntry, 'bodyHash' | 'docNumber' | 'codesSample' | 'codesCount' | 'total' | 'fileId'>>;

export interface JournalSummary {
  total: number;
  pending: number;
  sent: number;
  accepted: number;
  rejected: number;
  failed: number;
  unknown: number;
}

/** Statuses after which nothing more happens to a document («Описание True API», statuses dictionary). */
export const ACCEPTED_STATUSES = [
  'CHECKED_OK',
  'WAIT_ACCEPTANCE',
  'ACCEPTED',
  'WAIT_PARTICIPANT_REGISTRATION',
] as const;
export const REJECTED_STATUSES = ['CHECKED_NOT_OK', 'PARSE_ERROR', 'CANCELLED', 'PROCESSING_ERROR'] as const;
/**
 * Final statuses of an outgoing УПД that are not an acceptance (lib/edo/outbox.ts `UPD_STATUS`, the
 * table of docs/edo.md «Following»): not accepted by ГИС МТ or an operator error, refused (or
 * withdrawn) in EDO, annulled. Its acceptance is `ACCEPTED`, already among ACCEPTED_STATUSES.
 */
export const EDO_REJECTED_STATUSES = ['REJECTED', 'REFUSED', 'ANNULLED'] as const;

export function isAccepted(status: string | undefined): boolean {
  return (ACCEPTED_STATUSES as readonly string[]).includes(status ?? '');
}
export function isRejected(status: string | undefined): boolean {
  return (
    (REJECTED_STATUSES as readonly string[]).includes(status ?? '') ||
    (EDO_REJECTED_STATUSES as readonly string[]).includes(status ?? '')
  );
}

export interface JournalOptions {
  /** who this journal is for, shown in the admin views (e.g. the participant INN and the stand) */
  participantInn?: string;
  stand?: string;
  /** final entries older than this are pruned at compaction (default 30 days) */
  horizonMs?: number;
  /** compact when the file holds this many more lines than live entries (default 5000) */
  compactSlack?: number;
  /** flush every write to disk (default true; only tests of the file format turn it off) */
  durable?: boolean;
  now?: () => Date;
}

export function journalKey(
  source: Pick<JournalSource, 'ref' | 'dataVersion'>,
  type: string,
  productGroup: string,
  part: number,
): string {
  return `${source.ref}:${source.dataVersion}:${type}:${productGroup}:${part}`;
}

/**
 * What stays the same across the 1C versions of one ЧЗ document: the 1C Ref_Key, the type, the product
 * group and the part. Undefined for documents sent without a 1C version (a key given by the flow).
 */
export function docIdentity(
  e: Pick<JournalEntry, 'type' | 'productGroup' | 'part' | 'source'>,
): string | undefined {
  if (!e.source.ref || !e.source.dataVersion) return undefined;
  return `${e.source.ref.toLowerCase()}:${e.type}:${e.productGroup}:${e.part}`;
}

export function sha256(data: Buffer | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

const open = new Map<string, Journal>();

/** Every journal open in this process (the deployed connections'), for the admin views. */
export function openJournals(): Journal[] {
  return [...open.values()];
}

export class Journal {
  private readonly entries = new Map<string, JournalEntry>();
  private readonly byId = new Map<string, string>();
  /** keys of every version of one 1C document's ЧЗ document (see `docIdentity`) */
  private readonly byDoc = new Map<string, Set<string>>();
  private readonly log: JsonlFile;
  /** depth of `batch()` calls, and whether lines were written since the last flush */
  private batchDepth = 0;
  private unsynced = false;
  private refs = 0;
  private readonly horizonMs: number;
  private readonly compactSlack: number;
  private readonly durable: boolean;
  private readonly now: () => Date;
  private readonly listeners = new Set<(e: JournalEntry) => void>();
  /** how many torn or unreadable lines were skipped on load (a crash mid-write leaves at most one) */
  readonly skippedLines: number = 0;
  participantInn?: string;
  stand?: string;

  /** One instance per file within the process; `release()` when done. */
  static open(file: string, opts: JournalOptions = {}): Journal {
    const abs = path.resolve(file);
    let j = open.get(abs);
    if (!j) {
      j = new Journal(abs, opts);
      open.set(abs, j);
    }
    j.participantInn ??= opts.participantInn;
    j.stand ??= opts.stand;
    j.refs++;
    return j;
  }

  private constructor(
    readonly file: string,
    opts: JournalOptions,
  ) {
    this.horizonMs = opts.horizonMs ?? 30 * 86400000;
    this.compactSlack = opts.compactSlack ?? 5000;
    this.durable = opts.durable ?? true;
    this.now = opts.now ?? (() => new Date());
    this.log = new JsonlFile(file, this.durable);
    this.skippedLines = this.load();
    this.compact();
  }

  private load(): number {
    const { records, skipped } = this.log.load();
    let bad = 0;
    for (const e of records as JournalEntry[]) {
      if (e && typeof e.key === 'string') this.put(e);
      else bad++;
    }
    return skipped + bad;
  }

  private put(e: JournalEntry): void {
    const old = this.entries.get(e.key);
    if (old?.documentId && old.documentId !== e.documentId) this.byId.delete(old.documentId);
    this.entries.set(e.key, e);
    if (e.documentId) this.byId.set(e.documentId, e.key);
    const d = docIdentity(e);
    if (d) {
      let keys = this.byDoc.get(d);
      if (!keys) {
        keys = new Set();
        this.byDoc.set(d, keys);
      }
      keys.add(e.key);
    }
  }

  private drop(e: JournalEntry): void {
    this.entries.delete(e.key);
    if (e.documentId) this.byId.delete(e.documentId);
    const d = docIdentity(e);
    const keys = d ? this.byDoc.get(d) : undefined;
    if (keys && d) {
      keys.delete(e.key);
      if (keys.size === 0) this.byDoc.delete(d);
    }
  }

  private append(e: JournalEntry): void {
    this.log.append(e, this.batchDepth === 0);
    if (this.batchDepth > 0) this.unsynced = true;
    if (this.log.lines > this.entries.size + this.compactSlack) this.compact();
  }

  /** Rewrite the file with the live entries only (atomically), pruning old final entries. */
  compact(): void {
    const cutoff = this.now().getTime() - this.horizonMs;
    for (const e of [...this.entries.values()]) {
      if (e.state === 'final' && Date.parse(e.finalAt ?? e.updatedAt) < cutoff) this.drop(e);
    }
    this.log.rewrite([...this.entries.values()]);
  }

  get(key: string): JournalEntry | undefined {
    return this.entries.get(key);
  }

  /**
   * Make several changes durable together: inside `fn`, `add` and `update` write their lines at
   * once but flush them to disk with one fdatasync when the outermost `batch` returns (or throws).
   * Nothing is acknowledged inside `fn`, so nothing acknowledged can be lost.
   */
  batch<T>(fn: () => T): T {
    this.batchDepth++;
    try {
      return fn();
    } finally {
      this.batchDepth--;
      if (this.batchDepth === 0 && this.unsynced) {
        this.unsynced = false;
        // after a compaction the lines are in the new file, already synced (fd closed)
        this.log.sync();
      }
    }
  }

  byDocumentId(id: string): JournalEntry | undefined {
    const k = this.byId.get(id);
    return k ? this.entries.get(k) : undefined;
  }

  /**
   * The entries of the other 1C versions of the same ЧЗ document (same 1C Ref_Key, type, product
   * group and part, another DataVersion): what an edited 1C document was sent as before.
   */
  otherVersions(e: Pick<JournalEntry, 'key' | 'type' | 'productGroup' | 'part' | 'source'>): JournalEntry[] {
    const d = docIdentity(e);
    if (!d) return [];
    const out: JournalEntry[] = [];
    for (const k of this.byDoc.get(d) ?? []) {
      const x = this.entries.get(k);
      if (x && k !== e.key && x.source.dataVersion !== e.source.dataVersion) out.push(x);
    }
    return out;
  }

  all(): JournalEntry[] {
    return [...this.entries.values()];
  }

  /** Entries with a document id and no final status yet. */
  pending(): JournalEntry[] {
    return this.all().filter((e) => e.state === 'sent');
  }

  /** Entries whose outcome is unknown (interrupted send): to be reconciled before anything is re-sent. */
  unresolved(): JournalEntry[] {
    return this.all().filter((e) => e.state === 'sending' || e.state === 'unknown');
  }

  /** Record a new document (state `received`). Returns the existing entry if the key is known. */
  add(n: NewEntry): { entry: JournalEntry; created: boolean } {
    const existing = this.entries.get(n.key);
    if (existing) return { entry: existing, created: false };
    const t = this.now().toISOString();
    const e: JournalEntry = { ...n, state: 'received', attempts: 0, createdAt: t, updatedAt: t };
    this.put(e);
    this.append(e);
    this.emit(e);
    return { entry: e, created: true };
  }

  /** Change an entry durably; returns the new entry. */
  update(key: string, patch: Partial<Omit<JournalEntry, 'key' | 'createdAt'>>): JournalEntry {
    const old = this.entries.get(key);
    if (!old) throw new Error(`journal: no entry ${key}`);
    const e: JournalEntry = { ...old, ...patch, key, updatedAt: this.now().toISOString() };
    this.put(e);
    this.append(e);
    this.emit(e);
    return e;
  }

  summary(): JournalSummary {
    const s: JournalSummary = {
      total: 0,
      pending: 0,
      sent: 0,
      accepted: 0,
      rejected: 0,
      failed: 0,
      unknown: 0,
    };
    for (const e of this.entries.values()) {
      s.total++;
      if (e.documentId) s.sent++;
      if (e.state === 'final') {
        if (isRejected(e.status)) s.rejected++;
        else s.accepted++;
      } else if (e.state === 'failed') s.failed++;
      else if (e.state === 'sending' || e.state === 'unknown') s.unknown++;
      else s.pending++;
    }
    return s;
  }

  /** Be told of every change (status summaries, the editor's sidebar). */
  onChange(fn: (e: JournalEntry) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: JournalEntry): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch {
        // a listener's failure must not break the journal
      }
    }
  }

  /** Give back a reference from `open`; the file is closed when the last holder releases it. */
  release(): void {
    this.refs = Math.max(0, this.refs - 1);
    if (this.refs === 0) {
      this.log.close();
      this.listeners.clear();
      open.delete(this.file);
    }
  }
}

/** The journal file of one participant on one stand, so that re-creating a config node keeps it. */
export function journalFile(stateDirectory: string, baseUrl: string, participantInn: string): string {
  const stand = sha256(baseUrl).slice(0, 10);
  return path.join(stateDirectory, `journal-${participantInn}-${stand}.jsonl`);
}

export type StatusGroup = 'all' | 'pending' | 'accepted' | 'rejected' | 'failed' | 'unknown';

export function statusGroup(e: JournalEntry): Exclude<StatusGroup, 'all'> {
  if (e.state === 'final') return isRejected(e.status) ? 'rejected' : 'accepted';
  if (e.state === 'failed') return 'failed';
  if (e.state === 'sending' || e.state === 'unknown') return 'unknown';
  return 'pending';
}

export interface JournalViewFilter {
  group?: StatusGroup;
  /** matched against the 1C number, the document id, the 1C ref and the errors */
  q?: string;
  limit?: number;
}

/** Recent entries, newest first, filtered for the admin views. */
export function journalView(j: Journal, f: JournalViewFilter = {}): JournalEntry[] {
  const q = (f.q ?? '').trim().toLowerCase();
  const group = f.group ?? 'all';
  return j
    .all()
    .filter((e) => group === 'all' || statusGroup(e) === group)
    .filter(
      (e) =>
        !q ||
        [e.source.number, e.documentId, e.source.ref, e.key, ...(e.errors ?? [])].some((v) =>
          (v ?? '').toLowerCase().includes(q),
        ),
    )
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
    .slice(0, Math.max(1, Math.min(f.limit ?? 200, 1000)));
}
