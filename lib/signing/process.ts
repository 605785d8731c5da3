/**
 * Run a program without a shell: argv as a list, optional stdin, a timeout and an abort signal
 * that kill the child, stdout as bytes and stderr as text (bounded). Used by the `openssl` and
 * `command` signers, the test PKI and the emulator's signature checks.
 */
import { spawn } from 'node:child_process';
import { ZnakFlowError } from '../errors';

export interface RunOptions {
  input?: Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** cap on captured stdout (default 64 MB) */
  maxStdout?: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

const MAX_STDERR = 16384;

export function runProcess(bin: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise<RunResult>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(aborted(bin));
      return;
    }
    const child = spawn(bin, args, {
      shell: false,
      windowsHide: true,
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let outLen = 0;
    let err = '';
    let settled = false;
    let timedOut = false;
    const maxStdout = opts.maxStdout ?? 64 * 1024 * 1024;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const kill = (): void => {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    };
    const onAbort = (): void => {
      kill();
      finish(() => reject(aborted(bin)));
    };
    const timer =
      opts.timeoutMs && opts.timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            kill();
          }, opts.timeoutMs)
        : undefined;
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d: Buffer) => {
      outLen += d.length;
      if (outLen <= maxStdout) out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < MAX_STDERR) err += d.toString('utf8');
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish(() => {
        if (e.code === 'ENOENT') {
          reject(
            new ZnakFlowError({
              code: 'SIGNER_PROGRAM_NOT_FOUND',
              ru: `программа «${bin}» не найдена: проверьте путь и что она установлена`,
              en: `program "${bin}" was not found: check the path and that it is installed`,
              source: 'signer',
              cause: e,
            }),
          );
        } else {
          reject(
            new ZnakFlowError({
              code: 'SIGNER_PROGRAM_FAILED',
              ru: `не удалось запустить «${bin}»: ${e.message}`,
              en: `could not start "${bin}": ${e.message}`,
              source: 'signer',
              cause: e,
            }),
          );
        }
      });
    });
    child.on('close', (code, signal) => {
      finish(() => {
        if (timedOut) {
          reject(
            new ZnakFlowError({
              code: 'SIGNER_TIMEOUT',
              ru: `«${bin}» не завершилась за ${opts.timeoutMs} мс и была остановлена`,
              en: `"${bin}" did not finish within ${opts.timeoutMs} ms and was killed`,
              source: 'signer',
              retryable: true,
            }),
          );
          return;
        }
        resolve({ code, signal, stdout: Buffer.concat(out), stderr: err });
      });
    });
    // A child that exits before reading stdin gives EPIPE: the exit code tells what happened.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? Buffer.alloc(0));
  });
}

function aborted(bin: string): ZnakFlowError {
  return new ZnakFlowError({
    code: 'ABORTED',
    ru: `вызов «${bin}» прерван (узел остановлен или переразвёрнут)`,
    en: `the call to "${bin}" was aborted (node stopped or redeployed)`,
    source: 'signer',
  });
}

/** The last meaningful lines of a tool's stderr, for an error message. */
export function stderrSummary(stderr: string, maxLines = 4): string {
  return stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !/^Engine "gost" set\.?$/.test(l))
    .slice(-maxLines)
    .join(' | ');
}
