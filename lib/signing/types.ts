/**
 * The signer interface every strategy implements. A signer turns bytes into a CAdES-BES
 * signature (CMS SignedData, GOST R 34.10-2012 with the GOST R 34.11-2012 digest), returned as
 * one line of base64 DER:
 * - `attached` for the authentication challenge (the content travels inside the signature);
 * - `detached` for documents (the signature covers exactly the bytes that are base64-encoded into
 *   `product_document`).
 */
import { ZnakFlowError } from '../errors';
import { decodeSignature, parseCms, type CertificateInfo } from './cms';

export type SignMode = 'attached' | 'detached';

export const SIGNER_KINDS = ['openssl', 'command', 'http', 'presigned'] as const;
export type SignerKind = (typeof SIGNER_KINDS)[number];

export interface SignOptions {
  /** aborts the signing (kills a child process, cancels an HTTP call) */
  signal?: AbortSignal;
  /** `presigned`: the signature that came with the message (msg.signature / msg.authSignature) */
  signature?: string;
  /** what is being signed, for messages and for presets that differ per purpose */
  purpose?: 'auth' | 'document';
}

export interface Signer {
  readonly kind: SignerKind;
  /** Sign `data`; resolves to one line of base64 DER (CMS SignedData). */
  sign(data: Buffer, mode: SignMode, opts?: SignOptions): Promise<string>;
  /** The signer certificate when the signer knows it without signing (openssl: the PEM file). */
  certificate?(): Promise<CertificateInfo | undefined>;
  /** Release resources (tokens, pending calls). Idempotent. */
  close(): void;
}

/**
 * Normalise a tool's output to one line of base64 DER: raw DER (starts with 0x30) is encoded; PEM
 * armour, line breaks and spaces are removed from base64 text. Throws when the result is not a
 * CMS structure.
 */
export function toBase64Der(output: Buffer | string, tool: string): string {
  if (Buffer.isBuffer(output) && output.length > 0 && output[0] === 0x30) {
    return output.toString('base64');
  }
  const text = Buffer.isBuffer(output) ? output.toString('latin1') : output;
  const der = decodeSignature(text);
  if (!der) {
    throw new ZnakFlowError({
      code: 'SIGNER_OUTPUT',
      ru: `${tool}: результат не похож на подпись CMS (ожидается DER или base64)`,
      en: `${tool}: the output does not look like a CMS signature (DER or base64 expected)`,
      source: 'signer',
    });
  }
  return der.toString('base64');
}

/**
 * Check that a base64 signature is a CMS SignedData of the requested kind. Returns the DER. Used
 * for signatures that come from outside (presigned, command, http) so that a wrong template or a
 * wrong flag is caught here, with a clear message, rather than by Честный ЗНАК.
 */
export function checkSignature(b64: string, mode: SignMode, tool: string, data?: Buffer): Buffer {
  const der = decodeSignature(b64);
  const bad = (ru: string, en: string, code = 'SIGNATURE_MALFORMED'): ZnakFlowError =>
    new ZnakFlowError({ code, ru: `${tool}: ${ru}`, en: `${tool}: ${en}`, source: 'signer' });
  if (!der) throw bad('подпись не является base64 DER', 'the signature is not base64 DER');
  let info;
  try {
    info = parseCms(der);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw bad(`подпись не является CMS SignedData (${why})`, `the signature is not CMS SignedData (${why})`);
  }
  if (mode === 'detached' && !info.detached) {
    throw bad(
      'ожидалась откреплённая подпись, получена присоединённая',
      'a detached signature was expected, an attached one was given',
      'SIGNATURE_KIND',
    );
  }
  if (mode === 'attached') {
    if (info.detached) {
      throw bad(
        'ожидалась присоединённая подпись, получена откреплённая',
        'an attached signature was expected, a detached one was given',
        'SIGNATURE_KIND',
      );
    }
    if (data && info.content && !info.content.equals(data)) {
      throw bad(
        'присоединённая подпись содержит не те данные, что требовалось подписать',
        'the attached signature carries other data than the data to be signed',
        'SIGNATURE_CONTENT',
      );
    }
  }
  return der;
}

export function signerError(code: string, ru: string, en: string, cause?: unknown): ZnakFlowError {
  return new ZnakFlowError({ code, ru, en, source: 'signer', cause });
}

/** CryptoPro containers and tokens dislike concurrent use: signers serialise calls with it. */
export { Semaphore } from '../semaphore';

/**
 * A signal aborted when any of the given ones is (AbortSignal.any exists only from Node 20.3).
 * Call `dispose()` when done, so that long-lived signals do not collect listeners.
 */
export function linkSignals(...signals: Array<AbortSignal | undefined>): {
  signal: AbortSignal;
  dispose(): void;
} {
  const c = new AbortController();
  const undo: Array<() => void> = [];
  for (const s of signals) {
    if (!s) continue;
    if (s.aborted) {
      c.abort(s.reason);
      break;
    }
    const on = (): void => c.abort(s.reason);
    s.addEventListener('abort', on, { once: true });
    undo.push(() => s.removeEventListener('abort', on));
  }
  return { signal: c.signal, dispose: () => undo.forEach((f) => f()) };
}
