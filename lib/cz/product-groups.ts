/**
 * Product groups (товарные группы) of Честный ЗНАК: the `pg` code, the numeric id
 * («Код в БД», `productGroupId`) and names, after «Описание True API» «Справочник "Список
 * поддерживаемых товарных групп"» and CRPT «Planned True API changes» v552.0 (54 groups in 2026).
 * Ids marked `null` are not established. The list is open: the operator adds groups, and every
 * answer that names a group or an id the list does not have shows it as it is.
 */
export interface ProductGroup {
  code: string;
  id: number | null;
  ru: string;
  en: string;
}

export const PRODUCT_GROUPS: readonly ProductGroup[] = [
  { code: 'lp', id: 1, ru: 'Одежда, бельё, текстиль', en: 'Clothing and textiles' },
  { code: 'shoes', id: 2, ru: 'Обувь', en: 'Footwear' },
  { code: 'tobacco', id: 3, ru: 'Табак', en: 'Tobacco' },
  { code: 'perfumery', id: 4, ru: 'Духи и туалетная вода', en: 'Perfumery' },
  { code: 'tires', id: 5, ru: 'Шины', en: 'Tyres' },
  { code: 'electronics', id: 6, ru: 'Фотокамеры и лампы-вспышки', en: 'Cameras and flashes' },
  { code: 'milk', id: 8, ru: 'Молочная продукция', en: 'Dairy' },
  { code: 'bicycle', id: 9, ru: 'Велосипеды', en: 'Bicycles' },
  { code: 'wheelchairs', id: 10, ru: 'Медицинские изделия', en: 'Medical devices' },
  { code: 'alcohol', id: 11, ru: 'Алкоголь', en: 'Alcohol' },
  { code: 'otp', id: 12, ru: 'Альтернативная табачная продукция', en: 'Alternative tobacco' },
  { code: 'water', id: 13, ru: 'Упакованная вода', en: 'Bottled water' },
  { code: 'furs', id: 14, ru: 'Товары из натурального меха', en: 'Fur products' },
  { code: 'beer', id: 15, ru: 'Пиво и слабоалкогольные напитки', en: 'Beer and low-alcohol drinks' },
  { code: 'ncp', id: 16, ru: 'Никотиносодержащая продукция', en: 'Nicotine products' },
  { code: 'bio', id: 17, ru: 'БАД', en: 'Dietary supplements' },
  { code: 'antiseptic', id: 19, ru: 'Антисептики', en: 'Antiseptics' },
  { code: 'petfood', id: 20, ru: 'Корма для животных', en: 'Pet food' },
  { code: 'seafood', id: 21, ru: 'Морепродукты', en: 'Seafood' },
  { code: 'nabeer', id: 22, ru: 'Безалкогольное пиво', en: 'Non-alcoholic beer' },
  { code: 'softdrinks', id: 23, ru: 'Соки и безалкогольные напитки', en: 'Juices and soft drinks' },
  { code: 'meat', id: 25, ru: 'Мясная продукция', en: 'Meat products' },
  { code: 'vetpharma', id: 26, ru: 'Ветеринарные препараты', en: 'Veterinary drugs' },
  { code: 'toys', id: 27, ru: 'Игрушки', en: 'Toys' },
  { code: 'radio', id: 28, ru: 'Радиоэлектроника', en: 'Radio electronics' },
  { code: 'titan', id: 31, ru: 'Титановая металлопродукция', en: 'Titanium products' },
  { code: 'conserve', id: 32, ru: 'Консервированные продукты', en: 'Canned food' },
  { code: 'vegetableoil', id: 33, ru: 'Растительные масла', en: 'Vegetable oils' },
  { code: 'opticfiber', id: 34, ru: 'Оптоволокно', en: 'Optical fibre' },
  { code: 'chemistry', id: 35, ru: 'Косметика и бытовая химия', en: 'Cosmetics and household chemicals' },
  { code: 'books', id: 36, ru: 'Печатная продукция', en: 'Printed matter' },
  { code: 'grocery', id: 37, ru: 'Бакалея', en: 'Grocery' },
  {
    code: 'pharmaraw',
    id: 38,
    ru: 'Фармацевтическое сырьё, лекарственные средства',
    en: 'Pharmaceutical raw materials',
  },
  { code: 'construction', id: 39, ru: 'Строительные материалы', en: 'Construction materials' },
  { code: 'fire', id: 40, ru: 'Пиротехника и огнетушители', en: 'Pyrotechnics and fire extinguishers' },
  { code: 'heater', id: 41, ru: 'Отопительные приборы', en: 'Heaters' },
  { code: 'cableraw', id: 42, ru: 'Кабельно-проводниковая продукция', en: 'Cables' },
  { code: 'autofluids', id: 43, ru: 'Моторные масла', en: 'Motor oils' },
  { code: 'polymer', id: 44, ru: 'Полимерные трубы', en: 'Polymer pipes' },
  { code: 'sweets', id: 45, ru: 'Сладости и кондитерские изделия', en: 'Sweets' },
  { code: 'carparts', id: 48, ru: 'Автозапчасти', en: 'Car parts' },
  // 49, 52–54: CRPT «Planned True API changes» v552.0 (the list of groups); the names are read from
  // the codes ⚠ — the document gives the codes and ids only
  {
    code: 'furslp',
    id: 49,
    ru: 'Изделия из меха (лёгкая промышленность)',
    en: 'Fur garments (light industry)',
  },
  {
    code: 'nicotindev',
    id: 50,
    ru: 'Устройства для потребления никотинсодержащей продукции',
    en: 'Nicotine devices',
  },
  { code: 'gadgets', id: 51, ru: 'Гаджеты', en: 'Gadgets' },
  { code: 'frozen', id: 52, ru: 'Замороженная продукция', en: 'Frozen products' },
  { code: 'fertilizers', id: 53, ru: 'Удобрения', en: 'Fertilisers' },
  { code: 'homeware', id: 54, ru: 'Товары для дома', en: 'Homeware' },
  { code: 'vetbio', id: null, ru: 'Кормовые добавки', en: 'Feed additives' },
];

export const PRODUCT_GROUP_CODES = PRODUCT_GROUPS.map((g) => g.code) as [string, ...string[]];

export function productGroup(code: string): ProductGroup | undefined {
  return PRODUCT_GROUPS.find((g) => g.code === code);
}

export function productGroupById(id: number): ProductGroup | undefined {
  return PRODUCT_GROUPS.find((g) => g.id === id);
}

/**
 * Groups for which Честный ЗНАК still takes the «Отгрузка» document `LP_SHIP_GOODS` (and its CSV/XML
 * forms): «Описание True API» v553 §4.1.6.1 «Создание документа доступно для товарной группы "Товары из
 * натурального меха"»; for the others the submission was switched off from 1 March 2022 («Инструкция по
 * работе с API» v36, change history v6.0 of 28.02.2022). Every other group moves between participants by
 * a УПД with the codes inside, through an EDO operator (ЭДО Лайт or a commercial one). `furslp`
 * (v552.0's «fur garments», id 49) is not named by the document: it ships by УПД here ⚠.
 */
export const SHIP_GOODS_GROUPS: readonly string[] = ['furs'];

/** Whether a shipment of this group goes by УПД through EDO (not by LP_SHIP_GOODS). */
export function shipsByUpd(pg: string): boolean {
  return !SHIP_GOODS_GROUPS.includes(pg);
}
