import { z } from 'zod';
import { PRODUCT_GROUP_CODES } from '../../lib/cz/product-groups';
import {
  REMARKING_CAUSES,
  RETURN_TYPES,
  SUPPORTED_TYPES,
  TURNOVER_TYPES,
  WITHDRAWAL_REASONS,
  type CompileExpression,
  type MapOptions,
  type MapResult,
  type PlaceOverride,
} from '../../lib/documents';
import { ZnakFlowError } from '../../lib/errors';
import { onecOf, setCz } from '../../lib/message';
import { bi } from '../../lib/validation';
import type { NodeTypeSpec } from '../shared/register';
import { fillDefaults, migrate, type Migration } from '../shared/migrate';
import type { NodeAPI, NodeMessage, RuntimeNode } from '../shared/types';

/** The node's config defaults: the runtime, the migrations and the editor dialog all read these. */
export const CZ_MAP_DEFAULTS = {
  name: '',
  documentType: 'auto',
  productGroup: '',
  preset: '',
  kind: '',
  withdrawalReason: 'auto',
  returnType: 'RETAIL_RETURN',
  remarkingCause: 'KM_SPOILED',
  turnoverType: 'SELLING',
  aggregates: 'expand',
  numbering: 'same',
  maxCodes: 30000,
  groupMapping: [],
  layout: '{}',
  overrides: [],
  /** LK_RECEIPT business place given by the node (typed inputs; '' = from 1C) */
  kpp: '',
  kppType: 'str',
  fiasId: '',
  fiasIdType: 'str',
  /** warehouses pinned to their МОД: [{ warehouse (Ref_Key or name), kpp, fiasId }] */
  places: [],
};

/** Version 2 adds the business place of LK_RECEIPT: from 1C unless the node says otherwise. */
const PLACE_DEFAULTS = {
  kpp: CZ_MAP_DEFAULTS.kpp,
  kppType: CZ_MAP_DEFAULTS.kppType,
  fiasId: CZ_MAP_DEFAULTS.fiasId,
  fiasIdType: CZ_MAP_DEFAULTS.fiasIdType,
  places: CZ_MAP_DEFAULTS.places,
};

export const CZ_MAP_MIGRATIONS: readonly Migration[] = [
  fillDefaults(CZ_MAP_DEFAULTS),
  {
    to: 2,
    up(config) {
      const out = { ...config };
      for (const [k, v] of Object.entries(PLACE_DEFAULTS))
        if (out[k] === undefined || out[k] === null) out[k] = v;
      return out;
    },
  },
];

/**
 * Migrated config with defaults for anything still missing (hand-written or partial flows); a blank
 * field means "not set" where the default is not blank (e.g. an emptied maxCodes box).
 */
export function effectiveConfig(def: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...migrate(def, CZ_MAP_MIGRATIONS) };
  for (const [k, v] of Object.entries(CZ_MAP_DEFAULTS)) {
    const cur = out[k];
    if (cur === undefined || cur === null || (cur === '' && v !== '')) out[k] = v;
  }
  return out;
}

const LAYOUT_KEYS = [
  // document layout (lib/onec/presets.ts DocumentLayout)
  'entity',
  'organisation',
  'counterparty',
  'goodsTable',
  'item',
  'quantity',
  'price',
  'amount',
  'vatAmount',
  'amountWithVat',
  'pricesIncludeVat',
  'codesTable',
  'codeRef',
  'warehouse',
  'warehouseCatalog',
] as const;
const CATALOG_KEYS = [
  'itemAccounting',
  'itemKind',
  'itemTnved',
  'itemArticle',
  'codeValue',
  'codePackageType',
  'codeItem',
  'nestedCodesTable',
  'nestedCodeRef',
  'inn',
  'kpp',
  'contactInfo',
] as const;
export const LAYOUT_FIELDS: readonly string[] = [...LAYOUT_KEYS, ...CATALOG_KEYS];

const layoutObject = z.record(z.string(), z.string()).superRefine((o, ctx) => {
  for (const k of Object.keys(o)) {
    if (!LAYOUT_FIELDS.includes(k)) {
      ctx.addIssue({
        code: 'custom',
        path: [k],
        message: bi(
          `неизвестное поле раскладки «${k}»; допустимы: ${LAYOUT_FIELDS.join(', ')}`,
          `unknown layout field "${k}"; allowed: ${LAYOUT_FIELDS.join(', ')}`,
        ),
      });
    }
  }
});

/** Typed-input types of the business-place fields. */
export const PLACE_TYPES = ['str', 'msg', 'flow', 'global', 'env', 'jsonata'] as const;

