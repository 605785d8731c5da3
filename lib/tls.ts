/**
 * Extra certificate authorities for HTTPS servers with a self-signed or corporate certificate (a 1C
 * publication, a signing service). The CA file is read once, when the client is made, and ADDED to
 * Node's default CAs: servers with public certificates keep working. Verification is never switched
 * off: there is no option for that anywhere in the pack (a test greps the sources).
 */
import fs from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import { ZnakFlowError } from './errors';

export interface CaFileError {
  /** the config property that holds the path (named in the error), e.g. `caFile`, `httpCaFile` */
  field: string;
  /** error code, e.g. `ONEC_CA_FILE` */
  code: string;
  source?: string;
}

/** Read a PEM file of one or more CA certificates; a missing, unreadable or non-PEM file is an error naming `field`. */
export function readCaFile(file: string, where: CaFileError): Buffer {
  const fail = (ru: string, en: string, cause?: unknown): ZnakFlowError =>
    new ZnakFlowError({
      code: where.code,
      field: where.field,
      source: where.source ?? 'config',
      ru: `файл ЦС «${file}»: ${ru}`,
      en: `CA file "${file}": ${en}`,
      cause,
    });
  let pem: Buffer;
  try {
    pem = fs.readFileSync(file);
  } catch (err) {
    const why = (err as Error).message;
    throw fail(`не удалось прочитать (${why})`, `cannot be read (${why})`, err);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw fail(
      'не содержит сертификатов в формате PEM (-----BEGIN CERTIFICATE-----)',
      'holds no PEM certificate (-----BEGIN CERTIFICATE-----)',
    );
  }
  return pem;
}

/** Node's default CAs plus the extra ones, or `undefined` (the defaults) when there are none. */
export function withDefaultCas(extra: string | Buffer | undefined): Array<string | Buffer> | undefined {
  return extra ? [...tls.rootCertificates, extra] : undefined;
}

/** An HTTPS agent trusting the default CAs plus `extra`. */
export function httpsAgent(extra: string | Buffer | undefined, opts: https.AgentOptions = {}): https.Agent {
  return new https.Agent({ ...opts, ca: withDefaultCas(extra) });
}

/** Does a network error look like a failed certificate check (self-signed, unknown CA, wrong name)? */
export function isCertificateError(codeOrText: string): boolean {
  return /certificate|self.signed|SSL|TLS|UNABLE_TO_VERIFY|CERT_/i.test(codeOrText);
}
