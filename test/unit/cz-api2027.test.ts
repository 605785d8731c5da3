/**
 * lib/cz under the True API rules of 2027 (CRPT «Planned True API changes» v552.0), against the
 * True API emulator (2027 rules by default) over real HTTP with real GOST signatures: the UUID
 * token without JWT, `inn` for a signer under an МЧД, renewal from `expireDate` capped by the
 * certificate, and doc/list always with a date range, split when the stand refuses it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createConnection } from '../../lib/cz/connection';
import { journalApi } from '../../lib/cz/journal-api';
import { czConnectionSchema } from '../../lib/cz/settings';
import { isZnakFlowError, type ZnakFlowError } from '../../lib/errors';
import { Journal, journalKey } from '../../lib/journal/journal';
import { Outbox, type SendableDocument } from '../../lib/journal/outbox';
import { StatusTracker } from '../../lib/journal/tracker';
import { OpensslSigner } from '../../lib/signing/openssl';
import { issueTestSigner } from '../../lib/signing/pki';
import { requireGost } from '../support/gost';
import { startBed, type CzBed } from '../support/cz';

function zf(err: unknown): ZnakFlowError {
  assert.ok(isZnakFlowError(err), `ZnakFlowError expected, got ${String(err)}`);
  return err;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('True API 2027 rules: UUID token and doc/list date ranges (client ↔ emulator)', function () {
  this.timeout(90000);
  let bed: CzBed;
  let serial = 0;

  function shipment(codes: string[], date = new Date()): Record<string, unknown> {
    return {
      sender_inn: bed.fx.orgInn,
      receiver_inn: bed.fx.buyerInn,
      transfer_date: date.toISOString(),
      document_num: `ДМ27-${String(++serial).padStart(6, '0')}`,
      document_date: date.toISOString(),
      turnover_type: 'SELLING',
      products: codes.map((c) => ({ uit_code: c, product_cost: '99000', product_tax: '16500' })),
    };
  }
  const code = (): string => `0104607654321019215Y27${String(++serial).padStart(9, '0')}`;

  before(async function () {
    await requireGost(this);
    bed = await startBed();
  });
  after(async () => {
    await bed?.close();
  });

  describe('sign-in', () => {
    it('the default is the UUID token: a stand that refuses JWT signs the client in; an explicit jwt is refused', async () => {
      const keys = bed.emu.counters['auth/simpleSignIn'] ?? 0;
      const c = bed.client();
      const info = await c.authenticate();
      assert.equal(info.kind, 'uuid');
      assert.equal(info.cappedByCertificate, undefined, 'the certificate outlives the token: not capped');
      assert.ok((await c.balance()).length > 0);
      assert.equal((bed.emu.counters['auth/simpleSignIn'] ?? 0) - keys, 1, 'one sign-in, no JWT attempt');
      const legacy = bed.client(undefined, { tokenKind: 'jwt' });
      const e = zf(await legacy.balance().catch((x: unknown) => x));
      assert.equal(e.code, 'AUTH_FAILED');
      assert.equal(e.status, 400);
      assert.match(e.remoteText ?? '', /JWT.*unitedToken = true/);
    });

    it('an old stand (apiRules 2026): jwt as an explicit legacy choice; a UUID answer without expireDate lasts 10 h', async () => {
      bed.emu.options.apiRules = '2026';
      try {
        const jwt = bed.client(undefined, { tokenKind: 'jwt' });
        assert.equal((await jwt.authenticate()).kind, 'jwt');
        const uuid = bed.client();
        const t0 = Date.now();
        const info = await uuid.authenticate();
        assert.equal(info.kind, 'uuid');
        const ttl = info.expiresAt.getTime() - t0;
        assert.ok(ttl > 10 * 3600e3 - 60e3 && ttl <= 10 * 3600e3 + 1000, `10 h fallback, got ${ttl}`);
      } finally {
        bed.emu.options.apiRules = '2027';
      }
    });

    it('МЧД on: the sign-in carries the participant INN; the stand checks the signer is trusted for it', async () => {
      // the organisation's certificate signs for the buyer: allowed only while the buyer trusts it
      const settings = czConnectionSchema.parse({
        environment: 'custom',
        url: bed.emu.url,
        participantInn: bed.fx.buyerInn,
        signer: 'openssl',
        certPath: bed.fx.org.certPath,
        keyPath: bed.fx.org.keyPath,
        mchd: true,
      });
      assert.equal(settings.tokenKind, 'uuid');
      const conn = createConnection(settings, {}, { retry: { retries: 0 } });
      try {
        const e = zf(await conn.client.authenticate().catch((x: unknown) => x));
        assert.equal(e.status, 403);
        assert.equal(
          e.remoteText,
          `ИНН организации ${bed.fx.buyerInn} не найден среди доверенных организаций для физического лица ИНН ${bed.fx.orgInn}`,
        );
        const buyer = bed.emu.registry.participant(bed.fx.buyerInn);
        assert.ok(buyer);
        buyer.trustees.add(bed.fx.orgInn);
        try {
          assert.equal((await conn.client.authenticate()).kind, 'uuid');
          // the token is the buyer's: its balance, not the organisation's
          const bal = await conn.client.balance();
          const own = await bed.client().balance();
          assert.notDeepEqual(bal, own);
        } finally {
          buyer.trustees.delete(bed.fx.orgInn);
        }
      } finally {
        conn.close();
      }
      // МЧД off (the default): no inn, the certificate's organisation signs in
      const plain = createConnection(
        czConnectionSchema.parse({ ...settings, participantInn: bed.fx.orgInn, mchd: false }),
        {},
      );
      try {
        assert.equal((await plain.client.authenticate()).kind, 'uuid');
      } finally {
        plain.close();
      }
    });

    it('renewal from expireDate is deterministic: the token is used until expireDate − margin, then renewed without a 401', async () => {
      bed.emu.options.tokenTtlMs = 6000;
      try {
        const c = bed.client(undefined, { renewBeforeMs: 1000 });
        const t0 = Date.now();
        await c.authenticate();
        const t1 = Date.now();
        const exp = c.tokenInfo()?.expiresAt.getTime() ?? 0;
        // the stand's expireDate: its clock (the same as ours) at issue + 6 s, to the millisecond
        assert.ok(exp >= t0 + 6000 && exp <= t1 + 6000, `expiresAt ${exp - t0} ms after the sign-in`);
        await c.balance();
        assert.equal(c.stats.authentications, 1, 'the token is used');
        await sleep(Math.max(0, exp - 1000 - Date.now() + 100)); // inside the renewal margin
        const xml401 = bed.emu.counters['responses/401'] ?? 0;
        await c.balance();
        assert.equal(c.stats.authentications, 2, 'renewed before it expired');
        assert.equal(bed.emu.counters['responses/401'] ?? 0, xml401, 'no 401 on the way');
        assert.ok((c.tokenInfo()?.expiresAt.getTime() ?? 0) > exp, 'a new token, a later expireDate');
      } finally {
        bed.emu.options.tokenTtlMs = 10 * 3600 * 1000;
      }
    });

    it("never past the signer certificate's notAfter, even when the stand's token lives longer", async () => {
      const short = await issueTestSigner(
        bed.fx.ca,
        { inn: bed.fx.orgInn, organisation: 'ООО «Демо Маркировка»' },
        { name: 'org-short', days: 1 },
      );
      const notAfter = (await new OpensslSigner(short).certificate())?.notAfter;
      assert.ok(notAfter);
      bed.emu.options.tokenTtlMs = 3 * 86400000;
      try {
        // 2027: the stand caps expireDate itself
        const c = bed.client(short);
        const info = await c.authenticate();
        assert.equal(info.expiresAt.toISOString(), notAfter.toISOString());
        // an old stand's JWT that outlives the certificate: the client caps it
        bed.emu.options.apiRules = '2026';
        const j = bed.client(short, { tokenKind: 'jwt' });
        const ji = await j.authenticate();
        assert.equal(ji.kind, 'jwt');
        assert.equal(ji.expiresAt.toISOString(), notAfter.toISOString());
        assert.equal(ji.cappedByCertificate, true);
      } finally {
        bed.emu.options.tokenTtlMs = 10 * 3600 * 1000;
        bed.emu.options.apiRules = '2027';
      }
    });

    it('an answer with both token and uuidToken: the UUID token asked for is used', async () => {
      bed.emu.options.signInAnswer = 'both';
      try {
        const c = bed.client();
        const info = await c.authenticate();
        assert.equal(info.kind, 'uuid');
        assert.ok((await c.balance()).length > 0);
        const ttl = info.expiresAt.getTime() - info.obtainedAt.getTime();
        assert.ok(ttl > 10 * 3600e3 - 60e3, 'from expireDate');
      } finally {
        bed.emu.options.signInAnswer = 'uuid';
      }
    });
  });

  describe('doc/list with a date range', () => {
    it('dateFrom without dateTo is refused before anything is sent, naming the field', async () => {
      const c = bed.client();
      const calls = bed.emu.counters['doc/list'] ?? 0;
      const e = zf(await c.listDocuments({ pg: 'lp', dateFrom: new Date() }).catch((x: unknown) => x));
      assert.equal(e.code, 'CZ_INVALID_ARGUMENT');
      assert.equal(e.field, 'dateTo');
      assert.equal(bed.emu.counters['doc/list'] ?? 0, calls, 'no request');
      // both: sent as UTC yyyy-MM-ddTHH:mm:ss.SSSZ whatever form they were given in
      const page = await c.listDocuments({
        pg: 'lp',
        dateFrom: '2026-11-30T10:00:00+03:00',
        dateTo: new Date(),
      });
      assert.ok(Array.isArray(page.results));
    });

    it('a refused range is split and read on, newest first, nothing missed or doubled; the smaller span is remembered', async () => {
      const c = bed.client();
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        ids.push(
          await c.createDocument({ type: 'LP_SHIP_GOODS', productGroup: 'shoes', body: shipment([code()]) }),
        );
      }
      bed.emu.options.docListMaxRangeMs = 3600e3; // 1 h
      try {
        const range = { dateFrom: new Date(Date.now() - 4 * 3600e3), dateTo: new Date(Date.now() + 3600e3) };
        const refused = bed.emu.counters['responses/400'] ?? 0;
        const seen: string[] = [];
        for await (const d of c.iterateDocuments({ pg: 'shoes', limit: 2, ...range })) seen.push(d.number);
        for (const id of ids) assert.ok(seen.includes(id), `missing ${id}`);
        assert.equal(new Set(seen).size, seen.length, 'no duplicates');
        assert.deepEqual(seen.slice(0, 4), [...ids].reverse(), 'newest first');
        assert.ok((bed.emu.counters['responses/400'] ?? 0) > refused, 'the stand refused the first ranges');
        // remembered: the next list starts with windows the stand takes
        const again = bed.emu.counters['responses/400'] ?? 0;
        const calls = bed.emu.counters['doc/list'] ?? 0;
        const second: string[] = [];
        for await (const d of c.iterateDocuments({ pg: 'shoes', limit: 1000, ...range }))
          second.push(d.number);
        assert.deepEqual(new Set(second), new Set(seen));
        assert.equal(bed.emu.counters['responses/400'] ?? 0, again, 'no refusal the second time');
        assert.ok((bed.emu.counters['doc/list'] ?? 0) - calls <= 10, 'windows of at most an hour');
      } finally {
        bed.emu.options.docListMaxRangeMs = 30 * 86400000;
      }
    });

    it('the look-up after a lost answer and the status polling work under a cap shorter than their window', async () => {
      bed.emu.options.docListMaxRangeMs = 86400000; // 1 day: the ±1 day windows are refused at first
      const client = bed.client(undefined, { visibilityWaitMs: 0, retry: { retries: 0 } });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-api2027-'));
      const journal = Journal.open(path.join(dir, 'journal.jsonl'));
      try {
        const api = journalApi(client);
        const outbox = new Outbox(journal, api, { settleMs: 0 });
        const source = {
          entity: 'Document_РеализацияТоваровУслуг',
          ref: 'r-27',
          dataVersion: 'v1',
          number: 'N-27',
        };
        const doc: SendableDocument = {
          key: journalKey(source, 'LP_SHIP_GOODS', 'lp', 1),
          type: 'LP_SHIP_GOODS',
          productGroup: 'lp',
          format: 'MANUAL',
          part: 1,
          parts: 1,
          source,
          body: shipment([code()]),
        };
        // the document is stored, the answer lost
        bed.emu.options.faults.afterProcessing = 1;
        bed.emu.injectFault('5xx', 1, 'lk/documents/create');
        await assert.rejects(
          outbox.send(doc),
          (e: Error & { code?: string }) => e.code === 'CZ_SEND_UNCERTAIN',
        );
        const stored = bed.emu.documents().length;
        const again = await outbox.send(doc);
        assert.equal(again.adopted, true, 'found by the look-up and adopted');
        assert.equal(bed.emu.documents().length, stored, 'not sent twice');
        await bed.emu.settle();
        const tracker = new StatusTracker(journal, api, { infoAfterMs: 60000 });
        const outcomes = await tracker.poll();
        assert.equal(outcomes.length, 1, 'the final status is read from doc/list');
        assert.equal(outcomes[0]?.status, bed.emu.document(again.documentId)?.status);
      } finally {
        bed.emu.options.faults.afterProcessing = 0.5;
        bed.emu.options.docListMaxRangeMs = 30 * 86400000;
        journal.release();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
