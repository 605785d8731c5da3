/**
 * 1C document → Честный ЗНАК documents (what cz-map-document does, without Node-RED):
 *
 * 1. read the 1C document through the configuration's layout (source.ts);
 * 2. resolve the product group of every code from its item (`ОсобенностьУчета` of the item, else of
 *    its kind, else the header `ВидПродукции`) through the editable mapping table — unless the node
 *    fixes one; price incl. VAT and VAT per code come from the goods row of the same item;
 * 3. one document per product group, all under the same 1C number; build the body with the type's
 *    preset (builders.ts) and apply the field overrides (overrides.ts);
 * 4. validate the whole document once, then split it when it exceeds 30 000 codes / 30 MB, each part
 *    valid on its own and numbered `part` of `parts`;
 * 5. all or nothing: when any document made from this 1C document is invalid, none of them is valid
 *    (a partly sent 1C document would be sent again in full once corrected, duplicating the rest).
 */
import { isNormalisedUnit, tryParseCode } from '../codes';
import { productGroup, SHIP_GOODS_GROUPS, shipsByUpd } from '../cz/product-groups';
import { detail, type ErrorDetail } from '../errors';
import { czFrom } from '../message';
import type { CatalogLayout, DocumentLayout } from '../onec/presets';
import { build, entryMode, type BuildOptions, type Built, type DocCode } from './builders';
import { autoType } from './builders';
import { groupFor, mergeGroupMapping } from './groups';
import { applyOverrides, type CompileExpression, type FieldOverride } from './overrides';
import { isIndividual, placeRequirement, type PinnedPlace, type PlaceOverride } from './place';
import { isSupportedType, SUPPORTED_TYPES, type DocumentType, type WithdrawalReason } from './schemas';
import { readSource, str, type SourceDocument } from './source';
import { splitBuilt } from './split';
import { MAX_BYTES, MAX_CODES, validateDocument } from './validate';

type Rec = Record<string, unknown>;

export interface MapOptions {
  /** a document type, or `auto` (by the kind of the 1C document) */
  documentType?: string;
  /** fixed product group (`pg`); empty = from the items */
  productGroup?: string;
  /** configuration preset (`ut11`, `erp2`, `bp3`, `retail3`); default msg.onec.preset, else ut11 */
  preset?: string;
  /** document kind (`sales`, `purchases`…); default msg.onec.kind, else from the entity name */
  kind?: string;
  layout?: Partial<DocumentLayout>;
  catalogs?: Partial<CatalogLayout>;
  /** rows of the ОсобенностьУчета → pg table over the defaults */
  groupMapping?: Record<string, string>;
  withdrawalReason?: string;
  returnType?: string;
  remarkingCause?: string;
  turnoverType?: string;
  aggregates?: 'expand' | 'keep';
  maxCodes?: number;
  maxBytes?: number;
  /** parts of a split document: `same` number for all (default) or `suffix` `/1`, `/2`… */
  numbering?: 'same' | 'suffix';
  overrides?: readonly FieldOverride[];
  compile?: CompileExpression;
  today?: Date;
  /** LK_RECEIPT business place: warehouses (Ref_Key or name) pinned to their МОД (kpp, fias_id) */
  places?: readonly PinnedPlace[];
  /** LK_RECEIPT business place given by the node itself (wins over the table and over 1C) */
  placeOverride?: PlaceOverride;
  /**
   * LP_SHIP_GOODS for every product group, as old stands took it (default false: only furs, the others
   * are refused or skipped by `updGroups`, see SHIP_GOODS_GROUPS)
   */
  legacyShipGoods?: boolean;
  /**
   * LP_SHIP_GOODS of a group that ships by УПД: `refuse` (default: an invalid document naming the УПД
   * route) or `skip` (no document: another branch of the flow sends that group's УПД)
   */
  updGroups?: 'refuse' | 'skip';
}

export interface MapInput {
  payload: unknown;
  onec?: unknown;
  cz?: unknown;
  /** what JSONata overrides are evaluated against (default `{ payload, onec, cz }`) */
  message?: unknown;
}

