/**
 * `command` signer: an external program given as an argument-list template, run without a shell,
 * for servers where the key lives in CryptoPro CSP (or any other tool). Placeholders in arguments:
 *
 *   {in}          path of a temporary file with the data (omit it to pass the data on stdin)
 *   {out}         path of a temporary file for the signature (omit it to read stdout)
 *   {thumbprint}  certificate SHA-1 thumbprint (config)
 *   {pin}         PIN / container password (credentials; masked in every message)
 *   {mode}        `attached` or `detached`
 *
 * An argument that starts with `?detached:` is used only for detached signatures, `?attached:` only
 * for attached ones (e.g. `?detached:-detached`). The output may be DER, base64 or PEM; it is
 * normalised to one line of base64 DER and checked to be a CMS signature of the requested kind.
 * Temporary files live in a private directory (mode 0700) removed after each call.
 */
import { setMaxListeners } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { redact, registerSecret } from '../redact';
import { runProcess, stderrSummary } from './process';
import {
  checkSignature,
  linkSignals,
  Semaphore,
  signerError,
  toBase64Der,
  type SignMode,
  type SignOptions,
  type Signer,
} from './types';

export const CRYPTOPRO_BIN = '/opt/cprocsp/bin/amd64';

/**
 * Presets. CryptoPro options from public integration code (⚠ not an official manual); check them against
 * `cryptcp -help` / `csptest -sfsign -help` of your installation.
 */
export const COMMAND_PRESETS = {
  /** cryptcp -sign -thumbprint <sha1> -pin <PIN> -nochain -der -cadesbes [-detached] <in> <out> */
  cryptcp: [
    `${CRYPTOPRO_BIN}/cryptcp`,
    '-sign',
    '-thumbprint',
    '{thumbprint}',
    '-pin',
    '{pin}',
    '-nochain',
    '-der',
    '-cadesbes',
    '?detached:-detached',
    '{in}',
    '{out}',
  ],
  /** csptest -sfsign -sign -in <in> -out <out> -my <sha1> -base64 -add -addsigtime -cades_strict [-detached] -password <PIN> */
  csptest: [
    `${CRYPTOPRO_BIN}/csptest`,
    '-sfsign',
    '-sign',
    '-in',
    '{in}',
    '-out',
    '{out}',
    '-my',
    '{thumbprint}',
    '-base64',
    '-add',
    '-addsigtime',
    '-cades_strict',
    '?detached:-detached',
    '-password',
    '{pin}',
  ],
} as const satisfies Record<string, readonly string[]>;

export type CommandPreset = keyof typeof COMMAND_PRESETS;

export interface CommandSignerOptions {
  /** `cryptcp`, `csptest` or `custom` (then `args` is required) */
  preset?: CommandPreset | 'custom';
  /** the argument template; `args[0]` is the program. Overrides the preset when given. */
  args?: readonly string[];
  /** replace the program of a preset (e.g. `C:\\Program Files\\Crypto Pro\\CSP\\cryptcp.exe`) */
  program?: string;
  thumbprint?: string;
  pin?: string;
  timeoutMs?: number;
  /** concurrent calls (default 1: key containers and tokens dislike concurrency) */
  concurrency?: number;
  env?: Record<string, string>;
}

/** Parse an argument template typed by a user: a JSON array, or one argument per line. */
export function parseArgsTemplate(text: string): string[] {
  const t = text.trim();
  if (!t) return [];
  if (t.startsWith('[')) {
    const v: unknown = JSON.parse(t);
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
      throw signerError(
        'SIGNER_CONFIG',
        'шаблон команды: ожидается JSON-массив строк',
        'command template: a JSON array of strings is expected',
      );
    }
    return v as string[];
  }
  return t
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

export class CommandSigner implements Signer {
  readonly kind = 'command' as const;
  private readonly template: readonly string[];
  private readonly sem: Semaphore;
  private readonly controller = new AbortController();

