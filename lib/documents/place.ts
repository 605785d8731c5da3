/**
 * The business place (МОД, «место осуществления деятельности») of a withdrawal (`LK_RECEIPT`):
 * `kpp` and `fias_id`, when True API requires them, their formats, and where 1C keeps them.
 *
 * Sources:
 * - CRPT «Planned True API changes» v552.0 (29.05.2026), «Mandatory business place indication for
 *   withdrawal from circulation for certain goods groups»: for perfumery, toys, lp, shoes, gadgets,
 *   construction and tires "providing business place details will be required in the `kpp` … and
 *   `fias_id` … parameters if the `action` parameter has one of: DISTANCE, BY_SAMPLES, VENDING,
 *   RETAIL" (clothes and linens — lp — already since True API v651.0 of 20.04.2026).
 * - CRPT «Описание True API» v553 §LK_RECEIPT (4.1.8): tobacco, otp, ncp — `fias_id` for RETAIL,
 *   DESTRUCTION, CONFISCATION, OTHER, UTILIZATION, RECALL, LOSS and, for an individual entrepreneur,
 *   EAS_TRADE and BEYOND_EEC_EXPORT; `kpp` for EAS_TRADE and BEYOND_EEC_EXPORT. Alcohol and beer:
 *   both for every action except STATE_CONTRACT. Elsewhere both may be given and are optional.
 *   `kpp` — "Только для юридических лиц … Формат: 9 цифр"; `fias_id` — a UUID. "Если заполнено,
 *   осуществляется поиск уникального МОД среди зарегистрированных МОД участника … При отсутствии
 *   такого МОД документ будет обработан с ошибкой."
 * - Where 1C keeps it: the address of the warehouse (Розница: the store) in its tabular section
 *   `КонтактнаяИнформация`, row `Тип = Адрес`, JSON `Значение` (БСП 3.x, version 4); 1C's own
 *   exchange with ГИС МТ (ИнтеграцияИСМП.ИдентификаторФИАСПоДаннымАдреса, 1С:УТ 11.5) sends the
 *   house id (`houseId`) when filled, else the id of the address object (`id`); the КПП is the
 *   organisation's (Catalog_Организации.КПП). See docs in README («Business place»).
 */
import { isEmptyRef } from '../onec/query';
import { navName } from '../onec/presets';

type Rec = Record<string, unknown>;

/** What a (group, action) pair requires: `kpp` only ever of a legal entity (10-digit INN). */
export interface PlaceRequirement {
  kpp: boolean;
  fias: boolean;
}

/** A rule of the table: groups, actions, and what they require. */
export interface PlaceRule {
  groups: readonly string[];
  actions: readonly string[] | 'all-but-state-contract';
  kpp: boolean;
  fias: boolean;
  /** only for an individual entrepreneur (12-digit INN) */
  ipOnly?: boolean;
  /** where the rule is published */
  source: string;
}

const MOD_2026 = ['lp', 'shoes', 'perfumery', 'toys', 'gadgets', 'construction', 'tires'] as const;
const TOBACCO = ['tobacco', 'otp', 'ncp'] as const;

/** The table (read together: a pair is required when any rule requiring it matches). */
export const PLACE_RULES: readonly PlaceRule[] = [
  {
    groups: MOD_2026,
    actions: ['RETAIL', 'DISTANCE', 'BY_SAMPLES', 'VENDING'],
    kpp: true,
    fias: true,
    source: '«Planned True API changes» v552.0; lp since True API v651.0',
  },
  {
    groups: TOBACCO,
    actions: ['RETAIL', 'DESTRUCTION', 'CONFISCATION', 'OTHER', 'UTILIZATION', 'RECALL', 'LOSS'],
    kpp: false,
    fias: true,
    source: '«Описание True API» v553 §LK_RECEIPT',
  },
  {
    groups: TOBACCO,
    actions: ['EAS_TRADE', 'BEYOND_EEC_EXPORT'],
    kpp: true,
    fias: false,
    source: '«Описание True API» v553 §LK_RECEIPT',
  },
  {
    groups: TOBACCO,
    actions: ['EAS_TRADE', 'BEYOND_EEC_EXPORT'],
    kpp: false,
    fias: true,
    ipOnly: true,
    source: '«Описание True API» v553 §LK_RECEIPT',
  },
  {
    groups: ['alcohol', 'beer'],
    actions: 'all-but-state-contract',
    kpp: true,
    fias: true,
    source: '«Описание True API» v553 §LK_RECEIPT',
  },
];

