/**
 * 1C answers mapped to clear, catchable errors (1C developer guide §17.4). 1C's own text is kept
 * verbatim in `remoteText` and in both languages of the message; the English half explains what it
 * means. Codes:
 *
 * | code | when |
 * |---|---|
 * | `ONEC_AUTH` | 401 (bad login or password) or an HTML login page with 200 |
 * | `ONEC_FORBIDDEN` | 403, or 401 with 1C code 20 (access rights / RLS) |
 * | `ONEC_NOT_PUBLISHED` | 404 for an entity set: not in the OData composition, or misspelt |
 * | `ONEC_NOT_FOUND` | 404 with 1C code 9: no object with this key |
 * | `ONEC_URL_TOO_LONG` | HTML 404 from IIS for an over-long URL, or the client's own guard |
 * | `ONEC_HTML` | an HTML page instead of OData (wrong publication URL, proxy, web server error) |
 * | `ONEC_BAD_REQUEST` | 400 with 1C's code (bad field, filter, value) |
 * | `ONEC_BUSINESS` | 500 with 1C code -1 (a handler refused the write, posting failed) |
 * | `ONEC_SERVER` | other 5xx |
 * | `ONEC_TIMEOUT` | no answer within the timeout |
 * | `ONEC_NETWORK` | connection refused, DNS, TLS |
 * | `ONEC_BAD_JSON` | the answer is not valid JSON |
 * | `ONEC_BAD_RESPONSE` | valid JSON of an unexpected shape |
 */
import { ZnakFlowError } from '../errors';
import { isCertificateError } from '../tls';

export interface OnecErrorBody {
  /** 1C internal code, a string ("6", "-1"); undefined when the body is not an OData error */
  code?: string;
  message?: string;
}

/** Read 1C's error envelope: JSON `odata.error` (or `error`), or XML `<m:error>`. */
export function parseErrorBody(body: string): OnecErrorBody | undefined {
  const text = body.replace(/^\uFEFF/, '').trim();
  if (!text) return undefined;
  if (text.startsWith('{')) {
    try {
      const data = JSON.parse(text) as Record<string, unknown>;
      const err = (data['odata.error'] ?? data['error']) as Record<string, unknown> | undefined;
      if (err && typeof err === 'object') {
        const m = err['message'];
        const message =
          typeof m === 'string'
            ? m
            : m && typeof m === 'object' && typeof (m as Record<string, unknown>)['value'] === 'string'
              ? String((m as Record<string, unknown>)['value'])
              : undefined;
        const code = err['code'] === undefined || err['code'] === null ? undefined : String(err['code']);
        return { code, message };
      }
    } catch {
      return undefined;
    }
    return undefined;
  }
  const code = /<(?:m:)?code>([^<]*)<\/(?:m:)?code>/i.exec(text)?.[1];
  const message = /<(?:m:)?message[^>]*>([^<]*)<\/(?:m:)?message>/i.exec(text)?.[1];
  if (code !== undefined || message !== undefined) {
    return { code: code?.trim(), message: message ? decodeXml(message.trim()) : undefined };
  }
  return undefined;
}

function decodeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

export function looksLikeHtml(body: string, contentType: string | undefined): boolean {
  if (contentType && /text\/html/i.test(contentType)) return true;
  return /^\s*(<!doctype html|<html)/i.test(body);
}

/** The title (or first heading) of an HTML page, to quote it in an error. */
export function htmlTitle(body: string): string {
  const t =
    /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1] ?? /<h[12][^>]*>([^<]*)<\/h[12]>/i.exec(body)?.[1];
  return (t ?? '').replace(/\s+/g, ' ').trim().slice(0, 200);
}

export interface HttpErrorContext {
  status: number;
  body: string;
  contentType?: string;
  method: string;
  /** path and query relative to the service root, for the message */
  resource: string;
  /** entity set addressed, when known */
  entity?: string;
  /** true when the request addressed one object by its key */
  byKey?: boolean;
  /** URL length in bytes */
  urlBytes?: number;
}

const q = (s: string | undefined): string => (s ? ` «${s}»` : '');
const qe = (s: string | undefined): string => (s ? ` "${s}"` : '');

