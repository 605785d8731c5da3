/**
 * Metrics: the Prometheus text format, the bound on label sets, and the counters the clients and
 * the limiter keep — against the emulators over real HTTP (True API with real GOST signatures).
 * Metrics are process-wide, so every check compares before and after, with labels of its own.
 */
import assert from 'node:assert/strict';
import { endpointOf } from '../../lib/cz/client';
import { RateLimiter } from '../../lib/cz/limiter';
import { startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { ZnakFlowError } from '../../lib/errors';
import {
  count,
  counterValue,
  gauge,
  inc,
  MAX_SERIES,
  METRICS,
  metricSum,
  renderPrometheus,
  type MetricId,
} from '../../lib/metrics';
import { OnecClient } from '../../lib/onec/client';
import { startBed, type CzBed } from '../support/cz';
import { requireGost } from '../support/gost';

/** Parse the exposition text: metric → label string → value, and the HELP/TYPE lines. */
function parse(text: string): {
  samples: Map<string, Map<string, number>>;
  types: Map<string, string>;
  helps: Map<string, string>;
} {
  const samples = new Map<string, Map<string, number>>();
  const types = new Map<string, string>();
  const helps = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    let m = /^# TYPE (\S+) (counter|gauge)$/.exec(line);
    if (m) {
      types.set(m[1] as string, m[2] as string);
      continue;
    }
    m = /^# HELP (\S+) (.+)$/.exec(line);
    if (m) {
      helps.set(m[1] as string, m[2] as string);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (-?[0-9.e+-]+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const name = m[1] as string;
    if (!samples.has(name)) samples.set(name, new Map());
    samples.get(name)?.set(m[2] ?? '', Number(m[3]));
  }
  return { samples, types, helps };
}

const sum = (id: MetricId, where: Record<string, string> = {}): number => metricSum(id, where);

describe('metrics', function () {
  this.timeout(60000);

  describe('exposition format', () => {
    it('renders HELP, TYPE and samples that parse, with label values escaped', () => {
      inc('znakflow_test_escape_total', 'a test counter', { v: 'a"b\\c\nd' }, 2);
      gauge('czLimiterQueue', { participant: 'fmt-test' }, 3);
      const { samples, types, helps } = parse(renderPrometheus());
      assert.equal(types.get('znakflow_test_escape_total'), 'counter');
      assert.equal(types.get(METRICS.czLimiterQueue.name), 'gauge');
      assert.equal(helps.get(METRICS.czLimiterQueue.name), METRICS.czLimiterQueue.help);
      assert.equal(samples.get('znakflow_test_escape_total')?.get('{v="a\\"b\\\\c\\nd"}'), 2);
      assert.equal(samples.get(METRICS.czLimiterQueue.name)?.get('{participant="fmt-test"}'), 3);
    });

    it('keeps at most MAX_SERIES label sets per metric; the rest count under `other`', () => {
      for (let i = 0; i < MAX_SERIES + 25; i++)
        inc('znakflow_test_cardinality_total', 'test', { entity: `E${i}` });
      const series = parse(renderPrometheus()).samples.get('znakflow_test_cardinality_total');
      assert.equal(series?.size, MAX_SERIES + 1);
      assert.equal(series?.get('{entity="other"}'), 25);
      assert.equal(counterValue('znakflow_test_cardinality_total', { entity: 'E0' }), 1);
    });

    it('every metric the pack defines has a znakflow_ name, a help text, and is documented in README', async () => {
      const fs = await import('node:fs');
      const readme = fs.readFileSync(new URL('../../README.md', `file://${__filename}`), 'utf8');
      for (const m of Object.values(METRICS)) {
        assert.match(m.name, /^znakflow_[a-z_]+$/);
        assert.ok(m.help.length > 20, m.name);
        assert.ok(readme.includes(`\`${m.name}\``), `README documents ${m.name}`);
      }
    });

    it('endpoint labels are a small fixed set whatever ids the paths carry', () => {
      assert.equal(endpointOf('/api/v4/true-api/doc/0a1b-2c/info'), 'doc/info');
      assert.equal(endpointOf('/api/v4/true-api/doc/list'), 'doc/list');
      assert.equal(endpointOf('/api/v3/true-api/lk/documents/create'), 'lk/documents/create');
      assert.equal(endpointOf('/api/v3/true-api/auth/simpleSignIn'), 'auth/simpleSignIn');
      assert.equal(endpointOf('/api/v3/true-api/elk/product-groups/balance/all'), 'balance');
      assert.equal(endpointOf('/elk/product-groups/balance'), 'balance');
      assert.equal(endpointOf('/api/v3/true-api/x/1/2/3/4'), 'other');
    });
  });

  describe('rate limiter', () => {
    it('counts the requests that waited, the time they waited, and the queue', async () => {
      const p = 'limiter-test';
      const lim = new RateLimiter({ perSecond: 5, windowMs: 200, marginMs: 0, label: p });
      const w0 = sum('czLimiterWaits', { participant: p });
      const s0 = sum('czLimiterWaitSeconds', { participant: p });
      await Promise.all(Array.from({ length: 12 }, () => lim.acquire()));
      const waits = sum('czLimiterWaits', { participant: p }) - w0;
      const seconds = sum('czLimiterWaitSeconds', { participant: p }) - s0;
      assert.equal(waits, lim.delayed);
      assert.ok(waits >= 11, `12 at once at 5 per 200 ms: the 11 after the first wait (${waits})`);
      // the last of 12 waits ≈ 11 × 40 ms; together ≥ 40 ms × (1 + … + 11) ≈ 2.6 s, allow timer slack
      assert.ok(seconds > 2 && seconds < 6, `wait seconds ${seconds}`);
      assert.equal(counterValue(METRICS.czLimiterQueue.name, { participant: p }), 0);
      const pending = lim.acquire().then(() => lim.acquire());
      lim.close();
      await assert.rejects(pending, (e: unknown) => e instanceof ZnakFlowError && e.code === 'ABORTED');
    });
  });

  describe('True API client ↔ emulator', () => {
    let bed: CzBed;

    before(async function () {
      await requireGost(this);
      bed = await startBed({ processingDelayMs: 20 });
    });
    after(async () => {
      await bed?.close();
    });

    it('counts requests per endpoint, and errors and retries by reason', async () => {
      const p = 'metrics-cz-1';
      const c = bed.client(undefined, { participantInn: p });
      await c.authenticate();
      assert.equal(sum('czRequests', { participant: p, endpoint: 'auth/key' }), 1);
      assert.equal(sum('czRequests', { participant: p, endpoint: 'auth/simpleSignIn' }), 1);
      bed.emu.injectFault('5xx', 2, 'doc/list');
      await c.listDocuments({ pg: 'lp', limit: 10, documentStatus: 'WAIT_ACCEPTANCE' });
      assert.equal(
        sum('czRequests', { participant: p, endpoint: 'doc/list' }),
        3,
        'two failed, one answered',
      );
      assert.equal(sum('czErrors', { participant: p, endpoint: 'doc/list' }), 2);
      assert.equal(sum('czRetries', { participant: p, endpoint: 'doc/list' }), 2);
      const reasons = [...parse(renderPrometheus()).samples.get(METRICS.czErrors.name)!.keys()].filter((k) =>
        k.includes(`participant="${p}"`),
      );
      assert.ok(
        reasons.every((k) => /reason="50[0234]"/.test(k)),
        `5xx reasons only: ${reasons.join(' ')}`,
      );
      bed.emu.injectFault('429', 1, 'cises/info');
      await c.cisesInfo([bed.codes({ pg: 'lp' })[0] as string]);
      assert.equal(sum('czErrors', { participant: p, endpoint: 'cises/info', reason: '429' }), 1);
      // a business refusal is an error, never retried
      await assert.rejects(c.documentInfo('00000000-0000-0000-0000-000000000000', { waitVisibleMs: 0 }));
      assert.equal(sum('czRetries', { participant: p, endpoint: 'doc/info' }), 0);
      assert.equal(sum('czErrors', { participant: p, endpoint: 'doc/info' }), 0, '404 there is an answer');
    });

    it('counts token renewals by reason: first, unauthorized (after a 401), expiring', async () => {
      const p = 'metrics-cz-2';
      const c = bed.client(undefined, { participantInn: p });
      await c.balance();
      assert.equal(sum('czTokenRenewals', { participant: p, reason: 'first' }), 1);
      bed.emu.expireTokens();
      await c.balance();
      assert.equal(sum('czTokenRenewals', { participant: p, reason: 'unauthorized' }), 1);
      assert.equal(sum('czErrors', { participant: p, reason: '401' }), 1);
      // a token that lives 2 s is renewed in the last fifth of its life, before it expires
      bed.emu.options.tokenTtlMs = 2000;
      const d = bed.client(undefined, { participantInn: `${p}-short` });
      await d.balance();
      await new Promise((r) => setTimeout(r, 1700));
      await d.balance();
      bed.emu.options.tokenTtlMs = 10 * 3600e3;
      assert.equal(sum('czTokenRenewals', { participant: `${p}-short`, reason: 'first' }), 1);
      assert.equal(sum('czTokenRenewals', { participant: `${p}-short`, reason: 'expiring' }), 1);
      assert.equal(sum('czErrors', { participant: `${p}-short`, reason: '401' }), 0, 'renewed before a 401');
    });

    it('a connection refused is counted as a network error of the endpoint', async () => {
      const p = 'metrics-cz-3';
      const c = bed.client(undefined, {
        participantInn: p,
        baseUrl: 'http://127.0.0.1:9',
        retry: { retries: 1, baseMs: 10, maxMs: 20 },
      });
      await assert.rejects(c.authenticate());
      assert.equal(sum('czErrors', { participant: p, endpoint: 'auth/key', reason: 'network' }), 2);
      assert.equal(sum('czRetries', { participant: p, endpoint: 'auth/key' }), 1);
    });
  });

  describe('1C client ↔ emulator', () => {
    let emu: OnecEmulator;
    const SET = 'Catalog_Контрагенты';
    before(async () => {
      emu = await startOnecEmulator();
    });
    after(async () => {
      await emu?.stop();
    });

    it('counts requests by method and entity set, and errors by code, retries by entity set', async () => {
      const client = new OnecClient({ url: emu.url, username: 'odata', password: 'odata', retryDelayMs: 5 });
      try {
        const r0 = sum('onecRequests', { method: 'GET', entity: SET });
        const e0 = sum('onecErrors', { entity: SET });
        const t0 = sum('onecRetries', { entity: SET });
        await client.list(SET, { top: 1 });
        assert.equal(sum('onecRequests', { method: 'GET', entity: SET }) - r0, 1);
        emu.faults.add({ kind: 'server503', match: SET, times: 2 });
        await client.list(SET, { top: 1 });
        assert.equal(sum('onecRequests', { method: 'GET', entity: SET }) - r0, 4);
        assert.equal(sum('onecErrors', { method: 'GET', entity: SET, code: 'ONEC_HTML' }) - e0, 2);
        assert.equal(sum('onecRetries', { entity: SET }) - t0, 2);
        emu.faults.add({ kind: 'business', match: SET, method: 'PATCH' });
        const ref = String(emu.store.list(SET)[0]?.['Ref_Key']);
        await assert.rejects(client.patch(SET, ref, { Комментарий: 'x' }));
        assert.equal(sum('onecErrors', { method: 'PATCH', entity: SET, code: 'ONEC_BUSINESS' }), 1);
        assert.equal(sum('onecRetries', { entity: SET }) - t0, 2, 'writes are not retried');
      } finally {
        await client.close();
      }
    });

    it('1C unreachable: every attempt is a network error; service requests are labelled (service)', async () => {
      const client = new OnecClient({ url: 'http://127.0.0.1:9/demo', retryDelayMs: 5, retries: 2 });
      try {
        const e0 = sum('onecErrors', { entity: '(service)', code: 'ONEC_NETWORK' });
        await assert.rejects(
          client.entitySets(),
          (e: unknown) => e instanceof ZnakFlowError && e.code === 'ONEC_NETWORK',
        );
        assert.equal(sum('onecErrors', { entity: '(service)', code: 'ONEC_NETWORK' }) - e0, 3);
      } finally {
        await client.close();
      }
    });

    it('counts the helper metric ids the way the clients do', () => {
      const before = sum('onecRequests', { method: 'GET', entity: 'X_test' });
      count('onecRequests', { method: 'GET', entity: 'X_test' }, 2);
      assert.equal(sum('onecRequests', { method: 'GET', entity: 'X_test' }) - before, 2);
    });
  });
});
