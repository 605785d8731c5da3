/**
 * The additional property of a БСП base found the way a person recognises it, against the 1C
 * emulator over HTTP: Description «<Заголовок> (<набор>)», generated Имя and
 * ИдентификаторДляФормул, property sets deciding between the properties of several kinds, older
 * bases without some fields.
 */
import assert from 'node:assert/strict';
import { ZnakFlowError } from '../../lib/errors';
import {
  DEMO_PROPERTY_SETS,
  DEMO_STATUS_PROPERTIES,
  DEMO_STATUS_PROPERTY,
  startOnecEmulator,
  type OnecEmulator,
  type OnecEmulatorOptions,
} from '../../lib/emulators/onec';
import { OnecClient } from '../../lib/onec/client';
import { describeProperty, findProperty } from '../../lib/onec/property';
import { DEFAULT_PROPERTIES, writeAdditionalInfo } from '../../lib/onec/write';

const SALES = 'Document_РеализацияТоваровУслуг';
const PURCHASES = 'Document_ПриобретениеТоваровУслуг';
const WRITE_OFFS = 'Document_СписаниеНедостачТоваров';
const MARKING = 'Document_МаркировкаТоваровИСМП';
const PROPS = DEFAULT_PROPERTIES;
const SETS = 'Catalog_НаборыДополнительныхРеквизитовИСведений';
const REG = 'InformationRegister_ДополнительныеСведения';

