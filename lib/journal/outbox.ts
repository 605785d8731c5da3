/**
 * Exactly-once sending on top of the journal.
 *
 * - The entry is written (durably) before Честный ЗНАК is called; the same key is never sent twice.
 * - An entry whose outcome is unknown (crash or timeout after the POST started) is first looked up in
 *   Честный ЗНАК (doc/list by type and time window, then doc/{id}/info to compare number and codes)
 *   and adopted if found; only when it is certainly absent is the document sent again.
 * - Requests Честный ЗНАК answered with a refusal (4xx, 429) were not received and may be sent again.
 * - A new 1C version (DataVersion) of a document is sent only when no earlier version of it is in
 *   Честный ЗНАК, or the earlier one was rejected: an edit of a sale already shipped is answered
 *   with the earlier document (re-sending it would ship the same goods twice, which Честный ЗНАК
 *   rejects); while the earlier one is still being processed the new version waits for its outcome.
 */
import { ZnakFlowError } from '../errors';
import { isAccepted, Journal, sha256, type JournalEntry, type JournalSource } from './journal';

export interface SendableDocument {
  key: string;
  type: string;
  productGroup: string;
  part: number;
  parts: number;
  /** how many ЧЗ documents the 1C version became (kept in the journal for the write-back) */
  total?: number;
  source: JournalSource;
  body: unknown;
  format: 'MANUAL';
}

/** A document of doc/list, as much as the outbox needs. */
export interface ListedDocument {
  number: string;
  type: string;
  status: string;
  receivedAt?: string | null;
  docDate?: string | null;
  errors?: string[] | null;
}

/** The exact bytes to sign and send: a Buffer or string as given, anything else as compact JSON. */
export function documentBytes(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/** The body as an object (parsed when it came as exact bytes), for codes and number. */
export function documentObject(body: unknown): unknown {
  if (Buffer.isBuffer(body) || typeof body === 'string') {
    try {
      return JSON.parse(body.toString()) as unknown;
    } catch {
      return undefined;
    }
  }
  return body;
}

export interface OutboxApi {
  /** Sign `bytes` (detached) and POST lk/documents/create; resolves with the document id. */
  create(req: {
    type: string;
    productGroup: string;
    format: 'MANUAL';
    bytes: Buffer;
    signature?: string;
  }): Promise<string>;
  /** doc/list with every page read; dates are ISO strings. */
  list(filter: {
    productGroup: string;
    documentType?: string;
    dateFrom: string;
    dateTo: string;
  }): Promise<ListedDocument[]>;
  /** doc/{id}/info?body=true — the first element, or undefined when not (yet) visible. */
  info(
    id: string,
    productGroup: string,
  ): Promise<{ body?: unknown; status?: string; errors?: string[] | null } | undefined>;
  /** True when a failed create certainly did not reach Честный ЗНАК (refused, 4xx, signing failed). */
  refused?(err: unknown): boolean;
}

export interface SendResult {
  documentId: string;
  sentAt: string;
  /** nothing was sent now: the journal (or Честный ЗНАК itself) already had this document */
  duplicate: boolean;
  /** an interrupted send was found in Честный ЗНАК and adopted */
  adopted: boolean;
  entry: JournalEntry;
  /**
   * this 1C version was not sent because an earlier version of the same document is in Честный ЗНАК
   * (`entry` is the earlier one's); `changed` when the new version's bytes differ from what was sent
   */
  earlier?: { key: string; dataVersion: string; changed: boolean };
}

export interface OutboxOptions {
  /** how long after an interrupted send before Честный ЗНАК is searched (new ids may be invisible for a while) */
  settleMs?: number;
  now?: () => Date;
}

const CODE_KEYS = new Set([
  'uit_code',
  'uitu_code',
  'cis',
  'ki',
  'kitu',
  'uitu',
  'sntins',
  'unitSerialNumber',
  'last_uin',
  'uit_uitu',
]);

/** Every marking code in a ЧЗ document body, whatever its type. */
export function codesOf(body: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, key?: string): void => {
    if (typeof v === 'string') {
      if (key && CODE_KEYS.has(key)) out.push(v);
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, key);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, k);
    }
  };
  walk(body);
  return out;
}

/** The primary document number a body carries, if its type has one. */
export function numberOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  for (const k of ['document_num', 'document_number', 'primary_document_number', 'declaration_number']) {
    if (typeof b[k] === 'string' && b[k]) return b[k] as string;
  }
  return undefined;
}

/** A refusal by Честный ЗНАК before processing: nothing was received, sending again is safe. */
export function notReceived(err: unknown): boolean {
  if (!(err instanceof ZnakFlowError)) return false;
  if (err.code === 'SIGN_FAILED' || err.code === 'AUTH_FAILED') return true;
  if (err.status !== undefined) return err.status === 429 || (err.status >= 400 && err.status < 500);
  return err.code === 'ECONNREFUSED' || err.code === 'NETWORK_REFUSED';
}

