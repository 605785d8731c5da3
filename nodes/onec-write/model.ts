import { z } from 'zod';
import { DEFAULT_PROPERTIES, DEFAULT_REGISTER } from '../../lib/onec/write';
import { bi } from '../../lib/validation';
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
  status: 'cz.status',
  statusType: 'msg',
  documentId: 'cz.documentId',
  documentIdType: 'msg',
  errors: 'cz.errors',
  errorsType: 'msg',
  /** keep trying a write that failed because 1C was unreachable or busy, for this long */
  retryMinutes: 10,
};

export const ONEC_WRITE_MIGRATIONS: readonly Migration[] = [fillDefaults(ONEC_WRITE_DEFAULTS)];

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