describe('onec additional property (БСП shape)', function () {
  this.timeout(30000);
  const emus: OnecEmulator[] = [];
  const clients: OnecClient[] = [];
  async function base(opts: OnecEmulatorOptions = {}): Promise<{ emu: OnecEmulator; client: OnecClient }> {
    const emu = await startOnecEmulator(opts);
    emus.push(emu);
    const client = new OnecClient({ url: emu.url, username: 'odata', password: 'odata', retries: 0 });
    clients.push(client);
    return { emu, client };
  }
  after(async () => {
    for (const c of clients) await c.close();
    for (const e of emus) await e.stop();
  });
  const find = (client: OnecClient, name: string, objectEntity?: string) =>
    findProperty(client, name, { propertiesSet: PROPS, objectEntity });
  const rejectsWith = async (p: Promise<unknown>, code: string, re?: RegExp): Promise<ZnakFlowError> => {
    let caught: unknown;
    await p.then(
      () => assert.fail(`expected ${code}`),
      (e: unknown) => {
        caught = e;
      },
    );
    assert.ok(caught instanceof ZnakFlowError, String(caught));
    assert.equal(caught.code, code, caught.message);
    if (re) assert.match(caught.message, re);
    return caught;
  };

  it('the demo base is БСП-shaped: Description «<Заголовок> (<набор>)», generated Имя and ИдентификаторДляФормул, sets', async () => {
    const { emu } = await base();
    const p = emu.store.get(PROPS, DEMO_STATUS_PROPERTY)!;
    assert.equal(p['Description'], 'Статус Честный ЗНАК (Реализация товаров и услуг)');
    assert.equal(p['Заголовок'], 'Статус Честный ЗНАК');
    assert.equal(p['ИдентификаторДляФормул'], 'СтатусЧестныйЗНАК');
    assert.match(String(p['Имя']), /^СтатусЧестныйЗНАК_[0-9a-f]{32}$/);
    assert.equal(p['НаборСвойств_Key'], DEMO_PROPERTY_SETS[SALES]!.ref);
    const ids = Object.values(DEMO_STATUS_PROPERTIES).map(
      (r) => emu.store.get(PROPS, r)!['ИдентификаторДляФормул'],
    );
    assert.equal(new Set(ids).size, ids.length, `unique: ${ids.join(', ')}`);
    const set = emu.store.get(SETS, DEMO_PROPERTY_SETS[SALES]!.ref)!;
    assert.equal(set['ИмяПредопределенногоНабора'], 'Документ_РеализацияТоваровУслуг');
    assert.ok(
      (set['ДополнительныеСведения'] as Array<Record<string, unknown>>).some(
        (r) => r['Свойство_Key'] === DEMO_STATUS_PROPERTY,
      ),
    );
  });

  it('the name of README and the examples (СтатусЧестныйЗнак) finds the property of each document kind’s set', async () => {
    const { emu, client } = await base();
    for (const [entity, ref] of Object.entries(DEMO_STATUS_PROPERTIES)) {
      const r = await find(client, 'СтатусЧестныйЗнак', entity);
      assert.equal(r.ref, ref, entity);
      assert.equal(r.reason, 'set');
      assert.equal(r.candidates.length, Object.keys(DEMO_STATUS_PROPERTIES).length);
    }
    // and the title as typed, the full description, the formula identifier
    assert.equal(
      (await find(client, 'Статус Честный ЗНАК', WRITE_OFFS)).ref,
      DEMO_STATUS_PROPERTIES[WRITE_OFFS],
    );
    assert.equal(
      (await find(client, 'Статус Честный ЗНАК (Маркировка товаров ИС МП)')).ref,
      DEMO_STATUS_PROPERTIES[MARKING],
    );
    assert.equal((await find(client, 'СтатусЧестныйЗНАК2', SALES)).ref, DEMO_STATUS_PROPERTIES[PURCHASES]);
    // one request for the candidates, one for their sets
    emu.requests.reset();
    await find(client, 'статус честный знак', PURCHASES);
    const entities = emu.requests.log.map((l) => l.resource.split('?')[0]!.split('/').pop());
    assert.deepEqual(entities, [PROPS, SETS]);
  });

  it('finds a property by each field: Заголовок, Имя, ИдентификаторДляФормул, Description, Description without «(…)»', async () => {
    const { emu, client } = await base();
    const ref = emu.store.addAdditionalProperty({
      title: 'Отметка об отправке',
      setRef: DEMO_PROPERTY_SETS[SALES]!.ref,
      name: 'ОтметкаИмя',
      formulaId: 'ОтметкаФормула',
    })['Ref_Key'] as string;
    const by = async (name: string): Promise<string[]> => {
      const r = await find(client, name, SALES);
      assert.equal(r.ref, ref, name);
      return r.chosen!.matchedBy;
    };
    assert.ok((await by('Отметка об отправке')).includes('Заголовок'));
    assert.deepEqual(await by('ОтметкаИмя'), ['Имя']);
    assert.deepEqual(await by('ОтметкаФормула'), ['ИдентификаторДляФормул']);
    assert.deepEqual(await by('Отметка об отправке (Реализация товаров и услуг)'), ['Description']);
    assert.ok((await by('ОтметкаОбОтправке')).includes('Заголовок'), 'the title written as an identifier');
  });

  it('the suffix rule: in a base without Заголовок and ИдентификаторДляФормул the Description without «(…)» is the title', async () => {
    const { emu, client } = await base({
      withoutFields: { [PROPS]: ['Заголовок', 'ИдентификаторДляФормул'] },
    });
    assert.equal(emu.store.get(PROPS, DEMO_STATUS_PROPERTY)!['Заголовок'], undefined);
    const r = await find(client, 'Статус Честный ЗНАК', SALES);
    assert.equal(r.ref, DEMO_STATUS_PROPERTY);
    assert.deepEqual(r.chosen!.matchedBy, ['Description без «(…)»']);
    for (const [entity, ref] of Object.entries(DEMO_STATUS_PROPERTIES)) {
      assert.equal((await find(client, 'СтатусЧестныйЗнак', entity)).ref, ref, entity);
    }
    // 1C answered 400 for each missing field once; the client remembers, later look-ups ask right away
    const refused = emu.requests.log.filter((l) => l.status === 400).length;
    assert.equal(refused, 2);
    emu.requests.reset();
    await find(client, 'Статус Честный ЗНАК', WRITE_OFFS);
    assert.equal(emu.requests.log.filter((l) => l.status === 400).length, 0);
    assert.ok(emu.requests.log.every((l) => !/ИдентификаторДляФормул|Заголовок/.test(l.resource)));
  });

  it('a base without Имя, НаборСвойств_Key and ЭтоДополнительноеСведение still resolves by Description', async () => {
    const { client } = await base({
      withoutFields: {
        [PROPS]: [
          'Заголовок',
          'ИдентификаторДляФормул',
          'Имя',
          'НаборСвойств_Key',
          'ЭтоДополнительноеСведение',
        ],
      },
    });
    // no sets known: the Description suffix tells the set
    for (const [entity, ref] of Object.entries(DEMO_STATUS_PROPERTIES)) {
      assert.equal((await find(client, 'Статус Честный ЗНАК', entity)).ref, ref, entity);
    }
  });

  it('the prefix rule: a configured name finds a generated Имя <name>_<hex>; an exact match wins over a prefix', async () => {
    const { emu, client } = await base();
    const generated = emu.store.addAdditionalProperty({
      title: 'Проверка кодов',
      setRef: DEMO_PROPERTY_SETS[SALES]!.ref,
      name: 'ПроверкаЧЗ_0a1b2c3d4e5f60718293a4b5c6d7e8f9',
    })['Ref_Key'] as string;
    const r = await find(client, 'ПроверкаЧЗ', SALES);
    assert.equal(r.ref, generated);
    assert.equal(r.chosen!.level, 'prefix');
    assert.deepEqual(r.chosen!.matchedBy, ['Имя_…']);
    // not a prefix up to «_»: ПроверкаЧ is no property
    await rejectsWith(find(client, 'ПроверкаЧ', SALES), 'ONEC_PROPERTY', /ПроверкаЧ/);
    const exact = emu.store.addAdditionalProperty({
      title: 'ПроверкаЧЗ',
      setRef: DEMO_PROPERTY_SETS[WRITE_OFFS]!.ref,
    })['Ref_Key'] as string;
    const again = await find(client, 'ПроверкаЧЗ', SALES);
    assert.equal(again.ref, exact, 'exact before prefix, even from another set');
    assert.equal(again.reason, 'single');
    assert.match(again.warning?.en ?? '', /another property set/);
  });

  it('several candidates the set does not decide: a catchable bilingual error naming their GUIDs and titles', async () => {
    const { emu, client } = await base();
    const a = emu.store.addAdditionalProperty({
      title: 'Комментарий ЧЗ',
      setRef: DEMO_PROPERTY_SETS[SALES]!.ref,
    });
    const b = emu.store.addAdditionalProperty({
      title: 'Комментарий ЧЗ',
      setRef: DEMO_PROPERTY_SETS[SALES]!.ref,
    });
    const e = await rejectsWith(find(client, 'Комментарий ЧЗ', SALES), 'ONEC_PROPERTY_AMBIGUOUS');
    assert.equal(e.field, 'property');
    for (const r of [a, b]) assert.ok(e.message.includes(String(r['Ref_Key'])), e.message);
    assert.match(e.ru, /несколько сведений.*«Комментарий ЧЗ» \(Реализация товаров и услуг\).*по GUID/);
    assert.match(e.en, /several additional properties match.*by GUID/);
    assert.equal(e.details?.length, 2);
    // without a document kind, the four «Статус Честный ЗНАК» are ambiguous too
    const e2 = await rejectsWith(find(client, 'СтатусЧестныйЗнак'), 'ONEC_PROPERTY_AMBIGUOUS');
    assert.equal(e2.details?.length, Object.keys(DEMO_STATUS_PROPERTIES).length);
    // and the admin pins one by GUID
    assert.equal((await find(client, String(a['Ref_Key']).toUpperCase(), SALES)).ref, a['Ref_Key']);
  });

  it('prefers the document kind’s set, then a common property; sets named by older predefined items count too', async () => {
    const { emu, client } = await base();
    const own = emu.store.addPropertySet({
      entity: 'Document_ПеремещениеТоваров',
      description: 'Перемещение товаров',
      naming: 'predefined',
    });
    const mine = emu.store.addAdditionalProperty({ title: 'Очередь ЧЗ', setRef: String(own['Ref_Key']) });
    const common = emu.store.addAdditionalProperty({ title: 'Очередь ЧЗ' });
    assert.equal(emu.store.get(PROPS, String(common['Ref_Key']))!['Description'], 'Очередь ЧЗ');
    emu.store.addAdditionalProperty({ title: 'Очередь ЧЗ', setRef: DEMO_PROPERTY_SETS[WRITE_OFFS]!.ref });
    const moves = await find(client, 'Очередь ЧЗ', 'Document_ПеремещениеТоваров');
    assert.equal(moves.ref, mine['Ref_Key']);
    assert.equal(moves.chosen!.set?.predefinedName, 'Документ_ПеремещениеТоваров');
    const sales = await find(client, 'Очередь ЧЗ', SALES);
    assert.equal(sales.ref, common['Ref_Key']);
    assert.equal(sales.reason, 'common');
  });

  it('the sets catalog not published: the Description suffix tells the set', async () => {
    const { client } = await base({ unpublished: [SETS] });
    for (const [entity, ref] of Object.entries(DEMO_STATUS_PROPERTIES)) {
      assert.equal((await find(client, 'СтатусЧестныйЗнак', entity)).ref, ref, entity);
    }
  });

  it('only additional information, never deletion-marked', async () => {
    const { emu, client } = await base();
    emu.store.addAdditionalProperty({
      title: 'Признак ЧЗ',
      setRef: DEMO_PROPERTY_SETS[SALES]!.ref,
      information: false,
    });
    emu.store.addAdditionalProperty({
      title: 'Признак ЧЗ',
      setRef: DEMO_PROPERTY_SETS[SALES]!.ref,
      deletionMark: true,
    });
    await rejectsWith(
      find(client, 'Признак ЧЗ', SALES),
      'ONEC_PROPERTY',
      /не найдено.*Дополнительные реквизиты и сведения/,
    );
    const live = emu.store.addAdditionalProperty({
      title: 'Признак ЧЗ',
      setRef: DEMO_PROPERTY_SETS[SALES]!.ref,
    });
    assert.equal((await find(client, 'Признак ЧЗ', SALES)).ref, live['Ref_Key']);
  });

  it('writes an outcome into a БСП base by name, resolved once per client and kind', async () => {
    const { emu, client } = await base({ withoutFields: { [PROPS]: ['ИдентификаторДляФормул'] } });
    const doc = emu.store.world.documents.find((d) => d.kind === 'writeOff')!;
    const w = await writeAdditionalInfo(client, {
      objectEntity: WRITE_OFFS,
      objectRef: doc.ref,
      property: 'СтатусЧестныйЗнак',
      value: 'Проверен [CHECKED_OK]',
    });
    assert.equal(w.action, 'created');
    assert.equal(w.property, DEMO_STATUS_PROPERTIES[WRITE_OFFS]);
    const rec = emu.store.list(REG).filter((r) => r['Объект'] === doc.ref);
    assert.equal(rec.length, 1);
    assert.equal(rec[0]!['Свойство_Key'], DEMO_STATUS_PROPERTIES[WRITE_OFFS]);
    emu.requests.reset();
    await writeAdditionalInfo(client, {
      objectEntity: WRITE_OFFS,
      objectRef: doc.ref,
      property: 'СтатусЧестныйЗнак',
      value: 'Проверен [CHECKED_OK]',
    });
    assert.ok(
      emu.requests.log.every((l) => !l.resource.startsWith(PROPS)),
      'cached',
    );
  });

  it('describeProperty: what the check in the editor shows (chosen with its set, candidates, a GUID looked up)', async () => {
    const { client } = await base();
    const ok = await describeProperty(client, 'СтатусЧестныйЗнак', {
      propertiesSet: PROPS,
      objectEntity: SALES,
    });
    assert.equal(ok.ok, true);
    assert.equal(ok.resolution?.ref, DEMO_STATUS_PROPERTY);
    assert.equal(ok.resolution?.chosen?.set?.description, 'Реализация товаров и услуг');
    assert.equal(ok.candidates.length, Object.keys(DEMO_STATUS_PROPERTIES).length);
    const single = await describeProperty(client, 'Документ Честного ЗНАКа', { propertiesSet: PROPS });
    assert.equal(
      single.resolution?.chosen?.set?.description,
      'Реализация товаров и услуг',
      'set read for one too',
    );
    const guid = await describeProperty(client, DEMO_STATUS_PROPERTIES[MARKING]!, { propertiesSet: PROPS });
    assert.equal(guid.resolution?.chosen?.title, 'Статус Честный ЗНАК');
    assert.equal(guid.resolution?.chosen?.set?.description, 'Маркировка товаров ИС МП');
    const none = await describeProperty(client, '5a1f3c1e-0c6e-4d59-9a3a-7c2b8e1dffff', {
      propertiesSet: PROPS,
    });
    assert.equal(none.ok, false);
    assert.equal(none.error?.code, 'ONEC_PROPERTY');
    const amb = await describeProperty(client, 'СтатусЧестныйЗнак', { propertiesSet: PROPS });
    assert.equal(amb.ok, false);
    assert.equal(amb.error?.code, 'ONEC_PROPERTY_AMBIGUOUS');
    assert.deepEqual(
      amb.candidates.map((c) => c.set?.description).sort(),
      Object.values(DEMO_PROPERTY_SETS)
        .map((s) => s.description)
        .sort(),
    );
  });
});
