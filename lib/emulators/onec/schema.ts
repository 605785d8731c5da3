/**
 * The metadata of the emulated УТ 11 publication: a faithful subset of the real configuration's
 * objects, with 1C's OData names (1C guide §17.4; УТ 11 `$metadata`). Both the JSON/Atom output and
 * `$metadata` are generated from these definitions.
 */

export type EdmType =
  | 'Edm.String'
  | 'Edm.Guid'
  | 'Edm.DateTime'
  | 'Edm.Boolean'
  | 'Edm.Double'
  | 'Edm.Int16'
  | 'Edm.Int32'
  | 'Edm.Int64';

export interface FieldDef {
  name: string;
  type: EdmType;
  /** for `<Name>_Key` reference fields: the entity set referenced (navigation property `<Name>`) */
  ref?: string;
  /** a composite-typed field: `<Name>` (value as string) + `<Name>_Type` (`StandardODATA.<Set>`) */
  composite?: boolean;
  /** enumeration type name (values are written as value names) */
  enumType?: string;
  /** string length; longer values are silently truncated on write, as 1C does */
  length?: number;
  /** fixed-length string: space-padded on output */
  fixed?: boolean;
}

export interface TableDef {
  name: string;
  fields: FieldDef[];
}

export type SetKind = 'Catalog' | 'Document' | 'ChartOfCharacteristicTypes' | 'InformationRegister';

export interface EntitySetDef {
  name: string;
  kind: SetKind;
  /** all properties in output order (standard fields first) */
  fields: FieldDef[];
  tables: TableDef[];
  /** key properties: `Ref_Key` for reference objects, dimensions for registers */
  key: string[];
  /** document number prefix for auto-numbering */
  numberPrefix?: string;
}

const S = (name: string, length?: number, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  type: 'Edm.String',
  length,
  ...extra,
});
const G = (name: string, ref?: string): FieldDef => ({ name, type: 'Edm.Guid', ref });
const B = (name: string): FieldDef => ({ name, type: 'Edm.Boolean' });
const D = (name: string): FieldDef => ({ name, type: 'Edm.DateTime' });
const N = (name: string): FieldDef => ({ name, type: 'Edm.Double' });
const I64 = (name: string): FieldDef => ({ name, type: 'Edm.Int64' });
const I16 = (name: string): FieldDef => ({ name, type: 'Edm.Int16' });
const E = (name: string, enumType: string): FieldDef => ({ name, type: 'Edm.String', enumType });
const C = (name: string): FieldDef => ({ name, type: 'Edm.String', composite: true });

function catalog(
  name: string,
  attrs: FieldDef[],
  tables: TableDef[] = [],
  opts: { code?: number; description?: number; hierarchical?: boolean } = {},
): EntitySetDef {
  const std: FieldDef[] = [G('Ref_Key'), S('DataVersion'), B('DeletionMark')];
  if (opts.hierarchical) std.push(G('Parent_Key', name), B('IsFolder'));
  if (opts.code) std.push(S('Code', opts.code, { fixed: false }));
  if (opts.description) std.push(S('Description', opts.description));
  std.push(B('Predefined'), S('PredefinedDataName'));
  return { name, kind: 'Catalog', fields: [...std, ...attrs], tables, key: ['Ref_Key'] };
}

function document(name: string, prefix: string, attrs: FieldDef[], tables: TableDef[]): EntitySetDef {
  return {
    name,
    kind: 'Document',
    fields: [
      G('Ref_Key'),
      S('DataVersion'),
      B('DeletionMark'),
      S('Number', 11),
      D('Date'),
      B('Posted'),
      ...attrs,
    ],
    tables,
    key: ['Ref_Key'],
    numberPrefix: prefix,
  };
}

const ITEMS = 'Catalog_Номенклатура';
const CODES = 'Catalog_ШтрихкодыУпаковокТоваров';

