/**
 * Marking codes into 1C's codes catalog, `Catalog_ШтрихкодыУпаковокТоваров` («Штрихкоды упаковок и
 * товаров», the БГосИС library object of УТ 11, ERP and БП; docs/onec.md): one entry per unit code,
 * found by its value before anything is created, so that writing the same codes again (a block
 * delivered again after a restart, an УПД signed again) creates nothing twice.
 *
 * A new entry: `ЗначениеШтрихкода` the code as given (the full code with GS and the crypto tail, as a
 * scanner reads the printed DataMatrix, or the short code), `ТипУпаковки` = `МаркированныйТовар`,
 * `ТипШтрихкода` = `GS1_DataMatrix`, `Количество` 1, the item (`Номенклатура_Key`) when known — from
 * the GTIN through `InformationRegister_ШтрихкодыНоменклатуры` (dimension `Штрихкод`, resource
 * `Номенклатура_Key`). ⚠ The hash attributes (`ХешСумма`, `ХешСуммаЗначенияШтрихкода`) are left to 1C's
 * own object module, which computes them on write; entries are found here by their value.
 */
import type { OnecClient } from './client';

export const CODES_CATALOG = 'Catalog_ШтрихкодыУпаковокТоваров';
export const ITEM_BARCODES = 'InformationRegister_ШтрихкодыНоменклатуры';

/** Where the codes go (the preset's catalog layout). */
export interface CodesCatalog {
  entity: string;
  value: string;
  packageType?: string;
  item?: string;
}

export const DEFAULT_CODES_CATALOG: CodesCatalog = {
  entity: CODES_CATALOG,
  value: 'ЗначениеШтрихкода',
  packageType: 'ТипУпаковки',
  item: 'Номенклатура_Key',
};

/** The short code (КИ: `01`+GTIN+`21`+serial) of a code as 1C or СУЗ give it: no brackets, nothing after GS. */
export function shortCode(value: string): string {
  return value.replace(/[()]/g, '').split('\u001d')[0] as string;
}

/** The GTIN of a code, '' when it has none. */
export function gtinOfCode(code: string): string {
  return /^01(\d{14})/.exec(shortCode(code))?.[1] ?? '';
}

export interface CodesWrite {
  /** the catalog entries of the codes, in their order */
  refs: string[];
  created: number;
  present: number;
}

/**
 * The catalog entry of every code: found by its value (the short code, whatever form 1C keeps it in;
 * one look-up for all of them, in as few requests as the URL budget allows), else created. `itemOf`
 * names the item of a GTIN.
 */
export async function ensureCodeEntries(
  client: OnecClient,
  codes: readonly string[],
  itemOf: (gtin: string) => string | undefined,
  c: CodesCatalog = DEFAULT_CODES_CATALOG,
): Promise<CodesWrite> {
  const known = new Map<string, string>();
  const kis = [...new Set(codes.map(shortCode))];
  if (kis.length > 0) {
    const rows = await client.findAll(c.entity, kis, {
      field: c.value,
      type: 'string',
      op: 'startswith',
      select: ['Ref_Key', c.value],
    });
    const wanted = new Set(kis);
    for (const o of rows) {
      const ki = shortCode(String(o[c.value] ?? ''));
      if (wanted.has(ki) && !known.has(ki)) known.set(ki, String(o['Ref_Key']));
    }
  }
  const refs: string[] = [];
  let created = 0;
  let present = 0;
  for (const code of codes) {
    const ki = shortCode(code);
    let ref = known.get(ki) ?? '';
    if (ref) present++;
    else {
      const item = itemOf(gtinOfCode(code));
      const made = await client.create(c.entity, {
        [c.value]: code,
        ...(c.packageType ? { [c.packageType]: 'МаркированныйТовар' } : {}),
        ТипШтрихкода: 'GS1_DataMatrix',
        ...(c.item && item ? { [c.item]: item } : {}),
        Количество: 1,
      });
      ref = String(made?.['Ref_Key'] ?? '');
      created++;
      if (ref) known.set(ki, ref);
    }
    if (ref) refs.push(ref);
  }
  return { refs, created, present };
}

/**
 * The items of GTINs from the item barcodes register (`Штрихкод` as 1C keeps an EAN-13: the GTIN
 * without its leading zero, or all 14 digits); a GTIN not there has no item.
 */
export async function itemsByGtin(
  client: OnecClient,
  gtins: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const gtin of new Set(gtins)) {
    if (!gtin) continue;
    const forms = gtin.startsWith('0') ? [gtin.slice(1), gtin] : [gtin];
    for (const form of forms) {
      const row = (
        await client.list(ITEM_BARCODES, {
          filter: { field: 'Штрихкод', op: 'eq', value: form, type: 'string' },
          select: ['Штрихкод', 'Номенклатура_Key'],
          top: 1,
        })
      ).value[0];
      const item = String(row?.['Номенклатура_Key'] ?? '');
      if (item && !/^0{8}-/.test(item)) {
        out.set(gtin, item);
        break;
      }
    }
  }
  return out;
}

/** Emitted codes (a block of СУЗ) into the codes catalog, each with the item of its GTIN. */
export async function writeEmittedCodes(client: OnecClient, codes: readonly string[]): Promise<CodesWrite> {
  const items = await itemsByGtin(client, codes.map(gtinOfCode));
  return ensureCodeEntries(client, codes, (g) => items.get(g));
}
