/**
 * `http` signer: a signing service reached over HTTP.
 *
 * - `generic`: `POST <url>` with JSON `{"data": "<base64>", "detached": true|false, "mode": "detached"}`
 *   and `Authorization: Bearer <token>` when a token is set; the answer is JSON with the signature in
 *   a field (default `signature`, a dotted path), or the base64 signature as plain text.
 * - `dss` (CryptoPro DSS): an OAuth token from `POST <url>/STS/oauth/token` (password grant, cached until
 *   it expires; or a fixed token from credentials), then `POST <url>/SignServer/rest/api/documents` with
 *   `{"Content", "Name", "Signature": {"Type": "CAdES", "Parameters": {"CADESType": "BES",
 *   "IsDetached": "True"|"False", "Hash": "False"}, "CertificateId", "PinCode"}}`; the answer is the
 *   base64 CMS as a JSON string. Accounts that need confirmation in myDSS are not supported here.
 *
 * The result is normalised to one line of base64 DER and checked to be a CMS of the requested kind.
 * An `https://` service with a self-signed or corporate certificate is trusted through `caFile` (PEM,
 * added to Node's default CAs); certificate verification is never switched off.
 */
import { setMaxListeners } from 'node:events';
import type https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { z } from 'zod';
import { ZnakFlowError } from '../errors';
import { redact, registerSecret } from '../redact';
import { httpsAgent, isCertificateError, readCaFile } from '../tls';
import {
  checkSignature,
  linkSignals,
  Semaphore,
  signerError,
  toBase64Der,
  type SignMode,
  type SignOptions,
  type Signer,
} from './types';

export interface HttpSignerOptions {
  preset?: 'generic' | 'dss';
  /** generic: the signing endpoint; dss: the DSS root (e.g. https://dss.example.ru) */
  url: string;
  /** bearer token (generic; for dss it replaces the STS login) */
  token?: string;
  /** dss: account name, password and OAuth client id */
  username?: string;
  password?: string;
  clientId?: string;
  /** dss: the resource of the token request */
  resource?: string;
  /** dss: id of the certificate in DSS */
  certificateId?: string | number;
  /** dss: PIN of the key (when the key is protected) */
  pin?: string;
  /** generic: dotted path of the signature in the JSON answer (default `signature`) */
  responseField?: string;
  timeoutMs?: number;
  concurrency?: number;
  /** PEM file of extra CAs for an https:// service (config `httpCaFile`); read once, here */
  caFile?: string;
  /** axios instance (tests, proxies); a fresh one by default */
  http?: AxiosInstance;
}

const stsAnswer = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().optional(),
});

