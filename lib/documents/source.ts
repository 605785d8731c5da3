/**
 * Reading a 1C document as `onec-read` gives it (docs/message-contract.md): the OData object with
 * references expanded, and `msg.onec` with the flat list of marking codes. Field names come from
 * the configuration preset's layout (lib/onec/presets.ts), overridable per node. Strings from 1C are
 * trimmed (fixed-length strings arrive space-padded).
 */
import { detail, type ErrorDetail } from '../errors';
import {
  navName,
  preset as findPreset,
  PRESETS,
  type CatalogLayout,
  type DocumentKind,
  type DocumentLayout,
  type OnecPreset,
  type PresetId,
} from '../onec/presets';
import { onecFrom, type OnecCode } from '../message';
import { readPlace, type SourcePlace } from './place';

type Rec = Record<string, unknown>;

function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export type { OnecCode, OnecMeta } from '../message';

export interface SourceParty {
  inn: string;
  kpp: string;
  name: string;
  /** where it was read, as a `1c:` path (for messages) */
  path: string;
}

export interface SourceItem {
  ref: string;
  name: string;
  article: string;
  /** ОсобенностьУчета of the item, then of its kind ('' when neither) */
  accounting: string;
  kindAccounting: string;
  /** ТН ВЭД code (digits), '' when unknown */
  tnved: string;
  raw: Rec;
}

export interface SourceRow {
  index: number;
  itemRef: string;
  quantity: number;
  /** row amount including VAT, kopecks */
  amountKop: number;
  /** row VAT, kopecks; null when the configuration keeps none */
  vatKop: number | null;
  raw: Rec;
}

export interface SourceDocument {
  entity: string;
  kind: DocumentKind | undefined;
  preset: OnecPreset;
  layout: DocumentLayout;
  catalogs: CatalogLayout;
  ref: string;
  dataVersion: string;
  /** 1C number, trimmed */
  number: string;
  /** yyyy-MM-dd of the 1C date (its wall-clock date) */
  date: string;
  organisation?: SourceParty;
  counterparty?: SourceParty;
  /** the warehouse (store) of the document and the FIAS id of its address (business place) */
  place: SourcePlace;
  rows: SourceRow[];
  items: Map<string, SourceItem>;
  codes: OnecCode[];
  header: Rec;
  /** problems found while reading (paths `1c:…`) */
  problems: ErrorDetail[];
}

export interface SourceOptions {
  preset?: string;
  kind?: string;
  /** field-name overrides of the document layout */
  layout?: Partial<DocumentLayout>;
  /** field-name overrides of the catalog layout */
  catalogs?: Partial<CatalogLayout>;
}

export const EMPTY_REF = '00000000-0000-0000-0000-000000000000';

