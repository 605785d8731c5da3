/**
 * ЭДО Лайт client (CRPT's own EDO operator): outgoing УПД (upload of the signed seller's title,
 * document info, status, receipts) and incoming ones (list, download, the buyer's title, the
 * clarification request), with the True API token.
 *
 * Two forms of the same methods (cz-connection `edoApi`, docs/edo.md):
 * - `true-api`: `{True API host}/api/v3/true-api/edo/…` — CRPT «Planned True API changes» v552.0,
 *   «Migrating EDM Lite methods to True API»: «Request and response parameters will remain unchanged»;
 * - `v1`: `{ЭДО Лайт host}/api/v1/…` — the ЭДО Лайт API documentation (docs.crpt.ru,
 *   «Документация по API ЭДО Лайт»), production `https://edo-gismt.crpt.ru`, sandbox
 *   `https://edo.sandbox.crptech.ru`.
 *
 * Authentication: the True API token («Для использования методов API ЭДО Лайт необходимо получить
 * токен аутентификации … через методы True API: /auth/key и /auth/simpleSignIn»), `Authorization:
 * Bearer`; renewed once on a 401.
 *
 * Exactly once: the operator answers an upload of a file under a name it already received with the
 * id of that file («при повторной загрузке файла с тем же именем возвращается идентификатор ранее
 * загруженного файла», ЭДО Лайт API, `POST /outgoing-documents`), so the same bytes under the same
 * `ИдФайл` are safe to upload again after a lost answer: the upload is retried on 429/5xx/timeouts and
 * its answer is the id of the one document.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { z } from 'zod';
import { ZnakFlowError } from '../errors';
import { ENVIRONMENTS, type Environment } from '../cz/settings';
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter, sleep, type RetryPolicy } from '../retry';
import { edoHttpError, edoNetworkError } from './errors';

export type EdoApi = 'true-api' | 'v1';
export const EDO_APIS: readonly EdoApi[] = ['true-api', 'v1'];
export type EdoSide = 'outgoing' | 'incoming';

/** «При работе через API ЭДО Лайт действует ограничение на 1000 исходящих документов в год» (ЭДО Лайт API). */
export const EDO_LITE_ANNUAL_OUTGOING_LIMIT = 1000;

/** The published ЭДО Лайт hosts of the `v1` form (ЭДО Лайт API documentation, «Инструкция по работе с API»). */
export const EDO_HOSTS = {
  production: 'https://edo-gismt.crpt.ru',
  sandbox: 'https://edo.sandbox.crptech.ru',
} as const;

/**
 * The base URL of ЭДО Лайт for a cz-connection (DESIGN.md: `edoUrl`, `edoApi`): `true-api` uses the
 * True API host, `v1` the ЭДО Лайт host; `custom` takes `edoUrl`, or the same `url` when it is empty.
 */
export function edoBaseUrl(s: {
  environment: Environment;
  url?: string;
  edoUrl?: string;
  edoApi?: EdoApi;
}): string {
  const api = s.edoApi ?? 'true-api';
  if (s.environment === 'custom') return (s.edoUrl || s.url || '').replace(/\/+$/, '');
  return api === 'v1' ? EDO_HOSTS[s.environment] : ENVIRONMENTS[s.environment];
}

/** Where the token comes from (a CzClient: `accessToken`, `invalidateToken`). */
export interface EdoTokenSource {
  accessToken(opts?: { signal?: AbortSignal }): Promise<string>;
  /** the token was refused (401): the next accessToken() signs in again */
  invalidateToken(token: string): void;
}

