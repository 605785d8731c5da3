/**
 * Errors from Честный ЗНАК as catchable ZnakFlowErrors: the operator's own text kept verbatim
 * (`remoteText`, and in the Russian part of the message), an English explanation, the HTTP status,
 * and whether a retry may help. Answers come as JSON (`error_message`, `description`,
 * `error_description`), as XML (`<error_description>` of 401s) or as plain text
 * («Описание True API» §1.1, §1.5.2, «Справочник "Статусы ответов"»).
 */
import { ZnakFlowError } from '../errors';
import { redact } from '../redact';

const EXPLAIN: Record<number, [string, string]> = {
  400: ['CZ_BAD_REQUEST', 'the request was rejected as invalid'],
  401: ['CZ_UNAUTHORIZED', 'not authenticated: the token is missing, expired or invalid'],
  402: ['CZ_BAD_REQUEST', 'wrong attributes in the request body'],
  403: ['CZ_FORBIDDEN', 'access denied (no rights for this participant, product group or method)'],
  404: ['CZ_NOT_FOUND', 'not found'],
  406: ['CZ_NOT_ACCEPTABLE', 'the server cannot answer in an accepted format'],
  409: ['CZ_CONFLICT', 'conflict with the current state'],
  410: ['CZ_GONE', 'the resource is gone'],
  413: ['CZ_TOO_LARGE', 'the request is too large'],
  414: ['CZ_TOO_LARGE', 'the request is too large'],
  422: ['CZ_UNPROCESSABLE', 'the request is well formed but cannot be processed'],
  429: ['CZ_RATE_LIMIT', 'too many requests: the rate limit was exceeded'],
};

/** The error code (`CZ_…`) and the English explanation of an HTTP status. */
export function explainStatus(status: number): [string, string] {
  return status >= 500 ? serverExplain(status) : (EXPLAIN[status] ?? ['CZ_ERROR', 'request failed']);
}

function serverExplain(status: number): [string, string] {
  if (status === 502) return ['CZ_SERVER_ERROR', 'bad gateway (the server behind the gateway failed)'];
  if (status === 503) return ['CZ_SERVER_ERROR', 'the remote system is unavailable'];
  if (status === 504) return ['CZ_SERVER_ERROR', 'the remote system did not answer in time'];
  return ['CZ_SERVER_ERROR', 'server error'];
}

function xmlText(text: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(text);
  return m?.[1]?.trim() || undefined;
}

/** Spring's placeholder when an exception has no text: the `error` phrase says more. */
const NO_MESSAGE = /^No message available$/i;

/**
 * The text of an error object, whichever shape True API's services use (the
 * «Описание True API» «Справочник "Статусы ответов"»): `{error_message}` (with `code`, `description`,
 * `error_description`), `{errorCode, errorMessage}`, `{error_code, error_message}`, Spring Boot's
 * `{timestamp, status, error, message, path}` (`message` before the bare reason phrase `error`),
 * `errors: [...]` (strings or objects: `message`, `defaultMessage`, `error_message` …), an `error`
 * object, RFC 7807 `{title, detail}`. The text comes first, a stack trace in `description` last.
 */
function objectText(o: Record<string, unknown>): string | undefined {
  const keys = ['error_message', 'errorMessage', 'error_description', 'message', 'detail', 'defaultMessage'];
  let text: string | undefined;
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'string' && v.trim() && !NO_MESSAGE.test(v.trim())) {
      text = v.trim();
      break;
    }
  }
  const list = o['errors'];
  if (Array.isArray(list) && list.length > 0) {
    const more = remoteErrorText(list);
    if (more && more !== text && !more.startsWith('[')) text = text ? `${text}: ${more}` : more;
  }
  const nested = o['error'];
  if (!text && nested && typeof nested === 'object' && !Array.isArray(nested)) {
    text = objectText(nested as Record<string, unknown>);
  }
  if (text) return text;
  for (const k of ['description', 'error', 'title']) {
    const v = o[k];
    if (typeof v === 'string' && v.trim()) return v.trim();
  }
  return undefined;
}

