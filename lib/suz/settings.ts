/**
 * The СУЗ side of a `cz-connection` (docs/suz.md): `omsId`, `omsUrl` (the СУЗ base for the custom
 * environment; empty: the same `url`), `omsConnection` (the integration connection id). Stands of
 * «СУЗ-Облако 4.0. Руководство программиста» §4.4 and §9.2.1 (API under `/api/v3/…`).
 */
import { z } from 'zod';
import { bi } from '../validation';

/** СУЗ API stands (§4.4). */
export const SUZ_ENVIRONMENTS = {
  production: 'https://suzgrid.crpt.ru',
  sandbox: 'https://suz.sandbox.crptech.ru',
} as const;

/**
 * Where an integration installation is registered (§9.2.1). ⚠ The sandbox host is written
 * `suz-integrator` in the programmer's guide and `suzintegrator` in «Инструкция по работе с API»
 * v36: the guide's spelling is used; a custom `omsRegistrationUrl` overrides it.
 */
export const SUZ_REGISTRATION = {
  production: 'https://suzgrid.crpt.ru:16443',
  sandbox: 'https://suz-integrator.sandbox.crptech.ru',
} as const;

/** The sandbox's public registration key (§9.2.1). */
export const SANDBOX_REGISTRATION_KEY = '4344d884-7f21-456c-981e-cd68e92391e8';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const optionalUuid = (ru: string, en: string) =>
  z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || UUID.test(v), bi(ru, en));

export const suzSettingsSchema = z
  .object({
    environment: z.enum(['production', 'sandbox', 'custom']).default('sandbox'),
    url: z.string().trim().optional(),
    omsId: optionalUuid(
      'omsId — идентификатор СУЗ (UUID из настроек СУЗ)',
      'omsId is the СУЗ id (a UUID from the СУЗ settings)',
    ),
    omsUrl: z.string().trim().optional(),
    omsConnection: optionalUuid(
      'omsConnection — идентификатор соединения (UUID: СУЗ → «Устройства»)',
      'omsConnection is the connection id (a UUID: СУЗ → «Устройства»)',
    ),
    /** where `registerConnection` goes for `custom` (empty: the СУЗ base) */
    omsRegistrationUrl: z.string().trim().optional(),
    /** requests per second to СУЗ (recommended ≤ 10 per IP and omsId, §4.4) */
    omsRateLimit: z.coerce.number().int().min(1).max(10).default(10),
  })
  .passthrough();

export type SuzSettings = z.infer<typeof suzSettingsSchema>;

function bare(u: string): string {
  return u.replace(/\/+$/, '').replace(/\/api\/v[23]$/, '');
}

/** The СУЗ root the client appends `/api/v3/…` to. */
export function suzBaseUrl(s: Pick<SuzSettings, 'environment' | 'url' | 'omsUrl'>): string {
  if (s.environment !== 'custom') return SUZ_ENVIRONMENTS[s.environment];
  return bare(s.omsUrl || s.url || '');
}

/** Where the integration installation is registered. */
export function suzRegistrationUrl(
  s: Pick<SuzSettings, 'environment' | 'url' | 'omsUrl' | 'omsRegistrationUrl'>,
): string {
  if (s.environment !== 'custom') return SUZ_REGISTRATION[s.environment];
  return bare(s.omsRegistrationUrl || suzBaseUrl(s));
}
