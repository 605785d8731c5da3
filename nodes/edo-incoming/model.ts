import { z } from 'zod';
import type { MismatchCode } from '../../lib/edo/incoming';
import { bi } from '../../lib/validation';
import type { NodeTypeSpec } from '../shared/register';
import { fillDefaults, type Migration } from '../shared/migrate';

/** The mismatches the rules may refuse on (lib/edo/incoming.ts). */
export const MISMATCH_CODES: readonly MismatchCode[] = [
  'NO_RECEIPT',
  'CODE_UNKNOWN',
  'CODE_OWNER',
  'CODE_STATUS',
  'CODE_GTIN',
  'GTIN_NOT_IN_RECEIPT',
  'GTIN_MISSING_IN_UPD',
  'QUANTITY',
];

/** The node's config defaults: the runtime, the migrations and the editor dialog all read these. */
export const EDO_INCOMING_DEFAULTS = {
  name: '',
  /** the cz-connection whose ЭДО Лайт inbox is watched */
  connection: '',
  /** the onec-connection where the receipts are */
  onecConnection: '',
  preset: 'ut11',
  /** receipts entity set; '' for the preset's (`Document_ПриобретениеТоваровУслуг` in УТ 11) */
  entity: '',
  /** receipts looked through for a match by codes */
  lookbackDays: 30,
  /** sign the buyer's title when everything matches */
  autoSign: true,
  /** mismatch codes that refuse the УПД (УОУ) instead of holding it for a person; comma-separated */
  refuseOn: '',
  pollSeconds: 30,
  /** the signer's position (`Должн`) when the certificate has none */
  signerPosition: '',
  /** after signing, add the УПД's codes to the receipt's codes table where the configuration has one */
  writeCodes: true,
};

export const EDO_INCOMING_MIGRATIONS: readonly Migration[] = [
  fillDefaults({
    preset: EDO_INCOMING_DEFAULTS.preset,
    entity: EDO_INCOMING_DEFAULTS.entity,
    lookbackDays: EDO_INCOMING_DEFAULTS.lookbackDays,
    autoSign: EDO_INCOMING_DEFAULTS.autoSign,
    refuseOn: EDO_INCOMING_DEFAULTS.refuseOn,
    pollSeconds: EDO_INCOMING_DEFAULTS.pollSeconds,
    signerPosition: EDO_INCOMING_DEFAULTS.signerPosition,
    writeCodes: EDO_INCOMING_DEFAULTS.writeCodes,
  }),
];

const bool = z.union([z.boolean(), z.enum(['true', 'false'])]).transform((v) => v === true || v === 'true');

/** The node's settings, checked when it starts (a problem shows on the node and goes to Catch). */
export const edoIncomingSettingsSchema = z.object({
  preset: z.enum(['ut11', 'erp2', 'bp3', 'retail3'], {
    error: bi('неизвестная конфигурация 1С', 'unknown 1C configuration preset'),
  }),
  entity: z
    .string()
    .trim()
    .refine((v) => v === '' || /^Document_[\p{L}\p{N}_]+$/u.test(v), {
      message: bi('набор сущностей документа: Document_…', 'a document entity set: Document_…'),
    }),
  lookbackDays: z.coerce
    .number()
    .int(bi('целое число дней', 'a whole number of days'))
    .min(1, bi('не меньше 1 дня', 'at least 1 day'))
    .max(366, bi('не больше 366 дней', 'at most 366 days')),
  autoSign: bool,
  refuseOn: z
    .string()
    .transform((v) =>
      v
        .split(/[\s,;]+/)
        .map((x) => x.trim().toUpperCase())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.enum(MISMATCH_CODES as [MismatchCode, ...MismatchCode[]], {
          error: bi(
            `код расхождения: ${MISMATCH_CODES.join(', ')}`,
            `a mismatch code: ${MISMATCH_CODES.join(', ')}`,
          ),
        }),
      ),
    ),
  pollSeconds: z.coerce
    .number()
    .int(bi('целое число секунд', 'a whole number of seconds'))
    .min(5, bi('не чаще раза в 5 секунд', 'at most every 5 seconds'))
    .max(86400, bi('не реже раза в сутки', 'at least once a day')),
  signerPosition: z.string().trim().max(128, bi('не длиннее 128 знаков', 'at most 128 characters')),
  writeCodes: bool,
});
export type EdoIncomingSettings = z.infer<typeof edoIncomingSettingsSchema>;

/** The node type with its defaults and migrations (registerNodeType serves the defaults to the editor). */
export const EDO_INCOMING_NODE: NodeTypeSpec = {
  type: 'edo-incoming',
  defaults: EDO_INCOMING_DEFAULTS,
  migrations: EDO_INCOMING_MIGRATIONS,
};
