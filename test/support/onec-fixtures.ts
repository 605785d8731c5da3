/**
 * Test support: a DemoDocument of the shared demo world turned into what `onec-read` produces
 * (docs/message-contract.md): the OData object with its references expanded the way `$expand` embeds
 * them, and `msg.onec` with the flat list of codes (leaves of aggregates included).
 * Field names come from the УТ 11 preset layouts, as a real УТ 11 base names them.
 */
import type {
  DemoDocument,
  DemoWorld,
  DemoParticipant,
  DemoItem,
  DemoWarehouse,
} from '../../lib/emulators/demo-data';
import type { OnecCode, OnecMeta } from '../../lib/message';

export const ENTITY: Record<DemoDocument['kind'], string> = {
  sale: 'Document_РеализацияТоваровУслуг',
  purchase: 'Document_ПриобретениеТоваровУслуг',
  marking: 'Document_МаркировкаТоваровИСМП',
  writeOff: 'Document_СписаниеНедостачТоваров',
  supplierReturn: 'Document_ВозвратТоваровПоставщику',
  intercompany: 'Document_ПередачаТоваровМеждуОрганизациями',
};
export const KIND: Record<DemoDocument['kind'], string> = {
  sale: 'sales',
  purchase: 'purchases',
  marking: 'marking',
  writeOff: 'writeOff',
  supplierReturn: 'supplierReturns',
  intercompany: 'intercompany',
};

type Rec = Record<string, unknown>;

function partyObject(p: DemoParticipant): Rec {
  return { Ref_Key: p.ref, Description: p.name, НаименованиеПолное: p.fullName, ИНН: p.inn, КПП: p.kpp };
}

const KIND_REF = '3f1c2a9e-0b1d-4c55-a001-00000000000a';
const ADDRESS_KIND_REF = '3f1c2a9e-0b1d-4c55-a001-00000000000b';

/** A warehouse as 1C gives it: its address in КонтактнаяИнформация (Тип = Адрес, JSON Значение). */
export function warehouseObject(wh: DemoWarehouse): Rec {
  return {
    Ref_Key: wh.ref,
    Description: wh.name,
    ТипСклада: wh.type,
    КонтактнаяИнформация: [
      {
        Ref_Key: wh.ref,
        LineNumber: '1',
        Тип: 'Адрес',
        Вид_Key: ADDRESS_KIND_REF,
        Представление: String(wh.address['value'] ?? ''),
        ЗначенияПолей: '',
        Значение: JSON.stringify(wh.address),
      },
    ],
  };
}

