/**
 * The personal-account balance («Описание True API» v553 §8) of all product groups or of one, named
 * by its code (`lp`, `milk` …) or by its numeric id («Код в БД»), with the total in roubles
 * (cz-status, balance mode).
 */
import { ZnakFlowError } from '../errors';
import type { BalanceEntry, CzClient } from './client';
import { productGroup as pgInfo } from './product-groups';

export interface Balance {
  entries: BalanceEntry[];
  /** the sum of the entries, in roubles, rounded to kopecks */
  roubles: number;
  /** the unrounded sum */
  total: number;
}

/** The numeric id of a product group (a code or the id itself); undefined for all groups. */
export function productGroupId(productGroup: string | undefined): number | undefined {
  if (!productGroup) return undefined;
  // a group's numeric id («Код в БД»): also for a group newer than the pack's catalogue
  if (/^\d{1,9}$/.test(productGroup.trim())) return Number(productGroup.trim());
  const g = pgInfo(productGroup);
  if (!g || g.id === null) {
    throw new ZnakFlowError({
      code: 'UNKNOWN_PRODUCT_GROUP',
      field: 'productGroup',
      ru: `неизвестная товарная группа «${productGroup}»`,
      en: `unknown product group "${productGroup}"`,
      source: 'input',
    });
  }
  return g.id;
}

export async function balanceOf(client: Pick<CzClient, 'balance'>, productGroup?: string): Promise<Balance> {
  const entries = await client.balance(productGroupId(productGroup));
  const total = entries.reduce((s, e) => s + (e.balanceRoubles ?? 0), 0);
  return { entries, total, roubles: Math.round(total * 100) / 100 };
}
