/**
 * The pack's promises, each as a property that fails as soon as the promise breaks (not as a check
 * of one line of code). Written after hand-made bugs of the core passed every other test:
 *
 * 1. journal before send: Честный ЗНАК is never called for a document whose `sending` entry is not
 *    on disk yet — a stand in front of the emulator refuses to answer until it sees that entry in
 *    the journal file;
 * 2. secrets masked: every kind of secret the pack holds (1C password, a PIN of 4 digits or more,
 *    signing service token and password, DSS PIN, the True API token) is masked in every text that
 *    passes `redact()` — the one gate of every outlet (error, Catch, status, log, sidebar) — also when
 *    the other side echoes it in an answer; shorter values are never masked (they would mangle every
 *    text) and the pack never prints them;
 * 3. statuses classified: every document status of «Описание True API» (dictionary «Статусы
 *    документов») reaches the tracker's outcome as accepted, rejected or still pending, as the
 *    dictionary says.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CzClient } from '../../lib/cz/client';
import { journalApi } from '../../lib/cz/journal-api';
import { isZnakFlowError } from '../../lib/errors';
import { Journal, journalKey, statusGroup } from '../../lib/journal/journal';
import { Outbox, type SendableDocument } from '../../lib/journal/outbox';
import { StatusTracker } from '../../lib/journal/tracker';
import { OnecClient } from '../../lib/onec/client';
import { redact, registerSecret } from '../../lib/redact';
import { CommandSigner } from '../../lib/signing/command';
import { HttpSigner } from '../../lib/signing/http';
import { OpensslSigner } from '../../lib/signing/openssl';
import { startBed, type CzBed } from '../support/cz';
import { requireGost } from '../support/gost';
import { journalOnDisk } from '../support/edo';

interface Proxy {
  url: string;
  /** bearer tokens seen on the way to the emulator */
  tokens: Set<string>;
  /** creates refused because the journal had no `sending` entry yet */
  refused: number;
  close(): Promise<void>;
}

/**
 * A stand in front of the emulator. `gate(req, body)` may answer a request itself (status + JSON)
 * instead of forwarding it.
 */