function pathGet(obj: unknown, dotted: string): unknown {
  let cur: unknown = obj;
  for (const k of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function trimSlash(u: string): string {
  return u.replace(/\/+$/, '');
}

export class HttpSigner implements Signer {
  readonly kind = 'http' as const;
  private readonly http: AxiosInstance;
  private readonly sem: Semaphore;
  private readonly controller = new AbortController();
  private readonly agent?: https.Agent;
  private dssToken?: { value: string; expiresAt: number };
  private dssLogin?: Promise<string>;

  constructor(private readonly opts: HttpSignerOptions) {
    if (!opts.url) {
      throw Object.assign(
        signerError('SIGNER_CONFIG', 'не указан адрес сервиса подписи', 'the signing service URL is not set'),
        { field: 'httpUrl' },
      );
    }
    if (opts.preset === 'dss' && !opts.token && !opts.username) {
      throw Object.assign(
        signerError(
          'SIGNER_CONFIG',
          'для КриптоПро DSS нужен логин (и пароль в учётных данных) или токен',
          'CryptoPro DSS needs an account name (and a password in credentials) or a token',
        ),
        { field: 'dssUser' },
      );
    }
    for (const s of [opts.token, opts.password, opts.pin]) registerSecret(s);
    if (opts.caFile) {
      const ca = readCaFile(opts.caFile, { field: 'httpCaFile', code: 'SIGNER_CA_FILE', source: 'signer' });
      this.agent = httpsAgent(ca, { keepAlive: true });
    }
    this.http = opts.http ?? axios.create(this.agent ? { httpsAgent: this.agent } : {});
    this.sem = new Semaphore(opts.concurrency ?? 4);
    setMaxListeners(0, this.controller.signal);
  }

  async sign(data: Buffer, mode: SignMode, opts: SignOptions = {}): Promise<string> {
    return this.sem.run(async () => {
      const link = linkSignals(opts.signal, this.controller.signal);
      try {
        const b64 =
          this.opts.preset === 'dss'
            ? await this.signDss(data, mode, link.signal)
            : await this.signGeneric(data, mode, link.signal);
        checkSignature(b64, mode, 'http', data);
        return b64;
      } finally {
        link.dispose();
      }
    });
  }

  close(): void {
    this.controller.abort();
    this.agent?.destroy();
    this.dssToken = undefined;
  }

  private async post(url: string, body: unknown, headers: Record<string, string>, signal: AbortSignal) {
    try {
      return await this.http.post<unknown>(url, body, {
        headers,
        signal,
        timeout: this.opts.timeoutMs ?? 30000,
        validateStatus: () => true,
        responseType: 'json',
        transitional: { silentJSONParsing: true, forcedJSONParsing: true, clarifyTimeoutError: true },
      });
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      const code = (err as { code?: unknown } | null)?.code;
      if (isCertificateError(`${typeof code === 'string' ? code : ''} ${text}`)) {
        throw new ZnakFlowError({
          code: 'SIGNER_TLS',
          field: 'httpCaFile',
          source: 'signer',
          ru: `сертификат сервиса подписи не прошёл проверку TLS (${url}): ${redact(text)}. Укажите файл ЦС сервиса («Файл ЦС сервиса подписи»)`,
          en: `the signing service certificate failed TLS verification (${url}): ${redact(text)}; set the service's CA file ("Signing service CA file")`,
          cause: err,
        });
      }
      throw signerError(
        'SIGNER_HTTP',
        `сервис подписи недоступен (${url}): ${redact(text)}`,
        `the signing service is unreachable (${url}): ${redact(text)}`,
        err,
      );
    }
  }

  private fail(res: AxiosResponse<unknown>, what: string): Error {
    const body = typeof res.data === 'string' ? res.data : JSON.stringify(res.data ?? '');
    const text = redact(body.slice(0, 500));
    return Object.assign(
      signerError(
        'SIGNER_HTTP',
        `сервис подписи ответил ошибкой на ${what}: HTTP ${res.status} ${text}`,
        `the signing service answered ${what} with an error: HTTP ${res.status} ${text}`,
      ),
      { status: res.status },
    );
  }

  private async signGeneric(data: Buffer, mode: SignMode, signal: AbortSignal): Promise<string> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: '*/*' };
    if (this.opts.token) headers['Authorization'] = `Bearer ${this.opts.token}`;
    const res = await this.post(
      this.opts.url,
      { data: data.toString('base64'), detached: mode === 'detached', mode },
      headers,
      signal,
    );
    if (res.status < 200 || res.status >= 300) throw this.fail(res, 'sign');
    const field = this.opts.responseField || 'signature';
    const sig = typeof res.data === 'string' ? res.data : pathGet(res.data, field);
    if (typeof sig !== 'string') {
      throw signerError(
        'SIGNER_OUTPUT',
        `в ответе сервиса подписи нет поля «${field}» со строкой`,
        `the signing service answer has no string field "${field}"`,
      );
    }
    return toBase64Der(sig, 'http');
  }

  private async dssBearer(signal: AbortSignal, renew = false): Promise<string> {
    if (this.opts.token) return this.opts.token;
    if (!renew && this.dssToken && this.dssToken.expiresAt > Date.now()) return this.dssToken.value;
    if (renew) this.dssToken = undefined;
    this.dssLogin ??= (async () => {
      const form = new URLSearchParams({
        grant_type: 'password',
        username: this.opts.username ?? '',
        password: this.opts.password ?? '',
        client_id: this.opts.clientId ?? '',
        resource: this.opts.resource ?? 'urn:cryptopro:dss:signserver:signserver',
      });
      const res = await this.post(
        `${trimSlash(this.opts.url)}/STS/oauth/token`,
        form.toString(),
        { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        signal,
      );
      if (res.status !== 200) throw this.fail(res, 'STS/oauth/token');
      const parsed = stsAnswer.safeParse(res.data);
      if (!parsed.success) {
        throw signerError(
          'SIGNER_HTTP',
          'DSS: в ответе STS нет access_token',
          'DSS: the STS answer has no access_token',
        );
      }
      registerSecret(parsed.data.access_token);
      const ttl = (parsed.data.expires_in ?? 300) * 1000;
      this.dssToken = { value: parsed.data.access_token, expiresAt: Date.now() + Math.max(0, ttl - 30000) };
      return parsed.data.access_token;
    })().finally(() => {
      this.dssLogin = undefined;
    });
    return this.dssLogin;
  }

  private async signDss(data: Buffer, mode: SignMode, signal: AbortSignal): Promise<string> {
    const body = {
      Content: data.toString('base64'),
      Name: mode === 'detached' ? 'document.json' : 'auth.txt',
      Signature: {
        Type: 'CAdES',
        Parameters: { CADESType: 'BES', IsDetached: mode === 'detached' ? 'True' : 'False', Hash: 'False' },
        CertificateId: this.opts.certificateId !== undefined ? Number(this.opts.certificateId) : undefined,
        PinCode: this.opts.pin || undefined,
      },
    };
    const url = `${trimSlash(this.opts.url)}/SignServer/rest/api/documents`;
    let res: AxiosResponse<unknown> | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = await this.dssBearer(signal, attempt > 0);
      res = await this.post(
        url,
        body,
        { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${token}` },
        signal,
      );
      if (res.status !== 401 || this.opts.token) break;
    }
    if (!res || res.status < 200 || res.status >= 300) throw this.fail(res as AxiosResponse<unknown>, 'sign');
    const d = res.data;
    const sig =
      typeof d === 'string'
        ? d
        : (pathGet(d, 'Signature') ?? pathGet(d, 'Content') ?? pathGet(d, 'signature') ?? undefined);
    if (typeof sig !== 'string') {
      throw signerError(
        'SIGNER_OUTPUT',
        'DSS: ответ не содержит подпись (ожидается строка base64)',
        'DSS: the answer holds no signature (a base64 string is expected)',
      );
    }
    return toBase64Der(sig, 'DSS');
  }
}
