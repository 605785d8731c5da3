/**
 * The 1C OData client: one per `onec-connection`, shared by every node that uses it.
 *
 * ```ts
 * const client = new OnecClient({ url: 'http://127.0.0.1:8081/demo', username: 'odata', password: '…' });
 * const docs = await client.listAll('Document_РеализацияТоваровУслуг', {
 *   filter: { and: [{ field: 'Posted', op: 'eq', value: true, type: 'boolean' }] },
 *   orderby: ['Date', 'Ref_Key'],
 * });
 * const items = await client.getMany('Catalog_Номенклатура', refs);   // batched, never one request per row
 * await client.close();
 * ```
 *
 * Always `$format=json`, HTTP Basic in UTF-8, a timeout per request, `http(s)` with an optional
 * CA file (TLS verification is never switched off), proxy from the environment
 * (`HTTP(S)_PROXY`/`NO_PROXY`) or an explicit one (Node-RED's `http proxy` node). Reads are retried
 * on timeouts, network errors and 5xx (never on 1C's business error -1); writes are not retried.
 */
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosProxyConfig } from 'axios';
import { ZnakFlowError } from '../errors';
import { count } from '../metrics';
import { registerSecret } from '../redact';
import { httpsAgent as tlsAgent, readCaFile } from '../tls';
import { onecHttpError, onecNetworkError, looksLikeHtml, htmlTitle } from './errors';
import {
  buildQuery,
  chunkOr,
  entityPath,
  isEmptyRef,
  isGuid,
  parseOrder,
  urlBytes,
  type Condition,
  type ExpandSpec,
  type KeyLiteralType,
  type LiteralType,
  type OrderSpec,
  type QueryOptions,
} from './query';
import {
  collectionSchema,
  entitySetNames,
  objectSchema,
  serviceDocumentSchema,
  type ODataObject,
} from './schemas';
import { zodIssuesToDetails } from '../validation';
import type { z } from 'zod';
import { quietSleep, spreadDelay } from '../retry';

export interface ProxyConfig {
  /** `http://proxy:3128` */
  url: string;
  username?: string;
  password?: string;
  /** host names (or `.domain` suffixes) reached directly */
  noProxy?: string[];
}

export interface OnecClientOptions {
  /** publication root, e.g. `http://server/base`; `/odata/standard.odata/` is appended */
  url: string;
  username?: string;
  password?: string;
  /** ms per request (default 30 000) */
  timeout?: number;
  /** PEM text of extra certificate authorities (self-signed 1C servers) */
  ca?: string | Buffer;
  /** or a PEM file to read them from */
  caFile?: string;
  /** `undefined`: from the environment; `false`: none; or an explicit proxy */
  proxy?: ProxyConfig | false;
  /** every request URL stays under this many bytes (default 2 000; IIS refuses > 2 048) */
  maxUrlBytes?: number;
  /** retries of a read after a timeout, network error or 5xx (default 2) */
  retries?: number;
  /** first retry delay in ms, doubled each time, with jitter (default 300) */
  retryDelayMs?: number;
  /** rows per page when paging with `$top`/`$skip` (default 500) */
  pageSize?: number;
}

/** A key: a GUID (`Ref_Key`) or named key values (`Ref_Key`+`LineNumber`, register dimensions). */
export type EntityKey = string | Record<string, { value: unknown; type: KeyLiteralType }>;

export interface ListResult {
  value: ODataObject[];
  /** `odata.count` when `$inlinecount` was asked for */
  count?: number;
}

export interface ConnectionReport {
  ok: true;
  /** the service root that answered */
  url: string;
  status: number;
  /** `Server` header (IIS/Apache version) */
  server?: string;
  /** `DataServiceVersion` header (3.0 for 1C) */
  dataServiceVersion?: string;
  /** entity sets of the OData composition visible to this user */
  entitySets: string[];
  elapsedMs: number;
}

export interface ClientStats {
  /** HTTP requests sent (retries included) */
  requests: number;
  /** the longest request URL, in bytes */
  maxUrlBytes: number;
}

interface RawResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

