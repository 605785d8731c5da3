/**
 * lib/cz against a True API that reads the reference differently where the reference is unsure
 * (⚠ not stated in «Описание True API» v553): a small answering HTTP server on 127.0.0.1 serves the variants an
 * independent implementation may choose, and the client must read them all the same way.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CzClient } from '../../lib/cz/client';
import { journalApi } from '../../lib/cz/journal-api';
import { Journal, journalKey } from '../../lib/journal/journal';
import { Outbox, type SendableDocument } from '../../lib/journal/outbox';
import type { Signer } from '../../lib/signing/types';

interface Answer {
  status?: number;
  type?: string;
  body: unknown;
}

/** A True API stand whose doc/list and doc/{id}/info answers are set by the test. */
async function startStand(): Promise<{
  url: string;
  answers: Record<string, Answer>;
  seen: string[];
  close(): Promise<void>;
}> {
  const answers: Record<string, Answer> = {};
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      seen.push(`${req.method} ${req.url}`);
      let a: Answer | undefined;
      if (path.endsWith('/auth/key'))
        a = { body: { uuid: 'a63ff582-b723-4da7-958b-453da27a6c62', data: 'X' } };
      // a JWT without `exp`: the documented 10 h lifetime applies
      else if (path.endsWith('/auth/simpleSignIn'))
        a = answers['signIn'] ?? { body: { token: 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln' } };
      else if (path.endsWith('/doc/list'))
        a = new URL(req.url ?? '/', 'http://x').searchParams.has('did')
          ? (answers['listNext'] ?? answers['list'])
          : answers['list'];
      else if (/\/doc\/[^/]+\/info$/.test(path)) a = answers['info'];
      a ??= { status: 404, body: { error_message: 'Метод с указанным URL не найден' } };
      const text = typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
      res.writeHead(a.status ?? 200, { 'Content-Type': a.type ?? 'application/json;charset=UTF-8' });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answers,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The stand does not check signatures: any CMS-looking text will do (signing is not under test). */
const signer: Signer = { kind: 'openssl', sign: () => Promise.resolve('MAA='), close: () => undefined };

const ID = '50f6b645-8c9d-4a4e-9f0b-1c2d3e4f5a6b';
const listItem = {
  number: ID,
  docDate: '2026-11-28T10:00:00.000Z',
  receivedAt: '2026-11-28T10:00:00.000Z',
  type: 'LP_SHIP_GOODS',
  status: 'CHECKED_NOT_OK',
  senderInn: '7700000000',
  input: false,
};

describe('cz client: tolerant reading of answers the reference leaves open (⚠)', () => {
  let stand: Awaited<ReturnType<typeof startStand>>;
  let client: CzClient;
  before(async () => {
    stand = await startStand();
  });
  beforeEach(() => {
    client = new CzClient({ baseUrl: stand.url, signer, retry: { retries: 0 }, visibilityWaitMs: 0 });
  });
  afterEach(() => client.close());
  after(() => stand.close());

  it('doc/{id}/info answering one object instead of an array is read as that document', async () => {
    stand.answers['info'] = {
      body: { ...listItem, status: 'CHECKED_OK', productGroup: ['lp'], productGroupId: [1], errors: null },
    };
    const info = await client.documentInfo(ID);
    assert.equal(info.number, ID);
    assert.equal(info.status, 'CHECKED_OK');
    assert.deepEqual(info.productGroup, ['lp']);
    assert.equal(client.tokenInfo()?.kind, 'jwt');
  });

  it('doc/list without nextPage: a full page is followed by the next one, a short page ends the list', async () => {
    const item = (n: number): typeof listItem => ({
      ...listItem,
      number: `${ID.slice(0, -1)}${n}`,
      docDate: `2026-11-28T10:00:0${n}.000Z`,
    });
    stand.answers['list'] = { body: { results: [item(1), item(2)] } };
    stand.answers['listNext'] = { body: { results: [item(3)] } };
    const seen: string[] = [];
    for await (const d of client.iterateDocuments({
      pg: 'lp',
      dateFrom: '2026-11-27T00:00:00.000Z',
      dateTo: '2026-11-29T00:00:00.000Z',
      limit: 2,
    }))
      seen.push(d.number);
    assert.deepEqual(seen, [item(1).number, item(2).number, item(3).number]);
    assert.match(
      stand.seen.filter((r) => r.includes('/doc/list')).pop() ?? '',
      new RegExp(`did=${item(2).number}`),
    );
    delete stand.answers['listNext'];
  });

  it('a stand whose clock is behind: a token already "expired" on our clock is used for its lifetime', async () => {
    const jwt = (claims: Record<string, number>): string =>
      `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
    const behind = Math.floor(Date.now() / 1000) - 3 * 3600; // the stand's clock: 3 hours behind
    stand.answers['list'] = { body: { results: [listItem], nextPage: false } };
    const filter = { pg: 'lp', dateFrom: '2026-11-27T00:00:00.000Z', dateTo: '2026-11-29T00:00:00.000Z' };
    const variants: Array<Record<string, number>> = [
      { iat: behind, exp: behind + 600 },
      { exp: behind + 600 },
    ];
    for (const claims of variants) {
      stand.answers['signIn'] = { body: { token: jwt(claims) } };
      const c = new CzClient({ baseUrl: stand.url, signer, retry: { retries: 0 } });
      const before = stand.seen.filter((r) => r.includes('simpleSignIn')).length;
      try {
        for (let i = 0; i < 3; i++) await c.listDocuments(filter);
        const expires = c.tokenInfo()?.expiresAt.getTime() ?? 0;
        assert.ok(
          expires > Date.now() + 5 * 60000,
          `${JSON.stringify(claims)}: expires ${new Date(expires).toISOString()}`,
        );
      } finally {
        c.close();
      }
      const signIns = stand.seen.filter((r) => r.includes('simpleSignIn')).length - before;
      assert.equal(signIns, 1, `${JSON.stringify(claims)}: one sign-in for three requests`);
    }
    delete stand.answers['signIn'];
  });

  it('doc/{id}/info with scalar productGroup/productGroupId (as in doc/list) gives the arrays', async () => {
    stand.answers['info'] = { body: [{ ...listItem, productGroup: 'lp', productGroupId: 1 }] };
    const info = await client.documentInfo(ID);
    assert.deepEqual(info.productGroup, ['lp']);
    assert.deepEqual(info.productGroupId, [1]);
  });

  it('errors as objects or one string become the "<code>: <text>" strings; numeric errorCode is read', async () => {
    stand.answers['info'] = {
      body: [
        {
          ...listItem,
          errors: [
            { code: 47, message: 'Одновременное заполнение полей недопустимо.' },
            '29: Недопустимый формат',
          ],
          commonErrors: [{ errorCode: 29, errorMessage: '29: Недопустимый формат', errorObject: ID }],
        },
      ],
    };
    const info = await client.documentInfo(ID);
    assert.deepEqual(info.errors, [
      '47: Одновременное заполнение полей недопустимо.',
      '29: Недопустимый формат',
    ]);
    assert.equal(info.commonErrors?.[0]?.errorCode, '29');

    stand.answers['list'] = {
      body: { results: [{ ...listItem, errors: '47: текст ошибки' }], nextPage: false },
    };
    const page = await client.listDocuments({ pg: 'lp' });
    assert.deepEqual(page.results[0]?.errors, ['47: текст ошибки']);
  });

  it('doc/list with array productGroup/productGroupId (as in doc/{id}/info) gives the scalars', async () => {
    stand.answers['list'] = {
      body: {
        results: [{ ...listItem, productGroup: ['lp'], productGroupId: [1], extra: { x: 1 } }],
        nextPage: false,
      },
    };
    const page = await client.listDocuments({
      pg: 'lp',
      dateFrom: new Date('2026-11-27T00:00:00Z'),
      dateTo: new Date('2026-11-29T00:00:00Z'),
    });
    assert.equal(page.results[0]?.productGroup, 'lp');
    assert.equal(page.results[0]?.productGroupId, 1);
    assert.equal(page.nextPage, false);
    const asked = stand.seen.filter((s) => s.includes('/doc/list')).pop() ?? '';
    assert.match(asked, /dateFrom=2026-11-27T00%3A00%3A00\.000Z&dateTo=2026-11-29T00%3A00%3A00\.000Z/);
  });
});

describe('outbox look-up after an interrupted send, against a stand with zone-less times (⚠)', () => {
  /** A stand that stores the document, then answers 500 (it was received, the client cannot know). */
  async function startStoringStand(
    opts: { docDateFromBody?: boolean; foreignCopies?: number } = {},
  ): Promise<{ url: string; creates: number; infos: number; close(): Promise<void> }> {
    const docs: Array<{ id: string; body: unknown; receivedAt: string }> = [];
    const self = { url: '', creates: 0, infos: 0, close: (): Promise<void> => Promise.resolve() };
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        const send = (status: number, body: unknown): void => {
          res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8' });
          res.end(JSON.stringify(body));
        };
        if (path.endsWith('/auth/key')) return send(200, { uuid: ID, data: 'X' });
        if (path.endsWith('/auth/simpleSignIn')) return send(200, { token: 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln' });
        if (path.endsWith('/lk/documents/create')) {
          self.creates++;
          const req1 = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { product_document: string };
          docs.push({
            id: `${ID.slice(0, -1)}${docs.length}`,
            body: JSON.parse(Buffer.from(req1.product_document, 'base64').toString('utf8')) as unknown,
            // UTC wall clock without a zone
            receivedAt: new Date().toISOString().slice(0, 19),
          });
          return send(500, { error_message: 'Ошибка при выполнении запроса' });
        }
        if (path.endsWith('/doc/list')) {
          // docDate: the receipt, or (opts.docDateFromBody) the document's own date; filtered by it
          const q = new URL(req.url ?? '/', 'http://x').searchParams;
          const docDate = (d: (typeof docs)[number]): string =>
            opts.docDateFromBody
              ? `${String((d.body as { document_date?: string }).document_date)}T00:00:00.000Z`
              : d.receivedAt;
          const within = (d: (typeof docs)[number]): boolean =>
            !opts.docDateFromBody ||
            (docDate(d) >= (q.get('dateFrom') ?? '') && docDate(d) <= (q.get('dateTo') ?? '\uffff'));
          // another document of the same type, named over and over (a spoiled or overlapping list)
          const foreign = Array.from({ length: opts.foreignCopies ?? 0 }, () => ({
            ...listItem,
            number: 'f0000000-0000-4000-8000-000000000000',
            receivedAt: new Date().toISOString(),
          }));
          return send(200, {
            results: [
              ...foreign,
              ...docs.filter(within).map((d) => ({
                ...listItem,
                number: d.id,
                docDate: docDate(d),
                receivedAt: d.receivedAt,
              })),
            ],
            nextPage: false,
          });
        }
        const m = /\/doc\/([^/]+)\/info$/.exec(path);
        if (m) self.infos++;
        const d = docs.find((x) => x.id === m?.[1]);
        if (d) return send(200, [{ ...listItem, number: d.id, status: 'CHECKED_OK', body: d.body }]);
        return send(404, { error_message: 'Документ не найден' });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    self.close = () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    return self;
  }

  const savedTz = process.env['TZ'];
  afterEach(() => {
    if (savedTz === undefined) delete process.env['TZ'];
    else process.env['TZ'] = savedTz;
  });

  /** Send once (stored, answered 500), then again: the look-up must find it and adopt it. */
  async function interruptedThenAgain(
    stand: Awaited<ReturnType<typeof startStoringStand>>,
    source: { entity: string; ref: string; dataVersion: string; number: string; date?: string },
    body: Record<string, unknown>,
  ): Promise<void> {
    const client = new CzClient({ baseUrl: stand.url, signer, retry: { retries: 0 }, visibilityWaitMs: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-outbox-tz-'));
    const journal = Journal.open(path.join(dir, 'journal.jsonl'));
    try {
      const outbox = new Outbox(journal, journalApi(client), { settleMs: 0 });
      const doc: SendableDocument = {
        key: journalKey(source, 'LP_SHIP_GOODS', 'lp', 1),
        type: 'LP_SHIP_GOODS',
        productGroup: 'lp',
        format: 'MANUAL',
        part: 1,
        parts: 1,
        source,
        body: { ...body, products: [{ uit_code: '0104600000000017215abcdefghijk' }] },
      };
      await assert.rejects(
        outbox.send(doc),
        (e: Error & { code?: string }) => e.code === 'CZ_SEND_UNCERTAIN',
      );
      const again = await outbox.send(doc);
      assert.equal(again.adopted, true, 'the received document is found and adopted');
      assert.equal(stand.creates, 1, 'sent once');
    } finally {
      journal.release();
      client.close();
      await stand.close();
    }
  }

  it('a document received (times without a zone, node east of UTC) is adopted, never sent twice', async () => {
    // A node east of UTC reads a zone-less UTC time as hours earlier than it was.
    process.env['TZ'] = 'Asia/Vladivostok';
    await interruptedThenAgain(
      await startStoringStand(),
      { entity: 'Document_РеализацияТоваровУслуг', ref: 'r-1', dataVersion: 'v1', number: 'N-1' },
      { document_num: 'N-1' },
    );
  });

  it('a document named many times in doc/list is asked about once', async () => {
    const stand = await startStoringStand({ foreignCopies: 2000 });
    await interruptedThenAgain(
      stand,
      { entity: 'Document_РеализацияТоваровУслуг', ref: 'r-3', dataVersion: 'v1', number: 'N-3' },
      { document_num: 'N-3' },
    );
    assert.ok(stand.infos <= 3, `${stand.infos} doc/{id}/info requests`);
  });

  it('a stand dating documents by their own (old) date: the look-up window reaches back to it', async () => {
    // a sale of ten days ago, sent today: doc/list filters by docDate = the document's date
    const old = new Date(Date.now() - 10 * 86400000).toISOString().slice(0, 10);
    await interruptedThenAgain(
      await startStoringStand({ docDateFromBody: true }),
      {
        entity: 'Document_РеализацияТоваровУслуг',
        ref: 'r-2',
        dataVersion: 'v1',
        number: 'N-2',
        date: `${old}T12:00:00`,
      },
      { document_num: 'N-2', document_date: old },
    );
  });
});