export function str(v: unknown): string {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return '';
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** `2026-11-27T09:17:00` → `2026-11-27`; the empty 1C date `0001-01-01…` → ''. */
export function datePart(v: unknown): string {
  const s = str(v);
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(s);
  if (!m || (m[1] as string).startsWith('0001-')) return '';
  return m[1] as string;
}

/** The document kind whose entity set is this one, in the preset (or any preset). */
export function kindOfEntity(entity: string, p?: OnecPreset): DocumentKind | undefined {
  const search = p ? [p, ...Object.values(PRESETS)] : Object.values(PRESETS);
  for (const pr of search) {
    for (const [k, layout] of Object.entries(pr.documents)) {
      if (layout && layout.entity === entity) return k as DocumentKind;
    }
  }
  return undefined;
}

function party(header: Rec, field: string, catalogs: CatalogLayout): SourceParty | undefined {
  if (!field) return undefined;
  const nav = navName(field);
  const obj = header[nav];
  if (!isRec(obj)) return undefined;
  return {
    inn: str(obj[catalogs.inn]),
    kpp: str(obj[catalogs.kpp]),
    name: str(obj['НаименованиеПолное']) || str(obj['Description']),
    path: `1c:${nav}.${catalogs.inn}`,
  };
}

function readItem(obj: Rec, catalogs: CatalogLayout): SourceItem {
  const kind = obj[navName(catalogs.itemKind)];
  const tn = obj[navName(catalogs.itemTnved)];
  let tnved = '';
  if (isRec(tn)) tnved = str(tn['Code']) || str(tn['Description']);
  else if (typeof tn === 'string' && /^\d/.test(tn)) tnved = tn;
  return {
    ref: str(obj['Ref_Key']),
    name: str(obj['Description']) || str(obj['НаименованиеПолное']),
    article: str(obj[catalogs.itemArticle]),
    accounting: str(obj[catalogs.itemAccounting]),
    kindAccounting: isRec(kind) ? str(kind[catalogs.itemAccounting]) : '',
    tnved: tnved.replace(/\s+/g, ''),
    raw: obj,
  };
}

function kop(roubles: number): number {
  return Math.round(roubles * 100);
}

/** Codes from the payload itself when msg.onec.codes is absent (same walk onec-read does). */
function codesFromPayload(header: Rec, layout: DocumentLayout, catalogs: CatalogLayout): OnecCode[] {
  const out: OnecCode[] = [];
  const table = header[layout.codesTable];
  if (!Array.isArray(table)) return out;
  const visit = (obj: Rec, level: number, parentRef?: string): void => {
    const code: OnecCode = {
      value: typeof obj[catalogs.codeValue] === 'string' ? (obj[catalogs.codeValue] as string) : '',
      ref: str(obj['Ref_Key']),
      itemRef: str(obj[catalogs.codeItem]),
      packageType: str(obj[catalogs.codePackageType]),
      level,
    };
    if (parentRef) code.parentRef = parentRef;
    out.push(code);
    const nested = obj[catalogs.nestedCodesTable];
    if (Array.isArray(nested)) {
      for (const row of nested) {
        if (!isRec(row)) continue;
        const child = row[navName(catalogs.nestedCodeRef)];
        if (isRec(child)) visit(child, level + 1, code.ref);
      }
    }
  };
  for (const row of table) {
    if (!isRec(row)) continue;
    const obj = row[navName(layout.codeRef)];
    if (isRec(obj)) visit(obj, 0);
  }
  return out;
}

function validCodes(v: unknown): v is OnecCode[] {
  return Array.isArray(v) && v.every((c) => isRec(c) && typeof c['value'] === 'string');
}

/** Read what the mapping needs from the 1C document; never throws (problems are listed). */
export function readSource(payload: unknown, onec: unknown, opts: SourceOptions = {}): SourceDocument {
  const problems: ErrorDetail[] = [];
  const header: Rec = isRec(payload) ? payload : {};
  if (!isRec(payload)) {
    problems.push(
      detail(
        'payload',
        'SOURCE_NOT_OBJECT',
        'msg.payload должен содержать документ 1С (объект OData), как его выдаёт узел onec-read',
        'msg.payload must hold the 1C document (an OData object), as onec-read gives it',
      ),
    );
  }
  const meta = onecFrom(onec);
  const presetId = (opts.preset || str(meta.preset) || 'ut11') as PresetId;
  const p = findPreset(presetId) ?? PRESETS.ut11;
  const entity = str(meta.entity);
  const kind = ((opts.kind || str(meta.kind) || kindOfEntity(entity, p)) as DocumentKind | '') || undefined;
  const base: DocumentLayout | undefined = kind
    ? (p.documents[kind] ?? PRESETS.ut11.documents[kind])
    : undefined;
  const layout: DocumentLayout = {
    ...(base ?? PRESETS.ut11.documents.sales!),
    ...(entity ? { entity } : {}),
    ...(opts.layout ?? {}),
  };
  const catalogs: CatalogLayout = { ...p.catalogs, ...(opts.catalogs ?? {}) };

  const items = new Map<string, SourceItem>();
  const rows: SourceRow[] = [];
  const goods = header[layout.goodsTable];
  const pricesIncludeVat = layout.pricesIncludeVat ? header[layout.pricesIncludeVat] : undefined;
  if (Array.isArray(goods)) {
    goods.forEach((r, index) => {
      if (!isRec(r)) return;
      const itemRef = str(r[layout.item]);
      const itemObj = r[navName(layout.item)];
      if (isRec(itemObj)) {
        const it = readItem(itemObj, catalogs);
        items.set(itemRef || it.ref, it);
      }
      const quantity = num(r[layout.quantity]) ?? 0;
      const amount = layout.amount ? num(r[layout.amount]) : undefined;
      const vat = layout.vatAmount ? num(r[layout.vatAmount]) : undefined;
      const withVat = layout.amountWithVat ? num(r[layout.amountWithVat]) : undefined;
      const price = layout.price ? num(r[layout.price]) : undefined;
      let total: number;
      if (withVat !== undefined) total = withVat;
      else if (amount !== undefined)
        total = pricesIncludeVat === false && vat !== undefined ? amount + vat : amount;
      else total = (price ?? 0) * quantity;
      rows.push({
        index,
        itemRef,
        quantity,
        amountKop: kop(total),
        vatKop: vat === undefined ? null : kop(vat),
        raw: r,
      });
    });
  }
  const codes = validCodes(meta.codes) ? meta.codes : codesFromPayload(header, layout, catalogs);
  const organisation = party(header, layout.organisation, catalogs);
  const counterparty = party(header, layout.counterparty, catalogs);
  const place = readPlace(header, layout.warehouse ?? '', layout.goodsTable, catalogs.contactInfo ?? '');
  return {
    entity: entity || layout.entity,
    kind,
    preset: p,
    layout,
    catalogs,
    ref: str(meta.ref) || str(header['Ref_Key']),
    dataVersion: str(meta.dataVersion) || str(header['DataVersion']),
    number: str(meta.number) || str(header['Number']),
    date: datePart(meta.date) || datePart(header['Date']),
    organisation,
    counterparty,
    place,
    rows,
    items,
    codes,
    header,
    problems,
  };
}