export interface MappedDocument {
  /** ЧЗ document type ('' when it could not be determined) */
  type: string;
  productGroup: string;
  /** 1-based part of this (type, group) document, and how many parts it has */
  part: number;
  parts: number;
  /** journal key `<Ref_Key>:<DataVersion>:<type>:<productGroup>:<part>` */
  key: string;
  body: Rec;
  /** every problem; [] when the document is valid */
  errors: ErrorDetail[];
  /** marking codes in the body */
  codes: number;
}

export interface MapResult {
  ref: string;
  dataVersion: string;
  number: string;
  documents: MappedDocument[];
  /** true when every document is valid */
  valid: boolean;
  /**
   * product groups of this version left to the УПД route (`updGroups: 'skip'`): each becomes one УПД
   * down another branch, so the version is settled only when those are too (lib/journal/ack.ts)
   */
  elsewhere: number;
}

const PACKAGE_TYPES = new Set(['МонотоварнаяУпаковка', 'МультитоварнаяУпаковка']);
/** Shared by every code without nested codes (most of them): one array less per code. */
const NO_CHILDREN: DocCode[] = [];

function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function keyOf(ref: string, dataVersion: string, type: string, pg: string, part: number): string {
  return `${ref}:${dataVersion}:${type}:${pg}:${part}`;
}

/** The code tree of the document, with product groups and prices resolved. */
function codeTree(
  source: SourceDocument,
  mapping: Record<string, string>,
  fixedPg: string,
): { nodes: DocCode[]; itemGroup: (ref: string) => string; trusted: Map<string, Set<string>> } {
  const itemGroupCache = new Map<string, string>();
  const headerPg = groupFor(source.header['ВидПродукции'], mapping) ?? '';
  const itemGroup = (ref: string): string => {
    let g = itemGroupCache.get(ref);
    if (g === undefined) {
      const it = source.items.get(ref);
      g = (it && (groupFor(it.accounting, mapping) ?? groupFor(it.kindAccounting, mapping))) || '';
      itemGroupCache.set(ref, g);
    }
    return g;
  };
  const nodes: DocCode[] = [];
  // Only a document with packages needs the ref index (most are flat lists of units).
  const nested = source.codes.some((c) => !!c.parentRef);
  const latest = new Map<string, DocCode>();
  for (const c of source.codes) {
    const itemRef = str(c.itemRef);
    const packageType = str(c.packageType);
    const node: DocCode = {
      value: c.value,
      cis: '',
      ref: str(c.ref),
      itemRef,
      packageType,
      level: typeof c.level === 'number' ? c.level : 0,
      aggregate: PACKAGE_TYPES.has(packageType),
      productGroup: itemGroup(itemRef) || headerPg,
      costKop: null,
      taxKop: null,
      row: undefined,
      children: NO_CHILDREN,
    };
    if (nested) {
      const parent = c.parentRef ? latest.get(c.parentRef) : undefined;
      if (parent) {
        if (parent.children === NO_CHILDREN) parent.children = [];
        parent.children.push(node);
        parent.aggregate = true;
      }
      if (node.ref) latest.set(node.ref, node);
    }
    nodes.push(node);
  }
  // Packages without an item of their own take the group of their content.
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i] as DocCode;
    if (n.productGroup) continue;
    for (const ch of n.children) {
      if (ch.productGroup) {
        n.productGroup = ch.productGroup;
        break;
      }
    }
  }
  // Codes read fine for a group: the validator need not read them again (pg → normalised codes).
  // Only those its own cheap check (isNormalisedUnit) would not vouch for are listed: for the
  // others the verdict is the same, and a 100 000-code document needs no set of 100 000 codes.
  const trusted = new Map<string, Set<string>>();
  for (const n of nodes) {
    const pg = fixedPg || n.productGroup;
    if (!n.aggregate && isNormalisedUnit(n.value, pg || undefined)) {
      n.cis = n.value;
      continue;
    }
    const r = tryParseCode(n.value, pg || undefined);
    n.cis = r.ok ? r.value.cis : n.value.trim();
    if (r.ok) {
      if (r.value.kind === 'sscc' || r.value.kind === 'aggregate') n.aggregate = true;
      else if (isNormalisedUnit(r.value.cis, pg || undefined)) continue;
      let set = trusted.get(pg);
      if (!set) trusted.set(pg, (set = new Set()));
      set.add(r.value.cis);
    }
  }
  // Prices: the units of an item take, in order, the unit prices of that item's goods rows; the
  // row amount is spread so that the units of a row add up to it to the kopeck.
  const queues = new Map<
    string,
    Array<{ row: SourceDocument['rows'][number]; taken: number; units: number }>
  >();
  for (const row of source.rows) {
    const q = queues.get(row.itemRef) ?? [];
    q.push({ row, taken: 0, units: Math.max(1, Math.round(row.quantity)) });
    queues.set(row.itemRef, q);
  }
  for (const n of nodes) {
    if (n.aggregate) continue;
    const q = queues.get(n.itemRef);
    if (!q || q.length === 0) continue;
    while (q.length > 1 && (q[0] as (typeof q)[number]).taken >= (q[0] as (typeof q)[number]).units)
      q.shift();
    const slot = q[0] as (typeof q)[number];
    const k = Math.min(slot.taken, slot.units - 1);
    n.costKop = share(slot.row.amountKop, slot.units, k);
    n.taxKop = slot.row.vatKop === null ? null : share(slot.row.vatKop, slot.units, k);
    n.row = slot.row.raw;
    slot.taken++;
  }
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i] as DocCode;
    if (!n.aggregate || n.children.length === 0) continue;
    if (n.children.every((ch) => ch.costKop !== null)) {
      n.costKop = n.children.reduce((a, ch) => a + (ch.costKop ?? 0), 0);
      n.taxKop = n.children.every((ch) => ch.taxKop !== null)
        ? n.children.reduce((a, ch) => a + (ch.taxKop ?? 0), 0)
        : null;
    }
  }
  return { nodes, itemGroup, trusted };
}

