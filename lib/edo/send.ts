/**
 * What edo-send makes of a 1C sale (docs/edo.md «The nodes»): the УПД of each product group
 * (lib/edo/map.ts → lib/edo/upd.ts), every problem found before sending named by its field, the
 * EDO ids of both sides from ЭДО Лайт, and the messages out. No Node-RED here.
 *
 * A УПД is made once per 1C document version: when the journal already holds its key, its journalled
 * bytes are what goes (a rebuild at another moment would differ in `ДатаИнфПр`/`ВремИнфПр`), so a
 * redelivered version is answered from the journal and a lost answer is repaired with the same file.
 */
import { detail, ZnakFlowError, type ErrorDetail } from '../errors';
import { onecFrom, setCz, withEdo, type FlowMessage, type OnecSource } from '../message';
import { isRefusal } from '../retry';
import type { Signer } from '../signing/types';
import type { JournalEntry } from '../journal/journal';
import { EDO_STATUS } from './client';
import type { EdoService } from './desk';
import { saleToUpd, type SaleToUpdOptions } from './map';
import type { UpdSendResult } from './outbox';
import {
  prepareUpd,
  signerFromCertificate,
  type UpdFunction,
  type UpdParty,
  type UpdPowerOfAttorney,
  type UpdSigner,
} from './upd';

export interface EdoSendSettings {
  function: UpdFunction;
  /** the signer block: the certificate's subject (SN, G, T), over it what is given here */
  signer: Partial<UpdSigner>;
  poa?: UpdPowerOfAttorney;
  /** party data where 1C has none (e.g. an address) */
  seller?: Partial<UpdParty>;
  buyer?: Partial<UpdParty>;
  preset?: string;
  kind?: string;
  defaultVatRate?: string;
  groupMapping?: Record<string, string>;
  /** the lines without codes: a УПД of their own (`send`) or left out (`skip`, default) */
  unmarked?: 'skip' | 'send';
}

/** One УПД of a sale, ready to send or with its problems. */
export interface SaleUpdPart {
  key: string;
  productGroup: string;
  number: string;
  function: UpdFunction;
  fileId?: string;
  bytes?: Buffer;
  sha256?: string;
  codes: string[];
  errors: ErrorDetail[];
  /** already in the journal: its bytes are sent (or it is answered from the journal) */
  journalled: boolean;
}

export interface SaleUpds {
  source: OnecSource & { ref: string; dataVersion: string };
  parts: SaleUpdPart[];
  /**
   * how many documents the version becomes: these УПД, and one per product group left to the
   * LP_SHIP_GOODS route (furs, cz-map-document → cz-send); the version is settled only when those are
   * too (lib/journal/ack.ts)
   */
  total: number;
}

function isRec(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function blank<T extends object>(o: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o ?? {}))
    if (v !== undefined && v !== '') (out as Record<string, unknown>)[k] = v;
  return out;
}

/** The signer block: the certificate's subject, then the settings over it. */
export async function signerOf(signer: Signer, s: EdoSendSettings): Promise<UpdSigner> {
  const cert = await signer.certificate?.().catch(() => undefined);
  const base: UpdSigner = cert ? signerFromCertificate(cert) : { surname: '', firstName: '', position: '' };
  return { ...base, ...blank(s.signer), ...(s.poa ? { poa: s.poa } : {}) } as UpdSigner;
}

/** The EDO id of a party; a refusal of the look-up (not registered, another operator) is a problem. */
async function edoIdOf(
  svc: EdoService,
  party: UpdParty,
  field: string,
  errors: ErrorDetail[],
): Promise<string | undefined> {
  if (party.edoId) return party.edoId;
  if (!/^\d{10}(\d{2})?$/.test(party.inn)) return undefined; // reported by the УПД check
  try {
    return await svc.edoId(party.inn);
  } catch (err) {
    if (err instanceof ZnakFlowError && !err.retryable && err.status !== undefined && err.status < 500) {
      const text = err.remoteText ?? err.en;
      errors.push(
        detail(
          field,
          'EDO_PARTICIPANT',
          `участник ${party.inn} не найден в ЭДО Лайт: ${err.remoteText ?? err.ru}`,
          `participant ${party.inn} is not found in ЭДО Лайт: ${text}`,
        ),
      );
      return undefined;
    }
    throw err;
  }
}

