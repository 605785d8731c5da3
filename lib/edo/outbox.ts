/**
 * Exactly-once outgoing УПД through ЭДО Лайт, journal first (docs/edo.md «Exactly once»).
 *
 * The idempotency key of the operator is the file name: «при повторной загрузке файла с тем же именем
 * возвращается идентификатор уже загруженного файла» (ЭДО Лайт API documentation, `POST
 * /outgoing-documents`). The operator does not compare contents, so what must never happen is a
 * second upload of *different* bytes under a name, or of the same document under a new name. Hence:
 *
 * 1. the bytes are written atomically to `<bytesDir>/<sha256>.xml` (lib/store/atomic.ts), then the
 *    journal entry — key, `ИдФайл`, SHA-256 — is written as `sending` and flushed, and only then is
 *    the file uploaded (detached signature over exactly those bytes);
 * 2. an entry left `sending`/`unknown` (a lost answer, a crash, a timeout) is uploaded again from the
 *    journalled bytes file, whatever the caller passes now: the operator answers the existing id;
 * 3. a repeat of a key already answered (`sent`/`final`) is answered from the journal, no call;
 * 4. a changed 1C document after the buyer signed — different bytes under the same key, or a new
 *    DataVersion of a document whose earlier УПД the buyer signed — is refused: a signed УПД is
 *    corrected by a УПДи (ФНС order ЕД-7-26/970@, `ИспрДок`), which is not built here yet. A new
 *    version while the earlier one is still out (not signed, not refused) is refused too: the earlier
 *    one has to be refused by the buyer or annulled first (ЭДО Лайт `…/xml/annul_02`).
 *
 * The journal is lib/journal/journal.ts's format in a file of its own (one per participant), so the
 * True API outbox and its status poller never see УПД entries. Entries have type `UPD`; their
 * `status` is one of `UPD_STATUS` (set by lib/edo/follow.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ZnakFlowError } from '../errors';
import { writeFileAtomic } from '../store/atomic';
import { Journal, sha256, type JournalEntry, type JournalSource } from '../journal/journal';

export const UPD_TYPE = 'UPD';

/** What the journal keeps as a УПД's `status` (lib/edo/follow.ts classifies into these). */
export const UPD_STATUS = {
  sent: 'SENT',
  delivered: 'DELIVERED',
  signed: 'SIGNED',
  refused: 'REFUSED',
  annulment: 'ANNULMENT_PROPOSED',
  annulled: 'ANNULLED',
  accepted: 'ACCEPTED',
  rejected: 'REJECTED',
} as const;
export type UpdStatus = (typeof UPD_STATUS)[keyof typeof UPD_STATUS];

/** Statuses after which the buyer's signature is on the document (a change needs a УПДи). */
const SIGNED: ReadonlySet<string> = new Set([UPD_STATUS.signed, UPD_STATUS.accepted, UPD_STATUS.rejected]);
/** Statuses after which the document no longer stands (a new version may go out). */
const GONE: ReadonlySet<string> = new Set([UPD_STATUS.refused, UPD_STATUS.annulled]);

export function isSignedByBuyer(e: Pick<JournalEntry, 'status'>): boolean {
  return SIGNED.has(e.status ?? '');
}

export interface OutgoingUpd {
  /** stable key of the 1C document version, e.g. `<Ref_Key>:<DataVersion>:upd:<pg>` */
  key: string;
  source: JournalSource;
  productGroup: string;
  part?: number;
  parts?: number;
  /** how many УПД the 1C version became (onec-write keeps a line per УПД in 1C) */
  total?: number;
  fileId: string;
  bytes: Buffer;
  /** the УПД number (`НомерДок`) */
  number?: string;
  codes?: string[];
}

export interface UpdOutboxApi {
  /** a detached CAdES-BES signature (base64) over exactly `bytes` */
  sign(bytes: Buffer): Promise<string>;
  /** `POST /outgoing-documents` (EdoClient.uploadSellerTitle) */
  upload(req: { fileName: string; bytes: Buffer; signature: string }): Promise<{ id: string }>;
}

export interface UpdSendResult {
  entry: JournalEntry;
  documentId: string;
  /** answered from the journal, nothing uploaded */
  fromJournal: boolean;
  /** the journalled bytes were uploaded instead of different ones given now (same key) */
  journalledBytesUsed: boolean;
}

/** Where the bytes of the УПД of a journal live (next to the journal file). */
export function updBytesDir(journalFile: string): string {
  return path.join(path.dirname(journalFile), `${path.basename(journalFile).replace(/\.[^.]+$/, '')}.upd`);
}

function correctionNeeded(e: JournalEntry, why: 'bytes' | 'version'): ZnakFlowError {
  const what =
    why === 'bytes'
      ? ['содержимое УПД изменилось', 'the УПД content changed']
      : ['документ 1С изменён (новая версия)', 'the 1C document changed (a new version)']; // prettier-ignore
  return new ZnakFlowError({
    code: 'UPD_CORRECTION_REQUIRED',
    field: 'key',
    ru: `${what[0]} после подписания покупателем УПД ${e.fileId ?? e.key} (${e.documentId ?? ''}): второй УПД не отправляется — нужен исправительный УПД (УПДи)`,
    en: `${what[1]} after the buyer signed УПД ${e.fileId ?? e.key} (${e.documentId ?? ''}): no second УПД is sent — a correction (УПДи) is needed`,
    source: 'edo',
  });
}

export class UpdOutbox {
  readonly bytesDir: string;

  constructor(
    readonly journal: Journal,
    private readonly api: UpdOutboxApi,
    opts: { bytesDir?: string } = {},
  ) {
    this.bytesDir = opts.bytesDir ?? updBytesDir(journal.file);
  }

