/**
 * Test support for the ЭДО Лайт / УПД tests: a complete seller's-title input (the reference example).
 */
import fs from 'node:fs';
import { buildUpd, type BuiltUpd, type UpdInput } from '../../lib/edo/upd';
import type { CzEmulator } from '../../lib/emulators/cz';
import type { DemoWorld } from '../../lib/emulators/demo-data';

export const GS = '\u001d';
export const GTIN = '04601234567893';

export function sampleUpd(over: Partial<UpdInput> = {}): UpdInput {
  return {
    function: 'СЧФДОП',
    number: 'РН-000123',
    date: '2026-06-01',
    formedAt: new Date('2026-06-01T09:30:00Z'),
    key: 'ref-1:AAAAAAAAAAE=:upd:lp',
    productGroup: 'lp',
    seller: {
      name: 'ООО "Продавец"',
      inn: '7708123450',
      kpp: '770001001',
      address: 'г. Москва, ул. Тверская, д. 1',
      edoId: '2LT-111111111',
    },
    buyer: {
      name: 'ООО «Покупатель»',
      inn: '7720345675',
      kpp: '770001001',
      address: 'г. Москва, ул. Арбат, д. 2',
      edoId: '2LT-222222222',
    },
    signer: {
      surname: 'Иванов',
      firstName: 'Иван',
      middleName: 'Иванович',
      position: 'Генеральный директор',
    },
    lines: [
      {
        name: 'Футболка мужская, белая, 48',
        okei: '796',
        unitName: 'шт',
        quantity: 2,
        vatRate: 'НДС22',
        totalKop: 244000,
        codes: [
          `010460123456789321ABCDEFGHIJK<M${GS}91EE11${GS}92${'abcdefghijk'.repeat(4)}`,
          `(01)04601234567893(21)5'"&AbCdEfGhI`,
        ],
      },
    ],
    ...over,
  };
}

/** A party of the demo world as a УПД side, with its emulated EDO id. */
export function edoParty(
  bed: { emu: { edo: { edoId(inn: string): string | undefined } } },
  p: { name: string; inn: string; kpp?: string },
  address = 'г. Москва',
): { name: string; inn: string; kpp?: string; address: string; edoId: string } {
  return { name: p.name, inn: p.inn, kpp: p.kpp, address, edoId: bed.emu.edo.edoId(p.inn) ?? '' };
}

/** A journal file's entries as they are on disk now (last line per key wins; a torn line is not there yet). */
export function journalOnDisk(file: string): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as Record<string, unknown>;
      if (typeof e['key'] === 'string') out.set(e['key'], e);
    } catch {
      // a torn line: not on disk yet
    }
  }
  return out;
}

/** What demoUpd needs of the test bed (test/support/cz.ts). */
export interface DemoUpdBed {
  world: DemoWorld;
  emu: CzEmulator;
  codes(filter: { pg?: string; status?: string; free?: boolean }): string[];
}

let demoUpdCount = 0;

/**
 * A УПД from the demo organisation to its first counterparty with `count` free lp codes of one GTIN
 * that no УПД of the emulator holds yet (or exactly `codes`).
 */
export function demoUpd(
  bed: DemoUpdBed,
  count: number,
  over: Partial<UpdInput> = {},
  codes?: string[],
): BuiltUpd {
  const org = bed.world.organisation;
  const buyer = bed.world.counterparties[0] as (typeof bed.world.counterparties)[number];
  let list = codes;
  if (!list) {
    const used = new Set(bed.emu.edo.documents().flatMap((d) => d.codes));
    const byGtin = new Map<string, string[]>();
    for (const c of bed.codes({ pg: 'lp', status: 'INTRODUCED', free: true })) {
      if (used.has(c) || bed.emu.registry.code(c)?.ownerInn !== org.inn) continue;
      byGtin.set(c.slice(2, 16), [...(byGtin.get(c.slice(2, 16)) ?? []), c]);
    }
    list = ([...byGtin.values()].sort((x, y) => y.length - x.length)[0] ?? []).slice(0, count);
    if (list.length !== count) throw new Error(`only ${list.length} free demo codes of one GTIN`);
  }
  demoUpdCount++;
  return buildUpd({
    function: 'СЧФДОП',
    number: `ЭДО-${demoUpdCount}`,
    date: '2026-06-01',
    formedAt: new Date(),
    key: `test:${demoUpdCount}:${Math.random()}`,
    productGroup: 'lp',
    seller: edoParty(bed, org),
    buyer: edoParty(bed, buyer),
    signer: { surname: 'Иванов', firstName: 'Иван', position: 'Директор' },
    lines: [
      {
        name: 'Футболка',
        okei: '796',
        quantity: list.length,
        vatRate: '22%',
        totalKop: 122000 * list.length,
        codes: list,
      },
    ],
    ...over,
  });
}

/**
 * A node-test flow: the connection to the emulator and an `edo-send` (the demo signer, addresses where 1C
 * has none) wired to helpers `sent` and `invalid`, and a Catch to `caught`.
 */
export function edoSendFlow(
  connection: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Array<Record<string, unknown>> {
  const at = { x: 100, y: 100 };
  return [
    { id: 'tab', type: 'tab' },
    connection,
    {
      id: 'send',
      type: 'edo-send',
      z: 'tab',
      ...at,
      connection: String(connection['id']),
      signerSurname: 'Иванов',
      signerFirstName: 'Иван',
      signerPosition: 'Генеральный директор',
      sellerAddress: 'г. Москва, ул. Тверская, д. 1',
      buyerAddress: 'г. Москва, ул. Арбат, д. 2',
      retryMinutes: 0,
      ...extra,
      wires: [['sent'], ['invalid']],
    },
    { id: 'sent', type: 'helper', z: 'tab', ...at },
    { id: 'invalid', type: 'helper', z: 'tab', ...at },
    { id: 'k1', type: 'catch', z: 'tab', ...at, scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab', ...at },
  ];
}