const GOODS_UT: TableDef = {
  name: 'Товары',
  fields: [
    G('Номенклатура_Key', ITEMS),
    G('Характеристика_Key'),
    G('Назначение_Key'),
    G('Упаковка_Key'),
    N('КоличествоУпаковок'),
    N('Количество'),
    G('ВидЦены_Key'),
    N('Цена'),
    N('Сумма'),
    G('СтавкаНДС_Key', 'Catalog_СтавкиНДС'),
    N('СуммаНДС'),
    N('СуммаСНДС'),
    I64('КодСтроки'),
    G('Склад_Key', 'Catalog_Склады'),
    G('Серия_Key'),
    I16('СтатусУказанияСерий'),
    S('ИдентификаторСтроки', 36),
    G('КодТНВЭД_Key', 'Catalog_КлассификаторТНВЭД'),
  ],
};

const PACKAGES_UT: TableDef = {
  name: 'ШтрихкодыУпаковок',
  fields: [
    G('ШтрихкодУпаковки_Key', CODES),
    N('ЧастичноеВыбытиеКоличество'),
    E('ЧастичноеВыбытиеВариантУчета', 'ВариантыУчетаЧастичногоВыбытия'),
    G('ЧастичноеВыбытиеНоменклатура_Key', ITEMS),
    G('ЧастичноеВыбытиеХарактеристика_Key'),
    S('РазрешительныйРежимИдентификаторЗапросаГИСМТ', 36),
    D('РазрешительныйРежимДатаЗапросаГИСМТ'),
  ],
};

const EXTRA_ATTRS: TableDef = {
  name: 'ДополнительныеРеквизиты',
  fields: [
    G('Свойство_Key', 'ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения'),
    C('Значение'),
    S('ТекстоваяСтрока'),
  ],
};

/**
 * БСП contact information (УТ 11.5 Catalogs/Склады.xml, tabular section КонтактнаяИнформация):
 * `Значение` holds the JSON of БСП 3.x, `ЗначенияПолей` the legacy XML.
 */
const CONTACT_INFO: TableDef = {
  name: 'КонтактнаяИнформация',
  fields: [
    E('Тип', 'ТипыКонтактнойИнформации'),
    G('Вид_Key', 'Catalog_ВидыКонтактнойИнформации'),
    S('Представление', 500),
    S('ЗначенияПолей'),
    S('Страна', 100),
    S('Регион', 50),
    S('Город', 50),
    S('АдресЭП', 100),
    S('ДоменноеИмяСервера', 100),
    S('НомерТелефона', 20),
    S('НомерТелефонаБезКодов', 20),
    G('ВидДляСписка_Key', 'Catalog_ВидыКонтактнойИнформации'),
    S('Значение'),
  ],
};

