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
import type { Journal, JournalEntry } from '../journal/journal';
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
  /** ГИС МТ's receipt, when it was read in this look */
  gis?: GisProcessing;
  error?: ZnakFlowError | Error;
}

/** Reads the state of every pending outgoing УПД of a journal and writes its outcome there. */
export class UpdFollower {
  constructor(
    private readonly journal: Journal,
    private readonly edo: EdoClient,
    /** told what a look found, before the journal is written (whose change may hand the outcome out) */
    private readonly onLook?: (look: Omit<FollowResult, 'error'>) => void,
  ) {}

  /** Sent УПД without a final outcome. */
  pending(): JournalEntry[] {
    return this.journal.all().filter((e) => e.type === UPD_TYPE && e.state === 'sent' && !!e.documentId);
  }

  /** One pass over the pending УПД; an error on one does not stop the others. */
  async poll(): Promise<FollowResult[]> {
    const out: FollowResult[] = [];
    for (const e of this.pending()) {
      try {
        out.push(await this.follow(e));
      } catch (err) {
        out.push({ entry: e, error: err as Error });
      }
    }
    return out;
  }

  private async follow(e: JournalEntry): Promise<FollowResult> {
    const id = e.documentId as string;
    // the list window starts a day before the upload (the operator's created_at may differ in time zone)
    const from = Math.floor(Date.parse(e.sentAt ?? e.createdAt) / 1000) - 86400;
    const doc = await this.edo.findOutgoing(id, from);
    if (!doc) return { entry: e };
    const s = doc.status;
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
      gis = await this.edo.gisProcessing(e.fileId ?? '');
      c = classifyUpd({ edoStatus: s, buyerReason, titleSigned, gis });
    }
    this.onLook?.({ entry: e, edoStatus: s, classification: c, ...(gis ? { gis } : {}) });
    const final = c.outcome !== 'pending';
    const entry = this.journal.update(e.key, {
      status: c.status,
      ...(final
        ? {
            state: 'final' as const,
            finalAt: new Date().toISOString(),
            errors: c.reason ? [c.reason.ru, ...(c.errors ?? [])] : undefined,
          }
        : {}),
    });
    return { entry, edoStatus: s, classification: c, ...(gis ? { gis } : {}) };
  }
}
