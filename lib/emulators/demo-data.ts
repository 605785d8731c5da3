/**
 * The demo world shared by both emulators, so that the demo and the examples work together out of
 * the box: an organisation (УТ 11 base) that sells clothing (lp) and footwear (shoes), its
 * counterparties, items with GTINs, marking codes, and the 1C documents that carry them.
 * The 1C emulator turns this into OData entities; the True API emulator registers the participants
 * and the codes (owned by the organisation, INTRODUCED, or APPLIED for the marking document).
 * Deterministic: the same seed gives the same world.
 */
import { completeInn } from '../codes/inn';
import { withCheckDigit } from '../codes/gtin';

export const GS = '\u001d';

export interface DemoParticipant {
  ref: string;
  inn: string;
  kpp: string;
  name: string;
  fullName: string;
  /** registered in Честный ЗНАК */
  registered: boolean;
}

export interface DemoItem {
  ref: string;
  name: string;
  article: string;
  gtin: string;
  tnved: string;
  /** 1C enum ОсобенностиУчетаНоменклатуры value ('' = not marked) */
  accounting: string;
  /** Честный ЗНАК product group, '' when the item is not marked */
  pg: string;
  price: number;
  vatRate: 'НДС20' | 'НДС10' | 'БезНДС';
}

export interface DemoCode {
  ref: string;
  itemRef: string;
  /** normalised code: 01 + GTIN + 21 + serial */
  cis: string;
  /** the full GS1 DataMatrix text with GS separators and the crypto tail */
  full: string;
  /** the value stored in 1C ЗначениеШтрихкода: full (raw GS) for some, short for others */
  stored: string;
  /** status in Честный ЗНАК at the start of the demo */
  status: 'INTRODUCED' | 'APPLIED';
  ownerInn: string;
  /** aggregation: ref of the box (SSCC) this code is packed in, if any */
  boxRef?: string;
}

export interface DemoBox {
  ref: string;
  /** 00 + SSCC (20 characters) */
  sscc: string;
  codeRefs: string[];
}

export interface DemoDocumentRow {
  itemRef: string;
  quantity: number;
  price: number;
}

export interface DemoDocument {
  ref: string;
  /**
   * `supplierReturn`: Document_ВозвратТоваровПоставщику (to `counterpartyRef`); `intercompany`:
   * Document_ПередачаТоваровМеждуОрганизациями (`counterpartyRef` is the receiving organisation)
   */
  kind: 'sale' | 'purchase' | 'marking' | 'writeOff' | 'supplierReturn' | 'intercompany';
  number: string;
  /** naive local wall-clock date as 1C gives it: 2026-11-20T10:15:00 */
  date: string;
  posted: boolean;
  deletionMark: boolean;
  counterpartyRef: string;
  rows: DemoDocumentRow[];
  /** refs of Catalog_ШтрихкодыУпаковокТоваров entries (codes or boxes) in ШтрихкодыУпаковок */
  packageRefs: string[];
  comment: string;
}

/**
 * A warehouse of the 1C base with its address as БСП keeps it (КонтактнаяИнформация, Тип = Адрес,
 * JSON `Значение` version 4 with the FIAS ids `houseId` / `id`).
 */
export interface DemoWarehouse {
  ref: string;
  name: string;
  /** 1C enum ТипыСкладов */
  type: 'ОптовыйСклад' | 'РозничныйМагазин';
  /** the address as the JSON БСП writes into `Значение` */
  address: Record<string, unknown>;
  /** КПП of the separate division the store is registered under ('' = the organisation's) */
  kpp: string;
}

/** A business place (МОД) registered for a participant in ГИС МТ (`mods/list`). */
export interface DemoMod {
  inn: string;
  kpp: string;
  fiasId: string;
  address: string;
  productGroups: string[];
}

/**
 * An order of marking codes in 1C (`Document_ЗаказНаЭмиссиюКодовМаркировкиСУЗ`): rows of goods with
 * the quantity of codes and the СУЗ template («СУЗ API v3» «Справочник "Шаблоны КМ"»: 10 clothing,
 * 1 shoes).
 */
export interface DemoEmissionOrder {
  ref: string;
  number: string;
  date: string;
  posted: boolean;
  /** Честный ЗНАК product group of every row */
  pg: string;
  rows: Array<{ itemRef: string; quantity: number; templateId: number }>;
  comment: string;
}

