/**
 * A 1C sale (`Document_РеализацияТоваровУслуг` as `onec-read` gives it: the OData object with its
 * references expanded, and `msg.onec` with the marking codes) — or a return to the supplier
 * (`Document_ВозвратТоваровПоставщику`) or a transfer to another organisation of the base
 * (`Document_ПередачаТоваровМеждуОрганизациями`): each moves goods with codes to another participant,
 * which between Russian participants is a УПД through EDO — → the УПД inputs of lib/edo/upd.ts, one
 * per product group: ГИС МТ refuses a УПД whose codes belong to several product groups (error 102
 * «Содержит коды маркировки разных товарных групп», «Описание True API» §7.3.1). Lines without codes
 * (unmarked goods, services) make one more УПД of their own (product group '').
 *
 * What 1C does not keep in the document (the EDO ids of both sides, the signer, a default unit) comes
 * from the options. Field names follow the configuration preset (lib/onec/presets.ts), the same
 * reader as cz-map-document (lib/documents/source.ts).
 */
import { detail, type ErrorDetail } from '../errors';
import { groupFor, mergeGroupMapping } from '../documents/groups';
import { SHIP_GOODS_GROUPS } from '../cz/product-groups';
import { readSource, str, type SourceDocument, type SourceOptions } from '../documents/source';
import { navName, type DocumentKind } from '../onec/presets';
import type { UpdFunction, UpdInput, UpdLine, UpdParty, UpdSigner } from './upd';

type Rec = Record<string, unknown>;

function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface SaleToUpdOptions extends SourceOptions {
  function?: UpdFunction;
  signer: UpdSigner;
  /** when the file is formed (default now) */
  formedAt?: Date;
  /** EDO ids by INN (seller and buyers), e.g. from `/api/v4/true-api/edo/inn/{inn}` */
  edoIds?: Record<string, string>;
  /** party data 1C does not give (address, name), over what 1C gives */
  seller?: Partial<UpdParty>;
  buyer?: Partial<UpdParty>;
  /** unit of rows whose unit 1C does not name (default ОКЕИ 796 «шт»: marked goods are counted in pieces) */
  defaultUnit?: { okei: string; name?: string };
  /** VAT rate of rows whose rate 1C does not name ('' = report the row) */
  defaultVatRate?: string;
  /** rows of the ОсобенностьУчета → pg table over the defaults */
  groupMapping?: Record<string, string>;
  /**
   * product groups that do not go by УПД: their lines are left out (default SHIP_GOODS_GROUPS, i.e. furs,
   * which Честный ЗНАК takes as LP_SHIP_GOODS — cz-map-document's branch of the flow; `[]` = every group)
   */
  skipGroups?: readonly string[];
  program?: string;
}

export interface SaleUpd {
  productGroup: string;
  /** `<Ref_Key>:<DataVersion>:upd:<pg>` — also the key the GUID of ИдФайл is derived from */
  key: string;
  input: UpdInput;
}

export interface SaleToUpdResult {
  ref: string;
  dataVersion: string;
  documents: SaleUpd[];
  /** problems of reading the 1C document (the УПД checks come from prepareUpd) */
  errors: ErrorDetail[];
  /** groups of the sale left out by `skipGroups` (shipped another way) */
  skipped: string[];
}

/**
 * The kinds of 1C document whose goods go to another participant, and so by a УПД, with the content
 * of the operation (`СвПер/@СодОпер`) each is written with. A document of no known kind (an entity the
 * preset does not list) is taken as a sale.
 */
export const UPD_KINDS: Readonly<Partial<Record<DocumentKind, string>>> = {
  sales: 'Товары переданы',
  shipmentIsmp: 'Товары переданы',
  supplierReturns: 'Возврат товаров поставщику',
  intercompany: 'Товары переданы',
};

const PACKAGE_TYPES = new Set(['МонотоварнаяУпаковка', 'МультитоварнаяУпаковка']);

/** The address of a 1C party from its БСП contact information (legal address first). */
function addressOf(obj: unknown, table: string): string {
  if (!isRec(obj)) return '';
  const rows = obj[table];
  if (!Array.isArray(rows)) return '';
  const addresses = rows.filter(
    (r): r is Rec => isRec(r) && str(r['Тип']) === 'Адрес' && !!str(r['Представление']),
  );
  const legal = addresses.find((r) => /юрид/i.test(JSON.stringify(r['Вид'] ?? r['Вид_Key'] ?? '')));
  return str((legal ?? addresses[0])?.['Представление']);
}

/** The VAT rate of a goods row: the row's `СтавкаНДС` (enum or an expanded Catalog_СтавкиНДС), else the item's. */
function vatOf(row: Rec, item: Rec | undefined): string {
  for (const src of [row, item]) {
    if (!src) continue;
    const v = src['СтавкаНДС'];
    if (typeof v === 'string' && v.trim()) return v.trim();
    if (isRec(v)) {
      const e = str(v['ПеречислениеСтавкаНДС']);
      if (e) return e;
      if (typeof v['Ставка'] === 'number') return String(v['Ставка']);
      const d = str(v['Description']);
      if (d) return d;
    }
  }
  return '';
}

