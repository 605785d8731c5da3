/**
 * The True API emulator on its own: exact paths, shapes and error texts of the reference at the
 * HTTP level, and the business rules of each document type (accepted, and each rule rejected),
 * with real GOST signatures.
 */
import assert from 'node:assert/strict';
import type { CzClient } from '../../lib/cz/client';
import { CommandSigner } from '../../lib/signing/command';
import { OpensslSigner } from '../../lib/signing/openssl';
import { issueTestSigner, type TestSigner } from '../../lib/signing/pki';
import type { EmulatorDocument } from '../../lib/emulators/cz';
import { makeCode, prng } from '../../lib/emulators/demo-data';
import { withCheckDigit } from '../../lib/codes/gtin';
import { requireGost } from '../support/gost';
import { startBed, type CzBed } from '../support/cz';

const V3 = '/api/v3/true-api';
const V4 = '/api/v4/true-api';

async function rawToken(
  bed: CzBed,
  who: TestSigner = bed.fx.org,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const key = (await (await fetch(`${bed.emu.url}${V3}/auth/key`)).json()) as { uuid: string; data: string };
  const signer = new OpensslSigner({ certPath: who.certPath, keyPath: who.keyPath });
  const data = await signer.sign(Buffer.from(key.data), 'attached');
  const r = await fetch(`${bed.emu.url}${V3}/auth/simpleSignIn`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    // 2027 rules (the emulator's default): only the UUID token is issued
    body: JSON.stringify({ uuid: key.uuid, data, unitedToken: true, ...extra }),
  });
  const j = (await r.json()) as { token?: string; uuidToken?: string };
  return (j.token ?? j.uuidToken) as string;
}

async function call(
  bed: CzBed,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string } = {},
): Promise<{ status: number; text: string; json: unknown; type: string }> {
  const r = await fetch(`${bed.emu.url}${path}`, {
    method,
    headers: {
      ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined || opts.raw !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    body: opts.raw ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined),
  });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, text, json, type: r.headers.get('content-type') ?? '' };
}

const today = (): string => new Date().toISOString().slice(0, 10);

/** A doc/list date range (2027 rules: both dates, UTC with milliseconds), the last `days` days to tomorrow. */
const win = (days = 7): string => {
  const to = new Date(Date.now() + 86400000).toISOString();
  const from = new Date(Date.now() - days * 86400000).toISOString();
  return `&dateFrom=${encodeURIComponent(from)}&dateTo=${encodeURIComponent(to)}`;
};

