/**
 * Writing the outcome back, against the emulator: idempotent, never into 1C's own ИС МП objects.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ZnakFlowError } from '../../lib/errors';
import { DEMO_DOCID_PROPERTY, DEMO_STATUS_PROPERTY } from '../../lib/emulators/onec';
import { OnecClient } from '../../lib/onec/client';
import {
  assertWritable,
  mergeOutcome,
  outcomeText,
  patchAttribute,
  writeAdditionalInfo,
} from '../../lib/onec/write';
import { useOnecBed } from '../support/onec-bed';

const SALES = 'Document_РеализацияТоваровУслуг';
const REG = 'InformationRegister_ДополнительныеСведения';

/**
 * A proxy on 127.0.0.1 in front of the 1C emulator: `rewrite` sees each request (method, decoded
 * path) after the emulator answered, and may replace the answer (a 1C that behaves otherwise).
 */
async function throughProxy(
  targetUrl: string,
  rewrite: (
    req: { method: string; path: string },
    status: number,
  ) => { status: number; body: string } | undefined,
): Promise<{ proxy: http.Server; via: OnecClient }> {
  const target = new URL(targetUrl);
  const proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = decodeURIComponent(req.url ?? '');
      const up = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (ur) => {
          const parts: Buffer[] = [];
          ur.on('data', (c: Buffer) => parts.push(c));
          ur.on('end', () => {
            const other = rewrite({ method: req.method ?? 'GET', path }, ur.statusCode ?? 502);
            if (other) {
              res.writeHead(other.status, { 'Content-Type': 'application/json;charset=utf-8' });
              res.end(other.body);
              return;
            }
            res.writeHead(ur.statusCode ?? 502, ur.headers);
            res.end(Buffer.concat(parts));
          });
        },
      );
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const via = new OnecClient({
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${target.pathname}`,
    username: 'odata',
    password: 'odata',
  });
  return { proxy, via };
}

describe('onec write-back', function () {
  this.timeout(20000);
  const bed = useOnecBed();

  const records = (ref: string): Array<Record<string, unknown>> =>
    bed.emu.store.list(REG).filter((r) => r['Объект'] === ref);

  it('writes the status text as additional information; the same outcome twice leaves one record and no second write', async () => {
    const doc = bed.emu.store.world.documents[0]!;
    const text = outcomeText({
      status: 'CHECKED_OK',
      documentId: 'b4f1c2d3-0000-4000-a000-000000000001',
      errors: [],
    });
    assert.equal(text, 'Проверен [CHECKED_OK], документ ЧЗ b4f1c2d3-0000-4000-a000-000000000001');
    const w1 = await writeAdditionalInfo(bed.client, {
      objectEntity: SALES,
      objectRef: doc.ref,
      property: DEMO_STATUS_PROPERTY,
      value: text,
    });
    assert.equal(w1.action, 'created');
    const rec = records(doc.ref);
    assert.equal(rec.length, 1);
    assert.deepEqual(
      { ...rec[0] },
      {
        Объект: doc.ref,
        Объект_Type: `StandardODATA.${SALES}`,
        Свойство_Key: DEMO_STATUS_PROPERTY,
        Значение: text,
        Значение_Type: 'Edm.String',
      },
    );
    bed.emu.requests.reset();
    const w2 = await writeAdditionalInfo(bed.client, {
      objectEntity: SALES,
      objectRef: doc.ref.toUpperCase(),
      property: DEMO_STATUS_PROPERTY,
      value: text,
    });
    assert.equal(w2.action, 'unchanged');
    assert.equal(records(doc.ref).length, 1);
    assert.deepEqual(
      bed.emu.requests.log.map((e) => e.method),
      ['GET'],
      'only a read',
    );
    const rejected = outcomeText({
      status: 'CHECKED_NOT_OK',
      documentId: 'x',
      errors: ['14: Код маркировки не найден', '17: Неверный ИНН'],
    });
    const w3 = await writeAdditionalInfo(bed.client, {
      objectEntity: SALES,
      objectRef: doc.ref,
      property: DEMO_STATUS_PROPERTY,
      value: rejected,
    });
    assert.equal(w3.action, 'updated');
    assert.equal(records(doc.ref).length, 1);
    assert.equal(
      records(doc.ref)[0]!['Значение'],
      'Есть ошибки [CHECKED_NOT_OK], документ ЧЗ x: 14: Код маркировки не найден; 17: Неверный ИНН',
    );
  });

  it('finds the property by name; two properties make two records', async () => {
    const doc = bed.emu.store.world.documents[2]!;
    await writeAdditionalInfo(bed.client, {
      objectEntity: SALES,
      objectRef: doc.ref,
      property: 'Статус Честный ЗНАК (Реализация товаров и услуг)',
      value: 'Принят [ACCEPTED]',
    });
    await writeAdditionalInfo(bed.client, {
      objectEntity: SALES,
      objectRef: doc.ref,
      property: 'ДокументЧестногоЗнака',
      value: 'abc',
    });
    const rec = records(doc.ref);
    assert.deepEqual(
      rec.map((r) => r['Свойство_Key']).sort(),
      [DEMO_STATUS_PROPERTY, DEMO_DOCID_PROPERTY].sort(),
    );
    await assert.rejects(
      writeAdditionalInfo(bed.client, {
        objectEntity: SALES,
        objectRef: doc.ref,
        property: 'Нет такого',
        value: 'x',
      }),
      (e: unknown) =>
        e instanceof ZnakFlowError &&
        e.code === 'ONEC_PROPERTY' &&
        /Дополнительные реквизиты и сведения/.test(e.ru),
    );
  });

  it('recovers when another writer created the record between read and write', async () => {
    const doc = bed.emu.store.world.documents[3]!;
    // Simulate the race: the record appears right after our read.
    const original = bed.client.list.bind(bed.client);
    let raced = false;
    bed.client.list = (async (...args: Parameters<OnecClient['list']>) => {
      const r = await original(...args);
      if (!raced && args[0] === REG) {
        raced = true;
        bed.emu.store.create(REG, {
          Объект: doc.ref,
          Объект_Type: `StandardODATA.${SALES}`,
          Свойство_Key: DEMO_STATUS_PROPERTY,
          Значение: 'старое',
          Значение_Type: 'Edm.String',
        });
      }
      return r;
    }) as OnecClient['list'];
    const w = await writeAdditionalInfo(bed.client, {
      objectEntity: SALES,
      objectRef: doc.ref,
      property: DEMO_STATUS_PROPERTY,
      value: 'новое',
    });
    assert.equal(w.action, 'updated');
    assert.deepEqual(
      records(doc.ref).map((r) => r['Значение']),
      ['новое'],
    );
  });

  it('recovers from a duplicate record answered with another code or without the OData envelope (§5.3 [?])', async () => {
    // A 1C that answers the duplicate register record otherwise than with code 15: a proxy on
    // 127.0.0.1 creates the record right after our read (the race) and rewrites the 400 it causes.
    const variants = [
      JSON.stringify({
        'odata.error': {
          code: '-1',
          message: { lang: 'ru', value: 'Запись с такими значениями уже существует' },
        },
      }),
      'Bad Request',
    ];
    for (const [i, body400] of variants.entries()) {
      const doc = bed.emu.store.world.documents[6 + i]!;
      let raced = false;
      const { proxy, via } = await throughProxy(bed.emu.url, (req, status) => {
        if (req.method === 'GET' && req.path.includes(`${REG}?`) && !raced) {
          raced = true;
          bed.emu.store.create(REG, {
            Объект: doc.ref,
            Объект_Type: `StandardODATA.${SALES}`,
            Свойство_Key: DEMO_STATUS_PROPERTY,
            Значение: 'старое',
            Значение_Type: 'Edm.String',
          });
        }
        return req.method === 'POST' && status === 400 ? { status: 400, body: body400 } : undefined;
      });
      try {
        const w = await writeAdditionalInfo(via, {
          objectEntity: SALES,
          objectRef: doc.ref,
          property: DEMO_STATUS_PROPERTY,
          value: 'новое',
        });
        assert.ok(raced, 'the record appeared between the read and the write');
        assert.equal(w.action, 'updated', `variant ${i}`);
        assert.deepEqual(
          records(doc.ref).map((r) => r['Значение']),
          ['новое'],
        );
      } finally {
        await via.close();
        proxy.closeAllConnections();
        await new Promise<void>((resolve) => proxy.close(() => resolve()));
      }
    }
  });

  it('updates a record through the unquoted composite key of the reference (§1.3 [?]) and keeps to it', async () => {
    // A 1C that reads only `Объект=<guid>,Объект_Type=StandardODATA.X` (the reference's one example):
    // every quoted type in a register key is refused as 1C refuses a key it cannot parse.
    const patches: string[] = [];
    const { proxy, via } = await throughProxy(bed.emu.url, (req) => {
      if (req.method !== 'PATCH') return undefined;
      patches.push(req.path);
      if (req.path.includes("_Type='") || req.path.includes("Объект='") || req.path.includes("Объект=guid'"))
        return {
          status: 400,
          body: JSON.stringify({
            'odata.error': { code: '6', message: { lang: 'ru', value: 'Неправильный ключ сущности' } },
          }),
        };
      return undefined;
    });
    try {
      for (const [i, doc] of [{ ref: bed.emu.store.newRef() }, { ref: bed.emu.store.newRef() }].entries()) {
        for (const value of ['первое', 'второе']) {
          const w = await writeAdditionalInfo(via, {
            objectEntity: SALES,
            objectRef: doc.ref,
            property: DEMO_STATUS_PROPERTY,
            value,
          });
          assert.equal(w.action, value === 'первое' ? 'created' : 'updated', `${i} ${value}`);
        }
        assert.deepEqual(
          records(doc.ref).map((r) => r['Значение']),
          ['второе'],
        );
      }
      // the first update tried the four forms, the second went straight to the one that worked
      assert.equal(patches.length, 5, patches.join('\n'));
      const last = patches[patches.length - 1]!;
      assert.match(
        last,
        /\(Объект=[0-9a-f-]{36},Объект_Type=StandardODATA\.Document_РеализацияТоваровУслуг,Свойство_Key=guid'/,
      );
    } finally {
      await via.close();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it('patches one attribute of the document, idempotently', async () => {
    const doc = bed.emu.store.world.documents[4]!;
    const dv0 = bed.emu.store.get(SALES, doc.ref)!['DataVersion'];
    const w1 = await patchAttribute(bed.client, {
      entity: SALES,
      ref: doc.ref,
      attribute: 'Комментарий',
      value: 'ЧЗ: Проверен',
    });
    assert.equal(w1.action, 'updated');
    const dv1 = bed.emu.store.get(SALES, doc.ref)!['DataVersion'];
    assert.notEqual(dv1, dv0);
    const w2 = await patchAttribute(bed.client, {
      entity: SALES,
      ref: doc.ref,
      attribute: 'Комментарий',
      value: 'ЧЗ: Проверен',
    });
    assert.equal(w2.action, 'unchanged');
    assert.equal(bed.emu.store.get(SALES, doc.ref)!['DataVersion'], dv1, 'no second write');
  });

  it('refuses 1C’s own ИС МП registers and documents, and bad references', async () => {
    for (const e of [
      'InformationRegister_СтатусыДокументовИСМП',
      'InformationRegister_СтатусыОформленияДокументовИСМП',
      'Document_ОтгрузкаТоваровИСМП',
      'InformationRegister_ПулКодовМаркировкиСУЗ',
    ]) {
      assert.throws(
        () => assertWritable(e),
        (err: unknown) => err instanceof ZnakFlowError && err.code === 'ONEC_WRITE_FORBIDDEN',
      );
    }
    await assert.rejects(
      writeAdditionalInfo(bed.client, {
        register: 'InformationRegister_СтатусыДокументовИСМП',
        objectEntity: SALES,
        objectRef: bed.emu.store.world.documents[0]!.ref,
        property: DEMO_STATUS_PROPERTY,
        value: 'x',
      }),
      /ONEC_WRITE_FORBIDDEN|ИС МП/,
    );
    assert.equal(bed.emu.requests.total, 0);
    await assert.rejects(
      patchAttribute(bed.client, { entity: SALES, ref: "x' or '1", attribute: 'Комментарий', value: 'x' }),
      (e: unknown) => e instanceof ZnakFlowError && e.field === 'ref',
    );
  });

  it('keeps one line per ЧЗ document when one 1C document became several (merge), idempotently', async () => {
    const doc = bed.emu.store.world.documents[5]!;
    const write = (label: string, text: string) =>
      writeAdditionalInfo(bed.client, {
        objectEntity: SALES,
        objectRef: doc.ref,
        property: DEMO_STATUS_PROPERTY,
        value: text,
        merge: (existing) => mergeOutcome(existing, label, text),
      });
    assert.equal((await write('shoes', 'Проверен [CHECKED_OK]')).action, 'created');
    assert.equal((await write('lp', 'Отклонён [CHECKED_NOT_OK]: 47: ошибка')).action, 'updated');
    assert.equal(
      records(doc.ref)[0]?.['Значение'],
      '[lp] Отклонён [CHECKED_NOT_OK]: 47: ошибка\n[shoes] Проверен [CHECKED_OK]',
    );
    assert.equal((await write('lp', 'Отклонён [CHECKED_NOT_OK]: 47: ошибка')).action, 'unchanged');
    assert.equal((await write('lp', 'Проверен [CHECKED_OK]')).action, 'updated');
    assert.equal(
      records(doc.ref)[0]?.['Значение'],
      '[lp] Проверен [CHECKED_OK]\n[shoes] Проверен [CHECKED_OK]',
    );
    assert.equal(records(doc.ref).length, 1);
    assert.equal(
      mergeOutcome('старое значение без меток', 'lp', 'x'),
      '[lp] x',
      'an unlabelled old value is replaced',
    );
  });
});
