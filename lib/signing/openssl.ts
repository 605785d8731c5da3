/**
 * `openssl` signer: the system OpenSSL with the GOST engine (Debian/Ubuntu package
 * `libengine-gost-openssl`), key and certificate from PEM files. Runs, without a shell:
 *
 *   openssl cms -sign -engine gost -binary -cades -nosmimecap -md md_gost12_256
 *     -signer <certPath> -inkey <keyPath> [-passin env:ZNAKFLOW_KEY_PASS] [-nodetach] -outform DER
 *
 * with the data on stdin and DER on stdout (`-binary`: the bytes are hashed as they are; `-cades`:
 * signingCertificateV2, i.e. CAdES-BES). The key password travels in the child's environment, never
 * in argv. OpenSSL with the GOST engine is not certified crypto software (СКЗИ): see README.
 */
import { setMaxListeners } from 'node:events';
import fs from 'node:fs/promises';
import { parseCertificate, type CertificateInfo } from './cms';
import { pemToDer } from './der';
import { runProcess, stderrSummary } from './process';
import {
  linkSignals,
  Semaphore,
  signerError,
  toBase64Der,
  type SignMode,
  type SignOptions,
  type Signer,
} from './types';

export interface OpensslSignerOptions {
  certPath: string;
  keyPath: string;
  /** password of an encrypted PKCS#8 key (from credentials) */
  keyPassword?: string;
  /** the openssl binary (default `openssl` from PATH) */
  opensslBin?: string;
  /** engine id passed with `-engine` (default `gost`); `''` when OPENSSL_CONF already loads it */
  engine?: string;
  /** OPENSSL_CONF for the child, e.g. a config that loads the engine from a custom path */
  opensslConf?: string;
  /** digest: `md_gost12_256` (default, for 256-bit keys) or `md_gost12_512` */
  digest?: 'md_gost12_256' | 'md_gost12_512';
  timeoutMs?: number;
  /** signatures made at once (default 4) */
  concurrency?: number;
}

export const ENGINE_PACKAGE = 'libengine-gost-openssl';

/** Probe: does `openssl` load the GOST engine? Resolves with the reason when it does not. */
export async function probeGostEngine(
  opensslBin = 'openssl',
  engine = 'gost',
): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const r = await runProcess(opensslBin, ['engine', engine, '-t'], { timeoutMs: 10000 });
    const text = `${r.stdout.toString('utf8')}\n${r.stderr}`;
    if (r.code === 0 && /\[\s*available\s*\]/.test(text)) return { ok: true };
    return { ok: false, reason: stderrSummary(text) || `exit code ${String(r.code)}` };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

export function engineMissingError(reason: string): Error {
  return signerError(
    'SIGNER_ENGINE_MISSING',
    `OpenSSL не загружает GOST engine: установите пакет ${ENGINE_PACKAGE} (apt-get install ${ENGINE_PACKAGE}); причина: ${reason}`,
    `OpenSSL does not load the GOST engine: install the package ${ENGINE_PACKAGE} (apt-get install ${ENGINE_PACKAGE}); reason: ${reason}`,
  );
}

export class OpensslSigner implements Signer {
  readonly kind = 'openssl' as const;
  private readonly sem: Semaphore;
  private engineChecked = false;
  private readonly controller = new AbortController();

  constructor(private readonly opts: OpensslSignerOptions) {
    if (!opts.certPath || !opts.keyPath) {
      throw signerError(
        'SIGNER_CONFIG',
        'для подписи через OpenSSL нужны пути к сертификату и ключу (PEM)',
        'the OpenSSL signer needs the certificate and key paths (PEM)',
      );
    }
    this.sem = new Semaphore(opts.concurrency ?? 4);
    setMaxListeners(0, this.controller.signal);
  }

  private get bin(): string {
    return this.opts.opensslBin || 'openssl';
  }

