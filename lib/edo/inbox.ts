/**
 * The incoming УПД of one participant through ЭДО Лайт, exactly once, journal first (docs/edo.md
 * «Incoming»). One inbox per `cz-connection` (`desk.service('edo-incoming', …)`), used by the
 * `edo-incoming` node, which gives it a handler: how to find the 1C receipt and check the codes
 * (lib/edo/receipts.ts, lib/edo/incoming.ts), and where the outcomes go.
 *
 * A round of the poll loop (the ЭДО Лайт API documentation, «Входящие документы»):
 *
 * 1. interrupted answers first: an entry left `sending`/`unknown` (a lost answer, a crash) is looked
 *    up (`GET /incoming-documents/{id}`: signed — status 4, 61–63 or `is_title_signed`; refused —
 *    8, 14, 5, 15) and adopted, or its journalled bytes are uploaded again when the document still
 *    waits for the buyer (3, 13) — never a second title built;
 * 2. the documents waiting for our signature (`GET /incoming-documents?status=3&status=13`): each new
 *    one is journalled (`received`, status `NEW`) before anything is done with it, its seller's title
 *    read (`…/{id}/content`, which makes the operator create the unsigned «Извещение о получении»),
 *    the handler's decision journalled (`SIGN`, `HOLD`, `REFUSE`), then acted on: the buyer's title
 *    5.03 (`…/xml/upd/title/970`) or the clarification request УОУ (`…/xml/uvtoch`) — bytes written
 *    to `<journal>.in/<sha256>.xml` and the entry `sending` before the upload;
 * 3. the receipts waiting for our signature (`GET /incoming-documents/unsigned-events`: the ИОП
 *    «Извещение о получении» of each УПД read) are signed (`…/events/{id}/signature`). A signed
 *    receipt leaves that list, so the list itself is the look-up before any repeat.
 *
 * A person's decision on a held УПД (`decide`) is journalled before it is acted on in the same way;
 * a decision on a УПД already answered is answered from the journal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { toZnakFlowError, ZnakFlowError } from '../errors';
import { writeFileAtomic } from '../store/atomic';
import { Journal, sha256, type JournalEntry } from '../journal/journal';
import type { CzDesk, DeskService, DeskServiceSummary } from '../cz/desk';
import { baseUrl, type CzConnectionSettings } from '../cz/settings';
import type { Signer } from '../signing/types';
import { buildBuyerTitle, buildClarification, readSellerTitle, type SellerTitle } from './buyer';
import { EdoClient, edoBaseUrl, type EdoClientOptions } from './client';
import type { IncomingDecision, Mismatch } from './incoming';
import { signerFromCertificate, type UpdSigner } from './upd';

export const INBOX_TYPE = 'UPD_IN';

/** The `status` of an incoming УПД in the journal. */
export const INBOX_STATUS = {
  new: 'NEW',
  hold: 'HOLD',
  signing: 'SIGNING',
  refusing: 'REFUSING',
  signed: 'SIGNED',
  refused: 'REFUSED',
  failed: 'FAILED',
} as const;
export type InboxStatus = (typeof INBOX_STATUS)[keyof typeof INBOX_STATUS];

/** ЭДО Лайт statuses («Статусная модель»): waiting for the buyer, signed, refused by the buyer. */
const WAITING = new Set([3, 13]);
const SIGNED = new Set([4, 61, 62, 63]);
const REFUSED = new Set([5, 8, 14, 15]);
/** Journal statuses of a decision taken (held: reported once; to sign or refuse: to be answered). */
const DECIDED: ReadonlySet<string> = new Set(['HOLD', 'SIGNING', 'REFUSING']);

/** The 1C receipt a УПД was matched to (what `msg.onec` carries to onec-write). */
export interface InboxReceipt {
  entity: string;
  ref: string;
  number: string;
  date?: string;
}

