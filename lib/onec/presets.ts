/**
 * Where typical 1C configurations keep what the pack needs (УТ 11 / ERP 2 / БП 3.0 metadata). Every name is
 * overridable field by field (node config), because sites customise their bases and because the
 * reference is unsure of some names (marked `uncertain`).
 */
export type PresetId = 'ut11' | 'erp2' | 'bp3' | 'retail3';

/** Where one kind of document keeps its goods and its marking codes. */
export interface DocumentLayout {
  /** entity set, e.g. Document_РеализацияТоваровУслуг */
  entity: string;
  organisation: string;
  counterparty: string;
  /** tabular section with goods rows */
  goodsTable: string;
  item: string;
  quantity: string;
  price: string;
  amount: string;
  /** VAT amount of the row (roubles, Double) */
  vatAmount: string;
  /** row amount including VAT, when the configuration has one ('' = compute) */
  amountWithVat: string;
  /** header flag "prices include VAT" ('' = not in this configuration) */
  pricesIncludeVat: string;
  /** tabular section with marking codes (references to the codes catalog) */
  codesTable: string;
  codeRef: string;
  /**
   * reference to the warehouse (Розница: the store) whose address is the business place of a
   * withdrawal ('' = none); read from the header, else from the first goods row that has one
   */
  warehouse: string;
  /** the catalog it points to (Catalog_Склады, Розница Catalog_Магазины) */
  warehouseCatalog: string;
  /**
   * the catalog the counterparty field points to ('' = the catalogs' `counterparties`): a transfer
   * between organisations names its receiver in Catalog_Организации
   */
  counterpartyCatalog: string;
  /** names the reference could not confirm for this configuration */
  uncertain?: string[];
}

export interface CatalogLayout {
  organisations: string;
  counterparties: string;
  items: string;
  itemKinds: string;
  codes: string;
  tnved: string;
  /** Catalog_Номенклатура attribute with the enum ОсобенностиУчетаНоменклатуры */
  itemAccounting: string;
  /** Catalog_Номенклатура reference to its kind (ВидНоменклатуры_Key) */
  itemKind: string;
  /** Catalog_Номенклатура reference to the ТН ВЭД classifier */
  itemTnved: string;
  itemArticle: string;
  /** Catalog_ШтрихкодыУпаковокТоваров: code value, package type, nested codes table and its ref */
  codeValue: string;
  codePackageType: string;
  codeItem: string;
  nestedCodesTable: string;
  nestedCodeRef: string;
  inn: string;
  kpp: string;
  /** БСП tabular section of contact information (rows Тип / Вид_Key / Представление / Значение) */
  contactInfo: string;
  /** register of item barcodes (GTIN/EAN of the items), optional */
  itemBarcodes?: string;
  barcodeValue?: string;
  barcodeItem?: string;
}

export type DocumentKind =
  | 'sales'
  | 'purchases'
  | 'writeOff'
  | 'transfers'
  | 'returns'
  | 'supplierReturns'
  | 'intercompany'
  | 'retail'
  | 'marking'
  | 'shipmentIsmp';

export interface OnecPreset {
  id: PresetId;
  ru: string;
  en: string;
  documents: Partial<Record<DocumentKind, DocumentLayout>>;
  catalogs: CatalogLayout;
}

const UT_CATALOGS: CatalogLayout = {
  organisations: 'Catalog_Организации',
  counterparties: 'Catalog_Контрагенты',
  items: 'Catalog_Номенклатура',
  itemKinds: 'Catalog_ВидыНоменклатуры',
  codes: 'Catalog_ШтрихкодыУпаковокТоваров',
  tnved: 'Catalog_КлассификаторТНВЭД',
  itemAccounting: 'ОсобенностьУчета',
  itemKind: 'ВидНоменклатуры_Key',
  itemTnved: 'КодТНВЭД_Key',
  itemArticle: 'Артикул',
  codeValue: 'ЗначениеШтрихкода',
  codePackageType: 'ТипУпаковки',
  codeItem: 'Номенклатура_Key',
  nestedCodesTable: 'ВложенныеШтрихкоды',
  nestedCodeRef: 'Штрихкод_Key',
  inn: 'ИНН',
  kpp: 'КПП',
  contactInfo: 'КонтактнаяИнформация',
  itemBarcodes: 'InformationRegister_ШтрихкодыНоменклатуры',
  barcodeValue: 'Штрихкод',
  barcodeItem: 'Номенклатура_Key',
};

