/**
 * The reads of onec-read's «query» and «by reference» modes (lib/onec/read.ts) and the watch set
 * (lib/onec/watch-set.ts), against the 1C emulator over real HTTP.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ZnakFlowError } from '../../lib/errors';
import { OnecClient } from '../../lib/onec/client';
import {
  arrayMeta,
  readQueryOptions,
  checkRef,
  clockTime,
  readByRef,
  readQuery,
  readTarget,
  watchStateFile,
} from '../../lib/onec/read';
import { DocumentWatcher } from '../../lib/onec/watch';
import { WatchSet } from '../../lib/onec/watch-set';
import { useOnecBed } from '../support/onec-bed';

const SALES = 'Document_РеализацияТоваровУслуг';

describe('onec read (query and by reference)', function () {
  this.timeout(20000);
  const bed = useOnecBed();

  it('target: the kind from the preset, or found from the entity; an unsafe entity name is refused naming `entity`', () => {
    assert.equal(readTarget({ preset: 'ut11', kind: 'sales', entity: '' }).entity, SALES);
    const byEntity = readTarget({ preset: 'ut11', kind: '', entity: SALES });
    assert.equal(byEntity.layout.document.entity, SALES);
    const over = readTarget(
      { preset: 'ut11', kind: 'sales', entity: '' },
      { counterparty: 'Покупатель_Key' },
    );
    assert.equal(over.layout.document.counterparty, 'Покупатель_Key');
    assert.throws(
      () => readTarget({ preset: 'ut11', kind: '', entity: "Catalog_X' or 1 eq 1" }),
      (e: unknown) => e instanceof ZnakFlowError && e.field === 'entity',
    );
  });

  it('query: conditions and then the raw filter joined by and; documents ordered by Date and their header expanded', () => {
    const doc = readTarget({ preset: 'ut11', kind: 'sales', entity: '' });
    const q = readQueryOptions(doc, {
      conditions: [{ field: 'Posted', op: 'eq', value: true, type: 'boolean' }],
      rawFilter: 'DeletionMark eq false',
      select: [],
      orderby: [],
      resolve: true,
    });
    assert.deepEqual(q.filter, {
      and: [{ field: 'Posted', op: 'eq', value: true, type: 'boolean' }, { raw: 'DeletionMark eq false' }],
    });
    assert.deepEqual(q.orderby, ['Date']);
    assert.ok(q.expand && q.expand.includes('Контрагент'), JSON.stringify(q.expand));
    // a $select (or resolve off) reads the rows as they are; a catalog has no default order
    const narrowed = readQueryOptions(doc, {
      conditions: [],
      select: ['Ref_Key'],
      orderby: ['Number desc'],
      resolve: true,
    });
    assert.equal(narrowed.expand, undefined);
    assert.equal(narrowed.filter, undefined);
    assert.deepEqual(narrowed.orderby, ['Number desc']);
    const cat = readTarget({ preset: 'ut11', kind: '', entity: 'Catalog_Контрагенты' });
    const cq = readQueryOptions(cat, { conditions: [], select: [], orderby: [], resolve: true });
    assert.equal(cq.orderby, undefined);
    assert.equal(cq.expand, undefined);
  });

  it('query: posted sales of one buyer, resolved with their codes, in the order asked', async () => {
    const buyer = bed.emu.store.world.counterparties[0]!;
    const target = readTarget({ preset: 'ut11', kind: 'sales', entity: '' });
    const read = await readQuery(bed.client, target, {
      conditions: [
        { field: 'Контрагент/ИНН', op: 'eq', value: buyer.inn, type: 'string' },
        { field: 'Posted', op: 'eq', value: true, type: 'boolean' },
      ],
      select: [],
      orderby: ['Date desc'],
      resolve: true,
    });
    const expected = bed.emu.store.world.documents.filter(
      (d) => d.kind === 'sale' && d.posted && d.counterpartyRef === buyer.ref,
    );
    assert.ok(expected.length > 1);
    assert.deepEqual(
      read.documents.map((d) => d.payload['Number']),
      expected.map((d) => d.number).reverse(),
    );
    assert.deepEqual(read.failures, []);
    assert.equal(read.layout, target.layout);
    const withCodes = expected.findIndex((d) => d.packageRefs.length > 0);
    assert.ok(read.documents[expected.length - 1 - withCodes]!.codes.length > 0, 'codes resolved');
    const meta = arrayMeta(target.entity, read);
    assert.equal(meta.count, expected.length);
    assert.deepEqual(
      meta.documents.map((m) => m.number),
      expected.map((d) => d.number).reverse(),
    );
  });

  it('query: a limit on a document set is one request with $top; a catalog with $select is not resolved', async () => {
    const target = readTarget({ preset: 'ut11', kind: 'sales', entity: '' });
    const read = await readQuery(bed.client, target, {
      conditions: [],
      select: [],
      orderby: [],
      top: 2,
      resolve: false,
    });
    assert.equal(read.documents.length, 2);
    assert.equal(bed.emu.requests.total, 1);
    assert.match(bed.emu.requests.log[0]!.resource, /\$top=2/);
    bed.emu.requests.reset();
    const cat = readTarget({ preset: 'ut11', kind: '', entity: 'Catalog_Контрагенты' });
    const rows = await readQuery(bed.client, cat, {
      conditions: [],
      select: ['Ref_Key', 'ИНН'],
      orderby: [],
      top: 2,
      resolve: true,
    });
    assert.equal(rows.documents.length, 2);
    assert.deepEqual(Object.keys(rows.documents[0]!.payload).sort(), ['Ref_Key', 'ИНН'].sort());
    assert.equal(rows.layout, undefined);
    assert.ok(rows.documents.every((d) => d.codes.length === 0));
  });

  it('by reference: one document with its 300 codes; a bad reference is refused naming `ref`; a missing one is ONEC_NOT_FOUND', async () => {
    const target = readTarget({ preset: 'ut11', kind: 'sales', entity: '' });
    const doc = bed.emu.store.world.documents.find((d) => d.comment === 'большая отгрузка: сотни кодов')!;
    const r = await readByRef(bed.client, target, ` ${doc.ref} `, { select: [], resolve: true });
    assert.ok(r);
    assert.equal(r.document.codes.length, 300);
    assert.equal(r.document.payload['Number'], doc.number);
    assert.equal(r.layout, target.layout);
    const bare = await readByRef(bed.client, target, doc.ref, {
      select: ['Ref_Key', 'Number'],
      resolve: true,
    });
    assert.deepEqual(bare?.document.codes, []);
    assert.deepEqual(
      Object.keys(bare!.document.payload)
        .filter((k) => !k.startsWith('odata.'))
        .sort(),
      ['Number', 'Ref_Key'],
    );
    bed.emu.requests.reset();
    await assert.rejects(
      readByRef(bed.client, target, "x' or '1'='1", { select: [], resolve: true }),
      (e: unknown) => e instanceof ZnakFlowError && e.code === 'ONEC_BAD_VALUE' && e.field === 'ref',
    );
    assert.equal(bed.emu.requests.total, 0, 'a bad reference never reaches 1C');
    assert.throws(() => checkRef(undefined), /Ref_Key/);
    await assert.rejects(
      readByRef(bed.client, target, '00000000-0000-4000-a000-000000000042', { select: [], resolve: true }),
      (e: unknown) => e instanceof ZnakFlowError && e.code === 'ONEC_NOT_FOUND',
    );
  });

  it('watch set: one watcher per entity and bed.client, polls one at a time, settle never waits past its bound', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-watchset-'));
    try {
      const target = readTarget({ preset: 'ut11', kind: 'sales', entity: '' });
      let made = 0;
      const set = new WatchSet((c, entity, layout) => {
        made++;
        return new DocumentWatcher(c, {
          entity,
          layout,
          stateFile: watchStateFile(dir, 'n/1', entity),
          confirm: true,
        });
      });
      const w = set.get(bed.client, target.entity, target.layout);
      assert.equal(set.get(bed.client, target.entity, target.layout), w);
      const other = new OnecClient({ url: bed.emu.url, username: 'odata', password: 'odata' });
      assert.notEqual(
        set.get(other, target.entity, target.layout),
        w,
        'a new bed.client makes a new watcher',
      );
      await other.close();
      assert.equal(made, 2);
      const order: string[] = [];
      let release!: () => void;
      const first = set.serial(
        () =>
          new Promise<void>((r) => {
            order.push('first starts');
            release = () => {
              order.push('first ends');
              r();
            };
          }),
      );
      const second = set.serial(() => {
        order.push('second');
      });
      await new Promise((r) => setTimeout(r, 30));
      assert.deepEqual(order, ['first starts']);
      const t0 = Date.now();
      await set.settle(100);
      assert.ok(Date.now() - t0 < 2000, 'settle is bounded');
      release();
      await Promise.all([first, second]);
      assert.deepEqual(order, ['first starts', 'first ends', 'second']);
      assert.match(path.basename(watchStateFile(dir, 'n/1', target.entity)), /^n_1-[0-9a-f]{10}\.json$/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.match(clockTime(new Date(2026, 0, 2, 3, 4, 5)), /^03:04:05$/);
  });
});