/** What the inbox keeps of one incoming УПД beside the journal's own fields. */
export interface InboxRecord {
  date: string;
  sellerInn: string;
  sellerName: string;
  action?: IncomingDecision['action'];
  decidedBy?: 'rule' | 'person';
  matchedBy?: 'number' | 'codes';
  mismatches?: Mismatch[];
  receipt?: InboxReceipt;
  reason?: string;
  /** the file uploaded (or to be uploaded) in answer: the buyer's title or the УОУ */
  answer?: { kind: 'title' | 'uvtoch'; fileName: string; sha256: string };
  /** the operator's id of the answer */
  answerId?: string;
  adopted?: boolean;
  codes?: string[];
}

export type InboxEntry = JournalEntry & { inbox?: InboxRecord };

export type InboxOutcomeKind = 'signed' | 'hold' | 'refused' | 'error';

/** An outcome handed to the flow. */
export interface InboxOutcome {
  kind: InboxOutcomeKind;
  documentId: string;
  fileId: string;
  number: string;
  date: string;
  seller: { inn: string; name: string };
  status: InboxStatus;
  decidedBy?: 'rule' | 'person';
  matchedBy?: 'number' | 'codes';
  receipt?: InboxReceipt;
  mismatches: Mismatch[];
  reason?: string;
  answerId?: string;
  codes: string[];
  /** answered from the journal (a decision on a УПД already answered) */
  duplicate?: boolean;
  /** the answer was found with the operator after a lost answer (nothing uploaded again) */
  adopted?: boolean;
  error?: ZnakFlowError;
}

/** The decision of the handler on a new УПД. */
export interface InboxVerdict {
  decision: IncomingDecision & { matchedBy?: 'number' | 'codes' };
  receipt?: InboxReceipt;
}

export interface InboxHandler {
  /** find the 1C receipt, check the codes, decide by the rules */
  decide(doc: { documentId: string; upd: SellerTitle }): Promise<InboxVerdict>;
  /** an outcome for the flow */
  report(outcome: InboxOutcome): void;
  /** after each round: the error that stopped it, if any */
  onRound?(error?: ZnakFlowError): void;
  /** how often to poll (the active handler's wins; default the inbox's) */
  pollMs?: number;
  /** the signer's position (`Должн`) when the certificate has none */
  position?: string;
}

export interface InboxOptions {
  journal: Journal;
  edo: Pick<
    EdoClient,
    | 'listIncoming'
    | 'content'
    | 'documentInfo'
    | 'uploadBuyerTitle'
    | 'refuseIncoming'
    | 'unsignedEvents'
    | 'eventContent'
    | 'signEvent'
  >;
  /** a detached CAdES-BES signature (base64) over exactly `bytes` */
  sign(bytes: Buffer): Promise<string>;
  /** the signer block of the titles (from the certificate; `position` when it has none) */
  signer(position?: string): Promise<UpdSigner>;
  /** called once when the inbox closes (the client it owns) */
  onClose?: () => void;
  /** one call to `release()` of the journal when the inbox closes (it opened it) */
  releaseJournal?: boolean;
  pollMs?: number;
  now?: () => Date;
}

/** One answer at a time per document and journal file, across the inboxes of this process. */
const busy = new Map<string, Promise<unknown>>();

function locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const before = busy.get(key) ?? Promise.resolve();
  const run = before.then(fn, fn);
  const tail = run.catch(() => undefined);
  busy.set(key, tail);
  void tail.then(() => {
    if (busy.get(key) === tail) busy.delete(key);
  });
  return run;
}

/** The journal file of a participant's incoming УПД on a stand. */
export function inboxFile(stateDir: string, stand: string, inn: string): string {
  return path.join(stateDir, `edo-incoming-${inn}-${sha256(stand).slice(0, 10)}.jsonl`);
}

function inboxError(code: string, ru: string, en: string, field?: string): ZnakFlowError {
  return new ZnakFlowError({ code, ru, en, field, source: 'input' });
}

export class EdoInbox implements DeskService {
  private readonly journal: Journal;
  private readonly handlers: InboxHandler[] = [];
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private closed = false;
  private readonly pollMs: number;
  private readonly now: () => Date;

