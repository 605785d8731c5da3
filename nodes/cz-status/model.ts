import { z } from 'zod';
import { bi } from '../../lib/validation';
import { fillDefaults, type Migration } from '../shared/migrate';

export const CZ_STATUS_MIGRATIONS: readonly Migration[] = [
  fillDefaults({
    mode: 'documents',
    pollSeconds: 5,
    giveUpMinutes: 10,
    followJournal: true,
    codes: 'payload',
    codesType: 'msg',
    productGroup: '',
    productGroupType: 'str',
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
