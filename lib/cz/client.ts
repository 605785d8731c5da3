/**
 * The True API client («Описание True API» v553): authentication with a cached token, documents, status,
 * codes and balance. One client per `cz-connection`, shared by every node that uses it:
 *
 * - one token, cached in memory, renewed before it expires (10 h) and once on a 401, never two
 *   authentications in flight at once, never written anywhere (it is registered as a secret, so
 *   `redact()` masks it in any text);
 * - one rate limiter: at most `rateLimit` (≤ 50) requests in any second, authentication included;
 * - retries with exponential backoff and jitter only for 429, 5xx and network errors, bounded.
 *   Creating a document is special: a 5xx or a lost answer may hide a document that *was*
 *   received, so it is retried only when it surely was not (429, connection refused) and otherwise
 *   fails with `CZ_SEND_UNCERTAIN`; the caller looks the document up before sending again
 *   (`retryUncertain: true` restores blind retries).
 */
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { z } from 'zod';
import { ZnakFlowError } from '../errors';
import { count } from '../metrics';
import { forgetSecret, registerSecret } from '../redact';
import { zodIssuesToDetails } from '../validation';
import { parseCms, type CertificateInfo } from '../signing/cms';
import { linkSignals, type Signer } from '../signing/types';
import { czHttpError, czNetworkError } from './errors';
import { RateLimiter } from './limiter';
import { productGroup, productGroupById } from './product-groups';
import { DEFAULT_RETRY, sleep, type RetryPolicy } from '../retry';
import { releaseClient, Transport, type RawResponse, type TransportSpec } from './transport';
import {
  authKeySchema,
  balanceSchema,
  cisInfoListSchema,
  docInfoListSchema,
  docListSchema,
  modsListSchema,
  signInSchema,
  type CisInfoItem,
  type DocInfo,
  type DocListItem,
} from './schemas';

export const V3 = '/api/v3/true-api';
export const V4 = '/api/v4/true-api';
/** Documented token lifetime ("не более 10 часов"), used when the token does not say. */
export const TOKEN_LIFETIME_MS = 10 * 3600 * 1000;

export type DocumentFormat = 'MANUAL' | 'XML' | 'CSV';

export interface CzClientOptions {
  /** stand root without the API path, e.g. `https://markirovka.crpt.ru` or `http://127.0.0.1:9400` */
  baseUrl: string;
  signer: Signer;
  /** requests per second (1…50, default 50); ignored when `limiter` is given */
  rateLimit?: number;
  /** a limiter shared with other clients of the same participant (not closed by `close()`) */
  limiter?: RateLimiter;
  /** timeout of one HTTP request (default 60 s) */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** renew the token this long before it expires (default 30 min, at most a fifth of its lifetime) */
  renewBeforeMs?: number;
  /** how long `documentInfo` waits for a new id to become visible (default 15 s) */
  visibilityWaitMs?: number;
  /**
   * The token asked for: `uuid` («единый токен», `unitedToken: true`; default — JWT support ends with
   * 2026, CRPT «Planned True API changes» v552.0) or `jwt` (legacy stands only). The presigned signer
   * always asks for the UUID token.
   */
  tokenKind?: 'uuid' | 'jwt';
  /** @deprecated use `tokenKind`: `true` = `uuid`, `false` = `jwt` */
  unitedToken?: boolean;
  /**
   * `inn` of simpleSignIn: the organisation's INN when the signer acts under an МЧД (v552.0: «must be
   * specified if an individual has a valid machine-readable power of attorney»); sent with the UUID
   * token too
   */
  authInn?: string;
  /** retry document creation also after 5xx / timeouts (may create duplicates; default false) */
  retryUncertain?: boolean;
  /** axios instance (tests, proxies) */
  http?: AxiosInstance;
  /** the participant INN, for the metrics' `participant` label (lib/metrics.ts) */
  participantInn?: string;
  /** told after every sign-in: `undefined` when it went through, the error when it failed */
  onSignIn?(err: unknown): void;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** presigned signer: attached signature for authentication (msg.authSignature) */
  authSignature?: string;
}

export interface TokenInfo {
  kind: 'jwt' | 'uuid';
  obtainedAt: Date;
  expiresAt: Date;
  /** the certificate that signed the authentication, when it was in the signature */
  certificate?: CertificateInfo;
  /** the token was renewed no later than the certificate's `notAfter` (the token outlived it) */
  cappedByCertificate?: boolean;
}

export interface CreateDocumentInput {
  /** document type code, e.g. `LP_SHIP_GOODS` */
  type: string;
  /** product group code (`pg`), e.g. `lp` */
  productGroup: string;
  /** the document: exact bytes (Buffer/string) or an object serialised as compact JSON */
  body: Buffer | string | object;
  /** `MANUAL` (JSON, default), `XML` or `CSV` */
  format?: DocumentFormat;
  /** a detached signature made beforehand (see `signDocument`), or the presigned one (msg.signature) */
  signature?: string;
}

export interface SignedDocument {
  /** the exact bytes that are signed and base64-encoded into `product_document` */
  bytes: Buffer;
  /** detached CAdES-BES signature over `bytes`, one line of base64 */
  signature: string;
}

