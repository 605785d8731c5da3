/**
 * lib/cz against a True API that reads the reference differently where the reference is unsure
 * (cz-true-api.md ⚠ / §14): a small answering HTTP server on 127.0.0.1 serves the variants an
 * independent implementation may choose, and the client must read them all the same way.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CzClient } from '../../lib/cz/client';
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
      else if (path.endsWith('/auth/simpleSignIn')) a = { body: { token: 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln' } };
      else if (path.endsWith('/doc/list')) a = answers['list'];
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