/** An individual entrepreneur: a 12-digit INN (a legal entity has 10). */
export function isIndividual(inn: unknown): boolean {
  return typeof inn === 'string' && /^\d{12}$/.test(inn.trim());
}

/** Which of `kpp` / `fias_id` a withdrawal of this group, action and participant must carry. */
export function placeRequirement(pg: string | undefined, action: string, inn: unknown): PlaceRequirement {
  const out: PlaceRequirement = { kpp: false, fias: false };
  if (!pg) return out;
  const ip = isIndividual(inn);
  for (const r of PLACE_RULES) {
    if (!r.groups.includes(pg)) continue;
    if (r.ipOnly && !ip) continue;
    const hit =
      r.actions === 'all-but-state-contract' ? action !== 'STATE_CONTRACT' : r.actions.includes(action);
    if (!hit) continue;
    if (r.kpp) out.kpp = true;
    if (r.fias) out.fias = true;
  }
  // "Только для юридических лиц": an individual entrepreneur has no КПП
  if (ip) out.kpp = false;
  return out;
}

/** Canonical UUID 8-4-4-4-12 (the form True API prints for `fias_id`). */
export const FIAS_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function s(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

/** The FIAS id of an address kept by БСП, and which key of the JSON gave it. */
export interface AddressFias {
  fiasId: string;
  /** `houseId`, `id`, or '' (no id: typed without the classifier, or an XML-only row) */
  from: 'houseId' | 'id' | '';
  /** the address as 1C shows it */
  text: string;
}

/**
 * The FIAS id of a БСП contact-information value: JSON (`{…}`, БСП 3.x) → `houseId`, else `id`
 * (the way ИнтеграцияИСМП.ИдентификаторФИАСПоДаннымАдреса picks ИдентификаторДома, else
 * ИдентификаторАдресногоОбъекта). Legacy XML (`<…>`) carries no ids: nothing.
 */
export function fiasOfAddress(value: unknown, presentation = ''): AddressFias {
  const raw = typeof value === 'string' ? value.trim() : '';
  let obj: Rec | undefined;
  if (isRec(value)) obj = value;
  else if (raw.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (isRec(parsed)) obj = parsed;
    } catch {
      obj = undefined;
    }
  }
  const text = s(obj?.['value']) || presentation;
  if (!obj) return { fiasId: '', from: '', text };
  const house = s(obj['houseId']);
  if (house && !isEmptyRef(house)) return { fiasId: house, from: 'houseId', text };
  const id = s(obj['id']);
  if (id && !isEmptyRef(id)) return { fiasId: id, from: 'id', text };
  return { fiasId: '', from: '', text };
}

/** The warehouse (store) of a 1C document and what its address gives. */
export interface SourcePlace {
  /** Ref_Key of the warehouse ('' when the document names none) */
  ref: string;
  /** the reference field it was read from, e.g. `Склад_Key` */
  field: string;
  /** the warehouse object was embedded (read with its reference expanded) */
  expanded: boolean;
  name: string;
  /** an address row (Тип = Адрес) was found */
  hasAddress: boolean;
  address: AddressFias;
}

/**
 * Read the place of a document: the warehouse reference of the header (`Склад_Key`, Розница
 * `Магазин_Key`), else of the first goods row that has one; its embedded object's
 * `КонтактнаяИнформация` row with `Тип = Адрес` (the first one, preferring a row whose JSON has an id).
 */
