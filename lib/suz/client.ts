/**
 * The СУЗ (OMS) client, API v3 («СУЗ-Облако 4.0. Руководство программиста» v4.55, API 3.0.27 —
 * cited below as «СУЗ API v3» with its sections): ping, the integration connection, orders of
 * marking codes, code blocks, and utilisation / aggregation / dropout reports.
 *
 * - `omsId` goes in the query of every call (§4.1);
 * - the client token comes from True API: `auth/key` → signed `data` → `POST
 *   /api/v3/true-api/auth/simpleSignIn/{omsConnection}` («Описание True API» v553 §11.1, §9.1 of the
 *   guide), one token per connection, renewed before its 10 hours end and once on a 401, sent as the
 *   `clientToken` header (§2.3.1); it is registered as a secret (masked by `redact()`);
 * - every POST carries `X-Signature`: a detached CMS signature of the exact body bytes, one line of
 *   base64 (an attached one is refused with 413, §2.3.1, §6.2.2);
 * - at most 10 requests per second per omsId (recommended, §4.4), retries for 429/5xx/network only;
 *   creating an order or a report is retried only when it surely did not arrive, otherwise it fails
 *   with `SUZ_UNCERTAIN` and the caller looks it up (lib/suz/orders.ts).
 */
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { z } from 'zod';
import type { CzClient } from '../cz/client';
import { RateLimiter } from '../cz/limiter';
import { DEFAULT_RETRY, type RetryPolicy } from '../retry';
import { releaseClient, Transport, type TransportSpec } from '../cz/transport';
import { ZnakFlowError } from '../errors';
import { forgetSecret, registerSecret } from '../redact';
import type { Signer } from '../signing/types';
import { zodIssuesToDetails } from '../validation';
import { suzBadResponse, suzClosed, suzHttpError, suzInvalid, suzNetworkError, suzUncertain } from './errors';

export const SUZ_V3 = '/api/v3';

export interface SuzClientOptions {
  /** the True API client of the same participant: the СУЗ token is obtained through it */
  cz: CzClient;
  /** СУЗ root without the API path, e.g. `https://suzgrid.crpt.ru` or `http://127.0.0.1:9400` */
  baseUrl: string;
  /** where the integration connection is registered (default `baseUrl`) */
  registrationUrl?: string;
  omsId: string;
  /** the integration connection id (from the СУЗ UI, or `registerConnection`) */
  omsConnection?: string;
  /** signs `X-Signature` (default the True API client's signer) */
  signer?: Signer;
  /** requests per second (1…10, default 10); ignored when `limiter` is given */
  rateLimit?: number;
  limiter?: RateLimiter;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  http?: AxiosInstance;
  participantInn?: string;
}

export interface SuzCallOptions {
  signal?: AbortSignal;
}

export type SerialNumberType = 'SELF_MADE' | 'OPERATOR';

export interface OrderProduct {
  gtin: string;
  quantity: number;
  serialNumberType: SerialNumberType;
  serialNumbers?: string[];
  templateId: number;
  cisType?: string;
  attributes?: Record<string, unknown>;
}

export interface CreateOrderInput {
  productGroup: string;
  products: OrderProduct[];
  serviceProviderId?: string;
  /** e.g. `releaseMethodType`, `createMethodType`, `productionOrderId` */
  attributes?: Record<string, unknown>;
}

export interface CreatedOrder {
  omsId: string;
  orderId: string;
  expectedCompleteTimestamp?: number;
}

const num = z.coerce.number();
const optStr = z.string().nullish();

export const bufferInfoSchema = z
  .object({
    orderId: optStr,
    gtin: z.string(),
    bufferStatus: z.string(),
    availableCodes: num.nullish(),
    leftInBuffer: num.nullish(),
    totalCodes: num.nullish(),
    totalPassed: num.nullish(),
    unavailableCodes: num.nullish(),
    poolsExhausted: z.boolean().nullish(),
    rejectionReason: optStr,
    expiredDate: z.union([z.number(), z.string()]).nullish(),
    templateId: num.nullish(),
  })
  .passthrough();
export type BufferInfo = z.infer<typeof bufferInfoSchema>;

