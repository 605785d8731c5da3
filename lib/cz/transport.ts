/**
 * One HTTP request to a CRPT service, the way the pack's clients make it (the True API client and
 * the СУЗ client share it): the rate limiter first, a deadline for the whole answer, the token
 * renewed once on a 401, retries with backoff and jitter only for 429, 5xx and network errors, and
 * for the calls that create something («Описание True API» v553 §3, «СУЗ API v3» §4.4.1) retries
 * only when the request surely never arrived — otherwise an "uncertain" error, so that the caller
 * looks up what may have been created before it asks again.
 */
import type http from 'node:http';
import type https from 'node:https';
import type { AxiosInstance, AxiosResponse } from 'axios';
import { ZnakFlowError } from '../errors';
import { count } from '../metrics';
import { forgetSecret } from '../redact';
import { linkSignals } from '../signing/types';
import { neverSent, type HttpErrorContext } from './errors';
import type { RateLimiter } from './limiter';
import { backoffDelay, parseRetryAfter, sleep, type RetryPolicy } from '../retry';

export interface TransportCall {
  signal?: AbortSignal;
}

export interface TransportSpec<C extends TransportCall = TransportCall> {
  what: [string, string];
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number | boolean | string[] | undefined>;
  /** a JSON body (serialised compactly) … */
  body?: unknown;
  /** … or the exact bytes to send as `application/json` (what a signature was made over) */
  bytes?: Buffer;
  /** extra headers (e.g. `X-Signature`) */
  headers?: Record<string, string>;
  auth: boolean;
  /** `read`: retry 429/5xx/network; `create`: only when surely not received; `none` */
  retry: 'read' | 'create' | 'none';
  okStatuses?: number[];
  call: C;
}

export interface RawResponse {
  status: number;
  text: string;
  headers: Record<string, unknown>;
}

/** How a service takes its token. */
export interface TransportAuth<C extends TransportCall = TransportCall> {
  /** the token to send, authenticating first when there is none or it is about to expire */
  token(call: C): Promise<string>;
  /** the headers that carry it */
  headers(token: string): Record<string, string>;
  /** the service answered 401 to this token: the next `token()` renews it */
  rejected(token: string): void;
}

/** The errors of one service, in its words (lib/cz/errors.ts style). */
export interface TransportErrors {
  http(status: number, body: unknown, ctx: HttpErrorContext): ZnakFlowError;
  network(err: unknown, ctx: HttpErrorContext, timeoutMs?: number): ZnakFlowError;
  /** a create call whose outcome is unknown */
  uncertain(err: ZnakFlowError): ZnakFlowError;
  /** the client closed or the caller aborted */
  closed(): ZnakFlowError;
}

export interface TransportOptions<C extends TransportCall = TransportCall> {
  base: string;
  http: AxiosInstance;
  agents: { http: http.Agent; https: https.Agent };
  limiter: RateLimiter;
  retry: RetryPolicy;
  timeoutMs: number;
  /** retry create calls also after 5xx / timeouts (may create duplicates) */
  retryUncertain?: boolean;
  /** aborts when the owning client closes */
  signal: AbortSignal;
  isClosed(): boolean;
  auth?: TransportAuth<C>;
  errors: TransportErrors;
  /** the metrics' labels of a request path */
  labels(path: string): Record<string, string>;
  stats: { requests: number; retries: number; rateLimited: number };
}

const MAX_BODY = 64 * 1024 * 1024;

export class Transport<C extends TransportCall = TransportCall> {
  constructor(private readonly o: TransportOptions<C>) {}