/** The УПД of a 1C sale (one per product group), each checked, or answered by the journal. */
export async function saleUpds(
  svc: EdoService,
  signer: Signer,
  payload: unknown,
  onecRaw: unknown,
  s: EdoSendSettings,
  now = new Date(),
): Promise<SaleUpds> {
  const onec = onecFrom(onecRaw);
  if (!isRec(payload))
    throw new ZnakFlowError({
      code: 'NO_DOCUMENT',
      field: 'msg.payload',
      ru: 'в msg.payload нет документа 1С (объект, как его даёт onec-read)',
      en: 'msg.payload holds no 1C document (an object, as onec-read gives it)',
      source: 'input',
    });
  if (!onec.ref || !onec.dataVersion)
    throw new ZnakFlowError({
      code: 'NO_JOURNAL_KEY',
      field: onec.ref ? 'msg.onec.dataVersion' : 'msg.onec.ref',
      ru: 'нужны msg.onec.ref и msg.onec.dataVersion: без них УПД нельзя отправить ровно один раз',
      en: 'msg.onec.ref and msg.onec.dataVersion are required to send the УПД exactly once',
      source: 'input',
    });
  const opts: SaleToUpdOptions = {
    function: s.function,
    signer: await signerOf(signer, s),
    formedAt: now,
    seller: { inn: svc.participantInn },
    ...(s.preset ? { preset: s.preset as SaleToUpdOptions['preset'] } : {}),
    ...(s.kind ? { kind: s.kind as SaleToUpdOptions['kind'] } : {}),
    ...(s.defaultVatRate ? { defaultVatRate: s.defaultVatRate } : {}),
    ...(s.groupMapping ? { groupMapping: s.groupMapping } : {}),
    program: 'ZnakFlow',
  };
  const mapped = saleToUpd(payload, onecRaw, opts);
  const source = {
    entity: onec.entity,
    ref: onec.ref,
    dataVersion: onec.dataVersion,
    number: onec.number,
    date: onec.date,
    kind: onec.kind,
    preset: onec.preset,
  };
  let docs = mapped.documents;
  if (s.unmarked !== 'send' && docs.some((d) => d.productGroup !== ''))
    docs = docs.filter((d) => d.productGroup !== '');
  // a sale of furs only (LP_SHIP_GOODS, cz-map-document's branch, lib/cz/product-groups.ts): no УПД here
  const onlySkipped =
    mapped.skipped.length > 0 && mapped.errors.length === 0 && docs.every((d) => d.productGroup === '');
  if (onlySkipped && (s.unmarked !== 'send' || docs.length === 0)) return { source, parts: [], total: 0 };
  if (docs.length === 0 || (s.unmarked !== 'send' && docs.every((d) => d.productGroup === ''))) {
    const key = `${onec.ref}:${onec.dataVersion}:upd:`;
    const why = mapped.errors.length
      ? mapped.errors
      : [
          detail(
            'codes',
            'NO_MARKED_GOODS',
            'в документе нет маркированных товаров с кодами: УПД через ЭДО Лайт не нужен',
            'the document has no marked goods with codes: no УПД through ЭДО Лайт is needed',
          ),
        ];
    return {
      source,
      total: 1 + mapped.skipped.length,
      parts: [
        {
          key,
          productGroup: '',
          number: onec.number ?? '',
          function: s.function,
          codes: [],
          errors: why,
          journalled: false,
        },
      ],
    };
  }
  const parts: SaleUpdPart[] = [];
  for (const d of docs) {
    const existing = svc.journal.get(d.key);
    if (existing?.fileId && existing.bodyHash) {
      const bytes = svc.outbox.journalledBytes(existing);
      parts.push({
        key: d.key,
        productGroup: d.productGroup,
        number: existing.docNumber ?? d.input.number,
        function: d.input.function,
        fileId: existing.fileId,
        bytes,
        sha256: existing.bodyHash,
        codes: existing.codesSample ?? [],
        errors: [],
        journalled: true,
      });
      continue;
    }
    const errors: ErrorDetail[] = [...mapped.errors];
    const input = d.input;
    // the settings' party data fill what 1C does not give (1C's own data wins)
    input.seller = { ...blank(s.seller), ...blank(input.seller) } as UpdParty;
    input.buyer = { ...blank(s.buyer), ...blank(input.buyer) } as UpdParty;
    const sellerId = await edoIdOf(svc, input.seller, 'seller.edoId', errors);
    const buyerId = await edoIdOf(svc, input.buyer, 'buyer.edoId', errors);
    input.seller = { ...input.seller, ...(sellerId ? { edoId: sellerId } : {}) };
    input.buyer = { ...input.buyer, ...(buyerId ? { edoId: buyerId } : {}) };
    const r = prepareUpd(input);
    if (!r.ok) errors.push(...r.errors);
    parts.push({
      key: d.key,
      productGroup: d.productGroup,
      number: input.number,
      function: input.function,
      ...(r.ok && errors.length === 0
        ? { fileId: r.upd.fileId, bytes: r.upd.bytes, sha256: r.upd.sha256 }
        : {}),
      codes: r.ok ? r.upd.codes : [],
      errors,
      journalled: false,
    });
  }
  return { source, parts, total: parts.length + mapped.skipped.length };
}

