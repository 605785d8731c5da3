/**
 * Reading documents ready for the next node: fetched in batches with their header references
 * expanded by 1C, everything else resolved by {@link resolveDocuments}, and the `msg.onec`
 * description of each (docs/message-contract.md).
 */
import { ZnakFlowError } from '../errors';
import type { OnecClient } from './client';
import type { ResolvedLayout } from './presets';
import { navName } from './presets';
import type { OnecCode, OnecItem, OnecMeta } from '../message';
import { resolveDocuments, type ResolveOutcome } from './resolve';
import type { ODataObject } from './schemas';

export type { OnecMeta } from '../message';

export function onecMeta(
  entity: string,
  payload: ODataObject,
  layout?: ResolvedLayout,
  codes: OnecCode[] = [],
  warnings: string[] = [],
  items?: Record<string, OnecItem>,
): OnecMeta {
  const meta: OnecMeta = {
    entity,
    ref: String(payload['Ref_Key'] ?? ''),
    dataVersion: String(payload['DataVersion'] ?? ''),
    number: String(payload['Number'] ?? payload['Code'] ?? ''),
    date: String(payload['Date'] ?? ''),
    codes,
  };
  if (layout) {
    meta.preset = layout.preset;
    if (layout.kind) meta.kind = layout.kind;
  }
  if (items && Object.keys(items).length > 0) meta.items = items;
  if (warnings.length > 0) meta.warnings = warnings;
  return meta;
}

/** Header reference fields of a layout that 1C can `$expand` in a collection request. */
export function headerExpand(layout: ResolvedLayout): string[] {
  return [layout.document.organisation, layout.document.counterparty, layout.document.warehouse]
    .filter((f) => f && f.endsWith('_Key'))
    .map((f) => navName(f));
}

/**
 * Fetch documents by Ref_Key (batched, header references expanded) and resolve their
 * references. Outcomes come in the order of `refs`; refs 1C no longer has are left out.
 */
export async function readDocuments(
  client: OnecClient,
  entity: string,
  refs: string[],
  layout: ResolvedLayout,
  opts: { codes?: boolean } = {},
): Promise<ResolveOutcome[]> {
  let found: Map<string, ODataObject>;
  try {
    found = await client.getMany(entity, refs, { expand: headerExpand(layout) });
  } catch (err) {
    // A base that refuses the expansion (renamed fields): resolve the header separately.
    if (!(err instanceof ZnakFlowError) || err.code !== 'ONEC_BAD_REQUEST') throw err;
    found = await client.getMany(entity, refs);
  }
  const docs = refs.map((r) => found.get(r.toLowerCase())).filter((d): d is ODataObject => !!d);
  return resolveDocuments(client, docs, layout, opts);
}
