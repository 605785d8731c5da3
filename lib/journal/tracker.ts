/**
 * Follows sent documents until a final status, sharing requests: one doc/list read (newest first,
 * stopping as soon as every pending document of the group is seen) covers all pending documents of
 * a product group; doc/{id}/info is asked only for rejected documents without error texts in the
 * list, and for documents the list does not show yet.
 */
import { isAccepted, isRejected, type Journal, type JournalEntry } from './journal';
import type { ListedDocument } from './outbox';

export interface TrackerApi {
  /** doc/list for one product group, newest first, page by page until `enough(seenSoFar)` says stop. */
  list(
    filter: { productGroup: string; dateFrom: string; dateTo: string },
    enough: (seen: ListedDocument[]) => boolean,
  ): Promise<ListedDocument[]>;
  info(id: string, productGroup: string): Promise<{ status?: string; errors?: string[] | null } | undefined>;
}

export interface Outcome {
  entry: JournalEntry;
  status: string;
  errors: string[];
  accepted: boolean;
}

export interface TrackerOptions {
  /** ask doc/{id}/info for a document the list has not shown this long after it was sent */
  infoAfterMs?: number;
  /** PROCESSING_ERROR counts as final only after this many polls (it may be transient) */
  processingErrorPolls?: number;
  now?: () => Date;
}

export class StatusTracker {
  private readonly processingSeen = new Map<string, number>();
  private readonly infoAfterMs: number;
  private readonly processingErrorPolls: number;
  private readonly now: () => Date;

  constructor(
    private readonly journal: Journal,
    private readonly api: TrackerApi,
    opts: TrackerOptions = {},
  ) {
    this.infoAfterMs = opts.infoAfterMs ?? 30000;
    this.processingErrorPolls = opts.processingErrorPolls ?? 3;
    this.now = opts.now ?? (() => new Date());
  }

  /** One round over the given pending entries (default: every pending entry of the journal). */
  async poll(entries: JournalEntry[] = this.journal.pending()): Promise<Outcome[]> {
    const byGroup = new Map<string, JournalEntry[]>();
    for (const e of entries) {
      if (e.state !== 'sent' || !e.documentId) continue;
      const g = byGroup.get(e.productGroup) ?? [];
      g.push(e);
      byGroup.set(e.productGroup, g);
    }
    const outcomes: Outcome[] = [];
    for (const [pg, group] of byGroup) {
      outcomes.push(...(await this.pollGroup(pg, group)));
    }
    return outcomes;
  }

  private async pollGroup(pg: string, group: JournalEntry[]): Promise<Outcome[]> {
    const now = this.now().getTime();
    const earliest = Math.min(
      ...group.map((e) =>
        Math.min(Date.parse(e.sentAt ?? e.createdAt), e.source.date ? Date.parse(e.source.date) : now),
      ),
    );
    const wanted = new Set(group.map((e) => e.documentId as string));
    const listed = await this.api.list(
      {
        productGroup: pg,
        dateFrom: new Date((Number.isFinite(earliest) ? earliest : now) - 86400000).toISOString(),
        dateTo: new Date(now + 86400000).toISOString(),
      },
      (seen) => {
        let found = 0;
        for (const d of seen) if (wanted.has(d.number)) found++;
        return found >= wanted.size;
      },
    );
    const seen = new Map<string, ListedDocument>();
    for (const d of listed) if (wanted.has(d.number)) seen.set(d.number, d);
    const out: Outcome[] = [];
    const finals: Array<{ key: string; status: string; errors: string[] }> = [];
    for (const e of group) {
      const id = e.documentId as string;
      let status = seen.get(id)?.status;
      let errors = seen.get(id)?.errors ?? undefined;
      if (!status && now - Date.parse(e.sentAt ?? e.createdAt) >= this.infoAfterMs) {
        const info = await this.api.info(id, pg);
        status = info?.status;
        errors = info?.errors ?? undefined;
      }
      if (!status) continue;
      if (status === 'PROCESSING_ERROR') {
        const n = (this.processingSeen.get(id) ?? 0) + 1;
        this.processingSeen.set(id, n);
        if (n < this.processingErrorPolls) continue;
      }
      if (!isAccepted(status) && !isRejected(status)) continue;
      if (isRejected(status) && (!errors || errors.length === 0)) {
        const info = await this.api.info(id, pg);
        errors = info?.errors ?? [];
      }
      this.processingSeen.delete(id);
      finals.push({ key: e.key, status, errors: errors ?? [] });
    }
    // every outcome of this poll reaches the disk with one flush (group commit), then goes out
    this.journal.batch(() => {
      for (const f of finals) {
        const entry = this.journal.update(f.key, {
          state: 'final',
          status: f.status,
          errors: f.errors,
          finalAt: this.now().toISOString(),
        });
        out.push({ entry, status: f.status, errors: f.errors, accepted: isAccepted(f.status) });
      }
    });
    return out;
  }
}