function itemObject(it: DemoItem): Rec {
  return {
    Ref_Key: it.ref,
    Description: it.name,
    Артикул: it.article,
    ОсобенностьУчета: it.accounting,
    ВидНоменклатуры_Key: KIND_REF,
    ВидНоменклатуры: { Ref_Key: KIND_REF, Description: 'Товары', ОсобенностьУчета: '' },
    КодТНВЭД_Key: `tn-${it.tnved}`,
    КодТНВЭД: { Ref_Key: `tn-${it.tnved}`, Code: it.tnved, Description: `ТН ВЭД ${it.tnved}` },
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export interface OnecMessage {
  payload: Rec;
  onec: OnecMeta;
}

/** The msg (payload + onec) onec-read would give for this demo document. */
export function onecMessage(world: DemoWorld, doc: DemoDocument, dataVersion = 'AAAAAAAAAAE='): OnecMessage {
  const org = world.organisation;
  const cp =
    [org, ...world.counterparties, ...(world.affiliates ?? [])].find((p) => p.ref === doc.counterpartyRef) ??
    org;
  const items = new Map(world.items.map((i) => [i.ref, i]));
  const codes: OnecCode[] = [];
  const codeByRef = new Map(world.codes.map((c) => [c.ref, c]));
  const boxByRef = new Map(world.boxes.map((b) => [b.ref, b]));

  const codeObject = (ref: string, level: number, parentRef?: string): Rec => {
    const box = boxByRef.get(ref);
    if (box) {
      const first = codeByRef.get(box.codeRefs[0] ?? '');
      codes.push({
        value: box.sscc,
        ref: box.ref,
        itemRef: first?.itemRef ?? '',
        packageType: 'МонотоварнаяУпаковка',
        level,
        ...(parentRef ? { parentRef } : {}),
      });
      return {
        Ref_Key: box.ref,
        ЗначениеШтрихкода: box.sscc,
        ТипУпаковки: 'МонотоварнаяУпаковка',
        ТипШтрихкода: 'SSCC',
        Номенклатура_Key: first?.itemRef ?? '',
        ВложенныеШтрихкоды: box.codeRefs.map((r, i) => ({
          Ref_Key: box.ref,
          LineNumber: String(i + 1),
          Штрихкод_Key: r,
          Штрихкод: codeObject(r, level + 1, box.ref),
        })),
      };
    }
    const c = codeByRef.get(ref);
    if (!c) throw new Error(`demo code ${ref} not found`);
    codes.push({
      value: c.stored,
      ref: c.ref,
      itemRef: c.itemRef,
      packageType: 'МаркированныйТовар',
      level,
      ...(parentRef ? { parentRef } : {}),
    });
    return {
      Ref_Key: c.ref,
      ЗначениеШтрихкода: c.stored,
      ТипУпаковки: 'МаркированныйТовар',
      ТипШтрихкода: 'GS1_DataMatrix',
      Номенклатура_Key: c.itemRef,
      ВложенныеШтрихкоды: [],
    };
  };

  const rows = doc.rows.map((r, i) => {
    const it = items.get(r.itemRef);
    const sum = round2(r.price * r.quantity);
    const vat =
      it?.vatRate === 'НДС20'
        ? round2((sum * 20) / 120)
        : it?.vatRate === 'НДС10'
          ? round2((sum * 10) / 110)
          : 0;
    return {
      Ref_Key: doc.ref,
      LineNumber: String(i + 1),
      Номенклатура_Key: r.itemRef,
      Количество: r.quantity,
      Цена: r.price,
      Сумма: sum,
      СуммаНДС: vat,
      СуммаСНДС: sum,
      СтавкаНДС: it?.vatRate ?? 'БезНДС',
      ...(it ? { Номенклатура: itemObject(it) } : {}),
    };
  });
  const packages = doc.packageRefs.map((ref, i) => ({
    Ref_Key: doc.ref,
    LineNumber: String(i + 1),
    ШтрихкодУпаковки_Key: ref,
    ШтрихкодУпаковки: codeObject(ref, 0),
  }));
  const payload: Rec = {
    Ref_Key: doc.ref,
    DataVersion: dataVersion,
    Number: doc.number,
    Date: doc.date,
    Posted: doc.posted,
    DeletionMark: doc.deletionMark,
    Организация_Key: org.ref,
    Организация: partyObject(org),
    ЦенаВключаетНДС: true,
    Комментарий: doc.comment,
    Товары: rows,
    ШтрихкодыУпаковок: packages,
  };
  const wh = world.warehouses?.[0];
  if (doc.kind !== 'marking' && wh) {
    payload['Склад_Key'] = wh.ref;
    payload['Склад'] = warehouseObject(wh);
  }
  if (doc.kind === 'intercompany') {
    payload['ОрганизацияПолучатель_Key'] = cp.ref;
    payload['ОрганизацияПолучатель'] = partyObject(cp);
  } else if (doc.kind !== 'marking') {
    payload['Контрагент_Key'] = cp.ref;
    payload['Контрагент'] = partyObject(cp);
  } else {
    payload['ДатаПроизводства'] = doc.date;
    payload['ВидПродукции'] = 'ЛегкаяПромышленность';
  }
  return {
    payload,
    onec: {
      entity: ENTITY[doc.kind],
      ref: doc.ref,
      dataVersion,
      number: doc.number,
      date: doc.date,
      preset: 'ut11',
      kind: KIND[doc.kind],
      codes,
    },
  };
}

/**
 * A synthetic sale with `n` codes of one item (for large-document tests and the benchmark). Like the
 * demo world, every third code is stored in 1C as the full GS1 text with GS and its crypto tail.
 */
export function bigSale(world: DemoWorld, n: number, itemIndex = 0): OnecMessage {
  const item = world.items[itemIndex] as DemoItem;
  const base = onecMessage(world, world.documents[0] as DemoDocument);
  const codes: OnecCode[] = [];
  const packages: Rec[] = [];
  const gtin = item.gtin;
  for (let i = 0; i < n; i++) {
    const serial = `5${i.toString(36).padStart(12, '0')}`;
    const cis = `01${gtin}21${serial}`;
    const value =
      i % 3 === 0 ? `${cis}\u001d91${serial.slice(-4)}\u001d92${serial.repeat(4).slice(0, 44)}` : cis;
    const ref = `c-${i}`;
    codes.push({ value, ref, itemRef: item.ref, packageType: 'МаркированныйТовар', level: 0 });
    packages.push({
      LineNumber: String(i + 1),
      ШтрихкодУпаковки_Key: ref,
      ШтрихкодУпаковки: { Ref_Key: ref, ЗначениеШтрихкода: value, ТипУпаковки: 'МаркированныйТовар' },
    });
  }
  const sum = round2(item.price * n);
  const payload: Rec = {
    ...base.payload,
    Ref_Key: `big-${n}`,
    Number: `ДМ00-9${String(n).padStart(5, '0')}`,
    Товары: [
      {
        LineNumber: '1',
        Номенклатура_Key: item.ref,
        Количество: n,
        Цена: item.price,
        Сумма: sum,
        СуммаНДС: round2((sum * 20) / 120),
        СуммаСНДС: sum,
        Номенклатура: itemObject(item),
      },
    ],
    ШтрихкодыУпаковок: packages,
  };
  return { payload, onec: { ...base.onec, ref: `big-${n}`, number: payload['Number'] as string, codes } };
}
