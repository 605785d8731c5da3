/**
 * The ЭДО Лайт client against the ЭДО Лайт emulator (served by the True API emulator) over real HTTP,
 * with real GOST signatures: both path forms, exactly-once uploads, the operator's errors, the buyer
 * signing or refusing, the codes changing owner in ГИС МТ, incoming documents.
 */
import assert from 'node:assert/strict';
import axios from 'axios';
import { EdoClient, edoBaseUrl, multipart, type EdoApi } from '../../lib/edo/client';
import { decodeCp1251, encodeCp1251 } from '../../lib/edo/cp1251';
import type { BuiltUpd, UpdInput } from '../../lib/edo/upd';
import { buildBuyerTitle, buildClarification, readSellerTitle } from '../../lib/edo/buyer';
import { isZnakFlowError, type ZnakFlowError } from '../../lib/errors';
import { OpensslSigner } from '../../lib/signing/openssl';
import type { TestSigner } from '../../lib/signing/pki';
import type { CzClient } from '../../lib/cz/client';
import { requireGost } from '../support/gost';
import { startBed, type CzBed } from '../support/cz';
import { demoUpd, edoParty } from '../support/edo';

function zf(err: unknown): ZnakFlowError {
  assert.ok(isZnakFlowError(err), `ZnakFlowError expected, got ${String(err)}`);
  return err;
}

async function rejects(p: Promise<unknown>): Promise<ZnakFlowError> {
  try {
    await p;
  } catch (e) {
    return zf(e);
  }
  assert.fail('expected a rejection');
}