interface RequestOptions {
  body?: unknown;
  entity?: string;
  byKey?: boolean;
  headers?: Record<string, string>;
  /** allow a retry (reads only) */
  retry?: boolean;
}

const REF_PREFIXES = [
  'Catalog_',
  'Document_',
  'ChartOfCharacteristicTypes_',
  'ChartOfAccounts_',
  'ChartOfCalculationTypes_',
  'ExchangePlan_',
  'BusinessProcess_',
  'Task_',
];

/** Entity sets whose objects are keyed by `Ref_Key` (not registers, tabular sections, constants). */
export function isReferenceSet(entity: string): boolean {
  return REF_PREFIXES.some((p) => entity.startsWith(p)) && !/_RowType$/.test(entity);
}

function headerValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(String).join(', ');
  if (typeof v === 'number') return String(v);
  return undefined;
}

function hostMatches(host: string, patterns: string[]): boolean {
  const h = host.toLowerCase();
  return patterns.some((p) => {
    const pat = p.trim().toLowerCase();
    if (!pat) return false;
    if (pat === '*') return true;
    const bare = pat.replace(/^\*?\./, '');
    return h === bare || h.endsWith(`.${bare}`);
  });
}

export class OnecClient {
  /** `<publication>/odata/standard.odata/` */
  readonly serviceRoot: string;
  readonly stats: ClientStats = { requests: 0, maxUrlBytes: 0 };
  private readonly origin: string;
  private readonly http: AxiosInstance;
  private readonly timeout: number;
  private readonly maxUrlBytes: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  readonly pageSize: number;
  private readonly auth?: string;
  private readonly agents: Array<http.Agent | https.Agent> = [];
  private readonly aborter = new AbortController();
  private closed = false;

  constructor(opts: OnecClientOptions) {
    // every request in flight (and every retry wait) listens to it until it ends: many at once are no leak
    setMaxListeners(0, this.aborter.signal);
    let root: URL;
    try {
      root = new URL(opts.url);
    } catch {
      throw new ZnakFlowError({
        code: 'ONEC_BAD_URL',
        field: 'url',
        source: 'config',
        ru: `неверный адрес публикации «${opts.url}»`,
        en: `invalid publication URL "${opts.url}"`,
      });
    }
    const basePath = root.pathname.replace(/\/+$/, '').replace(/\/odata\/standard\.odata$/i, '');
    this.origin = root.origin;
    // The publication path as the WHATWG URL parser percent-encodes it (Cyrillic base names).
    this.serviceRoot = `${root.origin}${basePath}/odata/standard.odata/`;
    this.timeout = opts.timeout ?? 30000;
    this.maxUrlBytes = opts.maxUrlBytes ?? 2000;
    this.retries = opts.retries ?? 2;
    this.retryDelayMs = opts.retryDelayMs ?? 300;
    this.pageSize = opts.pageSize ?? 500;
    if (opts.username !== undefined && opts.username !== '') {
      const token = Buffer.from(`${opts.username}:${opts.password ?? ''}`, 'utf8').toString('base64');
      registerSecret(token);
      registerSecret(opts.password);
      this.auth = `Basic ${token}`;
    }
    const extra =
      opts.ca ??
      (opts.caFile ? readCaFile(opts.caFile, { field: 'caFile', code: 'ONEC_CA_FILE' }) : undefined);
    const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const httpsAgent = tlsAgent(extra, { keepAlive: true, maxSockets: 8 });
    this.agents.push(httpAgent, httpsAgent);
    let proxy: AxiosProxyConfig | false | undefined;
    if (opts.proxy === false) proxy = false;
    else if (opts.proxy) {
      if (hostMatches(root.hostname, opts.proxy.noProxy ?? [])) proxy = false;
      else {
        const p = new URL(opts.proxy.url);
        proxy = {
          protocol: p.protocol.replace(':', ''),
          host: p.hostname,
          port: Number(p.port || (p.protocol === 'https:' ? 443 : 80)),
          auth: opts.proxy.username
            ? { username: opts.proxy.username, password: opts.proxy.password ?? '' }
            : undefined,
        };
        registerSecret(opts.proxy.password);
      }
    }
    this.http = axios.create({
      httpAgent,
      httpsAgent,
      proxy,
      timeout: this.timeout,
      responseType: 'text',
      transformResponse: [(d: unknown) => d],
      validateStatus: () => true,
      maxRedirects: 0,
      maxContentLength: 512 * 1024 * 1024,
    });
  }

