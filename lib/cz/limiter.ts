/**
 * One rate limiter per `cz-connection`, shared by every node that uses it: never more than
 * `perSecond` requests start within any window of `windowMs`. True API allows 50 requests per
 * second per participant («Описание True API» v553 §1.1); the default here is that limit, and a lower one can
 * be configured.
 *
 * Requests are also paced evenly, at least (window + margin) / perSecond apart, instead of leaving
 * in bursts: the server counts arrivals, and a burst that leaves at once can arrive spread out and
 * meet the next burst inside the server's one-second window. With even pacing a request may arrive
 * up to `marginMs` late relative to a later one before the server could see one request too many.
 * The cost is the margin: 50 / 1.05 s ≈ 47.6 requests per second at the defaults (95 %).
 */
import { ZnakFlowError } from '../errors';
import { count, gauge } from '../metrics';

export interface RateLimiterOptions {
  /** requests allowed per window (default 50) */
  perSecond?: number;
  /** window length (default 1000 ms) */
  windowMs?: number;
  /** tolerance for arrival jitter added to the window (default 50 ms) */
  marginMs?: number;
  /** whose limiter this is (the participant INN), for the metrics' `participant` label */
  label?: string;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
  signal?: AbortSignal;
  onAbort?: () => void;
  /** performance.now() when it started waiting */
  since: number;
}

export class RateLimiter {
  readonly perSecond: number;
  private readonly span: number;
  private readonly interval: number;
  private last = -Infinity;
  /** start times (performance.now) of the requests in the current window, oldest first */
  private readonly starts: number[] = [];
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** requests let through so far */
  granted = 0;
  /** requests that had to wait */
  delayed = 0;
  private readonly labels: Record<string, string>;

  constructor(opts: RateLimiterOptions = {}) {
    this.perSecond = Math.max(1, Math.floor(opts.perSecond ?? 50));
    this.span = (opts.windowMs ?? 1000) + (opts.marginMs ?? 50);
    this.interval = this.span / this.perSecond;
    this.labels = { participant: opts.label ?? '' };
  }

  /** Resolves when a request may start. Rejects when the signal aborts or the limiter closes. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    if (signal?.aborted) return Promise.reject(abortError());
    const now = performance.now();
    this.prune(now);
    if (this.queue.length === 0 && this.free(now)) {
      this.take(now);
      return Promise.resolve();
    }
    this.delayed++;
    count('czLimiterWaits', this.labels);
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { resolve, reject, signal, since: now };
      if (signal) {
        w.onAbort = () => {
          const i = this.queue.indexOf(w);
          if (i >= 0) this.queue.splice(i, 1);
          this.waited(w, performance.now());
          reject(abortError());
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.queue.push(w);
      gauge('czLimiterQueue', this.labels, this.queue.length);
      this.schedule();
    });
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Reject every waiter and stop the timer (config node closed). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const now = performance.now();
    for (const w of this.queue.splice(0)) {
      if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
      this.waited(w, now);
      w.reject(closedError());
    }
  }

  /** A waiter leaves the queue: its wait counts, and the queue gauge follows. */
  private waited(w: Waiter, now: number): void {
    count('czLimiterWaitSeconds', this.labels, Math.max(0, now - w.since) / 1000);
    gauge('czLimiterQueue', this.labels, this.queue.length);
  }

  private free(now: number): boolean {
    return this.starts.length < this.perSecond && now >= this.last + this.interval;
  }

  private take(now: number): void {
    this.starts.push(now);
    // Pace against the ideal schedule: a timer that fires a little late does not push every later
    // request back (the window log above still bounds any second to `perSecond`).
    const ideal = this.last + this.interval;
    this.last = now - ideal < this.interval ? ideal : now;
    this.granted++;
  }

  private prune(now: number): void {
    while (this.starts.length > 0 && (this.starts[0] as number) <= now - this.span) this.starts.shift();
  }

  private pump = (): void => {
    this.timer = undefined;
    const now = performance.now();
    this.prune(now);
    while (this.queue.length > 0 && this.free(now)) {
      const w = this.queue.shift() as Waiter;
      if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
      this.take(now);
      this.waited(w, now);
      w.resolve();
    }
    this.schedule();
  };

  private schedule(): void {
    if (this.timer || this.queue.length === 0 || this.closed) return;
    const now = performance.now();
    const oldest = this.starts[0];
    const full = this.starts.length >= this.perSecond && oldest !== undefined ? oldest + this.span - now : 0;
    const wait = Math.max(0, full, this.last + this.interval - now);
    this.timer = setTimeout(this.pump, Math.ceil(wait));
  }
}

function closedError(): ZnakFlowError {
  return new ZnakFlowError({
    code: 'ABORTED',
    ru: 'подключение к Честному ЗНАКу закрыто (узел остановлен или переразвёрнут)',
    en: 'the Chestny ZNAK connection is closed (node stopped or redeployed)',
    source: 'cz',
  });
}

function abortError(): ZnakFlowError {
  return new ZnakFlowError({
    code: 'ABORTED',
    ru: 'запрос к Честному ЗНАКу прерван',
    en: 'the request to Chestny ZNAK was aborted',
    source: 'cz',
  });
}
