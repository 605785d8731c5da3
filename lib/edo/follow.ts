/**
 * Following outgoing УПД to a final outcome: first the EDO status in ЭДО Лайт (there is no status-by-id
 * method: the outgoing list is searched, `EdoClient.findOutgoing`), then — once the buyer signed and the
 * operator passed the document on (status 61, «Подписан: Отправлен в ГИС МТ») — ГИС МТ's processing
 * receipt `documents/edo/tpr/ud` («Описание True API» §7.1). Status 61 is not ГИС МТ's acceptance: the
 * receipt's `state` (SUCCESS / FAILED / IN_PROGRESS) is.
 *
 * Status codes and their meaning: «Описание True API», «Справочник "Статусная модель"» (0–19); CRPT
 * «Planned True API changes» v552.0 (61–66); 41–44 only from a public client's dictionary (⚠).
 * `classifyUpd` is the table (docs/edo.md «Following»): every status → pending | accepted | rejected.
 */
import type { ZnakFlowError } from '../errors';
import type { ListFilter } from '../cz/journal-api';
import type { Journal, JournalEntry } from '../journal/journal';
import type { ListedDocument } from '../journal/outbox';
import { EDO_STATUS, type EdoClient, type GisProcessing } from './client';
import { UPD_STATUS, UPD_TYPE, type UpdStatus } from './outbox';

export type UpdOutcome = 'pending' | 'accepted' | 'rejected';

export interface UpdClassification {
  outcome: UpdOutcome;
  status: UpdStatus;
  /** ГИС МТ's receipt is to be read (signed and passed on) */
  needsGis: boolean;
  /** why it was rejected (the buyer's reason, the operator's or ГИС МТ's errors), ru + en */
  reason?: { ru: string; en: string };
  /** ГИС МТ's error lines (`code: text`) */
  errors?: string[];
}

export interface ClassifyInput {
  /** the EDO status of the document (ЭДО Лайт `status`) */
  edoStatus: number;
  /** the buyer's comment of a refusal / clarification request */
  buyerReason?: string;
  /** ГИС МТ's receipt, when read */
  gis?: GisProcessing;
  /** whether the buyer's title is on the document (`is_title_signed`) */
  titleSigned?: boolean;
}

function statusName(s: number): [string, string] {
  return EDO_STATUS[s] ?? [`статус ${s}`, `status ${s}`];
}

function gisErrors(g: GisProcessing | undefined): string[] {
  const out: string[] = [];
  for (const op of g?.operations ?? [])
    for (const e of op.details?.errors ?? []) out.push(`${String(e.code ?? '')}: ${e.text ?? ''}`.trim());
  return out;
}

const pending = (status: UpdStatus, needsGis = false): UpdClassification => ({
  outcome: 'pending',
  status,
  needsGis,
});

