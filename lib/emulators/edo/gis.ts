/**
 * The ГИС МТ side of a УПД in the True API emulator: once the operator has passed a signed УПД on
 * (EDO status 63 and after), ГИС МТ shows it among the participant's documents — `doc/list` with
 * `documentFormat=UPD` («документы в формате ЭДО», «Описание True API» v553 §6.1), type
 * `UNIVERSAL_TRANSFER_DOCUMENT` («Справочник "Типы документов"»), and `doc/{ИдФайл}/info` («ID документа,
 * формируемый в ГИС МТ, или ИдФайл для УД», §6.4) with the UD body of the §6.4 example: `sellerInfo`,
 * `buyerInfo`, `acceptanceCode`, `upd`, `updDate`, `updFix`, `products[{code, name, codeType, strNum}]`.
 * The status follows the processing receipt (`tpr/ud`, §7.1): `IN_PROGRESS`, then `CHECKED_OK` or
 * `CHECKED_NOT_OK` with the receipt's errors as `"<code>: <text>"`.
 */
import { readSellerTitle, type SellerTitle } from '../../edo/buyer';
import { productGroup } from '../../cz/product-groups';
import type { EmulatorDocument } from '../cz/documents';
import type { EdoDocument } from './routes';

const TITLES = new WeakMap<Buffer, SellerTitle | null>();

function titleOf(d: EdoDocument): SellerTitle | undefined {
  let t = TITLES.get(d.bytes);
  if (t === undefined) {
    try {
      t = readSellerTitle(d.bytes);
    } catch {
      t = null;
    }
    TITLES.set(d.bytes, t);
  }
  return t ?? undefined;
}

/** The receipt's errors as ГИС МТ lists them on a document (`"<code>: <text>"`). */
function receiptErrors(d: EdoDocument): string[] {
  const out: string[] = [];
  for (const op of d.tprUd?.operations ?? []) {
    const errs = op.details['errors'];
    if (!Array.isArray(errs)) continue;
    for (const e of errs as Array<{ code?: unknown; text?: unknown }>)
      out.push(`${String(e.code ?? '')}: ${String(e.text ?? '')}`);
  }
  return out;
}

const STATE: Record<string, string> = {
  IN_PROGRESS: 'IN_PROGRESS',
  SUCCESS: 'CHECKED_OK',
  FAILED: 'CHECKED_NOT_OK',
};

/** `ДД.ММ.ГГГГ` → ISO date (the УПД's own date). */
function isoOf(date: string): string | null {
  const m = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(date);
  return m ? `${m[3]}-${m[2]}-${m[1]}` : null;
}

/** The УПД as a ГИС МТ document, once ГИС МТ has it (undefined before the buyer's signature). */
export function udDocument(d: EdoDocument): EmulatorDocument | undefined {
  const r = d.tprUd;
  if (!r) return undefined;
  const received = new Date(r.sourceDocDate).toISOString();
  return {
    number: d.fileId,
    type: 'UNIVERSAL_TRANSFER_DOCUMENT',
    documentFormat: 'UPD',
    pg: d.pg,
    pgId: productGroup(d.pg)?.id ?? null,
    raw: d.bytes,
    signature: d.signature,
    participantInn: d.sellerInn,
    senderInn: d.sellerInn,
    senderName: d.sellerName,
    receiverInn: d.buyerInn,
    receiverName: d.buyerName,
    status: STATE[r.state] ?? 'IN_PROGRESS',
    errors: receiptErrors(d),
    commonErrors: [],
    docDate: received,
    receivedAt: received,
    visibleAt: r.sourceDocDate,
    processAt: r.resultDocDate ?? r.sourceDocDate,
    ...(r.resultDocDate ? { processedAt: new Date(r.resultDocDate).toISOString() } : {}),
    relatedDocId: null,
    turnoverType: null,
    invoiceNumber: d.number,
    invoiceDate: isoOf(d.date),
    codes: [...d.codes],
  };
}

/**
 * The UD part of `doc/{ИдФайл}/info` (§6.4): the parties, the УПД's number and date, its codes with the
 * names of their lines. `limit` and `pageNumber` (from 0 ⚠: the base is not stated) page the codes,
 * 36 000 a page by default.
 */
export function udInfo(d: EdoDocument, q: URLSearchParams): Record<string, unknown> {
  const t = titleOf(d);
  const limit = Math.max(1, Number(q.get('limit') ?? 36000) || 36000);
  const page = Math.max(0, Number(q.get('pageNumber') ?? 0) || 0);
  const products: Array<Record<string, unknown>> = [];
  for (const line of t?.lines ?? []) {
    for (const code of [...line.codes, ...line.packages])
      products.push({ code, name: line.name, codeType: 'EXEMPLARY', strNum: line.index });
  }
  const party = (p: { name: string; inn: string; kpp?: string } | undefined, inn: string, name: string) => ({
    name: p?.name ?? name,
    inn: p?.inn ?? inn,
    kpp: p?.kpp ?? null,
    address: null,
    edoOperatorName: 'ЭДО Лайт',
  });
  return {
    sellerInfo: party(t?.seller, d.sellerInn, d.sellerName),
    buyerInfo: party(t?.buyer, d.buyerInn, d.buyerName),
    acceptanceCode: d.buyerTitle ? 1 : null,
    upd: d.number,
    updDate: isoOf(d.date),
    updFix: null,
    products: products.slice(page * limit, (page + 1) * limit),
    total: products.length,
  };
}
