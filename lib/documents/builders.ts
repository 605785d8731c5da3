/**
 * Mapping presets: how each Честный ЗНАК document type is filled from a 1C document («Описание
 * True API» v553 §4.1; УТ 11 / ERP 2 / БП 3.0 metadata). Every field can still be overridden per
 * node (JSONata, see overrides.ts).
 *
 * Dates are written as `yyyy-MM-dd` (the 1C date's own wall-clock date): every date field of the
 * reference accepts that form, and it needs no time zone, which 1C does not give.
 * Money is in kopecks as integer strings (as the reference examples show).
 * Optional fields the preset does not fill are left out, except where the reference's own example
 * sends `null`; fields a rule forbids for the chosen reason are never sent.
 */
import type { CzMeta } from '../message';
import type { DocumentKind } from '../onec/presets';
import { choosePlace, isIndividual, placeRequirement, type PinnedPlace, type PlaceOverride } from './place';
import { BUYER_INN_ALLOWED, type DocumentType, type WithdrawalReason } from './schemas';
import { datePart, str, type SourceDocument } from './source';

type Rec = Record<string, unknown>;

/** One code of the document as the mapping sees it. */
export interface DocCode {
  /** value as 1C keeps it */
  value: string;
  /** normalised code; the trimmed value when it could not be read (the validator explains) */
  cis: string;
  ref: string;
  itemRef: string;
  packageType: string;
  level: number;
  /** a package (box, group): has nested codes or a package type other than a unit */
  aggregate: boolean;
  /** product group resolved for this code ('' when unknown) */
  productGroup: string;
  /** price including VAT and VAT for this code, kopecks (aggregates: sum of their units) */
  costKop: number | null;
  taxKop: number | null;
  /** the goods row the price came from */
  row?: Rec;
  children: DocCode[];
}

export interface BuildOptions {
  withdrawalReason: WithdrawalReason | 'auto';
  returnType: string;
  remarkingCause: string;
  turnoverType: string;
  /** aggregates: `expand` = list the units (the package is disaggregated), `keep` = the package code */
  aggregates: 'expand' | 'keep';
  /** business place of a withdrawal: warehouses pinned to their МОД, and the node's own values */
  places?: readonly PinnedPlace[];
  placeOverride?: PlaceOverride;
}

export interface BuildInput {
  type: DocumentType;
  source: SourceDocument;
  pg: string;
  entries: DocCode[];
  options: BuildOptions;
  /** msg.cz of the incoming message (e.g. a shipment id for LP_CANCEL_SHIPMENT) */
  cz?: Partial<CzMeta>;
}

export interface Built {
  body: Rec;
  /** key of the list of coded items ('' = none) */
  listKey: string;
  /** the code (aggregate) each list element was made from, aligned with body[listKey] */
  sources: DocCode[];
  /** field of a list element that holds the code of `sources[i]` */
  codeField(i: number): string;
}

/** Kopecks as a string; the few distinct amounts of a document share their strings. */
const MONEY = new Map<number, string>();
function money(v: number | null): string | null {
  if (v === null) return null;
  let s = MONEY.get(v);
  if (s === undefined) {
    s = String(v);
    if (MONEY.size > 10000) MONEY.clear();
    MONEY.set(v, s);
  }
  return s;
}

function hdr(source: SourceDocument, field: string): unknown {
  return source.header[field];
}

/** The 1C enum ВариантВыбытияМаркируемойПродукции of a sale → withdrawal reason. */
export const SALE_WITHDRAWAL: Readonly<Record<string, WithdrawalReason>> = {
  ИспользованиеПокупателемДляСобственныхНужд: 'OWN_USE',
  БезвозмезднаяПередачаПокупателю: 'DONATION',
};

/** The withdrawal reason a document kind implies when the node leaves it to `auto`. */
export function autoReason(source: SourceDocument): WithdrawalReason {
  const variant = str(hdr(source, 'ВариантВыбытияМаркируемойПродукции'));
  if (SALE_WITHDRAWAL[variant]) return SALE_WITHDRAWAL[variant] as WithdrawalReason;
  switch (source.kind) {
    case 'retail':
      return 'RETAIL';
    case 'writeOff':
      return 'LOSS';
    case 'sales':
    case 'shipmentIsmp':
      return 'OWN_USE';
    default:
      return 'OTHER';
  }
}

