/**
 * lib/cz against answers written by others: a stand (127.0.0.1) answering the way True API's
 * services really do where the pack's own emulator is tidier — a Spring Boot 404 body, the other
 * error body shapes of «Описание True API» (`error_message`, `errors[]`, `code`/`description`), and
 * product groups and document types the pack's catalogue does not know (the 2026 catalogue runs
 * to 54 groups and grows): shown as they are, never a crash, a rejection or CZ_BAD_RESPONSE.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CzClient } from '../../lib/cz/client';
import { isZnakFlowError } from '../../lib/errors';
import type { Signer } from '../../lib/signing/types';

interface Answer {
  status?: number;
  body: unknown;
}

async function startStand(): Promise<{
  url: string;
  answers: Record<string, Answer>;
  close(): Promise<void>;
}> {
  const answers: Record<string, Answer> = {};
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const p = new URL(req.url ?? '/', 'http://x').pathname;
      let a: Answer | undefined;
      if (p.endsWith('/auth/key')) a = { body: { uuid: 'a63ff582-b723-4da7-958b-453da27a6c62', data: 'X' } };
      else if (p.endsWith('/auth/simpleSignIn')) a = { body: { token: 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln' } };
      else if (p.endsWith('/doc/list')) a = answers['list'];
      else if (/\/doc\/[^/]+\/info$/.test(p)) a = answers['info'];
      else if (p.endsWith('/cises/info')) a = answers['cises'];
      else if (p.includes('/elk/product-groups/balance')) a = answers['balance'];
      else if (p.endsWith('/lk/documents/create')) a = answers['create'];
      // Spring Boot's own 404 for what is not answered
      a ??= {
        status: 404,
        body: {
          timestamp: '2026-12-01T10:00:00.000+00:00',
          status: 404,
          error: 'Not Found',
          message: 'No message available',
          path: p,
        },
      };
      res.writeHead(a.status ?? 200, { 'Content-Type': 'application/json;charset=UTF-8' });
      res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answers,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const signer: Signer = { kind: 'openssl', sign: () => Promise.resolve('MAA='), close: () => undefined };
const ID = '50f6b645-8c9d-4a4e-9f0b-1c2d3e4f5a6b';
const CIS = '010463003407002921wskg1E44R1qym';
const RANGE = { dateFrom: '2026-11-27T00:00:00.000Z', dateTo: '2026-11-29T00:00:00.000Z' };

function spring404(path: string, message: string): Answer {
  return {
    status: 404,
    body: { timestamp: '2026-12-01T10:00:00.000+00:00', status: 404, error: 'Not Found', message, path },
  };
}

async function rejectsWith(p: Promise<unknown>, code: string, text?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isZnakFlowError(e), String(e));
    assert.equal(e.code, code, `${e.code}: ${e.en}`);
    if (text) assert.match(e.remoteText ?? '', text);
    return true;
  });
}

describe('cz client: error bodies as True API services write them', () => {
  let stand: Awaited<ReturnType<typeof startStand>>;
  let client: CzClient;
  before(async () => {
    stand = await startStand();
  });
  beforeEach(() => {
    for (const k of Object.keys(stand.answers)) delete stand.answers[k];
    client = new CzClient({ baseUrl: stand.url, signer, retry: { retries: 0 }, visibilityWaitMs: 0 });
  });
  afterEach(() => client.close());
  after(() => stand.close());

  it('a Spring 404 body at cises/info is CZ_NOT_FOUND with the operator text, not CZ_BAD_RESPONSE', async () => {
    stand.answers['cises'] = spring404('/api/v3/true-api/cises/info', 'Товарная группа не найдена');
    await rejectsWith(client.cisesInfo([CIS]), 'CZ_NOT_FOUND', /^Товарная группа не найдена$/);
    // the documented 404 with the array is still "unknown codes", not an error
    stand.answers['cises'] = { status: 404, body: [{ errorCode: '404', errorMessage: 'КИ не найден' }] };
    const items = await client.cisesInfo([CIS]);
    assert.equal(items[0]?.errorMessage, 'КИ не найден');
  });

  it('a Spring 404 at doc/{id}/info is "document not found" with the operator text', async () => {
    stand.answers['info'] = spring404(`/api/v4/true-api/doc/${ID}/info`, `Документ ${ID} не найден`);
    await rejectsWith(client.documentInfo(ID), 'CZ_DOC_NOT_FOUND', /^Документ .* не найден$/);
  });

  it('every documented error body gives its text, for every status', async () => {
    const shapes: Array<[unknown, RegExp]> = [
      [{ error_message: 'ИНН некорректен', error_code: '400' }, /^ИНН некорректен$/],
      [{ errorCode: '404', errorMessage: 'УОТ не найден' }, /^УОТ не найден$/],
      [
        {
          code: 500,
          description: 'java.lang.NullPointerException\n\tat …',
          error_message: 'Ошибка при выполнении запроса',
        },
        /^Ошибка при выполнении запроса$/,
      ],
      [{ code: 403, description: 'Отсутствует доступ к ресурсу' }, /^Отсутствует доступ к ресурсу$/],
      [
        {
          timestamp: 't',
          status: 400,
          error: 'Bad Request',
          message: 'Validation failed',
          errors: [{ field: 'pg', defaultMessage: 'Отсутствует обязательный параметр: pg' }],
          path: '/x',
        },
        /^Validation failed: Отсутствует обязательный параметр: pg$/,
      ],
      [
        {
          errors: [
            'Параметр limit требует значение типа Integer',
            'Параметр pg требует значение типа ProductGroup',
          ],
        },
        /limit .*; Параметр pg/,
      ],
      [
        { timestamp: 't', status: 409, error: 'Conflict', message: 'No message available', path: '/x' },
        /^Conflict$/,
      ],
      [
        { error: { code: 'X', message: 'Превышено допустимое количество запросов' } },
        /^Превышено допустимое/,
      ],
      [[{ error_message: 'Документ не найден' }], /^Документ не найден$/],
    ];
    const statuses: Array<[number, string]> = [
      [400, 'CZ_BAD_REQUEST'],
      [402, 'CZ_BAD_REQUEST'],
      [403, 'CZ_FORBIDDEN'],
      [404, 'CZ_NOT_FOUND'],
      [409, 'CZ_CONFLICT'],
      [422, 'CZ_UNPROCESSABLE'],
      [429, 'CZ_RATE_LIMIT'],
      [500, 'CZ_SERVER_ERROR'],
      [503, 'CZ_SERVER_ERROR'],
    ];
    for (const [status, code] of statuses) {
      for (const [body, text] of shapes) {
        stand.answers['list'] = { status, body };
        stand.answers['cises'] = { status, body };
        await rejectsWith(client.listDocuments({ pg: 'lp', ...RANGE }), code, text);
        if (status !== 404 || !Array.isArray(body)) await rejectsWith(client.cisesInfo([CIS]), code, text);
      }
    }
  });
});

describe('cz client: product groups and document types the catalogue does not know', () => {
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

  const item = {
    number: ID,
    docDate: '2026-11-28T10:00:00.000Z',
    type: 'HOMEWARE_NEW_DOCUMENT_2027',
    status: 'WAIT_FOR_SOMETHING_NEW',
    senderInn: '7700000000',
  };

  it('doc/list: an unknown group (string id, new code) and an unknown type and status are shown as they are', async () => {
    stand.answers['list'] = {
      body: {
        results: [
          { ...item, productGroup: 'homeware', productGroupId: '54' },
          { ...item, number: `${ID.slice(0, -1)}c`, productGroup: 57, productGroupId: 57, type: 1234 },
        ],
        nextPage: false,
      },
    };
    const page = await client.listDocuments({ pg: 'homeware', ...RANGE });
    assert.deepEqual(
      page.results.map((r) => [r.productGroup, r.productGroupId, r.type, r.status]),
      [
        ['homeware', 54, 'HOMEWARE_NEW_DOCUMENT_2027', 'WAIT_FOR_SOMETHING_NEW'],
        ['57', 57, '1234', 'WAIT_FOR_SOMETHING_NEW'],
      ],
    );
  });

  it('doc/{id}/info: unknown groups (as strings or numbers) and type', async () => {
    stand.answers['info'] = {
      body: [{ ...item, productGroup: ['frozen', 'x-new'], productGroupId: [52, '99'], errors: null }],
    };
    const info = await client.documentInfo(ID, { pg: 'frozen' });
    assert.deepEqual(
      [info.productGroup, info.productGroupId, info.type],
      [['frozen', 'x-new'], [52, 99], item.type],
    );
  });

  it('cises/info: an unknown group id as a string or a number', async () => {
    stand.answers['cises'] = {
      body: [
        {
          cisInfo: {
            requestedCis: CIS,
            cis: CIS,
            status: 'INTRODUCED',
            productGroup: 'fertilizers',
            productGroupId: '53',
          },
        },
        {
          cisInfo: {
            requestedCis: CIS,
            cis: CIS,
            status: 'NEW_STATUS',
            productGroup: 'unknowngroup',
            productGroupId: 77,
          },
        },
      ],
    };
    const items = await client.cisesInfo([CIS, CIS]);
    assert.deepEqual(
      items.map((i) => [i.cisInfo?.productGroup, i.cisInfo?.productGroupId, i.cisInfo?.status]),
      [
        ['fertilizers', 53, 'INTRODUCED'],
        ['unknowngroup', 77, 'NEW_STATUS'],
      ],
    );
  });

  it('balance: new groups get their code, an unknown id is shown as the id', async () => {
    stand.answers['balance'] = {
      body: [
        { balance: 120000000, contractId: 1, organisationId: 'o', productGroupId: 54 },
        { balance: 500, organisationId: 'o', productGroupId: '52' },
        { organisationId: 'o', productGroupId: 777 },
      ],
    };
    const list = await client.balance();
    assert.deepEqual(
      list.map((b) => [b.productGroupId, b.productGroup, b.balanceRoubles]),
      [
        [54, 'homeware', 1200000],
        [52, 'frozen', 5],
        [777, '777', undefined],
      ],
    );
  });

  it('a document of a group of the 2026 catalogue (sweets … homeware) is sent, not refused locally', async () => {
    stand.answers['create'] = { body: ID };
    for (const pg of ['sweets', 'homeware', 'fertilizers', 'frozen', 'furslp']) {
      assert.equal(
        await client.createDocument({ type: 'LP_INTRODUCE_GOODS', productGroup: pg, body: {} }),
        ID,
      );
    }
  });
});
