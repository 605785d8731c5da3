/**
 * The True API client against the True API emulator over real HTTP, with real GOST signatures.
 */
import assert from 'node:assert/strict';
import { CzClient } from '../../lib/cz/client';
import { isZnakFlowError, type ZnakFlowError } from '../../lib/errors';
import { redact } from '../../lib/redact';
import { OpensslSigner } from '../../lib/signing/openssl';
import { PresignedSigner } from '../../lib/signing/presigned';
import { requireGost } from '../support/gost';
import { startBed, type CzBed } from '../support/cz';

function zf(err: unknown): ZnakFlowError {
  assert.ok(isZnakFlowError(err), `ZnakFlowError expected, got ${String(err)}`);
  return err;
}

function shipment(bed: CzBed, codes: string[], receiver = bed.fx.buyerInn): Record<string, unknown> {
  return {
    sender_inn: bed.fx.orgInn,
    receiver_inn: receiver,
    transfer_date: new Date().toISOString(),
    document_num: 'ДМ00-000001',
    document_date: new Date().toISOString(),
    turnover_type: 'SELLING',
    products: codes.map((c) => ({ uit_code: c, product_cost: '99000', product_tax: '16500' })),
  };
}

describe('cz client ↔ True API emulator (real HTTP, real GOST)', function () {
  this.timeout(60000);
  let bed: CzBed;

  before(async function () {
    await requireGost(this);
    bed = await startBed();
  });
  after(async () => {
    await bed?.close();
  });

  describe('authentication', () => {
    it('challenge → attached signature → token; the certificate is known, the token never shown', async () => {
      const c = bed.client();
      const info = await c.authenticate();
      assert.equal(info.kind, 'uuid');
      assert.equal(info.certificate?.participantInn, bed.fx.orgInn);
      const ttl = info.expiresAt.getTime() - info.obtainedAt.getTime();
      assert.ok(ttl > 9.9 * 3600e3 && ttl <= 10 * 3600e3 + 1000, `10 h token, got ${ttl}`);
      assert.ok(!JSON.stringify(info).includes('eyJ'), 'no token in the info');
    });

    it('20 concurrent calls on a fresh client make exactly one authentication', async () => {
      const before = { ...bed.emu.counters };
      const c = bed.client();
      const results = await Promise.all(Array.from({ length: 20 }, () => c.balance()));
      assert.equal(results.length, 20);
      assert.equal(c.stats.authentications, 1);
      assert.equal((bed.emu.counters['auth/key'] ?? 0) - (before['auth/key'] ?? 0), 1);
      assert.equal((bed.emu.counters['auth/simpleSignIn'] ?? 0) - (before['auth/simpleSignIn'] ?? 0), 1);
    });

    it('renews once on a 401 (token expired on the server) and masks the token echoed in the XML answer', async () => {
      const c = bed.client();
      await c.balance();
      bed.emu.expireTokens();
      await c.balance(); // 401 → renew → retry
      assert.equal(c.stats.authentications, 2);
    });

    it('renews before expiry: a short-lived token is replaced without a 401', async () => {
      bed.emu.options.tokenTtlMs = 2500;
      try {
        const c = bed.client();
        await c.balance();
        const first = c.tokenInfo()?.expiresAt.getTime() ?? 0;
        // Wait by the expiry the client itself read (deterministic whatever the server rounds to):
        // 150 ms before it is within the last fifth of a ≥ 1.5 s life, so the next call must renew;
        // a client renewing only at or after expiry keeps its old token and fails here every run.
        await new Promise((r) => setTimeout(r, Math.max(0, first - 150 - Date.now())));
        const xml401 = bed.emu.counters['responses/401'] ?? 0;
        await c.balance();
        assert.equal(c.stats.authentications, 2);
        assert.ok((c.tokenInfo()?.expiresAt.getTime() ?? 0) > first);
        assert.equal(bed.emu.counters['responses/401'] ?? 0, xml401);
      } finally {
        bed.emu.options.tokenTtlMs = 10 * 3600 * 1000;
      }
    });

    it('an error that carries the token is masked', async () => {
      const c = bed.client();
      await c.balance();
      bed.emu.expireTokens();
      // the client re-authenticates once; make the second answer a 401 too by expiring again mid-way
      const err = await (async () => {
        const orig = bed.emu.options.tokenTtlMs;
        bed.emu.options.tokenTtlMs = 0; // every new token is born expired
        try {
          await c.balance();
        } catch (e) {
          return e;
        } finally {
          bed.emu.options.tokenTtlMs = orig;
        }
        return undefined;
      })();
      const e = zf(err);
      assert.equal(e.status, 401);
      assert.match(e.remoteText ?? '', /Access token expired: \*\*\*/);
      assert.doesNotMatch(e.message, /eyJ/);
      assert.doesNotMatch(redact(e.message), /eyJ/);
    });

    it('a sign-in whose answer was lost (challenge already used) starts over from auth/key', async () => {
      const keys = bed.emu.counters['auth/key'] ?? 0;
      bed.emu.options.faults.afterProcessing = 1;
      bed.emu.injectFault('5xx', 1, 'auth/simpleSignIn');
      try {
        const c = bed.client();
        const info = await c.authenticate();
        assert.equal(info.kind, 'uuid');
        assert.equal((bed.emu.counters['auth/key'] ?? 0) - keys, 2, 'a second challenge was asked for');
        assert.ok((await c.balance()).length > 0);
      } finally {
        bed.emu.options.faults.afterProcessing = 0.5;
      }
    });

    it('starts over as often as sign-in answers are lost in a row; a request whose sign-in fails says AUTH_FAILED', async () => {
      // Sign-in requests in order: lost answer (stored, then 5xx), the retry finds the challenge used;
      // the same again after starting over; then fine. The dice of the fault knob script it.
      const dice = [0, 0, 0, 0.99, 0, 0, 0, 0.99];
      const keys = bed.emu.counters['auth/key'] ?? 0;
      const saved = bed.emu.options.faults;
      bed.emu.options.faults = {
        rate5xx: 0.5,
        afterProcessing: 1,
        routes: ['auth/simpleSignIn'],
        random: () => dice.shift() ?? 0.99,
      };
      try {
        const c = bed.client();
        const info = await c.authenticate();
        assert.equal(info.kind, 'uuid');
        assert.equal((bed.emu.counters['auth/key'] ?? 0) - keys, 3, 'two fresh challenges were asked for');
      } finally {
        bed.emu.options.faults = saved;
      }
      const unreg = bed.client(bed.fx.unregistered);
      const e = zf(await unreg.balance().catch((x: unknown) => x));
      assert.equal(e.code, 'AUTH_FAILED');
      assert.equal(e.status, 403);
      assert.equal(e.retryable, false);
      assert.match(e.message, /Авторизация невозможна/);
    });

    it('a stand that loses every sign-in answer: four fresh challenges, then an error saying a retry may help', async () => {
      const keys = bed.emu.counters['auth/key'] ?? 0;
      const saved = bed.emu.options.faults;
      // every round as in the test above: the answer lost (stored, then 5xx), the retry finds the challenge used
      const round = [0, 0, 0, 0.99];
      let n = 0;
      bed.emu.options.faults = {
        rate5xx: 0.5,
        afterProcessing: 1,
        routes: ['auth/simpleSignIn'],
        random: () => round[n++ % round.length] as number,
      };
      try {
        const c = bed.client();
        const e = zf(await c.authenticate().catch((x: unknown) => x));
        assert.equal(e.retryable, true, 'the next message may sign in');
        assert.equal(
          (bed.emu.counters['auth/key'] ?? 0) - keys,
          4,
          'the first challenge and three fresh ones',
        );
        c.close();
      } finally {
        bed.emu.options.faults = saved;
      }
    });

    it('reports the operator text: foreign CA, unregistered participant, a detached signature', async () => {
      const foreign = bed.client(bed.fx.stranger);
      const e1 = zf(await foreign.authenticate().catch((e: unknown) => e));
      assert.equal(e1.status, 403);
      assert.match(
        e1.remoteText ?? '',
        /^Подпись невалидна\. Код ошибки: .*(unable to get local issuer|verify)/,
      );
      const unreg = bed.client(bed.fx.unregistered);
      const e2 = zf(await unreg.authenticate().catch((e: unknown) => e));
      assert.equal(e2.status, 403);
      assert.equal(e2.remoteText, 'Авторизация невозможна. ИП не зарегистрирован или заблокирован');
      assert.match(e2.message, /Честный ЗНАК ответил «Авторизация невозможна/);
      assert.match(e2.message, /HTTP 403/);
      // a signer that makes detached signatures where attached ones are needed
      const real = new OpensslSigner({ certPath: bed.fx.org.certPath, keyPath: bed.fx.org.keyPath });
      const wrong = new CzClient({
        baseUrl: bed.emu.url,
        signer: { kind: 'openssl', sign: (d) => real.sign(d, 'detached'), close: () => undefined },
      });
      const e3 = zf(await wrong.authenticate().catch((e: unknown) => e));
      assert.equal(e3.status, 400);
      assert.equal(e3.remoteText, 'Ошибка при проверке подписи');
      wrong.close();
    });

    it('presigned (a stand before 2027): «единый токен» with an attached signature of the INN from msg.authSignature', async () => {
      // the 2027 rules make the challenge of auth/key mandatory: only an old stand takes a signed INN
      bed.emu.options.apiRules = '2026';
      const real = new OpensslSigner({ certPath: bed.fx.org.certPath, keyPath: bed.fx.org.keyPath });
      const authSignature = await real.sign(Buffer.from(bed.fx.orgInn), 'attached');
      const c = new CzClient({ baseUrl: bed.emu.url, signer: new PresignedSigner() });
      try {
        const missing = zf(await c.balance().catch((e: unknown) => e));
        assert.equal(missing.code, 'SIGNATURE_MISSING');
        const info = await c.authenticate({ authSignature });
        assert.equal(info.kind, 'uuid');
        const bal = await c.balance(undefined, { authSignature });
        assert.ok(bal.length > 0);
        // a document with its presigned detached signature
        const codes = bed.codes({ pg: 'lp', status: 'INTRODUCED', free: true }).slice(0, 1);
        const body = Buffer.from(JSON.stringify(shipment(bed, codes)));
        const signature = await real.sign(body, 'detached');
        const id = await c.createDocument({ type: 'LP_SHIP_GOODS', productGroup: 'lp', body, signature });
        assert.match(id, /^[0-9a-f-]{36}$/);
        await bed.emu.settle();
      } finally {
        c.close();
        bed.emu.options.apiRules = '2027';
      }
    });
  });

  describe('documents', () => {
    it('createDocument signs exactly the bytes it base64-encodes and returns the plain-text id', async () => {
      const c = bed.client();
      const codes = bed.codes({ pg: 'lp', status: 'INTRODUCED', free: true }).slice(0, 2);
      const bytes = Buffer.from(JSON.stringify(shipment(bed, codes), null, 2) + '\n');
      const id = await c.createDocument({ type: 'LP_SHIP_GOODS', productGroup: 'lp', body: bytes });
      const stored = bed.emu.document(id);
      assert.ok(stored);
      assert.deepEqual(stored.raw, bytes, 'the emulator decoded exactly our bytes');
      await bed.emu.settle();
      const info = await c.documentInfo(id, { body: true });
      assert.equal(info.status, 'WAIT_ACCEPTANCE');
      assert.deepEqual(info.productGroup, ['lp']);
      assert.equal((info.body as Record<string, unknown>)['document_num'], 'ДМ00-000001');
    });

    it('signDocument + createDocument with the signature (journal: signed, then sent)', async () => {
      const c = bed.client();
      const codes = bed.codes({ pg: 'shoes', status: 'INTRODUCED', free: true }).slice(0, 1);
      const signed = await c.signDocument(shipment(bed, codes));
      const id = await c.createDocument({
        type: 'LP_SHIP_GOODS',
        productGroup: 'shoes',
        body: signed.bytes,
        signature: signed.signature,
      });
      assert.equal(bed.emu.document(id)?.signature, signed.signature);
    });

    it('documentInfo waits for a new id to become visible; gives up with CZ_DOC_NOT_FOUND', async () => {
      bed.emu.options.visibilityDelayMs = 1200;
      try {
        const c = bed.client();
        const codes = bed.codes({ pg: 'lp', status: 'INTRODUCED', free: true }).slice(0, 1);
        const id = await c.createDocument({
          type: 'LP_SHIP_GOODS',
          productGroup: 'lp',
          body: shipment(bed, codes),
        });
        const t0 = Date.now();
        const info = await c.documentInfo(id);
        assert.ok(Date.now() - t0 >= 900, 'it waited');
        assert.equal(info.number, id);
        const e = zf(
          await c
            .documentInfo('00000000-0000-4000-8000-000000000000', { waitVisibleMs: 600 })
            .catch((x: unknown) => x),
        );
        assert.equal(e.code, 'CZ_DOC_NOT_FOUND');
        assert.equal(e.status, 404);
        assert.match(e.remoteText ?? '', /не найден/);
      } finally {
        bed.emu.options.visibilityDelayMs = 0;
      }
    });

    it('a business rejection is a status, not an error: CHECKED_NOT_OK with "NN: text" errors', async () => {
      const c = bed.client();
      const id = await c.createDocument({
        type: 'LP_SHIP_GOODS',
        productGroup: 'lp',
        body: shipment(bed, ['0104601234560016215NOSUCHCODE01']),
      });
      await bed.emu.settle();
      const info = await c.documentInfo(id);
      assert.equal(info.status, 'CHECKED_NOT_OK');
      assert.deepEqual(info.errors, [
        '10: Код маркировки [0104601234560016215NOSUCHCODE01] не найден в ГИС МТ.',
      ]);
      const page = await c.listDocuments({ pg: 'lp', number: id });
      assert.equal(page.results[0]?.status, 'CHECKED_NOT_OK');
      assert.equal(page.results[0]?.productGroup, 'lp');
    });

    it('local checks before any request: unknown product group, both senderInn and receiverInn, limit', async () => {
      const c = bed.client();
      const n = bed.emu.counters['total'] ?? 0;
      await assert.rejects(
        c.createDocument({ type: 'LP_SHIP_GOODS', productGroup: 'nope', body: {} }),
        /productGroup/,
      );
      await assert.rejects(c.listDocuments({ pg: 'lp', senderInn: '1', receiverInn: '2' }), /одновременно/);
      await assert.rejects(c.listDocuments({ pg: 'lp', limit: 1001 }), /1000/);
      await assert.rejects(c.cisesInfo([]), /ни один/);
      assert.equal(bed.emu.counters['total'] ?? 0, n);
    });
  });

  describe('status paging', () => {
    it('iterates every document with keyset paging (did + orderedColumnValue), no duplicates, none missed', async () => {
      const c = bed.client();
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        ids.push(
          await c.createDocument({
            type: 'LP_SHIP_GOODS',
            productGroup: 'shoes',
            body: shipment(bed, [`0104607654321019215PAGE${String(i).padStart(8, '0')}`]),
          }),
        );
      }
      const listCalls = bed.emu.counters['doc/list'] ?? 0;
      const seen: string[] = [];
      const range = { dateFrom: new Date(Date.now() - 86400000), dateTo: new Date(Date.now() + 86400000) };
      for await (const d of c.iterateDocuments({ pg: 'shoes', limit: 3, order: 'ASC', ...range }))
        seen.push(d.number);
      for (const id of ids) assert.ok(seen.includes(id), `missing ${id}`);
      assert.equal(new Set(seen).size, seen.length, 'no duplicates');
      assert.ok((bed.emu.counters['doc/list'] ?? 0) - listCalls >= Math.ceil(seen.length / 3));
      const first = await c.listDocuments({ pg: 'shoes', limit: 3, order: 'DESC', ...range });
      assert.equal(first.nextPage, true);
      assert.equal(first.results.length, 3);
      const newest = first.results.map((r) => r.number);
      assert.deepEqual(newest, [...ids].reverse().slice(0, 3));
    });
  });

  describe('codes and balance', () => {
    it('cisesInfo chunks (here by 2) and keeps order; unknown codes come back with errorCode 404', async () => {
      const c = bed.client();
      const known = bed.codes({ pg: 'lp' }).slice(0, 4);
      const codes = [...known.slice(0, 2), '0104601234560999215UNKNOWN0001', ...known.slice(2)];
      const before = bed.emu.counters['cises/info'] ?? 0;
      const info = await c.cisesInfo(codes, { chunkSize: 2 });
      assert.equal((bed.emu.counters['cises/info'] ?? 0) - before, 3);
      assert.equal(info.length, 5);
      assert.equal(info[0]?.cisInfo?.cis, known[0]);
      assert.equal(info[2]?.errorCode, '404');
      assert.equal(info[2]?.errorMessage, 'КИ не найден');
      assert.equal(info[3]?.cisInfo?.ownerInn, bed.fx.orgInn);
      // a chunk where every code is unknown is a 404 with the same array: not an error
      const none = await c.cisesInfo(['0104601234560999215UNKNOWN0002']);
      assert.equal(none[0]?.errorCode, '404');
      // 1001 codes → two requests (1000 + 1)
      const many = Array.from(
        { length: 1001 },
        (_, i) => `0104601234560999215X${String(i).padStart(11, '0')}`,
      );
      const b2 = bed.emu.counters['cises/info'] ?? 0;
      assert.equal((await c.cisesInfo(many)).length, 1001);
      assert.equal((bed.emu.counters['cises/info'] ?? 0) - b2, 2);
    });

    it('balance: all groups and one group, kopecks and roubles', async () => {
      const c = bed.client();
      const all = await c.balance();
      const lp = all.find((b) => b.productGroup === 'lp');
      assert.equal(lp?.balanceKopecks, 120000000);
      assert.equal(lp?.balanceRoubles, 1200000);
      const shoes = await c.balance(2);
      assert.equal(shoes.length, 1);
      assert.equal(shoes[0]?.balanceRoubles, 50000.5);
      const none = await c.balance(27);
      assert.equal(none[0]?.balanceKopecks, undefined);
    });
  });

  describe('retries', () => {
    it('429 and 5xx are retried with backoff; the call succeeds', async () => {
      const c = bed.client();
      await c.balance();
      bed.emu.injectFault('429', 2, 'balance/all');
      bed.emu.injectFault('5xx', 1, 'balance/all');
      const r = await c.balance();
      assert.ok(r.length > 0);
      assert.equal(c.stats.retries, 3);
      assert.equal(c.stats.rateLimited, 2);
    });

    it('a network timeout on a read is retried', async () => {
      bed.emu.options.faults.hangMs = 2000;
      const c = bed.client(undefined, { timeoutMs: 400 });
      await c.balance();
      bed.emu.injectFault('timeout', 1, 'doc/list');
      const page = await c.listDocuments({ pg: 'lp', documentStatus: 'WAIT_ACCEPTANCE' });
      assert.ok(Array.isArray(page.results));
      assert.equal(c.stats.retries, 1);
    });

    it('a 400 is final: no retry, the operator text verbatim', async () => {
      const c = bed.client();
      await c.balance();
      const e = zf(
        await c.createDocument({ type: 'NOT_A_TYPE', productGroup: 'lp', body: {} }).catch((x: unknown) => x),
      );
      assert.equal(e.status, 400);
      assert.equal(
        e.remoteText,
        'JSON parse error: Cannot deserialize value of type DocumentType from String "NOT_A_TYPE"',
      );
      assert.equal(e.retryable, false);
      assert.equal(c.stats.retries, 0);
    });

    it('retries are bounded: persistent 503 ends in CZ_SERVER_ERROR after the configured retries', async () => {
      const c = bed.client(undefined, { retry: { retries: 2, baseMs: 10, maxMs: 20 } });
      await c.balance();
      bed.emu.injectFault('5xx', 3, 'balance/all');
      const e = zf(await c.balance().catch((x: unknown) => x));
      assert.equal(e.code, 'CZ_SERVER_ERROR');
      assert.equal(e.retryable, true);
      assert.equal(c.stats.retries, 2);
    });

    it('document creation: 429 is retried (nothing was received), 5xx is not (CZ_SEND_UNCERTAIN)', async () => {
      const c = bed.client();
      await c.balance();
      const codes = bed.codes({ pg: 'lp', status: 'INTRODUCED', free: true });
      const n = bed.emu.documents().length;
      bed.emu.injectFault('429', 1, 'lk/documents/create');
      const id = await c.createDocument({
        type: 'LP_SHIP_GOODS',
        productGroup: 'lp',
        body: shipment(bed, codes.slice(0, 1)),
      });
      assert.ok(id);
      assert.equal(bed.emu.documents().length, n + 1);
      // a 5xx after the document was stored: the client must not send it again blindly
      bed.emu.options.faults.afterProcessing = 1;
      bed.emu.injectFault('5xx', 1, 'lk/documents/create');
      const e = zf(
        await c
          .createDocument({
            type: 'LP_SHIP_GOODS',
            productGroup: 'lp',
            body: shipment(bed, codes.slice(1, 2)),
          })
          .catch((x: unknown) => x),
      );
      bed.emu.options.faults.afterProcessing = 0.5;
      assert.equal(e.code, 'CZ_SEND_UNCERTAIN');
      assert.match(e.message, /doc\/list/);
      assert.equal(bed.emu.documents().length, n + 2, 'received once, not re-sent');
    });
  });

  describe('rate limiter', () => {
    it('120 calls on one client at 50/s: the emulator never answers 429', async () => {
      await new Promise((r) => setTimeout(r, 1100)); // let earlier tests' requests leave the window
      const c = bed.client();
      await c.balance();
      const r429 = bed.emu.counters['responses/429'] ?? 0;
      const t0 = Date.now();
      await Promise.all(
        Array.from({ length: 120 }, () => c.cisesInfo([bed.codes({ pg: 'lp' })[0] as string])),
      );
      const secs = (Date.now() - t0) / 1000;
      assert.equal(bed.emu.counters['responses/429'] ?? 0, r429);
      assert.equal(c.stats.rateLimited, 0);
      assert.ok(secs >= 1.4, `120 calls at ≤ 50/s take ≥ 1.4 s after a burst of 50, took ${secs}`);
    });

    it('without the limiter the emulator answers 429 with the operator text', async () => {
      const res = await Promise.all(
        Array.from({ length: 80 }, () => fetch(`${bed.emu.url}/api/v3/true-api/auth/key`)),
      );
      const limited = res.filter((r) => r.status === 429);
      assert.ok(limited.length > 0);
      assert.deepEqual(await limited[0]?.json(), {
        error_message: 'Превышено допустимое количество запросов',
      });
    });

    it('close() aborts what is waiting and in flight, without unhandled rejections', async () => {
      const c = bed.client(undefined, { rateLimit: 1 });
      await c.balance();
      const pending = Array.from({ length: 5 }, () => c.balance().catch((e: unknown) => e));
      await new Promise((r) => setTimeout(r, 50));
      c.close();
      const results = await Promise.all(pending);
      assert.ok(results.every((r) => isZnakFlowError(r) && r.code === 'ABORTED'));
    });
  });
});
