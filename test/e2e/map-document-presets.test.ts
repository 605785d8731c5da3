/**
 * End to end over HTTP: each mapping preset turns the 1C emulator's demo documents (read with the
 * 1C client exactly as onec-read reads them) into documents that the True API emulator accepts
 * (CHECKED_OK / WAIT_ACCEPTANCE / WAIT_PARTICIPANT_REGISTRATION).
 * Signed with real GOST signatures.
 */
import assert from 'node:assert/strict';
import { normalizeCode } from '../../lib/codes';
import { mapDocument, type MapOptions, type MappedDocument } from '../../lib/documents';
import type { DemoWorld } from '../../lib/emulators/demo-data';
import { startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { OnecClient, onecMeta, readDocuments, resolveLayout } from '../../lib/onec';
import type { TestSigner } from '../../lib/signing/pki';
import { startBed, type CzBed } from '../support/cz';
import { requireGost } from '../support/gost';
import { ENTITY, KIND } from '../support/onec-fixtures';
import type { DemoDocument } from '../../lib/emulators/demo-data';

const FINAL_OK = ['CHECKED_OK', 'WAIT_ACCEPTANCE', 'WAIT_PARTICIPANT_REGISTRATION'];

interface Msg {
  payload: Record<string, any>;
  onec: Record<string, any>;
}

describe('e2e: mapping presets accepted by the True API emulator (1C emulator → map → sign → send)', function () {
  this.timeout(240000);
  let bed: CzBed;
  let onec: OnecEmulator;
  let onecClient: OnecClient;
  let world: DemoWorld;
  const shipments = new Map<string, string>();

  before(async function () {
    await requireGost(this);
    bed = await startBed({ processingDelayMs: 20 });
    world = bed.world;
    onec = await startOnecEmulator({ world });
    onecClient = new OnecClient({ url: onec.url, username: 'odata', password: 'odata' });
  });
  after(async () => {
    onecClient?.close();
    await onec?.stop();
    await bed?.close();
  });

  const doc = (comment: string): DemoDocument => {
    const d = world.documents.find((x) => x.comment === comment);
    if (!d) throw new Error(comment);
    return d;
  };

  /** Read a demo document from the 1C emulator the way onec-read does. */
  async function read(comment: string): Promise<Msg> {
    const d = doc(comment);
    const layout = resolveLayout('ut11', KIND[d.kind]);
    const [outcome] = await readDocuments(onecClient, ENTITY[d.kind], [d.ref], layout, {
      codes: true,
    });
    if (!outcome?.ok) throw new Error(`read ${comment}: ${outcome?.error.message ?? 'nothing'}`);
    return {
      payload: outcome.doc.payload,
      onec: onecMeta(ENTITY[d.kind], outcome.doc.payload, layout, outcome.doc.codes, outcome.doc.warnings),
    };
  }

  /** Map, sign and send every document; wait for each final status. */
  async function mapAndSend(
    msg: Msg,
    options: MapOptions = {},
    cz?: unknown,
    who?: TestSigner,
  ): Promise<Array<{ doc: MappedDocument; id: string; status: string; errors: unknown }>> {
    // the presets are tested on the demo's clothing and footwear as a legacy stand takes them (the bed
    // of test/support/cz.ts is legacy): LP_SHIP_GOODS for every group
    const result = await mapDocument(
      { payload: msg.payload, onec: msg.onec, cz },
      { legacyShipGoods: true, ...options },
    );
    for (const d of result.documents) assert.deepEqual(d.errors, [], `${d.type}/${d.productGroup} is valid`);
    const client = bed.client(who);
    const out = [];
    for (const d of result.documents) {
      const id: string = await client.createDocument({
        type: d.type,
        productGroup: d.productGroup,
        body: d.body,
      });
      let info: any;
      for (let i = 0; i < 100; i++) {
        info = await client.documentInfo(id, { pg: d.productGroup });
        if (info.status !== 'IN_PROGRESS' && info.status !== 'WAIT_FOR_CONTINUATION') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      out.push({ doc: d, id, status: info.status as string, errors: info.errors });
    }
    return out;
  }

  function accepted(
    results: Array<{ doc: MappedDocument; status: string; errors: unknown }>,
    expected: string,
  ): void {
    assert.ok(results.length > 0);
    for (const r of results) {
      assert.ok(FINAL_OK.includes(r.status), `${r.doc.type}: ${r.status} ${JSON.stringify(r.errors)}`);
      assert.equal(r.status, expected, `${r.doc.type}/${r.doc.productGroup}: ${JSON.stringify(r.errors)}`);
    }
  }

  it('МаркировкаТоваровИСМП → LP_INTRODUCE_GOODS: CHECKED_OK, the codes are introduced', async () => {
    const results = await mapAndSend(await read('ввод в оборот (МаркировкаТоваровИСМП)'));
    accepted(results, 'CHECKED_OK');
    assert.equal(results[0]?.doc.type, 'LP_INTRODUCE_GOODS');
    for (const c of (results[0]?.doc.body['products'] as any[]) ?? []) {
      assert.equal(bed.emu.registry.code(c.uit_code)?.status, 'INTRODUCED');
    }
  });

  it('sales → LP_SHIP_GOODS: WAIT_ACCEPTANCE, one per product group for a mixed sale', async () => {
    for (const comment of ['одежда', 'обувь', 'большая отгрузка: сотни кодов']) {
      const results = await mapAndSend(await read(comment));
      accepted(results, 'WAIT_ACCEPTANCE');
      shipments.set(comment, results[0]?.id as string);
    }
    const mixed = await mapAndSend(await read('смешанная: одежда и обувь'));
    accepted(mixed, 'WAIT_ACCEPTANCE');
    assert.deepEqual(
      mixed.map((r) => r.doc.productGroup),
      ['lp', 'shoes'],
    );
  });

  it('a sale to a buyer not registered in ГИС МТ: WAIT_PARTICIPANT_REGISTRATION', async () => {
    accepted(
      await mapAndSend(await read('покупатель не зарегистрирован в ГИС МТ')),
      'WAIT_PARTICIPANT_REGISTRATION',
    );
  });

  it("the buyer's purchase → LP_ACCEPT_GOODS of that shipment: CHECKED_OK, the shipment ACCEPTED", async () => {
    // The same sale as the buyer's 1C sees it: a purchase from the demo organisation.
    const sale = await read('одежда');
    const buyerView: Msg = {
      payload: {
        ...sale.payload,
        Организация: sale.payload['Контрагент'],
        Контрагент: sale.payload['Организация'],
      },
      onec: { ...sale.onec, kind: 'purchases', entity: ENTITY.purchase },
    };
    const shipId = shipments.get('одежда') as string;
    const results = await mapAndSend(buyerView, {}, { releaseOrderNumber: shipId }, bed.fx.buyer);
    accepted(results, 'CHECKED_OK');
    assert.equal(results[0]?.doc.type, 'LP_ACCEPT_GOODS');
    const ship = await bed.client().documentInfo(shipId, { pg: 'lp' });
    assert.equal(ship.status, 'ACCEPTED');
  });

  it('LP_CANCEL_SHIPMENT of a shipment (its id from msg.cz): CHECKED_OK, the shipment CANCELLED', async () => {
    const shipId = shipments.get('обувь') as string;
    const results = await mapAndSend(
      await read('обувь'),
      { documentType: 'LP_CANCEL_SHIPMENT' },
      { documentId: shipId },
    );
    accepted(results, 'CHECKED_OK');
    assert.equal((await bed.client().documentInfo(shipId, { pg: 'shoes' })).status, 'CANCELLED');
  });

  it('disaggregation, aggregation, then the shipment of the box (SSCC)', async () => {
    const boxed = await read('короб (SSCC)');
    accepted(await mapAndSend(boxed, { documentType: 'DISAGGREGATION_DOCUMENT' }), 'CHECKED_OK');
    accepted(await mapAndSend(boxed, { documentType: 'AGGREGATION_DOCUMENT' }), 'CHECKED_OK');
    const box = world.boxes[0]?.sscc as string;
    assert.equal(bed.emu.registry.code(box)?.children.length, 6);
    accepted(await mapAndSend(boxed, { aggregates: 'keep' }), 'WAIT_ACCEPTANCE');
  });

  it('LK_RECEIPT (own use by a buyer) then LP_RETURN of the same codes: CHECKED_OK both', async () => {
    const m = await read('не проведён');
    accepted(await mapAndSend(m, { documentType: 'LK_RECEIPT', withdrawalReason: 'OWN_USE' }), 'CHECKED_OK');
    const back: Msg = { payload: m.payload, onec: { ...m.onec, kind: 'returns' } };
    accepted(await mapAndSend(back, { returnType: 'OWN_USE_RETURN' }), 'CHECKED_OK');
  });

  it('LK_REMARK with the new code set by an override: CHECKED_OK', async () => {
    const m = await read('помечен на удаление');
    const old = (await mapDocument({ payload: m.payload, onec: m.onec }, { documentType: 'LK_REMARK' }))
      .documents[0];
    const last = (old?.body['products'] as any[])[0].last_uin as string;
    const fresh = `${last.slice(0, 18)}5REMARK000001`;
    bed.emu.registry.addCode({
      cis: fresh,
      gtin: last.slice(2, 16),
      pg: 'lp',
      ownerInn: world.organisation.inn,
      status: 'APPLIED',
    });
    const compile = (e: string) => async () => (e === 'fresh' ? fresh : undefined);
    const results = await mapAndSend(m, {
      documentType: 'LK_REMARK',
      overrides: [{ path: 'products[].new_uin', expression: 'fresh' }],
      compile,
    });
    accepted(results, 'CHECKED_OK');
    assert.equal(bed.emu.registry.code(fresh)?.status, 'INTRODUCED');
  });

  it('a purchase from abroad → LP_GOODS_IMPORT: CHECKED_OK', async () => {
    const m = await read('поступление');
    // A foreign supplier (no INN) and the customs declaration on the goods row, as an import in 1C has.
    m.payload['Контрагент'] = { ...m.payload['Контрагент'], ИНН: '' };
    m.payload['Товары'][0]['НомерГТД'] = { Code: '10702070/011126/0012345' };
    for (const c of m.onec['codes']) {
      const rec = bed.emu.registry.code(normalizeCode(c.value));
      if (rec) rec.status = 'APPLIED'; // codes applied abroad, not yet in circulation
    }
    const results = await mapAndSend(m);
    assert.equal(results[0]?.doc.type, 'LP_GOODS_IMPORT');
    accepted(results, 'CHECKED_OK');
  });
});