export class Outbox {
  private readonly inflight = new Map<string, Promise<SendResult>>();
  private readonly settleMs: number;
  private readonly now: () => Date;

  constructor(
    readonly journal: Journal,
    private readonly api: OutboxApi,
    opts: OutboxOptions = {},
  ) {
    this.settleMs = opts.settleMs ?? 20000;
    this.now = opts.now ?? (() => new Date());
  }

  /**
   * Send a document once. A second call for the same key answers with the journalled id.
   * `settleMs` overrides the outbox's wait before an interrupted send is looked for (the sending node's setting).
   */
  send(doc: SendableDocument, signature?: string, opts: { settleMs?: number } = {}): Promise<SendResult> {
    const running = this.inflight.get(doc.key);
    if (running) return running.then((r) => ({ ...r, duplicate: true }));
    const settle = opts.settleMs ?? this.settleMs;
    const p = this.sendOnce(doc, signature, settle).finally(() => this.inflight.delete(doc.key));
    this.inflight.set(doc.key, p);
    return p;
  }

  private async sendOnce(
    doc: SendableDocument,
    signature: string | undefined,
    settle: number,
  ): Promise<SendResult> {
    const bytes = documentBytes(doc.body);
    const obj = documentObject(doc.body);
    const codes = codesOf(obj);
    let entry = this.journal.get(doc.key);
    if (entry?.documentId && (entry.state === 'sent' || entry.state === 'final')) {
      return {
        documentId: entry.documentId,
        sentAt: entry.sentAt ?? entry.updatedAt,
        duplicate: true,
        adopted: false,
        entry,
      };
    }
    if (entry && (entry.state === 'sending' || entry.state === 'unknown')) {
      const adopted = await this.reconcile(entry, settle);
      if (adopted) return adopted;
      entry = this.journal.get(doc.key);
    }
    const earlier = await this.earlierVersion(doc, bytes, settle);
    if (earlier) return earlier;
    // the new entry and its `sending` state reach the disk together, before Честный ЗНАК is called
    const known = entry;
    this.journal.batch(() => {
      let e = known;
      if (!e) {
        e = this.journal.add({
          key: doc.key,
          type: doc.type,
          productGroup: doc.productGroup,
          part: doc.part,
          parts: doc.parts,
          ...(doc.total !== undefined ? { total: doc.total } : {}),
          source: doc.source,
          bodyHash: sha256(bytes),
          docNumber: numberOf(obj),
          codesSample: codes.slice(0, 5),
          codesCount: codes.length,
        }).entry;
      }
      this.journal.update(doc.key, {
        state: 'sending',
        attempts: e.attempts + 1,
        bodyHash: sha256(bytes),
        docNumber: numberOf(obj),
        codesSample: codes.slice(0, 5),
        codesCount: codes.length,
      });
    });
    let documentId: string;
    try {
      documentId = await this.api.create({
        type: doc.type,
        productGroup: doc.productGroup,
        format: doc.format,
        bytes,
        signature,
      });
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      const refused = this.api.refused ? this.api.refused(err) : notReceived(err);
      this.journal.update(doc.key, { state: refused ? 'failed' : 'unknown', lastError: text });
      throw err;
    }
    const sentAt = this.now().toISOString();
    const sent = this.journal.update(doc.key, { state: 'sent', documentId, sentAt, lastError: undefined });
    return { documentId, sentAt, duplicate: false, adopted: false, entry: sent };
  }

  /**
   * An earlier 1C version of the same document that Честный ЗНАК has (or may have): the answer for
   * this version instead of sending it. Undefined when nothing stands in the way (no earlier version,
   * or only rejected and refused ones). Throws a retryable error while an earlier version is still
   * being processed (its outcome decides) or cannot be checked yet.
   */
  private async earlierVersion(
    doc: SendableDocument,
    bytes: Buffer,
    settle: number,
  ): Promise<SendResult | undefined> {
    for (const found of this.journal.otherVersions(doc)) {
      let o: JournalEntry = found;
      const running = this.inflight.get(o.key);
      if (running) {
        await running.catch(() => undefined);
        o = this.journal.get(o.key) ?? o;
      }
      if (o.state === 'sending' || o.state === 'unknown') {
        const adopted = await this.reconcile(o, settle);
        if (!adopted) continue; // certainly not received (now marked failed)
        o = adopted.entry;
      }
      if (o.state === 'received' || o.state === 'failed' || !o.documentId) continue;
      if (o.state === 'final' && !isAccepted(o.status)) continue; // rejected: a new version may go
      if (o.state !== 'final') {
        throw new ZnakFlowError({
          code: 'EARLIER_VERSION_PENDING',
          ru: `предыдущая версия документа 1С ${doc.source.number ?? doc.source.ref} ещё проверяется в Честном ЗНАКе (документ ${o.documentId}); новая версия будет отправлена, только если ту отклонят`,
          en: `an earlier version of 1C document ${doc.source.number ?? doc.source.ref} is still being processed by Честный ЗНАК (document ${o.documentId}); the new version is sent only if that one is rejected`,
          source: 'journal',
          retryable: true,
        });
      }
      return {
        documentId: o.documentId,
        sentAt: o.sentAt ?? o.updatedAt,
        duplicate: true,
        adopted: false,
        entry: o,
        earlier: { key: o.key, dataVersion: o.source.dataVersion, changed: o.bodyHash !== sha256(bytes) },
      };
    }
    return undefined;
  }

