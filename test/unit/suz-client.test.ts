/**
 * The СУЗ client against the СУЗ emulator mounted on the True API emulator (real HTTP, real GOST
 * signatures): token, X-Signature, registration, orders with asynchronous buffers, code blocks,
 * reports, the documented error bodies, and the balance that moves with what is ordered.
 */
import assert from 'node:assert/strict';
import { tryParseCode } from '../../lib/codes/parse';
import { CODE_TEMPLATES } from '../../lib/codes/templates';
import { isZnakFlowError, type ZnakFlowError } from '../../lib/errors';
import { emitCode } from '../../lib/emulators/suz';
import { redact } from '../../lib/redact';
import type { Signer } from '../../lib/signing/types';
import { SuzClient, type BufferInfo } from '../../lib/suz/client';
import { suzErrorText } from '../../lib/suz/errors';
import { SANDBOX_REGISTRATION_KEY } from '../../lib/suz/settings';
import { requireGost } from '../support/gost';
import { orgSigner, startSuzBed, type SuzBed } from '../support/suz';

export const LP_GTIN = '04640638345218';

function zf(err: unknown): ZnakFlowError {
  assert.ok(isZnakFlowError(err), `ZnakFlowError expected, got ${String(err)}`);
  return err;
}

async function waitBuffer(c: SuzClient, orderId: string, status: string): Promise<BufferInfo> {
  for (let i = 0; i < 100; i++) {
    const [b] = await c.bufferStatus(orderId);
    if (b && b.bufferStatus === status) return b;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`buffer of ${orderId} never became ${status}`);
}

describe('СУЗ codes the emulator emits', () => {
  it('every group with a template: the code parses with the pack parser, normalised as documents carry it', () => {
    for (const t of CODE_TEMPLATES) {
      for (const cisType of ['UNIT', 'GROUP']) {
        const c = emitCode(t.pg, LP_GTIN, cisType);
        const p = tryParseCode(c.full, t.pg);
        assert.ok(p.ok, `${t.pg}/${cisType}: ${c.full} — ${p.ok ? '' : p.problem.en}`);
        assert.equal(p.value.cis, c.cis, t.pg);
        if (t.tail === 'long') assert.ok(p.value.cryptoCode && p.value.cryptoKey, `${t.pg}: long tail`);
        if (t.tail === 'short') assert.ok(p.value.checkCode, `${t.pg}: short tail`);
      }
    }
  });
});

