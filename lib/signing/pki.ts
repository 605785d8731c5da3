/**
 * A throw-away GOST PKI made with OpenSSL and the GOST engine: a test CA and signer certificates
 * that carry a participant INN, as Russian qualified certificates do (ИНН ЮЛ for an organisation,
 * ИНН for an individual entrepreneur). Used by tests at start and by the demo and the emulator CLI,
 * so that no key is ever checked in. Everything takes well under a second.
 *
 * Not a real CA: keys are unencrypted unless a password is given, and nothing here is fit to sign
 * anything outside tests and demos.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ZnakFlowError } from '../errors';
import { engineMissingError, probeGostEngine } from './openssl';
import { runProcess, stderrSummary } from './process';

export interface TestCa {
  dir: string;
  certPath: string;
  keyPath: string;
}

export interface SignerSubject {
  /** participant INN: 10 digits (organisation, goes to ИНН ЮЛ) or 12 (entrepreneur, goes to ИНН) */
  inn?: string;
  /** the person's own 12-digit INN (ИНН of the signer), optional */
  personInn?: string;
  commonName?: string;
  organisation?: string;
  ogrn?: string;
  snils?: string;
  /** the signer's surname (SN), given name and patronymic (GN) and position (title), as a КЭП of an
   * organisation's head carries them (the УПД's signer block is read from them) */
  surname?: string;
  givenName?: string;
  title?: string;
  /** `innle` (default): ИНН ЮЛ attribute for a 10-digit INN; `legacy`: ИНН `00` + 10 digits */
  innStyle?: 'innle' | 'legacy';
}

export interface TestSigner {
  certPath: string;
  keyPath: string;
  inn?: string;
  /** set when the key was encrypted with a password */
  keyPassword?: string;
}

export interface PkiOptions {
  opensslBin?: string;
  /** validity in days (negative makes an already expired certificate) */
  days?: number;
  /** GOST parameter set (A, B, C, XA, XB, TCA…); default XA like CryptoPro CSP */
  paramset?: string;
}

const ENGINE_CONF = `openssl_conf = openssl_init
oid_section = znakflow_oids

[znakflow_oids]
INNLE = 1.2.643.100.4

[openssl_init]
engines = engine_section

[engine_section]
gost = gost_section

[gost_section]
engine_id = gost
default_algorithms = ALL

[req]
distinguished_name = req_dn
string_mask = utf8only

[req_dn]
`;

function confPath(dir: string): string {
  const p = path.join(dir, 'openssl-gost.cnf');
  if (!fs.existsSync(p)) fs.writeFileSync(p, ENGINE_CONF);
  return p;
}

async function openssl(
  dir: string,
  args: string[],
  opts: PkiOptions,
  extraEnv: Record<string, string> = {},
): Promise<Buffer> {
  const r = await runProcess(opts.opensslBin ?? 'openssl', args, {
    cwd: dir,
    env: { ...process.env, OPENSSL_CONF: confPath(dir), ...extraEnv },
    timeoutMs: 30000,
  });
  if (r.code !== 0) {
    const probe = await probeGostEngine(opts.opensslBin);
    if (!probe.ok) throw engineMissingError(probe.reason);
    throw new ZnakFlowError({
      code: 'PKI_FAILED',
      ru: `openssl ${args[0] ?? ''}: ${stderrSummary(r.stderr)}`,
      en: `openssl ${args[0] ?? ''}: ${stderrSummary(r.stderr)}`,
      source: 'signer',
    });
  }
  return r.stdout;
}

function subj(parts: Array<[string, string | undefined]>): string {
  return parts
    .filter((p): p is [string, string] => !!p[1])
    .map(([k, v]) => `/${k}=${v.replace(/([\\/+=,])/g, '\\$1')}`)
    .join('');
}

/** Make a test CA (self-signed GOST R 34.10-2012 256) in `dir`. */
export async function createTestCa(
  dir: string,
  name = 'ZnakFlow Test GOST CA',
  opts: PkiOptions = {},
): Promise<TestCa> {
  fs.mkdirSync(dir, { recursive: true });
  const keyPath = path.join(dir, 'ca.key');
  const certPath = path.join(dir, 'ca.pem');
  await openssl(
    dir,
    ['genpkey', '-algorithm', 'gost2012_256', '-pkeyopt', 'paramset:A', '-out', keyPath],
    opts,
  );
  await openssl(
    dir,
    [
      'req',
      '-new',
      '-x509',
      '-utf8',
      '-key',
      keyPath,
      '-md_gost12_256',
      '-days',
      String(opts.days ?? 3650),
      '-subj',
      subj([
        ['C', 'RU'],
        ['O', 'ZnakFlow Test'],
        ['CN', name],
      ]),
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      certPath,
    ],
    opts,
  );
  fs.chmodSync(keyPath, 0o600);
  return { dir, certPath, keyPath };
}