  url(path: string, query?: TransportSpec['query']): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined || v === null || v === '') continue;
      if (Array.isArray(v)) for (const x of v) qs.append(k, x);
      else qs.append(k, String(v));
    }
    const s = qs.toString();
    return `${this.o.base}${path}${s ? `?${s}` : ''}`;
  }

  async request(spec: TransportSpec<C>): Promise<RawResponse> {
    const o = this.o;
    if (o.isClosed()) throw o.errors.closed();
    const labels = o.labels(spec.path);
    const timeoutMs = o.timeoutMs;
    const data =
      spec.bytes ?? (spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body), 'utf8'));
    let attempt = 0;
    let reauthed = false;
    for (;;) {
      const link = linkSignals(spec.call.signal, o.signal);
      // The timeout is a deadline for the whole answer: axios's own timeout only notices a silent
      // socket, so an answer dripping one byte at a time would hold the request forever.
      let expired = false;
      const deadline = new AbortController();
      const onLink = (): void => deadline.abort();
      link.signal.addEventListener('abort', onLink, { once: true });
      let timer: NodeJS.Timeout | undefined;
      let token: string | undefined;
      let res: AxiosResponse<ArrayBuffer> | undefined;
      try {
        if (spec.auth && o.auth) token = await o.auth.token(spec.call);
        await o.limiter.acquire(link.signal);
        o.stats.requests++;
        count('czRequests', labels);
        timer = setTimeout(() => {
          expired = true;
          deadline.abort();
        }, timeoutMs);
        res = await o.http.request<ArrayBuffer>({
          method: spec.method,
          url: this.url(spec.path, spec.query),
          data,
          headers: {
            Accept: '*/*',
            ...(data !== undefined ? { 'Content-Type': 'application/json;charset=UTF-8' } : {}),
            ...(token !== undefined && o.auth ? o.auth.headers(token) : {}),
            ...spec.headers,
          },
          responseType: 'arraybuffer',
          transformResponse: [(d: unknown) => d],
          validateStatus: () => true,
          timeout: timeoutMs,
          maxBodyLength: MAX_BODY,
          maxContentLength: MAX_BODY,
          signal: deadline.signal,
          httpAgent: o.agents.http,
          httpsAgent: o.agents.https,
        });
      } catch (err) {
        if (o.isClosed() || spec.call.signal?.aborted) throw o.errors.closed();
        if (err instanceof ZnakFlowError) throw err;
        const cause = expired
          ? Object.assign(new Error(`timeout of ${timeoutMs}ms exceeded`), { code: 'ETIMEDOUT' })
          : err;
        const netErr = o.errors.network(cause, { what: spec.what, hide: [token] }, timeoutMs);
        count('czErrors', { ...labels, reason: netErr.code.endsWith('_TIMEOUT') ? 'timeout' : 'network' });
        const safe =
          spec.retry === 'read' || (spec.retry === 'create' && (neverSent(err) || !!o.retryUncertain));
        if (safe && attempt < o.retry.retries) {
          count('czRetries', labels);
          await this.pause(attempt++, undefined, spec.call.signal);
          continue;
        }
        if (spec.retry === 'create' && !neverSent(err)) throw o.errors.uncertain(netErr);
        throw netErr;
      } finally {
        clearTimeout(timer);
        link.signal.removeEventListener('abort', onLink);
        link.dispose();
      }
      const text = Buffer.from(res.data ?? new ArrayBuffer(0))
        .toString('utf8')
        .replace(/^\uFEFF/, '');
      const status = res.status;
      if (status === 401 && spec.auth && o.auth && !reauthed) {
        reauthed = true;
        count('czErrors', { ...labels, reason: '401' });
        if (token !== undefined) o.auth.rejected(token);
        continue;
      }
      if ((status >= 200 && status < 300) || spec.okStatuses?.includes(status)) {
        return { status, text, headers: res.headers as Record<string, unknown> };
      }
      if (status === 429) o.stats.rateLimited++;
      count('czErrors', { ...labels, reason: String(status) });
      const retryable = status === 429 || status >= 500;
      const safe =
        retryable &&
        (spec.retry === 'read' || (spec.retry === 'create' && (status === 429 || !!o.retryUncertain)));
      if (safe && attempt < o.retry.retries) {
        count('czRetries', labels);
        await this.pause(attempt++, parseRetryAfter(res.headers['retry-after']), spec.call.signal);
        continue;
      }
      const err = o.errors.http(status, text, { what: spec.what, hide: [token] });
      if (spec.retry === 'create' && status >= 500) throw o.errors.uncertain(err);
      throw err;
    }
  }

  private async pause(
    attempt: number,
    retryAfterMs: number | undefined,
    signal?: AbortSignal,
  ): Promise<void> {
    this.o.stats.retries++;
    const link = linkSignals(signal, this.o.signal);
    try {
      await sleep(backoffDelay(attempt, this.o.retry, retryAfterMs), link.signal);
    } catch {
      throw this.o.errors.closed();
    } finally {
      link.dispose();
    }
  }
}

/** What a client owns besides its transport, released together by `close()`. */
export interface ClientResources {
  controller: AbortController;
  limiter: RateLimiter;
  /** the limiter is the client's own (a shared one stays open) */
  ownLimiter: boolean;
  agents: { http: http.Agent; https: https.Agent };
}

/** Abort what is in flight, close an own limiter, destroy the agents, forget the token. */
export function releaseClient(r: ClientResources, token?: string): void {
  r.controller.abort();
  if (token) forgetSecret(token);
  if (r.ownLimiter) r.limiter.close();
  r.agents.http.destroy();
  r.agents.https.destroy();
}
