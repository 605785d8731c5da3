import { z } from 'zod';
import { bi } from '../../lib/validation';
import { fillDefaults, type Migration } from '../shared/migrate';

export const CZ_SEND_MIGRATIONS: readonly Migration[] = [
  fillDefaults({
    concurrency: 4,
    retryMinutes: 60,
    settleSeconds: 20,
    documentType: '',
    documentTypeType: 'str',
    productGroup: '',
    productGroupType: 'str',
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
  source: z.object({
    entity: z.string().optional(),
    ref: z.string(),
    dataVersion: z.string(),
    number: z.string().optional(),
    date: z.string().optional(),
    kind: z.string().optional(),
    preset: z.string().optional(),
  }),
  /** where the confirmation goes (msg.onec.watch: the onec-connection and the onec-read node) */
  ackTo: z.object({ connection: z.string(), node: z.string() }).optional(),
});
export type SendSettings = z.infer<typeof sendSettingsSchema>;