let serial = Date.now();

/**
 * Issue a signer certificate from `ca` into `dir` as `<name>.pem` / `<name>.key`. With
 * `keyPassword` the key is an encrypted PKCS#8 (aes-256-cbc).
 */
export async function issueTestSigner(
  ca: TestCa,
  subject: SignerSubject,
  opts: PkiOptions & { dir?: string; name?: string; keyPassword?: string } = {},
): Promise<TestSigner> {
  const dir = opts.dir ?? ca.dir;
  fs.mkdirSync(dir, { recursive: true });
  const name = opts.name ?? `signer-${subject.inn ?? 'noinn'}`;
  const plainKey = path.join(dir, `${name}.plain.key`);
  const keyPath = path.join(dir, `${name}.key`);
  const certPath = path.join(dir, `${name}.pem`);
  const csrPath = path.join(dir, `${name}.csr`);
  const extPath = path.join(dir, `${name}.ext`);
  await openssl(
    dir,
    [
      'genpkey',
      '-algorithm',
      'gost2012_256',
      '-pkeyopt',
      `paramset:${opts.paramset ?? 'XA'}`,
      '-out',
      opts.keyPassword ? plainKey : keyPath,
    ],
    opts,
  );
  if (opts.keyPassword) {
    await openssl(
      dir,
      [
        'pkcs8',
        '-topk8',
        '-in',
        plainKey,
        '-v2',
        'aes-256-cbc',
        '-passout',
        'env:ZNAKFLOW_PKI_PASS',
        '-out',
        keyPath,
      ],
      opts,
      { ZNAKFLOW_PKI_PASS: opts.keyPassword },
    );
  }
  const inn = subject.inn;
  const innAttrs: Array<[string, string | undefined]> = [];
  if (inn && inn.length === 10) {
    if (subject.innStyle === 'legacy') innAttrs.push(['INN', `00${inn}`]);
    else innAttrs.push(['INNLE', inn], ['INN', subject.personInn]);
  } else if (inn) {
    innAttrs.push(['INN', inn]);
  } else {
    innAttrs.push(['INN', subject.personInn]);
  }
  await openssl(
    dir,
    [
      'req',
      '-new',
      '-utf8',
      '-key',
      opts.keyPassword ? plainKey : keyPath,
      '-md_gost12_256',
      '-subj',
      subj([
        ['C', 'RU'],
        ['O', subject.organisation ?? 'ООО «Тест»'],
        ['CN', subject.commonName ?? subject.organisation ?? 'Тестовый подписант'],
        ...innAttrs,
        ['OGRN', subject.ogrn],
        ['SNILS', subject.snils],
        ['SN', subject.surname],
        ['GN', subject.givenName],
        ['title', subject.title],
      ]),
      '-out',
      csrPath,
    ],
    opts,
  );
  fs.writeFileSync(
    extPath,
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,nonRepudiation',
      'extendedKeyUsage=clientAuth,emailProtection',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
      '',
    ].join('\n'),
  );
  // A negative number of days makes a certificate that has already expired (notAfter < now).
  await openssl(
    dir,
    [
      'x509',
      '-req',
      '-in',
      csrPath,
      '-CA',
      ca.certPath,
      '-CAkey',
      ca.keyPath,
      '-set_serial',
      String(serial++),
      '-md_gost12_256',
      '-days',
      String(opts.days ?? 730),
      '-extfile',
      extPath,
      '-out',
      certPath,
    ],
    opts,
  );
  fs.rmSync(csrPath, { force: true });
  fs.rmSync(extPath, { force: true });
  fs.rmSync(plainKey, { force: true });
  fs.chmodSync(keyPath, 0o600);
  return { certPath, keyPath, inn, keyPassword: opts.keyPassword };
}

/** A CA and one signer for `subject`, in `dir`. */
export async function createTestPki(
  dir: string,
  subject: SignerSubject,
  opts: PkiOptions = {},
): Promise<{ ca: TestCa; signer: TestSigner }> {
  const ca = await createTestCa(dir, undefined, opts);
  const signer = await issueTestSigner(ca, subject, { ...opts, name: 'signer' });
  return { ca, signer };
}