export const ENTITY_SETS: EntitySetDef[] = [
  catalog(
    'Catalog_Организации',
    [
      S('Префикс', 2, { fixed: true }),
      S('НаименованиеСокращенное', 100),
      S('НаименованиеПолное', 1000),
      S('ИНН', 12),
      S('КПП', 9),
      S('ОГРН', 15),
      E('ЮридическоеФизическоеЛицо', 'ЮридическоеФизическоеЛицо'),
    ],
    [CONTACT_INFO],
    { code: 9, description: 100 },
  ),
  catalog('Catalog_Партнеры', [S('НаименованиеПолное', 1000), B('Клиент'), B('Поставщик')], [], {
    code: 11,
    description: 100,
    hierarchical: true,
  }),
  catalog(
    'Catalog_Контрагенты',
    [
      S('НаименованиеПолное', 1000),
      S('ИНН', 12),
      S('КПП', 9),
      E('ЮрФизЛицо', 'ЮрФизЛицо'),
      E('ЮридическоеФизическоеЛицо', 'ЮридическоеФизическоеЛицо'),
      G('Партнер_Key', 'Catalog_Партнеры'),
      G('ГоловнойКонтрагент_Key', 'Catalog_Контрагенты'),
      S('Комментарий'),
    ],
    [CONTACT_INFO],
    { code: 11, description: 100, hierarchical: true },
  ),
  catalog(
    'Catalog_ВидыНоменклатуры',
    [E('ТипНоменклатуры', 'ТипыНоменклатуры'), E('ОсобенностьУчета', 'ОсобенностиУчетаНоменклатуры')],
    [],
    {
      description: 100,
      hierarchical: true,
    },
  ),
  catalog('Catalog_КлассификаторТНВЭД', [S('НаименованиеПолное', 1000)], [], { code: 10, description: 200 }),
  catalog('Catalog_СтавкиНДС', [N('Ставка'), E('ПеречислениеСтавкаНДС', 'СтавкиНДС')], [], {
    description: 50,
  }),
  catalog('Catalog_Склады', [E('ТипСклада', 'ТипыСкладов')], [CONTACT_INFO], {
    description: 100,
    hierarchical: true,
  }),
  catalog('Catalog_ВидыКонтактнойИнформации', [E('Тип', 'ТипыКонтактнойИнформации'), S('Имя', 150)], [], {
    description: 100,
    hierarchical: true,
  }),
  catalog('Catalog_Валюты', [S('НаименованиеПолное', 50)], [], { code: 3, description: 10 }),
  catalog(
    ITEMS,
    [
      S('НаименованиеПолное', 1024),
      S('Артикул', 25),
      G('ВидНоменклатуры_Key', 'Catalog_ВидыНоменклатуры'),
      E('ТипНоменклатуры', 'ТипыНоменклатуры'),
      E('ОсобенностьУчета', 'ОсобенностиУчетаНоменклатуры'),
      G('СтавкаНДС_Key', 'Catalog_СтавкиНДС'),
      G('КодТНВЭД_Key', 'Catalog_КлассификаторТНВЭД'),
      E('ИспользованиеХарактеристик', 'ВариантыИспользованияХарактеристикНоменклатуры'),
      S('Описание'),
    ],
    [],
    { code: 11, description: 100, hierarchical: true },
  ),
  catalog(
    CODES,
    [
      E('ТипУпаковки', 'ТипыУпаковок'),
      E('ТипШтрихкода', 'ТипыШтрихкодов'),
      S('ЗначениеШтрихкода'),
      G('Номенклатура_Key', ITEMS),
      G('Характеристика_Key'),
      G('Упаковка_Key'),
      G('Серия_Key'),
      N('Количество'),
      D('ДатаУпаковки'),
      S('НомерПартии', 50),
      S('СерийныйНомер', 50),
      I16('СтатусУказанияСерий'),
      S('ХешСумма', 100),
      S('ХешСуммаЗначенияШтрихкода', 100),
      S('ХешСуммаНормализации', 100),
      N('КоличествоПотребительскихУпаковок'),
    ],
    [
      {
        name: 'ВложенныеТовары',
        fields: [
          G('Номенклатура_Key', ITEMS),
          G('Характеристика_Key'),
          G('Упаковка_Key'),
          G('Серия_Key'),
          N('Количество'),
          N('КоличествоУпаковок'),
        ],
      },
      { name: 'ВложенныеШтрихкоды', fields: [G('Штрихкод_Key', CODES)] },
    ],
  ),
  /**
   * Additional attributes and information of БСП («Свойства»): the fields a real УТ 11.5 / ERP
   * publication shows (ПВХ ДополнительныеРеквизитыИСведения). `Description` is what БСП makes of
   * it: «<Заголовок> (<набор свойств>)» for a property of one set, the bare title for a common one;
   * `Имя` may be generated or empty; `ИдентификаторДляФормул` is generated from the title (newer
   * БСП); `НаборСвойств_Key` is the set the property belongs to (empty for a common property).
   */
  {
    name: 'ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения',
    kind: 'ChartOfCharacteristicTypes',
    fields: [
      G('Ref_Key'),
      S('DataVersion'),
      B('DeletionMark'),
      S('Description', 150),
      B('Predefined'),
      S('PredefinedDataName'),
      S('Заголовок', 150),
      S('Имя', 75),
      S('ИдентификаторДляФормул', 100),
      G('НаборСвойств_Key', 'Catalog_НаборыДополнительныхРеквизитовИСведений'),
      B('ЭтоДополнительноеСведение'),
      B('Доступен'),
      B('Виден'),
      S('Подсказка'),
      S('Комментарий'),
    ],
    tables: [],
    key: ['Ref_Key'],
  },
  /**
   * Property sets of БСП: one per kind of object (and groups of them). Older БСП names them by
   * predefined items (`PredefinedDataName` `Документ_РеализацияТоваровУслуг`), newer by the
   * attribute `ИмяПредопределенногоНабора`; `Description` is the object's presentation.
   */
  catalog(
    'Catalog_НаборыДополнительныхРеквизитовИСведений',
    [
      S('КоличествоРеквизитов', 5),
      S('КоличествоСведений', 5),
      B('Используется'),
      S('ИмяПредопределенногоНабора', 150),
    ],
    [
      {
        name: 'ДополнительныеРеквизиты',
        fields: [
          G('Свойство_Key', 'ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения'),
          B('ПометкаУдаления'),
        ],
      },
      {
        name: 'ДополнительныеСведения',
        fields: [
          G('Свойство_Key', 'ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения'),
          B('ПометкаУдаления'),
        ],
      },
    ],
    { description: 100, hierarchical: true },
  ),
  document(
    'Document_РеализацияТоваровУслуг',
    'ДМ00',
    [
      G('Организация_Key', 'Catalog_Организации'),
      G('Контрагент_Key', 'Catalog_Контрагенты'),
      G('Партнер_Key', 'Catalog_Партнеры'),
      G('Договор_Key'),
      G('Соглашение_Key'),
      G('Склад_Key', 'Catalog_Склады'),
      G('Подразделение_Key'),
      G('Валюта_Key', 'Catalog_Валюты'),
      N('СуммаДокумента'),
      B('ЦенаВключаетНДС'),
      E('НалогообложениеНДС', 'ТипыНалогообложенияНДС'),
      E('ХозяйственнаяОперация', 'ХозяйственныеОперации'),
      E('Статус', 'СтатусыРеализацийТоваровУслуг'),
      C('ЗаказКлиента'),
      G('Грузоотправитель_Key', 'Catalog_Контрагенты'),
      G('Грузополучатель_Key', 'Catalog_Контрагенты'),
      S('Комментарий'),
      B('ЕстьМаркируемаяПродукцияГИСМ'),
      E('ВариантВыбытияМаркируемойПродукции', 'ВариантыВыбытияМаркируемойПродукции'),
      G('Менеджер_Key'),
      G('Автор_Key'),
    ],
    [GOODS_UT, PACKAGES_UT, EXTRA_ATTRS],
  ),
  document(
    'Document_ПриобретениеТоваровУслуг',
    'ДМП0',
    [
      G('Организация_Key', 'Catalog_Организации'),
      G('Контрагент_Key', 'Catalog_Контрагенты'),
      G('Партнер_Key', 'Catalog_Партнеры'),
      G('Склад_Key', 'Catalog_Склады'),
      G('Валюта_Key', 'Catalog_Валюты'),
      S('НомерВходящегоДокумента', 30),
      D('ДатаВходящегоДокумента'),
      N('СуммаДокумента'),
      B('ЦенаВключаетНДС'),
      E('ХозяйственнаяОперация', 'ХозяйственныеОперации'),
      B('ЕстьМаркируемаяПродукцияГИСМ'),
      B('ЕстьКиЗГИСМ'),
      E('ВариантПриемкиТоваров', 'ВариантыПриемкиТоваров'),
      D('ДатаПоступления'),
      S('Комментарий'),
    ],
    [GOODS_UT, PACKAGES_UT, EXTRA_ATTRS],
  ),
  // A return to the supplier and a transfer to another organisation of the base (УТ 11 / ERP 2): entity names
  // of the configuration; the receiver of a transfer is `ОрганизацияПолучатель_Key` (Catalog_Организации), as
  // in УТ 11's ПеремещениеТоваров read by others over OData, and the transfer's own metadata has `Организация`
  // (synonym «Отправитель»), `ОрганизацияПолучатель` and `ХозяйственнаяОперация` filled
  // `РеализацияТоваровВДругуюОрганизацию` (work1cblackbird/ut11 Documents/ПередачаТоваровМеждуОрганизациями.xml).
  // ⚠ The codes table `ШтрихкодыУпаковок` of these two is assumed to be named as in the sale.
  document(
    'Document_ВозвратТоваровПоставщику',
    'ДМВ0',
    [
      G('Организация_Key', 'Catalog_Организации'),
      G('Контрагент_Key', 'Catalog_Контрагенты'),
      G('Партнер_Key', 'Catalog_Партнеры'),
      G('Склад_Key', 'Catalog_Склады'),
      G('Валюта_Key', 'Catalog_Валюты'),
      N('СуммаДокумента'),
      B('ЦенаВключаетНДС'),
      E('ХозяйственнаяОперация', 'ХозяйственныеОперации'),
      S('Комментарий'),
      B('ЕстьМаркируемаяПродукцияГИСМ'),
    ],
    [GOODS_UT, PACKAGES_UT, EXTRA_ATTRS],
  ),
  document(
    'Document_ПередачаТоваровМеждуОрганизациями',
    'ДМО0',
    [
      G('Организация_Key', 'Catalog_Организации'),
      G('ОрганизацияПолучатель_Key', 'Catalog_Организации'),
      G('Склад_Key', 'Catalog_Склады'),
      G('Валюта_Key', 'Catalog_Валюты'),
      N('СуммаДокумента'),
      B('ЦенаВключаетНДС'),
      E('ХозяйственнаяОперация', 'ХозяйственныеОперации'),
      S('Комментарий'),
      B('ЕстьМаркируемаяПродукцияГИСМ'),
    ],
    [GOODS_UT, PACKAGES_UT, EXTRA_ATTRS],
  ),
  document(
    'Document_СписаниеНедостачТоваров',
    'ДМС0',
    [
      G('Организация_Key', 'Catalog_Организации'),
      G('Склад_Key', 'Catalog_Склады'),
      G('СтатьяРасходов_Key'),
      E('ХозяйственнаяОперация', 'ХозяйственныеОперации'),
      S('Комментарий'),
    ],
    [GOODS_UT, PACKAGES_UT, EXTRA_ATTRS],
  ),
  document(
    'Document_МаркировкаТоваровИСМП',
    'ДММ0',
    [
      G('Организация_Key', 'Catalog_Организации'),
      E('ВидПродукции', 'ВидыПродукцииИС'),
      E('Операция', 'ВидыОперацийИСМП'),
      D('ДатаПроизводства'),
      S('КодТНВЭД', 10),
      S('Комментарий'),
    ],
    [
      {
        name: 'Товары',
        fields: [
          G('Номенклатура_Key', ITEMS),
          G('Характеристика_Key'),
          N('Количество'),
          S('GTIN', 14),
          N('Цена'),
          N('Сумма'),
          N('СуммаНДС'),
        ],
      },
      { name: 'ШтрихкодыУпаковок', fields: [G('ШтрихкодУпаковки_Key', CODES)] },
    ],
  ),
  /**
   * The order of marking codes from СУЗ of БГосИС (УТ 11.5 / ERP 2.5): header `ВидПродукции`,
   * `СпособВводаВОборот`, `ТипОплатыКодовМаркировки`, `СервисПровайдер_Key`; tabular section `Товары`
   * (`GTIN`, `Количество`, `Шаблон`, `СпособФормированияСерийногоНомера`, `ЦелевойПол`, `ВидКИЗ`) and
   * `СерийныеНомера` (for serials made by the participant). Names as the УТ 11 configuration has them
   * (docs/suz.md); ⚠ the types of `Шаблон` and of the enums are not established: `Шаблон` holds the
   * СУЗ template id (Int32), the enums hold their value names.
   */
  document(
    'Document_ЗаказНаЭмиссиюКодовМаркировкиСУЗ',
    'ДМЗ0',
    [
      G('Организация_Key', 'Catalog_Организации'),
      E('ВидПродукции', 'ВидыПродукцииИС'),
      E('СпособВводаВОборот', 'СпособыВводаВОборотСУЗ'),
      E('ТипОплатыКодовМаркировки', 'ТипыОплатыКодовМаркировкиСУЗ'),
      G('СервисПровайдер_Key'),
      G('Ответственный_Key'),
      S('Комментарий'),
    ],
    [
      {
        name: 'Товары',
        fields: [
          G('Номенклатура_Key', ITEMS),
          G('Характеристика_Key'),
          G('Серия_Key'),
          S('GTIN', 14),
          N('Количество'),
          { name: 'Шаблон', type: 'Edm.Int32' },
          E('СпособФормированияСерийногоНомера', 'СпособыФормированияСерийногоНомераСУЗ'),
          E('ЦелевойПол', 'ЦелевойПолИС'),
          E('ВидКИЗ', 'ВидыКодовМаркировкиСУЗ'),
        ],
      },
      { name: 'СерийныеНомера', fields: [S('GTIN', 14), S('СерийныйНомер', 20)] },
    ],
  ),
  {
    name: 'InformationRegister_ДополнительныеСведения',
    kind: 'InformationRegister',
    fields: [
      C('Объект'),
      G('Свойство_Key', 'ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения'),
      { ...C('Значение'), length: 1024 },
    ],
    tables: [],
    key: ['Объект', 'Объект_Type', 'Свойство_Key'],
  },
  {
    name: 'InformationRegister_СтатусыДокументовИСМП',
    kind: 'InformationRegister',
    fields: [
      C('Документ'),
      C('Статус'),
      E('ДальнейшееДействие1', 'ДальнейшиеДействияПоВзаимодействиюИСМП'),
      E('ДальнейшееДействие2', 'ДальнейшиеДействияПоВзаимодействиюИСМП'),
      E('ДальнейшееДействие3', 'ДальнейшиеДействияПоВзаимодействиюИСМП'),
    ],
    tables: [],
    key: ['Документ', 'Документ_Type'],
  },
  {
    name: 'InformationRegister_ШтрихкодыНоменклатуры',
    kind: 'InformationRegister',
    fields: [S('Штрихкод', 200), G('Номенклатура_Key', ITEMS), G('Характеристика_Key'), G('Упаковка_Key')],
    tables: [],
    key: ['Штрихкод'],
  },
];