  constructor(private readonly opts: CommandSignerOptions) {
    const preset = opts.preset ?? (opts.args ? 'custom' : 'cryptcp');
    const base =
      opts.args && opts.args.length > 0 ? opts.args : preset === 'custom' ? [] : COMMAND_PRESETS[preset];
    if (base.length === 0) {
      throw signerError(
        'SIGNER_CONFIG',
        'для внешней программы подписи нужен шаблон команды',
        'the command signer needs a command template',
      );
    }
    this.template = opts.program ? [opts.program, ...base.slice(1)] : base;
    const uses = (p: string): boolean => this.template.some((a) => a.includes(p));
    if (uses('{thumbprint}') && !opts.thumbprint) {
      throw Object.assign(
        signerError(
          'SIGNER_CONFIG',
          'не указан отпечаток (thumbprint) сертификата',
          'the certificate thumbprint is not set',
        ),
        { field: 'thumbprint' },
      );
    }
    registerSecret(opts.pin);
    this.sem = new Semaphore(opts.concurrency ?? 1);
    setMaxListeners(0, this.controller.signal);
  }

  /** The argv for one call with the given file paths (PIN included: never log it). */
  argv(mode: SignMode, inPath: string, outPath: string): string[] {
    const out: string[] = [];
    for (const raw of this.template) {
      let a = raw;
      if (a.startsWith('?detached:')) {
        if (mode !== 'detached') continue;
        a = a.slice('?detached:'.length);
      } else if (a.startsWith('?attached:')) {
        if (mode !== 'attached') continue;
        a = a.slice('?attached:'.length);
      }
      if (a.includes('{pin}') && !this.opts.pin) {
        // An empty PIN: drop the `-pin` flag that precedes it as well.
        if (out.length > 0 && /^-{1,2}(pin|password)$/i.test(out[out.length - 1] ?? '')) out.pop();
        continue;
      }
      // One pass: a substituted value is never scanned again (a thumbprint holding `{pin}` stays as is).
      const values: Record<string, string> = {
        in: inPath,
        out: outPath,
        thumbprint: this.opts.thumbprint ?? '',
        pin: this.opts.pin ?? '',
        mode,
      };
      out.push(a.replace(/\{(in|out|thumbprint|pin|mode)\}/g, (_m, k: string) => values[k] ?? ''));
    }
    return out;
  }

  async sign(data: Buffer, mode: SignMode, opts: SignOptions = {}): Promise<string> {
    return this.sem.run(async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'znakflow-sign-'));
      const link = linkSignals(opts.signal, this.controller.signal);
      try {
        await fs.chmod(dir, 0o700);
        const inPath = path.join(dir, 'data.bin');
        const outPath = path.join(dir, 'data.sig');
        const usesIn = this.template.some((a) => a.includes('{in}'));
        const usesOut = this.template.some((a) => a.includes('{out}'));
        if (usesIn) await fs.writeFile(inPath, data, { mode: 0o600 });
        const [bin, ...args] = this.argv(mode, inPath, outPath);
        const r = await runProcess(bin as string, args, {
          input: usesIn ? undefined : data,
          env: { ...process.env, ...this.opts.env },
          timeoutMs: this.opts.timeoutMs ?? 60000,
          signal: link.signal,
        });
        const program = path.basename(bin as string);
        if (r.code !== 0) {
          const why = redact(stderrSummary(`${r.stderr}\n${r.stdout.toString('utf8')}`));
          throw signerError(
            'SIGNER_FAILED',
            `${program} завершилась с кодом ${String(r.code)}: ${why}`,
            `${program} exited with code ${String(r.code)}: ${why}`,
          );
        }
        const output = usesOut ? await fs.readFile(outPath).catch(() => Buffer.alloc(0)) : r.stdout;
        if (output.length === 0) {
          throw signerError(
            'SIGNER_OUTPUT',
            `${program} не создала подпись (пустой результат)`,
            `${program} produced no signature (empty output)`,
          );
        }
        const b64 = toBase64Der(output, program);
        checkSignature(b64, mode, program, data);
        return b64;
      } finally {
        link.dispose();
        await fs.rm(dir, { recursive: true, force: true });
      }
    });
  }

  close(): void {
    this.controller.abort();
  }
}