async function until(what: string, f: () => boolean, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('edo client ↔ ЭДО Лайт emulator (real HTTP, real GOST)', function () {
  this.timeout(90000);
  let bed: CzBed;
  let cz: CzClient;
  let buyerCz: CzClient;
  const signers = new Map<string, OpensslSigner>();

  const sign = (who: TestSigner, bytes: Buffer): Promise<string> => {
    let s = signers.get(who.certPath);
    if (!s)
      signers.set(who.certPath, (s = new OpensslSigner({ certPath: who.certPath, keyPath: who.keyPath })));
    return s.sign(bytes, 'detached');
  };

  const client = (api: EdoApi, c = cz): EdoClient =>
    new EdoClient({
      baseUrl: edoBaseUrl({ environment: 'custom', url: bed.emu.url, edoApi: api }),
      api,
      tokens: c,
      retry: { baseMs: 10, maxMs: 50 },
    });

  /** A УПД from the demo organisation to the first counterparty with `count` of its free lp codes. */
  const upd = (count: number, over: Partial<UpdInput> = {}, codes?: string[]): BuiltUpd =>
    demoUpd(bed, count, over, codes);

  before(async function () {
    await requireGost(this);
    bed = await startBed({ edo: { deliveryMs: 20, buyerDelayMs: 30, gisDelayMs: 30 } });
    cz = bed.client();
    buyerCz = bed.client(bed.fx.buyer);
  });
  after(async () => {
    for (const s of signers.values()) s.close();
    await bed?.close();
  });

  for (const api of ['true-api', 'v1'] as const) {
    it(`${api}: upload → delivered → the buyer signs → ГИС МТ moves the codes to the buyer (tpr/ud SUCCESS)`, async () => {
      const c = client(api);
      const u = upd(2);
      const before = { ...bed.emu.edo.counters };
      const { id } = await c.uploadSellerTitle({
        fileName: u.fileName,
        bytes: u.bytes,
        signature: await sign(bed.fx.org, u.bytes),
      });
      const path = `edo/form/${api}`;
      assert.equal((bed.emu.edo.counters[path] ?? 0) - (before[path] ?? 0), 1);
      const stored = bed.emu.edo.document(id);
      assert.ok(stored && stored.bytes.equals(u.bytes), 'the exact bytes are stored');
      assert.deepEqual(stored.codes, u.codes);
      await until('status 61', () => bed.emu.edo.document(id)?.status === 61);
      const found = await c.findOutgoing(id, Math.floor(Date.now() / 1000) - 86400);
      assert.equal(found?.status, 61);
      for (const code of u.codes)
        assert.equal(bed.emu.registry.code(code)?.ownerInn, bed.fx.buyerInn, `${code} owned by the buyer`);
      const tpr = await axios.get(`${bed.emu.url}/api/v3/true-api/documents/edo/tpr/ud`, {
        params: { fileId: u.fileId },
        headers: { Authorization: `Bearer ${await cz.accessToken()}` },
      });
      assert.equal(tpr.data.state, 'SUCCESS');
      assert.equal(tpr.data.sourceDocId, u.fileId);
      assert.equal(tpr.data.operations.at(-1).operationType, 'DOCUMENT_PROCESSED_AT_PRODUCT_GROUP_LP');
      const info = await c.documentInfo('outgoing', id);
      assert.equal(info['is_title_signed'], true);
      c.close();
    });
  }

  it('exactly once: the same file again answers the same id; a lost answer is retried into the same id', async () => {
    const c = client('true-api');
    const u = upd(1);
    const signature = await sign(bed.fx.org, u.bytes);
    const first = await c.uploadSellerTitle({ fileName: u.fileName, bytes: u.bytes, signature });
    const again = await c.uploadSellerTitle({ fileName: u.fileName, bytes: u.bytes, signature });
    assert.equal(again.id, first.id);
    const v = upd(1);
    bed.emu.edo.loseAnswers(1);
    const before = bed.emu.edo.documents().length;
    const retries = c.stats.retries;
    const got = await c.uploadSellerTitle({
      fileName: v.fileName,
      bytes: v.bytes,
      signature: await sign(bed.fx.org, v.bytes),
    });
    assert.equal(c.stats.retries - retries, 1, 'one retry after the lost answer');
    assert.equal(bed.emu.edo.documents().length - before, 1, 'one document, not two');
    assert.equal(bed.emu.edo.documents().find((d) => d.fileId === v.fileId)?.id, got.id);
    assert.equal(bed.emu.edo.documents().filter((d) => d.fileId === u.fileId).length, 1);
    c.close();
  });

  it("keeps the operator's texts: foreign signer, missing Должн, unregistered receiver, wrong file name, not multipart", async () => {
    const c = client('v1');
    const u = upd(1);
    let e = await rejects(
      c.uploadSellerTitle({
        fileName: u.fileName,
        bytes: u.bytes,
        signature: await sign(bed.fx.stranger, u.bytes),
      }),
    );
    assert.equal(e.status, 400);
    assert.equal(e.remoteText, 'Нет прав на подписание документа');
    assert.equal(e.code, 'EDO_BAD_REQUEST');
    assert.ok(e.ru.includes('«Нет прав на подписание документа»'));
    // a signature by the buyer over the seller's file: the signer is not the seller
    e = await rejects(
      c.uploadSellerTitle({
        fileName: u.fileName,
        bytes: u.bytes,
        signature: await sign(bed.fx.buyer, u.bytes),
      }),
    );
    assert.equal(e.remoteText, 'Нет прав на подписание документа');
    // the signature over other bytes
    e = await rejects(
      c.uploadSellerTitle({
        fileName: u.fileName,
        bytes: u.bytes,
        signature: await sign(bed.fx.org, Buffer.concat([u.bytes, Buffer.from(' ')])),
      }),
    );
    assert.equal(e.remoteText, 'Нет прав на подписание документа');
    // no position: the text production answered
    const noPos = encodeCp1251(decodeCp1251(u.bytes).replace(/ Должн="[^"]*"/, ''));
    e = await rejects(
      c.uploadSellerTitle({ fileName: u.fileName, bytes: noPos, signature: await sign(bed.fx.org, noPos) }),
    );
    assert.equal(e.remoteText, 'Элемент Документ.Подписант.Должн обязателен при <Функция>=СЧФДОП | ДОП');
    // unregistered receiver
    const world = bed.world;
    const unreg = world.counterparties.find((p) => !p.registered);
    assert.ok(unreg);
    const w = upd(1, {
      buyer: {
        name: unreg.name,
        inn: unreg.inn,
        kpp: unreg.kpp || undefined,
        address: 'г. Москва',
        edoId: '2LT-999999',
        ...(unreg.inn.length === 12 ? { person: { surname: 'Иванов', firstName: 'Иван' } } : {}),
      },
    });
    e = await rejects(
      c.uploadSellerTitle({
        fileName: w.fileName,
        bytes: w.bytes,
        signature: await sign(bed.fx.org, w.bytes),
      }),
    );
    assert.match(e.remoteText ?? '', /^Невозможно создать документ\. .+ не зарегистрирован в ГИС МТ$/);
    // file name ≠ ИдФайл
    e = await rejects(
      c.uploadSellerTitle({
        fileName: 'other.xml',
        bytes: u.bytes,
        signature: await sign(bed.fx.org, u.bytes),
      }),
    );
    assert.match(e.remoteText ?? '', /не совпадает со значением элемента ИдФайл/);
    // not multipart / wrong part type (the emulator's strictness on the wire)
    const token = await cz.accessToken();
    const r1 = await axios.post(c.urlOf('/outgoing-documents'), u.bytes, {
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/xml' },
      validateStatus: () => true,
    });
    assert.equal(r1.status, 400);
    assert.equal(r1.data.message, 'Отсутствует или неверный формат заголовка запроса: multipart/form-data');
    const mp = multipart([
      { name: 'content', value: u.bytes, fileName: u.fileName, contentType: 'text/plain' },
    ]);
    const r2 = await axios.post(c.urlOf('/outgoing-documents'), mp.body, {
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': mp.contentType },
      validateStatus: () => true,
    });
    assert.equal(r2.data.message, 'Неверный тип загружаемого файла: Content-Type: (text/plain)');
    const mp3 = multipart([
      { name: 'file', value: u.bytes, fileName: u.fileName, contentType: 'application/xml' },
    ]);
    const r3 = await axios.post(c.urlOf('/outgoing-documents'), mp3.body, {
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': mp3.contentType },
      validateStatus: () => true,
    });
    assert.equal(r3.data.message, 'Отсутствует form-data key: content');
    const utf8 = Buffer.from(u.xml.replace('windows-1251', 'UTF-8'), 'utf8');
    e = await rejects(c.uploadSellerTitle({ fileName: u.fileName, bytes: utf8 }));
    assert.match(e.remoteText ?? '', /windows-1251/);
    assert.equal(bed.emu.edo.documents().filter((d) => d.fileId === u.fileId).length, 0, 'nothing stored');
    c.close();
  });

  it('a draft (no signature) stays 0 until signed; the signature is checked over the stored bytes; lists also under /elk', async () => {
    const c = client('true-api');
    const u = upd(1);
    const { id } = await c.uploadSellerTitle({ fileName: u.fileName, bytes: u.bytes });
    assert.equal(bed.emu.edo.document(id)?.status, 0);
    const wrong = await rejects(c.signOutgoing(id, await sign(bed.fx.org, Buffer.from('other bytes'))));
    assert.equal(wrong.remoteText, 'Нет прав на подписание документа');
    await c.signOutgoing(id, await sign(bed.fx.org, u.bytes));
    await until('signed by the buyer and processed', () => bed.emu.edo.document(id)?.status === 61);
    const elk = await axios.get(`${bed.emu.url}/api/v3/true-api/elk/outgoing-documents`, {
      params: { limit: 100 },
      headers: { Authorization: `Bearer ${await cz.accessToken()}` },
    });
    assert.ok((elk.data.items as Array<{ id: string }>).some((i) => i.id === id));
    // the seller's receipt (ИОП on the buyer's title) waits for the seller's signature
    const ev = (await c.unsignedEvents('outgoing')).find((e) => e.documentId === id);
    assert.equal(ev?.type, 113);
    c.close();
  });

  it('renews the token once on a 401 and keeps «Access denied» texts otherwise', async () => {
    const c = client('true-api');
    await c.listOutgoing();
    bed.emu.expireTokens();
    await c.listOutgoing();
    assert.equal(c.stats.reauthentications, 1);
    const raw = await axios.get(c.urlOf('/outgoing-documents'), { validateStatus: () => true });
    assert.equal(raw.status, 401);
    assert.equal(raw.data.message, 'Access denied: token not found');
    c.close();
  });

  it('the buyer refuses: status 8 with the reason; the codes stay with the seller; tpr/ud has nothing', async () => {
    bed.emu.edo.options.buyerRules[bed.fx.buyerInn] = 'refuse';
    try {
      const c = client('true-api');
      const u = upd(1);
      const { id } = await c.uploadSellerTitle({
        fileName: u.fileName,
        bytes: u.bytes,
        signature: await sign(bed.fx.org, u.bytes),
      });
      await until('status 8', () => bed.emu.edo.document(id)?.status === 8);
      const info = await c.documentInfo('outgoing', id);
      assert.deepEqual((info['refusal'] as { comment: string }).comment, bed.emu.edo.options.refuseReason);
      assert.equal(bed.emu.registry.code(u.codes[0] as string)?.ownerInn, bed.world.organisation.inn);
      const tpr = await axios.get(`${bed.emu.url}/api/v3/true-api/documents/edo/tpr/ud`, {
        params: { fileId: u.fileId },
        headers: { Authorization: `Bearer ${await cz.accessToken()}` },
        validateStatus: () => true,
      });
      assert.equal(tpr.status, 404);
      c.close();
    } finally {
      delete bed.emu.edo.options.buyerRules[bed.fx.buyerInn];
    }
  });

  it('a code the seller does not own: ГИС МТ refuses after the signature (62, error 23), no owner changes', async () => {
    const c = client('true-api');
    const good = upd(1);
    await c.uploadSellerTitle({
      fileName: good.fileName,
      bytes: good.bytes,
      signature: await sign(bed.fx.org, good.bytes),
    });
    await until('first processed', () =>
      bed.emu.edo.documents().some((d) => d.fileId === good.fileId && d.status === 61),
    );
    // the same code again: now owned by the buyer
    const again = upd(1, {}, good.codes);
    const { id } = await c.uploadSellerTitle({
      fileName: again.fileName,
      bytes: again.bytes,
      signature: await sign(bed.fx.org, again.bytes),
    });
    await until('status 62', () => bed.emu.edo.document(id)?.status === 62);
    const d = bed.emu.edo.document(id);
    assert.equal(d?.tprUd?.state, 'FAILED');
    const last = d?.tprUd?.operations.at(-1)?.details as { errors: Array<{ code: number; text: string }> };
    assert.equal(last.errors[0]?.code, 23);
    assert.equal(
      last.errors[0]?.text,
      `У участника ${bed.world.organisation.inn} нет полномочий на выполнение операции с Кодом Маркировки ${good.codes[0]}`,
    );
    c.close();
  });

  it('codes of two product groups in one УПД: ГИС МТ answers error 102 and moves nothing', async () => {
    const c = client('v1');
    const org = bed.world.organisation.inn;
    const used = new Set(bed.emu.edo.documents().flatMap((d) => d.codes));
    const pick = (pg: string): string => {
      const x = bed
        .codes({ pg, status: 'INTRODUCED', free: true })
        .find((k) => !used.has(k) && bed.emu.registry.code(k)?.ownerInn === org);
      assert.ok(x, `a free ${pg} code`);
      return x;
    };
    const lp = pick('lp');
    const shoes = pick('shoes');
    const u = upd(
      0,
      {
        productGroup: '',
        lines: [
          { name: 'Футболка', okei: '796', quantity: 1, vatRate: '22%', totalKop: 1000, codes: [lp] },
          { name: 'Туфли', okei: '796', quantity: 1, vatRate: '22%', totalKop: 1000, codes: [shoes] },
        ],
      },
      [],
    );
    const { id } = await c.uploadSellerTitle({
      fileName: u.fileName,
      bytes: u.bytes,
      signature: await sign(bed.fx.org, u.bytes),
    });
    await until('62', () => bed.emu.edo.document(id)?.status === 62);
    const errors = (
      bed.emu.edo.document(id)?.tprUd?.operations.at(-1)?.details as {
        errors: Array<{ code: number; text: string }>;
      }
    ).errors;
    assert.ok(
      errors.some((e) => e.code === 102 && e.text === 'Содержит коды маркировки разных товарных групп'),
    );
    assert.equal(bed.emu.registry.code(lp)?.ownerInn, org);
    assert.equal(bed.emu.registry.code(shoes)?.ownerInn, org);
    c.close();
  });

  it('incoming: list, download (unsigned ИОП appears), sign the receipt, sign the buyer title → codes move to us', async () => {
    // a supplier (the first counterparty) owns codes and sends the demo organisation a УПД
    const world = bed.world;
    const supplier = world.counterparties[0] as (typeof world.counterparties)[number];
    const org = world.organisation;
    const codes = bed
      .codes({ pg: 'lp', status: 'INTRODUCED', free: true })
      .filter((x) => bed.emu.registry.code(x)?.ownerInn === org.inn);
    const gtin = codes[0]?.slice(2, 16);
    const mine = codes.filter((x) => x.slice(2, 16) === gtin).slice(-2);
    for (const x of mine) (bed.emu.registry.code(x) as { ownerInn: string }).ownerInn = supplier.inn;
    const sent = bed.emu.edo.sendIncoming({
      function: 'СЧФДОП',
      number: 'П-77',
      date: '2026-06-02',
      formedAt: new Date(),
      key: `incoming:${Math.random()}`,
      productGroup: 'lp',
      seller: edoParty(bed, supplier, 'г. Новосибирск'),
      buyer: edoParty(bed, org),
      signer: { surname: 'Петров', firstName: 'Пётр', position: 'Директор' },
      lines: [{ name: 'Футболка', okei: '796', quantity: 2, vatRate: '22%', totalKop: 244000, codes: mine }],
    });
    const c = client('v1');
    const page = await c.listIncoming({ status: [3, 13] });
    const item = page.items.find((i) => i.id === sent.id);
    assert.ok(item, 'listed');
    assert.equal(item.sender?.inn, supplier.inn);
    const xml = await c.content('incoming', sent.id);
    assert.ok(xml.equals(sent.bytes));
    const events = await c.unsignedEvents('incoming');
    const ev = events.find((x) => x.documentId === sent.id);
    assert.equal(ev?.type, 115);
    const evBytes = await c.eventContent('incoming', sent.id, ev!.id);
    await c.signEvent('incoming', sent.id, ev!.id, await sign(bed.fx.org, evBytes));
    assert.equal(
      (await c.unsignedEvents('incoming')).some((x) => x.id === ev!.id),
      false,
    );
    // the buyer's title 5.03 from the seller's title read back
    const seller = readSellerTitle(xml);
    assert.deepEqual(seller.codes, sent.codes);
    const built = buildBuyerTitle({
      seller,
      signer: { surname: 'Иванов', firstName: 'Иван', position: 'Директор' },
      acceptance: { code: 1 },
      formedAt: new Date(),
    });
    const fileId = built.fileId;
    const title = built.bytes;
    const e = await rejects(
      c.uploadBuyerTitle(sent.id, {
        fileName: `${fileId}.xml`,
        bytes: title,
        signature: await sign(bed.fx.buyer, title),
      }),
    );
    assert.equal(e.remoteText, 'Подпись не прошла проверку в crypto', 'signed by someone else than us');
    const r = await c.uploadBuyerTitle(sent.id, {
      fileName: `${fileId}.xml`,
      bytes: title,
      signature: await sign(bed.fx.org, title),
    });
    assert.ok(r.id);
    await until('61', () => bed.emu.edo.document(sent.id)?.status === 61);
    for (const x of mine) assert.equal(bed.emu.registry.code(x)?.ownerInn, org.inn);
    const twice = await rejects(
      c.uploadBuyerTitle(sent.id, {
        fileName: `${fileId}.xml`,
        bytes: title,
        signature: await sign(bed.fx.org, title),
      }),
    );
    assert.equal(twice.remoteText, 'Документ уже подписан');
    assert.equal(twice.code, 'EDO_ALREADY_SIGNED');
    c.close();
  });

  it('incoming: refuse with a clarification request (УОУ): status 8 and the text', async () => {
    const world = bed.world;
    const supplier = world.counterparties[0] as (typeof world.counterparties)[number];
    const org = world.organisation;
    const sent = bed.emu.edo.sendIncoming({
      function: 'ДОП',
      number: 'П-78',
      date: '2026-06-02',
      formedAt: new Date(),
      key: `incoming:${Math.random()}`,
      seller: {
        name: supplier.name,
        inn: supplier.inn,
        kpp: supplier.kpp,
        edoId: bed.emu.edo.edoId(supplier.inn),
      },
      buyer: { name: org.name, inn: org.inn, kpp: org.kpp, edoId: bed.emu.edo.edoId(org.inn) },
      signer: { surname: 'Петров', firstName: 'Пётр', position: 'Директор' },
      lines: [{ name: 'Услуга', okei: '796', quantity: 1, vatRate: 'без НДС', totalKop: 1000 }],
    });
    const c = client('true-api');
    const refusal = buildClarification({
      seller: readSellerTitle(await c.content('incoming', sent.id)),
      reason: 'Не тот товар',
      signer: { surname: 'Иванов', firstName: 'Иван', position: 'Директор' },
      formedAt: new Date(),
    });
    const fileId = refusal.fileId;
    const xml = refusal.bytes;
    const r = await c.refuseIncoming(sent.id, {
      fileName: `${fileId}.xml`,
      bytes: xml,
      signature: await sign(bed.fx.org, xml),
    });
    assert.ok(r.id);
    assert.equal(bed.emu.edo.document(sent.id)?.status, 8);
    assert.equal(bed.emu.edo.document(sent.id)?.refusal?.text, 'Не тот товар');
    c.close();
  });

  it('counts outgoing documents (the 1 000 a year) and refuses over the limit; finds participants by INN', async () => {
    const c = client('true-api');
    const year = new Date().getUTCFullYear();
    const from = Date.UTC(year, 0, 1) / 1000;
    const to = Date.UTC(year + 1, 0, 1) / 1000 - 1;
    const count = await c.countOutgoing(from, to);
    assert.equal(
      count,
      bed.emu.edo.documents().filter((d) => d.sellerInn === bed.world.organisation.inn).length,
    );
    bed.emu.edo.options.annualLimit = count;
    try {
      const u = upd(1);
      const e = await rejects(
        c.uploadSellerTitle({
          fileName: u.fileName,
          bytes: u.bytes,
          signature: await sign(bed.fx.org, u.bytes),
        }),
      );
      assert.equal(e.status, 422);
      assert.match(e.remoteText ?? '', /ограничение на \d+ исходящих документов в год/);
    } finally {
      bed.emu.edo.options.annualLimit = 1000;
    }
    const p = await c.participant(bed.fx.buyerInn);
    assert.equal(p.id, bed.emu.edo.edoId(bed.fx.buyerInn));
    const e = await rejects(c.participant(bed.fx.unregisteredInn));
    assert.equal(e.remoteText, 'Организация не зарегистрирована');
    void buyerCz;
    c.close();
  });

  it('finds many documents in one walk over the outgoing list: newest first, page by page, stopping once all are found', async () => {
    const c = client('true-api');
    const from = Math.floor(Date.now() / 1000) - 86400;
    const code = upd(1).codes;
    // drafts (no signature) of one code: enough for more than one page of 100
    const ids: string[] = [];
    const before = bed.emu.edo.documents().filter((d) => d.sellerInn === bed.world.organisation.inn).length;
    for (let i = 0; i < Math.max(0, 101 - before); i++) {
      const u = upd(1, {}, code);
      ids.push((await c.uploadSellerTitle({ fileName: u.fileName, bytes: u.bytes })).id);
      await new Promise((r) => setTimeout(r, 30)); // under the emulator's rate limit
    }
    const all = bed.emu.edo
      .documents()
      .filter((d) => d.sellerInn === bed.world.organisation.inn && d.createdAt >= from)
      .sort((a, b) => a.createdAt - b.createdAt);
    assert.ok(all.length > 100, `${all.length} outgoing documents`);
    const first = all[0]?.id as string;
    const last = ids.at(-1) as string;
    const lists = (): number => bed.emu.counters['edo/list'] ?? 0;
    let n = lists();
    const found = await c.findOutgoingMany([first, last, '00000000-0000-0000-0000-000000000000'], from);
    assert.deepEqual([found.get(first)?.status, found.get(last)?.status, found.size], [all[0]?.status, 0, 2]);
    assert.equal(lists() - n, 2, 'two pages of 100 for 101+ documents');
    n = lists();
    // newest first: the pending ones are mostly the newest, one page finds them
    const one = await c.findOutgoingMany([last], from);
    assert.equal(one.get(last)?.id, last);
    assert.equal(lists() - n, 1, 'the first page had it: no second page');
    n = lists();
    assert.equal((await c.findOutgoingMany([first], from)).get(first)?.id, first);
    assert.equal(lists() - n, 2, 'the oldest is on the second page');
    n = lists();
    assert.equal((await c.findOutgoingMany([], from)).size, 0);
    assert.equal(lists() - n, 0, 'nothing asked, no request');
    assert.equal((await c.findOutgoing(last, from))?.id, last);
    c.close();
  });

  it('resolves the contract properties edoUrl / edoApi to the published hosts', () => {
    assert.equal(edoBaseUrl({ environment: 'production', edoApi: 'v1' }), 'https://edo-gismt.crpt.ru');
    assert.equal(edoBaseUrl({ environment: 'production', edoApi: 'true-api' }), 'https://markirovka.crpt.ru');
    assert.equal(edoBaseUrl({ environment: 'sandbox', edoApi: 'v1' }), 'https://edo.sandbox.crptech.ru');
    assert.equal(
      edoBaseUrl({ environment: 'custom', url: 'http://127.0.0.1:9400/', edoUrl: '' }),
      'http://127.0.0.1:9400',
    );
    assert.equal(edoBaseUrl({ environment: 'custom', url: 'http://a', edoUrl: 'http://b/' }), 'http://b');
    const v1 = new EdoClient({ baseUrl: 'https://edo-gismt.crpt.ru/api/v1', api: 'v1', tokens: cz });
    assert.equal(v1.urlOf('/outgoing-documents'), 'https://edo-gismt.crpt.ru/api/v1/outgoing-documents');
    const ta = new EdoClient({
      baseUrl: 'https://markirovka.crpt.ru/api/v3/true-api',
      api: 'true-api',
      tokens: cz,
    });
    assert.equal(
      ta.urlOf('/outgoing-documents'),
      'https://markirovka.crpt.ru/api/v3/true-api/edo/outgoing-documents',
    );
    v1.close();
    ta.close();
  });
});
