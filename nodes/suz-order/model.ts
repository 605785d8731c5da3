import { z } from 'zod';
import { CIS_TYPES, ONEC_ORDER_PRESET, RELEASE_METHODS, type OrderDefaults } from '../../lib/suz/request';
import { bi } from '../../lib/validation';
import type { NodeTypeSpec } from '../shared/register';
import { fillDefaults, type Migration } from '../shared/migrate';

/** The node's config defaults: the runtime, the migrations and the editor dialog all read these. */
export const SUZ_ORDER_DEFAULTS = {
  name: '',
  connection: '',
  /** product group (typed input); '' = the request's, the 1C document's, else the connection's */
  productGroup: '',
  productGroupType: 'str',
  /** code template (СУЗ «Шаблоны КМ»), when the request has none (e.g. 10 for lp) */
  templateId: '',
  cisType: 'UNIT',
  releaseMethodType: 'PRODUCTION',
  /** price of one code without VAT, kopecks, and VAT, percent (the cost checked against the balance) */
  priceKopecks: 50,
  vatPercent: 22,
  /** the balance is short: `refuse` (output 3) or `hold` (wait and look again) */
  onShort: 'refuse',
  holdSeconds: 300,
  /** codes per block (one message each), at most 150 000 */
  blockSize: 10000,
  /** how often the buffer is asked, s */
  pollSeconds: 2,
  /** how long the buffer may stay PENDING before the order waits for the next try, min */
  activeWaitMinutes: 10,
  /** a passing failure (network, 5xx, 429): the node's unfinished orders resume after, s */
  retrySeconds: 60,
  /** field names of the 1C document (preset Document_ЗаказНаЭмиссиюКодовМаркировкиСУЗ) */
  onecTable: ONEC_ORDER_PRESET.table,
  onecGtin: ONEC_ORDER_PRESET.gtin,
  onecQuantity: ONEC_ORDER_PRESET.quantity,
  onecTemplate: ONEC_ORDER_PRESET.template,
  onecCisType: ONEC_ORDER_PRESET.cisType,
  onecSerialType: ONEC_ORDER_PRESET.serialType,
  onecReleaseMethod: ONEC_ORDER_PRESET.releaseMethod,
  onecProductGroup: ONEC_ORDER_PRESET.productGroup,
};

export const SUZ_ORDER_MIGRATIONS: readonly Migration[] = [fillDefaults({ ...SUZ_ORDER_DEFAULTS })];

const num = (min: number, max: number, ru: string, en: string) =>
  z.coerce
    .number()
    .int(bi(`${ru}: целое число`, `${en}: a whole number`))
    .min(min)
    .max(max);

/** The node's settings (config, with `${ENV}` expanded by Node-RED). */
export const suzOrderConfigSchema = z.object({
  templateId: z.preprocess(
    (v) => (v === '' || v === undefined || v === null ? undefined : v),
    num(1, 1000, 'шаблон КМ', 'code template').optional(),
  ),
  cisType: z.enum(CIS_TYPES),
  releaseMethodType: z.enum(RELEASE_METHODS),
  priceKopecks: z.coerce.number().min(0).max(100000),
  vatPercent: z.coerce.number().min(0).max(100),
  onShort: z.enum(['refuse', 'hold']),
  holdSeconds: num(1, 86400, 'ожидание денег', 'hold interval'),
  blockSize: num(1, 150000, 'кодов в блоке', 'codes per block'),
  pollSeconds: z.coerce.number().min(0.01).max(3600),
  activeWaitMinutes: z.coerce.number().min(0).max(10000),
  retrySeconds: z.coerce.number().min(0.01).max(86400),
  onecTable: z.string().min(1),
  onecGtin: z.string().min(1),
  onecQuantity: z.string().min(1),
  onecTemplate: z.string().min(1),
  onecCisType: z.string().min(1),
  onecSerialType: z.string().min(1),
  onecReleaseMethod: z.string().min(1),
  onecProductGroup: z.string().min(1),
});
export type SuzOrderConfig = z.infer<typeof suzOrderConfigSchema>;

/** What a message's request is read with (lib/suz/request.ts). */
export function orderDefaults(c: SuzOrderConfig, productGroup: string | undefined): OrderDefaults {
  return {
    productGroup,
    templateId: c.templateId,
    cisType: c.cisType,
    releaseMethodType: c.releaseMethodType,
    fields: {
      table: c.onecTable,
      gtin: c.onecGtin,
      quantity: c.onecQuantity,
      template: c.onecTemplate,
      cisType: c.onecCisType,
      serialType: c.onecSerialType,
      releaseMethod: c.onecReleaseMethod,
      productGroup: c.onecProductGroup,
    },
  };
}

/** The node type with its defaults and migrations (registerNodeType serves the defaults to the editor). */
export const SUZ_ORDER_NODE: NodeTypeSpec = {
  type: 'suz-order',
  defaults: SUZ_ORDER_DEFAULTS,
  migrations: SUZ_ORDER_MIGRATIONS,
};
