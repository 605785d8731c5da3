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
import { ensureCodeEntries, gtinOfCode, shortCode } from '../onec/codes-catalog';
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

/** What `writeReceiptCodes` did. */
export interface ReceiptCodesWrite {
  /** codes of the УПД added to the receipt's codes table */
  added: number;
  /** of those, catalog entries created (the others were already in the codes catalog) */
  created: number;
  /** codes the table already had */
  present: number;
}

/**
 * The codes of a signed УПД into its 1C receipt's codes table, where the configuration has one
 * (УТ 11 / ERP: `ШтрихкодыУпаковок` rows → `Catalog_ШтрихкодыУпаковокТоваров`), idempotently: a code
 * already in the table is left; a code already in the catalog (found by its value) is referenced; a
 * new one is created (`ЗначениеШтрихкода`, `ТипУпаковки` МаркированныйТовар, `ТипШтрихкода`
 * GS1_DataMatrix, the item of the receipt's line with the code's GTIN), then the table is written
 * whole by one PATCH (1C developer guide §17.4 «Стандартный интерфейс OData»: a tabular section is
 * replaced as a whole). A crash between the two leaves catalog entries that the next call finds by
 * value. Unit codes (`КИЗ`) only; aggregates (`НомУпак`) are not expanded here.
 * ⚠ The hash attributes 1C's ИС МП subsystem fills (`ХешСумма`) are not written: 1C computes them
 * by its own rule, and the codes are found by their value.
 */
export async function writeReceiptCodes(
  client: OnecClient,
  receipt: InboxReceipt,
  codes: readonly string[],
  s: Pick<ReceiptSearch, 'preset' | 'entity'>,
): Promise<ReceiptCodesWrite | undefined> {
  const { layout } = readTarget({
    preset: s.preset,
    kind: s.entity ? '' : 'purchases',
    entity: s.entity ?? '',
  });
  const d = layout.document;
  const c = layout.catalogs;
  if (!d.codesTable || !d.codeRef || !c.codes || !c.codeValue) return undefined;
  const doc = await client.get(receipt.entity, receipt.ref);
  const rows = Array.isArray(doc[d.codesTable]) ? (doc[d.codesTable] as Array<Record<string, unknown>>) : [];
  const refs = rows.map((r) => String(r[d.codeRef] ?? '')).filter((r) => /^[0-9a-f-]{36}$/i.test(r));
  const have = new Set<string>();
  if (refs.length > 0)
    for (const o of (await client.getMany(c.codes, refs)).values())
      have.add(shortCode(String(o[c.codeValue] ?? '')));
  // the item of a code: the goods row in the same place as the code's GTIN among the УПД's GTINs,
  // when there are as many rows as GTINs
  const goods = (Array.isArray(doc[d.goodsTable]) ? doc[d.goodsTable] : []) as Array<Record<string, unknown>>;
  const gtins = [...new Set(codes.map(gtinOfCode).filter(Boolean))];
  const itemOf = new Map<string, string>();
  if (goods.length === gtins.length)
    gtins.forEach((g, i) => {
      const it = String(goods[i]?.[d.item] ?? '');
      if (it) itemOf.set(g, it);
    });
  let present = 0;
  const missing: string[] = [];
  for (const code of codes) {
    if (have.has(shortCode(code))) present++;
    else if (!missing.some((m) => shortCode(m) === shortCode(code))) missing.push(code);
  }
  const w = await ensureCodeEntries(client, missing, (g) => itemOf.get(g), {
    entity: c.codes,
    value: c.codeValue,
    ...(c.codePackageType ? { packageType: c.codePackageType } : {}),
    ...(c.codeItem ? { item: c.codeItem } : {}),
  });
  const added = w.refs;
  const created = w.created;
  if (added.length > 0)
    await client.patch(receipt.entity, receipt.ref, {
      [d.codesTable]: [
        ...rows.map((r, i) => ({ LineNumber: i + 1, [d.codeRef]: r[d.codeRef] })),
        ...added.map((ref, i) => ({ LineNumber: rows.length + i + 1, [d.codeRef]: ref })),
      ],
    });
  return { added: added.length, created, present };
}