/** The k-th of `units` equal shares of `total` kopecks; the remainder goes to the first ones. */
function share(total: number, units: number, k: number): number {
  const base = Math.floor(total / units);
  return base + (k < total - base * units ? 1 : 0);
}

function entriesFor(type: DocumentType, nodes: DocCode[], aggregates: 'expand' | 'keep'): DocCode[] {
  switch (entryMode(type, aggregates)) {
    case 'units':
      return nodes.filter((n) => n.children.length === 0);
    case 'top':
      return nodes.filter((n) => n.level === 0);
    case 'packages':
      return nodes.filter((n) => n.children.length > 0);
    case 'tops-packages':
      return nodes.filter((n) => n.level === 0 && n.aggregate);
    default:
      return [];
  }
}

/** Fields of the bodies that hold a participant INN, and whose INN it is. */
const INN_FIELDS: Record<string, 'organisation' | 'counterparty'> = {
  sender_inn: 'organisation',
  receiver_inn: 'counterparty',
  participant_inn: 'organisation',
  producer_inn: 'organisation',
  owner_inn: 'organisation',
  inn: 'organisation',
  trade_participant_inn: 'organisation',
  trade_sender_inn: 'counterparty',
  trade_recipient_inn: 'organisation',
  participantId: 'organisation',
};

/** Explain empty INNs by what is missing in 1C (more useful to an accountant than "INN missing"). */
function innHints(body: Rec, source: SourceDocument): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  for (const [field, who] of Object.entries(INN_FIELDS)) {
    if (body[field] !== '') continue;
    const party = who === 'organisation' ? source.organisation : source.counterparty;
    const nav = (who === 'organisation' ? source.layout.organisation : source.layout.counterparty).replace(
      /_Key$/,
      '',
    );
    const whoRu = who === 'organisation' ? 'организации' : 'контрагента';
    const whoEn = who === 'organisation' ? 'organisation' : 'counterparty';
    out.push(
      party
        ? detail(
            field,
            'INN_MISSING_1C',
            `в 1С у ${whoRu} «${party.name}» не заполнен ИНН (${party.path})`,
            `the ${whoEn} "${party.name}" has no INN in 1C (${party.path})`,
          )
        : detail(
            field,
            'PARTY_NOT_EXPANDED',
            `в документе 1С нет ${whoRu} (${nav || 'поле не задано'}) с ИНН: документ должен быть прочитан с раскрытой ссылкой ($expand=${nav})`,
            `the 1C document has no ${whoEn} (${nav || 'field not set'}) with an INN: read it with the reference expanded ($expand=${nav})`,
          ),
    );
  }
  return out;
}