  private env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['ZNAKFLOW_KEY_PASS'];
    if (this.opts.keyPassword) env['ZNAKFLOW_KEY_PASS'] = this.opts.keyPassword;
    if (this.opts.opensslConf) env['OPENSSL_CONF'] = this.opts.opensslConf;
    return env;
  }

  /** The argv of one signing call (exported for the README and tests). */
  args(mode: SignMode): string[] {
    const engine = this.opts.engine ?? 'gost';
    return [
      'cms',
      '-sign',
      ...(engine ? ['-engine', engine] : []),
      '-binary',
      '-cades',
      '-nosmimecap',
      '-md',
      this.opts.digest ?? 'md_gost12_256',
      '-signer',
      this.opts.certPath,
      '-inkey',
      this.opts.keyPath,
      ...(this.opts.keyPassword ? ['-passin', 'env:ZNAKFLOW_KEY_PASS'] : []),
      ...(mode === 'attached' ? ['-nodetach'] : []),
      '-outform',
      'DER',
    ];
  }

  async sign(data: Buffer, mode: SignMode, opts: SignOptions = {}): Promise<string> {
    await this.checkFiles();
    return this.sem.run(async () => {
      const link = linkSignals(opts.signal, this.controller.signal);
      const r = await runProcess(this.bin, this.args(mode), {
        input: data,
        env: this.env(),
        timeoutMs: this.opts.timeoutMs ?? 30000,
        signal: link.signal,
      }).finally(link.dispose);
      if (r.code !== 0 || r.stdout.length === 0) throw await this.failure(r.stderr);
      return toBase64Der(r.stdout, 'openssl');
    });
  }

  async certificate(): Promise<CertificateInfo | undefined> {
    const pem = await fs.readFile(this.opts.certPath).catch((err: unknown) => {
      throw this.fileError('certPath', this.opts.certPath, err);
    });
    const der = pemToDer(pem)[0] ?? (pem[0] === 0x30 ? pem : undefined);
    if (!der) {
      throw signerError(
        'SIGNER_CERT',
        `файл сертификата «${this.opts.certPath}» не содержит сертификат PEM`,
        `the certificate file "${this.opts.certPath}" holds no PEM certificate`,
      );
    }
    return parseCertificate(der);
  }

  close(): void {
    this.controller.abort();
  }

  private async checkFiles(): Promise<void> {
    for (const [field, p] of [
      ['certPath', this.opts.certPath],
      ['keyPath', this.opts.keyPath],
    ] as const) {
      await fs.access(p).catch((err: unknown) => {
        throw this.fileError(field, p, err);
      });
    }
  }

  private fileError(field: string, p: string, cause: unknown): Error {
    const e = signerError(
      'SIGNER_FILE',
      `${field}: файл «${p}» недоступен (нет файла или нет прав на чтение)`,
      `${field}: the file "${p}" cannot be read (missing or no read permission)`,
      cause,
    );
    return Object.assign(e, { field });
  }

  private async failure(stderr: string): Promise<Error> {
    const summary = stderrSummary(stderr);
    if (!this.engineChecked || /engine|unsupported|md_gost12|unknown option|invalid digest/i.test(stderr)) {
      const probe = await probeGostEngine(this.bin, this.opts.engine || 'gost');
      this.engineChecked = probe.ok;
      if (!probe.ok && this.opts.engine !== '') return engineMissingError(probe.reason);
    }
    if (/bad decrypt|bad password|maybe wrong password|unable to load (private )?key/i.test(stderr)) {
      return signerError(
        'SIGNER_KEY',
        `OpenSSL не смог прочитать закрытый ключ «${this.opts.keyPath}» (неверный пароль ключа или формат): ${summary}`,
        `OpenSSL could not read the private key "${this.opts.keyPath}" (wrong key password or format): ${summary}`,
      );
    }
    if (/key values mismatch|private key does not match/i.test(stderr)) {
      return signerError(
        'SIGNER_KEY',
        'закрытый ключ не соответствует сертификату',
        'the private key does not match the certificate',
      );
    }
    return signerError(
      'SIGNER_FAILED',
      `OpenSSL не смог подписать: ${summary}`,
      `OpenSSL could not sign: ${summary}`,
    );
  }
}