export const orderInfoSchema = z
  .object({
    orderId: z.string(),
    orderStatus: z.string(),
    createdTimestamp: num.nullish(),
    declineReason: optStr,
    productGroup: optStr,
    productionOrderId: optStr,
    buffers: z.array(bufferInfoSchema).nullish(),
  })
  .passthrough();
export type OrderInfo = z.infer<typeof orderInfoSchema>;

const createdSchema = z
  .object({
    omsId: z.string().nullish(),
    orderId: z.string().min(1),
    expectedCompleteTimestamp: num.nullish(),
  })
  .passthrough();
const codesSchema = z
  .object({ omsId: optStr, codes: z.array(z.string()), blockId: z.string().min(1) })
  .passthrough();
const reportSchema = z.object({ omsId: optStr, reportId: z.string().min(1) }).passthrough();
const reportInfoSchema = z
  .object({ omsId: optStr, reportId: z.string(), reportStatus: z.string(), errorReason: optStr })
  .passthrough();
const pingSchema = z.object({ omsId: optStr, apiVersion: optStr, omsVersion: optStr }).passthrough();
const connectionSchema = z
  .object({ status: optStr, omsConnection: z.string().min(1), name: optStr })
  .passthrough();

export interface CodeBlock {
  blockId: string;
  /** the codes as СУЗ gives them: full, with GS (ASCII 29) and crypto tail («СУЗ API v3» §2.3.3) */
  codes: string[];
}

export type ReportStatus =
  'DRAFT' | 'PENDING' | 'READY_TO_SEND' | 'REJECTED' | 'SENT' | 'CHECK' | 'SUCCESS' | 'FAILED' | 'PARTIALLY';

/** Final report statuses («СУЗ API v3» §5.3.1 report status dictionary). */
export const FINAL_REPORT_STATUSES: readonly string[] = ['SUCCESS', 'FAILED', 'REJECTED', 'PARTIALLY'];

export interface UtilisationInput {
  productGroup: string;
  /** full codes, with the check code (§4.4.11), at most 30 000 */
  sntins: string[];
  utilisationType?: 'UTILISATION' | 'RESORT';
  attributes?: Record<string, unknown>;
}

export interface AggregationInput {
  productGroup?: string;
  participantId: string;
  aggregationUnits: Array<{
    unitSerialNumber: string;
    aggregationType?: 'AGGREGATION' | 'UPDATE';
    sntins: string[];
    aggregatedItemsCount?: number;
  }>;
}

export interface DropoutInput {
  productGroup: string;
  dropoutReason: string;
  sntins: string[];
  attributes?: Record<string, unknown>;
}

/** The report kinds and their paths (§4.4.11 ff.). */
export type ReportKind = 'utilisation' | 'aggregation' | 'dropout';

/** «СУЗ API v3» §3.1, §4.4.11: at most 30 000 codes per report. */
export const MAX_REPORT_CODES = 30000;
/** §4.4.4: at most 150 000 codes per `codes` call. */
export const MAX_CODES_PER_CALL = 150000;
/** §4.4.1: at most 10 GTINs per order. */
export const MAX_ORDER_PRODUCTS = 10;