function isForeign(source: SourceDocument): boolean {
  const cp = source.counterparty;
  const obj = source.header[source.layout.counterparty.replace(/_Key$/, '')];
  const country =
    obj && typeof obj === 'object' && !Array.isArray(obj) ? (obj as Rec)['СтранаРегистрации'] : undefined;
  const code = country && typeof country === 'object' ? str((country as Rec)['Code']) : '';
  return (cp !== undefined && cp.inn === '') || (code !== '' && code !== '643');
}

/** Document type for `auto`: by the kind of the 1C document (undefined when there is none). */
export function autoType(source: SourceDocument): DocumentType | undefined {
  const kind: DocumentKind | undefined = source.kind;
  switch (kind) {
    case 'sales':
    case 'shipmentIsmp':
      return SALE_WITHDRAWAL[str(hdr(source, 'ВариантВыбытияМаркируемойПродукции'))] ||
        hdr(source, 'ОтгрузкаНеучастнику') === true
        ? 'LK_RECEIPT'
        : 'LP_SHIP_GOODS';
    // goods passed to another participant: the shipment (furs; every other group goes by УПД, edo-send)
    case 'supplierReturns':
    case 'intercompany':
      return 'LP_SHIP_GOODS';
    case 'retail':
    case 'writeOff':
      return 'LK_RECEIPT';
    case 'marking':
      return 'LP_INTRODUCE_GOODS';
    case 'purchases':
      return isForeign(source) ? 'LP_GOODS_IMPORT' : 'LP_ACCEPT_GOODS';
    case 'returns':
      return 'LP_RETURN';
    default:
      return undefined;
  }
}

function tnvedOf(source: SourceDocument, c: DocCode): string {
  const item = source.items.get(c.itemRef) ?? source.items.get(c.children[0]?.itemRef ?? '');
  const fromRow = c.row ? str(c.row['КодТНВЭД']) : '';
  const fromHeader = str(hdr(source, 'КодТНВЭД'));
  return (item?.tnved || fromRow || fromHeader).replace(/\D/g, '');
}

function codeKey(c: DocCode, keep: boolean): 'uit_code' | 'uitu_code' {
  return keep && c.aggregate ? 'uitu_code' : 'uit_code';
}

/** Customs declaration number in 1C: a row's НомерГТД (Catalog_НомераГТД) or a header field. */
function declarationNumber(source: SourceDocument): string {
  for (const r of source.rows) {
    const nav = r.raw['НомерГТД'];
    const v = nav && typeof nav === 'object' ? str((nav as Rec)['Code']) : str(nav);
    if (v) return v;
  }
  return str(hdr(source, 'НомерДекларацииНаТовары')) || str(hdr(source, 'НомерГТД'));
}

/** The date inside a declaration number 12345678/ddMMyy/1234567 → yyyy-MM-dd. */
export function declarationDate(number: string): string {
  const m = /^\d{8}\/(\d{2})(\d{2})(\d{2})\/\d{7}$/.exec(number);
  return m ? `20${m[3]}-${m[2]}-${m[1]}` : '';
}

const OTHER_DOC_NAME: Partial<Record<DocumentKind, string>> = {
  writeOff: 'Акт о списании товаров',
  retail: 'Кассовый чек',
  sales: 'Универсальный передаточный документ',
  shipmentIsmp: 'Универсальный передаточный документ',
  returns: 'Документ возврата',
  supplierReturns: 'Универсальный передаточный документ',
  intercompany: 'Универсальный передаточный документ',
};