function utDoc(entity: string, extra: Partial<DocumentLayout> = {}): DocumentLayout {
  return {
    entity,
    organisation: 'Организация_Key',
    counterparty: 'Контрагент_Key',
    goodsTable: 'Товары',
    item: 'Номенклатура_Key',
    quantity: 'Количество',
    price: 'Цена',
    amount: 'Сумма',
    vatAmount: 'СуммаНДС',
    amountWithVat: 'СуммаСНДС',
    pricesIncludeVat: 'ЦенаВключаетНДС',
    codesTable: 'ШтрихкодыУпаковок',
    codeRef: 'ШтрихкодУпаковки_Key',
    warehouse: 'Склад_Key',
    warehouseCatalog: 'Catalog_Склады',
    counterpartyCatalog: '',
    ...extra,
  };
}

const UT_DOCUMENTS: OnecPreset['documents'] = {
  sales: utDoc('Document_РеализацияТоваровУслуг'),
  purchases: utDoc('Document_ПриобретениеТоваровУслуг'),
  writeOff: utDoc('Document_СписаниеНедостачТоваров', {
    counterparty: '',
    price: 'Цена',
    vatAmount: '',
    amountWithVat: '',
    pricesIncludeVat: '',
    uncertain: ['codesTable', 'price'],
  }),
  transfers: utDoc('Document_ПеремещениеТоваров', {
    counterparty: '',
    vatAmount: '',
    amountWithVat: '',
    pricesIncludeVat: '',
    uncertain: ['codesTable'],
  }),
  returns: utDoc('Document_ВозвратТоваровОтКлиента', { uncertain: ['codesTable'] }),
  /** a return to the supplier: goes to it as a УПД of ours (the codes move back to the supplier) */
  supplierReturns: utDoc('Document_ВозвратТоваровПоставщику', { uncertain: ['codesTable'] }),
  /**
   * a transfer to another organisation of the base (УТ 11 / ERP «Передача товаров между
   * организациями»): the receiver is `ОрганизацияПолучатель_Key`, a Catalog_Организации item
   */
  intercompany: utDoc('Document_ПередачаТоваровМеждуОрганизациями', {
    counterparty: 'ОрганизацияПолучатель_Key',
    counterpartyCatalog: 'Catalog_Организации',
    uncertain: ['codesTable'],
  }),
  retail: utDoc('Document_ЧекККМ', { counterparty: '', uncertain: ['codesTable', 'amountWithVat'] }),
  marking: utDoc('Document_МаркировкаТоваровИСМП', {
    counterparty: '',
    warehouse: '',
    warehouseCatalog: '',
    price: '',
    amount: '',
    vatAmount: '',
    amountWithVat: '',
    pricesIncludeVat: '',
    uncertain: ['codesTable'],
  }),
  shipmentIsmp: utDoc('Document_ОтгрузкаТоваровИСМП', {
    counterparty: 'Контрагент',
    amountWithVat: 'СуммаСНДС',
    pricesIncludeVat: '',
  }),
};

export const PRESETS: Record<PresetId, OnecPreset> = {
  ut11: {
    id: 'ut11',
    ru: '1С:Управление торговлей 11',
    en: '1C:Trade Management 11',
    documents: UT_DOCUMENTS,
    catalogs: UT_CATALOGS,
  },
  erp2: {
    id: 'erp2',
    ru: '1С:ERP Управление предприятием 2',
    en: '1C:ERP 2',
    documents: UT_DOCUMENTS,
    catalogs: UT_CATALOGS,
  },
  bp3: {
    id: 'bp3',
    ru: '1С:Бухгалтерия предприятия 3.0',
    en: '1C:Accounting 3.0',
    documents: {
      sales: utDoc('Document_РеализацияТоваровУслуг', {
        amountWithVat: '',
        pricesIncludeVat: 'СуммаВключаетНДС',
      }),
      purchases: utDoc('Document_ПоступлениеТоваровУслуг', {
        amountWithVat: '',
        pricesIncludeVat: 'СуммаВключаетНДС',
      }),
      supplierReturns: utDoc('Document_ВозвратТоваровПоставщику', {
        amountWithVat: '',
        pricesIncludeVat: 'СуммаВключаетНДС',
        uncertain: ['codesTable'],
      }),
      marking: UT_DOCUMENTS.marking,
    },
    catalogs: UT_CATALOGS,
  },
  retail3: {
    id: 'retail3',
    ru: '1С:Розница 3.0',
    en: '1C:Retail 3.0',
    documents: {
      sales: utDoc('Document_РасходнаяНакладная', {
        goodsTable: 'Запасы',
        amountWithVat: 'Всего',
        pricesIncludeVat: 'СуммаВключаетНДС',
        uncertain: ['codesTable', 'codeRef'],
      }),
      purchases: utDoc('Document_ПриходнаяНакладная', {
        goodsTable: 'Запасы',
        amountWithVat: 'Всего',
        pricesIncludeVat: 'СуммаВключаетНДС',
        uncertain: ['codesTable', 'codeRef'],
      }),
      retail: utDoc('Document_ЧекККМ', {
        counterparty: '',
        goodsTable: 'Запасы',
        amountWithVat: 'Всего',
        warehouse: 'Магазин_Key',
        warehouseCatalog: 'Catalog_Магазины',
        uncertain: ['codesTable', 'warehouse'],
      }),
      marking: UT_DOCUMENTS.marking,
    },
    catalogs: UT_CATALOGS,
  },
};