describe('True API emulator', function () {
  this.timeout(90000);
  let bed: CzBed;
  let org: CzClient;
  let buyer: CzClient;
  let token: string;
  const rand = prng(4242);

  /** Send a document as `who`, wait for processing, return the emulator's record. */
  async function send(who: CzClient, type: string, pg: string, body: unknown): Promise<EmulatorDocument> {
    const id = await who.createDocument({ type, productGroup: pg, body: body as object });
    await bed.emu.settle();
    const d = bed.emu.document(id);
    assert.ok(d);
    return d;
  }

  /** Fresh codes in the registry with the given status, owned by the organisation. */
  function fresh(n: number, status: 'APPLIED' | 'INTRODUCED' | 'RETIRED' | 'EMITTED', pg = 'lp'): string[] {
    const gtin = bed.world.items.find((i) => i.pg === pg)?.gtin as string;
    return Array.from({ length: n }, () => {
      const { cis } = makeCode(rand, gtin);
      bed.emu.registry.addCode({
        cis,
        pg,
        status,
        ownerInn: bed.fx.orgInn,
        withdrawReason: status === 'RETIRED' ? 'RETAIL' : undefined,
      });
      return cis;
    });
  }

  function ship(
    codes: string[],
    receiver: string,
    extra: Record<string, unknown> = {},
  ): Record<string, unknown> {
    return {
      sender_inn: bed.fx.orgInn,
      receiver_inn: receiver,
      transfer_date: today(),
      document_num: 'ДМ00-000042',
      document_date: today(),
      turnover_type: 'SELLING',
      to_not_participant: false,
      products: codes.map((c) => ({ uit_code: c, product_cost: '99000', product_tax: '16500' })),
      ...extra,
    };
  }

  before(async function () {
    await requireGost(this);
    bed = await startBed({ processingDelayMs: 20 });
    org = bed.client();
    buyer = bed.client(bed.fx.buyer);
    token = await rawToken(bed);
  });
  after(async () => {
    await bed?.close();
  });

  describe('HTTP level: paths, shapes, exact texts', () => {
    it('auth/key: a lowercase UUID and 30 upper-case letters; served under v3 and v4', async () => {
      for (const v of [V3, V4]) {
        const r = await call(bed, 'GET', `${v}/auth/key`);
        assert.equal(r.status, 200);
        const j = r.json as { uuid: string; data: string };
        assert.match(j.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        assert.match(j.data, /^[A-Z]{30}$/);
      }
    });

    it('simpleSignIn: the documented 400 texts, a challenge used once, a UUID token with its expireDate', async () => {
      const p = `${V3}/auth/simpleSignIn`;
      assert.deepEqual((await call(bed, 'POST', p, { raw: '' })).json, {
        error_message: 'Тело запроса не может быть пустым',
      });
      assert.deepEqual((await call(bed, 'POST', p, { body: { data: 'x' } })).json, {
        error_message: 'В запросе отсутствует идентификатор авторизации (UUID)',
      });
      // 2027: the «единый токен» without a challenge is no longer issued either
      assert.deepEqual((await call(bed, 'POST', p, { body: { data: 'x', unitedToken: true } })).json, {
        error_message: 'В запросе отсутствует идентификатор авторизации (UUID)',
      });
      assert.deepEqual((await call(bed, 'POST', p, { body: { uuid: 'u', unitedToken: true } })).json, {
        error_message: 'В запросе отсутствует параметр data',
      });
      assert.deepEqual(
        (await call(bed, 'POST', p, { body: { uuid: 'u', data: 'x', inn: '123', unitedToken: true } })).json,
        {
          error_message:
            'В параметре inn должен быть передан ИНН организации, под которой планируется авторизация от МЧД',
        },
      );
      const unknown = await call(bed, 'POST', p, {
        body: { uuid: '11111111-2222-4333-8444-555555555555', data: 'x', unitedToken: true },
      });
      assert.equal(unknown.status, 400);
      assert.deepEqual(unknown.json, {
        error_message: 'UUID не найден в хранилище ключей. UUID = 11111111-2222-4333-8444-555555555555',
      });
      const key = (await call(bed, 'GET', `${V3}/auth/key`)).json as { uuid: string; data: string };
      const bad = await call(bed, 'POST', p, {
        body: { uuid: key.uuid, data: 'bm90IGEgc2lnbmF0dXJl', unitedToken: true },
      });
      assert.deepEqual(bad.json, { error_message: 'Подпись не валидна' });
      const reused = await call(bed, 'POST', p, { body: { uuid: key.uuid, data: 'x', unitedToken: true } });
      assert.match(
        (reused.json as { error_message: string }).error_message,
        /^UUID не найден в хранилище ключей/,
      );
      // wrong content: the signature of another string
      const key2 = (await call(bed, 'GET', `${V3}/auth/key`)).json as { uuid: string; data: string };
      const s = new OpensslSigner({ certPath: bed.fx.org.certPath, keyPath: bed.fx.org.keyPath });
      const other = await s.sign(Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZABCD'), 'attached');
      assert.deepEqual(
        (await call(bed, 'POST', p, { body: { uuid: key2.uuid, data: other, unitedToken: true } })).json,
        { error_message: 'Ошибка при проверке подписи' },
      );
      // a good sign-in: uuidToken and expireDate (yyyy-MM-ddTHH:mm:ss.SSSZ), 10 h from now
      const key3 = (await call(bed, 'GET', `${V3}/auth/key`)).json as { uuid: string; data: string };
      const t0 = Date.now();
      const ok = await call(bed, 'POST', p, {
        body: { uuid: key3.uuid, data: await s.sign(Buffer.from(key3.data), 'attached'), unitedToken: true },
      });
      assert.equal(ok.status, 200);
      const j = ok.json as { uuidToken: string; expireDate: string; token?: string };
      assert.match(j.uuidToken, /^[0-9a-f-]{36}$/);
      assert.equal(j.token, undefined);
      assert.match(j.expireDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const ttl = Date.parse(j.expireDate) - t0;
      assert.ok(ttl > 10 * 3600e3 - 60e3 && ttl <= 10 * 3600e3 + 1000, `10 h, got ${ttl}`);
      // each sign-in gives a new token
      assert.notEqual(await rawToken(bed), await rawToken(bed));
    });

    it('2027 rules: a JWT is refused with a clear text; `inn` goes with unitedToken, checked against the МЧД trustees', async () => {
      const p = `${V3}/auth/simpleSignIn`;
      const s = new OpensslSigner({ certPath: bed.fx.org.certPath, keyPath: bed.fx.org.keyPath });
      const signIn = async (extra: Record<string, unknown>): Promise<{ status: number; json: unknown }> => {
        const key = (await call(bed, 'GET', `${V3}/auth/key`)).json as { uuid: string; data: string };
        const data = await s.sign(Buffer.from(key.data), 'attached');
        return call(bed, 'POST', p, { body: { uuid: key.uuid, data, ...extra } });
      };
      for (const extra of [{}, { unitedToken: false }]) {
        const jwt = await signIn(extra);
        assert.equal(jwt.status, 400);
        assert.match((jwt.json as { error_message: string }).error_message, /JWT.*UUID.*unitedToken = true/);
      }
      // the organisation's own INN with the UUID token: allowed
      const own = await signIn({ unitedToken: true, inn: bed.fx.orgInn });
      assert.equal(own.status, 200);
      assert.ok((own.json as { uuidToken?: string }).uuidToken);
      // another organisation's INN: only for a signer that organisation trusts (its МЧД)
      const other = bed.fx.buyerInn;
      const refused = await signIn({ unitedToken: true, inn: other });
      assert.deepEqual(
        [refused.status, refused.json],
        [
          403,
          {
            error_message: `ИНН организации ${other} не найден среди доверенных организаций для физического лица ИНН ${bed.fx.orgInn}`,
          },
        ],
      );
      const buyer = bed.emu.registry.participant(other);
      assert.ok(buyer);
      buyer.trustees.add(bed.fx.orgInn);
      try {
        const trusted = await signIn({ unitedToken: true, inn: other });
        assert.equal(trusted.status, 200);
        const t = (trusted.json as { uuidToken: string }).uuidToken;
        // the token is the trusting organisation's: its documents are listed
        const list = await call(bed, 'GET', `${V4}/doc/list?pg=lp&documentStatus=WAIT_ACCEPTANCE`, {
          token: t,
        });
        assert.equal(list.status, 200);
      } finally {
        buyer.trustees.delete(bed.fx.orgInn);
      }
    });

    it('the UUID token lives no longer than the signer certificate: expireDate = its notAfter', async () => {
      const short = await issueTestSigner(
        bed.fx.ca,
        { inn: bed.fx.orgInn, organisation: 'ООО «Демо Маркировка»' },
        { name: 'org-1day', days: 1 },
      );
      const notAfter = (await new OpensslSigner(short).certificate())?.notAfter;
      assert.ok(notAfter);
      bed.emu.options.tokenTtlMs = 3 * 86400000;
      try {
        const s = new OpensslSigner(short);
        const key = (await call(bed, 'GET', `${V3}/auth/key`)).json as { uuid: string; data: string };
        const data = await s.sign(Buffer.from(key.data), 'attached');
        const r = await call(bed, 'POST', `${V3}/auth/simpleSignIn`, {
          body: { uuid: key.uuid, data, unitedToken: true },
        });
        assert.equal(r.status, 200);
        assert.equal((r.json as { expireDate: string }).expireDate, notAfter.toISOString());
      } finally {
        bed.emu.options.tokenTtlMs = 10 * 3600 * 1000;
      }
    });

    it('a plain CMS signature without the CAdES-BES attribute is refused (strict, like the real system)', async () => {
      const plain = new CommandSigner({
        preset: 'custom',
        args: [
          'openssl',
          'cms',
          '-sign',
          '-engine',
          'gost',
          '-binary',
          '-nosmimecap',
          '-md',
          'md_gost12_256',
          '-signer',
          bed.fx.org.certPath,
          '-inkey',
          bed.fx.org.keyPath,
          '?attached:-nodetach',
          '-outform',
          'DER',
        ],
      });
      const key = (await call(bed, 'GET', `${V3}/auth/key`)).json as { uuid: string; data: string };
      const data = await plain.sign(Buffer.from(key.data), 'attached');
      const r = await call(bed, 'POST', `${V3}/auth/simpleSignIn`, {
        body: { uuid: key.uuid, data, unitedToken: true },
      });
      assert.equal(r.status, 403);
      assert.match(
        (r.json as { error_message: string }).error_message,
        /^Подпись невалидна\. Код ошибки: .*signing certificate/,
      );
      plain.close();
    });

    it('401: JSON for documents/create, XML for the others; expired tokens named', async () => {
      const create = await call(bed, 'POST', `${V3}/lk/documents/create?pg=lp`, { body: {} });
      assert.equal(create.status, 401);
      assert.deepEqual(create.json, {
        error_message: 'Для доступа к этому ресурсу требуется полная аутентификация. Проверьте токен',
      });
      const list = await call(bed, 'GET', `${V4}/doc/list?pg=lp`);
      assert.equal(list.status, 401);
      assert.match(list.type, /xml/);
      assert.equal(
        list.text,
        '<UnauthorizedException><error>unauthorized</error><error_description>Full authentication is required to access this resource</error_description></UnauthorizedException>',
      );
      const t = await rawToken(bed);
      bed.emu.expireTokens();
      const expired = await call(bed, 'GET', `${V4}/doc/list?pg=lp`, { token: t });
      assert.match(
        expired.text,
        /<InvalidTokenException><error>invalid_token<\/error><error_description>Access token expired: /,
      );
      token = await rawToken(bed);
    });

    it('lk/documents/create: the documented 400/422 texts, checked in order', async () => {
      const p = `${V3}/lk/documents/create`;
      const s = new OpensslSigner({ certPath: bed.fx.org.certPath, keyPath: bed.fx.org.keyPath });
      const doc = Buffer.from('{}');
      const sig = await s.sign(doc, 'detached');
      const full = {
        document_format: 'MANUAL',
        product_document: doc.toString('base64'),
        type: 'LP_SHIP_GOODS',
        signature: sig,
      };
      const err = async (path: string, body: unknown, raw?: string): Promise<[number, string]> => {
        const r = await call(bed, 'POST', path, { token, body, raw });
        return [r.status, (r.json as { error_message: string }).error_message];
      };
      assert.deepEqual(await err(p, full), [400, 'Отсутствует обязательный параметр: pg']);
      assert.deepEqual(await err(`${p}?pg=lp`, undefined, ''), [
        400,
        'Required request body is missing: DocumentCreateRequest',
      ]);
      assert.match((await err(`${p}?pg=lp`, undefined, '{bad'))[1], /^JSON parse error: /);
      for (const f of ['document_format', 'product_document', 'type', 'signature']) {
        const b: Record<string, unknown> = { ...full };
        delete b[f];
        assert.deepEqual(await err(`${p}?pg=lp`, b), [400, `Отсутствует обязательное поле: ${f}`]);
      }
      assert.deepEqual(await err(`${p}?pg=lp`, { ...full, second_signature: 'x' }), [
        400,
        'Для типа документа LP_SHIP_GOODS не допустимо указание параметров: <second_product_document>/<second_signature>',
      ]);
      assert.deepEqual(await err(`${p}?pg=lp`, { ...full, type: 'UNIVERSAL_TRANSFER_DOCUMENT' }), [
        400,
        'Для типа документа UNIVERSAL_TRANSFER_DOCUMENT не переданы параметры: <second_product_document>/<second_signature>',
      ]);
      assert.deepEqual(await err(`${p}?pg=tobacco`, full), [
        400,
        'Метод не работает с товарной группой табак',
      ]);
      assert.deepEqual(await err(`${p}?pg=milk`, { ...full, type: 'LP_CANCEL_SHIPMENT' }), [
        422,
        'LP_CANCEL_SHIPMENT недоступен для товарной группы Молочная продукция',
      ]);
      assert.deepEqual(await err(`${p}?pg=lp`, { ...full, type: 'RECEIPT' }), [
        422,
        'RECEIPT недоступен для товарной группы Одежда, бельё, текстиль',
      ]);
      // signatures: tampered content, attached instead of detached, another participant's key
      assert.deepEqual(
        await err(`${p}?pg=lp`, { ...full, product_document: Buffer.from('{ }').toString('base64') }),
        [422, 'Ошибка проверки подписи'],
      );
      const attached = await s.sign(doc, 'attached');
      assert.deepEqual(await err(`${p}?pg=lp`, { ...full, signature: attached }), [
        422,
        'Ошибка проверки подписи',
      ]);
      const b = new OpensslSigner({ certPath: bed.fx.buyer.certPath, keyPath: bed.fx.buyer.keyPath });
      assert.deepEqual(await err(`${p}?pg=lp`, { ...full, signature: await b.sign(doc, 'detached') }), [
        422,
        'Ошибка проверки подписи',
      ]);
      const st = await s.sign(doc, 'detached');
      const ok = await call(bed, 'POST', `${p}?pg=lp`, { token, body: { ...full, signature: st } });
      assert.equal(ok.status, 200);
      assert.match(ok.type, /text\/plain/);
      assert.match(ok.text, /^[0-9a-f-]{36}$/);
      await bed.emu.settle();
    });

    it('LP_SHIP_GOODS for furs only, as production (unless the stand is legacy): the others by УПД', async () => {
      const p = `${V3}/lk/documents/create`;
      const s = new OpensslSigner({ certPath: bed.fx.org.certPath, keyPath: bed.fx.org.keyPath });
      const doc = Buffer.from('{}');
      const body = async (type: string): Promise<Record<string, unknown>> => ({
        document_format: 'MANUAL',
        product_document: doc.toString('base64'),
        type,
        signature: await s.sign(doc, 'detached'),
      });
      const before = bed.emu.documents().length;
      bed.emu.options.legacyShipGoods = false;
      try {
        for (const [pg, type, name] of [
          ['lp', 'LP_SHIP_GOODS', 'Одежда, бельё, текстиль'],
          ['shoes', 'LP_SHIP_GOODS_CSV', 'Обувь'],
          ['milk', 'LP_SHIP_GOODS_XML', 'Молочная продукция'],
        ] as const) {
          const r = await call(bed, 'POST', `${p}?pg=${pg}`, { token, body: await body(type) });
          assert.deepEqual(
            [r.status, (r.json as { error_message: string }).error_message],
            [422, `${type} недоступен для товарной группы ${name}`],
          );
        }
        assert.equal(bed.emu.documents().length, before, 'nothing stored');
        const furs = await call(bed, 'POST', `${p}?pg=furs`, { token, body: await body('LP_SHIP_GOODS') });
        assert.equal(furs.status, 200, furs.text);
        bed.emu.options.legacyShipGoods = true;
        const lp = await call(bed, 'POST', `${p}?pg=lp`, { token, body: await body('LP_SHIP_GOODS') });
        assert.equal(lp.status, 200, lp.text);
      } finally {
        bed.emu.options.legacyShipGoods = true;
      }
      await bed.emu.settle();
    });

    it('a product_document over 30 MB is refused; 30 000 codes are the limit', async () => {
      const p = `${V3}/lk/documents/create?pg=lp`;
      const big = Buffer.alloc(30 * 1024 * 1024 + 1, 0x20);
      const r = await call(bed, 'POST', p, {
        token,
        body: {
          document_format: 'MANUAL',
          product_document: big.toString('base64'),
          type: 'LP_SHIP_GOODS',
          signature: 'x',
        },
      });
      assert.deepEqual([r.status, r.json], [413, { error_message: 'Слишком большой запрос' }]);
      const many = Array.from(
        { length: 30001 },
        (_, i) => `0104601234560016215M${String(i).padStart(11, '0')}`,
      );
      const d = await send(org, 'LP_SHIP_GOODS', 'lp', ship(many, bed.fx.buyerInn));
      assert.equal(d.status, 'CHECKED_NOT_OK');
      assert.deepEqual(d.errors, ['40: Количество кодов в документе [30001] превышает допустимое [30000].']);
    });

    it('doc/list: pg required, senderInn with receiverInn refused, limit ≤ 1000, did needs orderedColumnValue', async () => {
      const e = async (q: string): Promise<unknown> =>
        (await call(bed, 'GET', `${V4}/doc/list${q}`, { token })).json;
      assert.deepEqual(await e(''), { error_message: 'Отсутствует обязательный параметр: pg' });
      assert.deepEqual(await e('?pg=lp&senderInn=1&receiverInn=2'), {
        error_message: 'Параметры senderInn и receiverInn не могут быть указаны одновременно',
      });
      assert.deepEqual(await e('?pg=lp&limit=1001'), {
        error_message: 'Значение параметра limit не может быть больше 1000',
      });
      assert.deepEqual(await e(`?pg=lp&did=x${win()}`), {
        error_message: 'Отсутствует обязательный параметр: orderedColumnValue',
      });
      const ok = (await e(`?pg=lp&limit=2${win()}`)) as {
        results: Array<Record<string, unknown>>;
        nextPage: boolean;
      };
      assert.equal(typeof ok.nextPage, 'boolean');
      const item = ok.results[0] as Record<string, unknown>;
      for (const k of [
        'number',
        'docDate',
        'receivedAt',
        'type',
        'status',
        'senderInn',
        'senderName',
        'receiverInn',
        'receiverName',
        'invoiceNumber',
        'downloadDesc',
        'input',
        'errors',
        'productGroup',
        'productGroupId',
      ]) {
        assert.ok(k in item, `list item has ${k}`);
      }
      assert.equal(typeof item['productGroup'], 'string');
    });

    it('doc/list, 2027 rules: dateFrom and dateTo together, mandatory without status/type/number, the range capped', async () => {
      const e = async (q: string): Promise<{ status: number; json: unknown }> => {
        const r = await call(bed, 'GET', `${V4}/doc/list?pg=lp${q}`, { token });
        return { status: r.status, json: r.json };
      };
      const now = Date.now();
      const iso = (t: number): string => encodeURIComponent(new Date(t).toISOString());
      assert.deepEqual(await e(`&dateFrom=${iso(now - 86400000)}`), {
        status: 400,
        json: { error_message: 'Параметры dateFrom и dateTo должны быть указаны вместе' },
      });
      assert.deepEqual(await e(`&dateTo=${iso(now)}&documentType=LP_SHIP_GOODS`), {
        status: 400,
        json: { error_message: 'Параметры dateFrom и dateTo должны быть указаны вместе' },
      });
      const none = await e('&limit=5');
      assert.equal(none.status, 400);
      assert.match((none.json as { error_message: string }).error_message, /dateFrom и dateTo обязательны/);
      // exempt without dates: documentStatus, documentType, number, documentFormat with senderInn/receiverInn
      for (const q of [
        '&documentStatus=WAIT_ACCEPTANCE',
        '&documentType=LP_SHIP_GOODS',
        '&number=00000000-0000-4000-8000-000000000000',
        `&documentFormat=MANUAL&senderInn=${bed.fx.orgInn}`,
        `&documentFormat=MANUAL&receiverInn=${bed.fx.buyerInn}`,
      ]) {
        assert.equal((await e(q)).status, 200, q);
      }
      assert.equal((await e(`&documentFormat=MANUAL`)).status, 400, 'documentFormat alone is not enough');
      // the cap: 30 days by default, configurable
      assert.equal((await e(`&dateFrom=${iso(now - 30 * 86400000)}&dateTo=${iso(now)}`)).status, 200);
      const wide = await e(`&dateFrom=${iso(now - 30 * 86400000 - 1)}&dateTo=${iso(now)}`);
      assert.equal(wide.status, 400);
      assert.match((wide.json as { error_message: string }).error_message, /период.*не более 30 дн/);
      bed.emu.options.docListMaxRangeMs = 86400000;
      try {
        assert.equal((await e(`&dateFrom=${iso(now - 2 * 86400000)}&dateTo=${iso(now)}`)).status, 400);
      } finally {
        bed.emu.options.docListMaxRangeMs = 30 * 86400000;
      }
    });

    it('apiRules 2026 (an old stand): JWT with pid and a 10 h exp, inn refused with unitedToken, doc/list dates optional', async () => {
      bed.emu.options.apiRules = '2026';
      try {
        const p = `${V3}/auth/simpleSignIn`;
        assert.deepEqual(
          (await call(bed, 'POST', p, { body: { uuid: 'u', data: 'x', inn: '123', unitedToken: true } }))
            .json,
          { error_message: 'Одновременное заполнение inn и unitedToken невозможно' },
        );
        const jwt = await rawToken(bed, bed.fx.org, { unitedToken: false });
        const claims = JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()) as Record<
          string,
          number
        >;
        assert.ok(claims['pid']);
        assert.ok(Math.abs((claims['exp'] as number) - (claims['iat'] as number) - 36000) <= 1);
        // the «единый токен» without a challenge: a signed INN
        const s = new OpensslSigner({ certPath: bed.fx.org.certPath, keyPath: bed.fx.org.keyPath });
        const inn = await call(bed, 'POST', p, {
          body: { data: await s.sign(Buffer.from(bed.fx.orgInn), 'attached'), unitedToken: true },
        });
        assert.equal(inn.status, 200);
        assert.deepEqual(Object.keys(inn.json as object), ['uuidToken']);
        const list = await call(bed, 'GET', `${V4}/doc/list?pg=lp&limit=2`, { token: jwt });
        assert.equal(list.status, 200);
      } finally {
        bed.emu.options.apiRules = '2027';
      }
    });

    it('doc/{id}/info: an array, productGroup as an array, 404 for an unknown id', async () => {
      const id = (await call(bed, 'GET', `${V4}/doc/list?pg=lp&limit=100${win(29)}`, { token })).json as {
        results: Array<{ number: string; receiverInn: string | null }>;
      };
      // a document of the organisation in which the buyer takes no part
      const n = id.results.find((r) => r.receiverInn !== bed.fx.buyerInn)?.number as string;
      assert.ok(n);
      const r = await call(bed, 'GET', `${V4}/doc/${n}/info?body=true`, { token });
      assert.equal(r.status, 200);
      assert.ok(Array.isArray(r.json));
      const it = (r.json as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
      assert.deepEqual(it['productGroup'], ['lp']);
      assert.deepEqual(it['productGroupId'], [1]);
      assert.ok('commonErrors' in it && 'relatedDocId' in it && 'turnoverType' in it && 'body' in it);
      const missing = await call(bed, 'GET', `${V4}/doc/00000000-0000-4000-8000-000000000000/info`, {
        token,
      });
      assert.equal(missing.status, 404);
      assert.match((missing.json as { error_message: string }).error_message, /не найден/);
      // a participant does not see another participant's documents
      const other = await rawToken(bed, bed.fx.buyer);
      const foreign = await call(bed, 'GET', `${V4}/doc/${n}/info`, { token: other });
      assert.equal(foreign.status, 404);
    });

    it('cises/info: array body only, 1…1000 codes, 404 with the array when none is known', async () => {
      const p = `${V3}/cises/info`;
      const e = async (body: unknown): Promise<[number, unknown]> => {
        const r = await call(bed, 'POST', p, { token, body });
        return [r.status, r.json];
      };
      assert.deepEqual(await e([]), [400, { error_message: 'В запросе не указан ни один КМ' }]);
      assert.deepEqual(await e({ cis: 'x' }), [
        400,
        {
          error_message:
            'JSON parse error: Cannot deserialize instance of `java.util.ArrayList` out of START_OBJECT token',
        },
      ]);
      assert.equal((await e(Array.from({ length: 1001 }, (_, i) => `c${i}`)))[0], 400);
      const none = await e(['0104601234560016215UNKNOWNUNKNO']);
      assert.equal(none[0], 404);
      assert.deepEqual(none[1], [
        {
          cisInfo: {
            requestedCis: '0104601234560016215UNKNOWNUNKNO',
            cis: '0104601234560016215UNKNOWNUNKNO',
          },
          errorMessage: 'КИ не найден',
          errorCode: '404',
        },
      ]);
      // a full DataMatrix text with GS and crypto tail is normalised; requestedCis echoes it
      const demo = bed.world.codes[0] as { full: string; cis: string };
      const [status, body] = await e([demo.full]);
      assert.equal(status, 200);
      const info = (body as Array<{ cisInfo: Record<string, unknown> }>)[0]?.cisInfo as Record<
        string,
        unknown
      >;
      assert.equal(info['requestedCis'], demo.full);
      assert.equal(info['cis'], demo.cis);
      assert.equal(info['ownerInn'], bed.fx.orgInn);
    });

    it('balance: with and without the version prefix; one group needs productGroupId', async () => {
      for (const prefix of [V3, V4, '']) {
        const r = await call(bed, 'GET', `${prefix}/elk/product-groups/balance/all`, { token });
        assert.equal(r.status, 200, prefix);
        const lp = (r.json as Array<Record<string, unknown>>).find((b) => b['productGroupId'] === 1);
        assert.equal(lp?.['balance'], 120000000);
      }
      const one = await call(bed, 'GET', `/elk/product-groups/balance?productGroupId=2`, { token });
      assert.equal((one.json as Record<string, unknown>)['balance'], 5000050);
      const noAccount = await call(bed, 'GET', `/elk/product-groups/balance?productGroupId=27`, { token });
      assert.equal('balance' in (noAccount.json as Record<string, unknown>), false);
      const missing = await call(bed, 'GET', `${V3}/elk/product-groups/balance`, { token });
      assert.deepEqual(missing.json, { error_message: 'Отсутствует обязательный параметр: productGroupId' });
      const anon = await call(bed, 'GET', `/elk/product-groups/balance/all`);
      assert.equal(anon.status, 401);
    });

    it('406 with an empty body when Accept admits nothing the method returns', async () => {
      const r = await fetch(`${bed.emu.url}${V3}/auth/key`, { headers: { Accept: 'image/png' } });
      assert.equal(r.status, 406);
      assert.equal(await r.text(), '');
      const ok = await fetch(`${bed.emu.url}${V3}/auth/key`, {
        headers: { Accept: 'application/json;q=0.9, */*' },
      });
      assert.equal(ok.status, 200);
    });

    it('unknown paths and methods', async () => {
      assert.deepEqual((await call(bed, 'GET', `${V3}/no/such/method`)).json, {
        error_message: 'Метод с указанным URL не найден',
      });
      assert.equal((await call(bed, 'GET', `/auth/key`)).status, 404, 'True API paths need the API prefix');
      assert.equal((await call(bed, 'POST', `${V3}/auth/key`, { body: {} })).status, 405);
    });
  });

  describe('documents: each type accepted, each rule rejected', () => {
    it('LP_INTRODUCE_GOODS: APPLIED → INTRODUCED; again is refused by status; production_type and ТН ВЭД checked', async () => {
      const codes = fresh(2, 'APPLIED');
      const body = {
        participant_inn: bed.fx.orgInn,
        producer_inn: bed.fx.orgInn,
        owner_inn: bed.fx.orgInn,
        production_date: today(),
        production_type: 'OWN_PRODUCTION',
        products: codes.map((c) => ({ uit_code: c, tnved_code: '6109100000' })),
      };
      const ok = await send(org, 'LP_INTRODUCE_GOODS', 'lp', body);
      assert.equal(ok.status, 'CHECKED_OK');
      assert.equal(bed.emu.registry.code(codes[0] as string)?.status, 'INTRODUCED');
      const again = await send(org, 'LP_INTRODUCE_GOODS', 'lp', body);
      assert.equal(again.status, 'CHECKED_NOT_OK');
      assert.deepEqual(
        again.errors,
        codes.map((c) => `12: Код маркировки [${c}] находится в статусе [INTRODUCED], операция недоступна.`),
      );
      assert.equal(again.commonErrors[0]?.errorCode, 'INTRO_ERROR');
      const more = fresh(1, 'APPLIED');
      const wrong = await send(org, 'LP_INTRODUCE_GOODS', 'lp', {
        ...body,
        production_type: 'CONTRACT',
        products: [{ uit_code: more[0], tnved_code: '61091' }],
      });
      // the document JSON is validated per type (lib/documents): every problem named by its field
      assert.equal(wrong.status, 'CHECKED_NOT_OK');
      assert.equal(wrong.errors.length, 2, wrong.errors.join('\n'));
      assert.match(wrong.errors[0] as string, /^50: production_type: .*CONTRACT/);
      assert.match(wrong.errors[1] as string, /^50: products\[0\]\.tnved_code: .*61091/);
      assert.equal(
        bed.emu.registry.code(more[0] as string)?.status,
        'APPLIED',
        'a rejected document changes nothing',
      );
    });

    it('unparsable JSON → PARSE_ERROR with the operator text 29', async () => {
      const d = await send(org, 'LP_INTRODUCE_GOODS', 'lp', Buffer.from('{"participant_inn": '));
      assert.equal(d.status, 'PARSE_ERROR');
      assert.deepEqual(d.errors, ['29: Недопустимый формат передаваемого файла JSON.']);
      const info = await org.documentInfo(d.number);
      assert.equal(info.commonErrors?.[0]?.errorMessage, '29: Недопустимый формат передаваемого файла JSON.');
    });

    it('required fields and INN check digits: structural errors name the field', async () => {
      const d = await send(org, 'LP_SHIP_GOODS', 'lp', {
        sender_inn: bed.fx.orgInn,
        receiver_inn: '7707083894',
        products: [],
      });
      assert.equal(d.status, 'CHECKED_NOT_OK');
      assert.ok(
        d.errors.some((e) => /^50: transfer_date: /.test(e)),
        d.errors.join('\n'),
      );
      assert.ok(
        d.errors.some((e) => /^50: receiver_inn: ИНН «7707083894»: неверная контрольная цифра/.test(e)),
      );
      assert.ok(d.errors.some((e) => /^50: products: /.test(e)));
    });

    it('LP_GOODS_IMPORT: APPLIED foreign codes → INTRODUCED', async () => {
      const codes = fresh(1, 'APPLIED');
      const d = await send(org, 'LP_GOODS_IMPORT', 'lp', {
        participant_inn: bed.fx.orgInn,
        declaration_number: '10702070/011125/1234567',
        declaration_date: today(),
        customs_code: '10702070',
        decision_code: '10',
        products: [{ uit_code: codes[0], tnved_code: '6109100000' }],
      });
      assert.equal(d.status, 'CHECKED_OK', d.errors.join());
      const rec = bed.emu.registry.code(codes[0] as string);
      assert.equal(rec?.status, 'INTRODUCED');
      assert.equal(rec?.emissionType, 'FOREIGN');
    });

    it('LP_SHIP_GOODS: WAIT_ACCEPTANCE to a registered buyer, WAIT_PARTICIPANT_REGISTRATION to the unregistered ИП', async () => {
      const codes = fresh(2, 'INTRODUCED');
      const d = await send(org, 'LP_SHIP_GOODS', 'lp', ship(codes.slice(0, 1), bed.fx.buyerInn));
      assert.equal(d.status, 'WAIT_ACCEPTANCE');
      assert.equal(bed.emu.registry.code(codes[0] as string)?.pendingShipment, d.number);
      const ip = bed.world.counterparties.find((c) => !c.registered)?.inn as string;
      const w = await send(org, 'LP_SHIP_GOODS', 'lp', ship(codes.slice(1), ip));
      assert.equal(w.status, 'WAIT_PARTICIPANT_REGISTRATION');
      assert.equal(w.receiverInn, ip);
    });

    it('LP_SHIP_GOODS rules: unknown, foreign group, not owned, duplicated, already in a shipment, wrong sender', async () => {
      const [a, b] = fresh(2, 'INTRODUCED');
      const shoes = fresh(1, 'INTRODUCED', 'shoes');
      const theirs = fresh(1, 'INTRODUCED');
      (bed.emu.registry.code(theirs[0] as string) as { ownerInn: string }).ownerInn = bed.fx.buyerInn;
      const lpGtin = bed.world.items.find((i) => i.pg === 'lp')?.gtin as string;
      const unknown = makeCode(rand, lpGtin).cis; // well formed, never emitted
      // a malformed document (here: a duplicated code) is refused by the JSON validation first
      const dup = await send(org, 'LP_SHIP_GOODS', 'lp', ship([a as string, a as string], bed.fx.buyerInn));
      assert.equal(dup.status, 'CHECKED_NOT_OK');
      assert.equal(dup.errors.length, 1);
      assert.match(
        dup.errors[0] as string,
        new RegExp(`^50: products\\[1\\]\\.uit_code: .*${a}.*products\\[0\\]\\.uit_code`),
      );
      const d = await send(
        org,
        'LP_SHIP_GOODS',
        'lp',
        ship([a as string, unknown, shoes[0] as string, theirs[0] as string], bed.fx.buyerInn),
      );
      assert.deepEqual(d.errors, [
        `10: Код маркировки [${unknown}] не найден в ГИС МТ.`,
        `13: Код маркировки [${shoes[0]}] не относится к товарной группе [lp].`,
        `11: Участник оборота [${bed.fx.orgInn}] не является собственником кода маркировки [${theirs[0]}].`,
      ]);
      const first = await send(org, 'LP_SHIP_GOODS', 'lp', ship([b as string], bed.fx.buyerInn));
      assert.equal(first.status, 'WAIT_ACCEPTANCE');
      const second = await send(org, 'LP_SHIP_GOODS', 'lp', ship([b as string], bed.fx.buyerInn));
      assert.deepEqual(second.errors, [
        `15: Код маркировки [${b}] участвует в незавершённой отгрузке [${first.number}].`,
      ]);
      const c = fresh(1, 'INTRODUCED');
      const wrong = await send(
        org,
        'LP_SHIP_GOODS',
        'lp',
        ship(c, bed.fx.buyerInn, { sender_inn: bed.fx.buyerInn }),
      );
      assert.ok(
        wrong.errors.includes(
          `20: ИНН [${bed.fx.buyerInn}] в документе не совпадает с ИНН участника оборота [${bed.fx.orgInn}], отправившего документ.`,
        ),
      );
    });

    it('a box (SSCC) ships with its contents; a code taken out of a box leaves it', async () => {
      const box = bed.world.boxes[0] as { sscc: string };
      const kids = [...(bed.emu.registry.code(box.sscc)?.children ?? [])];
      assert.equal(kids.length, 6);
      const d = await send(org, 'LP_SHIP_GOODS', 'lp', {
        ...ship([], bed.fx.buyerInn),
        products: [{ uitu_code: box.sscc, product_cost: '594000', product_tax: '99000' }],
      });
      assert.equal(d.status, 'WAIT_ACCEPTANCE', d.errors.join());
      for (const k of kids) assert.equal(bed.emu.registry.code(k)?.pendingShipment, d.number);
      const cancel = await send(org, 'LP_CANCEL_SHIPMENT', 'lp', {
        participant_inn: bed.fx.orgInn,
        shipment_number: d.number,
      });
      assert.equal(cancel.status, 'CHECKED_OK');
      const one = await send(org, 'LK_RECEIPT', 'lp', {
        inn: bed.fx.orgInn,
        action: 'OWN_USE',
        action_date: today(),
        products: [{ cis: kids[0] }],
      });
      assert.equal(one.status, 'CHECKED_OK', one.errors.join());
      assert.equal(bed.emu.registry.code(kids[0] as string)?.parent, undefined);
      assert.equal(bed.emu.registry.code(box.sscc)?.children.length, 5);
    });

    it('LP_ACCEPT_GOODS by the buyer: shipment ACCEPTED, owner changes, documents linked; mismatches refused', async () => {
      const codes = fresh(2, 'INTRODUCED');
      const s = await send(org, 'LP_SHIP_GOODS', 'lp', ship(codes, bed.fx.buyerInn));
      const accept = {
        release_order_number: s.number,
        trade_sender_inn: bed.fx.orgInn,
        trade_recipient_inn: bed.fx.buyerInn,
        document_number: 'ПР-1',
        document_date: today(),
        transfer_date: today(),
        acceptance_date: today(),
        turnover_type: 'SELLING',
        products: codes.map((c) => ({ uit_code: c, product_cost: '99000', accepted: true })),
      };
      const bad = await send(buyer, 'LP_ACCEPT_GOODS', 'lp', {
        ...accept,
        turnover_type: 'COMMISSION',
        products: accept.products.slice(0, 1),
      });
      assert.deepEqual(bad.errors, [
        '33: Значение поля [turnover_type] не совпадает с документом отгрузки.',
        `32: Код маркировки [${codes[1]}] не совпадает с перечнем кодов документа отгрузки.`,
      ]);
      const byOrg = await send(org, 'LP_ACCEPT_GOODS', 'lp', {
        ...accept,
        trade_recipient_inn: bed.fx.orgInn,
      });
      assert.ok(
        byOrg.errors.some((e) => e.startsWith('34: ')),
        byOrg.errors.join(),
      );
      const ok = await send(buyer, 'LP_ACCEPT_GOODS', 'lp', accept);
      assert.equal(ok.status, 'CHECKED_OK', ok.errors.join());
      assert.equal(bed.emu.document(s.number)?.status, 'ACCEPTED');
      assert.equal(bed.emu.document(s.number)?.relatedDocId, ok.number);
      assert.equal(ok.relatedDocId, s.number);
      assert.equal(bed.emu.registry.code(codes[0] as string)?.ownerInn, bed.fx.buyerInn);
      // the seller sees the acceptance as an incoming document
      const list = await org.listDocuments({ pg: 'lp', input: true, documentType: 'LP_ACCEPT_GOODS' });
      assert.ok(list.results.some((r) => r.number === ok.number && r.input === true));
      const again = await send(buyer, 'LP_ACCEPT_GOODS', 'lp', accept);
      assert.deepEqual(again.errors, [
        `31: Документ отгрузки [${s.number}] находится в статусе [ACCEPTED], операция недоступна.`,
      ]);
    });

    it('LP_CANCEL_SHIPMENT: WAIT_ACCEPTANCE → CANCELLED, codes free again; a second cancel is refused', async () => {
      const codes = fresh(1, 'INTRODUCED');
      const s = await send(org, 'LP_SHIP_GOODS', 'lp', ship(codes, bed.fx.buyerInn));
      const c = await send(org, 'LP_CANCEL_SHIPMENT', 'lp', {
        participant_inn: bed.fx.orgInn,
        shipment_number: s.number,
      });
      assert.equal(c.status, 'CHECKED_OK');
      assert.equal(bed.emu.document(s.number)?.status, 'CANCELLED');
      assert.equal(bed.emu.registry.code(codes[0] as string)?.pendingShipment, undefined);
      const again = await send(org, 'LP_CANCEL_SHIPMENT', 'lp', {
        participant_inn: bed.fx.orgInn,
        shipment_number: s.number,
      });
      assert.deepEqual(again.errors, [
        `31: Документ отгрузки [${s.number}] находится в статусе [CANCELLED], операция недоступна.`,
      ]);
      const none = await send(org, 'LP_CANCEL_SHIPMENT', 'lp', {
        participant_inn: bed.fx.orgInn,
        shipment_number: 'nope',
      });
      assert.deepEqual(none.errors, ['30: Документ отгрузки [nope] не найден.']);
    });

    it('LK_RECEIPT: INTRODUCED → RETIRED; reason rules (RETAIL needs document_type, OTHER needs its text, buyer_inn)', async () => {
      const codes = fresh(3, 'INTRODUCED');
      const base = {
        inn: bed.fx.orgInn,
        action_date: today(),
        products: [{ cis: codes[0], product_cost: '99000' }],
      };
      // lp RETAIL needs the business place: a МОД registered for the organisation
      const place = { kpp: bed.world.mods?.[0]?.kpp, fias_id: bed.world.mods?.[0]?.fiasId };
      const retail = await send(org, 'LK_RECEIPT', 'lp', {
        ...base,
        ...place,
        action: 'RETAIL',
        document_type: 'RECEIPT',
        document_number: '22222',
        document_date: today(),
      });
      assert.equal(retail.status, 'CHECKED_OK', retail.errors.join());
      assert.equal(bed.emu.registry.code(codes[0] as string)?.status, 'RETIRED');
      assert.equal(bed.emu.registry.code(codes[0] as string)?.withdrawReason, 'RETAIL');
      const p2 = [{ cis: codes[1] }];
      // each rule of the withdrawal reasons is checked with the JSON (lib/documents), naming the field
      const errs = async (extra: Record<string, unknown>): Promise<string[]> =>
        (await send(org, 'LK_RECEIPT', 'lp', { ...base, products: p2, ...extra })).errors;
      const one = (list: string[], re: RegExp): void => {
        assert.equal(list.length, 1, list.join('\n'));
        assert.match(list[0] as string, re);
      };
      one(await errs({ action: 'RETAIL', ...place }), /^50: document_type: .*RETAIL/);
      one(await errs({ action: 'OTHER' }), /^50: withdrawal_type_other: /);
      one(await errs({ action: 'LOSS', buyer_inn: bed.fx.buyerInn }), /^50: buyer_inn: /);
      one(await errs({ action: 'SOLD' }), /^50: action: .*SOLD/);
      one(await errs({ action: 'LOSS', action_date: '2099-01-01' }), /^50: action_date: /);
      assert.equal(bed.emu.registry.code(codes[1] as string)?.status, 'INTRODUCED', 'nothing changed');
    });

    it('LP_RETURN: RETIRED → INTRODUCED when the return reason matches the withdrawal reason', async () => {
      const codes = fresh(2, 'RETIRED'); // withdrawn with RETAIL
      const ok = await send(org, 'LP_RETURN', 'lp', {
        trade_participant_inn: bed.fx.orgInn,
        return_type: 'RETAIL_RETURN',
        products_list: [{ ki: codes[0] }],
      });
      assert.equal(ok.status, 'CHECKED_OK', ok.errors.join());
      assert.equal(bed.emu.registry.code(codes[0] as string)?.status, 'INTRODUCED');
      const bad = await send(org, 'LP_RETURN', 'lp', {
        trade_participant_inn: bed.fx.orgInn,
        return_type: 'OWN_USE_RETURN',
        products_list: [{ ki: codes[1] }],
      });
      assert.deepEqual(bad.errors, [
        `80: Причина возврата [OWN_USE_RETURN] не соответствует причине вывода из оборота [RETAIL] кода маркировки [${codes[1]}].`,
      ]);
    });

    it('AGGREGATION_DOCUMENT and DISAGGREGATION_DOCUMENT', async () => {
      const codes = fresh(3, 'INTRODUCED');
      const sscc = `00${withCheckDigit('14601234560000002')}`;
      const agg = await send(org, 'AGGREGATION_DOCUMENT', 'lp', {
        participantId: bed.fx.orgInn,
        aggregationUnits: [
          { unitSerialNumber: sscc, aggregationType: 'AGGREGATION', sntins: codes.slice(0, 2) },
        ],
      });
      assert.equal(agg.status, 'CHECKED_OK', agg.errors.join());
      assert.deepEqual(bed.emu.registry.code(sscc)?.children, codes.slice(0, 2));
      assert.equal(bed.emu.registry.code(codes[0] as string)?.parent, sscc);
      const again = await send(org, 'AGGREGATION_DOCUMENT', 'lp', {
        participantId: bed.fx.orgInn,
        aggregationUnits: [
          { unitSerialNumber: sscc, aggregationType: 'AGGREGATION', sntins: [codes[1], codes[2]] },
        ],
      });
      assert.deepEqual(again.errors, [
        `60: Код упаковки [${sscc}] уже существует.`,
        `62: Код маркировки [${codes[1]}] уже находится в упаковке [${sscc}].`,
      ]);
      const dis = await send(org, 'DISAGGREGATION_DOCUMENT', 'lp', {
        participant_inn: bed.fx.orgInn,
        products_list: [{ uitu: sscc }],
      });
      assert.equal(dis.status, 'CHECKED_OK');
      assert.equal(bed.emu.registry.code(codes[0] as string)?.parent, undefined);
      assert.equal(bed.emu.registry.code(sscc)?.status, 'DISAGGREGATION');
      const notBox = await send(org, 'DISAGGREGATION_DOCUMENT', 'lp', {
        participant_inn: bed.fx.orgInn,
        products_list: [{ uitu: codes[2] }],
      });
      assert.deepEqual(notBox.errors, [`63: Код [${codes[2]}] не является кодом упаковки.`]);
    });

    it('LK_REMARK: the old code retires (REMARK_RETIRED), the new one is introduced', async () => {
      const [old] = fresh(1, 'INTRODUCED');
      const [next] = fresh(1, 'APPLIED');
      const d = await send(org, 'LK_REMARK', 'lp', {
        participant_inn: bed.fx.orgInn,
        remarking_date: today(),
        remarking_cause: 'KM_SPOILED',
        products: [{ last_uin: old, new_uin: next, tnved_10: '6109100000' }],
      });
      assert.equal(d.status, 'CHECKED_OK', d.errors.join());
      assert.equal(bed.emu.registry.code(old as string)?.statusEx, 'REMARK_RETIRED');
      assert.equal(bed.emu.registry.code(next as string)?.status, 'INTRODUCED');
      assert.equal(bed.emu.registry.code(next as string)?.emissionType, 'REMARK');
      const bad = await send(org, 'LK_REMARK', 'lp', {
        participant_inn: bed.fx.orgInn,
        remarking_date: today(),
        remarking_cause: 'BROKEN',
        products: [{ last_uin: old, new_uin: next }],
      });
      assert.ok(
        bad.errors.some((e) => /^50: remarking_cause: .*BROKEN/.test(e)),
        bad.errors.join('\n'),
      );
      // a well-formed remark of codes already remarked is refused by status
      const again = await send(org, 'LK_REMARK', 'lp', {
        participant_inn: bed.fx.orgInn,
        remarking_date: today(),
        remarking_cause: 'KM_SPOILED',
        products: [{ last_uin: old, new_uin: next }],
      });
      assert.ok(
        again.errors.some((e) => e.startsWith(`12: Код маркировки [${old}] находится в статусе [RETIRED]`)),
        again.errors.join('\n'),
      );
    });

    it('auto-accept (demo knob): a registered buyer accepts a shipment by itself', async () => {
      bed.emu.options.autoAcceptMs = 10;
      try {
        const codes = fresh(1, 'INTRODUCED');
        const s = await send(org, 'LP_SHIP_GOODS', 'lp', ship(codes, bed.fx.buyerInn));
        const t0 = Date.now();
        while (bed.emu.document(s.number)?.status !== 'ACCEPTED' && Date.now() - t0 < 3000) {
          await new Promise((r) => setTimeout(r, 20));
          await bed.emu.settle();
        }
        assert.equal(bed.emu.document(s.number)?.status, 'ACCEPTED');
        assert.equal(bed.emu.registry.code(codes[0] as string)?.ownerInn, bed.fx.buyerInn);
      } finally {
        bed.emu.options.autoAcceptMs = undefined;
      }
    });
  });
});
