/**
 * Batched resolution of what documents reference (never one request per row): organisation,
 * counterparty and warehouse (with its contact information: the business place), items with their kind and ТН ВЭД code, and marking codes — the document's
 * `ШтрихкодыУпаковок` rows point to `Catalog_ШтрихкодыУпаковокТоваров`, whose `ВложенныеШтрихкоды`
 * rows point to the codes packed inside an aggregate (box, pallet), level by level.
 *
 * The result is embedded the way OData `$expand` embeds it (docs/message-contract.md): the
 * navigation property, named like the reference field without `_Key`, holds the referenced object.
 */
import { ZnakFlowError, type ErrorDetail } from '../errors';
import type { OnecClient } from './client';
import { navName, type ResolvedLayout } from './presets';
import { isEmptyRef, isGuid } from './query';
import type { ODataObject } from './schemas';

import type { OnecCode, OnecItem } from '../message';

export type { OnecCode, OnecItem } from '../message';

export interface ResolvedDocument {
  /** the document with references embedded */
  payload: ODataObject;
  codes: OnecCode[];
  /** the items of the goods rows, by Ref_Key */
  items: Record<string, OnecItem>;
  /** references that could not be resolved but do not stop the document (e.g. a catalog not published) */
  warnings: string[];
}

export type ResolveOutcome =
  { ok: true; doc: ResolvedDocument } | { ok: false; source: ODataObject; error: ZnakFlowError };

export interface ResolveOptions {
  /** deepest aggregate nesting followed (default 8) */
  maxDepth?: number;
  /** resolve marking codes (default true) */
  codes?: boolean;
}

const rowsOf = (obj: ODataObject, table: string): ODataObject[] =>
  table && Array.isArray(obj[table]) ? (obj[table] as ODataObject[]) : [];

/** A GS1 barcode as a GTIN-14, or undefined for internal/other barcodes. */
export function toGtin(v: unknown): string | undefined {
  const s = typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
  return /^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(s) ? s.padStart(14, '0') : undefined;
}

const refValue = (v: unknown): string | undefined =>
  typeof v === 'string' && isGuid(v) && !isEmptyRef(v) ? v.toLowerCase() : undefined;

/** Set name of a composite reference (`StandardODATA.Catalog_Контрагенты` → `Catalog_Контрагенты`). */
function compositeSet(obj: ODataObject, field: string): string | undefined {
  const t = obj[`${field}_Type`];
  return typeof t === 'string' && t.startsWith('StandardODATA.') && t !== 'StandardODATA.Undefined'
    ? t.slice(14)
    : undefined;
}

/**
 * A deep copy of data read from 1C (parsed JSON: plain objects, arrays, strings, numbers, booleans,
 * null) — what `structuredClone` gives for it, several times faster for the thousands of small code
 * objects of a batch; anything else is left to `structuredClone`.
 */
export function cloneData<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out: unknown[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneData(v[i] as unknown);
    return out as T;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  const o = v as Record<string, unknown>;
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) out[k] = cloneData(o[k]);
  return out as T;
}

/** A catalog object with `$expand` of some references; falls back to separate batches when 1C refuses the expansion. */
async function fetchExpanded(
  client: OnecClient,
  entity: string,
  refs: string[],
  navs: Array<{ field: string; entity: string }>,
  warnings: string[],
): Promise<Map<string, ODataObject>> {
  const names = navs.filter((n) => n.field.endsWith('_Key')).map((n) => navName(n.field));
  if (names.length > 0) {
    try {
      return await client.getMany(entity, refs, { expand: names });
    } catch (err) {
      if (
        !(err instanceof ZnakFlowError) ||
        (err.code !== 'ONEC_BAD_REQUEST' && err.code !== 'ONEC_NOT_PUBLISHED')
      )
        throw err;
      if (
        err.code === 'ONEC_NOT_PUBLISHED' &&
        err.field === 'entity' &&
        (err.details?.[0]?.path ?? '') === entity
      )
        throw err;
    }
  }
  const main = await client.getMany(entity, refs);
  for (const n of navs) {
    const nav = navName(n.field);
    const wanted = [...main.values()].map((o) => refValue(o[n.field])).filter((v): v is string => !!v);
    if (wanted.length === 0) continue;
    let found: Map<string, ODataObject>;
    try {
      found = await client.getMany(n.entity, wanted);
    } catch (err) {
      if (
        err instanceof ZnakFlowError &&
        (err.code === 'ONEC_NOT_PUBLISHED' || err.code === 'ONEC_BAD_REQUEST')
      ) {
        warnings.push(`${n.entity}: ${err.ru} / ${err.en}`);
        continue;
      }
      throw err;
    }
    for (const o of main.values()) {
      const r = refValue(o[n.field]);
      if (r && found.has(r)) o[nav] = found.get(r);
    }
  }
  return main;
}

