/**
 * Incoming УПД rules (lib/edo/incoming.ts): the 1C receipt it belongs to, its codes against the True
 * API emulator (cises/info: owner, status) and the 1C lines, and the decision (sign / hold with every
 * mismatch named / refuse) — the УПД sent by the emulated supplier through the ЭДО Лайт emulator.
 */
import assert from 'node:assert/strict';
import { EdoClient, edoBaseUrl } from '../../lib/edo/client';
import { buildUpd } from '../../lib/edo/upd';
import { readSellerTitle } from '../../lib/edo/buyer';
import { saleToUpd } from '../../lib/edo/map';
import {
  decideIncoming,
  matchReceipt,
  receiptCandidate,
  type ReceiptCandidate,
} from '../../lib/edo/incoming';
import { demoWorld } from '../../lib/emulators/demo-data';
import type { CzClient } from '../../lib/cz/client';
import { requireGost } from '../support/gost';
import { startBed, type CzBed } from '../support/cz';
import { onecMessage } from '../support/onec-fixtures';
import { edoParty } from '../support/edo';

describe('edo incoming: which 1C receipt, are the codes right, what to do', function () {
  this.timeout(90000);

  it('a 1C document in the preset shape → candidate; matched by supplier number/date, else by codes', () => {
    const world = demoWorld();
    const doc = world.documents.find((d) => d.number === 'ДМ00-000003');
    assert.ok(doc);
    const msg = onecMessage(world, doc);
    const cand = receiptCandidate(msg.payload, msg.onec, { kind: 'sales' });
    assert.equal(cand.number, 'ДМ00-000003');
    assert.ok(cand.supplierInn.length >= 10);
    assert.ok(cand.lines.length > 0 && cand.lines.some((l) => l.gtin && /^\d{14}$/.test(l.gtin)));
    const edoIds = Object.fromEntries(
      [world.organisation, ...world.counterparties].map((p, i) => [p.inn, `2LT-${100 + i}`]),
    );
    const r = saleToUpd(msg.payload, msg.onec, {
      signer: { surname: 'И', firstName: 'И', position: 'Д' },
      function: 'ДОП',
      edoIds,
      formedAt: new Date('2026-06-01T09:00:00Z'),
    });
    const first = r.documents.find((u) => (u.input.lines ?? []).some((l) => (l.codes ?? []).length > 0));
    assert.ok(first);
    const title = readSellerTitle(buildUpd(first.input).bytes);
    // the seller of the title is the demo organisation: as a receipt, that is the supplier
    const asReceipt: ReceiptCandidate = { ...cand, supplierInn: title.seller.inn };
    assert.equal(matchReceipt(title, [asReceipt])?.by, 'codes');
    const numbered = {
      ...asReceipt,
      codes: [],
      supplierNumber: ` ${title.number} `,
      supplierDate: title.isoDate,
    };
    assert.equal(matchReceipt(title, [numbered])?.by, 'number');
    assert.equal(matchReceipt(title, [{ ...numbered, supplierDate: '2020-01-01' }]), undefined);
    assert.equal(matchReceipt(title, [{ ...asReceipt, supplierInn: '7700000000' }]), undefined);
  });

  describe('against the emulators', () => {
    let bed: CzBed;
    let cz: CzClient;
    let edo: EdoClient;
    let n = 0;

    before(async function () {
      await requireGost(this);
      bed = await startBed({ edo: { deliveryMs: 10 } });
      cz = bed.client();
      edo = new EdoClient({
        baseUrl: edoBaseUrl({ environment: 'custom', url: bed.emu.url, edoApi: 'true-api' }),
        api: 'true-api',
        tokens: cz,
      });
    });
    after(async () => {
      edo?.close();
      await bed?.close();
    });

    /** The supplier sends the demo organisation a УПД with `count` codes it owns (moved to it here). */
    const incoming = (
      count: number,
      foreignCount = 0,
    ): { id: string; number: string; gtin: string; codes: string[]; extra: string[] } => {
      const org = bed.world.organisation;
      const supplier = bed.world.counterparties[0] as (typeof bed.world.counterparties)[number];
      const used = new Set(bed.emu.edo.documents().flatMap((d) => d.codes));
      const free = bed
        .codes({ pg: 'lp', status: 'INTRODUCED', free: true })
        .filter((c) => bed.emu.registry.code(c)?.ownerInn === org.inn && !used.has(c));
      const gtin = (free[0] as string).slice(2, 16);
      const same = free.filter((c) => c.slice(2, 16) === gtin);
      const codes = same.slice(0, count);
      const extra = same.slice(count, count + foreignCount);
      for (const c of codes) (bed.emu.registry.code(c) as { ownerInn: string }).ownerInn = supplier.inn;
      const number = `П-${++n}`;
      const d = bed.emu.edo.sendIncoming({
        function: 'СЧФДОП',
        number,
        date: '2026-06-02',
        formedAt: new Date(),
        key: `incoming:${n}:${Math.random()}`,
        productGroup: 'lp',
        seller: edoParty(bed, supplier, 'г. Новосибирск'),
        buyer: edoParty(bed, org),
        signer: { surname: 'Петров', firstName: 'Пётр', position: 'Директор' },
        lines: [
          {
            name: 'Футболка',
            okei: '796',
            quantity: codes.length + extra.length,
            vatRate: '22%',
            totalKop: 122000 * (codes.length + extra.length),
            codes: [...codes, ...extra],
          },
        ],
      });
      return { id: d.id, number, gtin, codes, extra };
    };
    const receipt = (u: { number: string; gtin: string }, quantity: number): ReceiptCandidate => ({
      ref: `r-${u.number}`,
      number: `ПТ-${u.number}`,
      supplierInn: (bed.world.counterparties[0] as { inn: string }).inn,
      supplierNumber: u.number,
      supplierDate: '2026-06-02',
      lines: [{ index: 1, gtin: u.gtin, quantity }],
    });

    it('everything matches → sign', async () => {
      const u = incoming(2);
      const d = await decideIncoming({
        edo,
        cz,
        docId: u.id,
        candidates: [receipt({ number: 'другой', gtin: u.gtin }, 2), receipt(u, 2)],
      });
      assert.equal(d.action, 'sign', JSON.stringify(d.mismatches));
      assert.equal(d.receipt?.number, `ПТ-${u.number}`);
      assert.equal(d.matchedBy, 'number');
      const hold = await decideIncoming({
        edo,
        cz,
        docId: u.id,
        candidates: [receipt(u, 2)],
        rules: { autoSign: false },
      });
      assert.equal(hold.action, 'hold');
    });

    it('a foreign code and a wrong quantity → hold, every mismatch named in ru and en; refuseOn → refuse with the reason', async () => {
      const v = incoming(1, 1);
      const foreign = v.extra[0] as string;
      const d = await decideIncoming({ edo, cz, docId: v.id, candidates: [receipt(v, 3)] });
      assert.equal(d.action, 'hold');
      assert.deepEqual(d.mismatches.map((m) => m.code).sort(), ['CODE_OWNER', 'QUANTITY']);
      const owner = d.mismatches.find((m) => m.code === 'CODE_OWNER');
      assert.ok(owner?.ru.includes(foreign) && owner.en.includes(foreign));
      const r = await decideIncoming({
        edo,
        cz,
        docId: v.id,
        candidates: [receipt(v, 3)],
        rules: { refuseOn: ['CODE_OWNER'] },
      });
      assert.equal(r.action, 'refuse');
      assert.ok(r.action === 'refuse' && r.reason.includes(foreign));
      const none = await decideIncoming({ edo, cz, docId: v.id, candidates: [] });
      assert.equal(none.action, 'hold');
      assert.ok(none.mismatches.some((m) => m.code === 'NO_RECEIPT'));
    });
  });
});
