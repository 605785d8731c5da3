/**
 * The 1C OData client against the emulator over real HTTP on 127.0.0.1: every quirk of the
 * reference and every error class.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ZnakFlowError } from '../../lib/errors';
import { startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { OnecClient } from '../../lib/onec/client';
import { redact } from '../../lib/redact';
import { toInt } from '../../lib/onec/schemas';
import { makeTlsPki } from '../support/tls';

const SALES = 'Document_РеализацияТоваровУслуг';

async function rejects(p: Promise<unknown>, code: string): Promise<ZnakFlowError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ZnakFlowError, `not a ZnakFlowError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, / \/ /, 'bilingual');
    return err;
  }
  assert.fail(`expected ${code}`);
}

describe('onec client', function () {
  this.timeout(20000);
  let emu: OnecEmulator;
  let client: OnecClient;

  before(async () => {
    emu = await startOnecEmulator();
  });
  beforeEach(() => {
    emu.faults.clear();
    emu.requests.reset();
    client = new OnecClient({ url: emu.url, username: 'odata', password: 'odata', retryDelayMs: 10 });
  });
  afterEach(async () => {
    await client.close();
  });
  after(async () => {
    await emu.stop();
  });

  it('tests the connection: platform answer and the entity sets this user sees', async () => {
    const r = await client.testConnection();
    assert.equal(r.status, 200);
    assert.equal(r.dataServiceVersion, '3.0');
    assert.match(r.server ?? '', /1C/);
    assert.ok(r.entitySets.includes(SALES));
    assert.ok(r.entitySets.includes('Catalog_ШтрихкодыУпаковокТоваров'));
    assert.equal(r.url, `${emu.url}/odata/standard.odata/`);
  });

  it('always asks for $format=json, sends Basic auth in UTF-8, and percent-encodes Cyrillic with %20 spaces', async () => {
    await client.list(SALES, {
      filter: { field: 'Комментарий', op: 'eq', value: 'короб (SSCC)', type: 'string' },
    });
    await client.get('Catalog_Организации', emu.store.world.organisation.ref);
    await client.count(SALES);
    for (const e of emu.requests.log) {
      if (!e.resource.includes('$count')) assert.match(e.resource, /\$format=json/);
    }
    const other = await startOnecEmulator({ users: { Администратор: 'пароль' } });
    const c2 = new OnecClient({ url: other.url, username: 'Администратор', password: 'пароль' });
    try {
      assert.ok((await c2.entitySets()).length > 0);
    } finally {
      await c2.close();
      await other.stop();
    }
  });

  it('reads 1C types as they come: Int64 strings, naive dates, empty GUIDs, string counts', async () => {
    const doc = (await client.list(SALES, { top: 1, orderby: ['Date'] })).value[0]!;
    const rows = doc['Товары'] as Array<Record<string, unknown>>;
    assert.equal(rows[0]!['LineNumber'], '1');
    assert.equal(toInt(rows[0]!['LineNumber']), 1);
    assert.match(String(doc['Date']), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    assert.equal(doc['Договор_Key'], '00000000-0000-0000-0000-000000000000');
    const page = await client.list(SALES, { inlinecount: true, select: ['Ref_Key'] });
    assert.equal(page.count, page.value.length);
  });

  it('pages with $top/$skip in a stable order (Date, Ref_Key) until a short page, without duplicates', async () => {
    const all = await client.listAll(
      SALES,
      { orderby: ['Date'], select: ['Ref_Key', 'Date'] },
      { pageSize: 3 },
    );
    const total = emu.store.rows(SALES).length;
    assert.equal(all.length, total);
    assert.equal(new Set(all.map((d) => d['Ref_Key'])).size, total);
    const dates = all.map((d) => String(d['Date']));
    assert.deepEqual(dates, [...dates].sort());
    const gets = emu.requests.log.filter((e) => e.method === 'GET');
    assert.equal(gets.length, Math.floor(total / 3) + 1);
    assert.match(gets[1]!.resource, /\$orderby=Date asc,Ref_Key asc&\$top=3&\$skip=3/);
    const limited = await client.listAll(SALES, {}, { pageSize: 2, limit: 3 });
    assert.equal(limited.length, 3);
  });

  it('fetches many objects in as few requests as fit, every URL under 2 000 bytes', async () => {
    const refs = emu.store.world.codes.map((c) => c.ref);
    assert.ok(refs.length > 300);
    const found = await client.getMany('Catalog_ШтрихкодыУпаковокТоваров', [
      ...refs,
      ...refs.slice(0, 20),
      '00000000-0000-0000-0000-000000000000',
    ]);
    assert.equal(found.size, refs.length);
    assert.ok(emu.requests.maxUrlBytes <= 2000, `longest URL ${emu.requests.maxUrlBytes}`);
    assert.equal(client.stats.requests, emu.requests.total);
    assert.ok(
      emu.requests.total <= Math.ceil(refs.length / 25),
      `${emu.requests.total} requests for ${refs.length} codes`,
    );
    assert.ok(emu.requests.maxUrlBytes > 1800, 'chunks are filled');
  });

  it('never lets a value change the meaning of a filter (injection)', async () => {
    const real = emu.store.world.documents[0]!.number;
    const count = async (value: unknown): Promise<number> =>
      (
        await client.list(SALES, {
          filter: { field: 'Number', op: 'eq', value, type: 'string' },
          select: ['Ref_Key'],
        })
      ).value.length;
    assert.equal(await count(real), 1);
    const hostile = [
      "' or Posted eq true or Number eq '",
      `${real}' or '1' eq '1`,
      ') or (Posted eq true',
      "x') or (Number ne '",
      '%27%20or%20Posted%20eq%20true%20or%20Number%20eq%20%27',
      `${real}\nor Posted eq true`,
      "' or substringof('', Number) eq true or '",
      "guid'00000000-0000-0000-0000-000000000000'",
      `${real}&$filter=Posted eq true`,
      `${real}#`,
      `${real}+`,
    ];
    for (const h of hostile) assert.equal(await count(h), 0, `hostile value matched: ${JSON.stringify(h)}`);
    await rejects(
      client.list(SALES, {
        filter: { field: "Number eq 'x' or Posted", op: 'eq', value: true, type: 'boolean' },
      }),
      'ONEC_BAD_VALUE',
    );
    await rejects(
      client.list(SALES, { filter: { field: 'Ref_Key', op: 'eq', value: "x' or '1'='1", type: 'guid' } }),
      'ONEC_BAD_VALUE',
    );
    await rejects(
      client.list(SALES, {
        filter: { field: 'Date', op: 'ge', value: "2026-01-01T00:00:00') or (1 eq 1", type: 'datetime' },
      }),
      'ONEC_BAD_VALUE',
    );
  });

  describe('errors, each mapped to a clear, catchable class keeping 1C’s own text', () => {
    it('401: bad login (not retried)', async () => {
      const bad = new OnecClient({ url: emu.url, username: 'odata', password: 'wrong-secret-pw' });
      const err = await rejects(bad.list(SALES), 'ONEC_AUTH');
      assert.equal(err.status, 401);
      assert.equal(err.field, 'username');
      assert.equal(emu.requests.total, 1);
      assert.doesNotMatch(redact(err.message), /wrong-secret-pw/);
      await bad.close();
    });

    it('entity set not published (404)', async () => {
      const other = await startOnecEmulator({ unpublished: ['Catalog_ШтрихкодыУпаковокТоваров'] });
      const c = new OnecClient({ url: other.url, username: 'odata', password: 'odata' });
      try {
        const err = await rejects(c.list('Catalog_ШтрихкодыУпаковокТоваров'), 'ONEC_NOT_PUBLISHED');
        assert.equal(err.status, 404);
        assert.match(err.message, /Catalog_ШтрихкодыУпаковокТоваров/);
        assert.match(err.ru, /Состав/);
        assert.ok(!(await c.entitySets()).includes('Catalog_ШтрихкодыУпаковокТоваров'));
      } finally {
        await c.close();
        await other.stop();
      }
    });

    it('object not found by key (404, code 9)', async () => {
      const err = await rejects(client.get(SALES, '00000000-0000-4000-a000-000000000009'), 'ONEC_NOT_FOUND');
      assert.equal(
        err.remoteText,
        'Экземпляр сущности "РеализацияТоваровУслуг" не найден по переданному ключу.',
      );
    });

    it('400 with 1C’s code and text', async () => {
      const err = await rejects(client.list(SALES, { select: ['НетТакогоПоля'] }), 'ONEC_BAD_REQUEST');
      assert.equal(err.status, 400);
      assert.equal(err.remoteText, 'Сегмент пути НетТакогоПоля не найден!');
      assert.equal(err.details?.[0]?.code, '1C_6');
      assert.match(err.en, /code 6/);
    });

    it('500 business error (code -1), not retried', async () => {
      emu.faults.add({ kind: 'business', times: 5 });
      const err = await rejects(client.list(SALES), 'ONEC_BUSINESS');
      assert.equal(err.status, 500);
      assert.match(err.remoteText ?? '', /ПередЗаписью/);
      assert.equal(emu.requests.total, 1);
    });

    it('HTML 404 from IIS for an over-long URL, and the client’s own guard before sending', async () => {
      const loose = new OnecClient({
        url: emu.url,
        username: 'odata',
        password: 'odata',
        maxUrlBytes: 10000,
      });
      const long = Array.from({ length: 60 }, (_, i) => ({
        field: 'Number',
        op: 'eq' as const,
        value: `N-${i}-xxxxxxxx`,
        type: 'string' as const,
      }));
      const err = await rejects(loose.list(SALES, { filter: { or: long } }), 'ONEC_URL_TOO_LONG');
      assert.equal(err.status, 404);
      assert.match(err.remoteText ?? '', /404\.15/);
      await loose.close();
      emu.requests.reset();
      await rejects(client.list(SALES, { filter: { or: long } }), 'ONEC_URL_TOO_LONG');
      assert.equal(emu.requests.total, 0, 'not sent at all');
    });

    it('HTML instead of OData (IIS 404 page, or a login page with 200)', async () => {
      emu.faults.add({ kind: 'html404' });
      const e1 = await rejects(client.list(SALES), 'ONEC_HTML');
      assert.equal(e1.status, 404);
      emu.faults.add({ kind: 'html200' });
      const e2 = await rejects(client.list(SALES), 'ONEC_HTML');
      assert.equal(e2.remoteText, '1С:Предприятие');
    });

    it('timeout', async () => {
      const slow = new OnecClient({
        url: emu.url,
        username: 'odata',
        password: 'odata',
        timeout: 300,
        retries: 0,
      });
      emu.faults.add({ kind: 'timeout' });
      const t0 = Date.now();
      const err = await rejects(slow.list(SALES), 'ONEC_TIMEOUT');
      assert.ok(Date.now() - t0 < 3000);
      assert.equal(err.field, 'timeout');
      await slow.close();
    });

    it('malformed JSON', async () => {
      emu.faults.add({ kind: 'badJson' });
      const err = await rejects(client.list(SALES), 'ONEC_BAD_JSON');
      assert.match(err.remoteText ?? '', /^\{"odata\.metadata"/);
    });

    it('access rights (401, code 20)', async () => {
      emu.faults.add({ kind: 'forbidden' });
      await rejects(client.list(SALES), 'ONEC_FORBIDDEN');
    });

    it('network: connection refused', async () => {
      const srv = http.createServer();
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
      const port = (srv.address() as AddressInfo).port;
      await new Promise<void>((r) => srv.close(() => r()));
      const c = new OnecClient({ url: `http://127.0.0.1:${port}/base`, retries: 0 });
      const err = await rejects(c.list(SALES), 'ONEC_NETWORK');
      assert.match(err.message, /ECONNREFUSED/);
      await c.close();
    });

    it('reads are retried after 503 and timeouts; writes are not', async () => {
      emu.faults.add({ kind: 'server503', times: 2 });
      const r = await client.list(SALES, { top: 1 });
      assert.equal(r.value.length, 1);
      assert.equal(emu.requests.total, 3);
      emu.requests.reset();
      emu.faults.add({ kind: 'server503', method: 'POST' });
      await rejects(client.create('Catalog_Партнеры', { Description: 'x' }), 'ONEC_HTML');
      assert.equal(emu.requests.total, 1);
    });

    it('close() aborts requests in flight', async () => {
      emu.faults.add({ kind: 'timeout' });
      const p = client.list(SALES);
      await new Promise((r) => setTimeout(r, 100));
      await client.close();
      await rejects(p, 'ONEC_ABORTED');
      await rejects(client.list(SALES), 'ONEC_CLOSED');
    });
  });

  it('goes through an explicit HTTP proxy, and around it for no-proxy hosts', async () => {
    let proxied = 0;
    const proxy = http.createServer((req, res) => {
      proxied++;
      const target = new URL(req.url ?? '');
      const up = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: req.method,
          headers: req.headers,
        },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const port = (proxy.address() as AddressInfo).port;
    try {
      const via = new OnecClient({
        url: emu.url,
        username: 'odata',
        password: 'odata',
        proxy: { url: `http://127.0.0.1:${port}` },
      });
      assert.ok((await via.entitySets()).length > 0);
      assert.equal(proxied, 1);
      await via.close();
      const around = new OnecClient({
        url: emu.url,
        username: 'odata',
        password: 'odata',
        proxy: { url: `http://127.0.0.1:${port}`, noProxy: ['127.0.0.1'] },
      });
      await around.entitySets();
      assert.equal(proxied, 1);
      await around.close();
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });

  it('trusts a self-signed 1C server only with its CA file (TLS is never switched off)', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-ca-'));
    let pki: ReturnType<typeof makeTlsPki>;
    try {
      pki = makeTlsPki(dir);
    } catch {
      if (process.env['CI']) throw new Error('openssl is required');
      this.skip();
    }
    const srv = https.createServer(
      { key: fs.readFileSync(pki.serverKey), cert: fs.readFileSync(pki.serverCert) },
      (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json;charset=utf-8' });
        res.end(
          JSON.stringify({ 'odata.metadata': 'x', value: [{ name: 'Catalog_Тест', url: 'Catalog_Тест' }] }),
        );
      },
    );
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as AddressInfo).port;
    try {
      const untrusted = new OnecClient({ url: `https://127.0.0.1:${port}/base`, retries: 0 });
      const err = await rejects(untrusted.entitySets(), 'ONEC_NETWORK');
      assert.equal(err.field, 'caFile');
      await untrusted.close();
      const trusted = new OnecClient({
        url: `https://127.0.0.1:${port}/base`,
        caFile: pki.caCert,
      });
      assert.deepEqual(await trusted.entitySets(), ['Catalog_Тест']);
      await trusted.close();
      assert.throws(
        () => new OnecClient({ url: 'https://x/base', caFile: path.join(dir, 'missing.pem') }),
        /ONEC_CA_FILE|файл ЦС/,
      );
    } finally {
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
