/**
 * The ЭДО Лайт side of one Честный ЗНАК participant (docs/edo.md «The desk service»): held by the
 * participant's desk (lib/cz/desk.ts, `desk.service('edo', …)`) and shared by every edo-send and
 * edo-status node of the connection. It owns
 *
 * - the `EdoClient` (base from `edoBaseUrl(settings)`, API form `settings.edoApi`, the True API token
 *   of the connection's `CzClient`: ЭДО Лайт API documentation, «Аутентификация»);
 * - the УПД journal (lib/edo/outbox.ts), one file per participant and ЭДО Лайт stand under the
 *   desk's state directory, and the `UpdOutbox` that sends exactly once through it;
 * - the `UpdFollower` (lib/edo/follow.ts) with one polling loop per journal (lib/journal/poller.ts:
 *   a just-sent УПД is looked at when its delivery is due, then at growing gaps);
 * - the count of the 1 000 outgoing documents a year of the ЭДО Лайт API (lib/edo/quota.ts) with its
 *   warning, and the sidebar summary (`DeskServiceSummary`): the УПД with their EDO and ГИС МТ states.
 */
import path from 'node:path';
import { ZnakFlowError } from '../errors';
import type { CzDesk, DeskService, DeskServiceSummary } from '../cz/desk';
import type { CzConnection } from '../cz/connection';
import { Journal, sha256, type JournalEntry } from '../journal/journal';
import { Poller, type PollSubscriber } from '../journal/poller';
import type { Outcome } from '../journal/tracker';
import { EDO_LITE_ANNUAL_OUTGOING_LIMIT, EDO_STATUS, EdoClient, edoBaseUrl } from './client';
import type { FollowResult } from './follow';
import { UpdFollower } from './follow';
import { UPD_STATUS, UPD_TYPE, UpdOutbox, type OutgoingUpd, type UpdSendResult } from './outbox';
import { annualOutgoing, type AnnualOutgoing } from './quota';
import type { RetryPolicy } from '../retry';
import { baseUrl } from '../cz/settings';
import { journalApi } from '../cz/journal-api';

export const EDO_SERVICE_KEY = 'edo';

export interface EdoDeskOptions {
  /**
   * expected time from the upload to the outcome: the first look (default 3 s — ЭДО Лайт delivers
   * within a second, a buyer that signs by robot answers within seconds and ГИС МТ processes in
   * seconds; a person takes longer and is looked at again at growing gaps up to the poll interval)
   */
  firstLookMs?: number;
  /** least time between two polls (default 0.5 s: a look costs one list call for every pending УПД) */
  minGapMs?: number;
  /** the yearly limit (default 1 000) and the count from which the warning shows (default 90 %) */
  limit?: number;
  warnAt?: number;
  /** how often the operator's count of the year's outgoing documents is read again (default 10 min) */
  operatorCountMs?: number;
  /** client retries (tests) */
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
}

/** What the last look found of a УПД (kept in memory: the journal keeps the classified status). */
interface Seen {
  edoStatus?: number;
  gis?: string;
}

/** The journal file of the УПД of one participant on one ЭДО Лайт stand. */
export function updJournalFile(stateDir: string, edoBase: string, api: string, inn: string): string {
  return path.join(stateDir, `edo-${inn}-${sha256(`${api} ${edoBase}`).slice(0, 10)}.jsonl`);
}

/** The ГИС МТ side of a journal status, when the last look is not known (after a restart). */
function gisOf(status: string | undefined): string {
  if (status === UPD_STATUS.accepted) return 'SUCCESS';
  if (status === UPD_STATUS.rejected) return 'FAILED';
  if (status === UPD_STATUS.signed) return 'IN_PROGRESS';
  return '';
}

export class EdoService implements DeskService {
  readonly edo: EdoClient;
  readonly journal: Journal;
  readonly outbox: UpdOutbox;
  readonly follower: UpdFollower;
  readonly poller: Poller;
  readonly participantInn: string;
  private readonly seen = new Map<string, Seen>();
  private readonly ids = new Map<string, Promise<string>>();
  private lastQuota?: AnnualOutgoing;
  private operatorCount?: { at: number; count: number };
  private recovering?: Promise<void>;
  private closed = false;