/** The table: an EDO status (and ГИС МТ's receipt when there is one) → the outcome. */
export function classifyUpd(i: ClassifyInput): UpdClassification {
  const s = i.edoStatus;
  const [ru, en] = statusName(s);
  const rejected = (status: UpdStatus, r: string, e: string, errors?: string[]): UpdClassification => ({
    outcome: 'rejected',
    status,
    needsGis: false,
    reason: { ru: r, en: e },
    ...(errors && errors.length > 0 ? { errors } : {}),
  });
  switch (s) {
    case 0: // Черновик
    case 11: // Ожидается отправка
    case 1: // Отправлен
      return pending(UPD_STATUS.sent);
    case 2: // Доставлен (подпись не требуется)
    case 12: // Просмотрен (подпись не требуется)
    case 3: // Доставлен (ожидается подпись)
    case 13: // Просмотрен (ожидается подпись)
    case 7: // Уточнён: the chain goes on with the correction
      return pending(UPD_STATUS.delivered);
    case 4: // Подписан
    case 63: // Подписан: отправляется в ГИС МТ
      return pending(UPD_STATUS.signed);
    case 61: {
      // Подписан: отправлен в ГИС МТ — the outcome is ГИС МТ's
      const g = i.gis;
      if (!g || g.state === 'IN_PROGRESS') return pending(UPD_STATUS.signed, true);
      if (g.state === 'SUCCESS') return { outcome: 'accepted', status: UPD_STATUS.accepted, needsGis: false };
      const errors = gisErrors(g);
      return rejected(
        UPD_STATUS.rejected,
        `ГИС МТ не принял УПД: ${errors.join('; ') || g.description || g.state}`,
        `ГИС МТ did not accept the УПД: ${errors.join('; ') || g.description || g.state}`,
        errors,
      );
    }
    case 62: {
      const errors = gisErrors(i.gis);
      return rejected(
        UPD_STATUS.rejected,
        `подписан покупателем, но не принят ГИС МТ${errors.length ? `: ${errors.join('; ')}` : ''}`,
        `signed by the buyer but not accepted by ГИС МТ${errors.length ? `: ${errors.join('; ')}` : ''}`,
        errors,
      );
    }
    case 5: // Отклонен
    case 15: // Отклонен (запрос просмотрен)
    case 8: // Требуется уточнение (the buyer's УОУ)
    case 14: {
      const why = i.buyerReason?.trim();
      return rejected(
        UPD_STATUS.refused,
        `покупатель отказал (${ru})${why ? `: «${why}»` : ''}`,
        `the buyer refused (${en})${why ? `: "${why}"` : ''}`,
      );
    }
    case 6:
      return rejected(UPD_STATUS.refused, 'документ отозван', 'the document was withdrawn');
    case 16: // Запрошено аннулирование
    case 17: // Ожидается аннулирование
      return pending(UPD_STATUS.annulment);
    case 19: // В аннулировании отказано: the document stands as it was
      return pending(i.titleSigned ? UPD_STATUS.signed : UPD_STATUS.delivered, !!i.titleSigned);
    case 18:
    case 64:
      return rejected(
        UPD_STATUS.annulled,
        `документ аннулирован (${ru})`,
        `the document was annulled (${en})`,
      );
    case 66:
      return pending(UPD_STATUS.annulled);
    case 65:
      return rejected(
        UPD_STATUS.annulled,
        'аннулирован в ЭДО, но ГИС МТ не принял аннулирование: коды остаются у покупателя',
        'annulled in EDO but ГИС МТ did not accept the annulment: the codes stay with the buyer',
        gisErrors(i.gis),
      );
    case 9:
    case 10:
    case 41:
    case 42:
    case 43:
    case 44:
      return rejected(UPD_STATUS.rejected, `ЭДО Лайт: ${ru}`, `ЭДО Лайт: ${en}`);
    default:
      return pending(UPD_STATUS.sent);
  }
}

export interface FollowResult {
  entry: JournalEntry;
  edoStatus?: number;
  classification?: UpdClassification;
  /** ГИС МТ's receipt, when it was read in this look (or its state as doc/list showed it) */
  gis?: GisProcessing;
  error?: ZnakFlowError | Error;
}

/** ГИС МТ's doc/list as the follower reads it (lib/cz/journal-api.ts `read`). */
export type UdListReader = (
  filter: ListFilter,
  enough?: (seen: ListedDocument[]) => boolean,
) => Promise<ListedDocument[]>;

export interface UpdFollowerOptions {
  /** told what a look found, before the journal is written (whose change may hand the outcome out) */
  onLook?: (look: Omit<FollowResult, 'error'>) => void;
  /**
   * ГИС МТ's doc/list (with `documentFormat=UPD`): one read per product group covers every УПД the
   * operator passed on. Without it, the receipt `tpr/ud` is read per document.
   */
  udList?: UdListReader;
  /** the seller (`senderInn` of the doc/list read) */
  participantInn?: string;
  /** a УПД passed on that doc/list does not show this long is asked by its receipt (default 30 s) */
  receiptAfterMs?: number;
  now?: () => number;
}

/** A status of a UD in ГИС МТ's doc/list → the receipt's state; undefined: the receipt is to be read. */
function listedState(status: string): GisProcessing['state'] | undefined {
  if (status === 'CHECKED_OK') return 'SUCCESS';
  if (status === 'IN_PROGRESS') return 'IN_PROGRESS';
  return undefined;
}

/** doc/list statuses of a UD that ГИС МТ refused (the general dictionary, «Справочник "Статусы документов"») */
const REFUSED_LISTED = new Set(['CHECKED_NOT_OK', 'PARSE_ERROR']);

/** A doc/list error line `"<code>: <text>"` (§6.1) as a receipt's error. */
function listedError(line: string): { code: string; text: string } {
  const m = /^\s*([^:]+):\s*(.*)$/s.exec(line);
  return m ? { code: (m[1] as string).trim(), text: (m[2] as string).trim() } : { code: '', text: line };
}

