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
