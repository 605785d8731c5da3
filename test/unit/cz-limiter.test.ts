import assert from 'node:assert/strict';
import { czHttpError, remoteErrorText } from '../../lib/cz/errors';
import { RateLimiter } from '../../lib/cz/limiter';
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter } from '../../lib/retry';
import { isZnakFlowError } from '../../lib/errors';

describe('cz: rate limiter, backoff, error texts', () => {
  it('never lets more than N requests start in any window, and paces them evenly', async () => {
    const lim = new RateLimiter({ perSecond: 5, windowMs: 200, marginMs: 10 });
    const starts: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, () =>
        lim.acquire().then(() => {
          starts.push(performance.now() - t0);
        }),
      ),
    );
    starts.sort((a, b) => a - b);
    for (let i = 0; i < starts.length; i++) {
      const inWindow = starts.filter(
        (s) => s >= (starts[i] as number) && s < (starts[i] as number) + 200,
      ).length;
      assert.ok(inWindow <= 5, `window from ${starts[i]} holds ${inWindow}`);
    }
    // paced, not bursty: no two starts closer than half the interval of (200+10)/5 = 42 ms
    for (let i = 1; i < starts.length; i++) {
      assert.ok((starts[i] as number) - (starts[i - 1] as number) >= 21, `spacing at ${i}`);
    }
    // 16 requests at 5 per 210 ms: about 15 intervals of 42 ms
    assert.ok((starts.at(-1) as number) >= 600 && (starts.at(-1) as number) < 1200, String(starts.at(-1)));
    assert.equal(lim.granted, 16);
    lim.close();
  });

  it('an aborted wait leaves the queue; close() rejects every waiter', async () => {
    const lim = new RateLimiter({ perSecond: 1, windowMs: 1000, marginMs: 0 });
    await lim.acquire();
    const ac = new AbortController();
    const a = lim.acquire(ac.signal);
    const b = lim.acquire();
    assert.equal(lim.waiting, 2);
    ac.abort();
    await assert.rejects(a, /прерван|aborted/);
    assert.equal(lim.waiting, 1);
    lim.close();
    await assert.rejects(b, (e: unknown) => isZnakFlowError(e) && e.code === 'ABORTED');
    await assert.rejects(lim.acquire(), /закрыто|closed/);
  });

  it('backoff: exponential with equal jitter, capped; Retry-After wins when longer', () => {
    const p = { ...DEFAULT_RETRY, baseMs: 100, maxMs: 1000 };
    assert.equal(
      backoffDelay(0, p, undefined, () => 0),
      50,
    );
    assert.equal(
      backoffDelay(0, p, undefined, () => 1),
      100,
    );
    assert.equal(
      backoffDelay(3, p, undefined, () => 1),
      800,
    );
    assert.equal(
      backoffDelay(10, p, undefined, () => 1),
      1000,
    );
    assert.equal(
      backoffDelay(0, p, 700, () => 0),
      700,
    );
    assert.equal(
      backoffDelay(0, p, 5000, () => 0),
      1000,
      'bounded even when the server asks for more',
    );
    assert.equal(parseRetryAfter('2'), 2000);
    const until = parseRetryAfter(new Date(Date.now() + 3000).toUTCString()) ?? 0;
    assert.ok(until > 1000 && until <= 3000, String(until));
    assert.equal(parseRetryAfter(undefined), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
  });

  it('the operator text out of JSON, XML and plain answers', () => {
    assert.equal(remoteErrorText('{"error_message":"Подпись не валидна","code":400}'), 'Подпись не валидна');
    assert.equal(
      remoteErrorText(
        '<InvalidTokenException><error>invalid_token</error><error_description>Access token expired: abc</error_description></InvalidTokenException>',
      ),
      'Access token expired: abc',
    );
    assert.equal(remoteErrorText('[{"errorMessage":"КИ не найден","errorCode":"404"}]'), 'КИ не найден');
    assert.equal(remoteErrorText('upstream down'), 'upstream down');
    const e = czHttpError(503, '{"error_message":"Удаленная система недоступна"}', {
      what: ['баланс', 'balance'],
      hide: ['secret-token-123'],
    });
    assert.equal(e.code, 'CZ_SERVER_ERROR');
    assert.equal(e.retryable, true);
    assert.equal(e.status, 503);
    assert.match(
      e.message,
      /^баланс: Честный ЗНАК ответил «Удаленная система недоступна» \/ balance: .*unavailable \[HTTP 503\]$/,
    );
    const t = czHttpError(
      401,
      '<a><error_description>Access token expired: secret-token-123</error_description></a>',
      {
        what: ['x', 'x'],
        hide: ['secret-token-123'],
      },
    );
    assert.equal(t.remoteText, 'Access token expired: ***');
    assert.equal(czHttpError(400, '{}', { what: ['x', 'x'] }).retryable, false);
    assert.equal(czHttpError(429, '', { what: ['x', 'x'] }).code, 'CZ_RATE_LIMIT');
  });
});