export const mapSettingsSchema = z.object({
  documentType: z.enum(['auto', ...SUPPORTED_TYPES] as [string, ...string[]], {
    error: bi('неизвестный тип документа', 'unknown document type'),
  }),
  productGroup: z.union([z.literal(''), z.enum(PRODUCT_GROUP_CODES)], {
    error: bi('неизвестная товарная группа', 'unknown product group'),
  }),
  preset: z.enum(['', 'ut11', 'erp2', 'bp3', 'retail3']),
  kind: z.enum([
    '',
    'sales',
    'purchases',
    'writeOff',
    'transfers',
    'returns',
    'retail',
    'marking',
    'shipmentIsmp',
  ]),
  withdrawalReason: z.enum(['auto', ...WITHDRAWAL_REASONS]),
  returnType: z.enum(RETURN_TYPES),
  remarkingCause: z.enum(REMARKING_CAUSES),
  turnoverType: z.enum(TURNOVER_TYPES),
  aggregates: z.enum(['expand', 'keep']),
  numbering: z.enum(['same', 'suffix']),
  maxCodes: z.coerce
    .number()
    .int()
    .min(1)
    .max(30000, { error: bi('не больше 30 000 кодов в документе', 'at most 30 000 codes per document') }),
  groupMapping: z.array(z.object({ value: z.string(), pg: z.string() })),
  layout: z.preprocess((v) => {
    if (typeof v !== 'string') return v;
    if (v.trim() === '') return {};
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  }, layoutObject),
  kpp: z.string(),
  kppType: z.enum(PLACE_TYPES),
  fiasId: z.string(),
  fiasIdType: z.enum(PLACE_TYPES),
  places: z.array(
    z.object({
      warehouse: z
        .string()
        .trim()
        .min(1, {
          error: bi('склад не указан (Ref_Key или наименование)', 'warehouse missing (Ref_Key or name)'),
        }),
      kpp: z
        .string()
        .trim()
        .regex(/^(\d{9})?$/, { error: bi('КПП — 9 цифр', 'KPP: 9 digits') })
        .optional(),
      fiasId: z
        .string()
        .trim()
        .regex(/^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$/, {
          error: bi(
            'код ФИАС — UUID xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx',
            'FIAS id: a UUID xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx',
          ),
        })
        .optional(),
    }),
  ),
  overrides: z.array(
    z.object({
      path: z.string().min(1, { error: bi('путь поля не указан', 'field path is missing') }),
      expr: z.string().min(1, { error: bi('выражение JSONata не указано', 'JSONata expression is missing') }),
    }),
  ),
});

export type MapSettings = z.infer<typeof mapSettingsSchema>;

/** Library options from the node's settings. */
export function mapOptions(s: MapSettings): MapOptions {
  const layout: Record<string, string> = {};
  const catalogs: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.layout)) {
    if ((LAYOUT_KEYS as readonly string[]).includes(k)) layout[k] = v;
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
    aggregates: s.aggregates as 'expand' | 'keep',
    numbering: s.numbering as 'same' | 'suffix',
    maxCodes: s.maxCodes,
    groupMapping,
    layout,
    catalogs,
    overrides: s.overrides.map((o) => ({ path: o.path, expression: o.expr })),
    places: s.places.map((p) => ({ warehouse: p.warehouse, kpp: p.kpp ?? '', fiasId: p.fiasId ?? '' })),
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
  s: MapSettings,
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

/** The part of the runtime's JSONata API the node uses (Node-RED ≥ 4: evaluation with a callback). */
interface PreparedExpression {
  assign(name: string, value: unknown): void;
}
interface JsonataUtil {
  prepareJSONataExpression(expression: string, node: RuntimeNode | undefined): PreparedExpression;
  evaluateJSONataExpression(
    expr: PreparedExpression,
    msg: unknown,
    cb: (err: Error | null, result: unknown) => void,
  ): void;
}

/**
 * Compile with Node-RED's own JSONata. Each message gets its own compiled expressions (bindings
 * are assigned on the expression, so two messages never share one), evaluated one after another.
 */
export function nodeRedCompiler(RED: NodeAPI, node: RuntimeNode | undefined): CompileExpression {
  const util = RED.util as unknown as JsonataUtil;
  return (expression) => {
    const expr = util.prepareJSONataExpression(expression, node);
    return (input, bindings) =>
      new Promise((resolve, reject) => {
        for (const [k, v] of Object.entries(bindings)) expr.assign(k, v);
        util.evaluateJSONataExpression(expr, input, (err, result) => {
          if (err) reject(err);
          else resolve(result);
        });
      });
  };
}

/** Output messages: one per ЧЗ document; output 1 valid, output 2 invalid (with msg.errors). */
export function toMessages(
  RED: NodeAPI,
  msg: NodeMessage,
  result: MapResult,
): { valid: NodeMessage[]; invalid: NodeMessage[] } {
  const valid: NodeMessage[] = [];
  const invalid: NodeMessage[] = [];
  const docs = result.documents;
  const source = msg['onec'] === undefined ? undefined : onecOf(msg);
  const partsId = docs.length > 1 ? RED.util.generateId() : '';
  const { payload: _payload, ...rest } = msg;
  docs.forEach((d, index) => {
    const out: NodeMessage =
      docs.length === 1 ? msg : (RED.util.cloneMessage(rest as NodeMessage) as NodeMessage);
    out.payload = d.body;
    setCz(out, {
      type: d.type,
      productGroup: d.productGroup,
      documentFormat: 'MANUAL',
      source: docs.length === 1 || out['onec'] === undefined ? source : onecOf(out),
      key: d.key,
      part: d.part,
      parts: d.parts,
      /** how many ЧЗ documents this 1C document version became (cz-send and onec-write use it) */
      total: docs.length,
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
      out['errors'] = d.errors;
      invalid.push(out);
    } else {
      delete out['errors'];
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

/** The node type with its defaults and migrations (registerNodeType serves the defaults to the editor). */
export const CZ_MAP_NODE: NodeTypeSpec = {
  type: 'cz-map-document',
  defaults: CZ_MAP_DEFAULTS,
  migrations: CZ_MAP_MIGRATIONS,
};
