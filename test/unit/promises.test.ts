/**
 * Properties of the pack's promises, written so that breaking the promise (not one line) fails them
 * (issue 14): the journal holds `sending` on disk before Честный ЗНАК sees the document; every secret
 * kind is masked wherever text leaves. The classification of the document statuses:
 * test/unit/status-promises.test.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { journalApi } from '../../lib/cz/journal-api';
import { Journal, journalKey, type JournalEntry } from '../../lib/journal/journal';
import { Outbox, type SendableDocument } from '../../lib/journal/outbox';
import { forgetSecret, redact, registerSecret } from '../../lib/redact';
import { requireGost } from '../support/gost';
import { startBed, type CzBed } from '../support/cz';

/** A thin HTTP proxy in front of the emulator; `hook` sees each request before it is forwarded. */
async function proxy(
  target: string,
  hook: (req: http.IncomingMessage) => Promise<{ status: number; body: string } | undefined>,
): Promise<{ url: string; close(): Promise<void> }> {
  const to = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void hook(req).then((refusal) => {
        if (refusal) {
          res.writeHead(refusal.status, { 'content-type': 'application/json' });
          res.end(refusal.body);
          return;
        }
        const up = http.request(
          { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
          (ur) => {
            res.writeHead(ur.statusCode ?? 502, ur.headers);
            ur.pipe(res);
          },
        );
        up.on('error', () => res.destroy());
        up.end(Buffer.concat(chunks));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('promises (issue 14)', function () {
  this.timeout(60000);

  describe('secret masking: every secret kind, short PINs included', () => {
    // 1C password, CryptoPro PIN (4–6 digits), DSS token, True API token. The rule: a secret of
    // 4 characters or more is masked; a shorter one is not registered (masking "123" would spoil
    // every number in a message) — and the pack never prints a secret anyway.
    const kinds: [string, string][] = [
      ['1C password', 'Пароль1С!'],
      ['PIN of 4 digits', '4821'],
      ['PIN of 5 digits', '90317'],
      ['PIN of 6 digits', '551902'],
      ['DSS token', 'dss-7f3a9c2e41b0'],
      ['True API token', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln'],
    ];
    for (const [kind, value] of kinds) {
      it(`${kind} is masked wherever it appears once registered`, () => {
        registerSecret(value);
        try {
          const out = redact(`at start ${value}; again (${value}) and glued${value}end`);
          assert.ok(!out.includes(value), out);
          assert.equal(out.split('***').length - 1, 3);
        } finally {
          forgetSecret(value);
        }
        assert.ok(redact(`x ${value}`).includes(value), 'forgotten: no longer masked');
      });
    }
    it('a secret under 4 characters is not registered (explicit rule)', () => {
      registerSecret('123');
      try {
        assert.equal(redact('order 123'), 'order 123');
      } finally {
        forgetSecret('123');
      }
    });
  });

  describe('against the True API emulator (real HTTP, real GOST)', () => {
    let bed: CzBed;
    before(async function () {
      await requireGost(this);
      bed = await startBed();
    });
    after(async () => {
      await bed?.close();
    });

    it('the True API token the client receives is registered for masking (no per-request list)', async () => {
      let bearer = '';
      const p = await proxy(bed.emu.url, async (req) => {
        const a = req.headers.authorization;
        if (typeof a === 'string' && a.startsWith('Bearer ')) bearer = a.slice(7);
        return undefined;
      });
      const c = bed.client(undefined, { baseUrl: p.url });
      try {
        await c.balance();
        assert.ok(bearer.length > 20, 'the token was seen on the wire');
        const out = redact(`log line: Authorization: Bearer ${bearer}`);
        assert.ok(!out.includes(bearer), 'the token is masked in any text');
      } finally {
        c.close();
        await p.close();
      }
      assert.ok(redact(bearer).includes(bearer), 'closed client: the token is forgotten');
    });

    it('the journal holds `sending` on disk before lk/documents/create reaches Честный ЗНАК', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-promise-'));
      const file = path.join(dir, 'journal.jsonl');
      const source = {
        entity: 'Document_РеализацияТоваровУслуг',
        ref: 'p-1',
        dataVersion: 'v1',
        number: 'П-1',
      };
      const key = journalKey(source, 'LP_SHIP_GOODS', 'lp', 1);
      let seenOnDisk: boolean | undefined;
      // The stand refuses to answer the create until it has read the `sending` entry from the file.
      const p = await proxy(bed.emu.url, async (req) => {
        if (!(req.url ?? '').includes('lk/documents/create')) return undefined;
        const deadline = Date.now() + 1500;
        while (Date.now() < deadline) {
          const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [];
          const last = lines
            .filter((l) => l.trim())
            .map((l) => JSON.parse(l) as Partial<JournalEntry>)
            .filter((e) => e.key === key)
            .pop();
          if (last?.state === 'sending') {
            seenOnDisk = true;
            return undefined;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
        seenOnDisk = false;
        return { status: 400, body: '{"error_message":"no sending entry in the journal"}' };
      });
      const client = bed.client(undefined, { baseUrl: p.url, visibilityWaitMs: 0 });
      const journal = Journal.open(file);
      try {
        const codes = bed.codes({ pg: 'lp', status: 'INTRODUCED', free: true }).slice(0, 1);
        assert.equal(codes.length, 1);
        const doc: SendableDocument = {
          key,
          type: 'LP_SHIP_GOODS',
          productGroup: 'lp',
          format: 'MANUAL',
          part: 1,
          parts: 1,
          source,
          body: {
            sender_inn: bed.fx.orgInn,
            receiver_inn: bed.fx.buyerInn,
            transfer_date: new Date().toISOString(),
            document_num: 'П-1',
            document_date: new Date().toISOString(),
            turnover_type: 'SELLING',
            products: codes.map((c) => ({ uit_code: c, product_cost: '99000', product_tax: '16500' })),
          },
        };
        const outbox = new Outbox(journal, journalApi(client), { settleMs: 0 });
        await outbox.send(doc).catch(() => undefined);
        assert.equal(seenOnDisk, true, 'the create waited for the `sending` entry and it was on disk');
        assert.equal(journal.get(key)?.state, 'sent');
      } finally {
        journal.release();
        client.close();
        await p.close();
      }
    });
  });
});