/** Turn a non-2xx answer of 1C into a ZnakFlowError. */
export function onecHttpError(ctx: HttpErrorContext): ZnakFlowError {
  const { status } = ctx;
  const html = looksLikeHtml(ctx.body, ctx.contentType);
  const parsed = html ? undefined : parseErrorBody(ctx.body);
  const remote = parsed?.message ?? (html ? htmlTitle(ctx.body) : ctx.body.trim().slice(0, 500)) ?? '';
  const code1c = parsed?.code;
  const codeRu = code1c !== undefined ? ` (код 1С ${code1c})` : '';
  const codeEn = code1c !== undefined ? ` (1C code ${code1c})` : '';
  const base = {
    status,
    remoteText: remote || undefined,
    source: '1c',
    details: [
      {
        path: ctx.entity ?? ctx.resource,
        code: code1c !== undefined ? `1C_${code1c}` : `HTTP_${status}`,
        message_ru: `${ctx.method} ${ctx.resource}`,
        message_en: `${ctx.method} ${ctx.resource}`,
      },
    ],
  };
  const entity = ctx.entity;
  if (status === 401 && code1c === '20') {
    return new ZnakFlowError({
      ...base,
      code: 'ONEC_FORBIDDEN',
      field: entity,
      ru: `1С запретила доступ к данным${codeRu}:${q(remote)}. Проверьте права пользователя OData или включите allowedOnly`,
      en: `1C denied access to the data${codeEn}:${qe(remote)} — the OData user lacks rights (or row-level security hides rows; try allowedOnly)`,
    });
  }
  if (status === 401) {
    return new ZnakFlowError({
      ...base,
      code: 'ONEC_AUTH',
      field: 'username',
      ru: `1С не приняла имя пользователя или пароль (401)${q(remote)}. Нужен пользователь с аутентификацией 1С:Предприятия и ролью «Удаленный доступ (OData)»`,
      en: `1C rejected the user name or password (401)${qe(remote)} — a user with 1C:Enterprise authentication and the role "Удаленный доступ (OData)" is required`,
    });
  }
  if (status === 403) {
    return new ZnakFlowError({
      ...base,
      code: 'ONEC_FORBIDDEN',
      field: entity,
      ru: `доступ запрещён (403)${q(remote)}`,
      en: `access forbidden (403)${qe(remote)}`,
    });
  }
  if (status === 404 && html) {
    const long = (ctx.urlBytes ?? 0) > 2000;
    if (long) {
      return new ZnakFlowError({
        ...base,
        code: 'ONEC_URL_TOO_LONG',
        ru: `веб-сервер 1С отклонил слишком длинный адрес запроса (${ctx.urlBytes} байт; IIS принимает до 2048)${q(remote)}`,
        en: `the 1C web server refused an over-long request URL (${ctx.urlBytes} bytes; IIS accepts up to 2048)${qe(remote)}`,
      });
    }
    return new ZnakFlowError({
      ...base,
      code: 'ONEC_HTML',
      field: 'url',
      ru: `веб-сервер вернул страницу HTML «не найдено» (404) вместо ответа OData${q(remote)}. Проверьте адрес публикации и что стандартный интерфейс OData опубликован`,
      en: `the web server answered an HTML "not found" page (404) instead of OData${qe(remote)} — check the publication URL and that the standard OData interface is published`,
    });
  }
  if (status === 404 && (code1c === '9' || (ctx.byKey && code1c === undefined && !html && remote === ''))) {
    return new ZnakFlowError({
      ...base,
      code: 'ONEC_NOT_FOUND',
      field: 'ref',
      ru: `объект не найден по переданному ключу${codeRu}${q(remote)}`,
      en: `no object with this key${codeEn}${qe(remote)}`,
    });
  }
  if (status === 404) {
    return new ZnakFlowError({
      ...base,
      code: 'ONEC_NOT_PUBLISHED',
      field: 'entity',
      ru: `набор сущностей${q(entity)} не найден в 1С (404)${codeRu}${q(remote)}: объект не включён в состав стандартного интерфейса OData (обработка «Настройка стандартного интерфейса OData», вкладка «Состав») или имя написано неверно`,
      en: `entity set${qe(entity)} not found in 1C (404)${codeEn}${qe(remote)}: it is not in the standard OData interface composition (processing «Настройка стандартного интерфейса OData», tab «Состав») or the name is misspelt`,
    });
  }
  if (html) {
    return new ZnakFlowError({
      ...base,
      code: 'ONEC_HTML',
      field: 'url',
      retryable: status >= 500,
      ru: `веб-сервер вернул страницу HTML (${status}) вместо ответа OData${q(remote)}`,
      en: `the web server answered an HTML page (${status}) instead of OData${qe(remote)}`,
    });
  }
  if (status === 500 && code1c === '-1') {
    return new ZnakFlowError({
      ...base,
      code: 'ONEC_BUSINESS',
      field: entity,
      ru: `1С отказала при выполнении${codeRu}:${q(remote)}`,
      en: `1C refused the operation${codeEn}: a handler of the configuration raised an error:${qe(remote)}`,
    });
  }
  if (status >= 500) {
    return new ZnakFlowError({
      ...base,
      code: 'ONEC_SERVER',
      retryable: true,
      field: entity,
      ru: `ошибка сервера 1С (${status})${codeRu}${q(remote)}`,
      en: `1C server error (${status})${codeEn}${qe(remote)}`,
    });
  }
  return new ZnakFlowError({
    ...base,
    code: 'ONEC_BAD_REQUEST',
    field: entity,
    ru: `1С отклонила запрос (${status})${codeRu}:${q(remote)}`,
    en: `1C rejected the request (${status})${codeEn}:${qe(remote)}${explain(code1c)}`,
  });
}