export function readPlace(header: Rec, field: string, goodsTable: string, contactTable: string): SourcePlace {
  const empty: SourcePlace = {
    ref: '',
    field,
    expanded: false,
    name: '',
    hasAddress: false,
    address: { fiasId: '', from: '', text: '' },
  };
  if (!field) return empty;
  const nav = navName(field);
  let ref = s(header[field]);
  let obj: unknown = header[nav];
  if (!ref || isEmptyRef(ref)) {
    ref = '';
    obj = undefined;
    const rows = Array.isArray(header[goodsTable]) ? (header[goodsTable] as unknown[]) : [];
    for (const row of rows) {
      if (!isRec(row)) continue;
      const r = s(row[field]);
      if (r && !isEmptyRef(r)) {
        ref = r;
        obj = row[nav];
        break;
      }
    }
  }
  if (!ref) return empty;
  if (!isRec(obj)) return { ...empty, ref };
  const rows = Array.isArray(obj[contactTable]) ? (obj[contactTable] as unknown[]) : [];
  let best: AddressFias | undefined;
  let hasAddress = false;
  for (const row of rows) {
    if (!isRec(row) || s(row['Тип']) !== 'Адрес') continue;
    hasAddress = true;
    const a = fiasOfAddress(row['Значение'], s(row['Представление']));
    if (!best || (!best.fiasId && a.fiasId)) best = a;
  }
  return {
    ref: ref.toLowerCase(),
    field,
    expanded: true,
    name: s(obj['Description']),
    hasAddress,
    address: best ?? { fiasId: '', from: '', text: '' },
  };
}

/** A row of the node's table: a warehouse (Ref_Key or name) pinned to its МОД. */
export interface PinnedPlace {
  warehouse: string;
  kpp?: string;
  fiasId?: string;
}

/** The pinned row of a warehouse: matched by Ref_Key (any case) or by its name. */
export function pinnedFor(
  place: SourcePlace,
  pinned: readonly PinnedPlace[] | undefined,
): PinnedPlace | undefined {
  if (!pinned || !place.ref) return undefined;
  const ref = place.ref.toLowerCase();
  const name = place.name.toLowerCase();
  return pinned.find((p) => {
    const w = s(p.warehouse).toLowerCase();
    return w !== '' && (w === ref || (name !== '' && w === name));
  });
}

/** Values given by the node (typed inputs): they win over the table and over 1C. */
export interface PlaceOverride {
  kpp?: string;
  fiasId?: string;
}

/** The business place a withdrawal gets, and where each value came from. */
export interface ChosenPlace {
  kpp: string;
  kppFrom: 'override' | 'pinned' | 'organisation' | '';
  fiasId: string;
  fiasFrom: 'override' | 'pinned' | 'houseId' | 'id' | '';
}

/** Node override, else the warehouse's row of the node's table, else 1C (address, organisation КПП). */
export function choosePlace(
  place: SourcePlace,
  organisationKpp: string,
  pinned?: readonly PinnedPlace[],
  override?: PlaceOverride,
): ChosenPlace {
  const pin = pinnedFor(place, pinned);
  const out: ChosenPlace = { kpp: '', kppFrom: '', fiasId: '', fiasFrom: '' };
  const ok = s(override?.kpp);
  const pk = s(pin?.kpp);
  if (ok) Object.assign(out, { kpp: ok, kppFrom: 'override' });
  else if (pk) Object.assign(out, { kpp: pk, kppFrom: 'pinned' });
  else if (organisationKpp) Object.assign(out, { kpp: organisationKpp, kppFrom: 'organisation' });
  const of = s(override?.fiasId);
  const pf = s(pin?.fiasId);
  if (of) Object.assign(out, { fiasId: of, fiasFrom: 'override' });
  else if (pf) Object.assign(out, { fiasId: pf, fiasFrom: 'pinned' });
  else if (place.address.fiasId)
    Object.assign(out, { fiasId: place.address.fiasId, fiasFrom: place.address.from });
  return out;
}
