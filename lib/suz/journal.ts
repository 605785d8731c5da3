/**
 * The СУЗ journal: what was ordered, which blocks of codes were received and handed on, and which
 * reports were sent — so that an order is paid once, no block is lost and every report goes once,
 * whatever crashes and lost answers happen in between (docs/suz.md).
 *
 * Same file format as the document journal (lib/journal/journal.ts, lib/store/jsonl.ts): one JSON
 * line per change holding the whole entry, flushed before the call returns; the last line of a key
 * wins; torn lines are skipped; compaction rewrites the live entries atomically.
 *
 * - order `order:<key>`: `ordering` (journalled *before* `POST order`) → `ordered` (orderId) →
 *   `closed`; `unknown` after a lost answer (looked up in order/list before anything is ordered
 *   again); `declined` (СУЗ refused it, final); `failed` (refused before anything was created).
 *   `fetching` marks a `GET codes` in flight: after a crash or a lost answer the blocks of the order
 *   are listed and the unknown ones journalled.
 * - block `block:<blockId>`: `fetched` (journalled before its codes are handed on) → `delivered`
 *   (its message left suz-order); a block still `fetched` after a crash is fetched again with
 *   `codes/retry`. A delivered block is *confirmed* when a report for it (`report:<kind>:block:<blockId>`,
 *   made by suz-report on the same station) is journalled final: a delivered block not confirmed is
 *   delivered again after a start when the flow has a confirming node (docs/suz.md «Подтверждение блоков»).
 * - report `report:<key>`: `sending` (before the POST) → `sent` (reportId) → `final`; `unknown`
 *   after a lost answer (looked up by the status of its codes before it is sent again).
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { JsonlFile } from '../store/jsonl';
import type { ReportKind } from './client';

export interface OrderLine {
  gtin: string;
  quantity: number;
  templateId: number;
  cisType?: string;
}

export interface OrderEntry {
  kind: 'order';
  key: string;
  state: 'ordering' | 'unknown' | 'ordered' | 'declined' | 'closed' | 'failed';
  productGroup: string;
  products: OrderLine[];
  /** our key as sent in `attributes.productionOrderId` (found again in order/list) */
  productionOrderId: string;
  /** when the last `POST order` started (ms) */
  startedAt?: number;
  orderId?: string;
  costKopecks?: number;
  /** a `GET codes` in flight */
  fetching?: { gtin: string; quantity: number; at: number };
  declineReason?: string;
  lastError?: string;
  source?: { ref?: string; dataVersion?: string; number?: string };
  /** who resumes it after a restart (the suz-order node's id) */
  owner?: string;
  createdAt: string;
  updatedAt: string;
}

export interface BlockEntry {
  kind: 'block';
  key: string;
  orderKey: string;
  orderId: string;
  gtin: string;
  blockId: string;
  count: number;
  state: 'fetched' | 'delivered';
  createdAt: string;
  updatedAt: string;
}

export interface ReportEntry {
  kind: 'report';
  key: string;
  reportKind: ReportKind;
  state: 'sending' | 'unknown' | 'sent' | 'final' | 'failed';
  productGroup?: string;
  codesCount: number;
  /** sha256 of the codes, to tell a different report sent under the same key */
  codesHash: string;
  /** a few normalised codes, looked up in True API after a lost answer */
  sample: string[];
  startedAt?: number;
  reportId?: string;
  status?: string;
  errorReason?: string;
  /** the outcome was inferred from the codes' status (the answer with the reportId was lost) */
  inferred?: boolean;
  /**
   * its outcome left by an output whose flow confirms it (cz-send once the introduction is journalled,
   * onec-write once it is written, `msg.suz.tracker`), and no confirmation has come yet: the block is not
   * handed on until it does (docs/suz.md «Подтверждение блоков»)
   */
  awaiting?: boolean;
  /** state `failed`: СУЗ refused the report itself (not a failure that passes, after which it is sent again) */
  refused?: boolean;
  lastError?: string;
  createdAt: string;
  updatedAt: string;
}

export type SuzEntry = OrderEntry | BlockEntry | ReportEntry;

type Patch<E> = Partial<Omit<E, 'key' | 'kind' | 'createdAt'>>;

/** A stable key of an order request: the 1C document ref + version, or a hash of the request. */
export function orderKey(
  input: { ref?: string; dataVersion?: string } | { request: unknown },
  part = 0,
): string {
  if ('request' in input) return `order:msg:${sha(canonical(input.request)).slice(0, 24)}`;
  if (!input.ref) throw new Error('orderKey: ref is required');
  return `order:${input.ref.toLowerCase()}:${input.dataVersion ?? ''}:${part}`;
}

