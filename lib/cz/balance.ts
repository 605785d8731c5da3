/**
 * The personal-account balance («Описание True API» v553 §8) of all product groups or of one, named
 * by its code (`lp`, `milk` …) or by its numeric id («Код в БД»), with the total in roubles
 * (cz-status, balance mode).
 */
import { ZnakFlowError } from '../errors';
import { gauge } from '../metrics';
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

/**
 * Low-balance thresholds in roubles by product group code (`lp`), by numeric id (`1`) or `*` for every
 * group without a threshold of its own (cz-status, balance mode).
 */
export type Thresholds = Record<string, number>;

function thresholdError(ru: string, en: string): ZnakFlowError {
  return new ZnakFlowError({ code: 'BAD_THRESHOLD', field: 'thresholds', ru, en, source: 'input' });
}

function roublesOf(v: unknown, group: string): number {
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && v.trim() ? Number(v.trim().replace(',', '.')) : NaN;
  if (!Number.isFinite(n) || n < 0) {
    throw thresholdError(
      `порог «${group}»: нужна сумма в рублях не меньше 0, а не «${String(v)}»`,
      `threshold "${group}": a sum in roubles of 0 or more is needed, not "${String(v)}"`,
    );
  }
  return n;
}

function groupKey(g: string): string {
  const k = g.trim();
  if (k === '*' || /^\d{1,9}$/.test(k) || pgInfo(k)) return k;
  throw thresholdError(
    `порог: неизвестная товарная группа «${k}»`,
    `threshold: unknown product group "${k}"`,
  );
}

/**
 * Thresholds as the node's field or a message gives them: empty (none), a number (every group), text
 * `lp=5000, milk=2000; *=1000` (`:` also separates; one pair a line works too) or an object
 * `{ "lp": 5000, "*": 1000 }`.
 */
export function parseThresholds(v: unknown): Thresholds {
  if (v === undefined || v === null || v === '') return {};
  if (typeof v === 'number') return { '*': roublesOf(v, '*') };
  if (typeof v === 'object' && !Array.isArray(v)) {
    const out: Thresholds = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[groupKey(k)] = roublesOf(x, k);
    return out;
  }
  if (typeof v !== 'string') {
    throw thresholdError(
      'порог: нужны пары «группа=рубли» или число',
      'thresholds: pairs "group=roubles" or a number are needed',
    );
  }
  const text = v.trim();
  if (!text) return {};
  if (/^\d+([.,]\d+)?$/.test(text)) return { '*': roublesOf(text, '*') };
  const out: Thresholds = {};
  for (const pair of text.split(/[\r\n;]+|,(?!\d)/)) {
    if (!pair.trim()) continue;
    const m = /^\s*([^=:\s]+)\s*[=:]\s*(\S+)\s*$/.exec(pair);
    if (!m) {
      throw thresholdError(
        `порог: «${pair.trim()}» — нужно «группа=рубли», например lp=5000`,
        `threshold: "${pair.trim()}" — "group=roubles" is needed, e.g. lp=5000`,
      );
    }
    out[groupKey(m[1] as string)] = roublesOf(m[2], m[1] as string);
  }
  return out;
}

/** A product group whose balance is below its threshold. */
export interface LowBalance {
  productGroup: string;
  productGroupId: number | string;
  roubles: number;
  threshold: number;
}

/** The accounts below their thresholds (a group without an account, no balance, is not checked). */
export function lowBalances(entries: readonly BalanceEntry[], thresholds: Thresholds): LowBalance[] {
  const out: LowBalance[] = [];
  for (const e of entries) {
    if (e.balanceRoubles === undefined) continue;
    const code = e.productGroup ?? String(e.productGroupId);
    const threshold = thresholds[code] ?? thresholds[String(e.productGroupId)] ?? thresholds['*'];
    if (threshold === undefined || !(e.balanceRoubles < threshold)) continue;
    out.push({ productGroup: code, productGroupId: e.productGroupId, roubles: e.balanceRoubles, threshold });
  }
  return out;
}

/** `znakflow_balance_roubles{participant,productGroup}`: the balance as last read. */
export function recordBalance(participantInn: string, entries: readonly BalanceEntry[]): void {
  for (const e of entries) {
    if (e.balanceRoubles === undefined) continue;
    gauge(
      'balance',
      { participant: participantInn, productGroup: e.productGroup ?? String(e.productGroupId) },
      e.balanceRoubles,
    );
  }
}
