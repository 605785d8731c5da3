import { z } from 'zod';
import { DEFAULT_PROPERTIES, DEFAULT_REGISTER } from '../../lib/onec/write';
import { bi } from '../../lib/validation';
import type { NodeTypeSpec } from '../shared/register';
import { fillDefaults, type Migration } from '../shared/migrate';

export const ONEC_WRITE_DEFAULTS = {
  name: '',
  connection: '',
  mode: 'register',
  register: DEFAULT_REGISTER,
  propertiesSet: DEFAULT_PROPERTIES,
  property: '',
  propertyType: 'str',
  entity: 'onec.entity',
  entityType: 'msg',
  ref: 'onec.ref',
  refType: 'msg',
  attribute: '',
  value: '',
  valueType: 'auto',
  /**
   * where the ЧЗ status is read from. Not `status`: the Node-RED editor keeps a node's runtime status display
   * in `node.status` and would hand `{text, fill, shape}` back as this config on Deploy / Export (issue 15).
   */
  czStatus: 'cz.status',
  czStatusType: 'msg',
  documentId: 'cz.documentId',
  documentIdType: 'msg',
  errors: 'cz.errors',
  errorsType: 'msg',
  /** keep trying a write that failed because 1C was unreachable or busy, for this long */
  retryMinutes: 10,
};

/** Typed-input types the status path may have (as in the editor dialog). */
const STATUS_TYPES = new Set(['msg', 'flow', 'global', 'env', 'jsonata', 'str']);

export const ONEC_WRITE_MIGRATIONS: readonly Migration[] = [
  // 0 → 1: defaults for flows from before versioning (the status path was still called `status` then)
  fillDefaults({
    ...Object.fromEntries(Object.entries(ONEC_WRITE_DEFAULTS).filter(([k]) => !k.startsWith('czStatus'))),
    status: ONEC_WRITE_DEFAULTS.czStatus,
    statusType: ONEC_WRITE_DEFAULTS.czStatusType,
  }),
  // 1 → 2: `status` / `statusType` → `czStatus` / `czStatusType`. A `status` that is not a string is the
  // editor's status display ({text, fill, shape}) saved over the path by version 1: back to the default.
  {
    to: 2,
    up(config) {
      const { status, statusType, ...rest } = config;
      const kept = typeof status === 'string';
      const type = typeof statusType === 'string' && STATUS_TYPES.has(statusType) ? statusType : undefined;
      return {
        ...rest,
        czStatus: kept ? status : ONEC_WRITE_DEFAULTS.czStatus,
        czStatusType: kept && type ? type : ONEC_WRITE_DEFAULTS.czStatusType,
      };
    },
  },
];

const text = (field: string, ru: string, en: string) =>
  z
    .unknown()
    .optional()
    .transform((v) => (v === undefined || v === null ? '' : String(v).trim()))
    .pipe(z.string().min(1, bi(ru, en)))
    .describe(field);

/** Effective settings of one write. */
export const onecWriteSettingsSchema = z
  .object({
    mode: z.enum(['register', 'patch']),
    register: z.string().trim().default(DEFAULT_REGISTER),
    propertiesSet: z.string().trim().default(DEFAULT_PROPERTIES),
    property: z
      .unknown()
      .optional()
      .transform((v) => (v === undefined || v === null ? '' : String(v).trim())),
    entity: text(
      'entity',
      'не задан объект 1С (набор сущностей, обычно msg.onec.entity)',
      'no 1C entity set (usually msg.onec.entity)',
    ),
    ref: text(
      'ref',
      'не задана ссылка на объект 1С (обычно msg.onec.ref)',
      'no 1C object reference (usually msg.onec.ref)',
    ),
    attribute: z.string().trim().default(''),
    value: z.unknown().optional(),
  })
  .superRefine((s, ctx) => {
    if (s.mode === 'patch' && !s.attribute) {
      ctx.addIssue({
        code: 'custom',
        path: ['attribute'],
        message: bi('не задан реквизит для записи', 'no attribute to write'),
      });
    }
    if (s.mode === 'register' && !s.property) {
      ctx.addIssue({
        code: 'custom',
        path: ['property'],
        message: bi(
          'не задано дополнительное сведение (GUID или имя)',
          'no additional property (GUID or name)',
        ),
      });
    }
  });
export type OnecWriteSettings = z.infer<typeof onecWriteSettingsSchema>;

/** The node type with its defaults and migrations (registerNodeType serves the defaults to the editor). */
export const ONEC_WRITE_NODE: NodeTypeSpec = {
  type: 'onec-write',
  defaults: ONEC_WRITE_DEFAULTS,
  migrations: ONEC_WRITE_MIGRATIONS,
};