export function preset(id: string): OnecPreset | undefined {
  return (PRESETS as Record<string, OnecPreset | undefined>)[id];
}

/** The navigation property name OData uses for a reference field: `Организация_Key` → `Организация`. */
export function navName(field: string): string {
  return field.endsWith('_Key') ? field.slice(0, -4) : field;
}

export const PRESET_IDS: readonly PresetId[] = ['ut11', 'erp2', 'bp3', 'retail3'];
export const DOCUMENT_KINDS: readonly DocumentKind[] = [
  'sales',
  'purchases',
  'writeOff',
  'transfers',
  'returns',
  'supplierReturns',
  'intercompany',
  'retail',
  'marking',
  'shipmentIsmp',
];

/** The field names of a layout a node may override one by one. */
export const DOCUMENT_LAYOUT_FIELDS: ReadonlyArray<keyof Omit<DocumentLayout, 'uncertain'>> = [
  'entity',
  'organisation',
  'counterparty',
  'goodsTable',
  'item',
  'quantity',
  'price',
  'amount',
  'vatAmount',
  'amountWithVat',
  'pricesIncludeVat',
  'codesTable',
  'codeRef',
  'warehouse',
  'warehouseCatalog',
  'counterpartyCatalog',
];
export const CATALOG_LAYOUT_FIELDS: ReadonlyArray<keyof CatalogLayout> = [
  'organisations',
  'counterparties',
  'items',
  'itemKinds',
  'codes',
  'tnved',
  'itemAccounting',
  'itemKind',
  'itemTnved',
  'itemArticle',
  'codeValue',
  'codePackageType',
  'codeItem',
  'nestedCodesTable',
  'nestedCodeRef',
  'inn',
  'kpp',
  'contactInfo',
  'itemBarcodes',
  'barcodeValue',
  'barcodeItem',
];

/** A document layout and the catalogs it points to, after node overrides. */
export interface ResolvedLayout {
  preset: PresetId;
  kind?: DocumentKind;
  document: DocumentLayout;
  catalogs: CatalogLayout;
}

/**
 * The layout for a preset and a document kind, with overrides applied field by field (blank
 * overrides keep the preset's value). Without a kind (an arbitrary entity), the sales layout's
 * table names are used with the given entity.
 */
export function resolveLayout(
  presetId: string,
  kind: string | undefined,
  overrides: Partial<Record<string, string>> = {},
): ResolvedLayout {
  const p = preset(presetId) ?? PRESETS.ut11;
  const k = kind && (DOCUMENT_KINDS as readonly string[]).includes(kind) ? (kind as DocumentKind) : undefined;
  const base = (k ? p.documents[k] : undefined) ?? p.documents.sales ?? utDoc('');
  const document: DocumentLayout = { ...base };
  const catalogs: CatalogLayout = { ...p.catalogs };
  for (const f of DOCUMENT_LAYOUT_FIELDS) {
    const v = overrides[f];
    if (typeof v === 'string' && v.trim() !== '') document[f] = v.trim();
  }
  for (const f of CATALOG_LAYOUT_FIELDS) {
    const v = overrides[f];
    if (typeof v === 'string' && v.trim() !== '') catalogs[f] = v.trim();
  }
  return { preset: p.id, kind: k, document, catalogs };
}

/** Which document kind of a preset reads this entity set, if any. */
export function kindOfEntity(presetId: string, entity: string): DocumentKind | undefined {
  const p = preset(presetId) ?? PRESETS.ut11;
  for (const k of DOCUMENT_KINDS) if (p.documents[k]?.entity === entity) return k;
  return undefined;
}
