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
  /** balance mode: low-balance thresholds in roubles (`lp=5000, milk=2000`, `*=1000`, or one number) */
  thresholds: '',
  /** output ports: documents 3 (accepted, rejected, pending), codes 1, balance 2 (balance, low balance) */
  outputs: 3,
};

/** How many outputs a mode has (the editor sets `outputs` from it). */
export const MODE_OUTPUTS: Record<string, number> = { documents: 3, codes: 1, balance: 2 };

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
  {
    /**
     * 1 → 2: low-balance thresholds, and the outputs follow the mode. Before, every mode had three
     * outputs and codes and balance sent on the first only; the wires of the first stay where they are,
     * those of the others (on which nothing ever came) are dropped, so the new low-balance output of an
     * old flow is wired to nothing until someone wires it.
     */
    to: 2,
    up(config) {
      const mode = String(config['mode'] ?? CZ_STATUS_DEFAULTS.mode);
      const outputs = MODE_OUTPUTS[mode] ?? 3;
      const out: Record<string, unknown> = { ...config, thresholds: config['thresholds'] ?? '', outputs };
      const wires = config['wires'];
      if (Array.isArray(wires) && mode !== 'documents') {
        out['wires'] = Array.from({ length: outputs }, (_, i) => (i === 0 ? (wires[0] ?? []) : []));
      }
      return out;
    },
  },
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
  thresholds: z.record(z.string(), z.number().min(0)),
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
