/**
 * The emulator's data: records in 1C's wire form (what `$format=json` returns, before `$select`),
 * keyed per entity set, with 1C's write semantics (DataVersion bumps on every write, silent
 * truncation, ignored unknown fields, tabular sections replaced whole with LineNumber rules).
 * Seeded from the shared demo world; tests and the demo add and change data through the
 * {@link OnecStore} API.
 */
import crypto from 'node:crypto';
import { demoWorld, guid as demoGuid, makeCode, prng, type DemoWorld } from '../demo-data';

/**
 * The legal address of an organisation or counterparty as БСП keeps it (tabular section
 * КонтактнаяИнформация, `Тип` Адрес, the kind «Юридический адрес»): the УПД needs both parties'
 * addresses (ФНС order ЕД-7-26/970@, СЧФДОП). Fixed GUID of the kind, no draw from the PRNG, so the
 * rest of the demo base stays as it was.
 */
const LEGAL_ADDRESS_KIND = '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0a01';
const DEMO_ADDRESSES = [
  '119002, г. Москва, ул. Арбат, д. 2',
  '191186, г. Санкт-Петербург, Невский пр-кт, д. 10',
  '630099, г. Новосибирск, Красный пр-кт, д. 20',
  '125009, г. Москва, ул. Тверская, д. 12',
];
function legalAddress(text: string): Array<Record<string, unknown>> {
  return [
    {
      LineNumber: 1,
      Тип: 'Адрес',
      Вид_Key: LEGAL_ADDRESS_KIND,
      Представление: text,
      Страна: 'РОССИЯ',
      Регион: '',
      Город: '',
      ВидДляСписка_Key: LEGAL_ADDRESS_KIND,
      Значение: JSON.stringify({
        version: 4,
        type: 'Адрес',
        value: text,
        country: 'РОССИЯ',
        countryCode: '643',
      }),
    },
  ];
}
import { ODataFault } from './filter';
import {
  buildSetIndex,
  emptyValue,
  ENTITY_SETS,
  propertyNames,
  type EntitySetDef,
  type FieldDef,
  type SetInfo,
  type TableDef,
} from './schema';

export type Rec = Record<string, unknown>;

const SUPPLIER_RETURNS = 'Document_ВозвратТоваровПоставщику';
const TRANSFERS = 'Document_ПередачаТоваровМеждуОрганизациями';

/** The additional-information property («Статус Честный ЗНАК») the demo writes outcomes to. */
export const DEMO_STATUS_PROPERTY = '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0001';
/** A second property for the Честный ЗНАК document id. */
export const DEMO_DOCID_PROPERTY = '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0002';

/** The БСП property sets of the demo base, by the entity set of their kind of document. */
export const DEMO_PROPERTY_SETS: Readonly<Record<string, { ref: string; description: string }>> = {
  Document_РеализацияТоваровУслуг: {
    ref: '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0101',
    description: 'Реализация товаров и услуг',
  },
  Document_ПриобретениеТоваровУслуг: {
    ref: '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0102',
    description: 'Приобретение товаров и услуг',
  },
  Document_СписаниеНедостачТоваров: {
    ref: '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0103',
    description: 'Списание недостач товаров',
  },
  Document_МаркировкаТоваровИСМП: {
    ref: '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0104',
    description: 'Маркировка товаров ИС МП',
  },
  Document_ЗаказНаЭмиссиюКодовМаркировкиСУЗ: {
    ref: '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0105',
    description: 'Заказ на эмиссию кодов маркировки СУЗ',
  },
  Document_ВозвратТоваровПоставщику: {
    ref: '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0106',
    description: 'Возврат товаров поставщику',
  },
  Document_ПередачаТоваровМеждуОрганизациями: {
    ref: '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0107',
    description: 'Передача товаров между организациями',
  },
};

/**
 * «Статус Честный ЗНАК» in each property set (БСП: a property belongs to one set): the
 * sales one is {@link DEMO_STATUS_PROPERTY}.
 */
export const DEMO_STATUS_PROPERTIES: Readonly<Record<string, string>> = {
  Document_РеализацияТоваровУслуг: DEMO_STATUS_PROPERTY,
  Document_ПриобретениеТоваровУслуг: '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0003',
  Document_СписаниеНедостачТоваров: '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0004',
  Document_МаркировкаТоваровИСМП: '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0005',
  Document_ЗаказНаЭмиссиюКодовМаркировкиСУЗ: '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0006',
  Document_ВозвратТоваровПоставщику: '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0007',
  Document_ПередачаТоваровМеждуОрганизациями: '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0008',
};

/** The 1C metadata prefix of a kind of object in БСП's set names (`Документ_РеализацияТоваровУслуг`). */
const KIND_PREFIX: Record<string, string> = {
  Document: 'Документ',
  Catalog: 'Справочник',
  BusinessProcess: 'БизнесПроцесс',
  Task: 'Задача',
  ChartOfCharacteristicTypes: 'ПланВидовХарактеристик',
  ChartOfAccounts: 'ПланСчетов',
  ChartOfCalculationTypes: 'ПланВидовРасчета',
  ExchangePlan: 'ПланОбмена',
};

/**
 * A title written as an identifier the way БСП makes `ИдентификаторДляФормул`: characters that
 * cannot be in a 1C name are dropped (`_` kept), the letter after each of them is capitalised.
 */
export function formulaIdentifier(title: string): string {
  let out = '';
  let afterSpecial = true;
  for (const ch of title) {
    if (/[\p{L}\p{N}]/u.test(ch)) {
      out += afterSpecial ? ch.toUpperCase() : ch;
      afterSpecial = false;
    } else {
      if (ch === '_') out += ch;
      afterSpecial = true;
    }
  }
  return /^\p{N}/u.test(out) ? `Идентификатор${out}` : out;
}

