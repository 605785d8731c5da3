/**
 * Real verification of GOST CAdES-BES signatures for the emulator, with the system OpenSSL and the
 * GOST engine (CMS per RFC 5652, CAdES-BES, GOST R 34.10-2012):
 *
 *   openssl cms -verify -engine gost -binary -cades -purpose any -inform DER -CAfile <ca>
 *     [-content <document>]
 *
 * The signature math, the signingCertificateV2 attribute (CAdES-BES) and the chain to the configured
 * CA are all checked; the structure (attached/detached, signer certificate, INN) is read by the DER
 * reader.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { decodeSignature, parseCms, type CmsInfo } from '../../signing/cms';
import { runProcess } from '../../signing/process';

export type VerifyResult =
  | { ok: true; info: CmsInfo; content?: Buffer }
  | { ok: false; kind: 'malformed'; reason: string }
  | { ok: false; kind: 'crypto'; reason: string; info: CmsInfo };

export interface VerifierOptions {
  caCertPath: string;
  tmpDir: string;
  opensslBin?: string;
  /** require the CAdES-BES signingCertificate(V2) attribute (default true) */
  requireCades?: boolean;
}

/** The reason OpenSSL gives, e.g. "certificate has expired", "content verify error". */
export function opensslReason(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !/^Engine "gost" set/.test(l) && !/Verification failure$/.test(l));
  for (const l of lines) {
    const m = /Verify error:\s*(.+)$/.exec(l);
    if (m?.[1]) return m[1];
  }
  const last = lines[lines.length - 1] ?? 'verification failed';
  const m = /:([^:]+):[^:]*:\d+:?(.*)$/.exec(last);
  return (m?.[1] ?? last).trim();
}

export async function verifySignature(
  signatureB64: string,
  content: Buffer | undefined,
  opts: VerifierOptions,
): Promise<VerifyResult> {
  const der = decodeSignature(signatureB64);
  if (!der) return { ok: false, kind: 'malformed', reason: 'not base64 DER' };
  let info: CmsInfo;
  try {
    info = parseCms(der);
  } catch (err) {
    return { ok: false, kind: 'malformed', reason: err instanceof Error ? err.message : String(err) };
  }
  const args = ['cms', '-verify', '-engine', 'gost', '-binary', '-purpose', 'any', '-inform', 'DER'];
  if (opts.requireCades !== false) args.push('-cades');
  args.push('-CAfile', opts.caCertPath);
  let contentFile: string | undefined;
  try {
    if (content) {
      contentFile = path.join(opts.tmpDir, `${randomUUID()}.bin`);
      await fs.promises.writeFile(contentFile, content);
      args.push('-content', contentFile);
      args.push('-out', process.platform === 'win32' ? 'NUL' : '/dev/null');
    }
    const r = await runProcess(opts.opensslBin ?? 'openssl', args, { input: der, timeoutMs: 30000 });
    if (r.code !== 0) return { ok: false, kind: 'crypto', reason: opensslReason(r.stderr), info };
    return { ok: true, info, content: content ? undefined : r.stdout };
  } finally {
    if (contentFile) await fs.promises.rm(contentFile, { force: true });
  }
}