export interface DocListFilter {
  /** product group code: required by True API */
  pg: string;
  dateFrom?: string | Date;
  dateTo?: string | Date;
  /** document id (when set, `did` is ignored by the server) */
  number?: string;
  documentStatus?: string;
  documentType?: string | string[];
  documentFormat?: 'MANUAL' | 'UPD' | 'XML' | 'CSV';
  senderInn?: string;
  receiverInn?: string;
  /** incoming (true) or outgoing (false); not in v553 but accepted by the system */
  input?: boolean;
  /** 1…1000 (default 50) */
  limit?: number;
  order?: 'ASC' | 'DESC';
  /** keyset paging anchor: id of the last document seen … */
  did?: string;
  /** … and its `docDate` */
  orderedColumnValue?: string;
  pageDir?: 'NEXT' | 'PREV';
}

export interface DocListPage {
  results: DocListItem[];
  nextPage: boolean;
}

export interface BalanceEntry {
  /** as the operator sends it (a number; a string id that is not digits stays a string) */
  productGroupId: number | string;
  /** product group code when the id is in the catalogue, otherwise the id itself as text */
  productGroup?: string;
  /** kopecks as True API gives them; undefined when there is no account for the group */
  balanceKopecks?: number;
  /** the same in roubles (kopecks / 100) */
  balanceRoubles?: number;
  contractId?: string | number | null;
  organisationId?: string | number | null;
}

/** Filter of `mods/list` («Описание True API» v553 §3.3). */
export interface ModsFilter {
  /** participants' INNs, at most 10 (default: the token's participant) */
  inns?: string[];
  kpp?: string;
  fiasId?: string;
  productGroups?: string[];
  /** 1…1000 (default 100) */
  limit?: number;
  /** from 0 */
  page?: number;
}

/** A business place (МОД) registered in ГИС МТ. */
export interface ModInfo {
  inn?: string;
  /** '' for an individual entrepreneur */
  kpp: string;
  fiasId: string;
  address: string;
  productGroups: string[];
  isBlockedEgais?: boolean;
}

export interface ModsPage {
  result: ModInfo[];
  total: number;
  nextPage: boolean;
}

export interface CzClientStats {
  requests: number;
  retries: number;
  authentications: number;
  rateLimited: number;
}

type RequestSpec = TransportSpec<CallOptions>;

/**
 * The endpoint of a request path, as a metrics label: a fixed, small set whatever the ids and
 * versions in the path (`doc/{id}/info` → `doc/info`, both balance paths → `balance`).
 */
export function endpointOf(path: string): string {
  const p = path.replace(/^\/api\/v\d+\/true-api/, '').replace(/^\/+/, '');
  if (/^doc\/[^/]+\/info$/.test(p)) return 'doc/info';
  if (p.startsWith('elk/product-groups/balance')) return 'balance';
  if (/^[a-z]+(?:\/[A-Za-z]+){0,2}$/.test(p)) return p;
  return 'other';
}

/** What a document id looks like («Описание True API» v553 §4.1.1, the unified create method). */
const DOCUMENT_ID =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}|FIX_[\x21-\x7e]{1,250})$/i;

/** Any JSON value: the balance answer is an object or an array of them, checked item by item after. */
const balanceAnswerSchema = z.unknown();

/**
 * When a JWT expires, on our clock: its `exp` while that is ahead of us. An `exp` already past (a
 * stand whose clock is behind ours) would mean a sign-in before every request: then the lifetime
 * `exp − iat` counts from now, or without `iat` the documented 10 hours apply.
 */
function jwtExpiry(token: string, now: number): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as {
      exp?: unknown;
      iat?: unknown;
    };
    if (typeof payload.exp !== 'number') return undefined;
    if (payload.exp * 1000 > now) return payload.exp * 1000;
    if (typeof payload.iat === 'number' && payload.exp > payload.iat) {
      return now + (payload.exp - payload.iat) * 1000;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/**
 * `expireDate` of simpleSignIn (v552.0: `yyyy-MM-ddTHH:mm:ss.SSSZ`); a date without a zone is read as
 * UTC. Missing, unreadable or already past: undefined (the documented 10 hours apply).
 */
function expireDate(v: unknown, now: number): number | undefined {
  if (typeof v !== 'string' || !v.trim()) return undefined;
  const s = v.trim();
  const t = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(s) ? s : `${s}Z`);
  return Number.isFinite(t) && t > now ? t : undefined;
}

/** A doc/list date as True API wants it: UTC `yyyy-MM-ddTHH:mm:ss.SSSZ` (v553 §6.1). */
function isoDate(v: string | Date | undefined): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (v instanceof Date) return v.toISOString();
  const t = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(v) ? v : `${v}Z`);
  return Number.isFinite(t) ? new Date(t).toISOString() : v;
}

/** The smallest doc/list window split further when a stand refuses a range. */
const MIN_LIST_WINDOW_MS = 60 * 1000;

/**
 * Whether doc/list refused the date range (⚠ the status and text are not published, v552.0): a 400
 * whose text speaks of the dates or the period.
 */
function rangeRefused(err: unknown): boolean {
  if (!(err instanceof ZnakFlowError) || err.status !== 400) return false;
  return /date(from|to)|дат|период|диапазон|range|interval|интервал/i.test(err.remoteText ?? err.message);
}

function localError(field: string, ru: string, en: string): ZnakFlowError {
  return new ZnakFlowError({ code: 'CZ_INVALID_ARGUMENT', field, ru, en, source: 'cz' });
}