export function endpointOfSuz(path: string): string {
  const p = path.replace(/^\/api\/v3\//, '');
  return /^[a-z]+(?:\/[a-z]+){0,2}$/i.test(p) ? `suz/${p}` : 'suz/other';
}

export class SuzClient {
  readonly omsId: string;
  private readonly transport: Transport<SuzCallOptions>;
  private readonly registration: Transport<SuzCallOptions>;
  readonly limiter: RateLimiter;
  readonly ownLimiter: boolean;
  readonly controller = new AbortController();
  readonly agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 16 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 16 }),
  };
  private omsConnectionId?: string;
  private token?: { value: string; renewAt: number; expiresAt: number };
  private tokenInFlight?: Promise<string>;
  private closed = false;
  readonly stats = { requests: 0, retries: 0, rateLimited: 0, tokens: 0 };

  constructor(private readonly opts: SuzClientOptions) {
    if (!opts.omsId) throw suzInvalid('omsId', 'не указан omsId', 'omsId is missing');
    this.omsId = opts.omsId;
    this.omsConnectionId = opts.omsConnection || undefined;
    this.ownLimiter = !opts.limiter;
    this.limiter =
      opts.limiter ??
      new RateLimiter({ perSecond: Math.min(10, opts.rateLimit ?? 10), label: opts.participantInn });
    setMaxListeners(0, this.controller.signal);
    const common = {
      http: opts.http ?? axios.create(),
      agents: this.agents,
      limiter: this.limiter,
      retry: { ...DEFAULT_RETRY, ...opts.retry },
      timeoutMs: opts.timeoutMs ?? 60000,
      signal: this.controller.signal,
      isClosed: () => this.closed,
      errors: { http: suzHttpError, network: suzNetworkError, uncertain: suzUncertain, closed: suzClosed },
      labels: (path: string) => ({ participant: opts.participantInn ?? '', endpoint: endpointOfSuz(path) }),
      stats: this.stats,
    };
    const root = (u: string): string => u.replace(/\/+$/, '').replace(/\/api\/v[23]$/, '');
    this.transport = new Transport<SuzCallOptions>({
      ...common,
      base: root(opts.baseUrl),
      auth: {
        token: (call) => this.clientToken(call),
        headers: (token) => ({ clientToken: token }),
        rejected: (token) => {
          if (this.token?.value === token) this.token.renewAt = 0;
        },
      },
    });
    this.registration = new Transport<SuzCallOptions>({
      ...common,
      base: root(opts.registrationUrl ?? opts.baseUrl),
    });
  }

  get omsConnection(): string | undefined {
    return this.omsConnectionId;
  }

  private get signer(): Signer {
    return this.opts.signer ?? this.opts.cz.signer;
  }

  /** When the current token expires (never the token itself). */
  tokenExpiresAt(): Date | undefined {
    return this.token ? new Date(this.token.expiresAt) : undefined;
  }

  /** Get a new client token now; concurrent callers share one sign-in. */
  renewToken(call: SuzCallOptions = {}): Promise<string> {
    this.tokenInFlight ??= this.signIn(call).finally(() => {
      this.tokenInFlight = undefined;
    });
    return this.tokenInFlight;
  }

  private async clientToken(call: SuzCallOptions): Promise<string> {
    const t = this.token;
    if (t && Date.now() < t.renewAt) return t.value;
    return this.renewToken(call);
  }

  private async signIn(call: SuzCallOptions): Promise<string> {
    const conn = this.omsConnectionId;
    if (!conn) {
      throw suzInvalid(
        'omsConnection',
        'не указан идентификатор соединения СУЗ (omsConnection): возьмите его в СУЗ («Устройства») или зарегистрируйте соединение',
        'the СУЗ connection id (omsConnection) is missing: take it from СУЗ («Устройства») or register a connection',
      );
    }
    // A sign-in retried after a lost answer finds its challenge used («UUID не найден»): once more afresh.
    let got: Awaited<ReturnType<CzClient['omsSignIn']>>;
    try {
      got = await this.opts.cz.omsSignIn(conn, { signal: call.signal });
    } catch (err) {
      if (!(err instanceof ZnakFlowError) || !/^UUID не найден/.test(err.remoteText ?? '')) throw err;
      got = await this.opts.cz.omsSignIn(conn, { signal: call.signal });
    }
    if (this.closed) {
      forgetSecret(got.token);
      throw suzClosed();
    }
    if (this.token && this.token.value !== got.token) forgetSecret(this.token.value);
    this.token = { value: got.token, renewAt: got.renewAt.getTime(), expiresAt: got.expiresAt.getTime() };
    this.stats.tokens++;
    return got.token;
  }

  /** Detached signature of the exact bytes, for `X-Signature` (§2.3.1). */
  private async signed(body: unknown, call: SuzCallOptions): Promise<{ bytes: Buffer; signature: string }> {
    const bytes = Buffer.from(JSON.stringify(body), 'utf8');
    const signature = await this.signer.sign(bytes, 'detached', { signal: call.signal, purpose: 'document' });
    return { bytes, signature: signature.replace(/[\r\n]/g, '') };
  }

  private async call<T>(
    spec: Omit<TransportSpec<SuzCallOptions>, 'auth' | 'bytes' | 'headers'> & { auth?: boolean },
    schema: z.ZodType<T>,
    transport = this.transport,
    headers: Record<string, string> = {},
  ): Promise<T> {
    let bytes: Buffer | undefined;
    let signature: string | undefined;
    if (spec.method === 'POST') ({ bytes, signature } = await this.signed(spec.body ?? {}, spec.call));
    const res = await transport.request({
      ...spec,
      body: undefined,
      bytes,
      auth: spec.auth ?? true,
      query: { omsId: this.omsId, ...spec.query },
      headers: { ...(signature ? { 'X-Signature': signature } : {}), ...headers },
    });
    return parse(res.text, schema, spec.what);
  }

  /**
   * Register this installation: `POST {registration}/api/v3/integration/connection?omsId=` with
   * `X-RegistrationKey` and the signed body `{address, name}` → `{status, omsConnection, name}`
   * (§9.2.1). The new id is used for the token from now on.
   */
  async registerConnection(
    input: { registrationKey: string; address: string; name: string },
    call: SuzCallOptions = {},
  ): Promise<{ omsConnection: string; status?: string; name?: string }> {
    if (!input.registrationKey) {
      throw suzInvalid('registrationKey', 'не указан ключ регистрации', 'the registration key is missing');
    }
    registerSecret(input.registrationKey);
    const r = await this.call(
      {
        what: ['регистрация соединения СУЗ', 'registering the СУЗ connection'],
        method: 'POST',
        path: `${SUZ_V3}/integration/connection`,
        body: { address: input.address, name: input.name },
        auth: false,
        retry: 'create',
        call,
      },
      connectionSchema,
      this.registration,
      { 'X-RegistrationKey': input.registrationKey },
    );
    if (this.token) forgetSecret(this.token.value);
    this.token = undefined;
    this.omsConnectionId = r.omsConnection;
    return { omsConnection: r.omsConnection, status: r.status ?? undefined, name: r.name ?? undefined };
  }

  /** `GET /api/v3/ping?omsId=` (§4.4) → `{omsId, apiVersion, omsVersion}`. */
  ping(call: SuzCallOptions = {}): Promise<z.infer<typeof pingSchema>> {
    return this.call(
      {
        what: ['проверка связи с СУЗ', 'СУЗ ping'],
        method: 'GET',
        path: `${SUZ_V3}/ping`,
        retry: 'read',
        call,
      },
      pingSchema,
    );
  }

  /**
   * `POST /api/v3/order?omsId=` (§4.4.1): an emission order. Costs money: it is retried only when it
   * surely did not arrive; otherwise `SUZ_UNCERTAIN` (look it up with `listOrders`).
   */
  async createOrder(input: CreateOrderInput, call: SuzCallOptions = {}): Promise<CreatedOrder> {
    checkOrder(input);
    const r = await this.call(
      {
        what: ['заказ кодов маркировки', 'ordering marking codes'],
        method: 'POST',
        path: `${SUZ_V3}/order`,
        body: {
          productGroup: input.productGroup,
          products: input.products,
          ...(input.serviceProviderId ? { serviceProviderId: input.serviceProviderId } : {}),
          ...(input.attributes ? { attributes: input.attributes } : {}),
        },
        retry: 'create',
        call,
      },
      createdSchema,
    );
    return {
      omsId: r.omsId ?? this.omsId,
      orderId: r.orderId,
      expectedCompleteTimestamp: r.expectedCompleteTimestamp ?? undefined,
    };
  }

  /** `GET /api/v3/order/list?omsId=` (§4.4): the orders with their status and buffers. */
  async listOrders(call: SuzCallOptions = {}): Promise<OrderInfo[]> {
    const raw = await this.call(
      {
        what: ['список заказов СУЗ', 'СУЗ order list'],
        method: 'GET',
        path: `${SUZ_V3}/order/list`,
        retry: 'read',
        call,
      },
      z.unknown(),
    );
    // `{orderInfos: [...]}` (peers of API v2 and v3), or a bare array (tolerated)
    const list = Array.isArray(raw) ? raw : ((raw as { orderInfos?: unknown } | null)?.orderInfos ?? []);
    return parse(JSON.stringify(list), z.array(orderInfoSchema), ['список заказов СУЗ', 'СУЗ order list']);
  }

  /** `GET /api/v3/order/status?omsId=&orderId=&gtin=` (§4.4): the buffers of an order. */
  async bufferStatus(orderId: string, gtin?: string, call: SuzCallOptions = {}): Promise<BufferInfo[]> {
    if (!orderId) throw suzInvalid('orderId', 'не указан orderId', 'orderId is missing');
    const raw = await this.call(
      {
        what: [`буфер заказа ${orderId}`, `buffer of order ${orderId}`],
        method: 'GET',
        path: `${SUZ_V3}/order/status`,
        query: { orderId, gtin },
        retry: 'read',
        call,
      },
      z.unknown(),
    );
    const list = Array.isArray(raw) ? raw : [raw];
    return parse(JSON.stringify(list), z.array(bufferInfoSchema), [
      `буфер заказа ${orderId}`,
      `buffer of order ${orderId}`,
    ]);
  }

  /**
   * `GET /api/v3/codes?omsId=&orderId=&gtin=&quantity=` (§4.4.4): the next block of codes. The codes
   * are handed out once: journal the `blockId` before passing them on (`retryCodes` gets them again).
   */
  getCodes(orderId: string, gtin: string, quantity: number, call: SuzCallOptions = {}): Promise<CodeBlock> {
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_CODES_PER_CALL) {
      throw suzInvalid(
        'quantity',
        `количество кодов за один запрос: от 1 до ${MAX_CODES_PER_CALL}`,
        `codes per call: 1 to ${MAX_CODES_PER_CALL}`,
      );
    }
    return this.call(
      {
        what: [`коды заказа ${orderId}`, `codes of order ${orderId}`],
        method: 'GET',
        path: `${SUZ_V3}/codes`,
        query: { orderId, gtin, quantity },
        // a lost answer hides a block already handed out: not retried blindly (codes/retry finds it)
        retry: 'none',
        call,
      },
      codesSchema,
    ).then((r) => ({ blockId: r.blockId, codes: r.codes }));
  }

  /** `GET /api/v3/order/codes/retry?omsId=&blockId=` (§4.4): the codes of a block again. */
  retryCodes(blockId: string, call: SuzCallOptions = {}): Promise<CodeBlock> {
    if (!blockId) throw suzInvalid('blockId', 'не указан blockId', 'blockId is missing');
    return this.call(
      {
        what: [`повторное получение блока ${blockId}`, `codes of block ${blockId} again`],
        method: 'GET',
        path: `${SUZ_V3}/order/codes/retry`,
        query: { blockId },
        retry: 'read',
        call,
      },
      codesSchema,
    ).then((r) => ({ blockId: r.blockId, codes: r.codes }));
  }

  /**
   * The blocks already handed out for an order's GTIN: `GET /api/v3/order/codes/blocks?omsId=&orderId=&gtin=`
   * → `{blocks: [{blockId, blockDateTime, quantity}]}`. ⚠ Not established by the sources cited here (the
   * guide v4.55 as the pack knows it): unverified on the real station. It is how a block whose `codes`
   * answer was lost is found (`order/status` shows only that codes left the buffer, not the block id).
   */
  async listBlocks(
    orderId: string,
    gtin: string,
    call: SuzCallOptions = {},
  ): Promise<Array<{ blockId: string; quantity?: number; blockDateTime?: number }>> {
    const r = await this.call(
      {
        what: [`блоки заказа ${orderId}`, `blocks of order ${orderId}`],
        method: 'GET',
        path: `${SUZ_V3}/order/codes/blocks`,
        query: { orderId, gtin },
        retry: 'read',
        call,
      },
      z
        .object({
          blocks: z
            .array(
              z
                .object({ blockId: z.string().min(1), quantity: num.nullish(), blockDateTime: num.nullish() })
                .passthrough(),
            )
            .default([]),
        })
        .passthrough(),
    );
    return r.blocks.map((b) => ({
      blockId: b.blockId,
      quantity: b.quantity ?? undefined,
      blockDateTime: b.blockDateTime ?? undefined,
    }));
  }

  /** `POST /api/v3/order/close?omsId=` `{orderId[, gtin]}` (§4.4): close an order (or one GTIN of it). */
  async closeOrder(orderId: string, gtin?: string, call: SuzCallOptions = {}): Promise<void> {
    if (!orderId) throw suzInvalid('orderId', 'не указан orderId', 'orderId is missing');
    await this.call(
      {
        what: [`закрытие заказа ${orderId}`, `closing order ${orderId}`],
        method: 'POST',
        path: `${SUZ_V3}/order/close`,
        body: gtin ? { orderId, gtin } : { orderId },
        // closing twice is harmless
        retry: 'read',
        call,
      },
      z.unknown(),
    );
  }

  /** Send a report (§4.4.11 ff.): utilisation, aggregation or dropout → its `reportId`. */
  async sendReport(
    kind: ReportKind,
    body: UtilisationInput | AggregationInput | DropoutInput,
    call: SuzCallOptions = {},
  ): Promise<string> {
    const codes =
      'sntins' in body ? body.sntins.length : body.aggregationUnits.reduce((n, u) => n + u.sntins.length, 0);
    if (codes === 0) throw suzInvalid('sntins', 'в отчёте нет кодов', 'the report has no codes');
    if (codes > MAX_REPORT_CODES) {
      throw suzInvalid(
        'sntins',
        `в отчёте ${codes} кодов, допустимо не больше ${MAX_REPORT_CODES}`,
        `the report has ${codes} codes, at most ${MAX_REPORT_CODES} are allowed`,
      );
    }
    const r = await this.call(
      {
        what: [`отчёт ${kind}`, `${kind} report`],
        method: 'POST',
        path: `${SUZ_V3}/${kind}`,
        body,
        retry: 'create',
        call,
      },
      reportSchema,
    );
    return r.reportId;
  }

  /** `GET /api/v3/report/info?omsId=&reportId=` → `{reportId, reportStatus, errorReason?}`. */
  reportInfo(reportId: string, call: SuzCallOptions = {}): Promise<z.infer<typeof reportInfoSchema>> {
    if (!reportId) throw suzInvalid('reportId', 'не указан reportId', 'reportId is missing');
    return this.call(
      {
        what: [`статус отчёта ${reportId}`, `status of report ${reportId}`],
        method: 'GET',
        path: `${SUZ_V3}/report/info`,
        query: { reportId },
        retry: 'read',
        call,
      },
      reportInfoSchema,
    );
  }

  /** Abort what is in flight, forget the token, close the limiter if it is ours. */
  close(): void {
    if (!this.closed) releaseClient(this, this.token?.value);
    this.closed = true;
    this.token = undefined;
  }
}