/** Every code of a code object, recursively, as a tree clone with `Штрихкод` embedded. */
function embedCode(
  obj: ODataObject,
  all: Map<string, ODataObject>,
  layout: ResolvedLayout,
  path: Set<string>,
): ODataObject {
  const c = layout.catalogs;
  const copy = cloneData(obj);
  const rows = rowsOf(copy, c.nestedCodesTable);
  for (const row of rows) {
    const r = refValue(row[c.nestedCodeRef]);
    if (!r || path.has(r)) continue;
    const child = all.get(r);
    if (child) {
      path.add(r);
      row[navName(c.nestedCodeRef)] = embedCode(child, all, layout, path);
      path.delete(r);
    }
  }
  return copy;
}

function flatten(
  obj: ODataObject,
  layout: ResolvedLayout,
  level: number,
  parentRef: string | undefined,
  out: OnecCode[],
  path: Set<string>,
): void {
  const c = layout.catalogs;
  const ref = String(obj['Ref_Key'] ?? '').toLowerCase();
  out.push({
    value: String(obj[c.codeValue] ?? ''),
    ref,
    itemRef: refValue(obj[c.codeItem]) ?? '',
    packageType: String(obj[c.codePackageType] ?? ''),
    ...(parentRef ? { parentRef } : {}),
    level,
  });
  for (const row of rowsOf(obj, c.nestedCodesTable)) {
    const child = row[navName(c.nestedCodeRef)];
    const r = refValue(row[c.nestedCodeRef]);
    if (child && typeof child === 'object' && r && !path.has(r)) {
      path.add(r);
      flatten(child as ODataObject, layout, level + 1, ref, out, path);
      path.delete(r);
    }
  }
}

/**
 * Resolve the references of several documents together: one batch of requests per catalog for
 * all of them (URL-length-limited OR-lists). A document whose marking codes cannot all be found
 * fails on its own (the others still resolve); missing organisations, counterparties or items only
 * add warnings.
 */