export class CzClient {
  private readonly base: string;
  private readonly http: AxiosInstance;
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly limiter: RateLimiter;
  private readonly ownLimiter: boolean;
  private readonly retry: RetryPolicy;
  private readonly transport: Transport<CallOptions>;
  private readonly controller = new AbortController();
  private token?: { value: string; renewAt: number; info: TokenInfo };
  private authInFlight?: Promise<TokenInfo>;
  private balanceBase?: string;
  /** the doc/list range the stand took after refusing a larger one (ms) */
  private listSpanMs?: number;
  private closed = false;
  /** why the next authentication happens (the token-renewal metric's label) */
  private renewReason: 'first' | 'expiring' | 'unauthorized' = 'first';
  private readonly participant: string;
  readonly stats: CzClientStats = { requests: 0, retries: 0, authentications: 0, rateLimited: 0 };

  constructor(private readonly opts: CzClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '').replace(/\/api\/v[34]\/true-api$/, '');
    this.agents = {
      http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
      https: new https.Agent({ keepAlive: true, maxSockets: 64 }),
    };
    this.http = opts.http ?? axios.create();
    this.ownLimiter = !opts.limiter;
    this.participant = opts.participantInn ?? '';
    this.limiter =
      opts.limiter ??
      new RateLimiter({ perSecond: Math.min(50, opts.rateLimit ?? 50), label: opts.participantInn });
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    // every request in flight listens on the close signal: many at once is normal, not a leak
    setMaxListeners(0, this.controller.signal);
    this.transport = new Transport<CallOptions>({
      base: this.base,
      http: this.http,
      agents: this.agents,
      limiter: this.limiter,
      retry: this.retry,
      timeoutMs: opts.timeoutMs ?? 60000,
      retryUncertain: opts.retryUncertain,
      signal: this.controller.signal,
      isClosed: () => this.closed,
      auth: {
        token: (call) => this.bearer(call),
        headers: (token) => ({ Authorization: `Bearer ${token}` }),
        rejected: (token) => {
          if (this.token && this.token.value === token) {
            this.token.renewAt = 0;
            this.renewReason = 'unauthorized';
          }
        },
      },
      errors: { http: czHttpError, network: czNetworkError, uncertain, closed: closedError },
      labels: (path) => ({ participant: this.participant, endpoint: endpointOf(path) }),
      stats: this.stats,
    });
  }

  /** The signer this client signs with. */
  get signer(): Signer {
    return this.opts.signer;
  }

  /** The shared rate limiter. */
  get rateLimiter(): RateLimiter {
    return this.limiter;
  }

  /** What is known about the current token (never the token itself). */
  tokenInfo(): TokenInfo | undefined {
    return this.token?.info;
  }

  /**
   * The current token (signing in when there is none or it is expiring), for the other services of
   * the same participant that take the True API token — ЭДО Лайт (lib/edo/client.ts). Never logged.
   */
  accessToken(opts: CallOptions = {}): Promise<string> {
    return this.bearer(opts);
  }

  /** A service refused this token (401): the next call signs in again. */
  invalidateToken(token: string): void {
    if (this.token && this.token.value === token) {
      this.token.renewAt = 0;
      this.renewReason = 'unauthorized';
    }
  }

  /**
   * Authenticate now (challenge → attached signature → token), even if a token is cached.
   * Concurrent callers share one authentication.
   */
  authenticate(opts: CallOptions = {}): Promise<TokenInfo> {
    this.authInFlight ??= this.authenticateAfresh(opts)
      .then(
        (token) => {
          this.opts.onSignIn?.(undefined);
          return token;
        },
        (err: unknown) => {
          this.opts.onSignIn?.(err);
          throw err;
        },
      )
      .finally(() => {
        this.authInFlight = undefined;
      });
    return this.authInFlight;
  }

  /**
   * A sign-in retried after a lost answer finds its challenge already used («UUID не найден»): start
   * over from auth/key, a few times. Still failing that way, the error says a retry may help.
   */
  private async authenticateAfresh(opts: CallOptions): Promise<TokenInfo> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.doAuthenticate(opts);
      } catch (err) {
        const lost =
          err instanceof ZnakFlowError && err.status === 400 && /^UUID не найден/.test(err.remoteText ?? '');
        if (!lost) throw err;
        if (attempt < 3) continue;
        throw new ZnakFlowError({
          code: err.code,
          ru: err.ru,
          en: err.en,
          status: err.status,
          remoteText: err.remoteText,
          source: err.source,
          retryable: true,
          cause: err,
        });
      }
    }
  }

  /** Sign a document detached over the exact bytes that will be sent. */
  async signDocument(body: CreateDocumentInput['body'], opts: CallOptions = {}): Promise<SignedDocument> {
    const bytes = toBytes(body);
    const signature = await this.opts.signer.sign(bytes, 'detached', {
      signal: opts.signal,
      purpose: 'document',
    });
    return { bytes, signature };
  }

  /**
   * `POST /api/v3/true-api/lk/documents/create?pg=…` (§3). Signs the bytes unless a signature is
   * given, sends them base64-encoded with the detached signature, and resolves to the document id
   * (the plain-text answer). The answer only means "accepted for processing": the outcome comes
   * from `documentInfo` / `listDocuments`.
   */
  async createDocument(input: CreateDocumentInput, opts: CallOptions = {}): Promise<string> {
    if (!input.type) throw localError('type', 'не указан тип документа', 'the document type is missing');
    if (!input.productGroup || !productGroup(input.productGroup)) {
      throw localError(
        'productGroup',
        `неизвестная товарная группа «${input.productGroup}»`,
        `unknown product group "${input.productGroup}"`,
      );
    }
    const bytes = toBytes(input.body);
    const signature =
      this.opts.signer.kind === 'presigned' || input.signature === undefined
        ? await this.opts.signer.sign(bytes, 'detached', {
            signal: opts.signal,
            signature: input.signature,
            purpose: 'document',
          })
        : input.signature;
    const res = await this.request({
      what: ['отправка документа', 'sending the document'],
      method: 'POST',
      path: `${V3}/lk/documents/create`,
      query: { pg: input.productGroup },
      body: {
        document_format: input.format ?? 'MANUAL',
        product_document: bytes.toString('base64'),
        type: input.type,
        signature,
      },
      auth: true,
      retry: 'create',
      call: opts,
    });
    let id = res.text.trim();
    if (id.startsWith('"')) {
      try {
        id = String(JSON.parse(id));
      } catch {
        // keep as is
      }
    }
    // The id is a UUID (FIX_<ИдФайл> for FIXATION, §3; every peer parses it as a GUID), or 32 hex
    // digits (older ids). Anything else — an HTML page, JSON, "OK", an empty or cut answer — is not
    // taken for an id: a 2xx means the document may well have been received, so the answer is
    // "uncertain", and the journal looks the document up (doc/list) before anything is sent again.
    if (!DOCUMENT_ID.test(id)) {
      throw uncertain(
        badResponse(
          'отправка документа',
          'sending the document',
          `unexpected answer: ${JSON.stringify(id.slice(0, 100))}`,
        ),
      );
    }
    return id;
  }

  /** `GET /api/v4/true-api/doc/list` (§6.2): one page. */
  async listDocuments(filter: DocListFilter, opts: CallOptions = {}): Promise<DocListPage> {
    if (!filter.pg)
      throw localError('pg', 'не указана товарная группа (pg)', 'the product group (pg) is missing');
    if (filter.senderInn && filter.receiverInn) {
      throw localError(
        'senderInn',
        'senderInn и receiverInn не могут быть указаны одновременно',
        'senderInn and receiverInn cannot be given together',
      );
    }
    if (
      filter.limit !== undefined &&
      (filter.limit < 1 || filter.limit > 1000 || !Number.isInteger(filter.limit))
    ) {
      throw localError('limit', 'limit должен быть от 1 до 1000', 'limit must be from 1 to 1000');
    }
    if ((isoDate(filter.dateFrom) === undefined) !== (isoDate(filter.dateTo) === undefined)) {
      throw localError(
        filter.dateFrom === undefined || filter.dateFrom === '' ? 'dateFrom' : 'dateTo',
        'dateFrom и dateTo указываются только вместе',
        'dateFrom and dateTo are given only together',
      );
    }
    if (filter.did && !filter.orderedColumnValue) {
      throw localError(
        'orderedColumnValue',
        'вместе с did нужен orderedColumnValue',
        'orderedColumnValue is required with did',
      );
    }
    const res = await this.request({
      what: ['список документов', 'document list'],
      method: 'GET',
      path: `${V4}/doc/list`,
      query: {
        pg: filter.pg,
        dateFrom: isoDate(filter.dateFrom),
        dateTo: isoDate(filter.dateTo),
        number: filter.number,
        documentStatus: filter.documentStatus,
        documentType: filter.documentType,
        documentFormat: filter.documentFormat,
        senderInn: filter.senderInn,
        receiverInn: filter.receiverInn,
        input: filter.input,
        limit: filter.limit,
        order: filter.order,
        did: filter.did,
        orderedColumnValue: filter.orderedColumnValue,
        pageDir: filter.pageDir,
      },
      auth: true,
      retry: 'read',
      call: opts,
    });
    const page = parseJson(res.text, docListSchema, ['список документов', 'document list']);
    // `nextPage` is in the reference's example answer; a stand that leaves it out is read by the page:
    // a full page may have a next one (asked for; an empty answer ends it), a short one is the last.
    const nextPage =
      page.nextPage === true ||
      ((page.nextPage === null || page.nextPage === undefined) &&
        filter.limit !== undefined &&
        page.results.length >= filter.limit);
    return { results: page.results, nextPage };
  }

  /**
   * Every document matching the filter, page by page (keyset paging with `did` + `orderedColumnValue`).
   *
   * With `dateFrom` and `dateTo` the range is read in windows, newest first for `DESC` (the default),
   * oldest first for `ASC`: CRPT «Planned True API changes» v552.0 caps the range of doc/list (the cap
   * is not published). A window the stand refuses is halved and read on; the client remembers the
   * span the stand took, so later lists start with windows that size.
   */
  async *iterateDocuments(
    filter: DocListFilter,
    opts: CallOptions & { maxPages?: number } = {},
  ): AsyncGenerator<DocListItem> {
    const from = filter.dateFrom !== undefined ? Date.parse(isoDate(filter.dateFrom) ?? '') : NaN;
    const to = filter.dateTo !== undefined ? Date.parse(isoDate(filter.dateTo) ?? '') : NaN;
    const asc = filter.order === 'ASC';
    const windows: Array<[number, number]> =
      Number.isFinite(from) && Number.isFinite(to) && to > from ? this.windows(from, to, asc) : [];
    let pages = 0;
    const maxPages = opts.maxPages ?? 1000;
    if (windows.length === 0) {
      yield* this.pages(filter, opts, maxPages);
      return;
    }
    while (windows.length > 0 && pages < maxPages) {
      const [a, b] = windows.shift() as [number, number];
      const f: DocListFilter = { ...filter, dateFrom: new Date(a), dateTo: new Date(b) };
      let yielded = false;
      try {
        for await (const d of this.pages(f, opts, maxPages - pages, () => pages++)) {
          yielded = true;
          yield d;
        }
      } catch (err) {
        const span = b - a;
        if (yielded || span < 2 * MIN_LIST_WINDOW_MS || !rangeRefused(err)) throw err;
        // the stand refused this range: halve it and go on (and remember the smaller span)
        this.listSpanMs = Math.min(this.listSpanMs ?? Infinity, Math.floor((span + 1) / 2));
        windows.unshift(...this.windows(a, b, asc));
      }
    }
  }

  /** [from, to] cut into windows no longer than the span the stand is known to take, in reading order. */
  private windows(from: number, to: number, asc: boolean): Array<[number, number]> {
    const span = this.listSpanMs;
    if (span === undefined || to - from < span) return [[from, to]];
    const out: Array<[number, number]> = [];
    // adjacent windows do not overlap: [a, a + span − 1 ms], [a + span, …] (dates are inclusive)
    for (let a = from; a <= to; a += span) out.push([a, Math.min(a + span - 1, to)]);
    return asc ? out : out.reverse();
  }

  private async *pages(
    filter: DocListFilter,
    opts: CallOptions,
    maxPages: number,
    onPage?: () => void,
  ): AsyncGenerator<DocListItem> {
    let f: DocListFilter = { ...filter, did: undefined, orderedColumnValue: undefined };
    for (let page = 0; page < maxPages; page++) {
      const { results, nextPage } = await this.listDocuments(f, opts);
      onPage?.();
      for (const r of results) yield r;
      const last = results[results.length - 1];
      if (!nextPage || !last) return;
      f = { ...f, did: last.number, orderedColumnValue: last.docDate, pageDir: 'NEXT' };
    }
  }

  /**
   * `GET /api/v4/true-api/doc/{id}/info` (§6.3). The answer is an array; this resolves to its first
   * element. A new id may not be visible for a few seconds: a 404 (or an empty array) is retried
   * until `waitVisibleMs` (default: the client's `visibilityWaitMs`) has passed.
   */
  async documentInfo(
    id: string,
    opts: CallOptions & { pg?: string; body?: boolean; waitVisibleMs?: number } = {},
  ): Promise<DocInfo> {
    if (!id)
      throw localError('documentId', 'не указан идентификатор документа', 'the document id is missing');
    const deadline = Date.now() + (opts.waitVisibleMs ?? this.opts.visibilityWaitMs ?? 15000);
    for (let i = 0; ; i++) {
      const res = await this.request({
        what: [`документ ${id}`, `document ${id}`],
        method: 'GET',
        path: `${V4}/doc/${encodeURIComponent(id)}/info`,
        query: { pg: opts.pg, body: opts.body ? true : undefined },
        auth: true,
        retry: 'read',
        okStatuses: [404],
        call: opts,
      });
      const list =
        res.status === 404
          ? []
          : parseJson(res.text, docInfoListSchema, [`документ ${id}`, `document ${id}`]);
      const first = list[0];
      if (first) return first;
      const delay = Math.min(3000, 500 * 2 ** i);
      if (Date.now() + delay > deadline) {
        const remote = czHttpError(404, res.text, { what: [`документ ${id}`, `document ${id}`] });
        throw new ZnakFlowError({
          code: 'CZ_DOC_NOT_FOUND',
          remoteText: remote.remoteText,
          ru: `документ ${id} не найден в Честном ЗНАКе`,
          en: `document ${id} is not found in Chestny ZNAK (a new document may need a few seconds)`,
          status: 404,
          source: 'cz',
          retryable: true,
        });
      }
      const link = this.linked(opts.signal);
      try {
        await sleep(delay, link.signal);
      } catch {
        throw closedError();
      } finally {
        link.dispose();
      }
    }
  }

  /**
   * `POST /api/v3/true-api/cises/info` (§7.1) in chunks of at most 1000 codes (configurable lower).
   * Resolves to one item per requested code, in order; unknown codes come back with
   * `errorCode: "404"` (the 404-with-array answer is not an error).
   */
  async cisesInfo(
    codes: readonly string[],
    opts: CallOptions & { pg?: string; chunkSize?: number } = {},
  ): Promise<CisInfoItem[]> {
    if (!Array.isArray(codes) || codes.length === 0) {
      throw localError('codes', 'не указан ни один код маркировки', 'no marking code given');
    }
    const bad = codes.findIndex((c) => typeof c !== 'string' || c.length === 0);
    if (bad >= 0) throw localError(`codes[${bad}]`, 'пустой код маркировки', 'empty marking code');
    const size = Math.max(1, Math.min(1000, opts.chunkSize ?? 1000));
    const out: CisInfoItem[] = [];
    for (let i = 0; i < codes.length; i += size) {
      const chunk = codes.slice(i, i + size);
      const res = await this.request({
        what: ['сведения о кодах', 'code information'],
        method: 'POST',
        path: `${V3}/cises/info`,
        query: { pg: opts.pg },
        body: chunk,
        auth: true,
        retry: 'read',
        okStatuses: [404],
        call: opts,
      });
      // 404 with the array is "these codes are unknown"; 404 with an error object (Spring's
      // `{timestamp, status, error, message, path}`, `{error_message}` …) is an error answer
      if (res.status === 404 && !res.text.trimStart().startsWith('[')) {
        throw czHttpError(404, res.text, { what: ['сведения о кодах', 'code information'] });
      }
      out.push(...parseJson(res.text, cisInfoListSchema, ['сведения о кодах', 'code information']));
    }
    return out;
  }

  /**
   * Personal-account balance (§8): all product groups, or one by its numeric id. Amounts are
   * kopecks in True API; `balanceRoubles` gives roubles. The reference is unsure whether the path
   * carries the API version: the versioned path is tried first, then the bare one.
   */
  async balance(productGroupId?: number, opts: CallOptions = {}): Promise<BalanceEntry[]> {
    const bases = this.balanceBase !== undefined ? [this.balanceBase] : [V3, ''];
    let lastErr: unknown;
    for (const b of bases) {
      const path =
        productGroupId === undefined
          ? `${b}/elk/product-groups/balance/all`
          : `${b}/elk/product-groups/balance`;
      const res = await this.request({
        what: ['баланс', 'balance'],
        method: 'GET',
        path,
        query: { productGroupId },
        auth: true,
        retry: 'read',
        okStatuses: [404],
        call: opts,
      });
      if (res.status === 404) {
        lastErr = czHttpError(404, res.text, { what: ['баланс', 'balance'] });
        // "В токене отсутствует свойство pid" etc. are real answers, not a wrong path
        if (/pid|лицев/i.test(res.text)) throw lastErr;
        continue;
      }
      this.balanceBase = b;
      const raw = parseJson(res.text, balanceAnswerSchema, ['баланс', 'balance']);
      const list = parseJson(JSON.stringify(Array.isArray(raw) ? raw : [raw]), balanceSchema.array(), [
        'баланс',
        'balance',
      ]);
      return list.map((e) => ({
        productGroupId: e.productGroupId,
        productGroup:
          (typeof e.productGroupId === 'number' ? productGroupById(e.productGroupId)?.code : undefined) ??
          String(e.productGroupId),
        balanceKopecks: e.balance ?? undefined,
        balanceRoubles: typeof e.balance === 'number' ? e.balance / 100 : undefined,
        contractId: e.contractId,
        organisationId: e.organisationId,
      }));
    }
    throw lastErr;
  }

  /**
   * One page of the participant's business places (МОДs): `GET /api/v3/true-api/mods/list`
   * («Описание True API» v553 §3.3) → `{result, total, nextPage}`. A 404 means none.
   */
  async modsPage(filter: ModsFilter = {}, opts: CallOptions = {}): Promise<ModsPage> {
    const inns = filter.inns?.filter((i) => i.trim() !== '');
    if (inns && inns.length > 10)
      throw localError('inns', 'не больше 10 ИНН в одном запросе', 'at most 10 INNs per request');
    const limit = filter.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw localError('limit', 'limit: от 1 до 1000', 'limit: 1 to 1000');
    const res = await this.request({
      what: ['список МОД', 'business places (МОД)'],
      method: 'GET',
      path: `${V3}/mods/list`,
      query: {
        inns: inns && inns.length > 0 ? inns : undefined,
        kpp: filter.kpp || undefined,
        fiasId: filter.fiasId || undefined,
        productGroups:
          filter.productGroups && filter.productGroups.length > 0 ? filter.productGroups : undefined,
        limit,
        page: filter.page ?? 0,
      },
      auth: true,
      retry: 'read',
      okStatuses: [404],
      call: opts,
    });
    if (res.status === 404) return { result: [], total: 0, nextPage: false };
    const raw = parseJson(res.text, modsListSchema, ['список МОД', 'business places (МОД)']);
    const result: ModInfo[] = (raw.result ?? []).map((m) => ({
      ...(m.inn ? { inn: m.inn } : {}),
      kpp: m.kpp ?? '',
      fiasId: m.fiasId ?? '',
      address: m.address ?? '',
      productGroups: m.productGroups ?? [],
      ...(typeof m.isBlockedEgais === 'boolean' ? { isBlockedEgais: m.isBlockedEgais } : {}),
    }));
    return { result, total: raw.total ?? result.length, nextPage: raw.nextPage === true };
  }

  /** Every МОД matching the filter, page after page (at most `maxPages`, default 50). */
  async modsList(
    filter: ModsFilter = {},
    opts: CallOptions & { maxPages?: number } = {},
  ): Promise<ModInfo[]> {
    const out: ModInfo[] = [];
    const maxPages = opts.maxPages ?? 50;
    for (let page = filter.page ?? 0, n = 0; n < maxPages; page++, n++) {
      const p = await this.modsPage({ ...filter, page }, opts);
      out.push(...p.result);
      if (!p.nextPage || p.result.length === 0) break;
    }
    return out;
  }

  /** Abort what is in flight, forget the token; the shared limiter is closed only if it is ours. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    releaseClient(
      {
        controller: this.controller,
        limiter: this.limiter,
        ownLimiter: this.ownLimiter,
        agents: this.agents,
      },
      this.token?.value,
    );
    this.token = undefined;
  }

  // ---------------------------------------------------------------------------------------------

  private linked(signal?: AbortSignal): { signal: AbortSignal; dispose(): void } {
    return linkSignals(signal, this.controller.signal);
  }

  /** The token this client asks for (see `CzClientOptions.tokenKind`). */
  get tokenKind(): 'uuid' | 'jwt' {
    if (this.opts.signer.kind === 'presigned') return 'uuid';
    if (this.opts.tokenKind) return this.opts.tokenKind;
    if (this.opts.unitedToken !== undefined) return this.opts.unitedToken ? 'uuid' : 'jwt';
    return 'uuid';
  }

  /**
   * The challenge flow («Описание True API» v553 §1.5): `auth/key` → attached signature of `data` →
   * `POST {path}` with `{uuid, data, …extra}`; resolves to the answer text and the signature.
   */
  private async signChallenge(
    path: string,
    extra: Record<string, unknown>,
    opts: CallOptions,
  ): Promise<{ text: string; signature: string }> {
    const keyRes = await this.request({
      what: ['аутентификация (auth/key)', 'authentication (auth/key)'],
      method: 'GET',
      path: `${V3}/auth/key`,
      auth: false,
      retry: 'read',
      call: opts,
    });
    const key = parseJson(keyRes.text, authKeySchema, ['аутентификация', 'authentication']);
    const signature = await this.opts.signer.sign(Buffer.from(key.data, 'utf8'), 'attached', {
      signal: opts.signal,
      purpose: 'auth',
    });
    const res = await this.request({
      what: ['аутентификация (simpleSignIn)', 'authentication (simpleSignIn)'],
      method: 'POST',
      path,
      body: { uuid: key.uuid, data: signature, ...extra },
      auth: false,
      retry: 'read',
      call: opts,
    });
    return { text: res.text, signature };
  }

  /**
   * When a token obtained with this signature expires, and when to renew it: the answer's expiry
   * (or the documented 10 hours) capped by the signer certificate's `notAfter` — «the lifetime cannot
   * exceed the expiration date of the EQES» (CRPT «Planned True API changes» v552.0).
   */
  private async tokenTimes(
    signature: string,
    answered: number | undefined,
    now: number,
  ): Promise<{ expiresAt: number; renewAt: number; certificate?: CertificateInfo; capped: boolean }> {
    let expiresAt = answered ?? now + TOKEN_LIFETIME_MS;
    let certificate: CertificateInfo | undefined;
    try {
      certificate = parseCms(Buffer.from(signature, 'base64')).signerCertificate;
    } catch {
      certificate = undefined;
    }
    certificate ??= await this.signerCertificate();
    let capped = false;
    if (certificate && certificate.notAfter.getTime() < expiresAt) {
      expiresAt = certificate.notAfter.getTime();
      capped = true;
    }
    const lifetime = Math.max(0, expiresAt - now);
    const renewAt = expiresAt - Math.min(this.opts.renewBeforeMs ?? 30 * 60 * 1000, lifetime / 5);
    return { expiresAt, renewAt, certificate, capped };
  }

  /**
   * A СУЗ client token for an integration connection: the same challenge signed, sent to
   * `POST /api/v3/true-api/auth/simpleSignIn/{omsConnection}` («Описание True API» v553 §11.1;
   * «СУЗ-Облако 4.0. Руководство программиста» §9.1) → `{token}`. A new token invalidates the one
   * before it; it lives 10 hours. The token is registered as a secret (masked by `redact`).
   */
  async omsSignIn(
    omsConnection: string,
    opts: CallOptions = {},
  ): Promise<{ token: string; expiresAt: Date; renewAt: Date; certificate?: CertificateInfo }> {
    if (this.opts.signer.kind === 'presigned') {
      throw localError(
        'signer',
        'токен СУЗ получается подписью случайной строки: заранее подписанная подпись не подходит',
        'a СУЗ token needs a signature of a random challenge: a presigned signature cannot make one',
      );
    }
    const extra: Record<string, unknown> = this.opts.authInn ? { inn: this.opts.authInn } : {};
    const { text, signature } = await this.signChallenge(
      `${V3}/auth/simpleSignIn/${encodeURIComponent(omsConnection)}`,
      extra,
      opts,
    );
    const parsed = parseJson(text, signInSchema, ['токен СУЗ', 'СУЗ token']);
    const value = parsed.token ?? parsed.uuidToken;
    if (!value) throw badResponse('токен СУЗ', 'СУЗ token', 'no token');
    registerSecret(value);
    const now = Date.now();
    const t = await this.tokenTimes(signature, expireDate(parsed.expireDate, now), now);
    return {
      token: value,
      expiresAt: new Date(t.expiresAt),
      renewAt: new Date(t.renewAt),
      certificate: t.certificate,
    };
  }

  private async doAuthenticate(opts: CallOptions): Promise<TokenInfo> {
    const presigned = this.opts.signer.kind === 'presigned';
    const united = this.tokenKind === 'uuid';
    let text: string;
    let signature: string;
    if (presigned) {
      // A random challenge cannot be signed in advance: «единый токен» with a signed INN (Описание
      // True API v553 §2.2). ⚠ CRPT «Planned True API changes» v552.0 ends this form (uuid of auth/key
      // becomes mandatory): only stands that still take it sign in this way.
      signature = await this.opts.signer.sign(Buffer.alloc(0), 'attached', {
        signal: opts.signal,
        signature: opts.authSignature,
        purpose: 'auth',
      });
      const res = await this.request({
        what: ['аутентификация (simpleSignIn)', 'authentication (simpleSignIn)'],
        method: 'POST',
        path: `${V3}/auth/simpleSignIn`,
        body: { data: signature, unitedToken: true },
        auth: false,
        retry: 'read',
        call: opts,
      });
      text = res.text;
    } else {
      // v552.0: `uuid` and the attached signature of `data`, `unitedToken: true` for the UUID token,
      // `inn` of the organisation for a signer acting under an МЧД (no longer refused with unitedToken)
      const extra: Record<string, unknown> = {};
      if (united) extra['unitedToken'] = true;
      if (this.opts.authInn) extra['inn'] = this.opts.authInn;
      ({ text, signature } = await this.signChallenge(`${V3}/auth/simpleSignIn`, extra, opts));
    }
    const parsed = parseJson(text, signInSchema, ['аутентификация', 'authentication']);
    // An answer with both: the UUID token is the one asked for; a JWT-only answer (an old stand) is used as it is.
    const uuid = united && parsed.uuidToken !== undefined;
    const value = (uuid ? parsed.uuidToken : (parsed.token ?? parsed.uuidToken)) as string;
    const kind: TokenInfo['kind'] = uuid || parsed.token === undefined ? 'uuid' : 'jwt';
    registerSecret(value);
    const now = Date.now();
    const answered =
      kind === 'uuid'
        ? expireDate(parsed.expireDate, now)
        : (jwtExpiry(value, now) ?? expireDate(parsed.expireDate, now));
    const t = await this.tokenTimes(signature, answered, now);
    if (this.token) forgetSecret(this.token.value);
    const info: TokenInfo = {
      kind,
      obtainedAt: new Date(now),
      expiresAt: new Date(t.expiresAt),
      certificate: t.certificate,
      ...(t.capped ? { cappedByCertificate: true } : {}),
    };
    this.token = { value, renewAt: t.renewAt, info };
    this.stats.authentications++;
    count('czTokenRenewals', { participant: this.participant, reason: this.renewReason });
    this.renewReason = 'expiring';
    return info;
  }

  /** The signer's certificate, when the signer can tell (the openssl signer reads its PEM). */
  private async signerCertificate(): Promise<CertificateInfo | undefined> {
    try {
      return await this.opts.signer.certificate?.();
    } catch {
      return undefined;
    }
  }

  private async bearer(call: CallOptions): Promise<string> {
    const t = this.token;
    if (t && Date.now() < t.renewAt) return t.value;
    if (this.renewReason !== 'unauthorized') this.renewReason = t ? 'expiring' : 'first';
    try {
      await this.authenticate(call);
    } catch (err) {
      // The request itself never left: say so (AUTH_FAILED), so that a caller sending a document does
      // not take Честный ЗНАК's refusal of the sign-in for a refusal of its document. Texts and status
      // are kept; the signer's own errors stay as they are.
      if (!(err instanceof ZnakFlowError) || err.source !== 'cz' || err.code === 'ABORTED') throw err;
      throw new ZnakFlowError({
        code: 'AUTH_FAILED',
        ru: err.ru,
        en: err.en,
        status: err.status,
        remoteText: err.remoteText,
        source: err.source,
        retryable: err.retryable,
        cause: err,
      });
    }
    if (!this.token) throw badResponse('аутентификация', 'authentication', 'no token');
    return this.token.value;
  }

  private request(spec: RequestSpec): Promise<RawResponse> {
    return this.transport.request(spec);
  }
}

