/**
 * The 1C receipts an incoming УПД may belong to, read through the 1C standard OData interface the way
 * `onec-read` reads documents (lib/onec/read.ts: the preset's layout, header references expanded,
 * items and marking codes resolved in batches), then matched (lib/edo/incoming.ts `matchReceipt`):
 *
 * 1. by the supplier's document number: УТ 11 / ERP keep it in `НомерВходящегоДокумента` of
 *    `Document_ПриобретениеТоваровУслуг` (its date in `ДатаВходящегоДокумента`) — one filtered read;
 * 2. else by the codes, among the receipts of the last `lookbackDays` days (not marked for deletion).
 *
 * Receipts need not be posted: a receipt is often entered when the goods arrive and posted after the
 * УПД is signed.
 */
import type { OnecClient } from '../onec/client';
import { documentMeta, readQuery, readTarget, type QueryRead } from '../onec/read';
import { naiveLocal, type Condition } from '../onec/query';
import type { SellerTitle } from './buyer';
import type { CzClient } from '../cz/client';
import { checkCodes } from '../cz/codes-check';
import {
  checkIncoming,
  matchReceipt,
  receiptCandidate,
  type IncomingRules,
  type ReceiptCandidate,
} from './incoming';
import type { InboxReceipt, InboxVerdict } from './inbox';

export interface ReceiptSearch {
  /** configuration preset (`ut11`, `erp2`, …) */
  preset: string;
  /** entity set; '' for the preset's receipts (`purchases`) */
  entity?: string;
  /** how far back the receipts are looked through for a match by codes (days) */
  lookbackDays: number;
  now?: Date;
}

export interface ReceiptFound {
  candidates: ReceiptCandidate[];
  /** the receipts read, as msg.onec describes them, by Ref_Key */
  metas: Map<string, InboxReceipt>;
  match?: { receipt: ReceiptCandidate; by: 'number' | 'codes'; meta: InboxReceipt };
}

function candidates(
  read: QueryRead,
  entity: string,
  preset: string,
): { list: ReceiptCandidate[]; meta: Map<string, InboxReceipt> } {
  const list: ReceiptCandidate[] = [];
  const meta = new Map<string, InboxReceipt>();
  for (const d of read.documents) {
    const onec = documentMeta(entity, d, read.layout);
    const c = receiptCandidate(d.payload, onec, { preset, kind: 'purchases' });
    list.push(c);
    meta.set(c.ref, { entity, ref: c.ref, number: c.number, date: onec.date });
  }
  return { list, meta };
}

/** The receipt of `upd` in 1C: by the supplier's number, else by the codes. */
export async function findReceipt(
  client: OnecClient,
  upd: SellerTitle,
  s: ReceiptSearch,
): Promise<ReceiptFound> {
  const target = readTarget({ preset: s.preset, kind: s.entity ? '' : 'purchases', entity: s.entity ?? '' });
  const notDeleted: Condition = { field: 'DeletionMark', op: 'eq', value: false, type: 'boolean' };
  const spec = { select: [], orderby: [], resolve: true };
  const all: ReceiptCandidate[] = [];
  const metas = new Map<string, InboxReceipt>();
  if (upd.number) {
    const byNumber = await readQuery(client, target, {
      ...spec,
      conditions: [
        { field: 'НомерВходящегоДокумента', op: 'eq', value: upd.number, type: 'string' },
        notDeleted,
      ],
      top: 50,
    });
    const c = candidates(byNumber, target.entity, s.preset);
    all.push(...c.list);
    for (const [k, v] of c.meta) metas.set(k, v);
    const m = matchReceipt(upd, c.list);
    if (m)
      return { candidates: all, metas, match: { ...m, meta: c.meta.get(m.receipt.ref) as InboxReceipt } };
  }
  if (upd.codes.length === 0) return { candidates: all, metas };
  const since = new Date((s.now ?? new Date()).getTime() - Math.max(1, s.lookbackDays) * 86400000);
  const recent = await readQuery(client, target, {
    ...spec,
    conditions: [{ field: 'Date', op: 'ge', value: naiveLocal(since), type: 'datetime' }, notDeleted],
    top: 500,
  });
  const c = candidates(recent, target.entity, s.preset);
  for (const x of c.list) if (!metas.has(x.ref)) all.push(x);
  for (const [k, v] of c.meta) metas.set(k, v);
  const m = matchReceipt(upd, all);
  return m
    ? { candidates: all, metas, match: { ...m, meta: metas.get(m.receipt.ref) as InboxReceipt } }
    : { candidates: all, metas };
}

/**
 * The decision on an incoming УПД against the live systems: its 1C receipt (`findReceipt`), ГИС МТ's
 * view of its codes (`cises/info`, as lib/cz/codes-check.ts asks it), then the rules
 * (lib/edo/incoming.ts `checkIncoming`). What `edo-incoming` gives the inbox as its handler's `decide`.
 */
export async function decideReceipt(opts: {
  onec: OnecClient;
  cz: Pick<CzClient, 'cisesInfo'>;
  upd: SellerTitle;
  search: ReceiptSearch;
  rules?: IncomingRules;
}): Promise<InboxVerdict> {
  const found = await findReceipt(opts.onec, opts.upd, opts.search);
  const cises = opts.upd.codes.length > 0 ? (await checkCodes(opts.cz, opts.upd.codes)).items : [];
  const decision = checkIncoming(opts.upd, found.candidates, cises, opts.rules);
  const receipt = decision.receipt
    ? (found.metas.get(decision.receipt.ref) ?? {
        entity: opts.search.entity ?? '',
        ref: decision.receipt.ref,
        number: decision.receipt.number,
      })
    : undefined;
  return { decision, receipt };
}
