/**
 * What `cz-map-document` makes of its settings and of a mapping (docs/message-contract.md): the
 * layout fields a node may override (one list with `onec-read`, from the presets), the mapping
 * options, the node's own business place, one message per ЧЗ document, the editor's preview. No
 * Node-RED here: the node passes its message helpers and its typed-input evaluation in.
 */
import { ZnakFlowError } from '../errors';
import { onecOf, setCz, type FlowMessage } from '../message';
import { CATALOG_LAYOUT_FIELDS, DOCUMENT_LAYOUT_FIELDS } from '../onec/presets';
import type { MapOptions, MapResult } from './map';
import type { PlaceOverride } from './place';

/**
 * Layout fields a node may override: the document's and the catalogs' of lib/onec/presets.ts, the
 * same list `onec-read` takes (a layout copied from one node to the other means the same there).
 */
export const LAYOUT_FIELDS: readonly string[] = [...DOCUMENT_LAYOUT_FIELDS, ...CATALOG_LAYOUT_FIELDS];

/** Fields of a layout override that no preset knows. */
export function unknownLayoutFields(layout: Record<string, unknown>): string[] {
  return Object.keys(layout).filter((k) => !LAYOUT_FIELDS.includes(k));
}

/** The node's settings as far as the mapping reads them (checked by the node's settings schema). */
export interface MapNodeSettings {
  documentType: string;
  productGroup: string;
  preset: string;
  kind: string;
  withdrawalReason: string;
  returnType: string;
  remarkingCause: string;
  turnoverType: string;
  aggregates: 'expand' | 'keep';
  numbering: 'same' | 'suffix';
  maxCodes: number;
  groupMapping: ReadonlyArray<{ value: string; pg: string }>;
  layout: Record<string, string>;
  overrides: ReadonlyArray<{ path: string; expr: string }>;
  places: ReadonlyArray<{ warehouse: string; kpp?: string; fiasId?: string }>;
  kpp: string;
  kppType: string;
  fiasId: string;
  fiasIdType: string;
  legacyShipGoods: boolean;
  updGroups: 'refuse' | 'skip';
}

/** Library options from the node's settings: the layout split into document and catalog fields. */
export function mapOptions(s: MapNodeSettings): MapOptions {
  const layout: Record<string, string> = {};
  const catalogs: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.layout)) {
    if ((DOCUMENT_LAYOUT_FIELDS as readonly string[]).includes(k)) layout[k] = v;
    else catalogs[k] = v;
  }
  const groupMapping: Record<string, string> = {};
  for (const row of s.groupMapping) groupMapping[row.value] = row.pg;
  return {
    documentType: s.documentType,
    productGroup: s.productGroup,
    preset: s.preset || undefined,
    kind: s.kind || undefined,
    withdrawalReason: s.withdrawalReason,
    returnType: s.returnType,
    remarkingCause: s.remarkingCause,
    turnoverType: s.turnoverType,
    aggregates: s.aggregates,
    numbering: s.numbering,
    maxCodes: s.maxCodes,
    groupMapping,
    layout,
    catalogs,
    overrides: s.overrides.map((o) => ({ path: o.path, expression: o.expr })),
    places: s.places.map((p) => ({ warehouse: p.warehouse, kpp: p.kpp ?? '', fiasId: p.fiasId ?? '' })),
    legacyShipGoods: s.legacyShipGoods,
    updGroups: s.updGroups,
  };
}

/** A typed value as text ('' for nothing); numbers are taken as their digits. */
function placeText(v: unknown): string {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return '';
}

/**
 * The node's own business place (typed inputs `kpp`, `fiasId`), evaluated for this message; a value
 * that cannot be evaluated is a configuration problem of the node (thrown, reaches a Catch node).
 */
export async function placeOverride(
  s: Pick<MapNodeSettings, 'kpp' | 'kppType' | 'fiasId' | 'fiasIdType'>,
  evaluate: (value: string, type: string) => Promise<unknown>,
): Promise<PlaceOverride | undefined> {
  const out: PlaceOverride = {};
  for (const [field, value, type] of [
    ['kpp', s.kpp, s.kppType],
    ['fiasId', s.fiasId, s.fiasIdType],
  ] as const) {
    if (value.trim() === '') continue;
    let v: unknown;
    try {
      v = await evaluate(value, type);
    } catch (err) {
      throw new ZnakFlowError({
        code: 'CONFIG_INVALID',
        field,
        source: 'config',
        ru: `${field}: значение (${type}) не вычислено: ${err instanceof Error ? err.message : String(err)}`,
        en: `${field}: the value (${type}) could not be evaluated: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
    const text = placeText(v);
    if (text) out[field] = text;
  }
  return out.kpp || out.fiasId ? out : undefined;
}

/** A message as the mapping reads and writes it. */
export type MapMessage = FlowMessage;

/** The message helpers of the runtime: a new parts id, a deep copy of a message. */
export interface MessageTools {
  generateId(): string;
  cloneMessage(m: MapMessage): MapMessage;
}

/**
 * Output messages: one per ЧЗ document (the input message itself when there is one, copies
 * without the payload otherwise, as msg.parts of a split), each with its msg.cz; valid ones and
 * invalid ones (with msg.errors) apart.
 */
export function mappedMessages<M extends MapMessage>(
  msg: M,
  result: MapResult,
  tools: MessageTools,
): { valid: M[]; invalid: M[] } {
  const valid: M[] = [];
  const invalid: M[] = [];
  const docs = result.documents;
  const source = msg['onec'] === undefined ? undefined : onecOf(msg);
  const partsId = docs.length > 1 ? tools.generateId() : '';
  const { payload: _payload, ...rest } = msg;
  docs.forEach((d, index) => {
    const out = (docs.length === 1 ? msg : tools.cloneMessage(rest)) as M;
    out.payload = d.body;
    setCz(out, {
      type: d.type,
      productGroup: d.productGroup,
      documentFormat: 'MANUAL',
      source: docs.length === 1 || out['onec'] === undefined ? source : onecOf(out),
      key: d.key,
      part: d.part,
      parts: d.parts,
      /**
       * how many ЧЗ documents this 1C document version became (cz-send and onec-write use it): these,
       * and one УПД per group left to the УПД route
       */
      total: docs.length + result.elsewhere,
      codes: d.codes,
    });
    if (docs.length > 1) {
      const outer = msg.parts;
      out.parts = {
        id: partsId,
        index,
        count: docs.length,
        type: 'array',
        len: 1,
        ...(outer ? { parts: outer } : {}),
      };
    }
    if (d.errors.length > 0) {
      (out as MapMessage)['errors'] = d.errors;
      invalid.push(out);
    } else {
      delete (out as MapMessage)['errors'];
      valid.push(out);
    }
  });
  return { valid, invalid };
}

/** A short preview for the editor: the mapped documents with their lists cut to a few items. */
export function previewOf(result: MapResult, keep = 3): Record<string, unknown> {
  return {
    valid: result.valid,
    documents: result.documents.map((d) => {
      const body: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(d.body)) {
        body[k] = Array.isArray(v) && v.length > keep ? [...v.slice(0, keep), `… +${v.length - keep}`] : v;
      }
      return {
        type: d.type,
        productGroup: d.productGroup,
        part: d.part,
        parts: d.parts,
        key: d.key,
        codes: d.codes,
        errors: d.errors,
        payload: body,
      };
    }),
  };
}