/**
 * Explain a missing business place of a withdrawal by what is missing in 1C: the warehouse, its
 * address, the FIAS id of the address, the organisation's КПП (place.ts for the rules).
 */
function placeHints(type: DocumentType, body: Rec, source: SourceDocument, pg: string): ErrorDetail[] {
  if (type !== 'LK_RECEIPT' || typeof body['action'] !== 'string') return [];
  const action = body['action'];
  const need = placeRequirement(pg || undefined, action, body['inn']);
  const out: ErrorDetail[] = [];
  const why = `товарная группа ${pg}, причина ${action}`;
  const whyEn = `product group ${pg}, reason ${action}`;
  const tip = 'или закрепите склад за МОД в таблице «Места деятельности» узла (kpp, fias_id)';
  const tipEn = "or pin the warehouse to its МОД in the node's «Business places» table (kpp, fias_id)";
  const blankField = (f: string): boolean => body[f] === undefined || body[f] === null || body[f] === '';
  if (need.fias && blankField('fias_id')) {
    const pl = source.place;
    const field = pl.field || source.layout.warehouse || 'Склад_Key';
    const nav = field.replace(/_Key$/, '');
    const wh = pl.name ? `«${pl.name}»` : pl.ref;
    let ru: string;
    let en: string;
    if (!pl.ref) {
      ru = `в документе 1С не указан склад (${field}), адрес которого — место деятельности: заполните склад в документе 1С`;
      en = `the 1C document names no warehouse (${field}) whose address is the business place: fill the warehouse in the 1C document`;
    } else if (!pl.expanded) {
      ru = `склад ${pl.ref} документа не прочитан: документ должен быть прочитан узлом onec-read (или с $expand=${nav})`;
      en = `warehouse ${pl.ref} of the document was not read: read the document with onec-read (or with $expand=${nav})`;
    } else if (!pl.hasAddress) {
      ru = `в 1С у склада ${wh} не заполнен адрес (Склады → Контактная информация → «Адрес склада»)`;
      en = `the warehouse ${wh} has no address in 1C (Warehouses → contact information → «Адрес склада»)`;
    } else {
      ru = `адрес склада ${wh} в 1С «${pl.address.text}» не содержит кода ФИАС (houseId/id): введите адрес по адресному классификатору (ФИАС/ГАР)`;
      en = `the 1C address of the warehouse ${wh} "${pl.address.text}" has no FIAS id (houseId/id): enter the address from the address classifier (ФИАС/ГАР)`;
    }
    out.push(
      detail(
        'fias_id',
        'PLACE_FIAS_MISSING_1C',
        `не указан код ФИАС места деятельности (fias_id; ${why}): ${ru} ${tip}`,
        `the FIAS id of the business place (fias_id; ${whyEn}) is missing: ${en} ${tipEn}`,
      ),
    );
  }
  if (need.kpp && blankField('kpp') && !isIndividual(body['inn'])) {
    const org = source.organisation;
    out.push(
      detail(
        'kpp',
        'PLACE_KPP_MISSING_1C',
        org
          ? `не указан КПП места деятельности (kpp; ${why}): в 1С у организации «${org.name}» не заполнен КПП (Организации → КПП) ${tip}`
          : `не указан КПП места деятельности (kpp; ${why}): в документе 1С нет организации с КПП (${source.layout.organisation}) ${tip}`,
        org
          ? `the KPP of the business place (kpp; ${whyEn}) is missing: the organisation "${org.name}" has no КПП in 1C (Организации → КПП) ${tipEn}`
          : `the KPP of the business place (kpp; ${whyEn}) is missing: the 1C document has no organisation with a КПП (${source.layout.organisation}) ${tipEn}`,
      ),
    );
  }
  return out;
}

