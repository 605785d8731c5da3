/**
 * One error type for the whole pack: a machine code, the field it concerns, and the reason
 * in Russian and in English. `message` carries both languages so that a Catch node, a log
 * line or a debug sidebar shows something a Russian accountant and an English-speaking
 * integrator can both act on.
 */

export interface ErrorDetail {
  /** dotted path of the field, e.g. `products[3].uit_code` or `participantInn` */
  path: string;
  /** machine-readable code, e.g. `INN_CHECKSUM` */
  code: string;
  message_ru: string;
  message_en: string;
}

export interface ZnakFlowErrorOptions {
  code: string;
  ru: string;
  en: string;
  field?: string;
  /** HTTP status of the remote answer, when the error came from a remote system */
  status?: number;
  /** the remote system's own text, kept verbatim */
  remoteText?: string;
  /** where the error came from: `1c`, `cz`, `signer`, `config`, `input`, `journal` */
  source?: string;
  /** every problem found, when several were collected */
  details?: ErrorDetail[];
  /** true when retrying the same call may succeed (network, 429, 5xx) */
  retryable?: boolean;
  cause?: unknown;
}

export class ZnakFlowError extends Error {
  readonly code: string;
  readonly field?: string;
  readonly ru: string;
  readonly en: string;
  readonly status?: number;
  readonly remoteText?: string;
  readonly source?: string;
  readonly details?: ErrorDetail[];
  readonly retryable: boolean;

  constructor(opts: ZnakFlowErrorOptions) {
    const bounded = { ...opts, ru: boundText(opts.ru), en: boundText(opts.en) };
    super(formatMessage(bounded), opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = 'ZnakFlowError';
    this.code = opts.code;
    this.field = opts.field;
    this.ru = bounded.ru;
    this.en = bounded.en;
    this.status = opts.status;
    this.remoteText = opts.remoteText;
    this.source = opts.source;
    this.details = opts.details;
    this.retryable = opts.retryable ?? false;
  }

  /** A plain object safe to put in msg or show in the editor (no stack, no cause). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      field: this.field,
      message: this.message,
      message_ru: this.ru,
      message_en: this.en,
      status: this.status,
      remoteText: this.remoteText,
      source: this.source,
      details: this.details,
    };
  }
}

function formatMessage(opts: ZnakFlowErrorOptions): string {
  // A field named by a message (an entity set, a path) can be any length: the text names at most 120
  // characters of it (the whole name stays in `field`).
  const name = opts.field && opts.field.length > 120 ? `${opts.field.slice(0, 119)}…` : opts.field;
  const where = name ? `${name}: ` : '';
  const http = opts.status !== undefined ? ` [HTTP ${opts.status}]` : '';
  return `${where}${opts.ru} / ${opts.en}${http}`;
}

/** A validation failure of one field, as a detail entry. */
export function detail(path: string, code: string, ru: string, en: string): ErrorDetail {
  return { path, code, message_ru: boundText(ru), message_en: boundText(en) };
}

/** Longest quoted value («…» or "…") kept whole in an error text. */
export const MAX_QUOTED = 200;
/** Longest error text (one language): a 1 MB input must not make a 1 MB error, log line or status. */
export const MAX_TEXT = 3000;

/**
 * Keep error texts readable and bounded whatever the input: a quoted value longer than
 * {@link MAX_QUOTED} is cut in the middle of its quotes (the text around it stays whole), and a
 * text still longer than {@link MAX_TEXT} keeps its beginning and its end.
 */
export function boundText(text: string): string {
  if (text.length <= MAX_QUOTED) return text;
  let out = text.replace(/«([^»]*)»|"([^"]*)"/g, (m: string, a?: string, b?: string) => {
    const v = a ?? b ?? '';
    return v.length <= MAX_QUOTED ? m : `${m[0]}${v.slice(0, MAX_QUOTED - 1)}…${m[m.length - 1]}`;
  });
  if (out.length > MAX_TEXT) out = `${out.slice(0, MAX_TEXT - 401)}…${out.slice(-400)}`;
  return out;
}

/** Any value as text for a message, even one that refuses conversion (e.g. an object without a prototype). */
export function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return String(v);
  } catch {
    try {
      return JSON.stringify(v) ?? typeof v;
    } catch {
      return typeof v;
    }
  }
}

/** Wrap several details into one error whose message lists them all. */
export function validationError(details: ErrorDetail[], source = 'input'): ZnakFlowError {
  const first = details[0];
  if (details.length === 1 && first) {
    return new ZnakFlowError({
      code: first.code,
      field: first.path,
      ru: first.message_ru,
      en: first.message_en,
      source,
      details,
    });
  }
  return new ZnakFlowError({
    code: 'VALIDATION',
    ru: `найдено ошибок: ${details.length}: ${details.map((d) => `${d.path}: ${d.message_ru}`).join('; ')}`,
    en: `${details.length} problems found: ${details.map((d) => `${d.path}: ${d.message_en}`).join('; ')}`,
    source,
    details,
  });
}

export function isZnakFlowError(err: unknown): err is ZnakFlowError {
  return err instanceof ZnakFlowError;
}

/** Turn anything thrown into a ZnakFlowError without losing its text. */
export function toZnakFlowError(err: unknown, source = 'internal'): ZnakFlowError {
  if (err instanceof ZnakFlowError) return err;
  const text = err instanceof Error ? err.message : String(err);
  return new ZnakFlowError({
    code: 'INTERNAL',
    ru: `внутренняя ошибка: ${text}`,
    en: `internal error: ${text}`,
    source,
    cause: err,
  });
}