export function reportKey(kind: ReportKind, id: string): string {
  return `report:${kind}:${id}`;
}

export function sha(s: string): string {
  return crypto.createHash('sha256').update(s).digest('hex');
}

/** JSON with sorted keys, so that one request always hashes the same. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export class SuzJournal {
  private readonly entries = new Map<string, SuzEntry>();
  private readonly log: JsonlFile;
  readonly skippedLines: number;

  constructor(
    readonly file: string,
    private readonly opts: { durable?: boolean; now?: () => Date; compactSlack?: number } = {},
  ) {
    this.log = new JsonlFile(path.resolve(file), opts.durable ?? true);
    const { records, skipped } = this.log.load();
    for (const r of records as SuzEntry[]) if (r && typeof r.key === 'string') this.entries.set(r.key, r);
    this.skippedLines = skipped;
    this.log.rewrite([...this.entries.values()]);
  }

  private now(): string {
    return (this.opts.now?.() ?? new Date()).toISOString();
  }

  get<E extends SuzEntry = SuzEntry>(key: string): E | undefined {
    return this.entries.get(key) as E | undefined;
  }

  all(): SuzEntry[] {
    return [...this.entries.values()];
  }

  orders(): OrderEntry[] {
    return this.all().filter((e): e is OrderEntry => e.kind === 'order');
  }

  blocksOf(orderKeyValue: string): BlockEntry[] {
    return this.all().filter((e): e is BlockEntry => e.kind === 'block' && e.orderKey === orderKeyValue);
  }

  reports(): ReportEntry[] {
    return this.all().filter((e): e is ReportEntry => e.kind === 'report');
  }

  /**
   * The block is confirmed: a report for it (id `block:<blockId>`, any kind) is journalled final or
   * refused by СУЗ — its outcome is known, whatever comes after it is keyed by the block id — and, when
   * that outcome went on to a confirming node (`awaiting`), the node has confirmed it. A report that
   * failed for a reason that passes (429, the station away) leaves its block unconfirmed: it comes again.
   */
  blockConfirmed(blockId: string): boolean {
    const tail = `:block:${blockId}`;
    return this.reports().some(
      (r) =>
        r.key.endsWith(tail) &&
        (r.state === 'final' || (r.state === 'failed' && r.refused === true)) &&
        r.awaiting !== true,
    );
  }

  /** The report's outcome awaits a confirmation from down the flow (true), or needs none (false). */
  markAwaiting(key: string, awaiting: boolean): void {
    const e = this.entries.get(key);
    if (e?.kind === 'report' && (e.awaiting === true) !== awaiting)
      this.update<ReportEntry>(key, { awaiting });
  }

  /** Delivered blocks not confirmed yet, of the orders `which` picks (e.g. one owner's), oldest first. */
  unconfirmedBlocks(which: (o: OrderEntry) => boolean = () => true): BlockEntry[] {
    const picked = new Set(
      this.orders()
        .filter(which)
        .map((o) => o.key),
    );
    return this.all().filter(
      (e): e is BlockEntry =>
        e.kind === 'block' &&
        e.state === 'delivered' &&
        picked.has(e.orderKey) &&
        !this.blockConfirmed(e.blockId),
    );
  }

  /** Record a new entry durably (before the call it stands for). */
  add<E extends SuzEntry>(e: Omit<E, 'createdAt' | 'updatedAt'>): E {
    const t = this.now();
    const full = { ...e, createdAt: t, updatedAt: t } as unknown as E;
    this.write(full);
    return full;
  }

  /** Change an entry durably; returns the new entry. */
  update<E extends SuzEntry>(key: string, patch: Patch<E>): E {
    const old = this.entries.get(key);
    if (!old) throw new Error(`suz journal: no entry ${key}`);
    const e = { ...old, ...patch, key, updatedAt: this.now() } as E;
    this.write(e);
    return e;
  }

  private write(e: SuzEntry): void {
    this.entries.set(e.key, e);
    this.log.append(e);
    if (this.log.lines > this.entries.size + (this.opts.compactSlack ?? 5000)) {
      this.log.rewrite([...this.entries.values()]);
    }
  }

  close(): void {
    this.log.close();
  }
}

/** The СУЗ journal file of one station, beside the document journals (lib/journal/journal.ts). */
export function suzJournalFile(stateDirectory: string, omsId: string): string {
  return path.join(stateDirectory, `suz-${omsId}.jsonl`);
}