  /** Abort every request in flight and release the connections. Idempotent. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.aborter.abort();
      for (const a of this.agents) a.destroy();
    }
    return Promise.resolve();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * A transport that sends the request target exactly as built and measured here. axios parses
   * the URL with the WHATWG parser, which would turn every `'` of the query into `%27` (2 more
   * bytes each, so fewer keys per request under the URL budget); 1C and IIS read `'` raw
   * (as hacker-cb/1c-odata `url-builder.ts` sends them). Handles the direct, forward-proxy (absolute URL) and CONNECT cases.
   */
  private exactTransport(url: string): { request: typeof http.request } {
    const target = url.slice(this.origin.length);
    const request = ((options: http.RequestOptions, cb?: (res: http.IncomingMessage) => void) => {
      const opts = { ...options };
      opts.path = /^https?:\/\//i.test(opts.path ?? '') ? url : target;
      return opts.protocol === 'https:' ? https.request(opts, cb) : http.request(opts, cb);
    }) as typeof http.request;
    return { request };
  }

  /** Full URL of a resource (path + query relative to the service root). */
  urlOf(resource: string): string {
    return this.serviceRoot + resource;
  }

  private async send(method: string, resource: string, opts: RequestOptions): Promise<RawResponse> {
    if (this.closed) {
      throw new ZnakFlowError({
        code: 'ONEC_CLOSED',
        source: '1c',
        ru: 'подключение к 1С закрыто (узел перезапущен)',
        en: 'the 1C connection is closed (the node was redeployed)',
      });
    }
    const url = this.urlOf(resource);
    const bytes = urlBytes(url);
    if (bytes > this.maxUrlBytes) {
      throw new ZnakFlowError({
        code: 'ONEC_URL_TOO_LONG',
        field: opts.entity,
        source: '1c',
        ru: `адрес запроса слишком длинный (${bytes} байт, допустимо ${this.maxUrlBytes}): сократите отбор или список полей`,
        en: `the request URL is too long (${bytes} bytes, at most ${this.maxUrlBytes}): shorten the filter or the field list`,
      });
    }
    const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
    if (this.auth) headers['Authorization'] = this.auth;
    let data: string | undefined;
    if (opts.body !== undefined) {
      data = JSON.stringify(opts.body);
      headers['Content-Type'] = 'application/json;charset=utf-8';
    } else if (method === 'POST' || method === 'PATCH' || method === 'PUT') {
      // IIS answers 411 to a body-less POST without an explicit length (seen live by hacker-cb/1c-odata).
      headers['Content-Length'] = '0';
      data = '';
    }
    const attempts = opts.retry ? this.retries + 1 : 1;
    const labels = { method, entity: entityLabel(opts.entity, resource) };
    const failed = (e: ZnakFlowError): void => count('onecErrors', { ...labels, code: e.code });
    let lastErr: ZnakFlowError | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) {
        count('onecRetries', { entity: labels.entity });
        await quietSleep(spreadDelay(attempt, this.retryDelayMs), this.aborter.signal);
        if (this.closed) break;
      }
      this.stats.requests++;
      count('onecRequests', labels);
      this.stats.maxUrlBytes = Math.max(this.stats.maxUrlBytes, bytes);
      // The timeout is a deadline for the whole answer: axios's own timeout only notices a silent
      // socket, so a server dripping one byte at a time would hold the request forever.
      const deadline = requestDeadline(this.aborter.signal, this.timeout);
      try {
        const res = await this.http.request<string>({
          url,
          method,
          data,
          headers,
          signal: deadline.signal,
          transport: this.exactTransport(url),
        });
        const resHeaders: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers ?? {})) {
          const hv = headerValue(v);
          if (hv !== undefined) resHeaders[k.toLowerCase()] = hv;
        }
        const body = typeof res.data === 'string' ? res.data : res.data === undefined ? '' : String(res.data);
        if (res.status >= 200 && res.status < 300) return { status: res.status, body, headers: resHeaders };
        const err = onecHttpError({
          status: res.status,
          body,
          contentType: resHeaders['content-type'],
          method,
          resource: decodeForMessage(resource),
          entity: opts.entity,
          byKey: opts.byKey,
          urlBytes: bytes,
        });
        failed(err);
        if (!err.retryable) throw err;
        lastErr = err;
      } catch (err) {
        if (err instanceof ZnakFlowError) {
          if (!err.retryable) throw err;
          lastErr = err;
          continue;
        }
        const e = onecNetworkError(
          deadline.expired() ? timeoutError(this.timeout, err) : err,
          method,
          decodeForMessage(resource),
          this.timeout,
        );
        if (e.code !== 'ONEC_ABORTED') failed(e);
        if (!e.retryable || this.closed) throw e;
        lastErr = e;
      } finally {
        deadline.dispose();
      }
    }
    throw (
      lastErr ??
      new ZnakFlowError({
        code: 'ONEC_CLOSED',
        source: '1c',
        ru: 'подключение закрыто',
        en: 'connection closed',
      })
    );
  }

  /** Parse a 2xx answer as JSON, refusing HTML pages (1C sends one with 200 on some auth problems). */
  private parseJson(res: RawResponse, method: string, resource: string): unknown {
    const text = res.body.replace(/^\uFEFF/, '');
    if (looksLikeHtml(text, res.headers['content-type'])) {
      throw new ZnakFlowError({
        code: 'ONEC_HTML',
        field: 'url',
        status: res.status,
        remoteText: htmlTitle(text) || undefined,
        source: '1c',
        ru: `вместо ответа OData пришла страница HTML («${htmlTitle(text)}»): проверьте адрес публикации, логин и пароль`,
        en: `an HTML page ("${htmlTitle(text)}") came instead of an OData answer: check the publication URL, user and password`,
      });
    }
    if (!text.trim()) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new ZnakFlowError({
        code: 'ONEC_BAD_JSON',
        status: res.status,
        remoteText: text.slice(0, 300),
        source: '1c',
        ru: `1С вернула не JSON (${method} ${decodeForMessage(resource)}): ${(err as Error).message}`,
        en: `1C answered something that is not JSON (${method} ${decodeForMessage(resource)}): ${(err as Error).message}`,
        cause: err,
      });
    }
  }

  private shape<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    throw new ZnakFlowError({
      code: 'ONEC_BAD_RESPONSE',
      source: '1c',
      details: zodIssuesToDetails(r.error, what),
      ru: `ответ 1С неожиданной формы (${what})`,
      en: `1C answered an unexpected shape (${what})`,
    });
  }

  /** GET of a path (relative to the service root) answering JSON. */
  async getJson(resource: string, entity?: string, byKey = false): Promise<unknown> {
    const res = await this.send('GET', resource, { entity, byKey, retry: true });
    return this.parseJson(res, 'GET', resource);
  }

  /** The entity sets this user can see (the service document). */
  async entitySets(): Promise<string[]> {
    const doc = await this.getJson('?$format=json');
    return entitySetNames(this.shape(serviceDocumentSchema, doc, 'service document'));
  }

  /** Ask the service root and report what answered: the "Test connection" button. */
  async testConnection(): Promise<ConnectionReport> {
    const t0 = Date.now();
    const res = await this.send('GET', '?$format=json', { retry: false });
    const doc = this.parseJson(res, 'GET', '');
    const sets = entitySetNames(this.shape(serviceDocumentSchema, doc, 'service document'));
    return {
      ok: true,
      url: this.serviceRoot,
      status: res.status,
      server: res.headers['server'],
      dataServiceVersion: res.headers['dataserviceversion'],
      entitySets: sets,
      elapsedMs: Date.now() - t0,
    };
  }

  /** One page of an entity set. */
  async list(entity: string, query: QueryOptions = {}): Promise<ListResult> {
    const resource = `${entityPath(entity)}?${buildQuery(query)}`;
    const data = await this.getJson(resource, entity);
    const c = this.shape(collectionSchema, data, entity);
    const count = c['odata.count'] === undefined ? undefined : Number(c['odata.count']);
    return { value: c.value, count };
  }

  /**
   * Every row matching the query, paged with `$top`/`$skip` (1C has no server paging) in a stable
   * order: the given `orderby` plus `Ref_Key` as a tie-break for reference objects. Rows that show
   * up twice across pages (the data changed between pages) are returned once.
   */
  async listAll(
    entity: string,
    query: Omit<QueryOptions, 'top' | 'skip' | 'inlinecount'> = {},
    opts: { pageSize?: number; limit?: number } = {},
  ): Promise<ODataObject[]> {
    const pageSize = opts.pageSize ?? this.pageSize;
    const limit = opts.limit ?? Infinity;
    const orderby: OrderSpec[] = (query.orderby ?? []).map((o) =>
      typeof o === 'string' ? parseOrder(o) : o,
    );
    const refSet = isReferenceSet(entity);
    if (refSet && !orderby.some((o) => o.field === 'Ref_Key')) orderby.push({ field: 'Ref_Key' });
    const out: ODataObject[] = [];
    const seen = new Set<string>();
    for (let skip = 0; out.length < limit; skip += pageSize) {
      const top = Math.min(pageSize, limit - out.length);
      const page = await this.list(entity, { ...query, orderby, top, skip });
      let added = 0;
      for (const row of page.value) {
        if (out.length >= limit) break;
        const key = refSet && typeof row['Ref_Key'] === 'string' ? row['Ref_Key'] : undefined;
        if (key !== undefined) {
          if (seen.has(key)) continue;
          seen.add(key);
        }
        out.push(row);
        added++;
      }
      if (page.value.length < top) break;
      // A server that ignores $top/$skip (more rows than asked, or the same rows again) would make
      // this loop forever: what it gave is all there is to get.
      if (page.value.length > top || (refSet && added === 0)) break;
    }
    return out;
  }

  /** `$count` with an optional filter. */
  async count(entity: string, filter?: Condition): Promise<number> {
    const q = buildQuery({ filter }).replace(/^\$format=json&?/, '');
    const resource = `${entityPath(entity)}/$count${q ? `?${q}` : ''}`;
    const res = await this.send('GET', resource, { entity, retry: true });
    const text = res.body.replace(/^\uFEFF/, '').trim();
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isInteger(n)) {
      throw new ZnakFlowError({
        code: 'ONEC_BAD_RESPONSE',
        source: '1c',
        remoteText: res.body.slice(0, 100),
        ru: '1С вернула не число на запрос $count',
        en: '1C did not answer a number to $count',
      });
    }
    return n;
  }

  /** One object by its key. `$expand` is not offered: 1C does not expand single-entity requests. */
  async get(entity: string, key: EntityKey, opts: { select?: string[] } = {}): Promise<ODataObject> {
    const q = buildQuery({ select: opts.select });
    const resource = `${entityPath(entity, key)}?${q}`;
    const data = await this.getJson(resource, entity, true);
    return this.shape(objectSchema, data, entity);
  }

  /**
   * Every row whose `field` equals one of `values`, in as few requests as the URL budget allows
   * (`field eq v1 or field eq v2 …`, split into several requests when long). Empty references
   * and duplicates are skipped.
   */
  async findAll(
    entity: string,
    values: readonly string[],
    opts: {
      field?: string;
      type?: LiteralType;
      /** `startswith`: rows whose (string) field starts with one of the values */
      op?: 'eq' | 'startswith';
      select?: string[];
      expand?: Array<string | ExpandSpec>;
    } = {},
  ): Promise<ODataObject[]> {
    const field = opts.field ?? 'Ref_Key';
    const type = opts.type ?? 'guid';
    const wanted = [
      ...new Set(values.filter((v) => !isEmptyRef(v)).map((v) => (type === 'guid' ? v.toLowerCase() : v))),
    ];
    if (wanted.length === 0) return [];
    if (type === 'guid') {
      const bad = wanted.find((v) => !isGuid(v));
      if (bad !== undefined) {
        throw new ZnakFlowError({
          code: 'ONEC_BAD_VALUE',
          field,
          source: 'input',
          ru: `неверный идентификатор ссылки «${bad}»`,
          en: `invalid reference key "${bad}"`,
        });
      }
    }
    const base = { select: opts.select, expand: opts.expand };
    const path = entityPath(entity);
    const fits = (filter: Condition): boolean =>
      urlBytes(this.urlOf(`${path}?${buildQuery({ ...base, filter })}`)) <= this.maxUrlBytes;
    const out: ODataObject[] = [];
    for (const filter of chunkOr(field, wanted, type, fits, opts.op)) {
      out.push(...(await this.list(entity, { ...base, filter })).value);
    }
    return out;
  }

  /** Many objects by key value (see {@link findAll}); a map by lower-cased key value. */
  async getMany(
    entity: string,
    values: readonly string[],
    opts: { field?: string; type?: LiteralType; select?: string[]; expand?: Array<string | ExpandSpec> } = {},
  ): Promise<Map<string, ODataObject>> {
    const field = opts.field ?? 'Ref_Key';
    const type = opts.type ?? 'guid';
    const out = new Map<string, ODataObject>();
    for (const row of await this.findAll(entity, values, opts)) {
      const k = row[field];
      if (typeof k === 'string') out.set(type === 'guid' ? k.toLowerCase() : k, row);
    }
    return out;
  }

  /** Create an object or a register record (POST). Returns the object 1C answers with. */
  async create(entity: string, body: ODataObject): Promise<ODataObject | undefined> {
    const resource = `${entityPath(entity)}?$format=json`;
    const res = await this.send('POST', resource, { entity, body });
    const data = this.parseJson(res, 'POST', resource);
    return data === undefined ? undefined : this.shape(objectSchema, data, entity);
  }

  /** Change some fields of an object or record (PATCH). Returns the object 1C answers with. */
  async patch(entity: string, key: EntityKey, body: ODataObject): Promise<ODataObject | undefined> {
    const resource = `${entityPath(entity, key)}?$format=json`;
    const res = await this.send('PATCH', resource, { entity, body, byKey: true });
    const data = this.parseJson(res, 'PATCH', resource);
    return data === undefined ? undefined : this.shape(objectSchema, data, entity);
  }

  /** Delete an object or record physically (DELETE). */
  async remove(entity: string, key: EntityKey): Promise<void> {
    const resource = `${entityPath(entity, key)}?$format=json`;
    await this.send('DELETE', resource, { entity, byKey: true });
  }

  /** Send a request to a raw resource path (escape hatch for functions like `Post`). */
  async raw(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', resource: string, body?: unknown): Promise<unknown> {
    const res = await this.send(method, resource, { body, retry: method === 'GET' });
    return this.parseJson(res, method, resource);
  }
}

