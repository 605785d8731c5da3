/**
 * The ЭДО Лайт emulator's counterparty and ГИС МТ side, over real HTTP with real GOST signatures: the
 * simulated buyer that checks the codes and signs or refuses, its buyer's title, the УПД in ГИС МТ's
 * doc/list and doc/{ИдФайл}/info, the codes' new owner seen by later operations, and the True API
 * emulator's knobs (faults, lost answers, 429, token expiry) on the ЭДО Лайт paths.
 */
import assert from 'node:assert/strict';
import axios from 'axios';
import { EdoClient, edoBaseUrl } from '../../lib/edo/client';
import { decodeCp1251 } from '../../lib/edo/cp1251';
import type { BuiltUpd } from '../../lib/edo/upd';
import { OpensslSigner } from '../../lib/signing/openssl';
import type { CzClient } from '../../lib/cz/client';
import { requireGost } from '../support/gost';
import { startBed, type CzBed } from '../support/cz';
import { demoUpd, edoParty } from '../support/edo';
import { demoWorld, type DemoWorld } from '../../lib/emulators/demo-data';

async function until(what: string, f: () => boolean, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The bed with a checking buyer and quick steps, a client of the demo organisation and its signer. */
async function edoBed(
  world?: DemoWorld,
): Promise<{ bed: CzBed; cz: CzClient; edo: EdoClient; signer: OpensslSigner }> {
  const bed = await startBed(
    { edo: { deliveryMs: 20, buyerDelayMs: 30, gisDelayMs: 30, buyerAction: 'check' } },
    undefined,
    world,
  );
  const cz = bed.client();
  const signer = new OpensslSigner({ certPath: bed.fx.org.certPath, keyPath: bed.fx.org.keyPath });
  const edo = new EdoClient({
    baseUrl: edoBaseUrl({ environment: 'custom', url: bed.emu.url, edoApi: 'true-api' }),
    api: 'true-api',
    tokens: cz,
    retry: { baseMs: 10, maxMs: 50 },
  });
  return { bed, cz, edo, signer };
}

describe('ЭДО Лайт emulator: the counterparty, ГИС МТ and the faults (real HTTP, real GOST)', function () {
  this.timeout(90000);
  let bed: CzBed;
  let cz: CzClient;
  let edo: EdoClient;
  let signer: OpensslSigner;

  const upload = async (u: BuiltUpd, c = edo): Promise<string> =>
    (
      await c.uploadSellerTitle({
        fileName: u.fileName,
        bytes: u.bytes,
        signature: await signer.sign(u.bytes, 'detached'),
      })
    ).id;
  const auth = async (): Promise<Record<string, string>> => ({
    Authorization: `Bearer ${await cz.accessToken()}`,
  });

  before(async function () {
    await requireGost(this);
    ({ bed, cz, edo, signer } = await edoBed());
  });
  after(async () => {
    signer?.close();
    await bed?.close();
  });

  it('a checking buyer signs a УПД of the seller’s codes with a real buyer’s title; ГИС МТ shows it and moves the codes', async () => {
    const u = demoUpd(bed, 3);
    const id = await upload(u);
    await until('status 61', () => bed.emu.edo.document(id)?.status === 61);
    const d = bed.emu.edo.document(id);
    const title = decodeCp1251(d?.buyerTitle?.bytes ?? Buffer.alloc(0));
    assert.match(title, /КНД="1115132"/, 'a buyer’s title 5.03');
    assert.ok(title.includes(`ИдФайлИнфПр="${u.fileId}"`), 'answering this seller’s title');
    assert.match(d?.buyerTitle?.fileId ?? '', /^ON_NSCHFDOPPOK_/);
    // ГИС МТ: doc/list with documentFormat=UPD, the UD found by its ИдФайл
    const headers = await auth();
    const list = await axios.get(`${bed.emu.url}/api/v4/true-api/doc/list`, {
      headers,
      params: { pg: 'lp', documentFormat: 'UPD', senderInn: bed.fx.orgInn, limit: 100 },
    });
    const row = (list.data.results as Array<Record<string, unknown>>).find((r) => r['number'] === u.fileId);
    assert.ok(row, 'the УПД is in doc/list');
    assert.deepEqual(
      [row['type'], row['status'], row['receiverInn'], row['invoiceNumber']],
      ['UNIVERSAL_TRANSFER_DOCUMENT', 'CHECKED_OK', bed.fx.buyerInn, bed.emu.edo.document(id)?.number],
    );
    const info = await axios.get(`${bed.emu.url}/api/v4/true-api/doc/${encodeURIComponent(u.fileId)}/info`, {
      headers,
    });
    const item = (info.data as Array<Record<string, any>>)[0] as Record<string, any>;
    assert.equal(item['type'], 'UNIVERSAL_TRANSFER_DOCUMENT');
    assert.equal(item['sellerInfo'].inn, bed.fx.orgInn);
    assert.equal(item['buyerInfo'].inn, bed.fx.buyerInn);
    assert.deepEqual(
      (item['products'] as Array<{ code: string }>).map((p) => p.code),
      u.codes,
    );
    assert.equal(item['products'][0].name, 'Футболка');
    // the codes are the buyer's now: cises/info says so
    const cises = await axios.post(`${bed.emu.url}/api/v3/true-api/cises/info`, u.codes, { headers });
    for (const r of cises.data as Array<{ cisInfo: { ownerInn: string } }>)
      assert.equal(r.cisInfo.ownerInn, bed.fx.buyerInn);
  });

  it('later operations see the new owner: the checking buyer refuses a second УПД of the same codes, naming them', async () => {
    const first = demoUpd(bed, 2);
    const id1 = await upload(first);
    await until('first signed', () => bed.emu.edo.document(id1)?.status === 61);
    const again = demoUpd(bed, 2, {}, first.codes);
    const id2 = await upload(again);
    await until('refused', () => bed.emu.edo.document(id2)?.status === 8);
    const refusal = bed.emu.edo.document(id2)?.refusal?.text ?? '';
    assert.match(refusal, /не принадлежат продавцу/);
    for (const c of first.codes) assert.ok(refusal.includes(c), `${c} named`);
  });

  it('a buyer that signs without checking: ГИС МТ refuses codes the seller no longer owns (tpr/ud FAILED, doc/list CHECKED_NOT_OK)', async () => {
    const first = demoUpd(bed, 1);
    const id1 = await upload(first);
    await until('first signed', () => bed.emu.edo.document(id1)?.status === 61);
    bed.emu.edo.options.buyerAction = 'sign';
    try {
      const again = demoUpd(bed, 1, {}, first.codes);
      const id2 = await upload(again);
      await until('62', () => bed.emu.edo.document(id2)?.status === 62);
      const headers = await auth();
      const list = await axios.get(`${bed.emu.url}/api/v4/true-api/doc/list`, {
        headers,
        params: { pg: 'lp', documentFormat: 'UPD', senderInn: bed.fx.orgInn, limit: 100 },
      });
      const row = (list.data.results as Array<Record<string, any>>).find((r) => r['number'] === again.fileId);
      assert.equal(row?.['status'], 'CHECKED_NOT_OK');
      assert.match(String(row?.['errors']?.[0]), /^23: У участника .* нет полномочий/);
    } finally {
      bed.emu.edo.options.buyerAction = 'check';
    }
  });

  it('faults on the ЭДО Лайт paths: a 5xx after the upload was stored, then the same file → one document', async () => {
    bed.emu.options.faults = { afterProcessing: 1 };
    const u = demoUpd(bed, 1);
    const before = bed.emu.edo.documents().length;
    bed.emu.injectFault('5xx', 1, 'edo/upload');
    try {
      const id = await upload(u);
      assert.equal(bed.emu.edo.documents().length, before + 1, 'one document, not two');
      assert.equal(bed.emu.edo.document(id)?.fileId, u.fileId);
      assert.ok((bed.emu.edo.counters['edo/duplicate-uploads'] ?? 0) >= 1, 'the retry was answered by name');
    } finally {
      bed.emu.options.faults = {};
    }
  });

  it('429, a timeout-free 5xx on lists and an expired token are answered on ЭДО Лайт paths too', async () => {
    const headers = await auth();
    const url = `${bed.emu.url}/api/v3/true-api/edo/outgoing-documents`;
    bed.emu.injectFault('429', 1, 'edo/list');
    const r429 = await axios.get(url, { headers, validateStatus: () => true });
    assert.equal(r429.status, 429);
    bed.emu.options.faults = { afterProcessing: 0 };
    bed.emu.injectFault('5xx', 1, 'edo/list');
    const r5 = await axios.get(url, { headers, validateStatus: () => true });
    assert.ok(r5.status >= 500, String(r5.status));
    bed.emu.options.faults = {};
    bed.emu.expireTokens();
    const r401 = await axios.get(url, { headers, validateStatus: () => true });
    assert.equal(r401.status, 401);
    // the client renews its token on the 401 and goes on
    const ok = await edo.listOutgoing({ limit: 1 });
    assert.ok(Array.isArray(ok.items));
    assert.ok((bed.emu.counters['edo/list'] ?? 0) >= 3, 'the EDO route is counted by the True API emulator');
  });
});

describe('ЭДО Лайт emulator: a return to the supplier and a transfer to another organisation of the group (demo world `transfers`)', function () {
  this.timeout(90000);
  let bed: CzBed;
  let edo: EdoClient;
  let signer: OpensslSigner;

  before(async function () {
    await requireGost(this);
    ({ bed, edo, signer } = await edoBed(demoWorld({ transfers: true })));
  });
  after(async () => {
    signer?.close();
    await bed?.close();
  });

  /** The codes (normalised) of one product group of a demo document. */
  const codesOf = (comment: string, pg: string): string[] => {
    const d = bed.world.documents.find((x) => x.comment === comment);
    assert.ok(d, comment);
    const items = new Map(bed.world.items.map((i) => [i.ref, i]));
    return bed.world.codes
      .filter((c) => d.packageRefs.includes(c.ref) && items.get(c.itemRef)?.pg === pg)
      .map((c) => c.cis);
  };
  const send = async (buyer: { name: string; inn: string; kpp: string }, pg: string, codes: string[]) => {
    const u = demoUpd(bed, codes.length, { buyer: edoParty(bed, buyer), productGroup: pg }, codes);
    const { id } = await edo.uploadSellerTitle({
      fileName: u.fileName,
      bytes: u.bytes,
      signature: await signer.sign(u.bytes, 'detached'),
    });
    await until(`${buyer.name} ${pg}: status 61`, () => bed.emu.edo.document(id)?.status === 61);
    return bed.emu.edo.document(id)!;
  };

  it('the affiliate has an EDO id (edo/inn), receives both УПД of the transfer, signs them by rule and becomes the codes’ owner', async () => {
    const retail = bed.world.affiliates![0]!;
    const look = await axios.get(`${bed.emu.url}/api/v4/true-api/edo/inn/${retail.inn}`);
    assert.equal(look.data.id, bed.emu.edo.edoId(retail.inn));
    assert.match(look.data.id, /^2LT-\d+$/);
    const comment = 'передача в другую организацию: одежда и обувь';
    for (const pg of ['lp', 'shoes']) {
      const codes = codesOf(comment, pg);
      assert.ok(codes.length > 0, pg);
      const d = await send(retail, pg, codes);
      assert.equal(d.buyerInn, retail.inn);
      assert.ok(d.buyerTitle, 'the simulated receiver signed');
      for (const c of codes) assert.equal(bed.emu.registry.code(c)?.ownerInn, retail.inn, c);
    }
  });

  it('the supplier receives the return and ГИС МТ gives it the codes', async () => {
    const ret = bed.world.documents.find((x) => x.comment === 'возврат поставщику')!;
    const supplier = bed.world.counterparties.find((c) => c.ref === ret.counterpartyRef)!;
    const codes = codesOf('возврат поставщику', 'lp');
    assert.equal(codes.length, 2);
    await send(supplier, 'lp', codes);
    for (const c of codes) assert.equal(bed.emu.registry.code(c)?.ownerInn, supplier.inn, c);
  });
});