function builders(): Record<DocumentType, (b: BuildInput) => Built> {
  const list = (
    key: string,
    sources: DocCode[],
    items: Rec[],
    field: (i: number) => string,
    body: Rec,
  ): Built => {
    body[key] = items;
    return { body, listKey: key, sources, codeField: field };
  };
  return {
    LP_SHIP_GOODS({ source, entries, options }) {
      const keep = options.aggregates === 'keep';
      const body: Rec = {
        sender_inn: source.organisation?.inn ?? '',
        receiver_inn: source.counterparty?.inn ?? '',
        transfer_date: source.date,
        document_num: source.number,
        document_date: source.date,
        turnover_type: options.turnoverType,
        to_not_participant: false,
      };
      return list(
        'products',
        entries,
        entries.map((c) => {
          const p: Rec = { [codeKey(c, keep)]: c.cis };
          if (c.costKop !== null) p['product_cost'] = money(c.costKop);
          if (c.taxKop !== null) p['product_tax'] = money(c.taxKop);
          return p;
        }),
        (i) => codeKey(entries[i] as DocCode, keep),
        body,
      );
    },
    LP_ACCEPT_GOODS({ source, entries, options, cz }) {
      const keep = options.aggregates === 'keep';
      const incoming = datePart(hdr(source, 'ДатаВходящегоДокумента'));
      const body: Rec = {
        release_order_number:
          str(cz?.releaseOrderNumber) ||
          str(hdr(source, 'НомерЗаявкиНаОтгрузку')) ||
          str(hdr(source, 'ИдентификаторЗаявки')),
        document_number: str(hdr(source, 'НомерВходящегоДокумента')) || source.number,
        document_date: incoming || source.date,
        transfer_date: incoming || source.date,
        acceptance_date:
          datePart(hdr(source, 'ДатаПоступления')) || datePart(hdr(source, 'ДатаПриемки')) || source.date,
        trade_sender_inn: source.counterparty?.inn ?? '',
        trade_recipient_inn: source.organisation?.inn ?? '',
        turnover_type: options.turnoverType,
      };
      return list(
        'products',
        entries,
        entries.map((c) => {
          const p: Rec = { [codeKey(c, keep)]: c.cis };
          if (c.costKop !== null) p['product_cost'] = money(c.costKop);
          if (c.taxKop !== null) p['product_tax'] = money(c.taxKop);
          p['accepted'] = true;
          return p;
        }),
        (i) => codeKey(entries[i] as DocCode, keep),
        body,
      );
    },
    LP_INTRODUCE_GOODS({ source, entries, options }) {
      const keep = options.aggregates === 'keep';
      const inn = source.organisation?.inn ?? '';
      const body: Rec = {
        participant_inn: inn,
        producer_inn: inn,
        owner_inn: inn,
        production_date: datePart(hdr(source, 'ДатаПроизводства')) || source.date,
        production_type: 'OWN_PRODUCTION',
      };
      return list(
        'products',
        entries,
        entries.map((c) => ({ [codeKey(c, keep)]: c.cis, tnved_code: tnvedOf(source, c) })),
        (i) => codeKey(entries[i] as DocCode, keep),
        body,
      );
    },
    LP_GOODS_IMPORT({ source, entries, options }) {
      const keep = options.aggregates === 'keep';
      const decl = declarationNumber(source);
      const body: Rec = {
        participant_inn: source.organisation?.inn ?? '',
        declaration_number: decl,
        declaration_date: datePart(hdr(source, 'ДатаДекларации')) || declarationDate(decl) || source.date,
      };
      if (/^\d{8}\//.test(decl)) body['customs_code'] = decl.slice(0, 8);
      return list(
        'products',
        entries,
        entries.map((c) => ({ [codeKey(c, keep)]: c.cis, tnved_code: tnvedOf(source, c) })),
        (i) => codeKey(entries[i] as DocCode, keep),
        body,
      );
    },
    LP_CANCEL_SHIPMENT({ source, cz }) {
      return {
        body: {
          participant_inn: source.organisation?.inn ?? '',
          shipment_number:
            str(cz?.documentId) ||
            str(hdr(source, 'ИдентификаторДокументаГИСМТ')) ||
            str(hdr(source, 'Идентификатор')),
        },
        listKey: '',
        sources: [],
        codeField: () => '',
      };
    },
    LK_RECEIPT({ source, pg, entries, options }) {
      const reason = options.withdrawalReason === 'auto' ? autoReason(source) : options.withdrawalReason;
      const body: Rec = { inn: source.organisation?.inn ?? '' };
      if (BUYER_INN_ALLOWED.includes(reason) && source.counterparty?.inn)
        body['buyer_inn'] = source.counterparty.inn;
      body['action'] = reason;
      body['action_date'] = source.date;
      if (reason === 'OTHER') {
        body['withdrawal_type_other'] =
          str(hdr(source, 'Комментарий')) || `Выбытие по документу 1С ${source.number}`;
      }
      // The reference gives the allowed kinds for three reasons only; OTHER (with its name) is in
      // every list it gives, so it is the kind least likely to be refused for the other reasons.
      const docType =
        reason === 'RETAIL'
          ? 'RECEIPT'
          : reason === 'DESTRUCTION'
            ? 'DESTRUCTION_ACT'
            : reason === 'BEYOND_EEC_EXPORT'
              ? 'CUSTOMS_DECLARATION'
              : 'OTHER';
      body['document_type'] = docType;
      body['document_number'] = source.number;
      body['document_date'] = source.date;
      body['primary_document_custom_name'] =
        docType === 'OTHER' ? (OTHER_DOC_NAME[source.kind ?? 'writeOff'] ?? 'Первичный документ') : null;
      // Business place (place.ts): sent whenever known, as 1C's own exchange sends the FIAS id of the
      // warehouse address; the КПП goes with it (legal entities only), or alone where it is required.
      const inn = source.organisation?.inn ?? '';
      const chosen = choosePlace(
        source.place,
        source.organisation?.kpp ?? '',
        options.places,
        options.placeOverride,
      );
      const need = placeRequirement(pg, reason, inn);
      const explicitKpp = chosen.kppFrom === 'override' || chosen.kppFrom === 'pinned';
      if (chosen.kpp && (explicitKpp || (!isIndividual(inn) && (chosen.fiasId !== '' || need.kpp))))
        body['kpp'] = chosen.kpp;
      if (chosen.fiasId) body['fias_id'] = chosen.fiasId;
      return list(
        'products',
        entries,
        entries.map((c) => {
          const p: Rec = { cis: c.cis };
          if (c.costKop !== null) p['product_cost'] = money(c.costKop);
          return p;
        }),
        () => 'cis',
        body,
      );
    },
    LP_RETURN({ source, entries, options }) {
      const body: Rec = {
        trade_participant_inn: source.organisation?.inn ?? '',
        return_type: options.returnType,
        primary_document_type: 'RECEIPT',
        primary_document_number: source.number,
        primary_document_date: source.date,
      };
      return list(
        'products_list',
        entries,
        entries.map((c) => ({ ki: c.cis })),
        () => 'ki',
        body,
      );
    },
    AGGREGATION_DOCUMENT({ source, entries }) {
      const body: Rec = { participantId: source.organisation?.inn ?? '' };
      return list(
        'aggregationUnits',
        entries,
        entries.map((c) => ({
          unitSerialNumber: c.cis,
          aggregationType: 'AGGREGATION',
          sntins: c.children.map((ch) => ch.cis),
        })),
        () => 'unitSerialNumber',
        body,
      );
    },
    DISAGGREGATION_DOCUMENT({ source, entries }) {
      const body: Rec = { participant_inn: source.organisation?.inn ?? '' };
      return list(
        'products_list',
        entries,
        entries.map((c) => ({ uitu: c.cis })),
        () => 'uitu',
        body,
      );
    },
    LK_REMARK({ source, entries, options }) {
      const body: Rec = {
        participant_inn: source.organisation?.inn ?? '',
        remarking_date: source.date,
        remarking_cause: options.remarkingCause,
      };
      return list(
        'products',
        entries,
        // The new code is not in a standard 1C sales/marking document: set it with an override
        // (products[].new_uin) from wherever the site keeps it.
        entries.map((c) => {
          const p: Rec = { last_uin: c.cis, new_uin: null };
          const tn = tnvedOf(source, c);
          if (tn) p['tnved_10'] = tn;
          return p;
        }),
        () => 'last_uin',
        body,
      );
    },
  };
}

const BUILDERS = builders();

export function build(input: BuildInput): Built {
  return BUILDERS[input.type](input);
}

/** Which codes make the list of a document type: units, top-level entries, or packages. */
export function entryMode(
  type: DocumentType,
  aggregates: 'expand' | 'keep',
): 'units' | 'top' | 'packages' | 'tops-packages' | 'none' {
  switch (type) {
    case 'AGGREGATION_DOCUMENT':
      return 'packages';
    case 'DISAGGREGATION_DOCUMENT':
      return 'tops-packages';
    case 'LP_CANCEL_SHIPMENT':
      return 'none';
    case 'LP_SHIP_GOODS':
    case 'LP_ACCEPT_GOODS':
    case 'LP_INTRODUCE_GOODS':
    case 'LP_GOODS_IMPORT':
      return aggregates === 'keep' ? 'top' : 'units';
    default:
      return 'units';
  }
}
