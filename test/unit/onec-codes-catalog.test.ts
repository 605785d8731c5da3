/**
 * lib/onec/codes-catalog.ts against the 1C emulator over HTTP: emitted codes (as СУЗ gives them, with
 * GS and the crypto tail) become entries of Catalog_ШтрихкодыУпаковокТоваров with the item of their
 * GTIN; the same codes again create nothing; a code 1C already keeps, in its short or its full form,
 * is found, not created twice.
 */
import assert from 'node:assert/strict';
import { makeCode, prng } from '../../lib/emulators/demo-data';
import {
  CODES_CATALOG,
  gtinOfCode,
  itemsByGtin,
  shortCode,
  writeEmittedCodes,
} from '../../lib/onec/codes-catalog';
import { useOnecBed } from '../support/onec-bed';

const GS = '\u001d';

describe('lib/onec/codes-catalog: emitted codes into 1C', () => {
  const bed = useOnecBed();
  const entries = () => bed.emu.store.rows(CODES_CATALOG);
  const byValue = (code: string) =>
    entries().filter((e) => shortCode(String(e['ЗначениеШтрихкода'])) === shortCode(code));

  it('creates one entry per new code with the item of its GTIN, and nothing the second time', async () => {
    const item = bed.emu.store.world.items[0]!;
    const rand = prng(4242);
    // the form СУЗ gives: 01 GTIN 21 serial GS 93 crypto tail
    const codes = [1, 2, 3].map(() => {
      const c = makeCode(rand, item.gtin);
      return c.full.includes(GS) ? c.full : `${c.cis}${GS}93abcd`;
    });
    assert.equal(gtinOfCode(codes[0]!), item.gtin);
    const before = entries().length;
    const w = await writeEmittedCodes(bed.client, codes);
    assert.deepEqual([w.created, w.present, w.refs.length], [3, 0, 3]);
    assert.equal(entries().length, before + 3);
    for (const c of codes) {
      const [e, ...more] = byValue(c);
      assert.equal(more.length, 0, 'one entry per code');
      assert.equal(e?.['ЗначениеШтрихкода'], c, 'the code as given, with GS and the crypto tail');
      assert.equal(e?.['Номенклатура_Key'], item.ref, 'the item of its GTIN');
      assert.equal(e?.['ТипУпаковки'], 'МаркированныйТовар');
      assert.equal(e?.['ТипШтрихкода'], 'GS1_DataMatrix');
    }
    // the look-up of the codes is one request for all of them, not one a code
    const lookups = () =>
      bed.emu.requests.log.filter((r) => r.method === 'GET' && r.resource.includes(`/${CODES_CATALOG}?`))
        .length;
    assert.equal(lookups(), 1, 'one look-up for the three codes');
    const again = await writeEmittedCodes(bed.client, codes);
    assert.equal(lookups(), 2);
    assert.deepEqual([again.created, again.present], [0, 3]);
    assert.deepEqual(again.refs, w.refs);
    assert.equal(entries().length, before + 3, 'the same codes again create nothing');
  });

  it('finds a code 1C keeps in either form (short or full) and does not create it again', async () => {
    const known = bed.emu.store.world.codes.slice(0, 6);
    assert.ok(known.some((c) => c.stored === c.cis) && known.some((c) => c.stored === c.full));
    const before = entries().length;
    // given in the other form than 1C keeps it
    const given = known.map((c) => (c.stored === c.cis ? c.full : c.cis));
    const w = await writeEmittedCodes(bed.client, given);
    assert.deepEqual([w.created, w.present], [0, known.length]);
    assert.equal(entries().length, before);
    assert.deepEqual(
      w.refs,
      known.map((c) => c.ref),
    );
  });

  it('the item of a GTIN from the barcodes register (EAN-13 without the leading zero); an unknown GTIN has none', async () => {
    const item = bed.emu.store.world.items[1]!;
    const m = await itemsByGtin(bed.client, [item.gtin, '04600000000009']);
    assert.equal(m.get(item.gtin), item.ref);
    assert.equal(m.has('04600000000009'), false);
  });
});