function partOfPath(
  path: string,
  listKey: string,
  parts: Array<{ offset: number; length: number }>,
): { part: number; path: string } | null {
  if (!listKey || !path.startsWith(`${listKey}[`)) return null;
  const m = /^[A-Za-z_]+\[(\d+)\](.*)$/.exec(path);
  if (!m) return null;
  const i = Number(m[1]);
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k] as { offset: number; length: number };
    if (i >= p.offset && i < p.offset + p.length)
      return { part: k, path: `${listKey}[${i - p.offset}]${m[2] ?? ''}` };
  }
  return null;
}

/** LP_SHIP_GOODS refused for a group that production takes by УПД only (ru + en, naming the route). */
export function shipByUpdDetail(pg: string): ErrorDetail {
  const g = productGroup(pg);
  const allowed = SHIP_GOODS_GROUPS.join(', ');
  return detail(
    'productGroup',
    'SHIP_GOODS_UPD_ONLY',
    `Честный ЗНАК не принимает «Отгрузку» LP_SHIP_GOODS для товарной группы «${g?.ru ?? pg}» (${pg}): с 1 марта 2022 года этот документ принимается только для товаров из натурального меха (${allowed}). Отгрузка другому участнику оборота — УПД с кодами маркировки через ЭДО (узел edo-send, ЭДО Лайт). Для старого стенда, который ещё принимает LP_SHIP_GOODS, включите в узле «LP_SHIP_GOODS для всех групп» (legacyShipGoods)`,
    `Честный ЗНАК does not take the shipment LP_SHIP_GOODS for the product group "${g?.en ?? pg}" (${pg}): since 1 March 2022 it is taken only for natural fur products (${allowed}). A shipment to another participant is a УПД with the marking codes through EDO (the edo-send node, ЭДО Лайт). For an old stand that still takes LP_SHIP_GOODS, turn on "LP_SHIP_GOODS for every group" (legacyShipGoods) in the node`,
  );
}

const NUMBER_FIELDS = ['document_num', 'document_number', 'primary_document_number'];