export interface AddPropertySetOptions {
  ref?: string;
  /** entity set of the kind of object, e.g. `Document_РеализацияТоваровУслуг` */
  entity: string;
  /** the object's presentation, e.g. «Реализация товаров и услуг» */
  description: string;
  /** how the set is named: newer БСП's attribute (default) or an older predefined item */
  naming?: 'attribute' | 'predefined';
}

export interface AddPropertyOptions {
  ref?: string;
  /** what the administrator typed («Заголовок») */
  title: string;
  /** the property set; none = a common property (its Description is the bare title) */
  setRef?: string;
  /** `Имя`: generated from the title and the ref when undefined, as given otherwise ('' = empty) */
  name?: string;
  /** `ИдентификаторДляФормул`: generated (unique) from the title when undefined */
  formulaId?: string;
  /** additional information (default) or an additional attribute */
  information?: boolean;
  deletionMark?: boolean;
}

const EMPTY = '00000000-0000-0000-0000-000000000000';
const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
/** Now as the server's naive wall clock. */
export function serverNow(): string {
  const d = new Date();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(
    d.getMinutes(),
  )}:${pad(d.getSeconds())}`;
}

/** 8 bytes, base64: `AAAAAAAAAAE=` for 1 (one live platform: Romandredan/odata1c-gate P8). */
export function dataVersionOf(n: number): string {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b.toString('base64');
}

export interface SaleLine {
  itemRef: string;
  quantity: number;
  price?: number;
}

export interface AddSaleOptions {
  counterpartyRef?: string;
  lines: SaleLine[];
  /** codes of the goods: 'auto' (new codes for every marked item, default) or Ref_Keys of existing codes */
  codes?: 'auto' | string[];
  date?: string;
  number?: string;
  posted?: boolean;
  deletionMark?: boolean;
  comment?: string;
  /**
   * `Document_РеализацияТоваровУслуг` (default), `Document_ПриобретениеТоваровУслуг`,
   * `Document_ВозвратТоваровПоставщику` or `Document_ПередачаТоваровМеждуОрганизациями` (then
   * `counterpartyRef` is the receiving organisation, by default the world's first affiliate)
   */
  entity?: string;
}

export class OnecStore {
  readonly sets: Map<string, SetInfo>;
  private readonly data = new Map<string, Map<string, Rec>>();
  private version = 0;
  private numbers = new Map<string, number>();
  private readonly rand: () => number;
  readonly world: DemoWorld;

  constructor(world: DemoWorld = demoWorld(), defs: EntitySetDef[] = ENTITY_SETS) {
    this.world = world;
    this.sets = buildSetIndex(defs);
    for (const d of defs) this.data.set(d.name, new Map());
    this.rand = prng(7741);
    this.seed(world);
  }

  /** A fresh lowercase GUID. */
  newRef(): string {
    return crypto.randomUUID();
  }

  nextDataVersion(): string {
    this.version++;
    return dataVersionOf(this.version);
  }

  def(setName: string): EntitySetDef {
    const info = this.sets.get(setName);
    if (!info || info.table) throw new Error(`unknown entity set ${setName}`);
    return info.def;
  }

  /** The key string of a record of a set. */
  keyOf(def: EntitySetDef, rec: Rec): string {
    return def.key.map((k) => String(rec[k] ?? '').toLowerCase()).join('|');
  }

  /** A live record (not a copy): used by the HTTP layer. */
  find(setName: string, key: string): Rec | undefined {
    return this.data.get(setName)?.get(key.toLowerCase());
  }

  /** Every record of an entity set, or every row of a tabular-section set (live objects). */
  rows(setName: string): Rec[] {
    const info = this.sets.get(setName);
    if (!info) return [];
    const recs = [...(this.data.get(info.def.name)?.values() ?? [])];
    if (!info.table) return recs;
    const t = info.table.name;
    return recs.flatMap((r) => (Array.isArray(r[t]) ? (r[t] as Rec[]) : []));
  }

  /** A copy of one record by Ref_Key (or register key string). */
  get(setName: string, key: string): Rec | undefined {
    const r = this.find(setName, key);
    return r ? structuredClone(r) : undefined;
  }

  /** Copies of every record of a set. */
  list(setName: string): Rec[] {
    return this.rows(setName).map((r) => structuredClone(r));
  }

  // ---------------------------------------------------------------- writes with 1C semantics

  /** Coerce one incoming value to the field's wire form (1C's silent rules). */
  coerce(f: FieldDef, value: unknown): unknown {
    if (value === null || value === undefined) return emptyValue(f);
    if (Array.isArray(value) || (typeof value === 'object' && !(value instanceof Date))) {
      throw new ODataFault(
        500,
        '-1',
        'Произошла внутренняя ошибка OData сервиса. Неверный тип значения свойства ' + f.name,
      );
    }
    switch (f.type) {
      case 'Edm.Guid': {
        const s = String(value);
        if (!GUID_RE.test(s))
          throw new ODataFault(400, '1', `Не удалось разобрать строку '${s}' как значение типа Edm.Guid!`);
        return s.toLowerCase();
      }
      case 'Edm.DateTime': {
        const s = String(value);
        const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
        if (!m)
          throw new ODataFault(
            400,
            '1',
            `Не удалось разобрать строку '${s}' как значение типа Edm.DateTime!`,
          );
        if (m[5]) {
          // A zone suffix is read as a shifted wall clock (1C developer guide §17.4).
          const d = new Date(s);
          return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(
            d.getMinutes(),
          )}:${pad(d.getSeconds())}`;
        }
        return `${m[1]}T${m[2]}${m[3] ?? ':00'}`;
      }
      case 'Edm.Boolean':
        if (value === true || value === 'true') return true;
        if (value === false || value === 'false') return false;
        throw new ODataFault(
          400,
          '1',
          `Не удалось разобрать строку '${String(value)}' как значение типа Edm.Boolean!`,
        );
      case 'Edm.Double': {
        const n = Number(value);
        if (!Number.isFinite(n))
          throw new ODataFault(
            400,
            '1',
            `Не удалось разобрать строку '${String(value)}' как значение типа Edm.Double!`,
          );
        return n;
      }
      case 'Edm.Int64': {
        const n = Number(value);
        if (!Number.isInteger(n))
          throw new ODataFault(
            400,
            '1',
            `Не удалось разобрать строку '${String(value)}' как значение типа Edm.Int64!`,
          );
        return String(n);
      }
      case 'Edm.Int16':
      case 'Edm.Int32': {
        const n = Number(value);
        if (!Number.isInteger(n))
          throw new ODataFault(
            400,
            '1',
            `Не удалось разобрать строку '${String(value)}' как значение типа ${f.type}!`,
          );
        return n;
      }
      default: {
        let s = String(value);
        if (f.length && s.length > f.length) s = s.slice(0, f.length);
        if (f.fixed && f.length) s = s.padEnd(f.length, ' ');
        return s;
      }
    }
  }

  /** Apply incoming fields to a record (unknown fields ignored, `Ref_Key`/`DataVersion` ignored). */
  private applyFields(def: EntitySetDef, rec: Rec, body: Rec, isNew: boolean): void {
    for (const f of def.fields) {
      if (f.name === 'DataVersion' || (!isNew && def.key.includes(f.name)) || f.name === 'Posted') continue;
      if (f.name === 'Ref_Key') continue;
      if (f.composite) {
        if (f.name in body)
          rec[f.name] = body[f.name] === null ? '' : this.coerce({ ...f, composite: false }, body[f.name]);
        const tn = `${f.name}_Type`;
        if (tn in body) rec[tn] = String(body[tn] ?? 'StandardODATA.Undefined');
        continue;
      }
      if (f.name in body) rec[f.name] = this.coerce(f, body[f.name]);
    }
    for (const t of def.tables) {
      if (t.name in body) rec[t.name] = this.tableRows(def, t, body[t.name], String(rec['Ref_Key'] ?? ''));
    }
  }

  /** A tabular section sent whole: every row needs LineNumber 1..n (1C guide §17.4; Romandredan/odata1c-gate P9). */
  private tableRows(def: EntitySetDef, t: TableDef, value: unknown, owner: string): Rec[] {
    if (!Array.isArray(value)) {
      throw new ODataFault(
        500,
        '-1',
        'Произошла внутренняя ошибка OData сервиса. Неверное значение табличной части ' + t.name,
      );
    }
    const rows: Rec[] = [];
    value.forEach((raw: unknown, i) => {
      const src = (raw && typeof raw === 'object' ? raw : {}) as Rec;
      if (src['LineNumber'] === undefined || src['LineNumber'] === null) {
        throw new ODataFault(
          500,
          '-1',
          'Произошла внутренняя ошибка OData сервиса. Подробности: не задан номер строки табличной части ' +
            t.name,
        );
      }
      const ln = Number(src['LineNumber']);
      if (ln !== i + 1) {
        throw new ODataFault(400, '4', `Неверное значение свойства LineNumber табличной части ${t.name}`);
      }
      const row: Rec = { Ref_Key: owner, LineNumber: String(ln) };
      for (const f of t.fields) {
        if (f.composite) {
          row[f.name] = f.name in src ? String(src[f.name] ?? '') : '';
          row[`${f.name}_Type`] =
            `${f.name}_Type` in src ? String(src[`${f.name}_Type`]) : 'StandardODATA.Undefined';
        } else row[f.name] = f.name in src ? this.coerce(f, src[f.name]) : emptyValue(f);
      }
      rows.push(row);
    });
    void def;
    return rows;
  }

  /** A blank record of a set with every field at its empty value. */
  blank(def: EntitySetDef): Rec {
    const rec: Rec = {};
    for (const f of def.fields) {
      if (f.composite) {
        rec[f.name] = '';
        rec[`${f.name}_Type`] = 'StandardODATA.Undefined';
      } else rec[f.name] = emptyValue(f);
    }
    for (const t of def.tables) rec[t.name] = [];
    return rec;
  }

  /** Create (POST semantics). Returns the live record. */
  create(setName: string, body: Rec): Rec {
    const def = this.def(setName);
    const rec = this.blank(def);
    if (def.kind !== 'InformationRegister') {
      const given = body['Ref_Key'];
      const ref =
        typeof given === 'string' && GUID_RE.test(given) && given !== EMPTY
          ? given.toLowerCase()
          : this.newRef();
      if (this.find(setName, ref)) throw new ODataFault(400, '15', 'Сущность с таким ключом уже существует');
      rec['Ref_Key'] = ref;
    }
    this.applyFields(def, rec, body, true);
    for (const t of def.tables) {
      for (const row of (rec[t.name] as Rec[]) ?? []) row['Ref_Key'] = rec['Ref_Key'];
    }
    if (def.kind === 'Document') {
      if (!body['Date']) rec['Date'] = serverNow();
      if (!body['Number']) rec['Number'] = this.nextNumber(def);
      rec['Posted'] = false;
    }
    if (def.kind === 'InformationRegister') {
      const key = this.keyOf(def, rec);
      if (this.data.get(setName)!.has(key))
        throw new ODataFault(400, '15', 'Запись с такими значениями уже существует');
      this.data.get(setName)!.set(key, rec);
      return rec;
    }
    rec['DataVersion'] = this.nextDataVersion();
    this.data.get(setName)!.set(String(rec['Ref_Key']), rec);
    return rec;
  }

  /** Change fields (PATCH semantics): DataVersion changes even when nothing else does. */
  modify(setName: string, key: string, body: Rec): Rec {
    const def = this.def(setName);
    const rec = this.find(setName, key);
    if (!rec) throw notFound(setName);
    this.applyFields(def, rec, body, false);
    if (def.kind !== 'InformationRegister') rec['DataVersion'] = this.nextDataVersion();
    return rec;
  }

  /** Only bump DataVersion (a write with no visible change). */
  touch(setName: string, ref: string): Rec {
    return this.modify(setName, ref, {});
  }

  /** Physical delete (DELETE semantics). */
  remove(setName: string, key: string): void {
    const def = this.def(setName);
    const map = this.data.get(def.name)!;
    if (!map.delete(key.toLowerCase())) throw notFound(setName);
  }

  post(setName: string, ref: string): Rec {
    const rec = this.find(setName, ref);
    if (!rec) throw notFound(setName);
    if (rec['DeletionMark'] === true) {
      throw new ODataFault(
        500,
        '-1',
        'Ошибка при вызове метода контекста (Записать): Помеченный на удаление документ не может быть проведен!',
      );
    }
    rec['Posted'] = true;
    rec['DataVersion'] = this.nextDataVersion();
    return rec;
  }

  unpost(setName: string, ref: string): Rec {
    const rec = this.find(setName, ref);
    if (!rec) throw notFound(setName);
    rec['Posted'] = false;
    rec['DataVersion'] = this.nextDataVersion();
    return rec;
  }

  markDeleted(setName: string, ref: string, mark = true): Rec {
    const rec = this.find(setName, ref);
    if (!rec) throw notFound(setName);
    rec['DeletionMark'] = mark;
    if (mark) rec['Posted'] = false;
    rec['DataVersion'] = this.nextDataVersion();
    return rec;
  }

  private nextNumber(def: EntitySetDef): string {
    const n = (this.numbers.get(def.name) ?? this.rows(def.name).length) + 1;
    this.numbers.set(def.name, n);
    return `${def.numberPrefix ?? '0000'}-${String(n).padStart(6, '0')}`;
  }

  // ---------------------------------------------------------------- demo data

  /** New marking codes for an item, stored in the codes catalog; returns their Ref_Keys. */
  addCodes(itemRef: string, count: number, opts: { full?: boolean } = {}): string[] {
    const item = this.find('Catalog_Номенклатура', itemRef);
    const gtin = this.world.items.find((i) => i.ref === itemRef)?.gtin;
    if (!item || !gtin) throw new Error(`unknown marked item ${itemRef}`);
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const c = makeCode(this.rand, gtin);
      const ref = demoGuid(this.rand);
      this.seedCode(ref, itemRef, opts.full ? c.full : c.cis);
      out.push(ref);
    }
    return out;
  }

  /**
   * Add a sale (or a purchase) as a user would in 1C: goods rows, marking codes (new ones for each
   * marked item unless given), posted by default. Returns a copy of the document.
   */
  addSale(opts: AddSaleOptions): Rec {
    const entity = opts.entity ?? 'Document_РеализацияТоваровУслуг';
    const def = this.def(entity);
    // a transfer goes to another organisation of the base (by default the world's first), never to a counterparty
    const counterparty =
      opts.counterpartyRef ??
      (entity === TRANSFERS ? this.world.affiliates?.[0]?.ref : this.world.counterparties[0]!.ref);
    if (!counterparty)
      throw new Error(`addSale ${entity}: counterpartyRef (the receiving organisation) is needed`);
    const codes: string[] = [];
    if (Array.isArray(opts.codes)) codes.push(...opts.codes);
    const goods = opts.lines.map((l, i) => {
      const item = this.world.items.find((x) => x.ref === l.itemRef);
      if (!item) throw new Error(`unknown item ${l.itemRef}`);
      if (opts.codes === undefined || opts.codes === 'auto') {
        if (item.pg) codes.push(...this.addCodes(item.ref, l.quantity, { full: i % 2 === 0 }));
      }
      return this.goodsRow(i + 1, item.ref, l.quantity, l.price ?? item.price, item.tnved);
    });
    const pass = entity === TRANSFERS || entity === SUPPLIER_RETURNS;
    const body: Rec = {
      ...(pass
        ? this.passHeader(entity === TRANSFERS, counterparty, goods, codes.length > 0)
        : this.docHeader(counterparty, goods, codes.length > 0)),
      Товары: goods,
      ШтрихкодыУпаковок: codes.map((c, i) => ({ LineNumber: i + 1, ШтрихкодУпаковки_Key: c })),
      Комментарий: opts.comment ?? '',
      DeletionMark: opts.deletionMark ?? false,
    };
    if (opts.date) body['Date'] = opts.date;
    if (opts.number) body['Number'] = opts.number;
    const rec = this.create(def.name, body);
    if (opts.posted ?? true) {
      if (rec['DeletionMark'] !== true) rec['Posted'] = true;
    }
    return structuredClone(rec);
  }

  private tnvedRef(code: string): string {
    const found = this.rows('Catalog_КлассификаторТНВЭД').find((r) => String(r['Code']) === code);
    if (found) return String(found['Ref_Key']);
    const rec = this.create('Catalog_КлассификаторТНВЭД', {
      Ref_Key: demoGuid(this.rand),
      Code: code,
      Description: TNVED_NAMES[code] ?? `Код ТН ВЭД ${code}`,
      НаименованиеПолное: TNVED_NAMES[code] ?? `Код ТН ВЭД ЕАЭС ${code}`,
    });
    return String(rec['Ref_Key']);
  }

  private goodsRow(line: number, itemRef: string, quantity: number, price: number, tnved: string): Rec {
    const sum = Math.round(quantity * price * 100) / 100;
    const vat = Math.round(((sum * 20) / 120) * 100) / 100;
    return {
      LineNumber: line,
      Номенклатура_Key: itemRef,
      КоличествоУпаковок: quantity,
      Количество: quantity,
      Цена: price,
      Сумма: sum,
      СтавкаНДС_Key: this.refs.vat,
      СуммаНДС: vat,
      СуммаСНДС: sum,
      КодСтроки: line,
      Склад_Key: this.refs.store,
      ИдентификаторСтроки: demoGuid(this.rand),
      КодТНВЭД_Key: this.tnvedRef(tnved),
    };
  }

  private docHeader(counterparty: string, goods: Rec[], marked: boolean): Rec {
    const partner = this.find('Catalog_Контрагенты', counterparty)?.['Партнер_Key'];
    return {
      Организация_Key: this.world.organisation.ref,
      Контрагент_Key: counterparty,
      Партнер_Key: partner ?? EMPTY,
      Склад_Key: this.refs.store,
      Валюта_Key: this.refs.currency,
      СуммаДокумента: Math.round(goods.reduce((s, g) => s + Number(g['Сумма']), 0) * 100) / 100,
      ЦенаВключаетНДС: true,
      ЕстьМаркируемаяПродукцияГИСМ: marked,
    };
  }

  /**
   * The header of a document passing goods to another participant besides a sale: a return to the
   * supplier (its counterparty) or a transfer to another organisation (`ОрганизацияПолучатель_Key`).
   */
  private passHeader(transfer: boolean, receiver: string, goods: Rec[], marked: boolean): Rec {
    const h = this.docHeader(receiver, goods, marked);
    if (!transfer) return { ...h, ХозяйственнаяОперация: 'ВозвратТоваровПоставщику' };
    const { Контрагент_Key: _c, Партнер_Key: _p, ...rest } = h;
    return {
      ...rest,
      ОрганизацияПолучатель_Key: receiver,
      ХозяйственнаяОперация: 'РеализацияТоваровВДругуюОрганизацию',
    };
  }

  private refs = { vat: '', store: '', currency: '' };

  private seedCode(ref: string, itemRef: string, value: string, extra: Rec = {}): void {
    const hash = crypto.createHash('sha256').update(value, 'utf8').digest('base64');
    this.create('Catalog_ШтрихкодыУпаковокТоваров', {
      Ref_Key: ref,
      ТипУпаковки: 'МаркированныйТовар',
      ТипШтрихкода: 'GS1_DataMatrix',
      ЗначениеШтрихкода: value,
      Номенклатура_Key: itemRef,
      Количество: 1,
      ХешСумма: hash,
      ХешСуммаЗначенияШтрихкода: hash,
      КоличествоПотребительскихУпаковок: 1,
      ...extra,
    });
  }

  private seed(w: DemoWorld): void {
    const r = this.rand;
    this.create('Catalog_Организации', {
      Ref_Key: w.organisation.ref,
      Code: '000000001',
      Description: w.organisation.name,
      НаименованиеСокращенное: w.organisation.name,
      НаименованиеПолное: w.organisation.fullName,
      ИНН: w.organisation.inn,
      КПП: w.organisation.kpp,
      Префикс: 'ДМ',
      ЮридическоеФизическоеЛицо: 'ЮридическоеЛицо',
      КонтактнаяИнформация: legalAddress('125047, г. Москва, ул. Лесная, д. 5'),
    });
    // other organisations of the base (the receivers of transfers between organisations)
    (w.affiliates ?? []).forEach((a, i) => {
      this.create('Catalog_Организации', {
        Ref_Key: a.ref,
        Code: `00000000${i + 2}`.slice(-9),
        Description: a.name,
        НаименованиеСокращенное: a.name,
        НаименованиеПолное: a.fullName,
        ИНН: a.inn,
        КПП: a.kpp,
        Префикс: `Д${i + 1}`,
        ЮридическоеФизическоеЛицо: 'ЮридическоеЛицо',
        КонтактнаяИнформация: legalAddress('125009, г. Москва, ул. Тверская, д. 12'),
      });
    });
    w.counterparties.forEach((c, i) => {
      const partner = demoGuid(r);
      const ip = c.inn.length === 12;
      this.create('Catalog_Партнеры', {
        Ref_Key: partner,
        Code: `00000000${i + 1}`.slice(-11),
        Description: c.name,
        НаименованиеПолное: c.fullName,
        Клиент: true,
      });
      this.create('Catalog_Контрагенты', {
        Ref_Key: c.ref,
        Code: `00000000${i + 1}`.slice(-11),
        Description: c.name,
        НаименованиеПолное: c.fullName,
        ИНН: c.inn,
        КПП: c.kpp,
        ЮрФизЛицо: ip ? 'ИндивидуальныйПредприниматель' : 'ЮрЛицо',
        ЮридическоеФизическоеЛицо: ip ? 'ФизическоеЛицо' : 'ЮридическоеЛицо',
        Партнер_Key: partner,
        КонтактнаяИнформация: legalAddress(DEMO_ADDRESSES[i % DEMO_ADDRESSES.length] as string),
      });
    });
    this.refs.vat = String(
      this.create('Catalog_СтавкиНДС', {
        Ref_Key: demoGuid(r),
        Description: '20%',
        Ставка: 20,
        ПеречислениеСтавкаНДС: 'НДС20',
      })['Ref_Key'],
    );
    // the warehouses with their address (the business place of withdrawals), as БСП keeps it
    const kindRef = demoGuid(r);
    this.create('Catalog_ВидыКонтактнойИнформации', {
      Ref_Key: kindRef,
      Description: 'Адрес склада',
      Predefined: true,
      PredefinedDataName: 'АдресСклада',
      Тип: 'Адрес',
      Имя: 'АдресСклада',
    });
    const warehouses = w.warehouses ?? [
      { ref: demoGuid(r), name: 'Основной склад', type: 'ОптовыйСклад', address: undefined, kpp: '' },
    ];
    for (const wh of warehouses) {
      const a = wh.address;
      this.create('Catalog_Склады', {
        Ref_Key: wh.ref,
        Description: wh.name,
        ТипСклада: wh.type,
        КонтактнаяИнформация: a
          ? [
              {
                LineNumber: 1,
                Тип: 'Адрес',
                Вид_Key: kindRef,
                Представление: String(a['value'] ?? ''),
                Страна: String(a['country'] ?? ''),
                Регион: String(a['area'] ?? ''),
                Город: '',
                ВидДляСписка_Key: kindRef,
                Значение: JSON.stringify(a),
              },
            ]
          : [],
      });
    }
    this.refs.store = String(warehouses[0]?.ref ?? '');
    this.refs.currency = String(
      this.create('Catalog_Валюты', {
        Ref_Key: demoGuid(r),
        Code: '643',
        Description: 'руб.',
        НаименованиеПолное: 'Российский рубль',
      })['Ref_Key'],
    );
    const kinds = new Map<string, string>();
    const kindName: Record<string, string> = {
      ЛегкаяПромышленность: 'Одежда',
      ОбувнаяПродукция: 'Обувь',
      '': 'Упаковка и расходные материалы',
    };
    for (const it of w.items) {
      if (kinds.has(it.accounting)) continue;
      const ref = demoGuid(r);
      kinds.set(it.accounting, ref);
      this.create('Catalog_ВидыНоменклатуры', {
        Ref_Key: ref,
        Description: kindName[it.accounting] ?? it.accounting,
        ТипНоменклатуры: 'Товар',
        ОсобенностьУчета: it.accounting || 'БезОсобенностейУчета',
      });
    }
    w.items.forEach((it, i) => {
      this.create('Catalog_Номенклатура', {
        Ref_Key: it.ref,
        Code: `НФ-${String(i + 1).padStart(8, '0')}`,
        Description: it.name,
        НаименованиеПолное: it.name,
        Артикул: it.article,
        ВидНоменклатуры_Key: kinds.get(it.accounting),
        ТипНоменклатуры: 'Товар',
        ОсобенностьУчета: it.accounting || 'БезОсобенностейУчета',
        СтавкаНДС_Key: this.refs.vat,
        КодТНВЭД_Key: this.tnvedRef(it.tnved),
        ИспользованиеХарактеристик: 'НеИспользовать',
      });
      this.create('InformationRegister_ШтрихкодыНоменклатуры', {
        Штрихкод: it.gtin.startsWith('0') ? it.gtin.slice(1) : it.gtin,
        Номенклатура_Key: it.ref,
      });
    });
    for (const c of w.codes) this.seedCode(c.ref, c.itemRef, c.stored);
    for (const b of w.boxes) {
      const first = w.codes.find((c) => c.ref === b.codeRefs[0]);
      this.create('Catalog_ШтрихкодыУпаковокТоваров', {
        Ref_Key: b.ref,
        ТипУпаковки: 'МонотоварнаяУпаковка',
        ТипШтрихкода: 'SSCC',
        ЗначениеШтрихкода: b.sscc,
        Номенклатура_Key: first?.itemRef ?? EMPTY,
        Количество: b.codeRefs.length,
        КоличествоПотребительскихУпаковок: b.codeRefs.length,
        ВложенныеТовары: [
          {
            LineNumber: 1,
            Номенклатура_Key: first?.itemRef ?? EMPTY,
            Количество: b.codeRefs.length,
            КоличествоУпаковок: b.codeRefs.length,
          },
        ],
        ВложенныеШтрихкоды: b.codeRefs.map((ref, i) => ({ LineNumber: i + 1, Штрихкод_Key: ref })),
      });
    }
    // БСП's property sets, one per kind of document, and the additional information the demo
    // writes to: «Статус Честный ЗНАК» created in the set of each kind, as an administrator does
    // it in 1C (Description with the set in brackets, generated Имя and ИдентификаторДляФормул).
    for (const [entity, set] of Object.entries(DEMO_PROPERTY_SETS)) {
      this.addPropertySet({ ref: set.ref, entity, description: set.description });
    }
    for (const [entity, ref] of Object.entries(DEMO_STATUS_PROPERTIES)) {
      this.addAdditionalProperty({
        ref,
        title: 'Статус Честный ЗНАК',
        setRef: DEMO_PROPERTY_SETS[entity]!.ref,
        // one set's property got an empty Имя (БСП allows it), the others a generated one
        name: entity === 'Document_ПриобретениеТоваровУслуг' ? '' : undefined,
      });
    }
    this.addAdditionalProperty({
      ref: DEMO_DOCID_PROPERTY,
      title: 'Документ Честного ЗНАКа',
      setRef: DEMO_PROPERTY_SETS['Document_РеализацияТоваровУслуг']!.ref,
    });
    for (const d of w.documents) {
      const goods = d.rows.map((row, i) => {
        const it = w.items.find((x) => x.ref === row.itemRef)!;
        return this.goodsRow(i + 1, row.itemRef, row.quantity, row.price, it.tnved);
      });
      const packages = d.packageRefs.map((c, i) => ({ LineNumber: i + 1, ШтрихкодУпаковки_Key: c }));
      if (d.kind === 'marking') {
        const first = w.items.find((x) => x.ref === d.rows[0]?.itemRef);
        const rec = this.create('Document_МаркировкаТоваровИСМП', {
          Ref_Key: d.ref,
          Number: d.number,
          Date: d.date,
          DeletionMark: d.deletionMark,
          Организация_Key: w.organisation.ref,
          ВидПродукции: first?.pg === 'shoes' ? 'Обувь' : 'ЛегкаяПромышленность',
          Операция: 'ВводВОборотПроизводствоРФ',
          ДатаПроизводства: d.date.slice(0, 10) + 'T00:00:00',
          КодТНВЭД: first?.tnved ?? '',
          Комментарий: d.comment,
          Товары: d.rows.map((row, i) => {
            const it = w.items.find((x) => x.ref === row.itemRef)!;
            return {
              LineNumber: i + 1,
              Номенклатура_Key: row.itemRef,
              Количество: row.quantity,
              GTIN: it.gtin,
              Цена: row.price,
              Сумма: row.quantity * row.price,
            };
          }),
          ШтрихкодыУпаковок: packages,
        });
        rec['Posted'] = d.posted;
        this.create('InformationRegister_СтатусыДокументовИСМП', {
          Документ: d.ref,
          Документ_Type: 'StandardODATA.Document_МаркировкаТоваровИСМП',
          Статус: 'Черновик',
          Статус_Type: 'StandardODATA.СтатусыОбработкиВводаВОборотИСМП',
          ДальнейшееДействие1: 'ПередайтеДанные',
        });
        continue;
      }
      if (d.kind === 'writeOff') {
        const rec = this.create('Document_СписаниеНедостачТоваров', {
          Ref_Key: d.ref,
          Number: d.number,
          Date: d.date,
          DeletionMark: d.deletionMark,
          Организация_Key: w.organisation.ref,
          Склад_Key: this.refs.store,
          ХозяйственнаяОперация: 'СписаниеТоваровПоТребованию',
          Комментарий: d.comment,
          Товары: goods,
          ШтрихкодыУпаковок: packages,
        });
        rec['Posted'] = d.posted;
        continue;
      }
      if (d.kind === 'supplierReturn' || d.kind === 'intercompany') {
        const transfer = d.kind === 'intercompany';
        const rec = this.create(transfer ? TRANSFERS : SUPPLIER_RETURNS, {
          Ref_Key: d.ref,
          Number: d.number,
          Date: d.date,
          DeletionMark: d.deletionMark,
          ...this.passHeader(transfer, d.counterpartyRef, goods, packages.length > 0),
          Комментарий: d.comment,
          Товары: goods,
          ШтрихкодыУпаковок: packages,
        });
        rec['Posted'] = d.posted;
        continue;
      }
      const entity =
        d.kind === 'sale' ? 'Document_РеализацияТоваровУслуг' : 'Document_ПриобретениеТоваровУслуг';
      const body: Rec = {
        Ref_Key: d.ref,
        Number: d.number,
        Date: d.date,
        DeletionMark: d.deletionMark,
        ...this.docHeader(d.counterpartyRef, goods, packages.length > 0),
        ХозяйственнаяОперация: d.kind === 'sale' ? 'РеализацияКлиенту' : 'ЗакупкаУПоставщика',
        Комментарий: d.comment,
        Товары: goods,
        ШтрихкодыУпаковок: packages,
      };
      if (d.kind === 'sale') {
        body['НалогообложениеНДС'] = 'ПродажаОблагаетсяНДС';
        body['Статус'] = 'Отгружено';
      } else {
        body['НомерВходящегоДокумента'] = `ВХ-${d.number.slice(-3)}`;
        body['ДатаВходящегоДокумента'] = d.date;
        body['ДатаПоступления'] = d.date;
      }
      const rec = this.create(entity, body);
      rec['Posted'] = d.posted;
    }
    for (const o of w.emissionOrders ?? []) this.addEmissionOrder(o);
  }

  /**
   * An order of marking codes from СУЗ as a user enters it in 1C (`Document_ЗаказНаЭмиссиюКодовМаркировкиСУЗ`):
   * the GTIN of each row from the item, serials made by the operator, one unit per code, production in
   * the Russian Federation, posted unless told; its state «Черновик» in `СтатусыДокументовИСМП` as БГосИС
   * keeps it. Returns a copy of the document.
   */
  addEmissionOrder(o: {
    ref?: string;
    number?: string;
    date?: string;
    posted?: boolean;
    rows: Array<{ itemRef: string; quantity: number; templateId?: number }>;
    comment?: string;
  }): Rec {
    const items = o.rows.map((r) => {
      const it = this.world.items.find((x) => x.ref === r.itemRef);
      if (!it?.pg) throw new Error(`unknown marked item ${r.itemRef}`);
      return it;
    });
    const pg = items[0]?.pg ?? '';
    const body: Rec = {
      Организация_Key: this.world.organisation.ref,
      ВидПродукции: PRODUCT_KINDS[pg] ?? 'ЛегкаяПромышленность',
      СпособВводаВОборот: 'ПроизводствоВРоссийскойФедерации',
      ТипОплатыКодовМаркировки: 'ОплатаПоЭмиссии',
      Комментарий: o.comment ?? '',
      Товары: o.rows.map((r, i) => ({
        LineNumber: i + 1,
        Номенклатура_Key: r.itemRef,
        GTIN: items[i]!.gtin,
        Количество: r.quantity,
        Шаблон: r.templateId ?? (pg === 'shoes' ? 1 : 10),
        СпособФормированияСерийногоНомера: 'ФормируетсяОператором',
        ЦелевойПол: pg === 'lp' || pg === 'shoes' ? 'Унисекс' : '',
        ВидКИЗ: 'ЕдиницаТовара',
      })),
      СерийныеНомера: [],
    };
    if (o.ref) body['Ref_Key'] = o.ref;
    if (o.number) body['Number'] = o.number;
    if (o.date) body['Date'] = o.date;
    const rec = this.create('Document_ЗаказНаЭмиссиюКодовМаркировкиСУЗ', body);
    rec['Posted'] = o.posted ?? true;
    this.create('InformationRegister_СтатусыДокументовИСМП', {
      Документ: rec['Ref_Key'],
      Документ_Type: 'StandardODATA.Document_ЗаказНаЭмиссиюКодовМаркировкиСУЗ',
      Статус: 'Черновик',
      Статус_Type: 'StandardODATA.СтатусыОбработкиЗаказаНаЭмиссиюКодовМаркировкиСУЗ',
      ДальнейшееДействие1: 'ПередайтеДанные',
    });
    return structuredClone(rec);
  }

  /** A БСП property set for a kind of object (Catalog_НаборыДополнительныхРеквизитовИСведений). */
  addPropertySet(o: AddPropertySetOptions): Rec {
    const prefix = KIND_PREFIX[o.entity.split('_')[0] ?? ''] ?? '';
    const predefined = `${prefix}_${o.entity.slice(o.entity.indexOf('_') + 1)}`;
    const older = o.naming === 'predefined';
    const rec = this.create('Catalog_НаборыДополнительныхРеквизитовИСведений', {
      Ref_Key: o.ref,
      Description: older ? `Документ "${o.description}"` : o.description,
      Используется: true,
      ИмяПредопределенногоНабора: older ? '' : predefined,
      КоличествоРеквизитов: '0',
      КоличествоСведений: '0',
    });
    if (older) {
      rec['Predefined'] = true;
      rec['PredefinedDataName'] = predefined;
    }
    return rec;
  }

  /**
   * An additional property as БСП's property manager writes it: `Description` «<title> (<set>)»
   * (the bare title for a common property), `Имя` generated as `<identifier>_<ref hex>` unless
   * given, a unique `ИдентификаторДляФормул` from the title (`…2`, `…3` when taken), listed in
   * the set's `ДополнительныеСведения`.
   */
  addAdditionalProperty(o: AddPropertyOptions): Rec {
    const ref = o.ref ?? this.newRef();
    const set = o.setRef ? this.find('Catalog_НаборыДополнительныхРеквизитовИСведений', o.setRef) : undefined;
    const setName = set ? String(set['Description']).replace(/^Документ "(.*)"$/, '$1') : '';
    const base = formulaIdentifier(o.title);
    let formulaId = o.formulaId;
    if (formulaId === undefined) {
      const taken = new Set(
        this.rows('ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения').map((p) =>
          String(p['ИдентификаторДляФормул'] ?? '').toUpperCase(),
        ),
      );
      formulaId = base;
      for (let n = 2; taken.has(formulaId.toUpperCase()); n++) formulaId = `${base}${n}`;
    }
    const rec = this.create('ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения', {
      Ref_Key: ref,
      Description: setName ? `${o.title} (${setName})` : o.title,
      Заголовок: o.title,
      Имя: o.name ?? `${base}_${ref.replace(/-/g, '')}`,
      ИдентификаторДляФормул: formulaId,
      НаборСвойств_Key: o.setRef,
      ЭтоДополнительноеСведение: o.information ?? true,
      Доступен: true,
      Виден: true,
      DeletionMark: o.deletionMark ?? false,
    });
    if (set) {
      const table = (o.information ?? true) ? 'ДополнительныеСведения' : 'ДополнительныеРеквизиты';
      const rows = [...((set[table] as Rec[] | undefined) ?? [])].map((x) => ({ ...x }));
      rows.push({ LineNumber: rows.length + 1, Свойство_Key: ref, ПометкаУдаления: false });
      const count = table === 'ДополнительныеСведения' ? 'КоличествоСведений' : 'КоличествоРеквизитов';
      this.modify('Catalog_НаборыДополнительныхРеквизитовИСведений', String(set['Ref_Key']), {
        [table]: rows,
        [count]: String(rows.length),
      });
    }
    return rec;
  }

  /** Names of every property of a set (composite `_Type` included), in output order. */
  properties(setName: string): string[] {
    const info = this.sets.get(setName);
    if (!info) return [];
    if (info.table) return ['Ref_Key', 'LineNumber', ...propertyNames(info.table.fields)];
    return [...propertyNames(info.def.fields), ...info.def.tables.map((t) => t.name)];
  }
}

export function notFound(setName: string): ODataFault {
  const short = setName.replace(/^[A-Za-z]+_/, '');
  return new ODataFault(404, '9', `Экземпляр сущности "${short}" не найден по переданному ключу.`);
}

/** 1C enum ВидыПродукцииИС of a product group (the values БГосИС uses, docs/suz.md). */
const PRODUCT_KINDS: Record<string, string> = { lp: 'ЛегкаяПромышленность', shoes: 'Обувь' };

const TNVED_NAMES: Record<string, string> = {
  '6109100000': 'Майки, фуфайки с рукавами и прочие нательные фуфайки трикотажные, из хлопчатобумажной пряжи',
  '6203423100': 'Брюки и бриджи мужские из денима, из хлопчатобумажной пряжи',
  '6204440000': 'Платья женские из синтетических нитей',
  '6404110000': 'Обувь спортивная с подошвой из резины или пластмассы и верхом из текстильных материалов',
  '6403990000': 'Обувь прочая с верхом из натуральной кожи',
  '3923210000': 'Мешки и пакеты из полимеров этилена',
};