async function proxy(
  upstream: string,
  gate: (req: http.IncomingMessage, body: Buffer) => { status: number; body: unknown } | undefined,
): Promise<Proxy> {
  const target = new URL(upstream);
  const p: Proxy = { url: '', tokens: new Set(), refused: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const auth = String(req.headers.authorization ?? '');
      if (auth.startsWith('Bearer ')) p.tokens.add(auth.slice(7));
      const own = gate(req, body);
      if (own) {
        res.writeHead(own.status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(own.body));
        return;
      }
      const up = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  p.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  p.close = () => new Promise<void>((r) => server.close(() => r()));
  return p;
}

describe('promises of the core, each a property that fails when it breaks', function () {
  this.timeout(90000);
  let bed: CzBed;
  let dir: string;
  let n = 0;

  before(async function () {
    await requireGost(this);
    bed = await startBed({ processingDelayMs: 30 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-promises-'));
  });
  after(async () => {
    await bed?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function shipment(num: string, codes: string[]): SendableDocument {
    const source = {
      entity: 'Document_РеализацияТоваровУслуг',
      ref: `ref-${num}`,
      dataVersion: 'v1',
      number: num,
    };
    return {
      key: journalKey(source, 'LP_INTRODUCE_GOODS', 'lp', 1),
      type: 'LP_INTRODUCE_GOODS',
      productGroup: 'lp',
      part: 1,
      parts: 1,
      source,
      format: 'MANUAL',
      body: {
        participant_inn: bed.world.organisation.inn,
        producer_inn: bed.world.organisation.inn,
        owner_inn: bed.world.organisation.inn,
        production_date: '2026-11-20',
        production_type: 'OWN_PRODUCTION',
        doc_num: num,
        products: codes.map((c) => ({ uit_code: c, tnved_code: '6109100000' })),
      },
    };
  }

  function freeCodes(k: number): string[] {
    const all = bed.codes({ pg: 'lp', status: 'EMITTED', free: true });
    const out = all.slice(n, n + k);
    n += k;
    return out.length === k ? out : bed.codes({ pg: 'lp', free: true }).slice(0, k);
  }

  describe('1. the journal entry is on disk as `sending` before Честный ЗНАК is called', () => {
    it('a stand that answers a create only once it sees that entry in the journal file takes every send', async () => {
      const file = path.join(dir, 'journal-order.jsonl');
      const expected = new Set<string>();
      const stand = await proxy(bed.emu.url, (req) => {
        if (req.method !== 'POST' || !String(req.url).includes('/lk/documents/create')) return undefined;
        // every document being sent must already be journalled as `sending`, flushed to the file
        const disk = journalOnDisk(file);
        const missing = [...expected].filter((k) => disk.get(k)?.['state'] !== 'sending');
        if (missing.length > 0) {
          stand.refused++;
          return {
            status: 400,
            body: { error_message: `not journalled before the call: ${missing.join(', ')}` },
          };
        }
        return undefined;
      });
      const client = new CzClient({
        baseUrl: stand.url,
        signer: new OpensslSigner({ certPath: bed.fx.org.certPath, keyPath: bed.fx.org.keyPath }),
        retry: { baseMs: 20, maxMs: 200 },
      });
      const journal = Journal.open(file);
      try {
        const outbox = new Outbox(journal, journalApi(client), { settleMs: 0 });
        const before = bed.emu.documents().length;
        for (const num of ['ORDER-1', 'ORDER-2', 'ORDER-3']) {
          const doc = shipment(num, freeCodes(1));
          expected.clear();
          expected.add(doc.key);
          const r = await outbox.send(doc);
          assert.equal(r.duplicate, false);
          assert.match(r.documentId, /\S{8,}/);
          // and once sent, the file holds the id too
          assert.equal(journalOnDisk(file).get(doc.key)?.['documentId'], r.documentId);
        }
        assert.equal(stand.refused, 0, 'no create reached the stand before its `sending` entry was on disk');
        assert.equal(bed.emu.documents().length - before, 3, 'every document received once');
      } finally {
        journal.release();
        client.close();
        await stand.close();
      }
    });
  });

  describe('2. secrets are masked in every text that leaves a node', () => {
    it('the True API token, once the client holds it: in any text, also echoed by another call', async () => {
      let echo = '';
      const stand = await proxy(bed.emu.url, (req) => {
        // a stand that echoes the caller's token in the error of a call the client did not expect
        // to carry it (doc/list), the way "Access token expired: <token>" answers do
        if (String(req.url).includes('/doc/list')) {
          echo = String(req.headers.authorization ?? '').slice(7);
          return { status: 403, body: { error_message: `Токен ${echo} не действителен` } };
        }
        return undefined;
      });
      const client = new CzClient({
        baseUrl: stand.url,
        signer: new OpensslSigner({ certPath: bed.fx.org.certPath, keyPath: bed.fx.org.keyPath }),
        retry: { baseMs: 20, maxMs: 100, retries: 0 },
      });
      try {
        await client.balance().catch(() => undefined);
        const token = [...stand.tokens][0];
        assert.ok(token && token.length >= 8, 'the client signed in and used a token');
        // the token is known to the one gate every outlet goes through
        assert.equal(redact(`status: sent with ${token}`).includes(token), false, 'token masked by redact()');
        // ... and an answer echoing it becomes an error without it
        const now = new Date();
        await assert.rejects(
          client.listDocuments({
            pg: 'lp',
            dateFrom: new Date(now.getTime() - 3600000).toISOString(),
            dateTo: now.toISOString(),
          }),
          (err: unknown) => {
            assert.ok(isZnakFlowError(err));
            assert.equal(echo, token, 'the stand echoed the very token');
            for (const t of [
              err.message,
              err.ru,
              err.en,
              err.remoteText ?? '',
              JSON.stringify(err.details ?? []),
            ])
              assert.equal(t.includes(token), false, `token in error text: ${t.slice(0, 200)}`);
            return true;
          },
        );
      } finally {
        client.close();
        await stand.close();
      }
    });

    it('a PIN of 4 digits or more, echoed by the signing tool, never reaches the error text', async () => {
      const tool = path.join(dir, 'echo-tool.sh');
      fs.writeFileSync(tool, '#!/bin/sh\necho "wrong PIN given: $*" >&2\nexit 1\n', { mode: 0o755 });
      for (const pin of ['4711', '90417', '135790', 'Zf-1234-long-pin']) {
        const s = new CommandSigner({
          preset: 'custom',
          args: [tool, '-pin', '{pin}', '{in}', '{out}'],
          pin,
        });
        await assert.rejects(s.sign(Buffer.from('x'), 'detached'), (err: unknown) => {
          assert.ok(isZnakFlowError(err));
          assert.equal(err.code, 'SIGNER_FAILED');
          assert.match(err.message, /wrong PIN given/, 'the tool’s own text is kept');
          for (const t of [err.message, err.ru, err.en, redact(err.message)])
            assert.equal(t.includes(pin), false, `PIN ${pin} (${pin.length}) in: ${t.slice(0, 200)}`);
          return true;
        });
        s.close?.();
      }
    });

    it('signing-service token, password and PIN (also short ones), echoed by the service, are masked', async () => {
      const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          res.writeHead(500, { 'Content-Type': 'application/json' });
          res.end(
            JSON.stringify({
              error: `refused: auth=${String(req.headers.authorization)} body=${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`,
            }),
          );
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const cases: Array<{ secret: string; signer: HttpSigner }> = [
          {
            secret: 'tk9z',
            signer: new HttpSigner({ preset: 'generic', url: `${url}/sign`, token: 'tk9z' }),
          },
          {
            secret: 'pw4u',
            signer: new HttpSigner({
              preset: 'dss',
              url,
              username: 'signer',
              password: 'pw4u',
              certificateId: 1,
            }),
          },
        ];
        for (const { secret, signer } of cases) {
          await assert.rejects(signer.sign(Buffer.from('x'), 'detached'), (err: unknown) => {
            assert.ok(isZnakFlowError(err));
            for (const t of [err.message, err.ru, err.en, redact(err.message)])
              assert.equal(t.includes(secret), false, `${secret} in: ${t.slice(0, 300)}`);
            return true;
          });
          signer.close();
        }
        // the DSS PIN (PinCode of the signing request) of a signer holding a token
        const dss = new HttpSigner({
          preset: 'dss',
          url,
          token: 'dss-token-x',
          pin: '2580',
          certificateId: 1,
        });
        await assert.rejects(dss.sign(Buffer.from('x'), 'detached'), (err: unknown) => {
          assert.ok(isZnakFlowError(err));
          assert.equal(redact(err.message).includes('2580'), false, redact(err.message).slice(0, 300));
          assert.equal(redact(err.message).includes('dss-token-x'), false);
          return true;
        });
        dss.close();
      } finally {
        await new Promise<void>((r) => server.close(() => r()));
      }
    });

    it('a short 1C password is masked once the client holds it; shorter than 4 characters is never masked', async () => {
      const client = new OnecClient({ url: 'http://127.0.0.1:9/base', username: 'odata', password: 'p4ss' });
      try {
        assert.equal(redact('1C said: user odata / p4ss refused'), '1C said: user odata / *** refused');
        // Basic auth as 1C would echo it
        const basic = Buffer.from('odata:p4ss').toString('base64');
        assert.equal(redact(`Authorization: Basic ${basic}`).includes(basic), false);
      } finally {
        await client.close();
      }
      // a 3-character value would turn every «abc» of every text into ***: not a secret the pack keeps
      registerSecret('x7q');
      assert.equal(redact('x7q'), 'x7q');
    });
  });

  describe('3. every document status of the dictionary is classified as the dictionary says', () => {
    // «Описание True API», dictionary «Статусы документов»; WAIT_* are successfully processed
    // documents waiting for the counterparty; CANCELLED (Аннулирован) ends a document unsuccessfully.
    const TABLE: Record<string, 'accepted' | 'rejected' | 'pending'> = {
      IN_PROGRESS: 'pending',
      WAIT_FOR_CONTINUATION: 'pending',
      UNDEFINED: 'pending',
      CHECKED_OK: 'accepted',
      ACCEPTED: 'accepted',
      WAIT_ACCEPTANCE: 'accepted',
      WAIT_PARTICIPANT_REGISTRATION: 'accepted',
      CHECKED_NOT_OK: 'rejected',
      PARSE_ERROR: 'rejected',
      PROCESSING_ERROR: 'rejected',
      CANCELLED: 'rejected',
    };

    it('through the tracker, against the emulator answering each status', async () => {
      const file = path.join(dir, 'journal-statuses.jsonl');
      const journal = Journal.open(file);
      const client = bed.client();
      try {
        const api = journalApi(client);
        const outbox = new Outbox(journal, api, { settleMs: 0 });
        const tracker = new StatusTracker(journal, api, { infoAfterMs: 0, processingErrorPolls: 1 });
        const keyOf = new Map<string, string>();
        for (const status of Object.keys(TABLE)) {
          const doc = shipment(`ST-${status}`, freeCodes(1));
          const r = await outbox.send(doc);
          keyOf.set(status, doc.key);
          // the stand decides this document's status (processed already, so it stays)
          await new Promise((res) => setTimeout(res, 80));
          const d = bed.emu.document(r.documentId);
          assert.ok(d, 'the emulator has the document');
          d.status = status;
          d.errors = TABLE[status] === 'rejected' ? [`ошибка статуса ${status}`] : [];
        }
        const seen = new Map<string, boolean>();
        for (let round = 0; round < 3; round++) {
          for (const o of await tracker.poll()) seen.set(o.status, o.accepted);
        }
        for (const [status, expected] of Object.entries(TABLE)) {
          const entry = journal.get(keyOf.get(status) as string);
          assert.ok(entry);
          if (expected === 'pending') {
            assert.notEqual(entry.state, 'final', `${status} is not final`);
            assert.equal(seen.has(status), false, `${status} gives no outcome`);
            assert.equal(statusGroup(entry), 'pending', `${status} shown as pending`);
          } else {
            assert.equal(entry.state, 'final', `${status} is final`);
            assert.equal(seen.get(status), expected === 'accepted', `${status} is ${expected}`);
            assert.equal(statusGroup(entry), expected, `${status} shown as ${expected} in the sidebar`);
          }
        }
      } finally {
        journal.release();
      }
    });
  });
});