/** Map one 1C document (as onec-read gives it) to validated Честный ЗНАК documents. */
export async function mapDocument(input: MapInput, options: MapOptions = {}): Promise<MapResult> {
  const source = readSource(input.payload, input.onec, {
    preset: options.preset,
    kind: options.kind,
    layout: options.layout,
    catalogs: options.catalogs,
  });
  let elsewhere = 0;
  const result = (documents: MappedDocument[]): MapResult => ({
    ref: source.ref,
    dataVersion: source.dataVersion,
    number: source.number,
    documents,
    valid: documents.length > 0 && documents.every((d) => d.errors.length === 0),
    elsewhere,
  });
  const fixedPg = (options.productGroup ?? '').trim();
  const requested = (options.documentType ?? 'auto').trim() || 'auto';
  const failed = (type: string, errors: ErrorDetail[]): MapResult =>
    result([
      {
        type,
        productGroup: fixedPg,
        part: 1,
        parts: 1,
        key: keyOf(source.ref, source.dataVersion, type, fixedPg, 1),
        body: {},
        errors,
        codes: 0,
      },
    ]);
  if (source.problems.length > 0) return failed(requested === 'auto' ? '' : requested, source.problems);
  let type: DocumentType;
  if (requested === 'auto') {
    const t = autoType(source);
    if (!t) {
      return failed('', [
        detail(
          'type',
          'TYPE_UNKNOWN',
          `для документа 1С ${source.entity || '(тип не указан)'} (вид: ${source.kind ?? 'не определён'}) нет документа Честного ЗНАКа по умолчанию: выберите тип документа в узле`,
          `1C document ${source.entity || '(entity not given)'} (kind: ${source.kind ?? 'unknown'}) has no default Честный ЗНАК document: choose the document type in the node`,
        ),
      ]);
    }
    type = t;
  } else if (isSupportedType(requested)) {
    type = requested;
  } else {
    return failed(requested, [
      detail(
        'type',
        'DOC_TYPE',
        `тип документа «${requested}» не поддерживается; поддерживаются: ${SUPPORTED_TYPES.join(', ')}`,
        `document type "${requested}" is not supported; supported: ${SUPPORTED_TYPES.join(', ')}`,
      ),
    ]);
  }

  const mapping = mergeGroupMapping(options.groupMapping);
  const aggregates = options.aggregates ?? 'expand';
  const buildOptions: BuildOptions = {
    withdrawalReason: (options.withdrawalReason || 'auto') as WithdrawalReason | 'auto',
    returnType: options.returnType || 'RETAIL_RETURN',
    remarkingCause: options.remarkingCause || 'KM_SPOILED',
    turnoverType: options.turnoverType || 'SELLING',
    aggregates,
    places: options.places,
    placeOverride: options.placeOverride,
  };
  const { nodes, itemGroup, trusted } = codeTree(source, mapping, fixedPg);
  const entries = entriesFor(type, nodes, aggregates);

  // Group the entries by product group, in order of first appearance.
  const groups = new Map<string, DocCode[]>();
  const unresolved: DocCode[] = [];
  for (const e of entries) {
    if (fixedPg) {
      const g = groups.get(fixedPg) ?? [];
      g.push(e);
      groups.set(fixedPg, g);
    } else if (e.productGroup) {
      const g = groups.get(e.productGroup) ?? [];
      g.push(e);
      groups.set(e.productGroup, g);
    } else {
      unresolved.push(e);
    }
  }
  if (unresolved.length > 0) {
    const first = groups.keys().next();
    const pg = first.done ? '' : first.value;
    groups.set(pg, [...(groups.get(pg) ?? []), ...unresolved]);
  }
  if (groups.size === 0) {
    const rowGroup = source.rows.map((r) => itemGroup(r.itemRef)).find((g) => g !== '');
    groups.set(fixedPg || rowGroup || groupFor(source.header['ВидПродукции'], mapping) || '', []);
  }

  // LP_SHIP_GOODS only where Честный ЗНАК still takes it (lib/cz/product-groups.ts SHIP_GOODS_GROUPS)
  const byUpd = new Set<string>();
  if (type === 'LP_SHIP_GOODS' && !options.legacyShipGoods) {
    for (const pg of [...groups.keys()]) {
      if (!pg || !shipsByUpd(pg)) continue;
      if (options.updGroups === 'skip') {
        groups.delete(pg);
        elsewhere += 1;
      } else byUpd.add(pg);
    }
  }

  const cz = isRec(input.cz) ? czFrom(input.cz) : undefined;
  const message = input.message ?? { payload: input.payload, onec: input.onec, cz: input.cz };
  const maxCodes = Math.min(options.maxCodes ?? MAX_CODES, MAX_CODES);
  const maxBytes = Math.min(options.maxBytes ?? MAX_BYTES, MAX_BYTES);
  const documents: MappedDocument[] = [];

  for (const [pg, groupEntries] of groups) {
    const built: Built = build({ type, source, pg, entries: groupEntries, options: buildOptions, cz });
    const mapErrors: ErrorDetail[] = [];
    if (!pg) {
      mapErrors.push(
        detail(
          'productGroup',
          'PG_UNKNOWN',
          'товарная группа не определена: у товаров в 1С не заполнена «Особенность учёта» (или её нет в таблице соответствия) — укажите группу в узле или заполните реквизит в 1С',
          'product group unknown: the 1C items have no ОсобенностьУчета (or it is not in the mapping table) — set the group in the node or fill the attribute in 1C',
        ),
      );
    }
    if (byUpd.has(pg)) mapErrors.push(shipByUpdDetail(pg));
    groupEntries.forEach((e, i) => {
      const path = `${built.listKey}[${i}].${built.codeField(i)}`;
      const item = source.items.get(e.itemRef);
      const itemName = item ? `«${item.name}»` : e.itemRef || '—';
      if (!fixedPg && !e.productGroup && pg) {
        mapErrors.push(
          detail(
            path,
            'CODE_GROUP_UNKNOWN',
            `товарная группа кода «${e.cis}» не определена: у товара ${itemName} в 1С не заполнена «Особенность учёта» или её нет в таблице соответствия`,
            `product group of code "${e.cis}" unknown: item ${itemName} has no ОсобенностьУчета in 1C, or it is not in the mapping table`,
          ),
        );
      }
      const own = itemGroup(e.itemRef) || e.productGroup;
      if (fixedPg && own && own !== fixedPg) {
        mapErrors.push(
          detail(
            path,
            'CODE_OTHER_GROUP',
            `код «${e.cis}» товара ${itemName} относится к товарной группе ${own}, а документ — к группе ${fixedPg}`,
            `code "${e.cis}" of item ${itemName} belongs to product group ${own}, the document to group ${fixedPg}`,
          ),
        );
      }
    });
    mapErrors.push(...(await applyOverrides(built, options.overrides ?? [], options.compile, message)));
    const hints = [...innHints(built.body, source), ...placeHints(type, built.body, source, pg)];
    const hinted = new Set(hints.map((h) => h.path));
    const validation = validateDocument(type, built.body, {
      productGroup: pg || undefined,
      today: options.today,
      // limits are checked per part, after splitting
      maxCodes: Number.POSITIVE_INFINITY,
      maxBytes: Number.POSITIVE_INFINITY,
      trustedCodes: trusted.get(pg),
    }).filter((d) => !hinted.has(d.path));
    const whole = [...mapErrors, ...hints, ...validation];

    const parts = splitBuilt(built, maxCodes, maxBytes);
    const perPart: ErrorDetail[][] = parts.map(() => []);
    for (const e of whole) {
      const located = partOfPath(e.path, built.listKey, parts);
      if (located) (perPart[located.part] as ErrorDetail[]).push({ ...e, path: located.path });
      else perPart.forEach((list) => list.push(e));
    }
    parts.forEach((p, k) => {
      const errors = perPart[k] as ErrorDetail[];
      if (p.codes > maxCodes) {
        errors.push(
          detail(
            '(root)',
            'DOC_TOO_MANY_CODES',
            `в документе ${p.codes} кодов, а допускается не больше ${maxCodes}; разделить его нельзя (одна позиция содержит больше кодов)`,
            `the document has ${p.codes} codes, at most ${maxCodes} are accepted; it cannot be split (one entry holds more codes)`,
          ),
        );
      }
      if (p.bytes > maxBytes) {
        errors.push(
          detail(
            '(root)',
            'DOC_TOO_LARGE',
            `документ занимает ${(p.bytes / 1e6).toFixed(1)} МБ, а допускается не больше ${(maxBytes / 1e6).toFixed(1)} МБ`,
            `the document takes ${(p.bytes / 1e6).toFixed(1)} MB, at most ${(maxBytes / 1e6).toFixed(1)} MB is accepted`,
          ),
        );
      }
      if (options.numbering === 'suffix' && parts.length > 1) {
        for (const f of NUMBER_FIELDS) {
          if (typeof p.body[f] === 'string' && p.body[f] !== '')
            p.body[f] = `${p.body[f] as string}/${k + 1}`;
        }
      }
      documents.push({
        type,
        productGroup: pg,
        part: k + 1,
        parts: parts.length,
        key: keyOf(source.ref, source.dataVersion, type, pg, k + 1),
        body: p.body,
        errors,
        codes: p.codes,
      });
    });
  }

  if (documents.some((d) => d.errors.length > 0)) {
    for (const d of documents) {
      if (d.errors.length > 0) continue;
      d.errors.push(
        detail(
          '(document)',
          'SIBLING_INVALID',
          `документ не отправляется: другой документ, полученный из того же документа 1С ${source.number}, содержит ошибки — исправьте документ 1С целиком`,
          `not sent: another document made from the same 1C document ${source.number} has errors — correct the 1C document as a whole`,
        ),
      );
    }
  }
  return result(documents);
}
