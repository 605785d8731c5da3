/**
 * The messages of `edo-incoming` (docs/message-contract.md «msg.edo.incoming»): an outcome of the
 * inbox (lib/edo/inbox.ts) as a message for the flow — `msg.payload` the outcome as one text for 1C,
 * `msg.onec` the 1C receipt (what onec-write reads by default), `msg.edo.incoming` the details — and a
 * person's decision read back from a message.
 */
import { ZnakFlowError } from '../errors';
import { edoIncomingOf, setEdoIncoming, setOnec, type FlowMessage } from '../message';
import { MAX_VALUE_LENGTH } from '../onec/write';
import type { InboxOutcome, InboxOutcomeKind } from './inbox';

/** The output of each outcome: 1 signed, 2 needs a decision, 3 refused, 4 error. */
export const OUTCOME_PORT: Readonly<Record<InboxOutcomeKind, number>> = {
  signed: 0,
  hold: 1,
  refused: 2,
  error: 3,
};

/** The outcome as one text for 1C (deterministic: the same outcome writes the same value). */
export function incomingText(o: InboxOutcome): string {
  const what = `Входящий УПД № ${o.number || '—'}${o.date ? ` от ${o.date}` : ''} (ЭДО Лайт)`;
  let text: string;
  switch (o.kind) {
    case 'signed':
      text = `${what}: подписан титул покупателя${o.answerId ? `, документ ЭДО ${o.answerId}` : ''}`;
      break;
    case 'refused':
      text = `${what}: отказ в подписании (уведомление об уточнении): ${o.reason ?? ''}`;
      break;
    case 'hold':
      text = `${what}: ждёт решения: ${o.mismatches.map((m) => m.ru).join('; ') || 'проверка отключена'}`;
      break;
    default:
      text = `${what}: ошибка: ${o.error?.ru ?? o.status}`;
  }
  return text.length > MAX_VALUE_LENGTH ? text.slice(0, MAX_VALUE_LENGTH) : text;
}

/** A message of an outcome: built on `base` (the decision message) or new. */
export function outcomeMessage<M extends FlowMessage>(o: InboxOutcome, base?: M): M {
  const msg = (base ?? {}) as M;
  const text = incomingText(o);
  msg.topic = `УПД ${o.number}`;
  msg.payload = text;
  if (o.receipt)
    setOnec(msg, {
      entity: o.receipt.entity,
      ref: o.receipt.ref,
      number: o.receipt.number,
      date: o.receipt.date,
      dataVersion: '',
      kind: 'purchases',
    });
  setEdoIncoming(msg, {
    documentId: o.documentId,
    fileId: o.fileId,
    number: o.number,
    date: o.date,
    seller: o.seller,
    outcome: o.kind,
    status: o.status,
    decidedBy: o.decidedBy,
    matchedBy: o.matchedBy,
    receipt: o.receipt ? { ...o.receipt } : undefined,
    mismatches: o.mismatches.map((m) => ({ ...m })),
    codes: o.codes,
    answerId: o.answerId,
    text,
    reason: o.reason,
    ...(o.duplicate ? { duplicate: true } : {}),
    ...(o.adopted ? { adopted: true } : {}),
  });
  if (o.error)
    (msg as FlowMessage)['error'] = {
      code: o.error.code,
      message: o.error.message,
      ru: o.error.ru,
      en: o.error.en,
    };
  return msg;
}

/** A person's decision in a message, or undefined when the message carries none (then: poll now). */
export function decisionOf(
  msg: FlowMessage,
): { documentId: string; decision: 'sign' | 'refuse'; reason?: string } | undefined {
  const raw = (msg['edo'] as Record<string, unknown> | undefined)?.['incoming'] as
    Record<string, unknown> | undefined;
  if (raw === undefined || raw === null || raw['decision'] === undefined) return undefined;
  const inc = edoIncomingOf(msg);
  if (inc.decision === undefined)
    throw new ZnakFlowError({
      code: 'EDO_IN_BAD_DECISION',
      field: 'edo.incoming.decision',
      source: 'input',
      ru: `решение msg.edo.incoming.decision должно быть «sign» или «refuse», получено: ${JSON.stringify(raw['decision'])}`,
      en: `msg.edo.incoming.decision must be "sign" or "refuse", got: ${JSON.stringify(raw['decision'])}`,
    });
  if (typeof inc.documentId !== 'string' || !inc.documentId.trim())
    throw new ZnakFlowError({
      code: 'EDO_IN_NO_DOCUMENT',
      field: 'edo.incoming.documentId',
      source: 'input',
      ru: 'не указан документ ЭДО Лайт (msg.edo.incoming.documentId)',
      en: 'no ЭДО Лайт document given (msg.edo.incoming.documentId)',
    });
  return { documentId: inc.documentId.trim(), decision: inc.decision, reason: inc.reason };
}
