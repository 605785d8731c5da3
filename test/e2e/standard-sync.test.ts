/**
 * End to end, the examples as shipped: a real Node-RED with the pack installed from `npm pack`, both
 * emulators of the demo over HTTP, every file of examples/ deployed unchanged through the Admin API
 * (environment as the demo sets it, the 1C password in POST /flows). What is checked comes from the
 * emulators (documents received, 1C register records), the journal endpoint and the debug sidebar
 * (comms websocket) — never from the pack's own view of what it did.
 */
import assert from 'node:assert/strict';
import { deployFlows } from '../../scripts/lib/runtime';
import { requireGost } from '../support/gost';
import {
  cisOf,
  countPerSaleAndGroup,
  duplicates,
  expectedShipments,
  FINAL_STATUSES,
  nodeOf,
  postSale,
  registerCodesInCz,
  SALES,
  sentShipments,
  startStack,
  waitFor,
  writtenBack,
  writtenBackAll,
  type SentShipment,
  type Stack,
} from '../support/stack';

type Rec = Record<string, unknown>;

const FINAL = FINAL_STATUSES;

function parseDebug(m: { msg: string; format?: string }): unknown {
  try {
    return JSON.parse(m.msg) as unknown;
  } catch {
    return m.msg;
  }
}

describe('e2e: examples as shipped in a real Node-RED against both emulators', function () {
  this.timeout(300000);
  let s: Stack;
  let t0 = 0;
  const scenario: { wrong?: { ref: string; number: string } } = {};

  before(async function () {
    await requireGost(this);
    // the demo with its fur coats: furs go as LP_SHIP_GOODS, every other group as a УПД
    s = await startStack({ world: { furs: true } });
    t0 = Date.now();
  });
  after(async () => {
    await s?.stop();
  });

  const posted = (): ReturnType<typeof expectedShipments> => expectedShipments(s.demo);

  /** Every expected shipment received and processed, and every outcome written back into 1C. */
  async function settled(timeoutMs: number): Promise<SentShipment[]> {
    return waitFor(
      async () => {
        const sent = sentShipments(s.demo);
        const want = posted();
        const have = countPerSaleAndGroup(sent);
        if (want.some((w) => !have.get(`${w.number}|${w.pg}`))) return false;
        if (sent.some((d) => !FINAL.has(d.status))) return false;
        const values = await writtenBackAll(s.demo);
        const refs = new Set(want.map((w) => w.ref.toLowerCase()));
        for (const ref of refs) {
          const v = values.get(ref) ?? '';
          const ids = sent.filter((d) =>
            want.some((w) => w.ref.toLowerCase() === ref && w.number === d.number),
          );
          if (!ids.every((d) => v.includes(d.id))) return false;
        }
        return sent;
      },
      timeoutMs,
      () => {
        const sent = sentShipments(s.demo);
        return `every posted sale in Честный ЗНАК and written back: want ${posted().length}, have ${sent.length} (${sent
          .map((d) => `${d.number}/${d.pg}:${d.status}`)
          .join(', ')})\n${s.rt.log().slice(-3000)}`;
      },
      500,
    );
  }

  it('sends every posted sale exactly once, one document per product group, with the codes, INNs and prices of 1C', async () => {
    const sent = await settled(120000);
    console.log(
      `      ${sent.length} documents for ${posted().length} expected, sent and written back ${((Date.now() - t0) / 1000).toFixed(1)} s after the deploy`,
    );
    assert.deepEqual(duplicates(sent), [], 'no (sale, product group) received twice');
    // the True API of 2027: UUID token only (a JWT sign-in is refused with 400), doc/list with dates
    assert.equal(s.demo.cz.options.apiRules, '2027');
    assert.ok((s.demo.cz.counters['auth/simpleSignIn'] ?? 0) > 0, 'signed in');
    assert.equal(s.demo.cz.counters['responses/400'] ?? 0, 0, 'no sign-in or doc/list refused');
    const want = posted();
    assert.equal(sent.length, want.length, 'nothing besides the posted sales');
    const store = s.demo.onec.store;
    const items = new Map(s.demo.world.items.map((i) => [i.ref, i]));
    const codeItem = new Map(
      store
        .rows('Catalog_ШтрихкодыУпаковокТоваров')
        .map((c) => [cisOf(String(c['ЗначениеШтрихкода'])), String(c['Номенклатура_Key'])]),
    );
    const org = s.demo.world.organisation.inn;
    for (const w of want) {
      const d = sent.find((x) => x.number === w.number && x.pg === w.pg) as SentShipment;
      assert.equal(d.type, w.route, `${w.number}/${w.pg}: furs by LP_SHIP_GOODS, the rest by УПД`);
      const sale = store.find(SALES, w.ref) as Rec;
      const rows = (sale['Товары'] as Rec[]).filter(
        (row) => items.get(String(row['Номенклатура_Key']))?.pg === w.pg,
      );
      if (d.type === 'UPD') {
        // the buyer received one УПД of this group with exactly its codes (boxes as НомУпак), signed it,
        // and ГИС МТ moved every code (box contents included) to the buyer
        const t = d.upd!.title;
        assert.deepEqual(d.codes, w.topCodes, `${w.number}/${w.pg}: the codes of 1C in the УПД`);
        assert.deepEqual([t.seller.inn, t.buyer.inn, d.receiverInn], [org, w.receiverInn, w.receiverInn]);
        assert.equal(t.isoDate, String(sale['Date']).slice(0, 10), `${w.number}: date of 1C`);
        assert.equal(t.function, 'СЧФДОП');
        assert.equal(d.status, 'ACCEPTED', `${w.number}/${w.pg}: signed by the buyer, accepted by ГИС МТ`);
        for (const c of w.codes)
          assert.equal(s.demo.cz.registry.code(c)?.ownerInn, w.receiverInn, `${c} now the buyer's`);
        const total = rows.reduce((a, row) => a + Math.round(Number(row['СуммаСНДС']) * 100), 0);
        assert.equal(Math.round(d.upd!.totalPrice * 100), total, `${w.number}/${w.pg}: the sum of its rows`);
        for (const row of rows) {
          const item = items.get(String(row['Номенклатура_Key']))!;
          const line = t.lines.find((l) => l.name === item.name);
          assert.ok(line, `${w.number}: a line for ${item.name}`);
          assert.equal(line.quantity, Number(row['Количество']), `${w.number}: quantity of ${item.name}`);
        }
        continue;
      }
      assert.deepEqual(d.codes, w.codes, `${w.number}/${w.pg}: the codes of 1C, boxes expanded`);
      assert.equal(d.body['sender_inn'], org, `${w.number}: sender`);
      assert.equal(d.body['receiver_inn'], w.receiverInn, `${w.number}: receiver`);
      assert.equal(d.receiverInn, w.receiverInn);
      assert.equal(d.body['turnover_type'], 'SELLING');
      assert.equal(d.body['document_date'], String(sale['Date']).slice(0, 10), `${w.number}: date of 1C`);
      // Prices: per goods row of 1C, the codes of its item add up to the row's amount and VAT in kopecks.
      const products = d.body['products'] as Rec[];
      for (const row of rows) {
        const item = items.get(String(row['Номенклатура_Key']))!;
        const mine = products.filter((p) => codeItem.get(String(p['uit_code'])) === item.ref);
        assert.equal(
          mine.length,
          Number(row['Количество']),
          `${w.number}: one code per unit of ${item.name}`,
        );
        for (const p of mine) {
          assert.match(String(p['product_cost']), /^\d+$/, 'kopecks as an integer string');
          assert.match(String(p['product_tax']), /^\d+$/);
          assert.ok(Math.abs(Number(p['product_cost']) - Number(row['Цена']) * 100) <= 1, 'price per unit');
        }
        const cost = mine.reduce((a, p) => a + Number(p['product_cost']), 0);
        const tax = mine.reduce((a, p) => a + Number(p['product_tax']), 0);
        assert.equal(cost, Math.round(Number(row['СуммаСНДС']) * 100), `${w.number}: amount of ${item.name}`);
        assert.equal(tax, Math.round(Number(row['СуммаНДС']) * 100), `${w.number}: VAT of ${item.name}`);
      }
    }
    assert.ok(
      want.some((w) => w.route === 'LP_SHIP_GOODS') && want.some((w) => w.route === 'UPD'),
      'both routes in one flow',
    );
    // The mixed sale became two УПД under one 1C number (suffixed /1, /2: ГИС МТ refuses two with one
    // number and date); the ИП's buyer is not in ЭДО Лайт: refused before sending, the reason in 1C.
    const byComment = (c: string): Rec => store.rows(SALES).find((x) => x['Комментарий'] === c) as Rec;
    const mixed = String(byComment('смешанная: одежда и обувь')['Number']);
    assert.deepEqual(
      sent
        .filter((d) => d.number === mixed)
        .map((d) => [d.pg, d.upd?.number])
        .sort(),
      [
        ['lp', `${mixed}/1`],
        ['shoes', `${mixed}/2`],
      ],
    );
    const ip = byComment('покупатель не зарегистрирован в ГИС МТ');
    assert.equal(sent.filter((d) => d.number === ip['Number']).length, 0, 'no УПД to an unknown buyer');
    assert.match(String(await writtenBack(s.demo, String(ip['Ref_Key']))), /не найден в ЭДО Лайт/);
    for (const c of ['не проведён', 'помечен на удаление']) {
      const n = String(byComment(c)['Number']);
      assert.equal(sent.filter((d) => d.number === n).length, 0, `${c}: never sent`);
    }
  });

  it('writes every outcome back into 1C (additional information of the sale), one line per product group', async () => {
    const sent = sentShipments(s.demo);
    const values = await writtenBackAll(s.demo);
    for (const w of posted()) {
      const v = values.get(w.ref.toLowerCase()) ?? '';
      const docs = sent.filter((d) => d.number === w.number);
      for (const d of docs) {
        assert.ok(v.includes(d.id), `${w.number}: the document id ${d.id} in «${v}»`);
        assert.ok(v.includes(`[${d.status}]`), `${w.number}: the status ${d.status} in «${v}»`);
      }
      if (docs.length > 1) {
        // a line per group, whichever route the group took (the coat and T-shirt sale: furs and lp)
        const groups = v.split('\n').map((line) => /^\[([a-z_]+)\] /.exec(line)?.[1]);
        assert.deepEqual(
          groups.sort(),
          docs.map((d) => d.pg).sort(),
          `${w.number}: one line per group in «${v}»`,
        );
      }
    }
    const store = s.demo.onec.store;
    for (const c of ['не проведён', 'помечен на удаление']) {
      const ref = String((store.rows(SALES).find((x) => x['Комментарий'] === c) as Rec)['Ref_Key']);
      assert.equal(values.get(ref), undefined, `${c}: nothing written`);
    }
    const j = await s.journal();
    const entries = j.journals.flatMap((x) => x.entries).filter((e) => e.type === 'LP_SHIP_GOODS');
    const lp = sent.filter((d) => d.type === 'LP_SHIP_GOODS');
    assert.ok(lp.length > 0);
    assert.equal(entries.length, lp.length, 'the journal has one entry per document');
    for (const e of entries) {
      assert.equal(e.state, 'final', `${e.key}: ${e.state} ${e.lastError ?? ''}`);
      assert.ok(sent.some((d) => d.id === e.documentId));
    }
    // Status of the sending node: a short journal summary.
    const st = s.comms?.statuses('zf-std-send').at(-1);
    assert.ok(st?.text && /\d/.test(st.text), `cz-send status: ${JSON.stringify(st)}`);
  });

  it('while it runs: sends a newly posted sale, does not send an edit of an accepted one again, writes a rejection back', async () => {
    const store = s.demo.onec.store;
    const countBefore = sentShipments(s.demo).length;
    // 1. a new sale of clothing and shoes
    const fresh = postSale(s.demo, [
      { item: 0, quantity: 2 },
      { item: 3, quantity: 1 },
    ]);
    // 2. an edit of a sale whose УПД the buyer signed: a new DataVersion, nothing else — a signed УПД is
    // corrected by a УПДи, never by a second УПД: edo-send refuses it (to the Catch node)
    const edited = store.rows(SALES).find((x) => x['Комментарий'] === 'обувь') as Rec;
    const editedRef = String(edited['Ref_Key']);
    const editedDocs = sentShipments(s.demo)
      .filter((d) => d.number === edited['Number'])
      .map((d) => d.id);
    const editedValue = await writtenBack(s.demo, editedRef);
    const newVersion = String(store.touch(SALES, editedRef)['DataVersion']);
    // 3. a sale whose codes ГИС МТ does not know: the buyer checks them and refuses the УПД (REFUSED)
    scenario.wrong = postSale(s.demo, [{ item: 1, quantity: 2 }], {
      registered: false,
      comment: 'e2e: wrong codes',
    });
    const t = Date.now();
    const wrong = scenario.wrong;
    await waitFor(
      async () => {
        const sent = sentShipments(s.demo);
        const a = sent.filter((d) => d.number === fresh.number);
        const b = sent.find((d) => d.number === wrong.number);
        const values = await writtenBackAll(s.demo);
        const va = values.get(fresh.ref) ?? '';
        const vb = values.get(wrong.ref) ?? '';
        const editSeen = s.comms?.events.some(
          (e) =>
            e.topic === 'debug' &&
            e.at > t &&
            (e.data as { id?: string }).id === 'zf-std-debug-errors' &&
            /UPD_CORRECTION_REQUIRED|УПДи/.test(String((e.data as { msg?: string }).msg)),
        );
        return (
          a.length === 2 &&
          a.every((d) => va.includes(d.id)) &&
          b?.status === 'REFUSED' &&
          vb.includes('[REFUSED]') &&
          editSeen
        );
      },
      120000,
      () => `the three changes handled\n${s.rt.log().slice(-3000)}`,
      500,
    );
    console.log(
      `      handled ${((Date.now() - t) / 1000).toFixed(1)} s after the changes (watch interval 30 s)`,
    );
    const sent = sentShipments(s.demo);
    assert.deepEqual(
      sent
        .filter((d) => d.number === fresh.number)
        .map((d) => d.pg)
        .sort(),
      ['lp', 'shoes'],
      'the new sale: one document per group',
    );
    assert.deepEqual(
      sent.filter((d) => d.number === edited['Number']).map((d) => d.id),
      editedDocs,
      'no new document for a new version of an accepted one',
    );
    assert.equal(await writtenBack(s.demo, editedRef), editedValue, 'the outcome in 1C stays');
    const j = await s.journal();
    assert.ok(
      !j.journals.flatMap((x) => x.entries).some((e) => e.key.includes(newVersion)),
      'no journal entry for the unsent version',
    );
    const rejected = sent.find((d) => d.number === wrong.number) as SentShipment;
    assert.match(String(rejected.errors[0]), /не принадлежат продавцу/);
    const vb = String(await writtenBack(s.demo, wrong.ref));
    assert.match(vb, /не принадлежат продавцу/, `the buyer's reason in 1C: ${vb}`);
    assert.equal(sent.length, countBefore + 3);
  });

  it('sends the corrected version of the rejected sale once, and never the rejected version again', async () => {
    const store = s.demo.onec.store;
    const wrong = scenario.wrong;
    assert.ok(wrong, 'the previous test posted it');
    // The accountant fixes the codes in 1C: a new version with codes Честный ЗНАК knows.
    const fixedCodes = store.addCodes(s.demo.world.items[1]!.ref, 2);
    registerCodesInCz(s.demo, fixedCodes);
    store.modify(SALES, wrong.ref, {
      ШтрихкодыУпаковок: fixedCodes.map((r, i) => ({ LineNumber: i + 1, ШтрихкодУпаковки_Key: r })),
    });
    const docs = await waitFor(
      async () => {
        const d = sentShipments(s.demo).filter((x) => x.number === wrong.number);
        const v = await writtenBack(s.demo, wrong.ref);
        const ok = d.find((x) => x.status === 'ACCEPTED');
        return ok && v?.includes(ok.id) && !v.includes('REFUSED') ? d : false;
      },
      90000,
      'the corrected version sent, accepted and written back',
      500,
    );
    assert.equal(docs.length, 2, 'the refused version once, the corrected one once');
    assert.deepEqual(duplicates(sentShipments(s.demo)), []);
  });

  it('sends nothing again after a full redeploy (the journal and the watch state persist)', async () => {
    const before = sentShipments(s.demo).length;
    const t = Date.now();
    await deployFlows(s.rt, s.flows, { credentials: s.demo.credentials });
    // the first poll after a deploy comes as soon as the flows have started (flows:started); its status
    // shows the time it ended (it may end within half a second of the deploy request)
    await waitFor(
      () =>
        s.comms?.events.some(
          (e) =>
            e.topic === 'status/zf-std-read' &&
            e.at > t &&
            /\d\d:\d\d:\d\d/.test(String((e.data as { text?: string }).text)),
        ),
      30000,
      'a watch poll after the redeploy',
    );
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(sentShipments(s.demo).length, before);
  });

  // ----------------------------------------------------------------------------------------------
  // The other examples, deployed together with standard-sync (as `npm start` deploys them).

  it('balance.json: the personal-account balance in roubles', async () => {
    const t = Date.now();
    await s.inject('zf-ex-balance-inject');
    const m = await s.comms!.waitFor(
      () =>
        s.comms!.events.find(
          (e) => e.at >= t && e.topic === 'debug' && (e.data as { id: string }).id === 'zf-ex-balance-debug',
        ),
      20000,
      'the balance in the debug sidebar',
    );
    const msg = parseDebug(m.data as { msg: string }) as {
      payload: Rec[];
      cz: { balance: { roubles: number } };
    };
    const org = s.demo.cz.registry.participant(s.demo.world.organisation.inn)!;
    const kopecks = [...org.balances.values()].reduce((a, b) => a + b, 0);
    assert.equal(msg.cz.balance.roubles, kopecks / 100);
    assert.ok(Array.isArray(msg.payload) && msg.payload.length === org.balances.size);
    // the alert branch: the demo's footwear account (50 000.50 ₽, less what the СУЗ example's shoes
    // orders cost by now) is below the example's 100 000 ₽
    const shoes = Number(msg.payload.find((e) => e['productGroup'] === 'shoes')?.['balanceRoubles']);
    const alert = await s.comms!.waitFor(
      () =>
        s.comms!.events.find(
          (e) => e.at >= t && e.topic === 'debug' && (e.data as { id: string }).id === 'zf-ex-balance-alert',
        ),
      20000,
      'the low-balance alert in the debug sidebar',
    );
    assert.equal(
      parseDebug(alert.data as { msg: string }),
      `Мало денег на лицевом счёте / Low balance: shoes ${shoes.toFixed(2)} ₽ < 100000 ₽`,
    );
    await s.comms!.waitFor(
      () =>
        s.comms!.events.find(
          (e) =>
            e.at >= t &&
            e.topic === 'status/zf-ex-balance-status' &&
            String((e.data as { text?: string }).text).includes(`shoes ${shoes.toFixed(2)}`),
        ),
      20000,
      'the low balance on the node status',
    );
  });

  it('check-codes.json: the status of marking codes from cises/info', async () => {
    const t = Date.now();
    await s.inject('zf-ex-codes-inject');
    const m = await s.comms!.waitFor(
      () =>
        s.comms!.events.find(
          (e) => e.at >= t && e.topic === 'debug' && (e.data as { id: string }).id === 'zf-ex-codes-debug',
        ),
      20000,
      'the codes in the debug sidebar',
    );
    const msg = parseDebug(m.data as { msg: string }) as {
      payload: Array<{ cisInfo: Rec }>;
      cz: { codes: Rec };
    };
    const asked = JSON.parse(String(nodeOf(s.flows, 'zf-ex-codes-inject')['payload'])) as string[];
    assert.equal(msg.payload.length, asked.length);
    for (const [i, it] of msg.payload.entries()) {
      const rec = s.demo.cz.registry.code(asked[i] as string);
      assert.ok(rec, `${asked[i]} is a demo code`);
      assert.equal(it.cisInfo['status'], rec.status);
      assert.equal(it.cisInfo['ownerInn'], rec.ownerInn);
    }
    assert.deepEqual(msg.cz.codes, { total: asked.length, found: asked.length, notFound: 0 });
  });

  it('map-document.json: a mixed sale becomes two documents gathered by a join; a broken one lists its problems', async () => {
    const t = Date.now();
    await s.inject('zf-ex-map-inject-ok');
    const joined = await s.comms!.waitFor(
      () =>
        s.comms!.events.find(
          (e) =>
            e.at >= t && e.topic === 'debug' && (e.data as { id: string }).id === 'zf-ex-map-debug-joined',
        ),
      20000,
      'the joined documents',
    );
    const docs = parseDebug(joined.data as { msg: string }) as unknown;
    const list = (
      Array.isArray(docs) ? docs : ((docs as { payload?: unknown }).payload as unknown[])
    ) as Rec[];
    assert.equal(list.length, 2, JSON.stringify(docs).slice(0, 500));
    await s.inject('zf-ex-map-inject-bad');
    const bad = await s.comms!.waitFor(
      () =>
        s.comms!.events.find(
          (e) => e.at >= t && e.topic === 'debug' && (e.data as { id: string }).id === 'zf-ex-map-debug-bad',
        ),
      20000,
      'the invalid document with its errors',
    );
    const b = parseDebug(bad.data as { msg: string }) as { errors?: Rec[] } | Rec[];
    const errors = Array.isArray(b) ? b : (b.errors ?? []);
    assert.ok(errors.length >= 1, JSON.stringify(b).slice(0, 500));
    for (const e of errors) assert.ok(e['message_ru'] && e['message_en'] && e['path'] !== undefined);
  });

  it('onec-read.json: watch, query by INN and read by reference against the 1C emulator', async () => {
    // The watch emitted every posted sale once (nothing downstream confirms, so once).
    const watched = await s.comms!.waitFor(
      () => {
        const l = s.comms!.debug('zf-ex-1cr-debug-watch');
        return l.length >= 6 ? l : undefined;
      },
      40000,
      'the watched sales in the debug sidebar',
    );
    const docs = watched.map((d) => parseDebug(d) as Rec);
    const store = s.demo.onec.store;
    const postedRefs = store
      .rows(SALES)
      .filter((x) => x['Posted'] === true && x['DeletionMark'] !== true)
      .map((x) => String(x['Ref_Key']));
    for (const d of docs) {
      const ref = String(d['ref'] ?? '');
      assert.ok(postedRefs.includes(ref), `only posted sales are watched: ${ref}`);
    }
    let t = Date.now();
    await s.inject('zf-ex-1cr-inject-inn');
    const inn = String(nodeOf(s.flows, 'zf-ex-1cr-inject-inn')['payload']);
    await s.comms!.waitFor(
      () =>
        s.comms!.events.find(
          (e) =>
            e.at >= t && e.topic === 'debug' && (e.data as { id: string }).id === 'zf-ex-1cr-debug-query',
        ),
      20000,
      'the query result',
    );
    await new Promise((r) => setTimeout(r, 500));
    const found = s
      .comms!.events.filter(
        (e) => e.at >= t && e.topic === 'debug' && (e.data as { id: string }).id === 'zf-ex-1cr-debug-query',
      )
      .map((e) => parseDebug(e.data as { msg: string }) as Rec);
    const buyer = s.demo.world.counterparties.find((c) => c.inn === inn);
    assert.ok(buyer, 'the example asks for a demo buyer');
    const want = store.rows(SALES).filter((x) => x['Контрагент_Key'] === buyer.ref).length;
    assert.equal(found.length, want, `sales of ${inn}`);
    t = Date.now();
    await s.inject('zf-ex-1cr-inject-ref');
    const byRef = await s.comms!.waitFor(
      () =>
        s.comms!.events.find(
          (e) => e.at >= t && e.topic === 'debug' && (e.data as { id: string }).id === 'zf-ex-1cr-debug-ref',
        ),
      20000,
      'the document by reference',
    );
    const one = parseDebug(byRef.data as { msg: string });
    const ref = String(nodeOf(s.flows, 'zf-ex-1cr-inject-ref')['payload']);
    assert.ok(JSON.stringify(one).includes('0104'), 'marking codes are shown');
    const sale = store.find(SALES, ref) as Rec;
    assert.ok(sale, 'the example reads a demo sale');
  });

  it('onec-write.json: writes a status into 1C once (the second press changes nothing) and into an attribute', async () => {
    const injectOk = nodeOf(s.flows, 'zf-ex-1cw-inject-ok');
    const props = injectOk['props'] as Array<{ p: string; v: string }>;
    const onec = JSON.parse((props.find((p) => p.p === 'onec') as { v: string }).v) as { ref: string };
    const t = Date.now();
    await s.inject('zf-ex-1cw-inject-ok');
    await s.comms!.waitFor(
      () =>
        s.comms!.events.find(
          (e) => e.at >= t && e.topic === 'debug' && (e.data as { id: string }).id === 'zf-ex-1cw-debug',
        ),
      20000,
      'the first write',
    );
    const value = await writtenBack(s.demo, onec.ref);
    assert.match(String(value), /CHECKED_OK/);
    const t2 = Date.now();
    await s.inject('zf-ex-1cw-inject-ok');
    const second = await s.comms!.waitFor(
      () =>
        s.comms!.events.find(
          (e) => e.at >= t2 && e.topic === 'debug' && (e.data as { id: string }).id === 'zf-ex-1cw-debug',
        ),
      20000,
      'the second write',
    );
    assert.match(String((second.data as { msg: string }).msg), /unchanged/);
    assert.equal(await writtenBack(s.demo, onec.ref), value);
    const comment = String((s.demo.onec.store.find(SALES, onec.ref) as Rec)['Комментарий']);
    const t3 = Date.now();
    await s.inject('zf-ex-1cw-inject-patch');
    await s.comms!.waitFor(
      () =>
        s.comms!.events.find(
          (e) => e.at >= t3 && e.topic === 'debug' && (e.data as { id: string }).id === 'zf-ex-1cw-debug',
        ),
      20000,
      'the attribute write',
    );
    const after = String((s.demo.onec.store.find(SALES, onec.ref) as Rec)['Комментарий']);
    assert.notEqual(after, comment);
    assert.match(after, /CHECKED_OK/);
  });

  it('send-document.json: an LK_RECEIPT sent once, followed to its status; the second press is answered from the journal', async () => {
    // this example's receipt (withdrawal.json sends receipts of its own in the same Node-RED)
    const mine = (d: { type: string; body?: unknown }): boolean =>
      d.type === 'LK_RECEIPT' && (d.body as Rec | undefined)?.['document_number'] === 'ZF-EXAMPLE-1';
    const receipts = (): number => s.demo.cz.documents().filter(mine).length;
    const t = Date.now();
    await s.inject('zf-ex-send-inject');
    const ok = await s.comms!.waitFor(
      () =>
        s.comms!.events.find(
          (e) =>
            e.at >= t &&
            e.topic === 'debug' &&
            ['zf-ex-send-ok', 'zf-ex-send-bad'].includes((e.data as { id: string }).id),
        ),
      60000,
      'the receipt followed to its status',
    );
    assert.equal((ok.data as { id: string }).id, 'zf-ex-send-ok', String((ok.data as { msg: string }).msg));
    assert.equal(receipts(), 1);
    const t2 = Date.now();
    await s.inject('zf-ex-send-inject');
    await s.comms!.waitFor(
      () =>
        s.comms!.events.find(
          (e) => e.at >= t2 && e.topic === 'debug' && (e.data as { id: string }).id === 'zf-ex-send-dup',
        ),
      20000,
      'the second press answered as already sent',
    );
    assert.equal(receipts(), 1, 'sent once');
    const d = s.demo.cz.documents().find(mine);
    assert.equal(d?.status, 'CHECKED_OK');
  });

  it('withdrawal.json: the write-off became an LK_RECEIPT with the business place from 1C, accepted', async () => {
    const w = s.demo.world;
    const wo = w.documents.find((d) => d.kind === 'writeOff');
    assert.ok(wo);
    const d = await waitFor(
      async () =>
        s.demo.cz
          .documents()
          .find(
            (x) =>
              x.type === 'LK_RECEIPT' &&
              (x.body as Rec | undefined)?.['document_number'] === wo.number &&
              FINAL.has(x.status),
          ) ?? false,
      60000,
      () => `the write-off ${wo.number} withdrawn\n${s.rt.log().slice(-3000)}`,
      500,
    );
    assert.equal(d.status, 'CHECKED_OK', d.errors.join('\n'));
    const body = d.body as Rec;
    // the warehouse's address (КонтактнаяИнформация → JSON houseId) and the organisation's КПП
    assert.equal(body['fias_id'], w.warehouses?.[0]?.address['houseId']);
    assert.equal(body['kpp'], w.organisation.kpp);
  });

  it('standard-sync.json: both connections pass «Test connection» with their deployed settings', async () => {
    const post = async (p: string, body: unknown): Promise<Rec> => {
      const r = await fetch(`${s.rt.url}/${p}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(r.status, 200);
      return (await r.json()) as Rec;
    };
    const oc = nodeOf(s.flows, 'zf-std-1c');
    const a = await post('znakflow/onec-connection/test', {
      id: oc['id'],
      url: oc['url'],
      timeout: oc['timeout'],
    });
    assert.equal(a['ok'], true, JSON.stringify(a));
    const cc = nodeOf(s.flows, 'zf-std-cz');
    const b = await post('znakflow/cz-connection/test', { id: cc['id'], config: cc });
    assert.equal(b['ok'], true, JSON.stringify(b));
    // the participant's business places (mods/list)
    const mods = b['mods'] as Array<Rec>;
    assert.deepEqual(
      mods.map((m) => m['fiasId']),
      (s.demo.world.mods ?? []).map((m) => m.fiasId),
    );
  });

  it('still: every posted sale exactly once in Честный ЗНАК, no error in the Node-RED log', () => {
    const sent = sentShipments(s.demo);
    assert.deepEqual(duplicates(sent), []);
    const want = expectedShipments(s.demo);
    const have = countPerSaleAndGroup(sent);
    for (const w of want) assert.ok(have.get(`${w.number}|${w.pg}`), `${w.number}/${w.pg} received`);
    assert.doesNotMatch(s.rt.log(), /Unhandled|uncaught/i);
  });
});
