/**
 * OData injection through the nodes: every field of onec-read (query, ref, watch) and onec-write
 * that a message can set gets hostile values. Each is either refused with a catchable
 * ZnakFlowError naming the field (and then nothing at all is sent to 1C), or escaped: the request
 * the 1C emulator receives is decoded with its own parsers and its filter must be exactly the
 * intended condition(s), with no extra query parameter.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_STATUS_PROPERTY, startOnecEmulator, type OnecEmulator } from '../../lib/emulators/onec';
import { helper, packNodes } from '../support/helper';
import { and, cmp, filterOf, HOSTILE_VALUES, readTarget, stringFn } from '../support/odata-injection';

const NODES = packNodes('onec-connection', 'onec-read', 'onec-write');
const SALES = 'Document_РеализацияТоваровУслуг';
type Msg = Record<string, any>;
const GUID = '8d04ce3c-6360-11e9-dd92-fa163e8ba11d';
const isName = (h: string): boolean => /^[\p{L}_][\p{L}\p{N}_]*$/u.test(h);

describe('OData injection through onec-read and onec-write (every field msg can set)', function () {
  this.timeout(120000);
  let emu: OnecEmulator;
  let userDir: string;
  const outs: Msg[] = [];
  const errs: Msg[] = [];

  before(async () => {
    emu = await startOnecEmulator();
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-inj-'));
    helper.settings({ userDir });
    const base = { z: 'tab', connection: 'c1', version: 1, wires: [['out']] };
    const read = (id: string, extra: Record<string, unknown>) => ({
      id,
      type: 'onec-read',
      ...base,
      mode: 'query',
      preset: 'ut11',
      kind: 'sales',
      output: 'array',
      resolve: false,
      interval: 0,
      ...extra,
    });
    const fromMsg = (field: string, op: string, type: string, extra: Record<string, unknown> = {}) => [
      { field, op, type, value: 'payload', valueType: 'msg', ...extra },
    ];
    const flow = [
      { id: 'tab', type: 'tab' },
      { id: 'c1', type: 'onec-connection', url: emu.url, version: 1 },
      read('qstr', { conditions: fromMsg('Number', 'eq', 'string') }),
      read('qsub', { conditions: fromMsg('Number', 'substringof', 'string') }),
      read('qstart', { conditions: fromMsg('Контрагент/ИНН', 'startswith', 'string') }),
      read('qguid', { conditions: fromMsg('Контрагент_Key', 'eq', 'guid') }),
      read('qdate', { conditions: fromMsg('Date', 'ge', 'datetime') }),
      read('qnum', { conditions: fromMsg('СуммаДокумента', 'gt', 'number') }),
      read('qbool', { conditions: fromMsg('Posted', 'eq', 'boolean') }),
      read('qenum', { conditions: fromMsg('ВидОперации', 'eq', 'enum') }),
      read('qref', { conditions: fromMsg('Основание', 'eq', 'ref', { refType: 'Document_ЗаказКлиента' }) }),
      read('qnames', {
        entity: 'entity',
        entityType: 'msg',
        select: 'select',
        selectType: 'msg',
        orderby: 'orderby',
        orderbyType: 'msg',
        top: 'top',
        topType: 'msg',
      }),
      read('qraw', {
        conditions: [{ field: 'Posted', op: 'eq', type: 'boolean', value: 'true', valueType: 'bool' }],
        useRaw: true,
        rawFilter: 'payload',
        rawFilterType: 'msg',
      }),
      read('rref', { mode: 'ref', ref: 'payload', refType: 'msg', entity: 'entity', entityType: 'msg' }),
      read('wwatch', {
        mode: 'watch',
        entity: 'payload',
        entityType: 'msg',
        lookbackHours: 1,
        since: '2026-01-01',
        confirm: 'off',
      }),
      {
        id: 'wreg',
        type: 'onec-write',
        ...base,
        mode: 'register',
        property: 'property',
        propertyType: 'msg',
        value: 'payload',
        valueType: 'msg',
      },
      {
        id: 'wpatch',
        type: 'onec-write',
        ...base,
        mode: 'patch',
        attribute: 'Комментарий',
        value: 'payload',
        valueType: 'msg',
      },
      { id: 'out', type: 'helper', z: 'tab' },
      { id: 'k1', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['err']] },
      { id: 'err', type: 'helper', z: 'tab' },
    ];
    await helper.load(NODES, flow, { c1: { username: 'odata', password: 'odata' } });
    helper.getNode('out').on('input', (m: Msg) => outs.push(m));
    helper.getNode('err').on('input', (m: Msg) => errs.push(m));
  });
  after(async () => {
    await helper.unload();
    await emu.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  let sent = 0;
  /** Send one message; resolve with what came out (a message or a Catch) and the requests 1C received. */
  async function run(
    id: string,
    msg: Msg,
  ): Promise<{ out?: Msg; err?: Msg; requests: ReturnType<typeof readTarget>[] }> {
    const o = outs.length;
    const e = errs.length;
    emu.requests.reset();
    helper.getNode(id).receive(msg);
    sent++;
    const t0 = Date.now();
    while (outs.length === o && errs.length === e) {
      if (Date.now() - t0 > 10000) throw new Error(`${id}: no outcome for ${JSON.stringify(msg)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const prefix = new URL(emu.serviceRoot).pathname;
    const requests = emu.requests.log.map((l) => readTarget(l.target.slice(prefix.length)));
    return { out: outs[o], err: errs[e], requests };
  }

  function refused(r: Awaited<ReturnType<typeof run>>, field: string, what: string): void {
    assert.ok(r.err, `${what}: expected a refusal, got ${JSON.stringify(r.out?.['payload'])?.slice(0, 200)}`);
    const error = r.err['error'] as { code?: string; message: string };
    assert.ok(error.code, `${what}: a machine code (${error.message})`);
    const esc = field.replace(/[.[\]]/g, '\\$&');
    assert.match(error.message, new RegExp(`^(Error: )?${esc}: [\\s\\S]* / `), `${what}: ${error.message}`);
    assert.deepEqual(r.requests, [], `${what}: nothing is sent to 1C`);
  }

  it('onec-read query: condition values — strings stay one literal, typed values are refused naming the field', async () => {
    let escaped = 0;
    let refusedCount = 0;
    for (const h of HOSTILE_VALUES) {
      for (const [id, expr] of [
        ['qstr', cmp('Number', 'eq', h, 'str')],
        ['qsub', stringFn('substringof', 'Number', h)],
        ['qstart', stringFn('startswith', 'Контрагент/ИНН', h)],
      ] as const) {
        const r = await run(id, { payload: h });
        assert.ok(r.out, `${id} ${JSON.stringify(h)}: ${r.err?.['error']?.message}`);
        assert.equal(r.requests.length, 1);
        const req = r.requests[0]!;
        assert.equal(req.path, SALES);
        // paging parameters of our own only: nothing the value could have added
        const extra = [...req.params.keys()].filter(
          (k) => !['$filter', '$format', '$orderby', '$top', '$skip'].includes(k),
        );
        assert.deepEqual(extra, [], `${id} ${JSON.stringify(h)}`);
        assert.equal(req.params.get('$orderby'), 'Date asc,Ref_Key asc');
        assert.deepEqual(filterOf(req), expr, `${id} ${JSON.stringify(h)}`);
        const rows = r.out['payload'] as Msg[];
        assert.ok(Array.isArray(rows));
        for (const row of rows) {
          // whatever 1C found satisfies the intended condition and nothing else
          if (id === 'qstr') assert.equal(row['Number'], h);
          if (id === 'qsub') assert.ok(String(row['Number']).includes(h));
        }
        escaped++;
      }
      for (const [id, field] of [
        ['qguid', 'Контрагент_Key'],
        ['qdate', 'Date'],
        ['qnum', 'СуммаДокумента'],
        ['qbool', 'Posted'],
        ['qenum', 'ВидОперации'],
        ['qref', 'Основание'],
      ] as const) {
        if (id === 'qenum' && isName(h)) continue; // a plain word is a valid enum value name
        refused(await run(id, { payload: h }), field, `${id} ${JSON.stringify(h)}`);
        refusedCount++;
      }
    }
    console.log(
      `      OData injection (nodes, condition values): ${escaped} escaped, ${refusedCount} refused`,
    );
  });

  it('onec-read query: entity, select, orderby and top from msg are refused naming the field; raw filter stays in its brackets', async () => {
    let n = 0;
    for (const h of HOSTILE_VALUES) {
      const ok = {
        entity: 'Catalog_Контрагенты',
        select: 'Ref_Key,ИНН',
        orderby: 'Description desc',
        top: 3,
      };
      // (blank values mean "not set": the preset's defaults)
      if (!isName(h) && h.trim() !== '') {
        refused(await run('qnames', { ...ok, entity: h }), 'entity', `entity ${JSON.stringify(h)}`);
        refused(
          await run('qnames', { ...ok, select: `Ref_Key,${h}` }),
          'select',
          `select ${JSON.stringify(h)}`,
        );
        refused(await run('qnames', { ...ok, orderby: h }), 'orderby', `orderby ${JSON.stringify(h)}`);
        n += 3;
      }
      if (h.trim() !== '') {
        refused(await run('qnames', { ...ok, top: h }), 'top', `top ${JSON.stringify(h)}`);
        n++;
      }
      // the raw filter is the user's own OData, explicitly: it may not parse, but it never leaves
      // its brackets (the Posted condition of the flow stays ANDed) nor its $filter parameter
      const r = await run('qraw', { payload: h });
      if (r.err) {
        const e = r.err['error'] as { code: string; message: string };
        if (e.code === 'ONEC_BAD_VALUE') {
          assert.match(e.message, /^(Error: )?rawFilter: /, e.message);
          assert.deepEqual(r.requests, []);
        } else {
          assert.equal(e.code, 'ONEC_BAD_REQUEST', e.message); // 1C could not parse it
        }
      }
      for (const req of r.requests) {
        const extra = [...req.params.keys()].filter(
          (k) => !['$filter', '$format', '$orderby', '$top', '$skip'].includes(k),
        );
        assert.deepEqual(extra, [], JSON.stringify(h));
        assert.ok(req.params.get('$filter')!.startsWith('Posted eq true and ('));
        let f;
        try {
          f = filterOf(req);
        } catch {
          continue;
        }
        assert.equal((f as { op: string }).op, 'and');
        assert.deepEqual((f as { l: unknown }).l, cmp('Posted', 'eq', true, 'bool'));
      }
      n++;
    }
    // a valid set of the same fields goes through
    const r = await run('qnames', {
      entity: 'Catalog_Контрагенты',
      select: 'Ref_Key,ИНН',
      orderby: 'Description desc',
      top: 3,
    });
    assert.equal((r.out?.['payload'] as unknown[]).length, 3);
    console.log(`      OData injection (nodes, names/top/raw): ${n} hostile messages`);
  });

  it('onec-read by reference and watch: ref and entity from msg are refused naming the field', async () => {
    let n = 0;
    for (const h of HOSTILE_VALUES) {
      refused(await run('rref', { payload: h, entity: SALES }), 'ref', `ref ${JSON.stringify(h)}`);
      n++;
      if (h.trim() !== '') {
        // text after a valid GUID (a `guid'…'` trick) is refused, not cut off
        refused(
          await run('rref', { payload: `${GUID}${h}`, entity: SALES }),
          'ref',
          `ref GUID+${JSON.stringify(h)}`,
        );
        n++;
      }
      // (a blank entity means the preset's document set)
      if (!isName(h) && h.trim() !== '') {
        refused(await run('rref', { payload: GUID, entity: h }), 'entity', `entity ${JSON.stringify(h)}`);
        refused(await run('wwatch', { payload: h }), 'entity', `watch entity ${JSON.stringify(h)}`);
        n += 2;
      }
    }
    // a real reference in upper case reaches 1C as one guid key
    const doc = emu.store.world.documents[0]!;
    const r = await run('rref', { payload: doc.ref.toUpperCase(), entity: SALES });
    assert.equal(r.out?.['payload'].Ref_Key, doc.ref);
    assert.equal(r.requests[0]!.path, `${SALES}(guid'${doc.ref.toLowerCase()}')`);
    console.log(`      OData injection (nodes, ref/watch): ${n} hostile messages`);
  });

  it('onec-write: entity, ref and property from msg refused or escaped; the value is written verbatim', async () => {
    const doc = emu.store.world.documents[0]!;
    let n = 0;
    for (const h of HOSTILE_VALUES) {
      const msg = (extra: Msg): Msg => ({
        payload: 'v',
        property: DEMO_STATUS_PROPERTY,
        onec: { entity: SALES, ref: doc.ref },
        ...extra,
      });
      for (const id of ['wreg', 'wpatch']) {
        refused(
          await run(id, msg({ onec: { entity: SALES, ref: h } })),
          'ref',
          `${id} ref ${JSON.stringify(h)}`,
        );
        n++;
        if (!isName(h) && h.trim() !== '') {
          refused(
            await run(id, msg({ onec: { entity: h, ref: doc.ref } })),
            'entity',
            `${id} entity ${JSON.stringify(h)}`,
          );
          n++;
        }
      }
      // a property by name: the name never reaches the URL (the additional information is listed
      // with a fixed filter and matched here), then "not found" (catchable)
      if (h.trim() !== '') {
        const r = await run('wreg', msg({ property: h }));
        assert.ok(r.err, JSON.stringify(h));
        assert.equal(r.err['error'].code, 'ONEC_PROPERTY', r.err['error'].message);
        assert.ok(r.requests.length >= 1);
        for (const req of r.requests) {
          const f = filterOf(req);
          assert.deepEqual(
            f,
            and(
              cmp('DeletionMark', 'eq', false, 'bool'),
              cmp('ЭтоДополнительноеСведение', 'eq', true, 'bool'),
            ),
            `${JSON.stringify(h)}: ${JSON.stringify(f)}`,
          );
          assert.deepEqual([...req.params.keys()].sort(), [
            '$filter',
            '$format',
            '$orderby',
            '$select',
            '$top',
          ]);
        }
        n++;
      }
      // the value travels in the JSON body: stored exactly as given
      const w = await run('wpatch', msg({ payload: h }));
      assert.ok(w.out, w.err?.['error']?.message);
      const stored = emu.store.get(SALES, doc.ref) as Msg;
      assert.equal(String(stored['Комментарий']).trimEnd(), h.trimEnd());
      n++;
    }
    console.log(`      OData injection (nodes, onec-write): ${n} hostile messages`);
  });

  after(() => console.log(`      OData injection through the nodes: ${sent} messages in all`));
});