  constructor(private readonly opts: InboxOptions) {
    this.journal = opts.journal;
    this.pollMs = Math.max(200, opts.pollMs ?? 30000);
    this.now = opts.now ?? (() => new Date());
  }

  /** Attach a handler (the first attached decides; the others wait their turn); returns the detach. */
  attach(h: InboxHandler): () => void {
    this.handlers.push(h);
    if (this.handlers.length === 1) this.schedule(0);
    return () => {
      const i = this.handlers.indexOf(h);
      if (i >= 0) this.handlers.splice(i, 1);
      if (this.handlers.length === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** The handler that decides now. */
  active(h: InboxHandler): boolean {
    return this.handlers[0] === h;
  }

  /** Poll now (and then on the interval); resolves when the round is over. */
  pollNow(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    return this.poll();
  }

  entry(documentId: string): InboxEntry | undefined {
    return this.journal.get(keyOf(documentId)) as InboxEntry | undefined;
  }

  entries(): InboxEntry[] {
    return this.journal.all().filter((e) => e.type === INBOX_TYPE) as InboxEntry[];
  }

  private schedule(ms: number): void {
    if (this.closed || this.handlers.length === 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, ms);
    this.timer.unref?.();
  }

  private poll(): Promise<void> {
    if (this.round) return this.round;
    this.round = (async () => {
      let error: ZnakFlowError | undefined;
      try {
        await this.once();
      } catch (err) {
        error = toZnakFlowError(err, 'edo');
      } finally {
        this.round = undefined;
      }
      this.handlers[0]?.onRound?.(error);
      this.schedule(this.handlers[0]?.pollMs ?? this.pollMs);
    })();
    return this.round;
  }

  /** One round: interrupted answers, new documents, receipts. */
  private async once(): Promise<void> {
    const h = this.handlers[0];
    if (!h || this.closed) return;
    for (const e of this.entries())
      if (e.state === 'sending' || e.state === 'unknown')
        await locked(this.lockKey(e.documentId ?? ''), () => this.reconcile(e.documentId ?? ''));
    let offset = 0;
    for (let page = 0; page < 20 && !this.closed; page++) {
      const p = await this.opts.edo.listIncoming({ status: [3, 13], limit: 100, offset, asc: true });
      for (const item of p.items) {
        const known = this.entry(item.id);
        if (known && known.state === 'received' && DECIDED.has(known.status ?? '')) {
          // decided and journalled, then interrupted before the answer was built: act on it now
          await locked(this.lockKey(item.id), () => this.resume(item.id, h));
          continue;
        }
        if (known && known.status !== INBOX_STATUS.new) continue;
        await locked(this.lockKey(item.id), () => this.incoming(item.id, item, h));
      }
      if (!p.hasNextPage || p.items.length === 0) break;
      offset += p.items.length;
    }
    await this.signReceipts();
  }

  /** A decision journalled whose answer was never built (a crash in between), or a held one never reported. */
  private async resume(documentId: string, h: InboxHandler): Promise<void> {
    const e = this.entry(documentId);
    if (!e || e.state !== 'received') return;
    if (e.status === INBOX_STATUS.hold) {
      if (e.reportedAt) return;
      h.report(this.outcome(e, 'hold'));
      this.journal.update(keyOf(documentId), { reportedAt: this.now().toISOString() });
      return;
    }
    if (!DECIDED.has(e.status ?? '') || e.status === INBOX_STATUS.hold) return;
    h.report(
      await this.answer(documentId, readSellerTitle(await this.opts.edo.content('incoming', documentId))),
    );
  }

  private lockKey(documentId: string): string {
    return `${this.journal.file}:${documentId}`;
  }

  /** A new incoming УПД: journal, read, decide, journal the decision, act. */
  private async incoming(
    documentId: string,
    item: { number?: string | null; sender?: { inn?: string | null; name?: string | null } | null },
    h: InboxHandler,
  ): Promise<void> {
    const key = keyOf(documentId);
    const had = this.entry(documentId);
    if (had && had.status !== INBOX_STATUS.new) return;
    if (!had) {
      this.journal.add({
        key,
        type: INBOX_TYPE,
        productGroup: '',
        part: 1,
        parts: 1,
        source: { ref: '', dataVersion: '' },
        docNumber: item.number ?? undefined,
      });
      this.journal.update(key, {
        documentId,
        status: INBOX_STATUS.new,
        inbox: { date: '', sellerInn: item.sender?.inn ?? '', sellerName: item.sender?.name ?? '' },
      } as Partial<InboxEntry>);
    }
    let upd: SellerTitle;
    try {
      upd = readSellerTitle(await this.opts.edo.content('incoming', documentId));
    } catch (err) {
      const e = toZnakFlowError(err, 'edo');
      if (e.retryable) throw e;
      // a file that is not a seller's title 5.03: a person has to look at it
      this.journal.update(key, { status: INBOX_STATUS.hold, lastError: e.message } as Partial<InboxEntry>);
      h.report({ ...this.outcome(this.entry(documentId) as InboxEntry, 'error'), error: e });
      this.journal.update(key, { reportedAt: this.now().toISOString() });
      return;
    }
    const rec: InboxRecord = {
      date: upd.date,
      sellerInn: upd.seller.inn,
      sellerName: upd.seller.name,
      codes: upd.codes,
    };
    this.journal.update(key, {
      fileId: upd.fileId,
      docNumber: upd.number,
      codesCount: upd.codes.length,
      codesSample: upd.codes.slice(0, 3),
      inbox: rec,
    } as Partial<InboxEntry>);
    const v = await h.decide({ documentId, upd });
    const d = v.decision;
    const decided: InboxRecord = {
      ...rec,
      action: d.action,
      decidedBy: 'rule',
      matchedBy: d.matchedBy,
      mismatches: d.mismatches,
      receipt: v.receipt,
      reason: d.action === 'refuse' ? d.reason : undefined,
    };
    this.journal.update(key, {
      status:
        d.action === 'hold'
          ? INBOX_STATUS.hold
          : d.action === 'sign'
            ? INBOX_STATUS.signing
            : INBOX_STATUS.refusing,
      errors: d.mismatches.map((m) => m.ru),
      source: {
        ref: v.receipt?.ref ?? '',
        dataVersion: '',
        entity: v.receipt?.entity,
        number: v.receipt?.number,
      },
      inbox: decided,
    } as Partial<InboxEntry>);
    if (d.action === 'hold') {
      h.report(this.outcome(this.entry(documentId) as InboxEntry, 'hold'));
      this.journal.update(key, { reportedAt: this.now().toISOString() });
      return;
    }
    h.report(await this.answer(documentId, upd));
  }

  /** A person's decision on a held УПД: journalled, then acted on; a repeat answered from the journal. */
  decide(documentId: string, decision: 'sign' | 'refuse', reason?: string): Promise<InboxOutcome> {
    if (!documentId)
      throw inboxError(
        'EDO_IN_NO_DOCUMENT',
        'не указан документ ЭДО Лайт (msg.edo.incoming.documentId)',
        'no ЭДО Лайт document given (msg.edo.incoming.documentId)',
        'edo.incoming.documentId',
      );
    const why = (reason ?? '').trim();
    if (decision === 'refuse' && !why)
      throw inboxError(
        'EDO_IN_NO_REASON',
        'для отказа нужна причина (msg.edo.incoming.reason)',
        'a refusal needs a reason (msg.edo.incoming.reason)',
        'edo.incoming.reason',
      );
    return locked(this.lockKey(documentId), async () => {
      const e = this.entry(documentId);
      if (!e)
        throw inboxError(
          'EDO_IN_UNKNOWN',
          `входящий УПД ${documentId} не найден в журнале`,
          `incoming УПД ${documentId} is not in the journal`,
          'edo.incoming.documentId',
        );
      if (e.state === 'final') return { ...this.outcome(e), duplicate: true };
      if (e.state === 'sending' || e.state === 'unknown') return this.reconcile(documentId, false);
      if (e.status !== INBOX_STATUS.hold)
        throw inboxError(
          'EDO_IN_NOT_HELD',
          `входящий УПД ${documentId} не ждёт решения (статус ${e.status ?? '—'})`,
          `incoming УПД ${documentId} is not waiting for a decision (status ${e.status ?? '—'})`,
          'edo.incoming.documentId',
        );
      this.journal.update(keyOf(documentId), {
        status: decision === 'sign' ? INBOX_STATUS.signing : INBOX_STATUS.refusing,
        inbox: {
          ...(e.inbox as InboxRecord),
          action: decision,
          decidedBy: 'person',
          reason: decision === 'refuse' ? why.slice(0, 2000) : undefined,
        },
      } as Partial<InboxEntry>);
      const upd = readSellerTitle(await this.opts.edo.content('incoming', documentId));
      return this.answer(documentId, upd);
    });
  }

  /** Build, journal, sign and upload the answer decided (the entry says which). */
  private async answer(documentId: string, upd: SellerTitle): Promise<InboxOutcome> {
    const key = keyOf(documentId);
    const e = this.entry(documentId) as InboxEntry;
    const rec = e.inbox as InboxRecord;
    const signing = e.status === INBOX_STATUS.signing;
    const signer = await this.opts.signer(this.handlers[0]?.position);
    const built = signing
      ? buildBuyerTitle({ seller: upd, signer, acceptance: { code: 1 }, formedAt: this.now() })
      : buildClarification({ seller: upd, reason: rec.reason ?? '', signer, formedAt: this.now() });
    writeFileAtomic(this.bytesFile(built.sha256), built.bytes);
    this.journal.update(key, {
      state: 'sending',
      bodyHash: built.sha256,
      attempts: e.attempts + 1,
      inbox: {
        ...rec,
        answer: { kind: signing ? 'title' : 'uvtoch', fileName: built.fileName, sha256: built.sha256 },
      },
    } as Partial<InboxEntry>);
    return this.upload(documentId);
  }

  /** Upload the journalled answer; on any failure look the document up before concluding. */
  private async upload(documentId: string): Promise<InboxOutcome> {
    const key = keyOf(documentId);
    const e = this.entry(documentId) as InboxEntry;
    const a = (e.inbox as InboxRecord).answer;
    if (!a) throw new Error(`inbox: no answer journalled for ${documentId}`);
    const bytes = fs.readFileSync(this.bytesFile(a.sha256));
    try {
      const signature = await this.opts.sign(bytes);
      const req = { fileName: a.fileName, bytes, signature };
      const r =
        a.kind === 'title'
          ? await this.opts.edo.uploadBuyerTitle(documentId, req)
          : await this.opts.edo.refuseIncoming(documentId, req);
      return this.finish(documentId, r.id, false);
    } catch (err) {
      const error = toZnakFlowError(err, 'edo');
      let found: 'signed' | 'refused' | 'waiting' | 'gone' | undefined;
      try {
        found = await this.lookUp(documentId);
      } catch {
        found = undefined;
      }
      if ((found === 'signed' && a.kind === 'title') || (found === 'refused' && a.kind === 'uvtoch'))
        return this.finish(documentId, undefined, true);
      if (found === undefined || error.retryable || found === 'waiting') {
        this.journal.update(key, { state: 'unknown', lastError: error.message });
        return { ...this.outcome(this.entry(documentId) as InboxEntry, 'error'), error };
      }
      this.journal.update(key, { state: 'failed', status: INBOX_STATUS.failed, lastError: error.message });
      return { ...this.outcome(this.entry(documentId) as InboxEntry, 'error'), error };
    }
  }

  private finish(documentId: string, answerId: string | undefined, adopted: boolean): InboxOutcome {
    const e = this.entry(documentId) as InboxEntry;
    const rec = e.inbox as InboxRecord;
    const title = rec.answer?.kind === 'title';
    const done = this.journal.update(keyOf(documentId), {
      state: 'final',
      status: title ? INBOX_STATUS.signed : INBOX_STATUS.refused,
      finalAt: this.now().toISOString(),
      reportedAt: this.now().toISOString(),
      lastError: undefined,
      inbox: { ...rec, answerId: answerId ?? rec.answerId, adopted },
    } as Partial<InboxEntry>) as InboxEntry;
    return { ...this.outcome(done), ...(adopted ? { adopted: true } : {}) };
  }

  /** Where the document stands with the operator. */
  private async lookUp(documentId: string): Promise<'signed' | 'refused' | 'waiting' | 'gone'> {
    const info = await this.opts.edo.documentInfo('incoming', documentId);
    const status = Number(info['status']);
    if (info['is_title_signed'] === true || SIGNED.has(status)) return 'signed';
    if (REFUSED.has(status)) return 'refused';
    if (WAITING.has(status)) return 'waiting';
    return 'gone';
  }

  /** An interrupted answer: adopt what the operator has, else upload the journalled bytes again. */
  private async reconcile(documentId: string, report = true): Promise<InboxOutcome> {
    const e = this.entry(documentId);
    if (!e || (e.state !== 'sending' && e.state !== 'unknown')) return this.outcome(e as InboxEntry);
    const kind = e.inbox?.answer?.kind;
    const found = await this.lookUp(documentId);
    let out: InboxOutcome;
    if ((found === 'signed' && kind === 'title') || (found === 'refused' && kind === 'uvtoch'))
      out = this.finish(documentId, undefined, true);
    else if (found === 'waiting') out = await this.upload(documentId);
    else {
      this.journal.update(keyOf(documentId), {
        state: 'failed',
        status: INBOX_STATUS.failed,
        lastError: `ЭДО Лайт: документ ${found === 'gone' ? 'больше не ждёт подписи' : 'в другом состоянии'}`,
      });
      out = this.outcome(this.entry(documentId) as InboxEntry, 'error');
    }
    if (report) this.handlers[0]?.report(out);
    return out;
  }

  /** Sign the receipts the operator waits for (the ИОП of each УПД read). */
  private async signReceipts(): Promise<void> {
    const events = await this.opts.edo.unsignedEvents('incoming');
    for (const ev of events) {
      if (this.closed) return;
      const bytes = await this.opts.edo.eventContent('incoming', ev.documentId, ev.id);
      await this.opts.edo.signEvent('incoming', ev.documentId, ev.id, await this.opts.sign(bytes));
    }
  }

  private bytesFile(hash: string): string {
    return path.join(`${this.journal.file}.in`, `${hash}.xml`);
  }

  /** The outcome of an entry as the flow sees it. */
  outcome(e: InboxEntry, kind?: InboxOutcomeKind): InboxOutcome {
    const rec: InboxRecord = e.inbox ?? { date: '', sellerInn: '', sellerName: '' };
    const status = (e.status ?? INBOX_STATUS.new) as InboxStatus;
    const k: InboxOutcomeKind =
      kind ??
      (status === INBOX_STATUS.signed
        ? 'signed'
        : status === INBOX_STATUS.refused
          ? 'refused'
          : status === INBOX_STATUS.hold
            ? 'hold'
            : 'error');
    return {
      kind: k,
      documentId: e.documentId ?? '',
      fileId: e.fileId ?? '',
      number: e.docNumber ?? '',
      date: rec.date,
      seller: { inn: rec.sellerInn, name: rec.sellerName },
      status,
      decidedBy: rec.decidedBy,
      matchedBy: rec.matchedBy,
      receipt: rec.receipt,
      mismatches: rec.mismatches ?? [],
      reason: rec.reason,
      answerId: rec.answerId,
      codes: rec.codes ?? [],
      ...(rec.adopted ? { adopted: true } : {}),
    };
  }

  summary(): DeskServiceSummary {
    const all = this.entries().sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const count = (s: string): number => all.filter((e) => e.status === s).length;
    return {
      kind: 'edo-incoming',
      title: { ru: 'Входящие УПД (ЭДО Лайт)', en: 'Incoming УПД (ЭДО Лайт)' },
      columns: [
        { key: 'number', ru: 'Номер', en: 'Number' },
        { key: 'date', ru: 'Дата', en: 'Date' },
        { key: 'seller', ru: 'Поставщик', en: 'Supplier' },
        { key: 'receipt', ru: 'Поступление 1С', en: '1C receipt' },
        { key: 'status', ru: 'Состояние', en: 'State' },
        { key: 'reason', ru: 'Причина', en: 'Reason' },
      ],
      rows: all.slice(0, 200).map((e) => ({
        documentId: e.documentId ?? '',
        number: e.docNumber ?? '',
        date: e.inbox?.date ?? '',
        seller: e.inbox?.sellerInn ?? '',
        receipt: e.inbox?.receipt?.number ?? null,
        status: e.status ?? '',
        reason: e.inbox?.reason ?? (e.errors && e.errors.length > 0 ? e.errors.join('; ') : null),
      })),
      counters: {
        total: all.length,
        signed: count(INBOX_STATUS.signed),
        hold: count(INBOX_STATUS.hold),
        refused: count(INBOX_STATUS.refused),
        failed: count(INBOX_STATUS.failed),
      },
      ...(count(INBOX_STATUS.hold) > 0
        ? {
            warning: {
              ru: `входящих УПД ждут решения: ${count(INBOX_STATUS.hold)}`,
              en: `incoming УПД waiting for a decision: ${count(INBOX_STATUS.hold)}`,
            },
          }
        : {}),
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.handlers.splice(0);
    if (this.opts.releaseJournal) this.journal.release();
    this.opts.onClose?.();
  }
}

function keyOf(documentId: string): string {
  return `in:${documentId}`;
}

/**
 * The signer block of a title from the signer's certificate (SN, G, T; else the CN read as «Фамилия
 * Имя Отчество»); `position` when the certificate has no title (T), else «Уполномоченное лицо».
 */
export async function certificateSigner(signer: Signer, position?: string): Promise<UpdSigner> {
  const cert = await signer.certificate?.();
  const base = cert ? signerFromCertificate(cert) : { surname: '', firstName: '', position: '' };
  const [surname = '', firstName = '', ...rest] = (cert?.commonName ?? '').trim().split(/\s+/);
  const s: Omit<UpdSigner, 'position'> =
    base.surname && base.firstName ? base : { surname, firstName, middleName: rest.join(' ') || undefined };
  return { ...s, position: position?.trim() || base.position || 'Уполномоченное лицо' };
}

/**
 * The inbox of a desk's participant, made on first use and closed with the desk (lib/cz/desk.ts
 * `service('edo-incoming', …)`): its own ЭДО Лайт client on the connection's token and signer, its
 * own journal file beside the desk's.
 */
export function deskInbox(
  desk: CzDesk,
  opts: { pollMs?: number; client?: Partial<EdoClientOptions> } = {},
): EdoInbox {
  return desk.service('edo-incoming', (conn) => {
    const s = desk.settings as CzConnectionSettings;
    const stand = baseUrl(s);
    const edo = new EdoClient({
      baseUrl: edoBaseUrl(s),
      api: s.edoApi,
      tokens: conn.client,
      trueApiUrl: stand,
      timeoutMs: s.timeout,
      ...opts.client,
    });
    const journal = Journal.open(inboxFile(desk.stateDir, stand, s.participantInn), {
      participantInn: s.participantInn,
      stand,
      horizonMs: desk.horizonMs,
      compactSlack: desk.compactSlack,
    });
    return new EdoInbox({
      journal,
      edo,
      sign: (bytes) => conn.signer.sign(bytes, 'detached', { purpose: 'document' }),
      signer: (position) => certificateSigner(conn.signer, position),
      releaseJournal: true,
      onClose: () => edo.close(),
      pollMs: opts.pollMs,
    });
  });
}