/**
 * The VAT rate a row's own amounts were computed with, when 1C names none the reader can see (УТ 11.5
 * keeps the rate as a reference `СтавкаНДС_Key` to Catalog_СтавкиНДС, which a read does not expand):
 * the one rate r of 22, 20, 10, 7, 5 % for which total × r / (100 + r), rounded half up, is the row's
 * VAT to the kopeck — how 1C computes the VAT of a price including it. '' when none or several fit
 * (no VAT amount: «без НДС» and 0 % cannot be told apart).
 */
function rateFromAmounts(row: { amountKop: number; vatKop: number | null }): string {
  const { amountKop: total, vatKop: vat } = row;
  if (vat === null || vat <= 0 || total <= vat) return '';
  const fits = [22, 20, 10, 7, 5].filter((r) => Math.floor((total * r) / (100 + r) + 0.5) === vat);
  return fits.length === 1 ? `${fits[0] as number}%` : '';
}

/** The unit of a goods row: an expanded `ЕдиницаИзмерения` (row, else item) with its ОКЕИ `Code`. */
function unitOf(row: Rec, item: Rec | undefined): { okei: string; name?: string } | undefined {
  for (const src of [row, item]) {
    if (!src) continue;
    for (const k of ['ЕдиницаИзмерения', 'Упаковка']) {
      const u = src[k];
      if (isRec(u) && /^\d{3,4}$/.test(str(u['Code']))) {
        return { okei: str(u['Code']), name: str(u['Description']) || undefined };
      }
    }
  }
  return undefined;
}

function partyOf(
  source: SourceDocument,
  which: 'organisation' | 'counterparty',
  over: Partial<UpdParty> | undefined,
  edoIds: Record<string, string>,
): UpdParty {
  const p = source[which];
  const field = which === 'organisation' ? source.layout.organisation : source.layout.counterparty;
  const obj = field ? source.header[navName(field)] : undefined;
  const inn = over?.inn ?? p?.inn ?? '';
  return {
    name: over?.name ?? p?.name ?? '',
    inn,
    kpp: over?.kpp ?? (p?.kpp || undefined),
    address: over?.address ?? (addressOf(obj, source.catalogs.contactInfo) || undefined),
    edoId: over?.edoId ?? edoIds[inn],
    ...(over?.person
      ? { person: over.person }
      : inn.length === 12
        ? personOf(over?.name ?? p?.name ?? '')
        : {}),
  };
}

/** An entrepreneur's name from 1C («ИП Петров Пётр Петрович» → surname, first name, middle name). */
function personOf(name: string): { person?: UpdParty['person'] } {
  const words = name
    .replace(/^\s*(ИП|Индивидуальный предприниматель)\s+/i, '')
    .split(/\s+/)
    .filter(Boolean);
  if (words.length < 2) return {};
  const [surname = '', firstName = '', ...rest] = words;
  return { person: { surname, firstName, ...(rest.length ? { middleName: rest.join(' ') } : {}) } };
}

