/**
 * Errors from ЭДО Лайт as catchable ZnakFlowErrors, like lib/cz/errors.ts: the operator's own text
 * kept verbatim (`remoteText`, and in the Russian part), an English explanation, the HTTP status, and
 * whether a retry may help. ЭДО Лайт answers `{"message": …}`, the True API side
 * `{"error_message": …, "code", "description"}`, the validator `{"errors": [{"error_message": …}]}`
 * (ЭДО Лайт API documentation, «Error»; the texts are the operator's, e.g. «Access denied: token not
 * valid», «Невозможно создать документ. … не зарегистрирован в ГИС МТ»).
 */
import { ZnakFlowError } from '../errors';
import { redact } from '../redact';
import { remoteErrorText } from '../cz/errors';

const EXPLAIN: Record<number, [string, string]> = {
  400: ['EDO_BAD_REQUEST', 'the request was rejected as invalid'],
  401: ['EDO_UNAUTHORIZED', 'not authenticated: the token is missing, expired or invalid'],
  403: ['EDO_FORBIDDEN', 'access denied (the role or participant has no rights for this document)'],
  404: ['EDO_NOT_FOUND', 'the document or receipt was not found'],
  409: ['EDO_CONFLICT', 'conflict with the current state of the document'],
  413: ['EDO_TOO_LARGE', 'the file is too large'],
  422: ['EDO_UNPROCESSABLE', 'the document cannot be processed'],
  429: ['EDO_RATE_LIMIT', 'too many requests'],
};

function hideAll(text: string, hide: Array<string | undefined>): string {
  let out = text;
  for (const h of hide) if (h && h.length >= 4) out = out.split(h).join('***');
  return redact(out);
}

export function edoHttpError(
  status: number,
  body: unknown,
  what: [string, string],
  hide: Array<string | undefined> = [],
): ZnakFlowError {
  const remote = hideAll(remoteErrorText(body), hide);
  const [code, en] =
    status >= 500
      ? ['EDO_SERVER_ERROR', 'server error']
      : (EXPLAIN[status] ?? ['EDO_ERROR', 'request failed']);
  return new ZnakFlowError({
    code,
    ru: `${what[0]}: ЭДО Лайт ответил «${remote || `HTTP ${status}`}»`,
    en: `${what[1]}: ЭДО Лайт answered with an error: ${en}${remote ? ` («${remote}»)` : ''}`,
    status,
    remoteText: remote,
    source: 'edo',
    retryable: status === 429 || status >= 500,
  });
}

export function edoNetworkError(
  err: unknown,
  what: [string, string],
  hide: Array<string | undefined>,
  timeoutMs: number,
): ZnakFlowError {
  const e = err as { code?: string; message?: string };
  const timeout = e.code === 'ETIMEDOUT' || e.code === 'ECONNABORTED' || /timeout/i.test(e.message ?? '');
  const text = hideAll(e.message ?? String(err), hide);
  return new ZnakFlowError({
    code: timeout ? 'EDO_TIMEOUT' : 'EDO_NETWORK',
    ru: timeout
      ? `${what[0]}: ЭДО Лайт не ответил за ${timeoutMs} мс`
      : `${what[0]}: нет связи с ЭДО Лайт (${e.code ?? text})`,
    en: timeout
      ? `${what[1]}: ЭДО Лайт did not answer within ${timeoutMs} ms`
      : `${what[1]}: cannot reach ЭДО Лайт (${e.code ?? text})`,
    source: 'edo',
    retryable: true,
    cause: err,
  });
}
