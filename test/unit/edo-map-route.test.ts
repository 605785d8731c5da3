/**
 * lib/edo/map.ts saleToUpd and the two routes of a sale: the groups that ship by LP_SHIP_GOODS (furs)
 * are left out of the УПД before numbering; the VAT rate of a row whose 1C rate is not readable comes
 * from the row's own amounts.
 */
import assert from 'node:assert/strict';
import { saleToUpd } from '../../lib/edo/map';
import { demoWorld } from '../../lib/emulators/demo-data';
import { onecMessage } from '../support/onec-fixtures';

const world = demoWorld({ baseDate: '2026-11-20T09:00:00', furs: true });
const sale = (comment: string) => {
  const d = world.documents.find((x) => x.comment === comment);
  if (!d) throw new Error(comment);
  return onecMessage(world, d);
};
const opts = { signer: { surname: 'Иванов', firstName: 'Иван', position: 'Директор' }, formedAt: new Date() };

describe('lib/edo saleToUpd: furs by LP_SHIP_GOODS, the rest by УПД', () => {
  it('a fur sale makes no УПД: its group is listed as skipped', () => {
    const r = saleToUpd(
      sale('меховые изделия (LP_SHIP_GOODS)').payload,
      sale('меховые изделия (LP_SHIP_GOODS)').onec,
      opts,
    );
    assert.deepEqual(r.skipped, ['furs']);
    assert.deepEqual(
      r.documents.filter((d) => d.productGroup !== '').map((d) => d.productGroup),
      [],
    );
  });

  it('a mixed sale with furs: the furs left out before the /k numbering', () => {
    const m = sale('смешанная: одежда и обувь');
    const r = saleToUpd(m.payload, m.onec, { ...opts, groupMapping: { ОбувнаяПродукция: 'furs' } });
    assert.deepEqual(r.skipped, ['furs']);
    const marked = r.documents.filter((d) => d.productGroup !== '');
    assert.deepEqual(
      marked.map((d) => d.productGroup),
      ['lp'],
    );
    const all = saleToUpd(m.payload, m.onec, {
      ...opts,
      groupMapping: { ОбувнаяПродукция: 'furs' },
      skipGroups: [],
    });
    assert.deepEqual(all.skipped, []);
    assert.ok(
      all.documents.some((d) => d.productGroup === 'furs'),
      'skipGroups [] keeps every group',
    );
  });

  it('the VAT rate from the row’s own amounts when 1C names none (СтавкаНДС_Key only)', () => {
    const m = sale('обувь');
    const rows = m.payload['Товары'] as Array<Record<string, unknown>>;
    for (const row of rows) delete row['СтавкаНДС'];
    const r = saleToUpd(m.payload, m.onec, opts);
    const lines = r.documents.flatMap((d) => d.input.lines);
    assert.ok(lines.length > 0);
    for (const l of lines) assert.equal(l.vatRate, '20%', `${l.name}: 20 % from its amounts`);
    // amounts that fit no rate: not guessed
    for (const row of rows) row['СуммаНДС'] = 1;
    const none = saleToUpd(m.payload, m.onec, opts);
    for (const l of none.documents.flatMap((d) => d.input.lines)) assert.equal(l.vatRate, '');
  });
});