/** doc/list's `number` of a UD is its ИдФайл (⚠ «full file name» in places: `.xml` tolerated). */
function udNumber(n: string): string {
  return n.replace(/\.xml$/i, '').toLowerCase();
}

/** The day before the earliest upload (the operator's `created_at` may differ in time zone), ms. */
function windowStart(entries: JournalEntry[]): number {
  return Math.min(...entries.map((e) => Date.parse(e.sentAt ?? e.createdAt))) - 86400000;
}

/**
 * Reads the state of every pending outgoing УПД of a journal and writes its outcome there. One look
 * at all of them costs one walk over the outgoing list (ЭДО Лайт API «Получение списка исходящих
 * документов»: each chain carries its documents' statuses), plus — for the УПД the operator passed on
 * to ГИС МТ (status 61) — one doc/list read per product group with `documentFormat=UPD` («Описание
 * True API» §6.1: the UD's `number` is its ИдФайл, the status CHECKED_OK / CHECKED_NOT_OK …). The
 * receipt `tpr/ud` (§7.1) is read only where its details are needed: a failure's errors (62, 65, a UD
 * not CHECKED_OK), or a УПД doc/list does not show `receiptAfterMs` after it was passed on (⚠ the
 * reference does not say how soon a UD appears there). The document info is read only for a refusal
 * (the buyer's reason).
 */
export class UpdFollower {
  private readonly onLook?: UpdFollowerOptions['onLook'];
  private readonly now: () => number;
  /** when each УПД was first seen passed on to ГИС МТ without a UD in doc/list */
  private readonly unlisted = new Map<string, number>();

  constructor(
    private readonly journal: Journal,
    private readonly edo: EdoClient,
    private readonly opts: UpdFollowerOptions = {},
  ) {
    this.onLook = opts.onLook;
    this.now = opts.now ?? Date.now;
  }

  /** Sent УПД without a final outcome. */
  pending(): JournalEntry[] {
    return this.journal.all().filter((e) => e.type === UPD_TYPE && e.state === 'sent' && !!e.documentId);
  }

  /** One pass over the pending УПД; an error on one does not stop the others. */
  async poll(): Promise<FollowResult[]> {
    const pending = this.pending();
    if (pending.length === 0) return [];
    let docs: Map<string, { status: number }>;
    try {
      const ids = pending.map((e) => e.documentId as string);
      docs = await this.edo.findOutgoingMany(ids, Math.floor(windowStart(pending) / 1000));
    } catch (err) {
      return pending.map((entry) => ({ entry, error: err as Error }));
    }
    const looks: Look[] = [];
    for (const e of pending) {
      const doc = docs.get(e.documentId as string);
      if (doc) looks.push({ entry: e, edoStatus: doc.status });
    }
    const listed = await this.listedInGis(looks);
    const out: FollowResult[] = pending
      .filter((e) => !docs.has(e.documentId as string))
      .map((entry) => ({ entry }));
    const decided: Decided[] = [];
    for (const l of looks) {
      try {
        decided.push(await this.decide(l, listed));
      } catch (err) {
        out.push({ entry: l.entry, error: err as Error });
      }
    }
    // every change this look found reaches the disk with one flush (group commit), then goes out
    this.journal.batch(() => {
      for (const d of decided) out.push(this.write(d));
    });
    const keys = new Set(pending.map((e) => e.key));
    for (const k of this.unlisted.keys()) if (!keys.has(k)) this.unlisted.delete(k);
    return out;
  }

  /**
   * ГИС МТ's states of the УПД passed on (status 61), from doc/list by product group: ИдФайл → the
   * listed document. A failed read leaves its group to the receipts.
   */
  private async listedInGis(looks: Look[]): Promise<Map<string, ListedDocument>> {
    const out = new Map<string, ListedDocument>();
    const read = this.opts.udList;
    if (!read) return out;
    const byGroup = new Map<string, JournalEntry[]>();
    for (const l of looks) {
      if (l.edoStatus !== 61 || !l.entry.fileId) continue;
      byGroup.set(l.entry.productGroup, [...(byGroup.get(l.entry.productGroup) ?? []), l.entry]);
    }
    for (const [pg, entries] of byGroup) {
      const wanted = new Set(entries.map((e) => udNumber(e.fileId as string)));
      try {
        const rows = await read(
          {
            productGroup: pg,
            documentFormat: 'UPD',
            ...(this.opts.participantInn ? { senderInn: this.opts.participantInn } : {}),
            dateFrom: new Date(windowStart(entries)).toISOString(),
            dateTo: new Date(this.now() + 86400000).toISOString(),
          },
          (seen) => seen.filter((d) => wanted.has(udNumber(d.number))).length >= wanted.size,
        );
        for (const d of rows) if (wanted.has(udNumber(d.number))) out.set(udNumber(d.number), d);
      } catch {
        // this group's УПД are asked by their receipts below
        for (const e of entries) this.unlisted.set(e.key, -Infinity);
      }
    }
    return out;
  }

