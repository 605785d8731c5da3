/**
 * Errors from СУЗ (the order management station) as catchable ZnakFlowErrors, in the style of
 * lib/cz/errors.ts: the station's own text kept verbatim (`remoteText`, and in the Russian part of
 * the message), an English explanation, the HTTP status, and whether a retry may help.
 *
 * СУЗ answers errors as `{"fieldErrors":[{fieldError, fieldName, errorCode}], "globalErrors":[{error,
 * errorCode}], "success": false}` with 400, 404, 413 (an attached signature in `X-Signature`) or 500
 * («retry after 30 s») («СУЗ-Облако 4.0. Руководство программиста» §6.2); the sign-in for its token
 * goes through True API and answers in True API's shapes («Описание True API» v553 §1.5.2, §11.1).
 */
import { ZnakFlowError } from '../errors';
import { explainStatus, hideAll, networkFailure, remoteErrorText, type HttpErrorContext } from '../cz/errors';

/** The station's error text: global errors, then `field: error` for each field error. */
export function suzErrorText(body: unknown): string {
  let o: unknown = body;
  if (Buffer.isBuffer(o)) o = o.toString('utf8');
  if (typeof o === 'string' && o.trim().startsWith('{')) {
    try {
      o = JSON.parse(o) as unknown;
    } catch {
      // not JSON after all
    }
  }
  if (o && typeof o === 'object' && !Array.isArray(o)) {
    const r = o as Record<string, unknown>;
    const texts: string[] = [];
    for (const g of Array.isArray(r['globalErrors']) ? r['globalErrors'] : []) {
      if (typeof g === 'string') texts.push(g);
      else if (g && typeof g === 'object') {
        const e = (g as Record<string, unknown>)['error'];
        if (typeof e === 'string' && e.trim()) texts.push(e.trim());
      }
    }
    for (const f of Array.isArray(r['fieldErrors']) ? r['fieldErrors'] : []) {
      if (!f || typeof f !== 'object') continue;
      const x = f as Record<string, unknown>;
      const e = typeof x['fieldError'] === 'string' ? x['fieldError'].trim() : '';
      const n = typeof x['fieldName'] === 'string' ? x['fieldName'].trim() : '';
      if (e) texts.push(n ? `${n}: ${e}` : e);
    }
    if (texts.length > 0) return texts.join('; ').slice(0, 1000);
  }
  return remoteErrorText(o);
}

/** An error for a СУЗ answer that is not a success. */
export function suzHttpError(status: number, body: unknown, ctx: HttpErrorContext): ZnakFlowError {
  const remote = hideAll(suzErrorText(body), ctx.hide);
  const [czCode, explained] = explainStatus(status);
  const en =
    status === 413
      ? 'the request was refused as too large, or its X-Signature is not a detached signature'
      : status === 500
        ? `${explained} (СУЗ asks to retry after 30 s)`
        : explained;
  return new ZnakFlowError({
    code: czCode.replace(/^CZ_/, 'SUZ_'),
    ru: `${ctx.what[0]}: СУЗ ответила «${remote || `HTTP ${status}`}»`,
    en: `${ctx.what[1]}: СУЗ (OMS) answered with an error: ${en}`,
    status,
    remoteText: remote,
    source: 'suz',
    retryable: status === 429 || status >= 500,
  });
}

/** A transport failure talking to СУЗ. */
export function suzNetworkError(err: unknown, ctx: HttpErrorContext, timeoutMs?: number): ZnakFlowError {
  const { timeout, code, text } = networkFailure(err, ctx);
  return new ZnakFlowError({
    code: timeout ? 'SUZ_TIMEOUT' : 'SUZ_NETWORK',
    ru: timeout
      ? `${ctx.what[0]}: СУЗ не ответила за ${timeoutMs ?? '?'} мс`
      : `${ctx.what[0]}: нет связи с СУЗ (${code ?? text})`,
    en: timeout
      ? `${ctx.what[1]}: СУЗ (OMS) did not answer within ${timeoutMs ?? '?'} ms`
      : `${ctx.what[1]}: cannot reach СУЗ (OMS) (${code ?? text})`,
    source: 'suz',
    retryable: true,
    cause: err,
  });
}

/** A call that creates something (an order, a report) whose answer was lost. */
export function suzUncertain(err: ZnakFlowError): ZnakFlowError {
  return new ZnakFlowError({
    code: 'SUZ_UNCERTAIN',
    ru: `${err.ru}; неизвестно, принят ли запрос: его нужно найти в СУЗ перед повтором`,
    en: `${err.en}; it is unknown whether the request was received: look it up in СУЗ before asking again`,
    status: err.status,
    remoteText: err.remoteText,
    source: 'suz',
    retryable: true,
    cause: err,
  });
}

export function suzClosed(): ZnakFlowError {
  return new ZnakFlowError({
    code: 'ABORTED',
    ru: 'запрос к СУЗ прерван (узел остановлен или переразвёрнут)',
    en: 'the request to СУЗ (OMS) was aborted (node stopped or redeployed)',
    source: 'suz',
  });
}

export function suzInvalid(field: string, ru: string, en: string): ZnakFlowError {
  return new ZnakFlowError({ code: 'SUZ_INVALID_ARGUMENT', field, ru, en, source: 'suz' });
}

export function suzBadResponse(what: [string, string], why: string): ZnakFlowError {
  return new ZnakFlowError({
    code: 'SUZ_BAD_RESPONSE',
    ru: `${what[0]}: неожиданный ответ СУЗ (${why})`,
    en: `${what[1]}: unexpected answer from СУЗ (OMS) (${why})`,
    source: 'suz',
  });
}
