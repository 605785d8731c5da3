import { z } from 'zod';
import { bi } from '../../lib/validation';
import type { NodeTypeSpec } from '../shared/register';
import { fillDefaults, type Migration } from '../shared/migrate';

/** The node's config defaults: the runtime, the migrations and the editor dialog all read these. */
export const CZ_STATUS_DEFAULTS = {
  name: '',
  connection: '',
  mode: 'documents',
  pollSeconds: 5,
  giveUpMinutes: 10,
  followJournal: true,
  codes: 'payload',
  codesType: 'msg',
  productGroup: '',
  productGroupType: 'str',
};

export const CZ_STATUS_MIGRATIONS: readonly Migration[] = [
  fillDefaults({
    mode: CZ_STATUS_DEFAULTS.mode,
    pollSeconds: CZ_STATUS_DEFAULTS.pollSeconds,
    giveUpMinutes: CZ_STATUS_DEFAULTS.giveUpMinutes,
    followJournal: CZ_STATUS_DEFAULTS.followJournal,
    codes: CZ_STATUS_DEFAULTS.codes,
    codesType: CZ_STATUS_DEFAULTS.codesType,
    productGroup: CZ_STATUS_DEFAULTS.productGroup,
    productGroupType: CZ_STATUS_DEFAULTS.productGroupType,
  }),
];

export const MODES = ['documents', 'codes', 'balance'] as const;

export const codesSettingsSchema = z.object({
  codes: z
    .array(z.string().min(1, bi('пустой код маркировки', 'an empty marking code')))
    .min(1, bi('не указан ни один код маркировки', 'no marking code given'))
    .max(100000, bi('не больше 100 000 кодов за раз', 'at most 100 000 codes at once')),
  productGroup: z.string().optional(),
});

export const balanceSettingsSchema = z.object({
  productGroup: z.string().optional(),
});

/** Codes from a message: an array, or text with one code per line or separated by commas. */
export function codesFrom(v: unknown): unknown {
  if (typeof v === 'string') {
    return v
      .split(/[\r\n,;]+/)
      .map((s) => s.trim())
      .filter(Boolean);
  }
  return v;
}

/** The node type with its defaults and migrations (registerNodeType serves the defaults to the editor). */
export const CZ_STATUS_NODE: NodeTypeSpec = {
  type: 'cz-status',
  defaults: CZ_STATUS_DEFAULTS,
  migrations: CZ_STATUS_MIGRATIONS,
};
