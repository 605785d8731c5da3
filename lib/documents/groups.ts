/**
 * Product group of a 1C item: the enum value of `ОсобенностьУчета` (ОсобенностиУчетаНоменклатуры) of
 * the item or of its kind (ВидНоменклатуры), or the header `ВидПродукции` of the ИС МП documents
 * (ВидыПродукцииИС), mapped to the `pg` code of Честный ЗНАК («Описание True API» v553.0,
 * «Справочник "Список поддерживаемых товарных групп"»; enum: БГосИС configuration dumps).
 *
 * The reference confirms only some enum value names (marked ✓); the others are the names the
 * БГосИС library is believed to use ⚠. The table is editable in the node, and a value that is
 * already a `pg` code (`lp`, `shoes`…) maps to itself, so a site can also write codes directly.
 */
import { PRODUCT_GROUP_CODES } from '../cz/product-groups';

export const DEFAULT_GROUP_MAPPING: Readonly<Record<string, string>> = {
  // ОсобенностиУчетаНоменклатуры
  ЛегкаяПромышленность: 'lp', // ✓
  ОбувнаяПродукция: 'shoes', // ✓
  ТабачнаяПродукция: 'tobacco', // ✓
  АльтернативнаяТабачнаяПродукция: 'otp',
  НикотиносодержащаяПродукция: 'ncp',
  Духи: 'perfumery', // ✓
  Шины: 'tires', // ✓
  ФотоКамерыИЛампыВспышки: 'electronics',
  МолочнаяПродукцияБезВЕТИС: 'milk', // ✓
  МолочнаяПродукцияПодконтрольнаяВЕТИС: 'milk',
  Велосипеды: 'bicycle',
  МедицинскиеИзделия: 'wheelchairs',
  КреслаКоляски: 'wheelchairs',
  УпакованнаяВода: 'water', // ✓
  ПродукцияИзНатуральногоМеха: 'furs',
  Пиво: 'beer', // ✓
  БезалкогольноеПиво: 'nabeer',
  БАДы: 'bio', // ✓
  Антисептики: 'antiseptic', // ✓
  КормаДляЖивотных: 'petfood',
  МорепродуктыПодконтрольныеВЕТИС: 'seafood',
  Морепродукты: 'seafood',
  СокиИБезалкогольныеНапитки: 'softdrinks',
  ВетеринарныеПрепараты: 'vetpharma',
  ИгрыИИгрушкиДляДетей: 'toys', // ✓
  Радиоэлектроника: 'radio',
  ТелефоныИНоутбуки: 'gadgets', // ✓ name; ⚠ group
  ТитановаяМеталлопродукция: 'titan',
  КонсервированныеПродукты: 'conserve',
  РастительныеМасла: 'vegetableoil',
  Оптоволокно: 'opticfiber',
  КосметикаИБытоваяХимия: 'chemistry',
  ПечатнаяПродукция: 'books',
  Бакалея: 'grocery',
  СтроительныеМатериалы: 'construction',
  Пиротехника: 'fire',
  ОтопительныеПриборы: 'heater',
  КабельнаяПродукция: 'cableraw',
  МоторныеМасла: 'autofluids',
  ПолимерныеТрубы: 'polymer',
  Сладости: 'sweets',
  Автозапчасти: 'carparts',
  МяснаяПродукция: 'meat',
  // ВидыПродукцииИС (header ВидПродукции of the ИС МП documents)
  Обувь: 'shoes', // ✓
  Табак: 'tobacco', // ✓
};

const PG = new Set<string>(PRODUCT_GROUP_CODES);

/** `pg` for an enum value, or undefined when the table has none (empty value → undefined). */
export function groupFor(value: unknown, mapping: Readonly<Record<string, string>>): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  const mapped = mapping[v];
  if (mapped !== undefined && mapped !== '') return mapped;
  return PG.has(v) ? v : undefined;
}

/** The default table with a site's rows over it (rows with an empty group remove a default). */
export function mergeGroupMapping(site?: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = { ...DEFAULT_GROUP_MAPPING };
  for (const [k, v] of Object.entries(site ?? {})) {
    const key = k.trim();
    if (key === '') continue;
    if (v === '') delete out[key];
    else out[key] = v.trim();
  }
  return out;
}
