/**
 * What a `cz-connection` holds: the signer and the True API client (with its rate limiter) built
 * from the node's settings and credentials, and the "Test connection" check the editor runs on
 * the settings being edited.
 */
import { toZnakFlowError, ZnakFlowError } from '../errors';
import { redact, registerSecret } from '../redact';
import { createSigner, type SignerSecrets } from '../signing/index';
import type { Signer } from '../signing/types';
import { SuzClient } from '../suz/client';
import { suzBaseUrl } from '../suz/settings';
import { CzClient, type CzClientOptions } from './client';
import { productGroup } from './product-groups';
import { baseUrl, type CzConnectionSettings } from './settings';

export interface CzConnection {
  signer: Signer;
  client: CzClient;
  close(): void;
}

/** One signer and one client (with one limiter) for a connection's settings. */
export function createConnection(
  settings: CzConnectionSettings,
  secrets: SignerSecrets,
  extra: Partial<CzClientOptions> = {},
): CzConnection {
  for (const v of Object.values(secrets)) registerSecret(v);
  const signer = createSigner(settings, secrets);
  const client = new CzClient({
    baseUrl: baseUrl(settings),
    signer,
    rateLimit: settings.rateLimit,
    timeoutMs: settings.timeout,
    participantInn: settings.participantInn,
    tokenKind: settings.tokenKind,
    // a signer acting under an МЧД signs in for the organisation: `inn` of simpleSignIn (v552.0)
    authInn: settings.mchd ? settings.participantInn : undefined,
    ...extra,
  });
  return {
    signer,
    client,
    close: () => {
      client.close();
      signer.close();
    },
  };
}

export interface ErrorInfo {
  code: string;
  message: string;
  message_ru: string;
  message_en: string;
  field?: string;
  status?: number;
  remoteText?: string;
}

export interface ConnectionTestResult {
  ok: boolean;
  baseUrl?: string;
  certificate?: {
    subject: string;
    issuer: string;
    inn?: string;
    notBefore: string;
    notAfter: string;
  };
  token?: { kind: 'jwt' | 'uuid'; expiresAt: string };
  balance?: Array<{
    productGroupId: number | string;
    productGroup?: string;
    name?: string;
    roubles?: number;
  }>;
  balanceError?: ErrorInfo;
  /** the participant's business places (МОДs) registered in ГИС МТ (mods/list) */
  mods?: Array<{ address: string; kpp: string; fiasId: string; productGroups: string[] }>;
  modsError?: ErrorInfo;
  /**
   * СУЗ, when the connection has an `omsId`: pinged with a client token of its `omsConnection`
   * («СУЗ API v3» §4.4 ping). A failure here does not fail the True API part (`ok` stays).
   */
  suz?: {
    ok: boolean;
    omsId: string;
    baseUrl: string;
    apiVersion?: string;
    omsVersion?: string;
    error?: ErrorInfo;
  };
  warnings: Array<{ code: string; ru: string; en: string }>;
  error?: ErrorInfo;
  durationMs: number;
}

export function errorInfo(err: unknown): ErrorInfo {
  const e: ZnakFlowError = toZnakFlowError(err, 'cz');
  return {
    code: e.code,
    message: redact(e.message),
    message_ru: redact(e.ru),
    message_en: redact(e.en),
    field: e.field ?? (err as { field?: string }).field,
    status: e.status,
    remoteText: e.remoteText !== undefined ? redact(e.remoteText) : undefined,
  };
}

/**
 * Authenticate with the given settings and report who signed (certificate subject and INN), when
 * the token expires, the business places (МОДs) registered for the participant and the balance — or the exact reason it failed. Nothing is kept afterwards.
 */