function toBytes(body: CreateDocumentInput['body']): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(body), 'utf8');
}

function badResponse(ru: string, en: string, why: string): ZnakFlowError {
  return new ZnakFlowError({
    code: 'CZ_BAD_RESPONSE',
    ru: `${ru}: неожиданный ответ Честного ЗНАКа (${why})`,
    en: `${en}: unexpected answer from Chestny ZNAK (${why})`,
    source: 'cz',
  });
}

function parseJson<T>(text: string, schema: z.ZodType<T>, what: [string, string]): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw badResponse(what[0], what[1], `not JSON: ${text.slice(0, 120)}`);
  }
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const details = zodIssuesToDetails(r.error);
  const first = details[0];
  throw new ZnakFlowError({
    code: 'CZ_BAD_RESPONSE',
    ru: `${what[0]}: ответ Честного ЗНАКа не соответствует ожидаемому (${first?.path}: ${first?.message_ru})`,
    en: `${what[1]}: the answer of Chestny ZNAK has an unexpected shape (${first?.path}: ${first?.message_en})`,
    source: 'cz',
    details,
  });
}

function uncertain(err: ZnakFlowError): ZnakFlowError {
  return new ZnakFlowError({
    code: 'CZ_SEND_UNCERTAIN',
    ru: `${err.ru}; неизвестно, принят ли документ: найдите его (doc/list) перед повторной отправкой`,
    en: `${err.en}; it is unknown whether the document was received: look it up (doc/list) before sending again`,
    status: err.status,
    remoteText: err.remoteText,
    source: 'cz',
    retryable: true,
    cause: err,
  });
}

function closedError(): ZnakFlowError {
  return new ZnakFlowError({
    code: 'ABORTED',
    ru: 'запрос к Честному ЗНАКу прерван (узел остановлен или переразвёрнут)',
    en: 'the request to Chestny ZNAK was aborted (node stopped or redeployed)',
    source: 'cz',
  });
}
