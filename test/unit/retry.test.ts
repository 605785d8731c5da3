/**
 * The one retry policy (lib/retry.ts): which failures pass, the backoff schedules, the two kinds
 * of window, local waits, cancellation on close. Real timers with short schedules; behaviour in the
 * nodes is covered by test/nodes/cz-send-status.test.ts and onec-write-retry.test.ts.
 */
import assert from 'node:assert/strict';
import { ZnakFlowError } from '../../lib/errors';
import {
  isLocalWait,
  isPassing,
  isRefusal,
  LOCAL_WAIT_MAX_MS,
  PASSING_BACKOFF_MS,
  passingReason,
  quietSleep,
  retryDelay,
  RetryTimers,
  SEND_BACKOFF_MS,
  spreadDelay,
} from '../../lib/retry';

const passing = (code = 'CZ_HTTP', status?: number): ZnakFlowError =>
  new ZnakFlowError({ code, ru: 'недоступно', en: 'unavailable', retryable: true, status, source: 'cz' });
const final = (code = 'CZ_REJECTED', source: 'cz' | 'input' | 'config' = 'cz'): ZnakFlowError =>
  new ZnakFlowError({ code, ru: 'отказ', en: 'refused', source });

describe('retry policy', function () {
  it('classifies failures: passing, local waits, refusals of the document, and a short reason', () => {
    assert.equal(isPassing(passing()), true);
    assert.equal(isPassing(final()), false);
    assert.equal(isPassing(new Error('x')), false);
    assert.equal(isLocalWait(passing('RECONCILE_WAIT')), true);
    assert.equal(isLocalWait(passing('EARLIER_VERSION_PENDING')), true);
    assert.equal(isLocalWait(passing('CZ_NETWORK')), false);
    assert.equal(isRefusal(final()), true);
    assert.equal(isRefusal(final('VALIDATION', 'input')), true);
    assert.equal(isRefusal(final('AUTH_FAILED')), false, 'the sign-in is not the document’s fault');
    assert.equal(isRefusal(final('ABORTED')), false, 'a stop is not a refusal');
    assert.equal(isRefusal(final('INVALID_CONFIG', 'config')), false);
    assert.equal(isRefusal(passing()), false);
    assert.equal(passingReason(passing('CZ_HTTP', 503)), 'HTTP 503');
    assert.equal(passingReason(passing('ONEC_NETWORK')), 'ONEC_NETWORK');
    assert.equal(passingReason('boom'), 'ERROR');
  });

  it('schedules: the node schedules repeat their last value; local waits stay within 5 s', () => {
    const send = [0, 1, 2, 3, 4, 5, 9].map((a) => retryDelay(a, passing(), SEND_BACKOFF_MS));
    assert.deepEqual(send, [2000, 5000, 10000, 30000, 60000, 60000, 60000]);
    const write = [0, 1, 2, 3, 4, 5, 6].map((a) => retryDelay(a, passing()));
    assert.deepEqual(write, [...PASSING_BACKOFF_MS, 60000]);
    const local = [0, 1, 2, 3].map((a) => retryDelay(a, passing('RECONCILE_WAIT'), SEND_BACKOFF_MS));
    assert.deepEqual(local, [2000, 5000, LOCAL_WAIT_MAX_MS, LOCAL_WAIT_MAX_MS]);
    // inside one HTTP call (backoffDelay): test/unit/cz-limiter.test.ts «backoff»
    // a 1C read: base·2^(n−1), spread over ½…1½
    assert.equal(
      spreadDelay(1, 400, () => 0),
      200,
    );
    assert.equal(
      spreadDelay(3, 400, () => 1),
      2400,
    );
  });

  it('runs until success, telling each wait; a failure that will not pass is thrown at once', async () => {
    const timers = new RetryTimers();
    let calls = 0;
    const waits: Array<[string, number, number]> = [];
    const r = await timers.run(
      async () => {
        if (++calls < 3) throw passing('CZ_HTTP', 503);
        return 'ok';
      },
      { windowMs: 10000, backoffMs: [5, 10], onWait: (e, d, n) => waits.push([passingReason(e), d, n]) },
    );
    assert.equal(r, 'ok');
    assert.deepEqual(waits, [
      ['HTTP 503', 5, 1],
      ['HTTP 503', 10, 2],
    ]);
    let finals = 0;
    await assert.rejects(
      timers.run(
        async () => {
          finals++;
          throw final();
        },
        { windowMs: 10000, backoffMs: [5], onWait: () => assert.fail('no wait for a final failure') },
      ),
      /отказ/,
    );
    assert.equal(finals, 1);
  });

  it('windows: `next-attempt` never starts one past the window, `elapsed` tries until it has passed', async () => {
    const timers = new RetryTimers();
    let n = 0;
    const failing = async (): Promise<never> => {
      n++;
      throw passing('CZ_NETWORK');
    };
    await assert.rejects(timers.run(failing, { windowMs: 0, backoffMs: [20] }), /недоступно/);
    assert.equal(n, 1, 'a window of 0 allows no second attempt');
    n = 0;
    const t0 = Date.now();
    await assert.rejects(timers.run(failing, { windowMs: 50, backoffMs: [20] }), /недоступно/);
    assert.ok(Date.now() - t0 <= 50 + 200, 'no attempt is started past the window (within timer slack)');
    assert.ok(n >= 2 && n <= 3, String(n));
    n = 0;
    const t1 = Date.now();
    await assert.rejects(
      timers.run(failing, { windowMs: 50, window: 'elapsed', backoffMs: [20] }),
      /недоступно/,
    );
    assert.ok(Date.now() - t1 > 50, 'elapsed: gives up only once the window has passed');
    assert.ok(n >= 3, String(n));
  });

  it('close ends every wait at once with the last error and leaves no timer', async () => {
    const timers = new RetryTimers();
    const t0 = Date.now();
    const running = timers.run(
      async () => {
        throw passing('CZ_HTTP', 502);
      },
      { windowMs: 3600000, backoffMs: [60000], onWait: () => setImmediate(() => timers.close()) },
    );
    await assert.rejects(running, (e: unknown) => e instanceof ZnakFlowError && e.status === 502);
    assert.ok(Date.now() - t0 < 1000, 'the minute-long wait ended at close');
    assert.equal(timers.isClosed, true);
    assert.equal(await timers.wait(60000), false, 'a closed node waits no more');
    const ac = new AbortController();
    const slept = quietSleep(60000, ac.signal);
    ac.abort();
    await slept;
  });
});
