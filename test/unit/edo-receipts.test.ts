/**
 * lib/edo/receipts.ts against the 1C emulator (demo base, real HTTP): the receipt of an incoming УПД by
 * the supplier's number and date, else by its codes among the recent receipts; none for a stranger.
 */
import assert from 'node:assert/strict';
import type { SellerTitle } from '../../lib/edo/buyer';
import { findReceipt } from '../../lib/edo/receipts';
import { supplierNumber } from '../../lib/emulators/edo/demo-incoming';
import { startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { OnecClient } from '../../lib/onec/client';

describe('edo receipts: the 1C receipt of an incoming УПД', function () {
  this.timeout(30000);
  let emu: OnecEmulator;
  let client: OnecClient;

  before(async () => {
    emu = await startOnecEmulator();
    client = new OnecClient({ url: emu.url, username: 'odata', password: 'odata' });
  });
  after(async () => {
    client?.close();
    await emu?.stop();
  });

  /** The seller's title of the demo receipt `comment` as its supplier would send it (`over` changes it). */
  function title(comment: string, over: Partial<SellerTitle> = {}): SellerTitle {
    const w = emu.store.world;
    const d = w.documents.find((x) => x.comment === comment)!;
    const seller = w.counterparties.find((c) => c.ref === d.counterpartyRef)!;
    const codes = w.codes.filter((c) => d.packageRefs.includes(c.ref)).map((c) => c.cis);
    const item = w.items.find((i) => i.ref === d.rows[0]!.itemRef)!;
    const [y, m, day] = d.date.slice(0, 10).split('-');
    return {
      fileId: 'ON_NSCHFDOPPR_a_b_20261201_x_0_1_0_0_0_00',
      function: 'СЧФДОП',
      number: supplierNumber(d.number),
      date: `${day}.${m}.${y}`,
      isoDate: d.date.slice(0, 10),
      formedDate: `${day}.${m}.${y}`,
      formedTime: '10.00.00',
      seller: { name: seller.name, inn: seller.inn, kpp: seller.kpp },
      buyer: { name: w.organisation.name, inn: w.organisation.inn },
      receiverEdoId: 'a',
      senderEdoId: 'b',
      flags: '0_1_0_0_0_00',
      lines: [{ index: 1, name: item.name, gtin: item.gtin, quantity: codes.length, codes, packages: [] }],
      codes,
      ...over,
    };
  }
  const ref = (comment: string): string => emu.store.world.documents.find((x) => x.comment === comment)!.ref;

  it("by the supplier's number and date", async () => {
    const r = await findReceipt(client, title('поступление по ЭДО'), { preset: 'ut11', lookbackDays: 30 });
    assert.equal(r.match?.by, 'number');
    assert.equal(r.match?.meta.ref, ref('поступление по ЭДО'));
    assert.equal(r.match?.meta.entity, 'Document_ПриобретениеТоваровУслуг');
  });

  it('by the codes when the number is not the one 1C recorded', async () => {
    const t = title('поступление по ЭДО: чужой код', { number: 'НЕТ-ТАКОГО' });
    const r = await findReceipt(client, t, { preset: 'ut11', lookbackDays: 30 });
    assert.equal(r.match?.by, 'codes');
    assert.equal(r.match?.meta.ref, ref('поступление по ЭДО: чужой код'));
  });

  it('none for another supplier or codes 1C does not have', async () => {
    const other = emu.store.world.counterparties[0]!;
    const t = title('поступление по ЭДО', { seller: { name: other.name, inn: other.inn } });
    assert.equal((await findReceipt(client, t, { preset: 'ut11', lookbackDays: 30 })).match, undefined);
    const u = title('поступление по ЭДО', { number: 'НЕТ', codes: ['0104601234560016215ZZZZZZZZZZZZ'] });
    assert.equal((await findReceipt(client, u, { preset: 'ut11', lookbackDays: 30 })).match, undefined);
  });
});
