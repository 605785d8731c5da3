import { z } from 'zod';
import { DROPOUT_REASONS, REPORT_KINDS } from '../../lib/suz/report';
import type { NodeTypeSpec } from '../shared/register';
import { fillDefaults, type Migration } from '../shared/migrate';

/** The node's config defaults: the runtime, the migrations and the editor dialog all read these. */
export const SUZ_REPORT_DEFAULTS = {
  name: '',
  connection: '',
  kind: 'utilisation',
  /** the codes (typed input): msg.payload by default (a block message of suz-order fits) */
  codes: 'payload',
  codesType: 'msg',
  /** product group (typed input); '' = msg.suz.productGroup, else the connection's */
  productGroup: '',
  productGroupType: 'str',
  /** the report's id (typed input); '' = the block's id, else a hash of the codes: the same id is sent once */
  reportId: '',
  reportIdType: 'str',
  utilisationType: 'UTILISATION',
  dropoutReason: 'DEFECT',
  /** how often report/info is asked, s */
  pollSeconds: 2,
  /** give up waiting for a final status after, min (output 3) */
  waitMinutes: 10,
  /** a lost answer: how long the codes may take to change status before the report is sent again, s */
  settleSeconds: 60,
};

export const SUZ_REPORT_MIGRATIONS: readonly Migration[] = [fillDefaults({ ...SUZ_REPORT_DEFAULTS })];

export const suzReportConfigSchema = z.object({
  kind: z.enum(REPORT_KINDS),
  utilisationType: z.enum(['UTILISATION', 'RESORT']),
  dropoutReason: z.enum(DROPOUT_REASONS),
  pollSeconds: z.coerce.number().min(0.01).max(3600),
  waitMinutes: z.coerce.number().min(0).max(10000),
  settleSeconds: z.coerce.number().min(0).max(3600),
});
export type SuzReportConfig = z.infer<typeof suzReportConfigSchema>;

/** Which output a report leaves by: 0 success, 1 failed / rejected / partially, 2 not final in time. */
export function reportPort(state: string, status: string | undefined): 0 | 1 | 2 {
  if (state !== 'final') return 2;
  return status === 'SUCCESS' ? 0 : 1;
}

/** The node type with its defaults and migrations (registerNodeType serves the defaults to the editor). */
export const SUZ_REPORT_NODE: NodeTypeSpec = {
  type: 'suz-report',
  defaults: SUZ_REPORT_DEFAULTS,
  migrations: SUZ_REPORT_MIGRATIONS,
};