  private async decide(l: Look, listed: Map<string, ListedDocument>): Promise<Decided> {
    const e = l.entry;
    const id = e.documentId as string;
    const s = l.edoStatus;
    let buyerReason: string | undefined;
    let titleSigned: boolean | undefined;
    if ([5, 15, 8, 14, 19].includes(s)) {
      // ⚠ the document info JSON (Accept: application/json) is known from a public client only
      const info = await this.edo.documentInfo('outgoing', id).catch(() => undefined);
      const refusal = info?.['refusal'] as { comment?: unknown } | undefined;
      if (typeof refusal?.comment === 'string') buyerReason = refusal.comment;
      if (typeof info?.['is_title_signed'] === 'boolean') titleSigned = info['is_title_signed'];
    }
    let c = classifyUpd({ edoStatus: s, buyerReason, titleSigned });
    let gis: GisProcessing | undefined;
    if (c.needsGis || s === 62 || s === 65) {
      gis = await this.gisOf(e, s, listed);
      if (gis) c = classifyUpd({ edoStatus: s, buyerReason, titleSigned, gis });
    }
    return { entry: e, edoStatus: s, classification: c, ...(gis ? { gis } : {}) };
  }

  /** What a look decided into the journal: a final outcome, or a new status; nothing when unchanged. */
  private write(d: Decided): FollowResult {
    const c = d.classification;
    const now = this.journal.get(d.entry.key) ?? d.entry;
    // finished meanwhile (another look of the same journal): left as it is
    if (now.state !== 'sent') return { ...d, entry: now };
    this.onLook?.(d);
    const final = c.outcome !== 'pending';
    if (!final && now.status === c.status) return { ...d, entry: now };
    const entry = this.journal.update(now.key, {
      status: c.status,
      ...(final
        ? {
            state: 'final' as const,
            finalAt: new Date().toISOString(),
            errors: c.reason ? [c.reason.ru, ...(c.errors ?? [])] : undefined,
          }
        : {}),
    });
    return { ...d, entry };
  }

  /**
   * ГИС МТ's side of a УПД passed on: its state from doc/list when that decides (CHECKED_OK, or still
   * IN_PROGRESS), else the receipt (a failure's errors; 62 and 65 always; a УПД doc/list does not show
   * after `receiptAfterMs`, or every time without a doc/list reader).
   */
  private async gisOf(
    e: JournalEntry,
    s: number,
    listed: Map<string, ListedDocument>,
  ): Promise<GisProcessing | undefined> {
    const fileId = e.fileId ?? '';
    const row = s === 61 ? listed.get(udNumber(fileId)) : undefined;
    if (s === 61 && this.opts.udList) {
      const state = row ? listedState(row.status) : undefined;
      if (state) {
        this.unlisted.delete(e.key);
        return { state, description: `ГИС МТ: ${row?.status ?? ''}` };
      }
      if (!row) {
        const since = this.unlisted.get(e.key) ?? this.now();
        this.unlisted.set(e.key, since);
        if (this.now() - since < (this.opts.receiptAfterMs ?? 30000)) return undefined;
      }
    }
    const receipt = await this.edo.gisProcessing(fileId);
    if (receipt || !row || !REFUSED_LISTED.has(row.status)) return receipt;
    // refused in doc/list but no receipt (⚠ not documented): the list's errors (`code: text`) stand for it
    return {
      state: 'FAILED',
      description: row.status,
      operations: [{ details: { successful: false, errors: (row.errors ?? []).map(listedError) } }],
    };
  }
}

interface Look {
  entry: JournalEntry;
  edoStatus: number;
}

/** A look's finding about one УПД, before it is written. */
interface Decided extends Look {
  classification: UpdClassification;
  gis?: GisProcessing;
}