/** The operator's own text out of an error answer body (JSON, XML or plain text). */
export function remoteErrorText(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (Buffer.isBuffer(body)) return remoteErrorText(body.toString('utf8'));
  if (typeof body === 'object') {
    if (Array.isArray(body)) {
      const texts = body
        .map((e) => (typeof e === 'string' ? e.trim() : e && typeof e === 'object' ? objectText(e) : ''))
        .filter((t): t is string => !!t);
      return texts.length > 0 ? texts.join('; ').slice(0, 1000) : JSON.stringify(body).slice(0, 1000);
    }
    return objectText(body as Record<string, unknown>) ?? JSON.stringify(body).slice(0, 1000);
  }
  const text = String(body).trim();
  if (text.startsWith('{') || text.startsWith('[')) {
    try {
      return remoteErrorText(JSON.parse(text) as unknown);
    } catch {
      // not JSON after all
    }
  }
  if (text.startsWith('<')) {
    return xmlText(text, 'error_description') ?? xmlText(text, 'error') ?? text.slice(0, 1000);
  }
  return text.slice(0, 1000);
}

export interface HttpErrorContext {
  /** what was being done, in both languages */
  what: [string, string];
  /** secrets that must not appear (the token echoed by "Access token expired: <token>") */
  hide?: Array<string | undefined>;
}

/** The text with the given secrets masked (and every registered secret, lib/redact.ts). */
export function hideAll(text: string, hide: Array<string | undefined> = []): string {
  let out = text;
  for (const h of hide) if (h && h.length >= 4) out = out.split(h).join('***');
  return redact(out);
}

/** An error for an HTTP answer that is not a success. */
export function czHttpError(status: number, body: unknown, ctx: HttpErrorContext): ZnakFlowError {
  const remote = hideAll(remoteErrorText(body), ctx.hide);
  const [code, en] = explainStatus(status);
  const retryable = status === 429 || status >= 500;
  return new ZnakFlowError({
    code,
    ru: `${ctx.what[0]}: Честный ЗНАК ответил «${remote || `HTTP ${status}`}»`,
    en: `${ctx.what[1]}: Chestny ZNAK answered with an error: ${en}`,
    status,
    remoteText: remote,
    source: 'cz',
    retryable,
  });
}

/** Whether a transport failure is a timeout, and its text with secrets masked. */
export function networkFailure(
  err: unknown,
  ctx: HttpErrorContext,
): { timeout: boolean; code?: string; text: string } {
  const e = err as { code?: string; message?: string };
  const timeout = e.code === 'ETIMEDOUT' || e.code === 'ECONNABORTED' || /timeout/i.test(e.message ?? '');
  return { timeout, code: e.code, text: hideAll(e.message ?? String(err), ctx.hide) };
}

/** A transport failure: no answer (refused, reset, timeout, DNS). */
export function czNetworkError(err: unknown, ctx: HttpErrorContext, timeoutMs?: number): ZnakFlowError {
  const { timeout, code: errCode, text } = networkFailure(err, ctx);
  if (timeout) {
    return new ZnakFlowError({
      code: 'CZ_TIMEOUT',
      ru: `${ctx.what[0]}: Честный ЗНАК не ответил за ${timeoutMs ?? '?'} мс`,
      en: `${ctx.what[1]}: Chestny ZNAK did not answer within ${timeoutMs ?? '?'} ms`,
      source: 'cz',
      retryable: true,
      cause: err,
    });
  }
  return new ZnakFlowError({
    code: 'CZ_NETWORK',
    ru: `${ctx.what[0]}: нет связи с Честным ЗНАКом (${errCode ?? text})`,
    en: `${ctx.what[1]}: cannot reach Chestny ZNAK (${errCode ?? text})`,
    source: 'cz',
    retryable: true,
    cause: err,
  });
}

/** True when a transport error happened before the request could reach the server. */
export function neverSent(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH';
}