export interface EdoClientOptions {
  /** the True API host (`true-api`) or the ЭДО Лайт host (`v1`); a path prefix already in it is kept */
  baseUrl: string;
  api: EdoApi;
  tokens: EdoTokenSource;
  /** the True API host, for `/api/v4/true-api/edo/inn/{inn}` (default `baseUrl` in `true-api`) */
  trueApiUrl?: string;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  http?: AxiosInstance;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface UploadInput {
  /** `<ИдФайл>.xml` */
  fileName: string;
  /** the exact windows-1251 bytes that were signed */
  bytes: Buffer;
  /** detached CAdES-BES over `bytes`, base64 (absent: a draft, status 0) */
  signature?: string;
  /** header `send_mchd_file`: attach the МЧД named in the file (ЭДО Лайт API, SendMchdFileHeader) */
  sendMchdFile?: boolean;
}

export interface UploadResult {
  /** the operator's document id (the id of the file already received, when it was) */
  id: string;
}

const idSchema = z.object({ id: z.string().min(1) }).passthrough();

const partySchema = z
  .object({
    id: z.union([z.string(), z.number()]).nullish(),
    inn: z.string().nullish(),
    kpp: z.string().nullish(),
    name: z.string().nullish(),
  })
  .passthrough();

const chainDocSchema = z
  .object({
    id: z.string(),
    status: z.number(),
    type: z.number().nullish(),
    number: z.string().nullish(),
    created_at: z.number().nullish(),
    date: z.number().nullish(),
  })
  .passthrough();

const listItemSchema = z
  .object({
    id: z.string(),
    status: z.number(),
    type: z.number().nullish(),
    number: z.string().nullish(),
    created_at: z.number().nullish(),
    date: z.number().nullish(),
    group_id: z.string().nullish(),
    product_group: z.number().nullish(),
    total_price: z.union([z.number(), z.string()]).nullish(),
    total_vat_amount: z.union([z.number(), z.string()]).nullish(),
    recipient: partySchema.nullish(),
    sender: partySchema.nullish(),
    documents: z.array(chainDocSchema).nullish(),
  })
  .passthrough();

const listSchema = z
  .object({ items: z.array(listItemSchema), has_next_page: z.boolean().optional() })
  .passthrough();
const eventsSchema = z.object({
  items: z.array(
    z
      .object({ id: z.string(), type: z.number(), document: z.object({ id: z.string() }).passthrough() })
      .passthrough(),
  ),
});
const participantSchema = z
  .object({ inn: z.string(), id: z.string(), name: z.string().nullish(), hub: z.boolean().nullish() })
  .passthrough();

const gisErrorSchema = z
  .object({ code: z.union([z.number(), z.string()]).nullish(), text: z.string().nullish() })
  .passthrough();
const gisProcessingSchema = z
  .object({
    state: z.string(),
    code: z.number().nullish(),
    description: z.string().nullish(),
    sourceDocId: z.string().nullish(),
    operations: z
      .array(
        z
          .object({
            operationType: z.string().nullish(),
            details: z
              .object({
                successful: z.union([z.boolean(), z.string()]).nullish(),
                errors: z.array(gisErrorSchema).nullish(),
              })
              .passthrough()
              .nullish(),
          })
          .passthrough(),
      )
      .nullish(),
  })
  .passthrough();
export type GisProcessing = z.infer<typeof gisProcessingSchema>;

export type EdoListItem = z.infer<typeof listItemSchema>;
export type EdoChainDocument = z.infer<typeof chainDocSchema>;
export interface EdoListPage {
  items: EdoListItem[];
  hasNextPage: boolean;
}
export interface EdoEvent {
  id: string;
  type: number;
  documentId: string;
}

export interface EdoListFilter {
  limit?: number;
  offset?: number;
  /** Unix seconds */
  createdFrom?: number;
  createdTo?: number;
  partnerInn?: string;
  status?: number[];
  type?: number[];
  folder?: number;
  productGroup?: number;
  asc?: boolean;
}

/** EDO statuses (ЭДО Лайт «Статусная модель»; «Описание True API» «Справочник "Статусная модель"»). */
export const EDO_STATUS: Readonly<Record<number, [string, string]>> = {
  0: ['Черновик', 'draft'],
  1: ['Отправлен', 'sent'],
  2: ['Доставлен (подпись не требуется)', 'delivered (no signature required)'],
  3: ['Доставлен (ожидается подпись)', 'delivered (signature awaited)'],
  4: ['Подписан', 'signed'],
  5: ['Отклонен', 'refused'],
  6: ['Отозван', 'withdrawn'],
  7: ['Уточнён', 'clarified'],
  8: ['Требуется уточнение', 'clarification requested'],
  9: ['Ошибка в подписи', 'signature error'],
  10: ['Ошибка доставки', 'delivery error'],
  11: ['Ожидается отправка', 'waiting to be sent'],
  12: ['Просмотрен (подпись не требуется)', 'viewed (no signature required)'],
  13: ['Просмотрен (ожидается подпись)', 'viewed (signature awaited)'],
  14: ['Требуется уточнение (запрос просмотрен)', 'clarification requested (viewed)'],
  15: ['Отклонен (запрос просмотрен)', 'refused (viewed)'],
  16: ['Запрошено аннулирование', 'annulment requested'],
  17: ['Ожидается аннулирование', 'annulment awaited'],
  18: ['Аннулирован', 'annulled'],
  19: ['В аннулировании отказано', 'annulment refused'],
  61: ['Подписан: отправлен в ГИС МТ', 'signed: sent to ГИС МТ'],
  62: ['Подписан: не принят ГИС МТ', 'signed: not accepted by ГИС МТ'],
  63: ['Подписан: отправляется в ГИС МТ', 'signed: being sent to ГИС МТ'],
  64: ['Аннулирован: отправлен в ГИС МТ', 'annulled: sent to ГИС МТ'],
  65: ['Аннулирован: не принят ГИС МТ', 'annulled: not accepted by ГИС МТ'],
  66: ['Аннулирован: отправляется в ГИС МТ', 'annulled: being sent to ГИС МТ'],
};

interface Spec {
  what: [string, string];
  method: 'GET' | 'POST';
  /** path after the API prefix (`/outgoing-documents`), or absolute when `absolute` */
  path: string;
  absolute?: boolean;
  query?: Record<string, string | number | boolean | number[] | undefined>;
  body?: Buffer;
  headers?: Record<string, string>;
  accept?: string;
  /** answers 429/5xx/timeouts are retried (every call here is safe to repeat) */
  retry: boolean;
  call: CallOptions;
}

interface Raw {
  status: number;
  body: Buffer;
  headers: Record<string, unknown>;
}

/** A multipart/form-data body built byte for byte (RFC 7578): the file part keeps its exact bytes. */
export function multipart(
  parts: Array<{ name: string; value: Buffer | string; fileName?: string; contentType?: string }>,
): { body: Buffer; contentType: string } {
  const boundary = `----znakflow${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.fileName !== undefined) head += `; filename="${p.fileName.replace(/["\r\n]/g, '_')}"`;
    head += '\r\n';
    if (p.contentType) head += `Content-Type: ${p.contentType}\r\n`;
    head += '\r\n';
    chunks.push(
      Buffer.from(head, 'utf8'),
      Buffer.isBuffer(p.value) ? p.value : Buffer.from(p.value, 'utf8'),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

function badResponse(what: [string, string], why: string): ZnakFlowError {
  return new ZnakFlowError({
    code: 'EDO_BAD_RESPONSE',
    ru: `${what[0]}: неожиданный ответ ЭДО Лайт (${why})`,
    en: `${what[1]}: unexpected answer from ЭДО Лайт (${why})`,
    source: 'edo',
  });
}

function parse<T>(raw: Raw, schema: z.ZodType<T>, what: [string, string]): T {
  let v: unknown;
  try {
    v = JSON.parse(raw.body.toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    throw badResponse(what, `not JSON: ${raw.body.toString('utf8').slice(0, 120)}`);
  }
  const r = schema.safeParse(v);
  if (!r.success)
    throw badResponse(what, r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return r.data;
}

function argError(field: string, ru: string, en: string): ZnakFlowError {
  return new ZnakFlowError({ code: 'EDO_INVALID_ARGUMENT', field, ru, en, source: 'edo' });
}

const SAFE_ID = /^[0-9A-Za-z-]{1,100}$/;
function idOf(field: string, v: string): string {
  if (typeof v !== 'string' || !SAFE_ID.test(v)) {
    throw argError(
      field,
      `неверный идентификатор «${String(v).slice(0, 60)}»`,
      `invalid id "${String(v).slice(0, 60)}"`,
    );
  }
  return v;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** The id in a 400/409 saying the file was already received, if the answer is one. */
function alreadyReceived(err: unknown): string | undefined {
  if (!(err instanceof ZnakFlowError) || (err.status !== 400 && err.status !== 409)) return undefined;
  const text = err.remoteText ?? '';
  if (!/уже|ранее|already|exists/i.test(text)) return undefined;
  return UUID.exec(text)?.[0];
}

export class EdoClient {
  private readonly base: string;
  private readonly prefix: string;
  private readonly http: AxiosInstance;
  private readonly retry: RetryPolicy;
  private readonly agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 16 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 16 }),
  };
  readonly stats = { requests: 0, retries: 0, reauthentications: 0 };

  constructor(private readonly opts: EdoClientOptions) {
    if (!EDO_APIS.includes(opts.api)) {
      throw argError(
        'edoApi',
        `неизвестный вид API ЭДО Лайт «${String(opts.api)}»; допустимы true-api, v1`,
        `unknown ЭДО Лайт API form "${String(opts.api)}"; allowed: true-api, v1`,
      );
    }
    let base = opts.baseUrl.replace(/\/+$/, '');
    if (opts.api === 'true-api') base = base.replace(/\/api\/v[34]\/true-api(\/edo)?$/, '');
    else base = base.replace(/\/api\/v1$/, '');
    this.base = base;
    this.prefix = opts.api === 'true-api' ? '/api/v3/true-api/edo' : '/api/v1';
    this.http = opts.http ?? axios.create();
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
  }

  /** The URL a method path resolves to (for messages and tests). */
  urlOf(path: string): string {
    return `${this.base}${this.prefix}${path}`;
  }

  // -- outgoing ---------------------------------------------------------------------------------

  /**
   * Upload the seller's title (`POST /outgoing-documents`, multipart `content` = the file named
   * `<ИдФайл>.xml`, `signature` = detached signature in base64). The same file again answers the id
   * of the document already received: this is how a lost answer is recovered, never a second УПД.
   */
  async uploadSellerTitle(input: UploadInput, call: CallOptions = {}): Promise<UploadResult> {
    return this.upload(
      '/outgoing-documents',
      input,
      {},
      ['загрузка УПД в ЭДО Лайт', 'uploading the УПД to ЭДО Лайт'],
      call,
    );
  }

  /** Add the detached signature to a draft and send it (`POST /outgoing-documents/{id}/signature`). */
  async signOutgoing(docId: string, signature: string, call: CallOptions = {}): Promise<void> {
    await this.postSignature(
      ['подписание документа ЭДО Лайт', 'signing the ЭДО Лайт document'],
      `/outgoing-documents/${idOf('docId', docId)}/signature`,
      signature,
      call,
    );
  }

  /** POST a detached signature (base64 text) to a signature path: a draft or a receipt. */
  private async postSignature(
    what: [string, string],
    path: string,
    signature: string,
    call: CallOptions,
  ): Promise<void> {
    await this.request({
      what,
      method: 'POST',
      path,
      body: Buffer.from(signature.trim(), 'ascii'),
      headers: { 'Content-Type': 'text/plain', 'Content-Encoding': 'base64' },
      retry: true,
      call,
    });
  }

  listOutgoing(filter: EdoListFilter = {}, call: CallOptions = {}): Promise<EdoListPage> {
    return this.list('outgoing', filter, call);
  }

  /**
   * The chain document with this id, found in the outgoing list (ЭДО Лайт has no «status by id»
   * method: the list is searched from `createdFrom`, Unix seconds, e.g. the upload time − 1 day).
   */
  async findOutgoing(
    docId: string,
    createdFrom: number,
    call: CallOptions = {},
  ): Promise<EdoChainDocument | undefined> {
    return (await this.findOutgoingMany([docId], createdFrom, call)).get(docId);
  }

  /**
   * The chain documents with these ids from one walk over the outgoing list (ЭДО Лайт API,
   * «Получение списка исходящих документов»: every chain created since `createdFrom`, Unix seconds,
   * carries the status of each of its documents), newest first (`asc=false`, the list's default), 100 a
   * page, stopping once every id is found: the documents still pending are mostly the newest, so a look
   * at them costs one page however many final ones lie behind. A document uploaded during the walk
   * moves the older ones one place down: one may be read twice, none is skipped. A document is matched by
   * its own id in the chain's `documents[]` or by the chain's `id` (the chain's last document). Ids not
   * found are absent from the map.
   */
  async findOutgoingMany(
    docIds: Iterable<string>,
    createdFrom: number,
    call: CallOptions = {},
  ): Promise<Map<string, EdoChainDocument>> {
    const wanted = new Set(docIds);
    const found = new Map<string, EdoChainDocument>();
    for (let offset = 0; wanted.size > found.size;) {
      const page = await this.listOutgoing({ createdFrom, limit: 100, offset, asc: false }, call);
      for (const it of page.items) {
        for (const d of it.documents ?? []) if (wanted.has(d.id)) found.set(d.id, d);
        if (wanted.has(it.id) && !found.has(it.id))
          found.set(it.id, {
            id: it.id,
            status: it.status,
            type: it.type,
            number: it.number,
            created_at: it.created_at,
            date: it.date,
          });
      }
      if (!page.hasNextPage || page.items.length === 0) break;
      offset += page.items.length;
    }
    return found;
  }

  /**
   * Outgoing documents created in a period (Unix seconds): the count the 1 000-a-year limit of the ЭДО
   * Лайт API is measured against. The operator publishes no remainder; this counts the list.
   */
  async countOutgoing(createdFrom: number, createdTo: number, call: CallOptions = {}): Promise<number> {
    let n = 0;
    for (let offset = 0; ;) {
      const page = await this.listOutgoing({ createdFrom, createdTo, limit: 100, offset }, call);
      for (const it of page.items) n += it.documents?.length ? it.documents.length : 1;
      if (!page.hasNextPage || page.items.length === 0) return n;
      offset += page.items.length;
    }
  }

  // -- both sides -------------------------------------------------------------------------------

  /** Document info as JSON (`GET /{side}-documents/{id}` with `Accept: application/json`). */
  async documentInfo(side: EdoSide, docId: string, call: CallOptions = {}): Promise<Record<string, unknown>> {
    const raw = await this.request({
      what: ['сведения о документе ЭДО Лайт', 'ЭДО Лайт document info'],
      method: 'GET',
      path: `/${side}-documents/${idOf('docId', docId)}`,
      accept: 'application/json',
      retry: true,
      call,
    });
    return parse(raw, z.record(z.string(), z.unknown()), [
      'сведения о документе ЭДО Лайт',
      'ЭДО Лайт document info',
    ]);
  }

  /**
   * The XML of a document (`GET /{side}-documents/{id}/content`), bytes as stored (windows-1251).
   * For an incoming document the operator creates the unsigned receipt «Извещение о получении»
   * (DP_IZVPOL) on the first call.
   */
  async content(side: EdoSide, docId: string, call: CallOptions = {}): Promise<Buffer> {
    const raw = await this.request({
      what: ['получение файла документа ЭДО Лайт', 'downloading the ЭДО Лайт document file'],
      method: 'GET',
      path: `/${side}-documents/${idOf('docId', docId)}/content`,
      accept: 'application/xml, application/octet-stream, */*',
      retry: true,
      call,
    });
    return raw.body;
  }

  /** Receipts waiting for this participant's signature (`GET /{side}-documents/unsigned-events`). */
  async unsignedEvents(side: EdoSide, call: CallOptions = {}): Promise<EdoEvent[]> {
    const what: [string, string] = ['неподписанные квитанции ЭДО Лайт', 'unsigned ЭДО Лайт receipts'];
    const raw = await this.request({
      what,
      method: 'GET',
      path: `/${side}-documents/unsigned-events`,
      retry: true,
      call,
    });
    return parse(raw, eventsSchema, what).items.map((e) => ({
      id: e.id,
      type: e.type,
      documentId: e.document.id,
    }));
  }

  /** The XML of a receipt (`GET /{side}-documents/{doc}/events/{event}/content`). */
  async eventContent(side: EdoSide, docId: string, eventId: string, call: CallOptions = {}): Promise<Buffer> {
    const raw = await this.request({
      what: ['получение квитанции ЭДО Лайт', 'downloading the ЭДО Лайт receipt'],
      method: 'GET',
      path: `/${side}-documents/${idOf('docId', docId)}/events/${idOf('eventId', eventId)}/content`,
      accept: 'application/xml, application/octet-stream, */*',
      retry: true,
      call,
    });
    return raw.body;
  }

  /** Sign a receipt (`POST /{side}-documents/{doc}/events/{event}/signature`, text/plain base64). */
  async signEvent(
    side: EdoSide,
    docId: string,
    eventId: string,
    signature: string,
    call: CallOptions = {},
  ): Promise<void> {
    await this.postSignature(
      ['подписание квитанции ЭДО Лайт', 'signing the ЭДО Лайт receipt'],
      `/${side}-documents/${idOf('docId', docId)}/events/${idOf('eventId', eventId)}/signature`,
      signature,
      call,
    );
  }

  // -- incoming ---------------------------------------------------------------------------------

  listIncoming(filter: EdoListFilter = {}, call: CallOptions = {}): Promise<EdoListPage> {
    return this.list('incoming', filter, call);
  }

  /** Upload the buyer's title 5.03 (`POST /incoming-documents/xml/upd/title/970`: `content`, `doc_id`, `signature`). */
  async uploadBuyerTitle(
    docId: string,
    input: UploadInput & { signature: string },
    call: CallOptions = {},
  ): Promise<UploadResult> {
    try {
      return await this.upload(
        '/incoming-documents/xml/upd/title/970',
        input,
        { doc_id: idOf('docId', docId) },
        ['подписание УПД покупателем (титул покупателя)', "signing the УПД as the buyer (buyer's title)"],
        call,
      );
    } catch (err) {
      // «Документ уже подписан» (ЭДО Лайт API, buyer's title): after a lost answer the title is in
      // already — a distinct code, so that a caller can tell it from a refusal and look the document up
      if (
        err instanceof ZnakFlowError &&
        err.status === 400 &&
        /^Документ уже подписан/.test(err.remoteText ?? '')
      ) {
        throw new ZnakFlowError({
          code: 'EDO_ALREADY_SIGNED',
          ru: err.ru,
          en: `${err.en}: the document is already signed (perhaps by an earlier attempt whose answer was lost)`,
          status: err.status,
          remoteText: err.remoteText,
          source: 'edo',
          cause: err,
        });
      }
      throw err;
    }
  }

  /**
   * Refuse / ask to correct: the clarification request УОУ (DP_UVUTOCH) on the seller's title
   * (`POST /incoming-documents/xml/uvtoch`: `content`, `doc_id`, `signature`).
   */
  async refuseIncoming(
    docId: string,
    input: UploadInput & { signature: string },
    call: CallOptions = {},
  ): Promise<UploadResult> {
    return this.upload(
      '/incoming-documents/xml/uvtoch',
      input,
      { doc_id: idOf('docId', docId) },
      ['отказ от подписания УПД (уведомление об уточнении)', 'refusing the УПД (clarification request)'],
      call,
    );
  }

  /** The EDO id of a participant (`GET {True API}/api/v4/true-api/edo/inn/{inn}`, «Описание True API» §9.1). */
  async participant(
    inn: string,
    call: CallOptions = {},
  ): Promise<{ inn: string; id: string; name?: string; hub?: boolean }> {
    if (!/^\d{10}(\d{2})?$/.test(inn))
      throw argError(
        'inn',
        `ИНН «${inn}» должен состоять из 10 или 12 цифр`,
        `INN "${inn}" must be 10 or 12 digits`,
      );
    const trueApi = this.trueApiHost('для поиска участника ЭДО', 'for the EDO participant look-up');
    const what: [string, string] = [
      'поиск участника ЭДО Лайт по ИНН',
      'looking up the ЭДО Лайт participant by INN',
    ];
    const raw = await this.request({
      what,
      method: 'GET',
      path: `${trueApi}/api/v4/true-api/edo/inn/${inn}`,
      absolute: true,
      retry: true,
      call,
    });
    const p = parse(raw, participantSchema, what);
    return {
      inn: p.inn,
      id: p.id,
      ...(p.name ? { name: p.name } : {}),
      ...(typeof p.hub === 'boolean' ? { hub: p.hub } : {}),
    };
  }

  /**
   * ГИС МТ's processing of a УПД: `GET {True API}/api/v3/true-api/documents/edo/tpr/ud?fileId=<ИдФайл>`
   * («Описание True API» §7.1): `state` SUCCESS | FAILED | IN_PROGRESS with the operations and their
   * errors. ⚠ What it answers before ГИС МТ has the document is not documented: a 404 is taken as
   * «not yet» (undefined).
   */
  async gisProcessing(fileId: string, call: CallOptions = {}): Promise<GisProcessing | undefined> {
    if (!fileId) throw argError('fileId', 'не указан ИдФайл', 'no ИдФайл given');
    const trueApi = this.trueApiHost('для квитанции ГИС МТ', "for ГИС МТ's receipt");
    const what: [string, string] = ['обработка УПД в ГИС МТ', "ГИС МТ's processing of the УПД"];
    try {
      const raw = await this.request({
        what,
        method: 'GET',
        path: `${trueApi}/api/v3/true-api/documents/edo/tpr/ud`,
        query: { fileId },
        absolute: true,
        retry: true,
        call,
      });
      return parse(raw, gisProcessingSchema, what);
    } catch (err) {
      if (err instanceof ZnakFlowError && err.status === 404) return undefined;
      throw err;
    }
  }

  private trueApiHost(ru: string, en: string): string {
    const trueApi = (this.opts.trueApiUrl ?? (this.opts.api === 'true-api' ? this.base : ''))
      .replace(/\/+$/, '')
      .replace(/\/api\/v[34]\/true-api$/, '');
    if (!trueApi) throw argError('trueApiUrl', `не задан адрес True API ${ru}`, `no True API address ${en}`);
    return trueApi;
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  // -- internals ----------------------------------------------------------------------------------

  private async upload(
    path: string,
    input: UploadInput,
    fields: Record<string, string>,
    what: [string, string],
    call: CallOptions,
  ): Promise<UploadResult> {
    if (!Buffer.isBuffer(input.bytes) || input.bytes.length === 0)
      throw argError('bytes', 'нет содержимого файла', 'the file has no content');
    if (!/^[^\\/:*?"<>|\r\n]{1,251}\.xml$/i.test(input.fileName ?? '')) {
      throw argError(
        'fileName',
        `имя файла «${String(input.fileName)}» должно быть <ИдФайл>.xml`,
        `file name "${String(input.fileName)}" must be <ИдФайл>.xml`,
      );
    }
    const parts: Parameters<typeof multipart>[0] = [
      { name: 'content', value: input.bytes, fileName: input.fileName, contentType: 'application/xml' },
    ];
    for (const [k, v] of Object.entries(fields)) parts.push({ name: k, value: v });
    if (input.signature) parts.push({ name: 'signature', value: input.signature.trim() });
    const mp = multipart(parts);
    let raw: Raw;
    try {
      raw = await this.request({
        what,
        method: 'POST',
        path,
        body: mp.body,
        headers: {
          'Content-Type': mp.contentType,
          ...(input.sendMchdFile !== undefined ? { send_mchd_file: String(input.sendMchdFile) } : {}),
        },
        retry: true,
        call,
      });
    } catch (err) {
      // tolerant: a stand that refuses the same file with «уже загружен» and the id answers success
      const known = alreadyReceived(err);
      if (known) return { id: known };
      throw err;
    }
    const r = parse(raw, idSchema, what);
    return { id: r.id };
  }

  private async list(side: EdoSide, f: EdoListFilter, call: CallOptions): Promise<EdoListPage> {
    const what: [string, string] =
      side === 'outgoing'
        ? ['список исходящих документов ЭДО Лайт', 'ЭДО Лайт outgoing documents']
        : ['список входящих документов ЭДО Лайт', 'ЭДО Лайт incoming documents'];
    const raw = await this.request({
      what,
      method: 'GET',
      path: `/${side}-documents`,
      query: {
        limit: f.limit,
        offset: f.offset,
        created_from: f.createdFrom,
        created_to: f.createdTo,
        partner_inn: f.partnerInn,
        status: f.status,
        type: f.type,
        folder: f.folder,
        product_group: f.productGroup,
        asc: f.asc,
      },
      retry: true,
      call,
    });
    const r = parse(raw, listSchema, what);
    return { items: r.items, hasNextPage: r.has_next_page === true };
  }

  private url(spec: Spec): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(spec.query ?? {})) {
      if (v === undefined || v === '') continue;
      if (Array.isArray(v)) for (const x of v) qs.append(k, String(x));
      else qs.append(k, String(v));
    }
    const s = qs.toString();
    return `${spec.absolute ? spec.path : this.urlOf(spec.path)}${s ? `?${s}` : ''}`;
  }

  private async request(spec: Spec): Promise<Raw> {
    let attempt = 0;
    let reauthed = false;
    const timeoutMs = this.opts.timeoutMs ?? 60000;
    for (;;) {
      const token = await this.opts.tokens.accessToken({ signal: spec.call.signal });
      this.stats.requests++;
      let res;
      try {
        res = await this.http.request<ArrayBuffer>({
          method: spec.method,
          url: this.url(spec),
          data: spec.body,
          headers: {
            Accept: spec.accept ?? 'application/json',
            Authorization: `Bearer ${token}`,
            ...(spec.headers ?? {}),
          },
          responseType: 'arraybuffer',
          transformResponse: [(d: unknown) => d],
          transformRequest: [(d: unknown) => d],
          validateStatus: () => true,
          timeout: timeoutMs,
          maxBodyLength: 64 * 1024 * 1024,
          maxContentLength: 64 * 1024 * 1024,
          signal: spec.call.signal,
          httpAgent: this.agents.http,
          httpsAgent: this.agents.https,
        });
      } catch (err) {
        if (spec.call.signal?.aborted) {
          throw new ZnakFlowError({
            code: 'ABORTED',
            ru: 'запрос отменён',
            en: 'the request was cancelled',
            source: 'edo',
          });
        }
        const e = edoNetworkError(err, spec.what, [token], timeoutMs);
        if (spec.retry && attempt < this.retry.retries) {
          this.stats.retries++;
          await sleep(backoffDelay(attempt++, this.retry), spec.call.signal);
          continue;
        }
        throw e;
      }
      const body = Buffer.from(res.data ?? new ArrayBuffer(0));
      if (res.status === 401 && !reauthed) {
        reauthed = true;
        this.stats.reauthentications++;
        this.opts.tokens.invalidateToken(token);
        continue;
      }
      if (res.status >= 200 && res.status < 300)
        return { status: res.status, body, headers: res.headers as Record<string, unknown> };
      if ((res.status === 429 || res.status >= 500) && spec.retry && attempt < this.retry.retries) {
        this.stats.retries++;
        await sleep(
          backoffDelay(attempt++, this.retry, parseRetryAfter(res.headers['retry-after'])),
          spec.call.signal,
        );
        continue;
      }
      throw edoHttpError(res.status, body.toString('utf8'), spec.what, [token]);
    }
  }
}
