import { z } from 'zod';
import { PRODUCT_GROUP_CODES } from '../../lib/cz/product-groups';
import {
  REMARKING_CAUSES,
  RETURN_TYPES,
  SUPPORTED_TYPES,
  TURNOVER_TYPES,
  WITHDRAWAL_REASONS,
} from '../../lib/documents';
import { LAYOUT_FIELDS, unknownLayoutFields } from '../../lib/documents/options';
import { DOCUMENT_KINDS } from '../../lib/onec/presets';
import { bi } from '../../lib/validation';
import type { NodeTypeSpec } from '../shared/register';
import { fillDefaults, migrate, type Migration } from '../shared/migrate';

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
  /** LP_SHIP_GOODS for every product group, as old stands took it (off: furs only, the rest by УПД) */
  legacyShipGoods: false,
  /** LP_SHIP_GOODS of a group that ships by УПД: `refuse` (output 2, naming the УПД route) or `skip` */
  updGroups: 'refuse',
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
  {
    // Version 3: Честный ЗНАК takes LP_SHIP_GOODS for furs only (since 1 March 2022); new nodes refuse it
    // for the other groups, naming the УПД route. A node saved before knew no such rule and made
    // LP_SHIP_GOODS for every group (as type LP_SHIP_GOODS, or `auto` for a sale): it keeps doing so
    // (legacyShipGoods on), so an exported flow behaves as it did on the stand it was made for.
    to: 3,
    up(config) {
      const t = config['documentType'];
      const shipping = t === undefined || t === null || t === '' || t === 'auto' || t === 'LP_SHIP_GOODS';
      return {
        ...config,
        legacyShipGoods: shipping,
        updGroups: config['updGroups'] === 'skip' ? 'skip' : 'refuse',
      };
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

const layoutObject = z.record(z.string(), z.string()).superRefine((o, ctx) => {
  for (const k of unknownLayoutFields(o)) {
    ctx.addIssue({
      code: 'custom',
      path: [k],
      message: bi(
        `неизвестное поле раскладки «${k}»; допустимы: ${LAYOUT_FIELDS.join(', ')}`,
        `unknown layout field "${k}"; allowed: ${LAYOUT_FIELDS.join(', ')}`,
      ),
    });
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
  kind: z.enum(['', ...DOCUMENT_KINDS] as [string, ...string[]]),
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
  legacyShipGoods: z.preprocess((v) => v === true || v === 'true', z.boolean()),
  updGroups: z.enum(['refuse', 'skip']),
  overrides: z.array(
    z.object({
      path: z.string().min(1, { error: bi('путь поля не указан', 'field path is missing') }),
      expr: z.string().min(1, { error: bi('выражение JSONata не указано', 'JSONata expression is missing') }),
    }),
  ),
});

export type MapSettings = z.infer<typeof mapSettingsSchema>;

/** The node type with its defaults and migrations (registerNodeType serves the defaults to the editor). */
/** The values of the dialog's lists: the schema's own (the editor builds its selects from these). */
export const CZ_MAP_CHOICES = {
  documentType: SUPPORTED_TYPES,
  kind: DOCUMENT_KINDS,
  withdrawalReason: WITHDRAWAL_REASONS,
  returnType: RETURN_TYPES,
  remarkingCause: REMARKING_CAUSES,
} satisfies Record<string, readonly string[]>;

export const CZ_MAP_NODE: NodeTypeSpec = {
  type: 'cz-map-document',
  defaults: CZ_MAP_DEFAULTS,
  migrations: CZ_MAP_MIGRATIONS,
  choices: CZ_MAP_CHOICES,
};
