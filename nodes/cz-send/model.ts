import { z } from 'zod';
import { onecSourceSchema } from '../../lib/message';
import { bi } from '../../lib/validation';
import type { NodeTypeSpec } from '../shared/register';
import { fillDefaults, type Migration } from '../shared/migrate';

/** The node's config defaults: the runtime, the migrations and the editor dialog all read these. */
export const CZ_SEND_DEFAULTS = {
  name: '',
  connection: '',
  /** the ЧЗ document type (typed input); '' = msg.cz.type */
  documentType: '',
  documentTypeType: 'str',
  productGroup: '',
  productGroupType: 'str',
  /** documents sent at a time over one connection (1…16) */
  concurrency: 4,
  /** keep retrying a send that failed for a passing reason, for this long */
  retryMinutes: 60,
  /** how long a new document settles before its first status request */
  settleSeconds: 20,
};

export const CZ_SEND_MIGRATIONS: readonly Migration[] = [
  fillDefaults({
    concurrency: CZ_SEND_DEFAULTS.concurrency,
    retryMinutes: CZ_SEND_DEFAULTS.retryMinutes,
    settleSeconds: CZ_SEND_DEFAULTS.settleSeconds,
    documentType: CZ_SEND_DEFAULTS.documentType,
    documentTypeType: CZ_SEND_DEFAULTS.documentTypeType,
    productGroup: CZ_SEND_DEFAULTS.productGroup,
    productGroupType: CZ_SEND_DEFAULTS.productGroupType,
  }),
];

/** Effective settings of one message (config + msg). */
export const sendSettingsSchema = z.object({
  type: z
    .string()
    .regex(
      /^[A-Z][A-Z0-9_]+$/,
      bi('неверный тип документа ЧЗ, например LP_SHIP_GOODS', 'not a ЧЗ document type, e.g. LP_SHIP_GOODS'),
    ),
  productGroup: z
    .string()
    .regex(
      /^[a-z]+$/,
      bi('неверный код товарной группы (pg), например lp', 'not a product group code (pg), e.g. lp'),
    ),
  key: z.string().min(1).max(400),
  part: z.number().int().min(1),
  parts: z.number().int().min(1),
  total: z.number().int().min(1),
  body: z
    .unknown()
    .refine(
      (b) => b !== undefined && b !== null && b !== '',
      bi('нет документа в msg.payload', 'msg.payload holds no document'),
    ),
  signature: z.string().optional(),
  authSignature: z.string().optional(),
  source: onecSourceSchema,
  /** where the confirmation goes (msg.onec.watch: the onec-connection and the onec-read node) */
  ackTo: z.object({ connection: z.string(), node: z.string() }).optional(),
  /** the СУЗ report this document carries on, confirmed to its suz-report (msg.suz.tracker) */
  reportTo: z
    .object({ to: z.object({ connection: z.string(), node: z.string() }), key: z.string() })
    .optional(),
});
export type SendSettings = z.infer<typeof sendSettingsSchema>;

/** The node type with its defaults and migrations (registerNodeType serves the defaults to the editor). */
export const CZ_SEND_NODE: NodeTypeSpec = {
  type: 'cz-send',
  defaults: CZ_SEND_DEFAULTS,
  migrations: CZ_SEND_MIGRATIONS,
};