  /**
   * Look for an interrupted send in Честный ЗНАК. Returns the adopted result, or undefined when the
   * document is certainly not there (the entry is then marked `failed`, i.e. safe to send).
   */
  async reconcile(entry: JournalEntry, settleMs = this.settleMs): Promise<SendResult | undefined> {
    const since = Date.parse(entry.updatedAt);
    const waited = this.now().getTime() - since;
    if (waited < settleMs) {
      throw new ZnakFlowError({
        code: 'RECONCILE_WAIT',
        ru: `отправка документа ${entry.key} была прервана; проверка в Честном ЗНАКе возможна через ${Math.ceil((settleMs - waited) / 1000)} с`,
        en: `sending ${entry.key} was interrupted; Честный ЗНАК can be checked in ${Math.ceil((settleMs - waited) / 1000)} s`,
        source: 'journal',
        retryable: true,
      });
    }
    // A stand may date documents by receipt or by the document's own date (⚠ inferred; «Описание True API» §6.1:
    // doc/list sorts and filters by `docDate`): the window starts a day before the earlier of both.
    const own = entry.source.date ? Date.parse(entry.source.date) : NaN;
    const start = Math.min(Date.parse(entry.createdAt), Number.isFinite(own) ? own : Infinity);
    const from = new Date(start - 86400000).toISOString();
    const to = new Date(this.now().getTime() + 86400000).toISOString();
    const listed = await this.api.list({
      productGroup: entry.productGroup,
      documentType: entry.type,
      dateFrom: from,
      dateTo: to,
    });
    const earliest = Date.parse(entry.createdAt) - 5 * 60000;
    // each document asked about once, however often a (spoiled or overlapping) list names it
    const asked = new Set<string>();
    const candidates = listed.filter((d) => {
      if (asked.has(d.number)) return false;
      asked.add(d.number);
      return (
        d.type === entry.type &&
        !this.journal.byDocumentId(d.number) &&
        (!d.receivedAt || receivedTime(d.receivedAt) >= earliest)
      );
    });
    for (const c of candidates) {
      const info = await this.api.info(c.number, entry.productGroup);
      if (info && this.matches(entry, info.body)) {
        const sentAt = c.receivedAt ?? this.now().toISOString();
        const e = this.journal.update(entry.key, {
          state: 'sent',
          documentId: c.number,
          sentAt,
          lastError: undefined,
        });
        return { documentId: c.number, sentAt, duplicate: true, adopted: true, entry: e };
      }
    }
    this.journal.update(entry.key, {
      state: 'failed',
      lastError: 'not found in Честный ЗНАК after an interrupted send',
    });
    return undefined;
  }

  private matches(entry: JournalEntry, body: unknown): boolean {
    if (body === undefined || body === null) return false;
    const codes = codesOf(body);
    if (entry.codesCount !== undefined && entry.codesCount > 0) {
      if (codes.length !== entry.codesCount) return false;
      const set = new Set(codes);
      if (!(entry.codesSample ?? []).every((c) => set.has(c))) return false;
    }
    const n = numberOf(body);
    if (entry.docNumber && n && n !== entry.docNumber) return false;
    return (entry.codesCount ?? 0) > 0 || (!!entry.docNumber && n === entry.docNumber);
  }
}

/**
 * When Честный ЗНАК received a document, for the look-up after an interrupted send. The reference
 * shows times with a zone (`…Z`); a time without one could be UTC or any wall clock, so it is read
 * as late as it can be (the westmost zone, −12:00): a document is never left out for it (§6.2 ⚠).
 */
function receivedTime(v: string): number {
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(v.trim());
  if (zoned) return Date.parse(v);
  const t = Date.parse(`${v.trim()}Z`);
  return Number.isNaN(t) ? Date.parse(v) : t + 12 * 3600000;
}