export async function testConnection(
  settings: CzConnectionSettings,
  secrets: SignerSecrets,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<ConnectionTestResult> {
  const t0 = Date.now();
  const warnings: ConnectionTestResult['warnings'] = [];
  let conn: CzConnection | undefined;
  const result = (r: Omit<ConnectionTestResult, 'durationMs' | 'warnings'>): ConnectionTestResult => ({
    ...r,
    warnings,
    durationMs: Date.now() - t0,
  });
  try {
    conn = createConnection(settings, secrets, {
      timeoutMs: Math.min(settings.timeout, opts.timeoutMs ?? 30000),
      retry: { retries: 1, baseMs: 300, maxMs: 1000 },
    });
    const token = await conn.client.authenticate({ signal: opts.signal });
    const cert = token.certificate ?? (await conn.signer.certificate?.().catch(() => undefined));
    if (cert) {
      if (cert.participantInn && cert.participantInn !== settings.participantInn) {
        warnings.push({
          code: 'INN_MISMATCH',
          ru: `ИНН в сертификате (${cert.participantInn}) не совпадает с ИНН участника в настройках (${settings.participantInn})`,
          en: `the certificate INN (${cert.participantInn}) differs from the participant INN in the settings (${settings.participantInn})`,
        });
      }
      const days = Math.floor((cert.notAfter.getTime() - Date.now()) / 86400000);
      if (days < 30) {
        warnings.push({
          code: 'CERT_EXPIRES',
          ru: `сертификат действует ещё ${Math.max(0, days)} дн. (до ${cert.notAfter.toISOString().slice(0, 10)})`,
          en: `the certificate expires in ${Math.max(0, days)} days (${cert.notAfter.toISOString().slice(0, 10)})`,
        });
      }
    }
    let balance: ConnectionTestResult['balance'];
    let balanceError: ErrorInfo | undefined;
    try {
      balance = (await conn.client.balance(undefined, { signal: opts.signal })).map((b) => ({
        productGroupId: b.productGroupId,
        productGroup: b.productGroup,
        name: b.productGroup ? productGroup(b.productGroup)?.ru : undefined,
        roubles: b.balanceRoubles,
      }));
    } catch (err) {
      balanceError = errorInfo(err);
    }
    let mods: ConnectionTestResult['mods'];
    let modsError: ErrorInfo | undefined;
    try {
      mods = (
        await conn.client.modsList({ inns: [settings.participantInn] }, { signal: opts.signal, maxPages: 10 })
      ).map((m) => ({ address: m.address, kpp: m.kpp, fiasId: m.fiasId, productGroups: m.productGroups }));
    } catch (err) {
      modsError = errorInfo(err);
    }
    const suz = settings.omsId ? await pingSuz(settings, conn, opts.signal) : undefined;
    return result({
      ok: true,
      baseUrl: baseUrl(settings),
      mods,
      modsError,
      suz,
      certificate: cert
        ? {
            subject: cert.subjectText,
            issuer: cert.issuerText,
            inn: cert.participantInn,
            notBefore: cert.notBefore.toISOString(),
            notAfter: cert.notAfter.toISOString(),
          }
        : undefined,
      token: { kind: token.kind, expiresAt: token.expiresAt.toISOString() },
      balance,
      balanceError,
    });
  } catch (err) {
    return result({ ok: false, baseUrl: baseUrl(settings), error: errorInfo(err) });
  } finally {
    conn?.close();
  }
}

/** Ping СУЗ with the connection's token (the «Test connection» of cz-connection); never throws. */
async function pingSuz(
  settings: CzConnectionSettings,
  conn: CzConnection,
  signal?: AbortSignal,
): Promise<NonNullable<ConnectionTestResult['suz']>> {
  const omsId = settings.omsId as string;
  const base = suzBaseUrl(settings);
  if (!settings.omsConnection) {
    return {
      ok: false,
      omsId,
      baseUrl: base,
      error: errorInfo(
        new ZnakFlowError({
          code: 'SUZ_NO_CONNECTION_ID',
          field: 'omsConnection',
          ru: 'не указан идентификатор соединения СУЗ (omsConnection): без него СУЗ не проверить; с ключом регистрации соединение регистрируется при первом заказе',
          en: 'the СУЗ connection id (omsConnection) is not set, so СУЗ cannot be checked; with a registration key the connection is registered at the first order',
          source: 'config',
        }),
      ),
    };
  }
  const client = new SuzClient({
    cz: conn.client,
    signer: conn.signer,
    baseUrl: base,
    omsId,
    omsConnection: settings.omsConnection,
    timeoutMs: Math.min(settings.timeout, 30000),
    retry: { retries: 1, baseMs: 300, maxMs: 1000 },
    participantInn: settings.participantInn,
  });
  try {
    const p = await client.ping({ signal });
    return {
      ok: true,
      omsId,
      baseUrl: base,
      apiVersion: p.apiVersion ?? undefined,
      omsVersion: p.omsVersion ?? undefined,
    };
  } catch (err) {
    return { ok: false, omsId, baseUrl: base, error: errorInfo(err) };
  } finally {
    client.close();
  }
}