/** A 1C sale → one УПД input per product group (lines without codes: one more, group ''). */
export function saleToUpd(payload: unknown, onec: unknown, opts: SaleToUpdOptions): SaleToUpdResult {
  const source = readSource(payload, onec, {
    preset: opts.preset,
    // the kind given, else msg.onec.kind, else by the entity set (readSource); the sales layout otherwise
    kind: opts.kind,
    layout: opts.layout,
    catalogs: opts.catalogs,
  });
  const errors = [...source.problems];
  const operation = source.kind ? UPD_KINDS[source.kind] : UPD_KINDS.sales;
  if (operation === undefined)
    errors.push(
      detail(
        'msg.onec.kind',
        'KIND_NOT_SHIPMENT',
        `документ 1С вида «${source.kind ?? ''}» не передаёт товары другому участнику: УПД по нему не составляется (реализация, возврат поставщику, передача между организациями)`,
        `a 1C document of kind «${source.kind ?? ''}» does not pass goods to another participant: no УПД is made of it (a sale, a return to the supplier, a transfer between organisations)`,
      ),
    );
  const mapping = mergeGroupMapping(opts.groupMapping);
  const edoIds = opts.edoIds ?? {};
  if (!source.ref)
    errors.push(
      detail('1c:Ref_Key', 'FIELD_REQUIRED', 'у документа 1С нет Ref_Key', 'the 1C document has no Ref_Key'),
    );
  const seller = partyOf(source, 'organisation', opts.seller, edoIds);
  const buyer = partyOf(source, 'counterparty', opts.buyer, edoIds);
  // the consignee when 1C names another one (УТ 11 `Грузополучатель_Key`, expanded)
  const cons = source.header['Грузополучатель'];
  const consignee: UpdParty | undefined =
    isRec(cons) && str(cons[source.catalogs.inn]) && str(cons[source.catalogs.inn]) !== buyer.inn
      ? {
          name: str(cons['НаименованиеПолное']) || str(cons['Description']),
          inn: str(cons[source.catalogs.inn]),
          kpp: str(cons[source.catalogs.kpp]) || undefined,
          address: addressOf(cons, source.catalogs.contactInfo) || undefined,
          ...(str(cons[source.catalogs.inn]).length === 12
            ? personOf(str(cons['НаименованиеПолное']) || str(cons['Description']))
            : {}),
        }
      : undefined;

  const groupOfItem = (ref: string): string => {
    const it = source.items.get(ref);
    return (
      (it && (groupFor(it.accounting, mapping) ?? groupFor(it.kindAccounting, mapping))) ||
      groupFor(source.header['ВидПродукции'], mapping) ||
      ''
    );
  };

  // codes of each item, in document order: units (level 0, not a package) and top-level packages
  const unitsOf = new Map<string, string[]>();
  const packsOf = new Map<string, string[]>();
  const parents = new Set(source.codes.filter((c) => c.parentRef).map((c) => c.parentRef as string));
  const itemOfRef = new Map(source.codes.map((c) => [c.ref, c.itemRef]));
  for (const c of source.codes) {
    if ((c.level ?? 0) > 0) continue; // inside a package written as НомУпак
    const pkg = PACKAGE_TYPES.has(c.packageType) || parents.has(c.ref);
    let item = c.itemRef;
    if (!item && pkg) {
      const ch = source.codes.find((x) => x.parentRef === c.ref && x.itemRef);
      item = ch?.itemRef ?? itemOfRef.get(c.ref) ?? '';
    }
    const m = pkg ? packsOf : unitsOf;
    const list = m.get(item) ?? [];
    list.push(c.value);
    m.set(item, list);
  }

  const byGroup = new Map<string, UpdLine[]>();
  const taken = new Map<string, number>();
  source.rows.forEach((row) => {
    const item = source.items.get(row.itemRef);
    const raw = row.raw;
    const unit = unitOf(raw, item?.raw) ?? opts.defaultUnit ?? { okei: '796', name: 'шт' };
    const rate = vatOf(raw, item?.raw) || rateFromAmounts(row) || opts.defaultVatRate || '';
    // the units of an item go to its rows in order, as many as each row's quantity
    const units = unitsOf.get(row.itemRef) ?? [];
    const from = taken.get(row.itemRef) ?? 0;
    const sameItemRows = source.rows.filter((r) => r.itemRef === row.itemRef);
    const last = sameItemRows[sameItemRows.length - 1] === row;
    const n = last ? units.length - from : Math.min(units.length - from, Math.round(row.quantity));
    const codes = units.slice(from, from + Math.max(0, n));
    taken.set(row.itemRef, from + codes.length);
    const packages = from === 0 ? (packsOf.get(row.itemRef) ?? []) : [];
    const marked = codes.length + packages.length > 0;
    const pg = marked ? groupOfItem(row.itemRef) : '';
    const line: UpdLine = {
      name: item?.name ?? str(raw['Содержание']),
      okei: unit.okei,
      ...(unit.name ? { unitName: unit.name } : {}),
      quantity: row.quantity,
      vatRate: rate,
      totalKop: row.amountKop,
      ...(row.vatKop !== null ? { vatKop: row.vatKop } : {}),
      ...(item?.article ? { article: item.article } : {}),
      ...(codes.length ? { codes } : {}),
      ...(packages.length ? { packages } : {}),
    };
    const list = byGroup.get(pg) ?? [];
    list.push(line);
    byGroup.set(pg, list);
  });

  const skip = opts.skipGroups ?? SHIP_GOODS_GROUPS;
  const skipped = [...byGroup.keys()].filter((pg) => pg !== '' && skip.includes(pg));
  const groups = [...byGroup.keys()]
    .filter((pg) => !skipped.includes(pg))
    .sort((a, b) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b)));
  const documents = groups.map((pg, i): SaleUpd => {
    const key = `${source.ref}:${source.dataVersion}:upd:${pg}`;
    return {
      productGroup: pg,
      key,
      input: {
        function: opts.function ?? 'СЧФДОП',
        // two УПД with one number and date are refused by ГИС МТ (error 14): a suffix when there are several
        number: groups.length > 1 ? `${source.number}/${i + 1}` : source.number,
        date: source.date,
        seller,
        buyer,
        ...(consignee ? { consignee } : {}),
        lines: byGroup.get(pg) ?? [],
        signer: opts.signer,
        formedAt: opts.formedAt ?? new Date(),
        key,
        productGroup: pg,
        pricesIncludeVat: true,
        ...(operation && operation !== UPD_KINDS.sales ? { operation } : {}),
        ...(opts.program ? { program: opts.program } : {}),
      },
    };
  });
  return { ref: source.ref, dataVersion: source.dataVersion, documents, errors, skipped };
}