/** Send one checked УПД of a sale through the service (exactly once). */
export function sendPart(svc: EdoService, sale: SaleUpds, p: SaleUpdPart): Promise<UpdSendResult> {
  if (!p.bytes || !p.fileId) throw new Error(`edo send: ${p.key} has problems`);
  return svc.send({
    key: p.key,
    source: sale.source,
    productGroup: p.productGroup,
    part: 1,
    parts: 1,
    total: sale.total,
    fileId: p.fileId,
    bytes: p.bytes,
    number: p.number,
    codes: p.codes,
  });
}

/** The message of one УПД: `msg.edo`, and `msg.cz` so that edo-status and onec-write read it as cz-status's. */
export function updMessage<M extends FlowMessage>(
  msg: M,
  sale: SaleUpds,
  p: SaleUpdPart,
  total: number,
  r?: UpdSendResult,
): M {
  setCz(msg, {
    type: 'UPD',
    productGroup: p.productGroup,
    source: { ...sale.source },
    key: p.key,
    part: 1,
    parts: 1,
    total,
    codes: p.codes.length,
    ...(r ? { documentId: r.documentId, sentAt: r.entry.sentAt, duplicate: r.fromJournal } : {}),
  });
  (msg as FlowMessage)['edo'] = {};
  withEdo(msg, {
    key: p.key,
    productGroup: p.productGroup,
    function: p.function,
    number: p.number,
    ...(p.fileId ? { fileId: p.fileId } : {}),
    ...(p.sha256 ? { sha256: p.sha256 } : {}),
    codes: r?.entry.codesCount ?? p.codes.length,
    ...(r
      ? {
          documentId: r.documentId,
          sentAt: r.entry.sentAt,
          fromJournal: r.fromJournal,
          status: r.entry.status,
        }
      : {}),
    ...(p.errors.length
      ? { errors: p.errors.map((e) => `${e.path}: ${e.message_ru} / ${e.message_en}`) }
      : {}),
  });
  if (p.errors.length) (msg as FlowMessage)['errors'] = p.errors;
  else delete (msg as FlowMessage)['errors'];
  return msg;
}

/** Refusals that mean «not yet»: the version is to come again (a watching onec-read redelivers it). */
const NOT_YET = new Set(['UPD_PREVIOUS_VERSION_OUT', 'EDO_QUOTA_EXHAUSTED', 'ABORTED']);

/**
 * The УПД itself was refused (by the operator, or by the journal: a correction needed): retrying
 * cannot help, and the refusal is an outcome of the 1C version. Not a refusal: a passing failure, an
 * earlier version still with the buyer, the year's limit used up (they may pass: the version comes again).
 */
export function isUpdRefusal(err: unknown): boolean {
  if (err instanceof ZnakFlowError && NOT_YET.has(err.code)) return false;
  if (isRefusal(err)) return true;
  return err instanceof ZnakFlowError && !err.retryable && err.source === 'edo';
}

/** `msg.edo` of an outcome (edo-status): the journal entry and what the last look found. */
export function outcomeEdo<M extends FlowMessage>(
  msg: M,
  entry: JournalEntry,
  seen: { edoStatus?: number; gis?: string },
): void {
  const words = seen.edoStatus !== undefined ? EDO_STATUS[seen.edoStatus] : undefined;
  withEdo(msg, {
    key: entry.key,
    productGroup: entry.productGroup,
    number: entry.docNumber ?? entry.source.number ?? '',
    ...(entry.fileId ? { fileId: entry.fileId } : {}),
    ...(entry.bodyHash ? { sha256: entry.bodyHash } : {}),
    ...(entry.documentId ? { documentId: entry.documentId } : {}),
    ...(entry.sentAt ? { sentAt: entry.sentAt } : {}),
    ...(entry.status ? { status: entry.status } : {}),
    ...(seen.edoStatus !== undefined ? { edoStatus: seen.edoStatus } : {}),
    ...(words ? { edoText: words[0] } : {}),
    ...(seen.gis ? { gis: seen.gis } : {}),
    errors: entry.errors ?? [],
  });
}