export interface DemoWorld {
  /** orders of marking codes from СУЗ (absent in hand-made worlds) */
  emissionOrders?: DemoEmissionOrder[];
  /** warehouses of the 1C base (absent in hand-made worlds: no business place) */
  warehouses?: DemoWarehouse[];
  /** МОДs registered in ГИС МТ */
  mods?: DemoMod[];
  organisation: DemoParticipant;
  /** other organisations of the 1C base (Catalog_Организации), registered participants (option `transfers`) */
  affiliates?: DemoParticipant[];
  counterparties: DemoParticipant[];
  items: DemoItem[];
  codes: DemoCode[];
  boxes: DemoBox[];
  documents: DemoDocument[];
}

/** Small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERIAL_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const TAIL_CHARS = SERIAL_CHARS + '+/=';

function pick(rand: () => number, chars: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += chars[Math.floor(rand() * chars.length)];
  return s;
}

/** A GUID from the PRNG, lowercase, as 1C writes them. */
export function guid(rand: () => number): string {
  const h = pick(rand, '0123456789abcdef', 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

function participant(
  rand: () => number,
  inn: string,
  kpp: string,
  name: string,
  registered: boolean,
): DemoParticipant {
  return { ref: guid(rand), inn, kpp, name, fullName: name, registered };
}

/** A marking code for the lp/shoes templates: serial of 13 (country digit 5 + 12), tail 91(4) + 92(44). */
export function makeCode(rand: () => number, gtin: string): { cis: string; full: string } {
  const serial = '5' + pick(rand, SERIAL_CHARS, 12);
  const cis = `01${gtin}21${serial}`;
  const full = `${cis}${GS}91${pick(rand, SERIAL_CHARS, 4)}${GS}92${pick(rand, TAIL_CHARS, 44)}`;
  return { cis, full };
}

export interface DemoOptions {
  seed?: number;
  /** posted sales to generate besides the fixed ones */
  extraSales?: number;
  /** codes per line of the extra sales */
  codesPerSale?: number;
  /** base date of the documents (naive local wall-clock); default: yesterday 09:00 */
  baseDate?: string;
  /**
   * a fur coat (natural fur products, `furs`), a sale of it and a sale of it with a T-shirt (one 1C
   * document down both routes): furs are the one group Честный ЗНАК still takes
   * the shipment LP_SHIP_GOODS for (lib/cz/product-groups.ts SHIP_GOODS_GROUPS). Added after every other
   * document, so the rest of the world stays as it is without it. Default false.
   */
  furs?: boolean;
  /**
   * a second organisation of the base (ООО «Демо Розница»), a return to the supplier
   * (Document_ВозвратТоваровПоставщику) and transfers to that organisation
   * (Document_ПередачаТоваровМеждуОрганизациями, one of clothing and footwear, one not posted): goods with
   * codes passed to another participant, which go by УПД like a sale. Added after every other document,
   * so the rest of the world stays as it is without it. Default false.
   */
  transfers?: boolean;
}

/** Yesterday 09:00 as a naive local date-time string (the demo documents are recent). */
function yesterdayMorning(): string {
  const d = new Date(Date.now() - 86400000);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T09:00:00`;
}

export function demoWorld(opts: DemoOptions = {}): DemoWorld {
  const rand = prng(opts.seed ?? 20261128);
  const base = new Date(`${opts.baseDate ?? yesterdayMorning()}Z`);
  const org = participant(rand, completeInn('770812345'), '770801001', 'ООО «Демо Маркировка»', true);
  const counterparties = [
    participant(rand, completeInn('502712340'), '502701001', 'ООО «Модный Дом»', true),
    participant(rand, completeInn('780654321'), '780601001', 'ООО «Обувной Мир»', true),
    participant(rand, completeInn('540398765'), '540301001', 'ООО «Сибирь Текстиль»', true),
    { ...participant(rand, completeInn('7710123456'), '', 'ИП Петров Пётр Петрович', false), kpp: '' },
  ];
  const item = (
    name: string,
    article: string,
    gtinData: string,
    tnved: string,
    accounting: string,
    pg: string,
    price: number,
  ): DemoItem => ({
    ref: guid(rand),
    name,
    article,
    gtin: withCheckDigit(gtinData),
    tnved,
    accounting,
    pg,
    price,
    vatRate: 'НДС20',
  });
  const items: DemoItem[] = [
    item(
      'Футболка хлопковая белая',
      'TS-001',
      '0460123456001',
      '6109100000',
      'ЛегкаяПромышленность',
      'lp',
      990,
    ),
    item('Джинсы мужские синие', 'JN-002', '0460123456002', '6203423100', 'ЛегкаяПромышленность', 'lp', 3490),
    item('Платье летнее', 'DR-003', '0460123456003', '6204440000', 'ЛегкаяПромышленность', 'lp', 2790.5),
    item('Кроссовки беговые', 'SN-101', '0460765432101', '6404110000', 'ОбувнаяПродукция', 'shoes', 5990),
    item('Ботинки кожаные', 'BT-102', '0460765432102', '6403990000', 'ОбувнаяПродукция', 'shoes', 7450),
    { ...item('Пакет фирменный', 'BAG', '0460123456999', '3923210000', '', '', 15), vatRate: 'НДС20' },
  ];
  const marked = items.filter((i) => i.pg !== '');
  const codes: DemoCode[] = [];
  const boxes: DemoBox[] = [];
  const newCodes = (it: DemoItem, n: number, status: DemoCode['status'] = 'INTRODUCED'): DemoCode[] => {
    const out: DemoCode[] = [];
    for (let i = 0; i < n; i++) {
      const c = makeCode(rand, it.gtin);
      // Some 1C bases keep the full DataMatrix text (with GS), others the short form.
      const stored = codes.length % 3 === 0 ? c.full : c.cis;
      const code: DemoCode = { ref: guid(rand), itemRef: it.ref, ...c, stored, status, ownerInn: org.inn };
      codes.push(code);
      out.push(code);
    }
    return out;
  };
  const documents: DemoDocument[] = [];
  let seq = 0;
  const at = (minutes: number): string =>
    new Date(base.getTime() + minutes * 60000).toISOString().slice(0, 19);
  const doc = (
    kind: DemoDocument['kind'],
    counterparty: DemoParticipant,
    lines: Array<[DemoItem, number]>,
    extra: Partial<DemoDocument> = {},
  ): DemoDocument => {
    seq++;
    const packageRefs: string[] = [];
    const rows = lines.map(([it, qty]) => {
      if (it.pg)
        packageRefs.push(
          ...newCodes(it, qty, kind === 'marking' ? 'APPLIED' : 'INTRODUCED').map((c) => c.ref),
        );
      return { itemRef: it.ref, quantity: qty, price: it.price };
    });
    const prefix = {
      sale: 'ДМ00',
      purchase: 'ДМП0',
      marking: 'ДММ0',
      writeOff: 'ДМС0',
      supplierReturn: 'ДМВ0',
      intercompany: 'ДМО0',
    }[kind];
    const d: DemoDocument = {
      ref: guid(rand),
      kind,
      number: `${prefix}-${String(seq).padStart(6, '0')}`,
      date: at(seq * 17),
      posted: true,
      deletionMark: false,
      counterpartyRef: counterparty.ref,
      rows,
      packageRefs,
      comment: '',
      ...extra,
    };
    documents.push(d);
    return d;
  };
  const [c1, c2, c3, ip] = counterparties as [
    DemoParticipant,
    DemoParticipant,
    DemoParticipant,
    DemoParticipant,
  ];
  const [tshirt, jeans, dress, sneakers, boots, bag] = items as [
    DemoItem,
    DemoItem,
    DemoItem,
    DemoItem,
    DemoItem,
    DemoItem,
  ];
  doc(
    'sale',
    c1,
    [
      [tshirt, 3],
      [jeans, 2],
      [bag, 5],
    ],
    { comment: 'одежда' },
  );
  doc(
    'sale',
    c2,
    [
      [sneakers, 2],
      [boots, 1],
    ],
    { comment: 'обувь' },
  );
  doc(
    'sale',
    c3,
    [
      [dress, 2],
      [sneakers, 1],
      [bag, 1],
    ],
    { comment: 'смешанная: одежда и обувь' },
  );
  // Aggregated: a box (SSCC) of 6 T-shirts sold as one package line.
  const boxed = doc('sale', c1, [[tshirt, 6]], { comment: 'короб (SSCC)' });
  const box: DemoBox = {
    ref: guid(rand),
    sscc: `00${withCheckDigit('14601234560000001')}`,
    codeRefs: [...boxed.packageRefs],
  };
  for (const r of box.codeRefs) {
    const c = codes.find((x) => x.ref === r);
    if (c) c.boxRef = box.ref;
  }
  boxes.push(box);
  boxed.packageRefs = [box.ref];
  doc('sale', c1, [[jeans, 300]], { comment: 'большая отгрузка: сотни кодов' });
  doc('sale', c2, [[boots, 1]], { posted: false, comment: 'не проведён' });
  doc('sale', c3, [[tshirt, 1]], { deletionMark: true, posted: false, comment: 'помечен на удаление' });
  doc('sale', ip, [[dress, 1]], { comment: 'покупатель не зарегистрирован в ГИС МТ' });
  doc('purchase', c3, [[tshirt, 4]], { comment: 'поступление' });
  doc(
    'marking',
    org,
    [
      [dress, 3],
      [jeans, 2],
    ],
    { comment: 'ввод в оборот (МаркировкаТоваровИСМП)' },
  );
  doc('writeOff', org, [[tshirt, 2]], { comment: 'списание: брак (СписаниеНедостачТоваров)' });
  const extra = opts.extraSales ?? 0;
  for (let i = 0; i < extra; i++) {
    const buyer = [c1, c2, c3][i % 3] as DemoParticipant;
    const it = marked[i % marked.length] as DemoItem;
    doc('sale', buyer, [[it, opts.codesPerSale ?? 5]], { comment: `пакетная отгрузка ${i + 1}` });
  }
  // Receipts of goods a supplier sends by УПД through ЭДО Лайт (lib/emulators/edo/demo-incoming.ts):
  // the codes are the supplier's in ГИС МТ until the demo organisation signs the buyer's title; in the
  // second one the supplier put a code that belongs to another participant (a foreign code).
  const supplied = (d: DemoDocument, seller: DemoParticipant): DemoCode[] => {
    const mine = codes.filter((c) => d.packageRefs.includes(c.ref));
    for (const c of mine) c.ownerInn = seller.inn;
    return mine;
  };
  supplied(doc('purchase', c3, [[jeans, 2]], { comment: 'поступление по ЭДО' }), c3);
  const foreign = supplied(
    doc('purchase', c2, [[sneakers, 2]], { comment: 'поступление по ЭДО: чужой код' }),
    c2,
  );
  if (foreign[1]) foreign[1].ownerInn = c1.inn;
  if (opts.furs) {
    const coat = item(
      'Шуба норковая',
      'FR-201',
      '0460123456201',
      '4303101000',
      'ПродукцияИзНатуральногоМеха',
      'furs',
      89000,
    );
    items.push(coat);
    doc('sale', c2, [[coat, 2]], { comment: 'меховые изделия (LP_SHIP_GOODS)' });
    // one 1C sale down both routes: the coat by LP_SHIP_GOODS, the T-shirt by a УПД
    doc(
      'sale',
      c2,
      [
        [coat, 1],
        [tshirt, 1],
      ],
      { comment: 'меха и одежда: LP_SHIP_GOODS и УПД' },
    );
  }
  const affiliates: DemoParticipant[] = [];
  if (opts.transfers) {
    const retail = participant(rand, completeInn('770845678'), '770801001', 'ООО «Демо Розница»', true);
    affiliates.push(retail);
    doc('supplierReturn', c3, [[tshirt, 2]], { comment: 'возврат поставщику' });
    doc(
      'intercompany',
      retail,
      [
        [jeans, 2],
        [sneakers, 1],
      ],
      { comment: 'передача в другую организацию: одежда и обувь' },
    );
    doc('intercompany', retail, [[dress, 1]], { posted: false, comment: 'передача: не проведена' });
  }
  const { warehouses, mods } = demoPlaces(org, opts.seed ?? 20261128);
  const emissionOrders = demoEmissionOrders(items, base, opts.seed ?? 20261128);
  return {
    organisation: org,
    ...(affiliates.length ? { affiliates } : {}),
    counterparties,
    items,
    codes,
    boxes,
    documents,
    warehouses,
    mods,
    emissionOrders,
  };
}

/** The СУЗ template of a group's codes in the demo («Справочник "Шаблоны КМ"»). */
export const DEMO_TEMPLATES: Readonly<Record<string, number>> = { lp: 10, shoes: 1 };

/**
 * The orders of marking codes in the demo base: T-shirts and jeans (posted), sneakers (posted), a
 * draft of dresses (not posted). A PRNG of its own keeps every other GUID of the world as it was.
 */
function demoEmissionOrders(items: DemoItem[], base: Date, seed: number): DemoEmissionOrder[] {
  const rand = prng(seed ^ 0x0e0155ed);
  const [tshirt, jeans, dress, sneakers] = items as [DemoItem, DemoItem, DemoItem, DemoItem];
  const order = (
    n: number,
    lines: Array<[DemoItem, number]>,
    posted: boolean,
    comment: string,
  ): DemoEmissionOrder => ({
    ref: guid(rand),
    number: `ДМЗ0-${String(n).padStart(6, '0')}`,
    date: new Date(base.getTime() - (4 - n) * 3600000).toISOString().slice(0, 19),
    posted,
    pg: lines[0]![0].pg,
    rows: lines.map(([it, quantity]) => ({
      itemRef: it.ref,
      quantity,
      templateId: DEMO_TEMPLATES[it.pg] ?? 10,
    })),
    comment,
  });
  return [
    order(
      1,
      [
        [tshirt, 6],
        [jeans, 4],
      ],
      true,
      'заказ кодов: футболки и джинсы',
    ),
    order(2, [[sneakers, 5]], true, 'заказ кодов: кроссовки'),
    order(3, [[dress, 3]], false, 'черновик заказа (не проведён)'),
  ];
}

/**
 * БСП address JSON (version 4, `addressType` Муниципальный) of a Moscow street address, with the
 * FIAS ids: `id` — the deepest address object (the street), `houseId` — the building.
 */
function moscowAddress(
  rand: () => number,
  zip: string,
  street: string,
  house: string,
): Record<string, unknown> {
  const areaId = '0c5b2444-70a0-4932-980c-b4dc0d3f02b5';
  const streetId = guid(rand);
  const houseId = guid(rand);
  return {
    version: 4,
    type: 'Адрес',
    value: `${zip}, Москва г, ${street} ул, дом ${house}`,
    comment: '',
    addressType: 'Муниципальный',
    country: 'РОССИЯ',
    countryCode: '643',
    ZIPcode: zip,
    area: 'Москва',
    areaType: 'г',
    areaCode: '77',
    areaId,
    street,
    streetType: 'ул',
    streetId,
    id: streetId,
    houseType: 'Дом',
    houseNumber: house,
    houseId,
    buildings: [],
    apartments: [],
    munLevels: ['area', 'street'],
    admLevels: ['area', 'street'],
  };
}

/**
 * The organisation's warehouses and the МОДs registered for it: the main warehouse under the
 * organisation's КПП, a shop registered under its separate division's КПП. A PRNG of its own keeps
 * every other GUID of the world as it was.
 */
function demoPlaces(org: DemoParticipant, seed: number): { warehouses: DemoWarehouse[]; mods: DemoMod[] } {
  const rand = prng(seed ^ 0x5ca1ab1e);
  const warehouses: DemoWarehouse[] = [
    {
      ref: guid(rand),
      name: 'Основной склад',
      type: 'ОптовыйСклад',
      address: moscowAddress(rand, '125047', 'Лесная', '5'),
      kpp: '',
    },
    {
      ref: guid(rand),
      name: 'Магазин на Тверской',
      type: 'РозничныйМагазин',
      address: moscowAddress(rand, '125009', 'Тверская', '12'),
      kpp: '770845001',
    },
  ];
  const mods = warehouses.map((w) => ({
    inn: org.inn,
    kpp: w.kpp || org.kpp,
    fiasId: String(w.address['houseId']),
    address: String(w.address['value']),
    productGroups: ['lp', 'shoes'],
  }));
  return { warehouses, mods };
}
