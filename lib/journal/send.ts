/**
 * What `cz-send` makes of a message (docs/message-contract.md): the send request from `msg.cz`,
 * `msg.onec`, the payload and the signatures, with the journal key that makes it exactly once;
 * the document handed to the outbox; and `msg.cz` after the send. No Node-RED here.
 */
import { ZnakFlowError } from '../errors';
import { czFrom, onecFrom, suzFrom } from '../message';
import { confirmTarget, type ConfirmTo } from './ack';
import { journalKey, type JournalSource } from './journal';
import type { SendableDocument, SendResult } from './outbox';

/** msg.parts.count of a split (any object with a numeric count: a hand-made split counts too). */
function partsCount(parts: unknown): number | undefined {
  const n = parts && typeof parts === 'object' ? (parts as { count?: unknown }).count : undefined;
  return typeof n === 'number' ? n : undefined;
}

/** One send, as the outbox takes it (checked by cz-send's settings schema). */
export interface SendRequest {
  type: string;
  productGroup: string;
  key: string;
  part: number;
  parts: number;
  total: number;
  body: unknown;
  signature?: string;
  authSignature?: string;
  source: JournalSource & { ref: string; dataVersion: string };
  /** where the confirmation goes: msg.onec.watch, the onec-connection and the onec-read node (lib/journal/ack.ts) */
  ackTo?: ConfirmTo;
  /**
   * a report of СУЗ whose outcome this document carries on (msg.suz.report.key): confirmed to
   * msg.suz.tracker, the suz-report node, once the document is settled (docs/suz.md «Подтверждение блоков»)
   */
  reportTo?: { to: ConfirmTo; key: string };
}

/** The СУЗ report a message carries on and the suz-report node to confirm it to, when it names both. */
export function reportTarget(suzValue: unknown): { to: ConfirmTo; key: string } | undefined {
  const suz = suzFrom(suzValue);
  const to = confirmTarget(suz.tracker);
  const key = suz.report?.key;
  return to && typeof key === 'string' && key ? { to, key } : undefined;
}

/** The message fields a send is built from. */
export interface SendInput {
  cz?: unknown;
  onec?: unknown;
  payload?: unknown;
  signature?: unknown;
  authSignature?: unknown;
  /** msg.parts of a split: its count is the total when msg.cz has none */
  parts?: unknown;
  suz?: unknown;
}

/**
 * The send request of a message: the type and product group from the node (when set), else from
 * msg.cz, the group last from the connection; the journal key from msg.cz.key, or else from the 1C
 * reference and data version (a clear NO_JOURNAL_KEY error naming msg.cz.key when neither is there).
 */
export function sendRequest(
  msg: SendInput,
  given: { documentType?: string; productGroup?: string; connectionProductGroup?: string },
): SendRequest {
  const cz = czFrom(msg.cz);
  const onec = onecFrom(msg.onec);
  const type = given.documentType || cz.type || '';
  const productGroup = given.productGroup || cz.productGroup || given.connectionProductGroup || '';
  const part = Number(cz.part ?? 1);
  const source = { ...onec, ref: onec.ref ?? '', dataVersion: onec.dataVersion ?? '' };
  let key = cz.key;
  if (!key) {
    if (!onec.ref || !onec.dataVersion) {
      throw new ZnakFlowError({
        code: 'NO_JOURNAL_KEY',
        field: 'msg.cz.key',
        ru: 'нужен msg.cz.key или msg.onec.ref и msg.onec.dataVersion: без них документ нельзя отправить ровно один раз',
        en: 'msg.cz.key, or msg.onec.ref with msg.onec.dataVersion, is required to send the document exactly once',
        source: 'input',
      });
    }
    key = journalKey(source, type, productGroup, part);
  }
  return {
    type,
    productGroup,
    key,
    part,
    parts: Number(cz.parts ?? 1),
    total: Number(cz.total ?? partsCount(msg.parts) ?? 1),
    body: msg.payload,
    signature: typeof msg.signature === 'string' ? msg.signature : undefined,
    authSignature: typeof msg.authSignature === 'string' ? msg.authSignature : undefined,
    source: {
      entity: source.entity,
      ref: source.ref || key,
      dataVersion: source.dataVersion || '',
      number: source.number,
      date: source.date,
      kind: source.kind,
      preset: source.preset,
    },
    ackTo: confirmTarget(onec.watch),
    reportTo: reportTarget(msg.suz),
  };
}

/** The document the outbox sends for a request (a MANUAL-format document, signed by the outbox). */
export function sendableDocument(s: SendRequest): SendableDocument {
  return {
    key: s.key,
    type: s.type,
    productGroup: s.productGroup,
    part: s.part,
    parts: s.parts,
    total: s.total,
    source: s.source,
    body: s.body,
    format: 'MANUAL',
  };
}

/** `msg.cz` after a send: what it had, with the type, group, key and what the send gave. */
export function sentCz(cz: unknown, s: SendRequest, r: SendResult): Record<string, unknown> {
  return {
    ...(cz && typeof cz === 'object' && !Array.isArray(cz) ? (cz as Record<string, unknown>) : {}),
    type: s.type,
    productGroup: s.productGroup,
    key: s.key,
    documentId: r.documentId,
    sentAt: r.sentAt,
    duplicate: r.duplicate,
    adopted: r.adopted,
    ...(r.earlier ? { sentVersion: r.earlier.dataVersion } : {}),
  };
}