  constructor(
    desk: CzDesk,
    conn: CzConnection,
    private readonly opts: EdoDeskOptions = {},
  ) {
    const s = desk.settings;
    if (!s) throw new Error('edoDesk: the desk has no settings');
    this.participantInn = s.participantInn;
    const base = edoBaseUrl(s);
    this.edo = new EdoClient({
      baseUrl: base,
      api: s.edoApi,
      tokens: conn.client,
      // `v1` lives on the ЭДО Лайт host: the True API host (edo/inn, tpr/ud) is the connection's
      trueApiUrl: baseUrl(s),
      timeoutMs: opts.timeoutMs ?? s.timeout,
      ...(opts.retry ? { retry: opts.retry } : {}),
    });
    this.journal = Journal.open(updJournalFile(desk.stateDir, base, s.edoApi, s.participantInn), {
      participantInn: s.participantInn,
      stand: `ЭДО Лайт ${base}`,
      horizonMs: desk.horizonMs,
      compactSlack: desk.compactSlack,
    });
    this.outbox = new UpdOutbox(this.journal, {
      sign: (b) => conn.signer.sign(b, 'detached', { purpose: 'document' }),
      upload: (r) => this.edo.uploadSellerTitle(r),
    });
    this.follower = new UpdFollower(this.journal, this.edo, {
      onLook: (look) => this.remember(look),
      // ГИС МТ's doc/list (documentFormat=UPD) through the connection's True API client
      udList: journalApi(conn.client).read,
      participantInn: s.participantInn,
    });
    this.poller = new Poller({
      pending: () => this.follower.pending(),
      poll: () => this.pollOnce(),
      firstLookMs: opts.firstLookMs ?? 3000,
      minGapMs: opts.minGapMs ?? 500,
      // one look at every pending УПД is one walk over the outgoing list (+ doc/list per group)
      shared: true,
    });
    // uploads interrupted before a restart (a lost answer, a crash): the same bytes again
    if (this.outbox.interrupted().length > 0) this.recovering = this.recover();
    void this.quota().catch(() => undefined);
  }

  /** Upload the interrupted entries again (once; errors stay on the entries). */
  async recover(): Promise<void> {
    try {
      await this.outbox.recover();
    } catch {
      // the entry keeps its state and error: the next send of its key, or the next start, tries again
    }
  }

  /** The EDO id of a participant (`2LT-…`), asked once per INN while the service lives. */
  edoId(inn: string): Promise<string> {
    let p = this.ids.get(inn);
    if (!p) {
      p = this.edo.participant(inn).then((r) => r.id);
      this.ids.set(inn, p);
      // a failed look-up is asked again next time
      p.catch(() => this.ids.delete(inn));
    }
    return p;
  }

  /**
   * Send one УПД exactly once (UpdOutbox.send). A new УПД is refused when the year's limit of the
   * ЭДО Лайт API is used up (`EDO_QUOTA_EXHAUSTED`); a repeat of a journalled one never is.
   */
  async send(doc: OutgoingUpd): Promise<UpdSendResult> {
    if (this.closed) throw closedError();
    await this.recovering;
    if (!this.journal.get(doc.key)) {
      const q = this.lastQuota;
      if (q?.exhausted) {
        throw new ZnakFlowError({
          code: 'EDO_QUOTA_EXHAUSTED',
          ru: `${q.message?.ru ?? 'исчерпан лимит ЭДО Лайт API'}: УПД не отправлен (нужен коммерческий оператор ЭДО или отправка из личного кабинета)`,
          en: `${q.message?.en ?? 'the ЭДО Лайт API limit is used up'}: the УПД was not sent (a commercial EDO operator or the personal account is needed)`,
          source: 'edo',
        });
      }
    }
    const r = await this.outbox.send(doc);
    if (!r.fromJournal) {
      this.seen.set(r.entry.key, { edoStatus: 1 });
      this.poller.sent();
      void this.quota().catch(() => undefined);
    }
    return r;
  }

  /** Follow the pending УПД (the poller's loop; several followers share it). */
  follow(sub: PollSubscriber): () => void {
    return this.poller.subscribe(sub);
  }

  /** The УПД entries of the journal. */
  entries(): JournalEntry[] {
    return this.journal.all().filter((e) => e.type === UPD_TYPE);
  }

  /** What the last look found of an entry: the EDO status code and ГИС МТ's state. */
  lastSeen(key: string): { edoStatus?: number; gis?: string } {
    return { ...this.seen.get(key) };
  }

  /** The year's count of outgoing documents (the operator's count read again every few minutes). */
  async quota(): Promise<AnnualOutgoing> {
    const now = Date.now();
    const stale = !this.operatorCount || now - this.operatorCount.at >= (this.opts.operatorCountMs ?? 600000);
    const cached = this.operatorCount?.count;
    const q = await annualOutgoing({
      journal: this.journal,
      ...(stale
        ? {
            edo: {
              countOutgoing: async (from: number, to: number) => {
                const n = await this.edo.countOutgoing(from, to);
                this.operatorCount = { at: Date.now(), count: n };
                return n;
              },
            },
          }
        : cached !== undefined
          ? { edo: { countOutgoing: async () => cached + this.sentSince(this.operatorCount?.at ?? now) } }
          : {}),
      limit: this.opts.limit,
      warnAt: this.opts.warnAt,
    });
    this.lastQuota = q;
    return q;
  }