/**
 * The entity set a request addresses, as a metrics label: the name the caller gave, else the
 * first path segment of the resource (`Document_X(guid'…')/Post` → `Document_X`), else `(service)`.
 */
function entityLabel(entity: string | undefined, resource: string): string {
  if (entity) return entity;
  const head = /^[^(/?$]+/.exec(decodeForMessage(resource))?.[0];
  return head && /^[\p{L}\p{N}_]+$/u.test(head) ? head : '(service)';
}

/** An abort signal that fires when `parent` does or when `ms` have passed (`expired()` tells which). */
function requestDeadline(
  parent: AbortSignal,
  ms: number,
): { signal: AbortSignal; expired(): boolean; dispose(): void } {
  const c = new AbortController();
  let expired = false;
  const onAbort = (): void => c.abort();
  parent.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    expired = true;
    c.abort();
  }, ms);
  return {
    signal: c.signal,
    expired: () => expired,
    dispose: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', onAbort);
    },
  };
}

function timeoutError(ms: number, cause: unknown): Error {
  return Object.assign(new Error(`timeout of ${ms}ms exceeded`, { cause }), { code: 'ETIMEDOUT' });
}

/** Resource paths in messages: decoded for people (Cyrillic readable), shortened. */
function decodeForMessage(resource: string): string {
  let s: string;
  try {
    s = decodeURIComponent(resource);
  } catch {
    s = resource;
  }
  return s.length > 300 ? `${s.slice(0, 297)}…` : s;
}