/** English explanation of 1C's internal error codes (1C developer guide 17.4.10). */
export function explain(code: string | undefined): string {
  const texts: Record<string, string> = {
    '0': 'feature not supported',
    '1': 'a value could not be parsed',
    '2': 'bad request format',
    '3': 'requested representation not supported',
    '4': 'invalid property value',
    '5': 'a required property is missing',
    '6': 'invalid URL: a name in the path, $select, $orderby or $expand does not exist',
    '7': 'a key element is missing',
    '8': 'entity type not found',
    '9': 'entity not found',
    '10': 'property not found',
    '11': 'method not found',
    '12': 'a required method argument is missing',
    '13': 'tabular-section rows cannot be created directly',
    '14': 'a query option could not be parsed (e.g. the unsupported "in" operator)',
    '15': 'an entity with this key already exists',
    '16': 'a property could not be assigned',
    '17': 'the object does not support data-load mode',
    '18': 'duplicate property names in the object',
    '19': 'HTTP method not allowed here',
    '20': 'access rights error',
    '21': 'unimplemented function or wrong arguments',
  };
  const t = code !== undefined ? texts[code] : undefined;
  return t ? ` — ${t}` : '';
}

/** A network-level failure (no HTTP answer). */
export function onecNetworkError(
  err: unknown,
  method: string,
  resource: string,
  timeoutMs: number,
): ZnakFlowError {
  const e = err as { code?: string; message?: string; name?: string };
  const codeStr = e?.code ?? '';
  const text = e?.message ?? String(err);
  if (codeStr === 'ECONNABORTED' || codeStr === 'ETIMEDOUT' || /timeout/i.test(text)) {
    return new ZnakFlowError({
      code: 'ONEC_TIMEOUT',
      field: 'timeout',
      retryable: true,
      source: '1c',
      ru: `1С не ответила за ${timeoutMs} мс (${method} ${resource}). Первый запрос после простоя может идти дольше: 1С открывает сеанс`,
      en: `1C did not answer within ${timeoutMs} ms (${method} ${resource}); the first request after a pause may be slow while 1C starts a session`,
      cause: err,
    });
  }
  if (codeStr === 'ERR_CANCELED' || e?.name === 'CanceledError' || e?.name === 'AbortError') {
    return new ZnakFlowError({
      code: 'ONEC_ABORTED',
      source: '1c',
      ru: `запрос к 1С прерван (${method} ${resource})`,
      en: `the request to 1C was aborted (${method} ${resource})`,
      cause: err,
    });
  }
  const tls = isCertificateError(`${codeStr} ${text}`);
  return new ZnakFlowError({
    code: 'ONEC_NETWORK',
    field: tls ? 'caFile' : 'url',
    retryable: !tls,
    source: '1c',
    ru: `нет связи с 1С (${codeStr || text})${tls ? ': сертификат сервера не прошёл проверку, укажите файл ЦС' : ''}`,
    en: `cannot reach 1C (${codeStr || text})${tls ? ': the server certificate failed verification; set the CA file' : ''}`,
    cause: err,
  });
}