function checkOrder(input: CreateOrderInput): void {
  if (!input.productGroup) {
    throw suzInvalid('productGroup', 'не указана товарная группа', 'the product group is missing');
  }
  if (!Array.isArray(input.products) || input.products.length === 0) {
    throw suzInvalid('products', 'в заказе нет товаров', 'the order has no products');
  }
  if (input.products.length > MAX_ORDER_PRODUCTS) {
    throw suzInvalid(
      'products',
      `в заказе ${input.products.length} GTIN, допустимо не больше ${MAX_ORDER_PRODUCTS}`,
      `the order has ${input.products.length} GTINs, at most ${MAX_ORDER_PRODUCTS} are allowed`,
    );
  }
  // §4.4.1: ≤ 2 000 000 codes for one GTIN, ≤ 150 000 per GTIN when there are several
  const cap = input.products.length === 1 ? 2000000 : 150000;
  input.products.forEach((p, i) => {
    if (!Number.isInteger(p.quantity) || p.quantity < 1 || p.quantity > cap) {
      throw suzInvalid(
        `products[${i}].quantity`,
        `количество кодов: от 1 до ${cap}`,
        `the quantity of codes: 1 to ${cap}`,
      );
    }
  });
}

function parse<T>(text: string, schema: z.ZodType<T>, what: [string, string]): T {
  let raw: unknown;
  try {
    raw = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw suzBadResponse(what, `not JSON: ${text.slice(0, 120)}`);
  }
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const details = zodIssuesToDetails(r.error);
  const first = details[0];
  throw new ZnakFlowError({
    code: 'SUZ_BAD_RESPONSE',
    ru: `${what[0]}: ответ СУЗ не соответствует ожидаемому (${first?.path}: ${first?.message_ru})`,
    en: `${what[1]}: the answer of СУЗ has an unexpected shape (${first?.path}: ${first?.message_en})`,
    source: 'suz',
    details,
  });
}
