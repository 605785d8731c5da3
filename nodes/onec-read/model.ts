import { z } from 'zod';
import {
  COMPARE_OPS,
  LITERAL_TYPES,
  STRING_OPS,
  type CompareOp,
  type Condition,
  type LiteralType,
  type StringOp,
} from '../../lib/onec/query';
import { DOCUMENT_KINDS, PRESET_IDS } from '../../lib/onec/presets';
import { bi } from '../../lib/validation';
import type { NodeTypeSpec } from '../shared/register';
import { fillDefaults, type Migration } from '../shared/migrate';

export const ONEC_READ_DEFAULTS = {
  name: '',
  connection: '',
  mode: 'watch',
  preset: 'ut11',
  kind: 'sales',
  entity: '',
  entityType: 'str',
  ref: 'payload',
  refType: 'msg',
  conditions: [] as unknown[],
  useRaw: false,
  rawFilter: '',
  rawFilterType: 'str',
  select: '',
  selectType: 'str',
  orderby: '',
  orderbyType: 'str',
  top: '',
  topType: 'num',
  output: 'each',
  resolve: true,
  interval: 60,
  lookbackHours: 72,
  since: '',
  confirm: 'auto',
  redeliverMinutes: 10,
  layout: {} as Record<string, string>,
};

export const ONEC_READ_MIGRATIONS: readonly Migration[] = [fillDefaults(ONEC_READ_DEFAULTS)];

export const MODES = ['query', 'ref', 'watch'] as const;
export type Mode = (typeof MODES)[number];

/** One filter row of the editor: field, operation, typed value and its OData type. */
export interface ConditionRow {
  field: string;
  op: string;
  value: unknown;
  valueType?: string;
  type?: string;
  refType?: string;
}

const list = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) =>
    (Array.isArray(v) ? v : (v ?? '').split(',')).map((s) => s.trim()).filter((s) => s.length > 0),
  );

const conditionSchema = z.object({
  field: z.string().trim().min(1, bi('не указано поле условия', 'the condition has no field')),
  op: z.enum([...COMPARE_OPS, ...STRING_OPS] as unknown as [string, ...string[]]),
  type: z.enum([...LITERAL_TYPES, 'ref'] as unknown as [string, ...string[]]).default('string'),
  refType: z.string().trim().optional(),
  value: z.unknown(),
});

/** Effective settings of one read (node config merged with typed values from the message). */
export const onecReadSettingsSchema = z.object({
  mode: z.enum(MODES),
  preset: z.enum(PRESET_IDS as [string, ...string[]]).default('ut11'),
  kind: z.union([z.enum(DOCUMENT_KINDS as [string, ...string[]]), z.literal('')]).default(''),
  entity: z
    .unknown()
    .optional()
    .transform((v) => (v === undefined || v === null ? '' : String(v).trim()))
    .pipe(z.string()),
  ref: z.unknown().optional(),
  conditions: z.array(conditionSchema).default([]),
  rawFilter: z
    .unknown()
    .optional()
    .transform((v) => (v === undefined || v === null || v === '' ? undefined : String(v))),
  select: list,
  orderby: list,
  top: z
    .unknown()
    .optional()
    .transform((v) => (v === undefined || v === null || v === '' ? undefined : Number(v)))
    .pipe(
      z.number().int(bi('нужно целое число', 'a whole number is required')).min(0).max(1000000).optional(),
    ),
  output: z.enum(['each', 'array']).default('each'),
  resolve: z.boolean().default(true),
  layout: z.record(z.string(), z.string()).default({}),
});
export type OnecReadSettings = z.infer<typeof onecReadSettingsSchema>;

/** Watch-mode settings, validated when the node starts. */
export const watchConfigSchema = z.object({
  interval: z.coerce
    .number()
    .min(0, bi('интервал не может быть отрицательным', 'the interval cannot be negative'))
    .max(86400),
  lookbackHours: z.coerce
    .number()
    .min(0.1, bi('окно просмотра назад — не меньше 0,1 часа', 'the look-back window is at least 0.1 hour'))
    .max(24 * 366),
  since: z.string().trim().default(''),
  confirm: z.enum(['auto', 'on', 'off']).default('auto'),
  redeliverMinutes: z.coerce
    .number()
    .min(1, bi('повтор не чаще раза в минуту', 'redelivery at most once a minute'))
    .max(7 * 24 * 60)
    .default(10),
});

/** A condition row with its evaluated value, as the query builder takes it. */
export function toCondition(row: z.infer<typeof conditionSchema>): Condition {
  if (STRING_OPS.includes(row.op as StringOp))
    return { field: row.field, op: row.op as StringOp, value: row.value };
  if (row.type === 'ref') {
    return {
      field: row.field,
      op: row.op === 'ne' ? 'ne' : 'eq',
      value: row.value,
      type: 'ref',
      refType: row.refType ?? '',
    };
  }
  return { field: row.field, op: row.op as CompareOp, value: row.value, type: row.type as LiteralType };
}

/** Drop undefined/null properties so that defaults fill them. */
export function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));
}

/** The node type with its defaults and migrations (registerNodeType serves the defaults to the editor). */
export const ONEC_READ_NODE: NodeTypeSpec = {
  type: 'onec-read',
  defaults: ONEC_READ_DEFAULTS,
  migrations: ONEC_READ_MIGRATIONS,
};

/** Watch settings when the node's own are invalid (the node then shows the problem and does not poll). */
export const WATCH_FALLBACK = {
  interval: ONEC_READ_DEFAULTS.interval,
  lookbackHours: ONEC_READ_DEFAULTS.lookbackHours,
  since: ONEC_READ_DEFAULTS.since,
  confirm: 'auto' as const,
  redeliverMinutes: ONEC_READ_DEFAULTS.redeliverMinutes,
};
