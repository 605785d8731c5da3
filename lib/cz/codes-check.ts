/**
 * Checking marking codes in Честный ЗНАК: `cises/info` («Описание True API» v553 §7.1) for a list of
 * codes, with how many are known (cz-status, codes mode).
 */
import type { CisInfoItem } from './schemas';
import type { CzClient } from './client';

export interface CodesCheck {
  /** one item per code asked, in order (unknown codes with `errorCode`) */
  items: CisInfoItem[];
  total: number;
  found: number;
  notFound: number;
}

export async function checkCodes(
  client: Pick<CzClient, 'cisesInfo'>,
  codes: readonly string[],
  productGroup?: string,
): Promise<CodesCheck> {
  const items = await client.cisesInfo(codes, { pg: productGroup });
  const found = items.filter((i) => i.cisInfo && !i.errorCode).length;
  return { items, total: items.length, found, notFound: items.length - found };
}
