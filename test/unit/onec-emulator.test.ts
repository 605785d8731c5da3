/**
 * The 1C OData emulator over real HTTP, checked against the reference (1C developer guide §17.4): paths,
 * JSON shapes, quirks, exact error envelopes and codes, limits.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import {
  DEMO_PROPERTY_SETS,
  DEMO_STATUS_PROPERTIES,
  startOnecEmulator,
  type OnecEmulator,
} from '../../lib/emulators/onec';
import { OnecStore } from '../../lib/emulators/onec/store';
import { demoWorld, type DemoDocument, type DemoWorld } from '../../lib/emulators/demo-data';
import { Registry } from '../../lib/emulators/cz/registry';
import { productGroup } from '../../lib/cz/product-groups';
import { OnecClient } from '../../lib/onec/client';
import { writeAdditionalInfo } from '../../lib/onec/write';

const AUTH = `Basic ${Buffer.from('odata:odata').toString('base64')}`;
const SALES = 'Document_РеализацияТоваровУслуг';

interface Res {
  status: number;
  text: string;
  json: any;
  headers: Headers;
}

async function req(emu: OnecEmulator, rel: string, init: RequestInit = {}): Promise<Res> {
  const r = await fetch(emu.serviceRoot + rel, {
    ...init,
    headers: { Authorization: AUTH, ...(init.headers ?? {}) },
  });
  const text = await r.text();
  let json: any;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    json = undefined;
  }
  return { status: r.status, text, json, headers: r.headers };
}

const enc = (s: string): string => encodeURIComponent(s);

describe('onec emulator (HTTP)', () => {
  let emu: OnecEmulator;
  before(async () => {
    emu = await startOnecEmulator();
  });
  after(async () => {
    await emu.stop();
  });

  it('serves the service document and $metadata (EDMX, container EnterpriseV8, XML only)', async () => {
    const sd = await req(emu, '?$format=json');
    assert.equal(sd.status, 200);
    assert.equal(sd.headers.get('dataserviceversion'), '3.0');
    const names = sd.json.value.map((v: { name: string }) => v.name);
    assert.ok(names.includes(SALES));
    assert.ok(names.includes(`${SALES}_Товары`), 'tabular-section row sets are entity sets');
    const md = await req(emu, '$metadata');
    assert.match(md.headers.get('content-type') ?? '', /xml/);
    assert.match(md.text, /<EntityContainer Name="EnterpriseV8" m:IsDefaultEntityContainer="true">/);
    assert.match(md.text, /Namespace="StandardODATA"/);
    assert.match(
      md.text,
      /<FunctionImport Name="Post" IsBindable="true" IsSideEffecting="true"><Parameter Name="bindingParameter"/,
    );
  });

  it('answers Atom XML without $format and JSON with it', async () => {
    const atom = await req(emu, 'Catalog_Организации');
    assert.match(atom.headers.get('content-type') ?? '', /atom\+xml/);
    assert.match(atom.text, /^<\?xml[^>]*><feed /);
    assert.match(atom.text, /<d:ИНН>7708123450<\/d:ИНН>|<d:ИНН>\d{10}<\/d:ИНН>/);
    const json = await req(emu, 'Catalog_Организации?$format=json');
    assert.match(json.headers.get('content-type') ?? '', /^application\/json;charset=utf-8/);
    assert.equal(json.json['odata.metadata'], `${emu.serviceRoot}$metadata#Catalog_Организации`);
    assert.equal(json.json.value.length, 1);
  });

  it('returns documents the way 1C does: Int64 as strings, naive dates, empty GUIDs, relative nav links', async () => {
    const r = await req(emu, `${enc(SALES)}?$format=json&$top=1&$orderby=Date`);
    const doc = r.json.value[0];
    assert.match(doc.Date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    assert.match(doc.DataVersion, /^[A-Za-z0-9+/]{11}=$/);
    assert.equal(doc.Договор_Key, '00000000-0000-0000-0000-000000000000');
    assert.equal(doc.Товары[0].LineNumber, '1');
    assert.equal(typeof doc.Товары[0].КодСтроки, 'string', 'Int64');
    assert.equal(typeof doc.Товары[0].Цена, 'number', 'Double');
    assert.equal(doc['Контрагент@navigationLinkUrl'], `${SALES}(guid'${doc.Ref_Key}')/Контрагент`);
    assert.equal(doc.ЗаказКлиента_Type, 'StandardODATA.Undefined');
    const none = await req(emu, `${enc(SALES)}?$format=${enc('application/json;odata=nometadata')}&$top=1`);
    assert.equal(none.json['odata.metadata'], undefined);
    assert.ok(!Object.keys(none.json.value[0]).some((k) => k.includes('@')));
  });

  it('$inlinecount gives a string count and (as the 1C guide says) ignores $top/$skip; /$count is BOM-prefixed text', async () => {
    const r = await req(emu, `${enc(SALES)}?$format=json&$inlinecount=allpages&$top=2&$select=Ref_Key`);
    assert.equal(typeof r.json['odata.count'], 'string');
    assert.equal(Number(r.json['odata.count']), r.json.value.length);
    assert.ok(r.json.value.length > 2);
    const c = await fetch(`${emu.serviceRoot}${enc(SALES)}/$count?$filter=${enc('Posted eq true')}`, {
      headers: { Authorization: AUTH },
    });
    assert.equal(c.status, 200);
    const bytes = Buffer.from(await c.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
    assert.ok(Number(bytes.subarray(3).toString()) > 0);
  });

  it('rejects "in" (code 14) and unimplemented functions (code 21) with 1C’s envelope', async () => {
    const inOp = await req(emu, `${enc(SALES)}?$format=json&$filter=${enc("Number in ('a','b')")}`);
    assert.equal(inOp.status, 400);
    assert.deepEqual(inOp.json, {
      'odata.error': {
        code: '14',
        message: { lang: 'ru', value: 'Ошибка при разборе опции запроса $filter' },
      },
    });
    const lower = await req(emu, `${enc(SALES)}?$format=json&$filter=${enc("tolower(Number) eq 'a'")}`);
    assert.equal(lower.status, 400);
    assert.equal(lower.json['odata.error'].code, '21');
  });

  it('echoes an unknown $select name (code 6) and answers XML errors without $format', async () => {
    const r = await req(emu, `${enc(SALES)}?$format=json&$select=${enc('Номерок')}`);
    assert.equal(r.status, 400);
    assert.equal(r.json['odata.error'].code, '6');
    assert.equal(r.json['odata.error'].message.value, 'Сегмент пути Номерок не найден!');
    const x = await req(emu, `${enc(SALES)}?$select=${enc('Номерок')}`);
    assert.match(
      x.text,
      /<m:error [^>]*><m:code>6<\/m:code><m:message>Сегмент пути Номерок не найден!<\/m:message><\/m:error>/,
    );
  });

  it('expands a reference only when $select names it (else silently not), never on single entities', async () => {
    const base = `${enc(SALES)}?$format=json&$top=1&$orderby=Date&$expand=${enc('Контрагент')}`;
    const noSel = await req(emu, `${base}&$select=${enc('Ref_Key,Контрагент_Key')}`);
    assert.equal(noSel.json.value[0]['Контрагент'], undefined);
    const sel = await req(emu, `${base}&$select=${enc('Ref_Key,Контрагент/ИНН')}`);
    assert.match(sel.json.value[0]['Контрагент'].ИНН, /^\d{10}$/);
    const all = await req(emu, base);
    assert.ok(all.json.value[0]['Контрагент'].Description);
    const ts = await req(emu, `${enc(SALES)}?$format=json&$expand=${enc('Товары/Номенклатура')}`);
    assert.equal(ts.status, 400, 'tabular-section attributes are not expanded');
    const one = await req(
      emu,
      `${enc(SALES)}(guid'${all.json.value[0].Ref_Key}')?$format=json&$expand=${enc('Контрагент')}`,
    );
    assert.equal(one.json['Контрагент'], undefined);
    assert.equal(one.json['odata.metadata'], `${emu.serviceRoot}$metadata#${SALES}/@Element`);
  });

  it('filters: navigation, lambdas over tabular sections, substringof, composite cast, datetime', async () => {
    const w = emu.store.world;
    const cp = w.counterparties[1]!;
    const byNav = await req(
      emu,
      `${enc(SALES)}?$format=json&$select=Ref_Key&$filter=${enc(`Контрагент/ИНН eq '${cp.inn}'`)}`,
    );
    assert.deepEqual(
      byNav.json.value.map((d: { Ref_Key: string }) => d.Ref_Key).sort(),
      w.documents
        .filter((d) => d.kind === 'sale' && d.counterpartyRef === cp.ref)
        .map((d) => d.ref)
        .sort(),
    );
    const big = await req(
      emu,
      `${enc(SALES)}?$format=json&$select=Number&$filter=${enc('Товары/any(d: d/Количество gt 100)')}`,
    );
    assert.equal(big.json.value.length, 1);
    const sub = await req(
      emu,
      `${enc(SALES)}?$format=json&$select=Number&$filter=${enc("substringof('SSCC', Комментарий) eq true")}`,
    );
    assert.equal(sub.json.value.length, 1);
    const marking = w.documents.find((d) => d.kind === 'marking')!;
    const cast = await req(
      emu,
      `InformationRegister_${enc('СтатусыДокументовИСМП')}?$format=json&$filter=${enc(`Документ eq cast(guid'${marking.ref}', 'Document_МаркировкаТоваровИСМП')`)}`,
    );
    assert.equal(cast.json.value.length, 1);
    const bare = await req(
      emu,
      `InformationRegister_${enc('СтатусыДокументовИСМП')}?$format=json&$filter=${enc(`Документ eq guid'${marking.ref}'`)}`,
    );
    assert.equal(bare.json.value.length, 0, 'a bare guid against a composite field is always empty');
    const first = w.documents[0]!;
    const dt = await req(
      emu,
      `${enc(SALES)}?$format=json&$select=Number&$filter=${enc(`Date le datetime'${first.date}'`)}`,
    );
    assert.deepEqual(
      dt.json.value.map((d: { Number: string }) => d.Number),
      [first.number],
    );
  });

  it('serves the SliceLast/SliceFirst virtual tables of information registers (Condition), and 400 code 11 for unknown methods', async () => {
    const doc = emu.store.world.documents.find((d) => d.kind === 'marking')!;
    const reg = `InformationRegister_${enc('СтатусыДокументовИСМП')}`;
    const cond = enc(`Документ eq cast(guid'${doc.ref}', 'Document_МаркировкаТоваровИСМП')`);
    const slice = await req(emu, `${reg}/SliceLast(Condition='${cond}')?$format=json`);
    assert.equal(slice.status, 200);
    assert.equal(slice.json.value.length, 1);
    const viaQuery = await req(emu, `${reg}/SliceLast?$format=json&Condition=${cond}`);
    assert.equal(viaQuery.json.value.length, 1);
    const balance = await req(emu, `${reg}/Balance()?$format=json`);
    assert.equal(balance.status, 400);
    assert.equal(balance.json['odata.error'].code, '11');
  });

  it('reads "+" as a plus, never as a space, and refuses "+" in the path like IIS', async () => {
    emu.store.create('Catalog_Партнеры', { Description: 'A+B' });
    emu.store.create('Catalog_Партнеры', { Description: 'A B' });
    const plus = await req(
      emu,
      `Catalog_${enc('Партнеры')}?$format=json&$filter=${enc("Description eq 'A+B'")}`,
    );
    assert.deepEqual(
      plus.json.value.map((p: { Description: string }) => p.Description),
      ['A+B'],
    );
    const naive = await req(emu, `Catalog_${enc('Партнеры')}?$format=json&$filter=Description+eq+'A+B'`);
    assert.equal(naive.status, 400, 'a + between words does not parse as spaces');
    const inPath = await fetch(`${emu.serviceRoot}Catalog_A+B`, { headers: { Authorization: AUTH } });
    assert.equal(inPath.status, 404);
    assert.match(await inPath.text(), /404\.11/);
  });

  it('answers an HTML 404 (not odata.error) for a query string over 2 048 bytes', async () => {
    const long = `Ref_Key eq guid'${'0'.repeat(8)}-0000-0000-0000-000000000000'`;
    const filter = Array.from({ length: 40 }, () => long).join(' or ');
    const r = await req(emu, `Catalog_${enc('Номенклатура')}?$format=json&$filter=${enc(filter)}`);
    assert.equal(r.status, 404);
    assert.match(r.headers.get('content-type') ?? '', /text\/html/);
    assert.match(r.text, /query string is too long/);
  });

  it('answers 401 without (or with wrong) Basic credentials; accepts UTF-8 Cyrillic logins', async () => {
    const no = await fetch(`${emu.serviceRoot}?$format=json`);
    assert.equal(no.status, 401);
    const other = await startOnecEmulator({ users: { Администратор: 'пароль' } });
    try {
      const ok = await fetch(`${other.serviceRoot}?$format=json`, {
        headers: { Authorization: `Basic ${Buffer.from('Администратор:пароль', 'utf8').toString('base64')}` },
      });
      assert.equal(ok.status, 200);
      const bad = await fetch(`${other.serviceRoot}?$format=json`, {
        headers: { Authorization: `Basic ${Buffer.from('Администратор:x', 'utf8').toString('base64')}` },
      });
      assert.equal(bad.status, 401);
    } finally {
      await other.stop();
    }
  });

  it('by key: reference objects, tabular-section rows, 404 code 9 for a missing key, 400 code 1 for a bad GUID', async () => {
    const doc = emu.store.world.documents[0]!;
    const one = await req(emu, `${enc(SALES)}(guid'${doc.ref}')?$format=json`);
    assert.equal(one.json.Number, doc.number);
    const row = await req(
      emu,
      `${enc(`${SALES}_Товары`)}(Ref_Key=guid'${doc.ref}',LineNumber=2)?$format=json`,
    );
    assert.equal(row.json.LineNumber, '2');
    const missing = await req(emu, `${enc(SALES)}(guid'00000000-0000-4000-a000-000000000001')?$format=json`);
    assert.equal(missing.status, 404);
    assert.equal(missing.json['odata.error'].code, '9');
    assert.match(
      missing.json['odata.error'].message.value,
      /^Экземпляр сущности "РеализацияТоваровУслуг" не найден по переданному ключу\.$/,
    );
    const bad = await req(emu, `${enc(SALES)}(guid'xyz')?$format=json`);
    assert.equal(bad.status, 400);
    assert.equal(bad.json['odata.error'].code, '1');
    const unknown = await req(emu, `Catalog_Nope?$format=json`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.json['odata.error'].message.value, /Catalog_Nope/);
    const through = await req(
      emu,
      `${enc(SALES)}(guid'${doc.ref}')/${enc('Контрагент')}/Description?$format=json`,
    );
    assert.equal(typeof through.json.value, 'string');
  });

  it('writes as 1C answers them: POST 201 + Location + full body, PATCH 200 with a new DataVersion, DELETE 204', async () => {
    const item = emu.store.world.items[0]!;
    const post = await req(emu, `${enc(SALES)}?$format=json`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        Комментарий: 'создан по OData',
        НеизвестноеПоле: 1,
        Товары: [{ LineNumber: 1, Номенклатура_Key: item.ref, Количество: 2, Цена: 10 }],
      }),
    });
    assert.equal(post.status, 201);
    const location = decodeURI(post.headers.get('location') ?? '');
    assert.equal(location, `${emu.serviceRoot}${SALES}(guid'${post.json.Ref_Key}')`);
    assert.equal(post.json.Posted, false);
    assert.match(post.json.Number, /^ДМ00-\d{6}$/);
    assert.equal(post.json.НеизвестноеПоле, undefined);
    const patched = await req(emu, `${enc(SALES)}(guid'${post.json.Ref_Key}')?$format=json`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({}),
    });
    assert.equal(patched.status, 200);
    assert.notEqual(patched.json.DataVersion, post.json.DataVersion, 'DataVersion changes on every write');
    const postIt = await req(emu, `${enc(SALES)}(guid'${post.json.Ref_Key}')/Post`, {
      method: 'POST',
      headers: { 'Content-Length': '0' },
    });
    assert.equal(postIt.status, 200);
    assert.equal(emu.store.get(SALES, post.json.Ref_Key)?.['Posted'], true);
    const del = await req(emu, `${enc(SALES)}(guid'${post.json.Ref_Key}')`, { method: 'DELETE' });
    assert.equal(del.status, 204);
    assert.equal(emu.store.get(SALES, post.json.Ref_Key), undefined, 'physical delete');
  });

  it('enforces tabular-section LineNumber rules, refuses direct row creation and posting a deleted document', async () => {
    const noLine = await req(emu, `${enc(SALES)}?$format=json`, {
      method: 'POST',
      body: JSON.stringify({ Товары: [{ Количество: 1 }] }),
    });
    assert.equal(noLine.status, 500);
    assert.equal(noLine.json['odata.error'].code, '-1');
    const from2 = await req(emu, `${enc(SALES)}?$format=json`, {
      method: 'POST',
      body: JSON.stringify({ Товары: [{ LineNumber: 2 }] }),
    });
    assert.equal(from2.status, 400);
    const row = await req(emu, `${enc(`${SALES}_Товары`)}?$format=json`, { method: 'POST', body: '{}' });
    assert.equal(row.status, 400);
    assert.equal(row.json['odata.error'].code, '13');
    const broken = await req(emu, `${enc(SALES)}?$format=json`, { method: 'POST', body: '{"Комментарий": ' });
    assert.equal(broken.status, 500);
    assert.match(broken.json['odata.error'].message.value, /Непредвиденный символ при чтении JSON/);
    const deleted = emu.store.world.documents.find((d) => d.deletionMark)!;
    const post = await req(emu, `${enc(SALES)}(guid'${deleted.ref}')/Post()?$format=json`, {
      method: 'POST',
    });
    assert.equal(post.status, 500);
    assert.equal(post.json['odata.error'].code, '-1');
  });

  it('keeps one record per key in an independent register (duplicate POST: 400 code 15)', async () => {
    const reg = `InformationRegister_${enc('ДополнительныеСведения')}?$format=json`;
    const doc = emu.store.world.documents[1]!;
    const body = JSON.stringify({
      Объект: doc.ref,
      Объект_Type: `StandardODATA.${SALES}`,
      Свойство_Key: '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1d0001',
      Значение: 'Проверен',
      Значение_Type: 'Edm.String',
    });
    const first = await req(emu, reg, { method: 'POST', body });
    assert.equal(first.status, 200);
    const again = await req(emu, reg, { method: 'POST', body });
    assert.equal(again.status, 400);
    assert.equal(again.json['odata.error'].code, '15');
  });

  it('runs from the command line: znakflow-emulator 1c --port 0', async function () {
    this.timeout(30000);
    const root = path.resolve(__dirname, '..', '..');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'lib/emulators/cli.ts', '1c', '--port', '0', '--password', 'cli-pass'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const t = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 25000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /publication URL \(onec-connection\): (\S+)/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1]!);
          }
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const r = await fetch(`${url}/odata/standard.odata/?$format=json`, {
        headers: { Authorization: `Basic ${Buffer.from('odata:cli-pass').toString('base64')}` },
      });
      assert.equal(r.status, 200);
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('onec emulator: a return to the supplier and a transfer between organisations (demo world `transfers`)', () => {
  const RETURNS = 'Document_ВозвратТоваровПоставщику';
  const TRANSFERS = 'Document_ПередачаТоваровМеждуОрганизациями';
  const CODES = 'Catalog_ШтрихкодыУпаковокТоваров';
  const BASE = '2026-11-20T09:00:00';
  const world = demoWorld({ baseDate: BASE, transfers: true });
  let emu: OnecEmulator;
  before(async () => {
    emu = await startOnecEmulator({ world });
  });
  after(async () => {
    await emu.stop();
  });
  const byComment = (comment: string): DemoDocument => {
    const d = world.documents.find((x) => x.comment === comment);
    assert.ok(d, comment);
    return d;
  };

  it('the world: ООО «Демо Розница» in affiliates, a return of 2 T-shirts to «Сибирь Текстиль», two transfers (one not posted), new codes of the organisation', () => {
    assert.equal(world.affiliates?.length, 1);
    const retail = world.affiliates![0]!;
    assert.equal(retail.name, 'ООО «Демо Розница»');
    assert.match(retail.inn, /^\d{10}$/);
    assert.match(retail.kpp, /^\d{9}$/);
    assert.ok(retail.registered);
    assert.notEqual(retail.inn, world.organisation.inn);
    const ret = byComment('возврат поставщику');
    assert.equal(ret.kind, 'supplierReturn');
    assert.match(ret.number, /^ДМВ0-\d{6}$/);
    assert.equal(
      world.counterparties.find((c) => c.ref === ret.counterpartyRef)?.name,
      'ООО «Сибирь Текстиль»',
    );
    const tr = byComment('передача в другую организацию: одежда и обувь');
    assert.equal(tr.kind, 'intercompany');
    assert.match(tr.number, /^ДМО0-\d{6}$/);
    assert.equal(tr.counterpartyRef, retail.ref);
    const items = new Map(world.items.map((i) => [i.ref, i]));
    assert.deepEqual(
      tr.rows.map((r) => [items.get(r.itemRef)?.article, r.quantity]),
      [
        ['JN-002', 2],
        ['SN-101', 1],
      ],
    );
    const draft = byComment('передача: не проведена');
    assert.equal(draft.kind, 'intercompany');
    assert.equal(draft.posted, false);
    for (const d of [ret, tr, draft]) {
      const codes = world.codes.filter((c) => d.packageRefs.includes(c.ref));
      assert.equal(
        codes.length,
        d.rows.reduce((s, r) => s + r.quantity, 0),
        d.comment,
      );
      for (const c of codes) {
        assert.equal(c.status, 'INTRODUCED');
        assert.equal(c.ownerInn, world.organisation.inn);
      }
    }
    const groups = new Set(
      world.codes.filter((c) => tr.packageRefs.includes(c.ref)).map((c) => items.get(c.itemRef)?.pg),
    );
    assert.deepEqual([...groups].sort(), ['lp', 'shoes'], 'two product groups: two УПД');
  });

  it('without the option the world is as it was: every GUID, code and document of it the same in the transfers world', () => {
    for (const furs of [false, true]) {
      const before = demoWorld({ baseDate: BASE, furs });
      const after = demoWorld({ baseDate: BASE, furs, transfers: true });
      assert.equal(before.affiliates, undefined);
      assert.deepEqual(after.documents.slice(0, before.documents.length), before.documents);
      assert.deepEqual(after.codes.slice(0, before.codes.length), before.codes);
      assert.equal(after.documents.length, before.documents.length + 3);
      const rest = (w: DemoWorld): unknown => ({ ...w, documents: [], codes: [], affiliates: undefined });
      assert.deepEqual(rest(after), rest(before), `furs: ${furs}`);
    }
    // the 1C base of the default world: the same records (but DataVersion) in the transfers one
    const plain = new OnecStore(demoWorld({ baseDate: BASE }));
    const more = new OnecStore(world);
    const strip = (r: Record<string, unknown>): Record<string, unknown> => ({ ...r, DataVersion: '' });
    for (const set of plain.sets.keys()) {
      if (plain.sets.get(set)!.table) continue;
      const others = new Map(more.list(set).map((r) => [more.keyOf(more.def(set), r), strip(r)]));
      for (const r of plain.list(set))
        assert.deepEqual(others.get(plain.keyOf(plain.def(set), r)), strip(r), set);
    }
  });

  it('$metadata and the service document list both sets with their tabular sections', async () => {
    const md = await req(emu, '$metadata');
    for (const s of [RETURNS, TRANSFERS]) {
      assert.ok(md.text.includes(`<EntitySet Name="${s}" EntityType="StandardODATA.${s}"/>`), s);
      assert.ok(md.text.includes(`<EntitySet Name="${s}_ШтрихкодыУпаковок"`), s);
    }
    assert.match(md.text, /<Property Name="ОрганизацияПолучатель_Key" Type="Edm.Guid"/);
    const sd = await req(emu, '?$format=json');
    const names = sd.json.value.map((v: { name: string }) => v.name);
    for (const s of [RETURNS, TRANSFERS, `${TRANSFERS}_Товары`]) assert.ok(names.includes(s), s);
  });

  it('a transfer expands the sender and the receiving organisation (ИНН/КПП); its codes table refers to codes of the catalog', async () => {
    const tr = byComment('передача в другую организацию: одежда и обувь');
    const r = await req(
      emu,
      `${enc(TRANSFERS)}?$format=json&$filter=${enc(`Ref_Key eq guid'${tr.ref}'`)}&$expand=${enc('Организация,ОрганизацияПолучатель')}`,
    );
    assert.equal(r.status, 200, r.text);
    const doc = r.json.value[0];
    const retail = world.affiliates![0]!;
    assert.equal(doc['Number'], tr.number);
    assert.equal(doc['Posted'], true);
    assert.equal(doc['ХозяйственнаяОперация'], 'РеализацияТоваровВДругуюОрганизацию');
    assert.equal(doc['ОрганизацияПолучатель_Key'], retail.ref);
    assert.equal(doc['ОрганизацияПолучатель']['ИНН'], retail.inn);
    assert.equal(doc['ОрганизацияПолучатель']['КПП'], retail.kpp);
    assert.equal(doc['ОрганизацияПолучатель']['НаименованиеПолное'], 'ООО «Демо Розница»');
    assert.match(doc['ОрганизацияПолучатель']['КонтактнаяИнформация'][0]['Представление'], /Москва/);
    assert.equal(doc['Организация']['ИНН'], world.organisation.inn);
    assert.equal(doc['Контрагент_Key'], undefined, 'no counterparty: the receiver is an organisation');
    assert.equal(doc['Товары'].length, 2);
    assert.equal(doc['СуммаДокумента'], 2 * 3490 + 5990);
    const refs = doc['ШтрихкодыУпаковок'].map((x: Record<string, string>) => x['ШтрихкодУпаковки_Key']);
    assert.deepEqual(refs, tr.packageRefs);
    for (const ref of refs) {
      const c = await req(emu, `${enc(CODES)}(guid'${ref}')?$format=json`);
      assert.equal(c.status, 200, ref);
      const code = world.codes.find((x) => x.ref === ref)!;
      assert.equal(c.json['ЗначениеШтрихкода'], code.stored);
    }
  });

  it('a return names the supplier as counterparty, with ВозвратТоваровПоставщику; the draft transfer is not posted', async () => {
    const ret = byComment('возврат поставщику');
    const r = await req(emu, `${enc(RETURNS)}(guid'${ret.ref}')?$format=json`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json['Контрагент_Key'], ret.counterpartyRef);
    assert.notEqual(r.json['Партнер_Key'], '00000000-0000-0000-0000-000000000000');
    assert.equal(r.json['ХозяйственнаяОперация'], 'ВозвратТоваровПоставщику');
    assert.equal(r.json['ЕстьМаркируемаяПродукцияГИСМ'], true);
    assert.equal(r.json['ШтрихкодыУпаковок'].length, 2);
    const draft = byComment('передача: не проведена');
    assert.equal(
      (await req(emu, `${enc(TRANSFERS)}(guid'${draft.ref}')?$format=json`)).json['Posted'],
      false,
    );
  });

  it('onec-write finds «Статус Честный ЗНАК» of each new set by name and writes the outcome to the document', async () => {
    const client = new OnecClient({ url: emu.url, username: 'odata', password: 'odata', retries: 0 });
    try {
      for (const [entity, comment] of [
        [RETURNS, 'возврат поставщику'],
        [TRANSFERS, 'передача в другую организацию: одежда и обувь'],
      ] as const) {
        const set = emu.store.get(
          'Catalog_НаборыДополнительныхРеквизитовИСведений',
          DEMO_PROPERTY_SETS[entity]!.ref,
        );
        assert.equal(set?.['ИмяПредопределенногоНабора'], `Документ_${entity.slice('Document_'.length)}`);
        const ref = byComment(comment).ref;
        const w = await writeAdditionalInfo(client, {
          objectEntity: entity,
          objectRef: ref,
          property: 'Статус Честный ЗНАК',
          value: 'УПД подписан',
        });
        assert.equal(w.property, DEMO_STATUS_PROPERTIES[entity], entity);
        const row = emu.store
          .list('InformationRegister_ДополнительныеСведения')
          .find((x) => x['Объект'] === ref && x['Свойство_Key'] === DEMO_STATUS_PROPERTIES[entity]);
        assert.equal(row?.['Значение'], 'УПД подписан');
        assert.equal(row?.['Объект_Type'], `StandardODATA.${entity}`);
      }
    } finally {
      await client.close();
    }
  });

  it('addSale makes them at run time: a transfer to the first affiliate by default, a return with its operation', () => {
    const items = world.items;
    const tr = emu.store.addSale({ entity: TRANSFERS, lines: [{ itemRef: items[1]!.ref, quantity: 2 }] });
    assert.equal(tr['ОрганизацияПолучатель_Key'], world.affiliates![0]!.ref);
    assert.equal(tr['ХозяйственнаяОперация'], 'РеализацияТоваровВДругуюОрганизацию');
    assert.equal(tr['Posted'], true);
    assert.match(String(tr['Number']), /^ДМО0-/);
    assert.equal((tr['ШтрихкодыУпаковок'] as unknown[]).length, 2);
    const c3 = world.counterparties[2]!.ref;
    const ret = emu.store.addSale({
      entity: RETURNS,
      counterpartyRef: c3,
      lines: [{ itemRef: items[0]!.ref, quantity: 1 }],
    });
    assert.equal(ret['Контрагент_Key'], c3);
    assert.equal(ret['ХозяйственнаяОперация'], 'ВозвратТоваровПоставщику');
    assert.match(String(ret['Number']), /^ДМВ0-/);
    const bare = new OnecStore(demoWorld({ baseDate: BASE }));
    assert.throws(
      () => bare.addSale({ entity: TRANSFERS, lines: [{ itemRef: items[1]!.ref, quantity: 1 }] }),
      /counterpartyRef \(the receiving organisation\)/,
    );
  });

  it('the True API registry knows the affiliate: registered, an lp account, an EDO id after the counterparties’', () => {
    const reg = new Registry();
    reg.seed(world);
    const retail = world.affiliates![0]!;
    const p = reg.participant(retail.inn);
    assert.ok(p?.registered);
    assert.ok((p?.balances.get(productGroup('lp')!.id!) ?? 0) > 0);
    const pids = [world.organisation, ...world.counterparties].map((x) => reg.participant(x.inn)!.pid);
    assert.ok(
      pids.every((pid) => pid < p!.pid),
      'the others keep their ids',
    );
    const plain = new Registry();
    plain.seed(demoWorld({ baseDate: BASE }));
    assert.equal(plain.participant(retail.inn), undefined);
    for (const x of [world.organisation, ...world.counterparties])
      assert.equal(plain.participant(x.inn)?.pid, reg.participant(x.inn)?.pid);
  });
});