  private bytesFile(hash: string): string {
    return path.join(this.bytesDir, `${hash}.xml`);
  }

  /** The journalled bytes of an entry, checked against their SHA-256. */
  journalledBytes(e: JournalEntry): Buffer {
    const file = this.bytesFile(e.bodyHash ?? '');
    let b: Buffer;
    try {
      b = fs.readFileSync(file);
    } catch (err) {
      throw new ZnakFlowError({
        code: 'UPD_BYTES_MISSING',
        ru: `нет файла с байтами УПД ${e.fileId ?? e.key} (${file}): повторная отправка невозможна`,
        en: `the bytes file of УПД ${e.fileId ?? e.key} is missing (${file}): it cannot be uploaded again`,
        source: 'journal',
        cause: err,
      });
    }
    if (sha256(b) !== e.bodyHash)
      throw new ZnakFlowError({
        code: 'UPD_BYTES_CORRUPT',
        ru: `байты УПД ${e.fileId ?? e.key} не совпадают с записанной SHA-256`,
        en: `the bytes of УПД ${e.fileId ?? e.key} do not match the journalled SHA-256`,
        source: 'journal',
      });
    return b;
  }

  /** Send one УПД exactly once (see the module comment). */
  async send(doc: OutgoingUpd): Promise<UpdSendResult> {
    const hash = sha256(doc.bytes);
    const existing = this.journal.get(doc.key);
    if (existing) {
      const changed = existing.bodyHash !== hash;
      if (changed && isSignedByBuyer(existing)) throw correctionNeeded(existing, 'bytes');
      if (existing.documentId && existing.state !== 'failed')
        return {
          entry: existing,
          documentId: existing.documentId,
          fromJournal: true,
          journalledBytesUsed: false,
        };
      return this.upload(existing, changed);
    }
    for (const other of this.journal.otherVersions({
      key: doc.key,
      type: UPD_TYPE,
      productGroup: doc.productGroup,
      part: doc.part ?? 1,
      source: doc.source,
    })) {
      if (isSignedByBuyer(other)) throw correctionNeeded(other, 'version');
      if (other.state !== 'failed' && !GONE.has(other.status ?? ''))
        throw new ZnakFlowError({
          code: 'UPD_PREVIOUS_VERSION_OUT',
          field: 'key',
          ru: `УПД прежней версии документа 1С (${other.fileId ?? other.key}) ещё у покупателя: новая версия отправляется после его отказа или аннулирования`,
          en: `the УПД of an earlier version of the 1C document (${other.fileId ?? other.key}) is still with the buyer: the new version goes out after it is refused or annulled`,
          source: 'edo',
        });
    }
    // 1. the bytes, atomically; 2. the entry, `sending`, flushed (its two lines with one flush); 3. the upload
    writeFileAtomic(this.bytesFile(hash), doc.bytes);
    const entry = this.journal.batch(() =>
      this.sending(
        this.journal.add({
          key: doc.key,
          type: UPD_TYPE,
          productGroup: doc.productGroup,
          part: doc.part ?? 1,
          parts: doc.parts ?? 1,
          ...(doc.total !== undefined ? { total: doc.total } : {}),
          source: doc.source,
          bodyHash: hash,
          fileId: doc.fileId,
          docNumber: doc.number,
          codesCount: doc.codes?.length,
          codesSample: doc.codes?.slice(0, 3),
        }).entry,
      ),
    );
    return this.transmit(entry, doc.bytes, false);
  }

  /** Entries whose upload may not have reached the operator (after a restart: upload them again). */
  interrupted(): JournalEntry[] {
    return this.journal
      .all()
      .filter(
        (e) =>
          e.type === UPD_TYPE &&
          !e.documentId &&
          (e.state === 'sending' || e.state === 'unknown' || e.state === 'received'),
      );
  }

  /** Upload every interrupted entry again (the same bytes, the same name). */
  async recover(): Promise<UpdSendResult[]> {
    const out: UpdSendResult[] = [];
    for (const e of this.interrupted()) out.push(await this.upload(e, false));
    return out;
  }

  private async upload(e: JournalEntry, journalledBytesUsed: boolean): Promise<UpdSendResult> {
    const bytes = this.journalledBytes(e);
    return this.transmit(this.sending(e), bytes, journalledBytesUsed);
  }

  /** The entry marked `sending` (one more attempt): durable before the upload. */
  private sending(e: JournalEntry): JournalEntry {
    return this.journal.update(e.key, { state: 'sending', attempts: e.attempts + 1 });
  }

  /** Sign and upload the journalled bytes of an entry marked `sending`; the outcome into the journal. */
  private async transmit(
    e: JournalEntry,
    bytes: Buffer,
    journalledBytesUsed: boolean,
  ): Promise<UpdSendResult> {
    const fileId = e.fileId as string;
    try {
      const signature = await this.api.sign(bytes);
      const { id } = await this.api.upload({ fileName: `${fileId}.xml`, bytes, signature });
      const entry = this.journal.update(e.key, {
        state: 'sent',
        documentId: id,
        sentAt: new Date().toISOString(),
        status: UPD_STATUS.sent,
        lastError: undefined,
      });
      return { entry, documentId: id, fromJournal: false, journalledBytesUsed };
    } catch (err) {
      const z = err instanceof ZnakFlowError ? err : undefined;
      // a refusal of the request (4xx other than 429) means nothing was received: `failed`, may be
      // sent again; anything else may have reached the operator: `unknown`, uploaded again as is
      const refused = !!z && !z.retryable && z.status !== undefined && z.status < 500;
      this.journal.update(e.key, {
        state: refused ? 'failed' : 'unknown',
        lastError: z ? `${z.code}: ${z.ru}` : String(err),
      });
      throw err;
    }
  }
}
