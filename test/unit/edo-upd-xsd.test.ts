/**
 * The builder's УПД against the ФНС XSD of format 5.03 (order ЕД-7-26/970@, revision 05_03_05,
 * test/fixtures/fns/README.md) with `xmllint --schema` (Debian libxml2-utils), on the windows-1251
 * bytes exactly as they are uploaded. Skipped with a message only when xmllint is not installed.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runProcess } from '../../lib/signing/process';
import { prepareUpd, type UpdInput } from '../../lib/edo/upd';
import { saleToUpd } from '../../lib/edo/map';
import { demoWorld } from '../../lib/emulators/demo-data';
import { onecMessage } from '../support/onec-fixtures';
import { encodeCp1251 } from '../../lib/edo/cp1251';
import { sampleUpd } from '../support/edo';

const XSD = path.join(__dirname, '..', 'fixtures', 'fns', 'ON_NSCHFDOPPR_1_997_01_05_03_05.xsd');
const XSD_SHA256 = 'f98a1ac91cb840ff341976f7636d8a98d51a43e9b1cbbf3e97386551aacdb49a';

async function xmllint(file: string): Promise<{ ok: boolean; text: string }> {
  const r = await runProcess('xmllint', ['--noout', '--schema', XSD, file], { timeoutMs: 60000 });
  return { ok: r.code === 0, text: `${r.stdout}${r.stderr}` };
}

describe('edo: УПД 5.03 against the ФНС XSD (xmllint)', function () {
  this.timeout(60000);
  let dir = '';

  before(async function () {
    const probe = await runProcess('xmllint', ['--version'], { timeoutMs: 10000 }).catch(() => undefined);
    if (!probe || probe.code !== 0) {
      console.log('      skipped: xmllint not installed (apt-get install libxml2-utils)');
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'znakflow-xsd-'));
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const check = async (input: UpdInput): Promise<{ ok: boolean; text: string }> => {
    const r = prepareUpd(input);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
    const file = path.join(dir, r.upd.fileName);
    fs.writeFileSync(file, r.upd.bytes);
    return xmllint(file);
  };

  it('the vendored XSD is the one the README describes', () => {
    assert.equal(createHash('sha256').update(fs.readFileSync(XSD)).digest('hex'), XSD_SHA256);
  });

  it('СЧФДОП with unit codes (escaped serials), 22 % VAT', async () => {
    const r = await check(sampleUpd());
    assert.ok(r.ok, r.text);
  });

  it('ДОП by an entrepreneur under an МЧД, aggregates as НомУпак, every VAT rate, characters outside cp1251', async () => {
    const r = await check(
      sampleUpd({
        function: 'ДОП',
        seller: {
          name: '',
          inn: '771012345630',
          person: { surname: 'Петров', firstName: 'Пётр', middleName: 'Петрович' },
          edoId: '2LT-333',
        },
        buyer: { name: 'Chloé SARL', inn: '7720345675', kpp: '770001001', edoId: '2LT-222222222' },
        signer: {
          surname: 'Сидоров',
          firstName: 'Сидор',
          position: 'Менеджер',
          poa: { number: 'a1b2c3d4-0000-4000-8000-000000000001', issuedAt: '2026-01-15' },
        },
        productGroup: '',
        info: [{ id: 'СвВыбытияМАРК', value: '1' }],
        lines: [
          {
            name: 'Коробка',
            okei: '796',
            quantity: 10,
            vatRate: '22%',
            totalKop: 100000,
            gtin: '04601234567893',
            packages: ['146012345678900017'],
          },
          { name: 'Книга', okei: '796', quantity: 1, vatRate: 'НДС10', totalKop: 55000 },
          { name: 'Экспорт', okei: '796', quantity: 1, vatRate: 'НДС0', totalKop: 1000 },
          { name: 'Услуга «Ёж»', okei: '796', quantity: 3, vatRate: 'БезНДС', price: 0.01 },
          { name: 'Ткань', okei: '006', quantity: 2.75, vatRate: '20%', totalKop: 12345 },
        ],
      }),
    );
    assert.ok(r.ok, r.text);
  });

  it('every УПД made from a demo 1C sale, return to the supplier and transfer between organisations', async () => {
    const world = demoWorld({ transfers: true });
    const edoIds = Object.fromEntries(
      [world.organisation, ...world.counterparties, ...(world.affiliates ?? [])].map((p, i) => [
        p.inn,
        `2LT-${100000000 + i}`,
      ]),
    );
    let n = 0;
    const kinds = new Set(['sale', 'supplierReturn', 'intercompany']);
    for (const doc of world.documents.filter((d) => kinds.has(d.kind))) {
      const msg = onecMessage(world, doc);
      const m = saleToUpd(msg.payload, msg.onec, {
        signer: { surname: 'Иванов', firstName: 'Иван', position: 'Директор' },
        edoIds,
        seller: { address: 'г. Москва' },
        buyer: { address: 'г. Москва' },
        formedAt: new Date('2026-06-01T09:00:00Z'),
      });
      for (const d of m.documents) {
        const r = await check(d.input);
        assert.ok(r.ok, `${doc.number} ${d.productGroup}: ${r.text}`);
        n++;
      }
    }
    assert.ok(n >= 12, `${n} УПД checked`);
  });

  it('the check can fail: a file the XSD refuses is reported', async () => {
    const r = prepareUpd(sampleUpd());
    assert.ok(r.ok);
    // drop the required НалСт attribute from the windows-1251 bytes
    const bytes = r.upd.bytes;
    const needle = encodeCp1251(' НалСт="22%"');
    const at = bytes.indexOf(needle);
    assert.ok(at > 0);
    const broken = path.join(dir, 'broken.xml');
    fs.writeFileSync(broken, Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + needle.length)]));
    const res = await xmllint(broken);
    assert.equal(res.ok, false);
    assert.match(res.text, /fails to validate/);
  });
});