/** Entity sets by name, including one read-only set per tabular section (`<Set>_<Table>`). */
export interface SetInfo {
  def: EntitySetDef;
  /** set when this is the row set of a tabular section */
  table?: TableDef;
}

export function buildSetIndex(defs: EntitySetDef[]): Map<string, SetInfo> {
  const out = new Map<string, SetInfo>();
  for (const def of defs) {
    out.set(def.name, { def });
    for (const t of def.tables) out.set(`${def.name}_${t.name}`, { def, table: t });
  }
  return out;
}

/** All properties of a definition, composite fields expanded to `<Name>` + `<Name>_Type`. */
export function propertyNames(fields: FieldDef[]): string[] {
  return fields.flatMap((f) => (f.composite ? [f.name, `${f.name}_Type`] : [f.name]));
}

/** Default wire value of a field (what 1C returns for an unfilled attribute). */
export function emptyValue(f: FieldDef): unknown {
  switch (f.type) {
    case 'Edm.Guid':
      return '00000000-0000-0000-0000-000000000000';
    case 'Edm.DateTime':
      return '0001-01-01T00:00:00';
    case 'Edm.Boolean':
      return false;
    case 'Edm.Double':
    case 'Edm.Int16':
    case 'Edm.Int32':
      return 0;
    case 'Edm.Int64':
      return '0';
    default:
      return f.fixed && f.length ? ' '.repeat(f.length) : '';
  }
}

/** The navigation property name of a reference field. */
export function navOf(f: FieldDef): string | undefined {
  return f.ref && f.name.endsWith('_Key') ? f.name.slice(0, -4) : undefined;
}