describe('СУЗ client ↔ СУЗ emulator (real HTTP, real GOST)', function () {
  this.timeout(60000);
  let bed: SuzBed;

  before(async function () {
    await requireGost(this);
    bed = await startSuzBed();
  });
  after(async () => {
    await bed?.close();
  });

  it('ping: token from simpleSignIn/{omsConnection}, one sign-in for concurrent calls, never shown', async () => {
    const c = bed.suzClient();
    const before = bed.emu.counters['auth/key'] ?? 0;
    const r = await Promise.all(Array.from({ length: 5 }, () => c.ping()));
    assert.equal(r[0]?.omsId, c.omsId);
    assert.equal(c.stats.tokens, 1);
    assert.equal((bed.emu.counters['auth/key'] ?? 0) - before, 1);
    assert.equal(bed.suz.counters['signIn'] !== undefined, true);
    const exp = c.tokenExpiresAt();
    assert.ok(exp && exp.getTime() - Date.now() > 9 * 3600e3, 'a 10 h token');
  });

  it('a 401 (token expired) renews the token once and repeats the call', async () => {
    const c = bed.suzClient();
    await c.ping();
    bed.suz.expireTokens();
    await c.ping();
    assert.equal(c.stats.tokens, 2);
  });

  it('registers a connection with the registration key; a wrong key is refused with the station text', async () => {
    const c = bed.suzClient({ omsConnection: undefined });
    await assert.rejects(c.ping(), (e) => zf(e).field === 'omsConnection');
    const reg = await c.registerConnection({
      registrationKey: SANDBOX_REGISTRATION_KEY,
      address: '127.0.0.1',
      name: 'znakflow test',
    });
    assert.match(reg.omsConnection, /^[0-9a-f-]{36}$/);
    assert.equal(bed.suz.connections.get(reg.omsConnection)?.name, 'znakflow test');
    assert.equal((await c.ping()).omsId, c.omsId);
    const bad = bed.suzClient({ omsConnection: undefined });
    const err = zf(
      await bad
        .registerConnection({ registrationKey: 'not-a-key', address: 'x', name: 'y' })
        .catch((e: unknown) => e),
    );
    assert.equal(err.status, 403);
    assert.equal(err.code, 'SUZ_FORBIDDEN');
    assert.match(err.ru, /Ключ регистрации/);
    assert.ok(!redact(err.message).includes('not-a-key'), 'the key is a secret');
  });

  it('an attached signature in X-Signature is refused with 413', async () => {
    const real = orgSigner(bed);
    const attached: Signer = {
      kind: 'openssl',
      sign: (data, _mode, o) => real.sign(data, 'attached', o),
      close: () => real.close(),
    };
    const c = bed.suzClient({ signer: attached });
    const err = zf(
      await c
        .createOrder({
          productGroup: 'lp',
          products: [{ gtin: LP_GTIN, quantity: 1, serialNumberType: 'OPERATOR', templateId: 10 }],
        })
        .catch((e: unknown) => e),
    );
    assert.equal(err.status, 413);
    assert.match(err.remoteText ?? '', /откреплённой/);
    real.close();
  });

  it('an X-Signature over other bytes: the order is accepted and DECLINED with the reason, nothing debited', async () => {
    const real = orgSigner(bed);
    const wrong: Signer = {
      kind: 'openssl',
      sign: (data, mode, o) => real.sign(o?.purpose === 'auth' ? data : Buffer.from('other bytes'), mode, o),
      close: () => real.close(),
    };
    const c = bed.suzClient({ signer: wrong });
    const before = bed.balance('lp');
    const order = await c.createOrder({
      productGroup: 'lp',
      products: [{ gtin: LP_GTIN, quantity: 2, serialNumberType: 'OPERATOR', templateId: 10 }],
    });
    const listed = (await c.listOrders()).find((o) => o.orderId === order.orderId);
    assert.equal(listed?.orderStatus, 'DECLINED');
    assert.match(listed?.declineReason ?? '', /^Signature validation failed: message-digest/);
    assert.equal(bed.balance('lp'), before);
    real.close();
  });

  it('order → PENDING → ACTIVE, the balance drops by N × price, blocks of parseable codes, retry, EXHAUSTED, close', async () => {
    const c = bed.suzClient();
    const before = bed.balance('lp') as number;
    const order = await c.createOrder({
      productGroup: 'lp',
      products: [
        { gtin: LP_GTIN, quantity: 7, serialNumberType: 'OPERATOR', templateId: 10, cisType: 'UNIT' },
      ],
      attributes: { releaseMethodType: 'PRODUCTION', productionOrderId: 'test-1' },
    });
    const [pending] = await c.bufferStatus(order.orderId, LP_GTIN);
    assert.equal(pending?.bufferStatus, 'PENDING');
    assert.equal(bed.balance('lp'), before, 'nothing debited before emission');
    await waitBuffer(c, order.orderId, 'ACTIVE');
    assert.equal(bed.balance('lp'), before - 7 * bed.suz.options.priceKopecks);
    const b1 = await c.getCodes(order.orderId, LP_GTIN, 4);
    const b2 = await c.getCodes(order.orderId, LP_GTIN, 3);
    assert.equal(b1.codes.length + b2.codes.length, 7);
    for (const code of [...b1.codes, ...b2.codes]) {
      const p = tryParseCode(code, 'lp');
      assert.ok(p.ok && p.value.cryptoCode, code);
      // lp: СУЗ makes the utilisation report itself — the codes are APPLIED when handed out
      assert.equal(bed.emu.registry.code(p.value.cis)?.status, 'APPLIED');
    }
    assert.deepEqual((await c.retryCodes(b1.blockId)).codes, b1.codes);
    const blocks = await c.listBlocks(order.orderId, LP_GTIN);
    assert.deepEqual(blocks.map((b) => b.blockId).sort(), [b1.blockId, b2.blockId].sort());
    assert.equal((await c.bufferStatus(order.orderId))[0]?.bufferStatus, 'EXHAUSTED');
    await c.closeOrder(order.orderId);
    const listed = (await c.listOrders()).find((o) => o.orderId === order.orderId);
    assert.equal(listed?.orderStatus, 'CLOSED');
    assert.equal(listed?.productionOrderId, 'test-1');
  });

  it('milk: codes EMITTED until the utilisation report; the report needs full codes; SUCCESS makes them APPLIED', async () => {
    const c = bed.suzClient();
    bed.emu.registry.participant(bed.fx.orgInn)?.balances.set(8, 100000);
    const gtin = LP_GTIN;
    const order = await c.createOrder({
      productGroup: 'milk',
      products: [{ gtin, quantity: 3, serialNumberType: 'OPERATOR', templateId: 20 }],
    });
    await waitBuffer(c, order.orderId, 'ACTIVE');
    const blk = await c.getCodes(order.orderId, gtin, 3);
    const cis = blk.codes.map((x) => {
      const p = tryParseCode(x, 'milk');
      assert.ok(p.ok && p.value.checkCode, x);
      return p.value.cis;
    });
    assert.deepEqual(
      cis.map((x) => bed.emu.registry.code(x)?.status),
      ['EMITTED', 'EMITTED', 'EMITTED'],
    );
    const short = zf(
      await c.sendReport('utilisation', { productGroup: 'milk', sntins: cis }).catch((e: unknown) => e),
    );
    assert.equal(short.status, 400);
    assert.match(short.ru, /sntins: КМ должен передаваться полностью/);
    const reportId = await c.sendReport('utilisation', { productGroup: 'milk', sntins: blk.codes });
    let info = await c.reportInfo(reportId);
    for (let i = 0; i < 50 && info.reportStatus === 'PENDING'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      info = await c.reportInfo(reportId);
    }
    assert.equal(info.reportStatus, 'SUCCESS');
    assert.deepEqual(
      cis.map((x) => bed.emu.registry.code(x)?.status),
      ['APPLIED', 'APPLIED', 'APPLIED'],
    );
  });

  it('a balance too small: the buffer is REJECTED with the reason, nothing debited', async () => {
    const c = bed.suzClient();
    bed.emu.registry.participant(bed.fx.orgInn)?.balances.set(2, 100);
    const order = await c.createOrder({
      productGroup: 'shoes',
      products: [{ gtin: LP_GTIN, quantity: 5, serialNumberType: 'OPERATOR', templateId: 1 }],
    });
    const b = await waitBuffer(c, order.orderId, 'REJECTED');
    assert.match(b.rejectionReason ?? '', /Недостаточно средств/);
    assert.equal(bed.balance('shoes'), 100);
  });

  it('field errors come back as the station wrote them; a lost answer to an order is SUZ_UNCERTAIN, the order exists', async () => {
    const c = bed.suzClient();
    const bad = zf(
      await c
        .createOrder({
          productGroup: 'lp',
          products: [{ gtin: '04640638345219', quantity: 1, serialNumberType: 'OPERATOR', templateId: 10 }],
        })
        .catch((e: unknown) => e),
    );
    assert.equal(bad.status, 400);
    assert.match(bad.ru, /products\[0\]\.gtin: Некорректный GTIN/);
    const n = bed.suz.orders.size;
    bed.suz.loseAnswer('order');
    const lost = zf(
      await c
        .createOrder({
          productGroup: 'lp',
          products: [{ gtin: LP_GTIN, quantity: 1, serialNumberType: 'OPERATOR', templateId: 10 }],
        })
        .catch((e: unknown) => e),
    );
    assert.equal(lost.code, 'SUZ_UNCERTAIN');
    assert.equal(bed.suz.orders.size, n + 1, 'the order was created once and not repeated blindly');
    assert.equal(
      suzErrorText({ globalErrors: [{ error: 'A', errorCode: 1 }], fieldErrors: [], success: false }),
      'A',
    );
  });
});
