/**
 * The 1 000 outgoing documents a year of the ЭДО Лайт API («При работе через API ЭДО Лайт действует
 * ограничение на 1000 исходящих документов в год», ЭДО Лайт API documentation): no method exposes
 * the remainder, so the count is ours — the УПД journal of this participant for the calendar year
 * (documents the operator answered with an id) and, when reachable, the operator's own list of
 * outgoing documents of the year (which also holds what was sent from the personal account). The
 * larger of the two is what is used; a warning is raised from `warnAt` on.
 */
import type { ZnakFlowError } from '../errors';
import type { Journal } from '../journal/journal';
import { EDO_LITE_ANNUAL_OUTGOING_LIMIT, type EdoClient } from './client';
import { UPD_TYPE } from './outbox';

export interface AnnualOutgoing {
  year: number;
  /** УПД of this year the journal holds with an operator id */
  journal: number;
  /** outgoing documents of this year in the operator's list (undefined when it could not be read) */
  operator?: number;
  used: number;
  limit: number;
  remaining: number;
  /** `used` reached the warning threshold */
  warning: boolean;
  exhausted: boolean;
  /** the reading of the operator's list failed (the journal count stands alone) */
  operatorError?: { code: string; ru: string; en: string };
  message?: { ru: string; en: string };
}

export async function annualOutgoing(opts: {
  journal: Journal;
  edo?: Pick<EdoClient, 'countOutgoing'>;
  now?: Date;
  limit?: number;
  /** warn from this count on (default 90 % of the limit) */
  warnAt?: number;
}): Promise<AnnualOutgoing> {
  const now = opts.now ?? new Date();
  // the calendar year in Moscow time (the operator's), as Unix seconds
  const year = Number(
    new Intl.DateTimeFormat('en', { timeZone: 'Europe/Moscow', year: 'numeric' }).format(now),
  );
  const from = Date.UTC(year, 0, 1, -3) / 1000;
  const to = Date.UTC(year + 1, 0, 1, -3) / 1000 - 1;
  const limit = opts.limit ?? EDO_LITE_ANNUAL_OUTGOING_LIMIT;
  const warnAt = opts.warnAt ?? Math.floor(limit * 0.9);
  const journal = opts.journal.all().filter((e) => {
    const t = Date.parse(e.sentAt ?? e.createdAt) / 1000;
    return e.type === UPD_TYPE && !!e.documentId && t >= from && t <= to;
  }).length;
  let operator: number | undefined;
  let operatorError: AnnualOutgoing['operatorError'];
  if (opts.edo) {
    try {
      operator = await opts.edo.countOutgoing(from, to);
    } catch (err) {
      const z = err as ZnakFlowError;
      operatorError = { code: z.code ?? 'EDO_ERROR', ru: z.ru ?? String(err), en: z.en ?? String(err) };
    }
  }
  const used = Math.max(journal, operator ?? 0);
  const remaining = Math.max(0, limit - used);
  const warning = used >= warnAt;
  const exhausted = used >= limit;
  return {
    year,
    journal,
    ...(operator !== undefined ? { operator } : {}),
    used,
    limit,
    remaining,
    warning,
    exhausted,
    ...(operatorError ? { operatorError } : {}),
    ...(warning
      ? {
          message: exhausted
            ? {
                ru: `исчерпан лимит ЭДО Лайт API: ${used} из ${limit} исходящих документов в ${year} году`,
                en: `the ЭДО Лайт API limit is used up: ${used} of ${limit} outgoing documents in ${year}`,
              }
            : {
                ru: `ЭДО Лайт API: ${used} из ${limit} исходящих документов в ${year} году, осталось ${remaining}`,
                en: `ЭДО Лайт API: ${used} of ${limit} outgoing documents in ${year}, ${remaining} left`,
              },
        }
      : {}),
  };
}
