import { z } from 'zod';
import { checkInn } from '../codes/inn';
import { bi } from '../validation';
import { SIGNER_KINDS } from '../signing/types';
import { PRODUCT_GROUP_CODES } from './product-groups';
import { suzSettingsSchema } from '../suz/settings';

/** True API stands («Описание True API» v553 §1.1). Client appends `/api/v3/true-api` or `/api/v4/true-api`. */
export const ENVIRONMENTS = {
  production: 'https://markirovka.crpt.ru',
  sandbox: 'https://markirovka.sandbox.crptech.ru',
} as const;

export type Environment = keyof typeof ENVIRONMENTS | 'custom';

export { SIGNER_KINDS, type SignerKind } from '../signing/types';

const httpUrl = z
  .string()
  .trim()
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    },
    bi('нужен адрес http:// или https://', 'an http:// or https:// URL is required'),
  );

export const innSchema = z.string().superRefine((v, ctx) => {
  const problem = checkInn(v);
  if (problem) ctx.addIssue({ code: 'custom', message: bi(problem.message_ru, problem.message_en) });
});

/** Settings of a `cz-connection` config node after `${ENV}` expansion. */
export const czConnectionSchema = z
  .object({
    environment: z.enum(['production', 'sandbox', 'custom']).default('sandbox'),
    url: z.string().trim().optional(),
    participantInn: innSchema,
    productGroup: z.enum(PRODUCT_GROUP_CODES).default('lp'),
    signer: z.enum(SIGNER_KINDS).default('openssl'),
    certPath: z.string().trim().optional(),
    keyPath: z.string().trim().optional(),
    /** openssl binary (default `openssl` from PATH) */
    opensslBin: z.string().trim().optional(),
    /** command signer: `cryptcp`, `csptest` or `custom` */
    commandPreset: z.enum(['cryptcp', 'csptest', 'custom']).default('cryptcp'),
    /** command signer: the program of the preset (e.g. a Windows path to cryptcp.exe) */
    commandProgram: z.string().trim().optional(),
    /** command signer: argument template (JSON array or one argument per line) for `custom` */
    commandArgs: z.string().optional(),
    /** command signer: SHA-1 thumbprint of the certificate in the CryptoPro store */
    thumbprint: z
      .string()
      .trim()
      .transform((v) => v.replace(/\s+/g, '').toLowerCase())
      .optional(),
    /** http signer: `generic` or `dss` (CryptoPro DSS) */
    httpPreset: z.enum(['generic', 'dss']).default('generic'),
    httpUrl: z.string().trim().optional(),
    /** http signer: PEM file of extra CAs for an https:// service with a self-signed/corporate certificate */
    httpCaFile: z.string().trim().optional(),
    /** http signer (generic): dotted path of the signature in the JSON answer */
    httpField: z.string().trim().optional(),
    dssUser: z.string().trim().optional(),
    dssClientId: z.string().trim().optional(),
    dssCertificateId: z.string().trim().optional(),
    /** timeout of one signature, ms */
    signTimeout: z.coerce.number().int().min(1000).max(600000).default(30000),
    /**
     * the token asked for: `uuid` («единый токен», default) or `jwt` (legacy: CRPT «Planned True API
     * changes» v552.0 ends JWT support with 2026)
     */
    tokenKind: z.enum(['uuid', 'jwt']).default('uuid'),
    /** the signer acts under an МЧД: simpleSignIn carries `inn` = the participant INN */
    mchd: z
      .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'on', 'off', 'yes', 'no'])])
      .transform((v) => v === true || v === 'true' || v === '1' || v === 'on' || v === 'yes')
      .default(false),
    rateLimit: z.coerce.number().int().min(1).max(50).default(50),
    timeout: z.coerce.number().int().min(1000).max(600000).default(60000),
    /** documents sent at the same time through this connection, by all its cz-send nodes together */
    concurrency: z.coerce.number().int().min(1).max(16).default(4),
    /** ЭДО Лайт base for `custom` (empty: the same `url`); docs/edo.md */
    edoUrl: z.string().trim().optional(),
    /** `true-api` (under `/api/v3/true-api/edo/…` on the True API host) or `v1` (`/api/v1/…` on the ЭДО Лайт host) */
    edoApi: z.enum(['true-api', 'v1']).default('true-api'),
    // the СУЗ side of the participant (docs/suz.md, lib/suz/settings.ts)
    omsId: suzSettingsSchema.shape.omsId,
    omsUrl: suzSettingsSchema.shape.omsUrl,
    omsConnection: suzSettingsSchema.shape.omsConnection,
    omsRegistrationUrl: suzSettingsSchema.shape.omsRegistrationUrl,
    omsRateLimit: suzSettingsSchema.shape.omsRateLimit,
  })
  .passthrough()
  .superRefine((s, ctx) => {
    if (s.environment === 'custom') {
      const r = httpUrl.safeParse(s.url ?? '');
      if (!r.success) {
        ctx.addIssue({
          code: 'custom',
          path: ['url'],
          message: bi(
            'для окружения «custom» нужен базовый адрес http(s)://, например http://127.0.0.1:9400',
            'the custom environment needs a base http(s):// URL, e.g. http://127.0.0.1:9400',
          ),
        });
      }
    }
    if (s.signer === 'command') {
      if (s.commandPreset === 'custom' && !(s.commandArgs ?? '').trim()) {
        ctx.addIssue({
          code: 'custom',
          path: ['commandArgs'],
          message: bi(
            'для своей команды укажите шаблон аргументов (JSON-массив или по одному в строке)',
            'a custom command needs an argument template (a JSON array or one argument per line)',
          ),
        });
      }
      if (s.commandPreset !== 'custom' && !s.thumbprint) {
        ctx.addIssue({
          code: 'custom',
          path: ['thumbprint'],
          message: bi(
            'для КриптоПро укажите отпечаток (SHA-1) сертификата',
            'CryptoPro needs the SHA-1 thumbprint of the certificate',
          ),
        });
      }
    }
    if (s.signer === 'http') {
      const r = httpUrl.safeParse(s.httpUrl ?? '');
      if (!r.success) {
        ctx.addIssue({
          code: 'custom',
          path: ['httpUrl'],
          message: bi(
            'нужен адрес сервиса подписи http(s)://',
            'the signing service needs an http(s):// URL',
          ),
        });
      }
    }
    if (s.signer === 'openssl') {
      for (const f of ['certPath', 'keyPath'] as const) {
        if (!s[f]) {
          ctx.addIssue({
            code: 'custom',
            path: [f],
            message: bi(
              'для подписи через OpenSSL укажите путь к файлу PEM',
              'the OpenSSL signer needs the path of a PEM file',
            ),
          });
        }
      }
    }
  });

export type CzConnectionSettings = z.infer<typeof czConnectionSchema>;

export function baseUrl(s: Pick<CzConnectionSettings, 'environment' | 'url'>): string {
  const raw = s.environment === 'custom' ? (s.url ?? '') : ENVIRONMENTS[s.environment];
  return raw.replace(/\/+$/, '');
}