export async function resolveDocuments(
  client: OnecClient,
  docs: ODataObject[],
  layout: ResolvedLayout,
  opts: ResolveOptions = {},
): Promise<ResolveOutcome[]> {
  const d = layout.document;
  const c = layout.catalogs;
  const warnings: string[] = [];
  const maxDepth = opts.maxDepth ?? 8;

  // 1. Header references (organisation, counterparty), unless already expanded by 1C.
  const headerFields: Array<{ field: string; entity: string }> = [];
  if (d.organisation) headerFields.push({ field: d.organisation, entity: c.organisations });
  if (d.counterparty)
    headerFields.push({ field: d.counterparty, entity: d.counterpartyCatalog || c.counterparties });
  // the warehouse (Розница: the store) with its contact information — the business place of a
  // withdrawal; a document without one in its header takes the first goods row's
  if (d.warehouse && d.warehouseCatalog)
    headerFields.push({ field: d.warehouse, entity: d.warehouseCatalog });
  const rowWarehouse = (doc: ODataObject): ODataObject | undefined =>
    d.warehouse && !refValue(doc[d.warehouse])
      ? rowsOf(doc, d.goodsTable).find((row) => !!refValue(row[d.warehouse]))
      : undefined;
  const holderOf = (doc: ODataObject, field: string): ODataObject =>
    (field === d.warehouse ? rowWarehouse(doc) : undefined) ?? doc;
  // an expanded warehouse without its contact information (a base that leaves tabular sections out
  // of an expansion) is read again with them
  const embedded = (holder: ODataObject, field: string): boolean => {
    const o = holder[navName(field)];
    if (!o || typeof o !== 'object') return false;
    return field !== d.warehouse || !c.contactInfo || Array.isArray((o as ODataObject)[c.contactInfo]);
  };
  const headerWanted = new Map<string, Set<string>>();
  for (const doc of docs) {
    for (const h of headerFields) {
      const holder = holderOf(doc, h.field);
      if (embedded(holder, h.field)) continue;
      const r = refValue(holder[h.field]);
      if (!r) continue;
      const set = h.field.endsWith('_Key') ? h.entity : (compositeSet(doc, h.field) ?? h.entity);
      if (!headerWanted.has(set)) headerWanted.set(set, new Set());
      headerWanted.get(set)!.add(r);
    }
  }
  const headers = new Map<string, Map<string, ODataObject>>();
  for (const [set, refs] of headerWanted) {
    try {
      headers.set(set, await client.getMany(set, [...refs]));
    } catch (err) {
      if (
        err instanceof ZnakFlowError &&
        (err.code === 'ONEC_NOT_PUBLISHED' || err.code === 'ONEC_BAD_REQUEST')
      ) {
        warnings.push(`${set}: ${err.ru} / ${err.en}`);
        headers.set(set, new Map());
      } else throw err;
    }
  }

  // 2. Items of the goods rows, with their kind and ТН ВЭД code.
  const itemRefs = new Set<string>();
  if (d.goodsTable && d.item) {
    for (const doc of docs)
      for (const row of rowsOf(doc, d.goodsTable)) {
        const r = refValue(row[d.item]);
        if (r) itemRefs.add(r);
      }
  }
  const itemNavs = [
    ...(c.itemKind ? [{ field: c.itemKind, entity: c.itemKinds }] : []),
    ...(c.itemTnved ? [{ field: c.itemTnved, entity: c.tnved }] : []),
  ];
  let items = new Map<string, ODataObject>();
  if (itemRefs.size > 0) {
    try {
      items = await fetchExpanded(client, c.items, [...itemRefs], itemNavs, warnings);
    } catch (err) {
      if (err instanceof ZnakFlowError && err.code === 'ONEC_NOT_PUBLISHED')
        warnings.push(`${c.items}: ${err.ru} / ${err.en}`);
      else throw err;
    }
  }

  // 2b. GTINs of the items from the barcodes register (optional: skipped when not published).
  const gtins = new Map<string, string[]>();
  if (itemRefs.size > 0 && c.itemBarcodes && c.barcodeItem && c.barcodeValue) {
    try {
      for (const row of await client.findAll(c.itemBarcodes, [...itemRefs], { field: c.barcodeItem })) {
        const item = refValue(row[c.barcodeItem]);
        const g = toGtin(row[c.barcodeValue]);
        if (!item || !g) continue;
        const list = gtins.get(item) ?? [];
        if (!list.includes(g)) list.push(g);
        gtins.set(item, list);
      }
    } catch (err) {
      if (
        err instanceof ZnakFlowError &&
        (err.code === 'ONEC_NOT_PUBLISHED' || err.code === 'ONEC_BAD_REQUEST')
      ) {
        warnings.push(`${c.itemBarcodes}: ${err.ru} / ${err.en}`);
      } else throw err;
    }
  }
  const itemSummary = (ref: string): OnecItem | undefined => {
    const o = items.get(ref);
    if (!o) return undefined;
    const kind = o[navName(c.itemKind)];
    const tnved = o[navName(c.itemTnved)];
    const own = String(o[c.itemAccounting] ?? '');
    const kindAcc =
      kind && typeof kind === 'object' ? String((kind as ODataObject)[c.itemAccounting] ?? '') : '';
    return {
      ref,
      name: String(o['Description'] ?? ''),
      article: String(o[c.itemArticle] ?? ''),
      accounting:
        own && own !== 'БезОсобенностейУчета' ? own : kindAcc !== 'БезОсобенностейУчета' ? kindAcc : '',
      tnved: tnved && typeof tnved === 'object' ? String((tnved as ODataObject)['Code'] ?? '').trim() : '',
      gtins: gtins.get(ref) ?? [],
    };
  };

  // 3. Marking codes, level by level through the aggregates.
  const codes = new Map<string, ODataObject>();
  if (opts.codes !== false && d.codesTable && d.codeRef) {
    let wanted = new Set<string>();
    for (const doc of docs)
      for (const row of rowsOf(doc, d.codesTable)) {
        const r = refValue(row[d.codeRef]);
        if (r) wanted.add(r);
      }
    for (let depth = 0; wanted.size > 0 && depth <= maxDepth; depth++) {
      const found = await client.getMany(c.codes, [...wanted]);
      const next = new Set<string>();
      for (const [k, v] of found) {
        codes.set(k, v);
        for (const row of rowsOf(v, c.nestedCodesTable)) {
          const r = refValue(row[c.nestedCodeRef]);
          if (r && !codes.has(r) && !found.has(r)) next.add(r);
        }
      }
      wanted = next;
    }
  }

  // 4. Embed, per document.
  return docs.map((src): ResolveOutcome => {
    const payload = cloneData(src);
    const docWarnings = [...warnings];
    for (const h of headerFields) {
      const nav = navName(h.field);
      const holder = holderOf(payload, h.field);
      if (embedded(holder, h.field)) continue;
      const r = refValue(holder[h.field]);
      if (!r) continue;
      const set = h.field.endsWith('_Key') ? h.entity : (compositeSet(holder, h.field) ?? h.entity);
      const obj = headers.get(set)?.get(r);
      const target = h.field.endsWith('_Key') ? nav : `${h.field}_Expanded`;
      if (obj) holder[target] = cloneData(obj);
      else docWarnings.push(`${h.field}: ${r} не найден в ${set} / not found in ${set}`);
    }
    const docItems: Record<string, OnecItem> = {};
    if (d.goodsTable && d.item) {
      for (const row of rowsOf(payload, d.goodsTable)) {
        const r = refValue(row[d.item]);
        if (!r) continue;
        const obj = items.get(r);
        if (obj) {
          row[navName(d.item)] = cloneData(obj);
          const summary = itemSummary(r);
          if (summary) docItems[r] = summary;
        } else docWarnings.push(`${d.goodsTable}.${d.item}: ${r} не найден / not found`);
      }
    }
    const flat: OnecCode[] = [];
    const missing: ErrorDetail[] = [];
    if (opts.codes !== false && d.codesTable && d.codeRef) {
      const rows = rowsOf(payload, d.codesTable);
      if (!(d.codesTable in payload)) {
        docWarnings.push(
          `${d.codesTable}: нет такой табличной части в документе / no such tabular section in the document`,
        );
      }
      rows.forEach((row, i) => {
        const r = refValue(row[d.codeRef]);
        if (!r) return;
        const obj = codes.get(r);
        if (!obj) {
          missing.push({
            path: `${d.codesTable}[${i}].${d.codeRef}`,
            code: 'ONEC_CODE_NOT_FOUND',
            message_ru: `код маркировки ${r} не найден в ${c.codes} (битая ссылка)`,
            message_en: `marking code ${r} not found in ${c.codes} (broken reference)`,
          });
          return;
        }
        const tree = embedCode(obj, codes, layout, new Set([r]));
        row[navName(d.codeRef)] = tree;
        flatten(tree, layout, 0, undefined, flat, new Set([r]));
      });
    }
    if (missing.length > 0) {
      return {
        ok: false,
        source: src,
        error: new ZnakFlowError({
          code: 'ONEC_CODE_NOT_FOUND',
          field: missing[0]!.path,
          source: '1c',
          details: missing,
          ru: `документ ${String(src['Number'] ?? src['Ref_Key'])}: не найдено кодов маркировки: ${missing.length}`,
          en: `document ${String(src['Number'] ?? src['Ref_Key'])}: ${missing.length} marking code(s) not found`,
        }),
      };
    }
    return { ok: true, doc: { payload, codes: flat, items: docItems, warnings: docWarnings } };
  });
}
