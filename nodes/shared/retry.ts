import { ZnakFlowError } from '../../lib/errors';

/** Delays between attempts at a call that failed for a passing reason (network, timeout, 5xx, 429). */
export const PASSING_BACKOFF_MS: readonly number[] = [1000, 2000, 5000, 10000, 30000, 60000];

/** True for failures that may pass by themselves (the remote system down, overloaded, slow). */
export function isPassing(err: unknown): err is ZnakFlowError {
  return err instanceof ZnakFlowError && err.retryable;
}

/** Short reason for a status line: `HTTP 503`, or the error code (`ONEC_NETWORK`). */
export function passingReason(err: unknown): string {
  if (err instanceof ZnakFlowError) return err.status !== undefined ? `HTTP ${err.status}` : err.code;
  return 'ERROR';
}

export interface PassingRetry {
  /** give up (rethrow the last error) once this long has passed since the first attempt */
  windowMs: number;
  /** told before each wait: what failed and how long until the next attempt */
  onWait?(err: ZnakFlowError, delayMs: number, attempt: number): void;
  backoffMs?: readonly number[];
}

/**
 * Timers of one node's waits, so that `close` ends them at once: a node being stopped or
 * redeployed leaves no timer behind, and a call waiting for its next attempt fails with its last
 * error instead.
 */
export class RetryTimers {
  private readonly waits = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  get isClosed(): boolean {
    return this.closed;
  }

  /** Resolves after `ms`, or early (false) when closed. */
  wait(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const t = setTimeout(() => {
        this.waits.delete(t);
        resolve(true);
      }, ms);
      this.waits.set(t, () => resolve(false));
    });
  }

  close(): void {
    this.closed = true;
    for (const [t, cancel] of this.waits) {
      clearTimeout(t);
      cancel();
    }
    this.waits.clear();
  }

  /**
   * Run `fn` until it succeeds, fails for a reason that will not pass, or `windowMs` has gone by;
   * waits follow `backoffMs` (the last value repeats).
   */
  async run<T>(fn: () => Promise<T>, opts: PassingRetry): Promise<T> {
    const started = Date.now();
    const backoff = opts.backoffMs ?? PASSING_BACKOFF_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isPassing(err) || this.closed) throw err;
        const delay = backoff[Math.min(attempt, backoff.length - 1)] ?? 60000;
        if (Date.now() + delay - started > opts.windowMs) throw err;
        opts.onWait?.(err, delay, attempt + 1);
        if (!(await this.wait(delay))) throw err;
      }
    }
  }
}