  /** УПД the operator answered since `at` (ms): not yet in its count read then. */
  private sentSince(at: number): number {
    return this.entries().filter((e) => e.documentId && Date.parse(e.sentAt ?? '') > at).length;
  }

  /** The last count (undefined before the first one ended). */
  get quotaNow(): AnnualOutgoing | undefined {
    return this.lastQuota;
  }

  summary(): DeskServiceSummary {
    const entries = this.entries().sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    const q = this.lastQuota;
    const limit = q?.limit ?? this.opts.limit ?? EDO_LITE_ANNUAL_OUTGOING_LIMIT;
    const used = q?.used ?? entries.filter((e) => e.documentId).length;
    const counts = { pending: 0, accepted: 0, rejected: 0, failed: 0 };
    for (const e of entries) {
      if (e.state === 'final') {
        if (e.status === UPD_STATUS.accepted) counts.accepted++;
        else counts.rejected++;
      } else if (e.state === 'failed') counts.failed++;
      else counts.pending++;
    }
    const rows = entries.slice(0, 200).map((e) => {
      const seen = this.seen.get(e.key) ?? {};
      const words = seen.edoStatus !== undefined ? EDO_STATUS[seen.edoStatus] : undefined;
      return {
        number: e.docNumber ?? e.source.number ?? '',
        date: e.source.date ?? '',
        productGroup: e.productGroup,
        fileId: e.fileId ?? '',
        documentId: e.documentId ?? null,
        state: e.state,
        edo: e.status ?? (e.documentId ? UPD_STATUS.sent : ''),
        edoStatus: seen.edoStatus ?? null,
        edoText: words ? words[0] : '',
        edoTextEn: words ? words[1] : '',
        gis: seen.gis ?? gisOf(e.status),
        errors: (e.errors ?? (e.lastError ? [e.lastError] : [])).join('; '),
        sentAt: e.sentAt ?? null,
      };
    });
    return {
      kind: EDO_SERVICE_KEY,
      title: { ru: 'УПД в ЭДО Лайт', en: 'УПД in ЭДО Лайт' },
      columns: [
        { key: 'number', ru: 'Номер', en: 'Number' },
        { key: 'date', ru: 'Дата', en: 'Date' },
        { key: 'productGroup', ru: 'Группа', en: 'Group' },
        { key: 'edo', ru: 'ЭДО', en: 'EDO' },
        { key: 'edoText', ru: 'Статус ЭДО', en: 'EDO status' },
        { key: 'gis', ru: 'ГИС МТ', en: 'ГИС МТ' },
        { key: 'documentId', ru: 'Документ ЭДО', en: 'EDO document' },
        { key: 'fileId', ru: 'ИдФайл', en: 'File id' },
        { key: 'errors', ru: 'Ошибки', en: 'Errors' },
      ],
      rows,
      counters: {
        outgoingThisYear: used,
        limit,
        remaining: Math.max(0, limit - used),
        ...counts,
      },
      ...(q?.warning && q.message ? { warning: q.message } : {}),
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.poller.close();
    this.journal.release();
    this.edo.close();
  }

  /** One round of the follower; an outage (every look failed) is the poll's error. */
  private async pollOnce(): Promise<Outcome[]> {
    const results = await this.follower.poll();
    const failed = results.filter((r) => r.error);
    if (results.length > 0 && failed.length === results.length) throw failed[0]?.error;
    return results
      .filter((r) => r.entry.state === 'final')
      .map((r) => ({
        entry: r.entry,
        status: r.entry.status ?? '',
        errors: r.entry.errors ?? [],
        accepted: r.entry.status === UPD_STATUS.accepted,
      }));
  }

  private remember(r: Omit<FollowResult, 'error'>): void {
    if (r.edoStatus === undefined) return;
    const prev = this.seen.get(r.entry.key) ?? {};
    this.seen.set(r.entry.key, {
      edoStatus: r.edoStatus,
      gis: r.gis?.state ?? (r.classification?.needsGis ? 'IN_PROGRESS' : (prev.gis ?? gisOf(r.entry.status))),
    });
  }
}

function closedError(): ZnakFlowError {
  return new ZnakFlowError({
    code: 'NO_CONNECTION',
    ru: 'подключение к ЭДО Лайт закрыто',
    en: 'the ЭДО Лайт connection is closed',
    source: 'config',
  });
}

/** The ЭДО Лайт service of a participant's desk (made on first use, closed with the desk). */
export function edoDesk(desk: CzDesk, opts: EdoDeskOptions = {}): EdoService {
  return desk.service(EDO_SERVICE_KEY, (conn) => new EdoService(desk, conn, opts));
}
