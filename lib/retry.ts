/**
 * The one retry policy of the pack: which failures may pass by themselves, the backoff of a call
 * that failed that way, the window after which it gives up, and the cancellation of every wait
 * when a node closes. Two layers use it:
 * - the HTTP clients, inside one call: a few quick retries with jitter, for 429, 5xx and network
 *   errors only, a server's Retry-After honoured (`backoffDelay`, `parseRetryAfter`, `sleep`);
 * - the nodes, around a whole call: waits of seconds to a minute within the node's retry window,
 *   shown on its status (`RetryTimers.run`). A wait on the local journal alone (an interrupted send
 *   not checkable yet, an earlier version still processed) costs no request and is kept short.
 * Business errors (400, 403, 404, 422, a refused document) are final at both layers.
 */
import { ZnakFlowError } from './errors';

// ---- inside one HTTP call (the clients) ----

/**
 * Bounded retries with exponential backoff and jitter, for 429, 5xx and network errors only
 * (never for business errors: 400, 403, 404, 422 are final).
 */
export interface RetryPolicy {
  /** retries after the first attempt (default 4) */
  retries: number;
  /** first delay (default 500 ms) */
  baseMs: number;
  /** ceiling of one delay (default 15 s) */
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseMs: 500, maxMs: 15000 };

/**
 * Delay before retry number `attempt` (0-based): "equal jitter", half fixed and half random, of
 * base·2^attempt capped at maxMs. A server's Retry-After (seconds) wins when it is longer.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  const d = exp / 2 + random() * (exp / 2);
  return Math.round(retryAfterMs !== undefined ? Math.min(policy.maxMs, Math.max(d, retryAfterMs)) : d);
}

/** Retry-After as milliseconds (seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const s = Number(value);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** Sleep that ends early (rejecting) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Delay before retry number `attempt` (1-based) of a 1C read: base·2^(attempt−1), spread over
 * ½…1½ of it so that nodes retrying together do not hit 1C in step.
 */
export function spreadDelay(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const delay = baseMs * 2 ** (attempt - 1);
  return delay / 2 + random() * delay;
}

/** Sleep that ends early, quietly (resolving), when the signal aborts: the caller checks why. */
export function quietSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

// ---- around a whole call (the nodes) ----

/** Delays between attempts at a call that failed for a passing reason (network, timeout, 5xx, 429). */
export const PASSING_BACKOFF_MS: readonly number[] = [1000, 2000, 5000, 10000, 30000, 60000];

/**
 * Delays between attempts at sending a document (cz-send): a little longer at first, since a send
 * is signed and may hit the True API's rate limits.
 */
export const SEND_BACKOFF_MS: readonly number[] = [2000, 5000, 10000, 30000, 60000];

/** Longest wait for a failure that only waits on the local journal (it costs no request). */
export const LOCAL_WAIT_MAX_MS = 5000;

/** True for failures that may pass by themselves (the remote system down, overloaded, slow). */
export function isPassing(err: unknown): err is ZnakFlowError {
  return err instanceof ZnakFlowError && err.retryable;
}

/**
 * True for passing failures that wait on the local journal only: an interrupted send that cannot
 * be checked yet (RECONCILE_WAIT), an earlier version of the document still being processed
 * (EARLIER_VERSION_PENDING). Looking again costs no request, so it is done every few seconds.
 */
export function isLocalWait(err: unknown): boolean {
  return isPassing(err) && (err.code === 'RECONCILE_WAIT' || err.code === 'EARLIER_VERSION_PENDING');
}

/**
 * Честный ЗНАК (or a check of the message) refused this document itself: retrying cannot help,
 * and the refusal is an outcome. Not a refusal: a passing failure, the sign-in, a stop.
 */
export function isRefusal(err: unknown): boolean {
  return (
    err instanceof ZnakFlowError &&
    !err.retryable &&
    (err.source === 'cz' || err.source === 'input') &&
    err.code !== 'AUTH_FAILED' &&
    err.code !== 'ABORTED'
  );
}

/** Short reason for a status line: `HTTP 503`, or the error code (`ONEC_NETWORK`). */
export function passingReason(err: unknown): string {
  if (err instanceof ZnakFlowError) return err.status !== undefined ? `HTTP ${err.status}` : err.code;
  return 'ERROR';
}

/**
 * The wait before attempt `attempt + 1` after `err`: the schedule's value (its last repeats), at
 * most LOCAL_WAIT_MAX_MS for a local wait.
 */
export function retryDelay(
  attempt: number,
  err: unknown,
  backoffMs: readonly number[] = PASSING_BACKOFF_MS,
): number {
  const backoff = backoffMs[Math.min(attempt, backoffMs.length - 1)] ?? 60000;
  return isLocalWait(err) ? Math.min(backoff, LOCAL_WAIT_MAX_MS) : backoff;
}

export interface PassingRetry {
  /** give up (rethrow the last error) once the window from the first attempt is used up */
  windowMs: number;
  /**
   * how the window counts: `next-attempt` (default) gives up when the next attempt would start
   * after it; `elapsed` gives up once it has passed (one more wait may end after it)
   */
  window?: 'next-attempt' | 'elapsed';
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
   * Run `fn` until it succeeds, fails for a reason that will not pass, or the window is used up;
   * waits follow `retryDelay` over `backoffMs`.
   */
  async run<T>(fn: () => Promise<T>, opts: PassingRetry): Promise<T> {
    const started = Date.now();
    const elapsed = opts.window === 'elapsed';
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isPassing(err) || this.closed) throw err;
        if (elapsed && Date.now() - started > opts.windowMs) throw err;
        const delay = retryDelay(attempt, err, opts.backoffMs);
        if (!elapsed && Date.now() + delay - started > opts.windowMs) throw err;
        opts.onWait?.(err, delay, attempt + 1);
        if (!(await this.wait(delay))) throw err;
      }
    }
  }
}
