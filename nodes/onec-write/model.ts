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

const optionalText = z
  .unknown()
  .optional()
  .transform((v) => (v === undefined || v === null ? '' : String(v).trim()));

/** The codes of a value: an array of strings, or text with a code a line (empty entries dropped). */
export function codeList(v: unknown): string[] {
  const list = typeof v === 'string' ? v.split(/[\r\n]+/) : Array.isArray(v) ? v : [];
  return list
    .filter((c): c is string => typeof c === 'string')
    .map((c) => c.trim())
    .filter((c) => c !== '');
}

/** Effective settings of one write. */
export const onecWriteSettingsSchema = z
  .object({
    mode: z.enum(['register', 'patch', 'codes']),
    register: z.string().trim().default(DEFAULT_REGISTER),
    propertiesSet: z.string().trim().default(DEFAULT_PROPERTIES),
    property: z
      .unknown()
      .optional()
      .transform((v) => (v === undefined || v === null ? '' : String(v).trim())),
    entity: optionalText,
    ref: optionalText,
    attribute: z.string().trim().default(''),
    value: z.unknown().optional(),
  })
  .superRefine((s, ctx) => {
    // the codes go into the codes catalog, not into a document: no object needed
    if (s.mode !== 'codes') {
      if (!s.entity)
        ctx.addIssue({
          code: 'custom',
          path: ['entity'],
          message: bi(
            'не задан объект 1С (набор сущностей, обычно msg.onec.entity)',
            'no 1C entity set (usually msg.onec.entity)',
          ),
        });
      if (!s.ref)
        ctx.addIssue({
          code: 'custom',
          path: ['ref'],
          message: bi(
            'не задана ссылка на объект 1С (обычно msg.onec.ref)',
            'no 1C object reference (usually msg.onec.ref)',
          ),
        });
    }
    if (s.mode === 'codes' && codeList(s.value).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: bi(
          'нет кодов маркировки для записи (массив строк или текст, код в строке; обычно msg.payload)',
          'no marking codes to write (an array of strings or text, a code a line; usually msg.payload)',
        ),
      });
    }
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
